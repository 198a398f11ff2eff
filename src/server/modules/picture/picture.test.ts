import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { PoolClient } from 'pg';
import { systemActor } from '../../core/access/actor.ts';
import type { Tlp } from '../../core/access/tlp.ts';
import type { Sharing } from '../../core/access/visibility.ts';
import { testDbKind } from '../../test/db-image.ts';
import { accessMismatches, createTestRampart, createWorld, PERSONA_KEYS, type PersonaKey, type TestRampart, type World } from '../../test/harness.ts';
import type { AlertsService } from '../alerts/index.ts';
import { ACK_MINUTE_EDGES } from '../alerts/alerts.repo.ts';
import { postureOf } from './picture.service.ts';

let r: TestRampart;
let w: World;
let alerts: AlertsService;

beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
  alerts = (r.modules.find((m) => m.name === 'alerts') as unknown as { service: AlertsService }).service;
}, 120_000);
afterAll(async () => {
  await r?.close();
});

const db = () => r.core.database.db;
type Area = { fips: string; posture: string; activeAlerts: number; openIncidents: number; recentSightings: number; alertsByLevel: Record<string, number> };

async function stateRow(p: PersonaKey, fips: string): Promise<Area> {
  const res = await w.as(p).get('/api/picture/states');
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().items as Area[]).find((s) => s.fips === fips)!;
}
async function countyRow(p: PersonaKey, county: string): Promise<Area> {
  const res = await w.as(p).get(`/api/picture/states/${county.slice(0, 2)}/counties`);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().items as Area[]).find((s) => s.fips === county)!;
}
async function trendTotals(p: PersonaKey): Promise<{ indicators: number; sightings: number; alerts: number; azSightings: number }> {
  const res = await w.as(p).get('/api/picture/trends');
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json() as { totals: { indicators: number; sightings: number; alerts: number }; days: { sightingsByState: Record<string, number> }[] };
  return { ...body.totals, azSightings: body.days.reduce((s, d) => s + (d.sightingsByState['04'] ?? 0), 0) };
}

/** Reads a number for every persona before and after `add`; a persona saw the record when its number grew by exactly one. */
async function sawPerPersona(read: (p: PersonaKey) => Promise<number>, add: () => Promise<void>): Promise<(p: PersonaKey) => Promise<boolean>> {
  const before = new Map<PersonaKey, number>();
  for (const p of PERSONA_KEYS) before.set(p, await read(p));
  await add();
  return async (p) => {
    const d = (await read(p)) - before.get(p)!;
    if (d !== 0 && d !== 1) throw new Error(`${p}: count moved by ${d}`);
    return d === 1;
  };
}

async function insertSighting(orgId: string, s: Sharing, opts: { count?: number } = {}): Promise<string> {
  const id = `sighting--${randomUUID()}`;
  const now = r.core.clock.now();
  await sql`INSERT INTO detect_sightings (id, indicator_id, org_id, count, first_seen, last_seen, created, modified, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by)
    VALUES (${id}, ${`indicator--${randomUUID()}`}, ${orgId}, ${opts.count ?? 2}, ${now}, ${now}, ${now}, ${now}, ${s.ownerOrgId}, ${s.tlp},
      ${s.communityIds}::uuid[], ${s.recipientOrgIds}::uuid[], ${s.recipientUserIds}::uuid[], ${s.createdBy})`.execute(db());
  return id;
}
async function insertIncident(fips: string, s: Sharing, status = 'new'): Promise<string> {
  const id = randomUUID();
  const now = r.core.clock.now();
  await sql`INSERT INTO incidents (id, status, title, jurisdiction_fips, created_at, updated_at, submitted_at, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by)
    VALUES (${id}, ${status}, 'picture test', ${fips}, ${now}, ${now}, ${now}, ${s.ownerOrgId}, ${s.tlp}, ${s.communityIds}::uuid[], ${s.recipientOrgIds}::uuid[], ${s.recipientUserIds}::uuid[], ${s.createdBy})`.execute(db());
  return id;
}
async function insertIndicator(s: Sharing): Promise<string> {
  const id = `indicator--${randomUUID()}`;
  const now = r.core.clock.now().toISOString();
  const object = { type: 'indicator', spec_version: '2.1', id, created: now, modified: now, pattern: "[ipv4-addr:value = '198.51.100.7']", pattern_type: 'stix', valid_from: now };
  await sql`INSERT INTO stix_objects (id, type, version, created, modified, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, object)
    VALUES (${id}, 'indicator', ${now}, ${now}, ${now}, ${s.ownerOrgId}, ${s.tlp}, ${s.communityIds}::uuid[], ${s.recipientOrgIds}::uuid[], ${s.recipientUserIds}::uuid[], ${s.createdBy}, ${JSON.stringify(object)}::jsonb)`.execute(db());
  return id;
}
const sharing = (over: Partial<Sharing> & { tlp: Tlp }): Sharing => ({ ownerOrgId: null, communityIds: [], recipientOrgIds: [], recipientUserIds: [], createdBy: null, ...over });

async function publishAlert(body: Record<string, unknown>): Promise<{ id: string; sharing: Sharing }> {
  const c = await w.as('HUB_ANALYST').post('/api/alerts', { summary: 'picture', body: 'text', target: { orgKinds: ['state_election_office', 'local_election_office'] }, ...body });
  expect(c.statusCode, c.body).toBe(201);
  const id = c.json().id as string;
  expect((await w.as('HUB_ANALYST').post(`/api/alerts/${id}/submit`, {})).statusCode).toBe(200);
  const p = await w.as('HUB_ANALYST').post(`/api/alerts/${id}/publish`, {});
  expect(p.statusCode, p.body).toBe(200);
  await alerts.fanout(id, p.json().revision);
  const row = (await sql<Sharing>`SELECT owner_org_id AS "ownerOrgId", tlp, community_ids AS "communityIds", recipient_org_ids AS "recipientOrgIds",
    recipient_user_ids AS "recipientUserIds", created_by AS "createdBy" FROM alerts WHERE id = ${id}`.execute(db())).rows[0]!;
  return { id, sharing: row };
}

describe('access: counts never include what the actor may not see', () => {
  test('an AMBER sighting of Maricopa County: the map, the drill-down and the trends agree with the visibility rule', async () => {
    const s = sharing({ tlp: 'AMBER', ownerOrgId: w.org.COUNTY_MARICOPA, recipientOrgIds: [w.org.HUB] });
    const read = async (p: PersonaKey) => (await stateRow(p, '04')).recentSightings * 1e6 + (await countyRow(p, '04013')).recentSightings * 1e3 + (await trendTotals(p)).azSightings;
    const before = new Map<PersonaKey, number>();
    for (const p of PERSONA_KEYS) before.set(p, await read(p));
    await insertSighting(w.org.COUNTY_MARICOPA, s);
    // one more in the state, in the county and in the trend line of the state: 1e6 + 1e3 + 1
    const bad = await accessMismatches(w, s, async (p) => {
      const d = (await read(p)) - before.get(p)!;
      if (d !== 0 && d !== 1_001_001) throw new Error(`${p}: ${d}`);
      return d !== 0;
    });
    expect(bad).toEqual([]);
    expect(await w.expectedViewers(s)).not.toContain('FULTON_MEMBER');
    expect(await w.expectedViewers(s)).toContain('MARICOPA_MEMBER');
  });

  test('a GREEN sighting shared with the officials community, and a RED one to a named person', async () => {
    for (const s of [
      sharing({ tlp: 'GREEN', ownerOrgId: w.org.COUNTY_MARICOPA, communityIds: [w.community.OFFICIALS] }),
      sharing({ tlp: 'RED', ownerOrgId: w.org.COUNTY_MARICOPA, recipientUserIds: [w.user.GA_ANALYST] }),
    ]) {
      const saw = await sawPerPersona(async (p) => (await stateRow(p, '04')).recentSightings, async () => void (await insertSighting(w.org.COUNTY_MARICOPA, s)));
      expect(await accessMismatches(w, s, saw)).toEqual([]);
    }
  });

  test('an AMBER incident of Maricopa County is an open incident only for those who may see it; a closed one counts for nobody', async () => {
    const s = sharing({ tlp: 'AMBER', ownerOrgId: w.org.COUNTY_MARICOPA, recipientOrgIds: [w.org.HUB] });
    const read = async (p: PersonaKey) => (await stateRow(p, '04')).openIncidents * 1000 + (await countyRow(p, '04013')).openIncidents;
    const saw = await sawPerPersona(async (p) => (await read(p)) / 1001, async () => void (await insertIncident('04013', s)));
    expect(await accessMismatches(w, s, saw)).toEqual([]);
    const hub = await read('HUB_ANALYST');
    await insertIncident('04013', sharing({ tlp: 'CLEAR' }), 'closed');
    expect(await read('HUB_ANALYST')).toBe(hub);
    expect((await stateRow('FULTON_MEMBER', '04')).openIncidents).toBe(0);
  });

  test('a RED alert to named recipients counts for them and its author only (map, drill-down, trends)', async () => {
    const read = async (p: PersonaKey) => (await stateRow(p, '04')).alertsByLevel.Guarded * 1000 + (await trendTotals(p)).alerts;
    const before = new Map<PersonaKey, number>();
    for (const p of PERSONA_KEYS) before.set(p, await read(p));
    const a = await publishAlert({ title: 'Red picture', level: 'Guarded', tlp: 'RED', communityIds: [], recipientUserIds: [w.user.AZ_MEMBER], affectedJurisdictions: ['04'] });
    const bad = await accessMismatches(w, a.sharing, async (p) => {
      const d = (await read(p)) - before.get(p)!;
      if (d !== 0 && d !== 1001) throw new Error(`${p}: ${d}`);
      return d !== 0;
    });
    expect(bad).toEqual([]);
    expect(await w.expectedViewers(a.sharing)).toEqual(new Set(['HUB_ANALYST', 'AZ_MEMBER']));
  });

  test('an AMBER alert for a county shows on that county for its audience', async () => {
    const a = await publishAlert({ title: 'Maricopa picture', level: 'Elevated', tlp: 'AMBER', communityIds: [], recipientOrgIds: [w.org.STATE_AZ], affectedJurisdictions: ['04013'] });
    // the only Elevated alert for this county in this file: a persona counts it exactly when the rule lets it see it
    const viewers = await w.expectedViewers(a.sharing);
    for (const p of PERSONA_KEYS) expect((await countyRow(p, '04013')).alertsByLevel.Elevated, p).toBe(viewers.has(p) ? 1 : 0);
    const az = await countyRow('AZ_ANALYST', '04013');
    expect(az.posture === 'Elevated' || az.posture === 'High' || az.posture === 'Severe').toBe(true);
    expect((await countyRow('FULTON_MEMBER', '04013')).alertsByLevel.Elevated).toBe(0);
  });

  test('indicators shared per day: only the visible ones', async () => {
    const s = sharing({ tlp: 'AMBER+STRICT', ownerOrgId: w.org.STATE_GA });
    const saw = await sawPerPersona(async (p) => (await trendTotals(p)).indicators, async () => {
      await insertIndicator(s);
    });
    expect(await accessMismatches(w, s, saw)).toEqual([]);
  });
});

describe('filters', () => {
  test('sector (organisation kind) and community narrow the trends', async () => {
    const q = async (qs: string) => {
      const res = await w.as('HUB_ANALYST').get(`/api/picture/trends?${qs}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().totals as { indicators: number; sightings: number };
    };
    const all = await q('');
    const campaignsBefore = await q('sector=campaign');
    const vendorsBefore = await q(`communityId=${w.community.VENDORS}`);
    await insertSighting(w.org.CAMPAIGN, sharing({ tlp: 'GREEN', ownerOrgId: w.org.CAMPAIGN, communityIds: [w.community.CAMPAIGNS] }));
    await insertIndicator(sharing({ tlp: 'GREEN', ownerOrgId: w.org.VENDOR, communityIds: [w.community.VENDORS] }));
    expect((await q('sector=campaign')).sightings).toBe(campaignsBefore.sightings + 1);
    expect((await q('sector=election_vendor')).indicators).toBeGreaterThan(0);
    expect((await q(`communityId=${w.community.VENDORS}`)).indicators).toBe(vendorsBefore.indicators + 1);
    expect((await q(`communityId=${w.community.VENDORS}`)).sightings).toBe(vendorsBefore.sightings);
    expect((await q('')).sightings).toBe(all.sightings + 1);
    // a range that ended before today holds none of today's records
    const old = await q('from=2020-01-01&to=2020-01-31');
    expect(old).toEqual({ indicators: 0, sightings: 0, alerts: 0 });
  });

  test('bad filters are a 400 naming the field; an unknown state a 404; no session a 401', async () => {
    const path = async (url: string) => {
      const res = await w.as('HUB_ANALYST').get(url);
      return { status: res.statusCode, path: res.json().error?.details?.path as string | undefined };
    };
    expect(await path('/api/picture/trends?sector=pirates')).toEqual({ status: 400, path: 'querystring.sector' });
    expect(await path('/api/picture/trends?communityId=nope')).toEqual({ status: 400, path: 'querystring.communityId' });
    expect(await path('/api/picture/trends?from=2026-13-01')).toEqual({ status: 400, path: 'querystring.from' });
    expect(await path('/api/picture/trends?from=2026-02-01&to=2025-01-01')).toEqual({ status: 400, path: 'querystring.from' });
    expect(await path('/api/picture/trends?from=2024-01-01&to=2025-06-01')).toEqual({ status: 400, path: 'querystring.from' });
    expect(await path('/api/picture/trends?colour=red')).toMatchObject({ status: 400 });
    expect(await path('/api/picture/states/4/counties')).toEqual({ status: 400, path: 'params.stateFips' });
    expect((await path('/api/picture/states/99/counties')).status).toBe(404);
    expect((await w.anonymous.get('/api/picture/states')).statusCode).toBe(401);
    expect((await w.anonymous.get('/api/picture/trends')).statusCode).toBe(401);
  });
});

describe('the sightings rollup (detect_sighting_days) stays equal to the sightings it sums', () => {
  // the key and count, and the place: the reporting organisation's jurisdiction as it is now (0211)
  const fromRollup = async () =>
    (await sql<{ k: string; n: number }>`SELECT concat_ws('|', day, org_id, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, jurisdiction_fips) AS k, sightings AS n
      FROM detect_sighting_days WHERE sightings <> 0 ORDER BY 1`.execute(db())).rows;
  const fromRows = async () =>
    (await sql<{ k: string; n: number }>`SELECT concat_ws('|', (s.created AT TIME ZONE 'UTC')::date, s.org_id, s.owner_org_id, s.tlp, s.community_ids, s.recipient_org_ids, s.recipient_user_ids, s.created_by, o.jurisdiction_fips) AS k, count(*)::int AS n
      FROM detect_sightings s JOIN organisations o ON o.id = s.org_id WHERE s.count > 0 GROUP BY 1 ORDER BY 1`.execute(db())).rows;

  test('through insert (count 0 and n), counting up, a change of sharing, and delete', async () => {
    const s = sharing({ tlp: 'AMBER', ownerOrgId: w.org.COUNTY_FULTON });
    const a = await insertSighting(w.org.COUNTY_FULTON, s, { count: 0 });
    const b = await insertSighting(w.org.COUNTY_FULTON, s);
    expect(await fromRollup()).toEqual(await fromRows());
    const maricopa = (await stateRow('MARICOPA_MEMBER', '13')).recentSightings;
    await sql`UPDATE detect_sightings SET count = 5 WHERE id = ${a}`.execute(db());
    await sql`UPDATE detect_sightings SET count = count + 1, recipient_org_ids = ${[w.org.COUNTY_MARICOPA]}::uuid[] WHERE id = ${b}`.execute(db());
    expect(await fromRollup()).toEqual(await fromRows());
    expect((await stateRow('MARICOPA_MEMBER', '13')).recentSightings).toBe(maricopa + 1);
    await sql`DELETE FROM detect_sightings WHERE id IN (${a}, ${b})`.execute(db());
    expect(await fromRollup()).toEqual(await fromRows());
    expect((await stateRow('MARICOPA_MEMBER', '13')).recentSightings).toBe(maricopa);
  });

  test('an organisation that moves takes its sightings with it (map, drill-down, trends); its delete takes them out', async () => {
    const org = (await sql<{ id: string }>`INSERT INTO organisations (name, kind, jurisdiction_fips) VALUES (${`Picture mover ${randomUUID()}`}, 'private_sector', '04013') RETURNING id`.execute(db())).rows[0]!.id;
    const place = async () => ({
      az: (await stateRow('FULTON_MEMBER', '04')).recentSightings, maricopa: (await countyRow('FULTON_MEMBER', '04013')).recentSightings,
      ga: (await stateRow('FULTON_MEMBER', '13')).recentSightings, fulton: (await countyRow('FULTON_MEMBER', '13121')).recentSightings,
      byState: await (async () => {
        const days = (await w.as('FULTON_MEMBER').get('/api/picture/trends')).json().days as { sightingsByState: Record<string, number> }[];
        return { az: days.reduce((n, d) => n + (d.sightingsByState['04'] ?? 0), 0), ga: days.reduce((n, d) => n + (d.sightingsByState['13'] ?? 0), 0), none: days.reduce((n, d) => n + (d.sightingsByState[''] ?? 0), 0) };
      })(),
    });
    const before = await place();
    await insertSighting(org, sharing({ tlp: 'CLEAR', ownerOrgId: org }));
    await insertSighting(org, sharing({ tlp: 'CLEAR', ownerOrgId: org }));
    expect(await fromRollup()).toEqual(await fromRows());
    expect(await place()).toEqual({ ...before, az: before.az + 2, maricopa: before.maricopa + 2, byState: { ...before.byState, az: before.byState.az + 2 } });
    await sql`UPDATE organisations SET jurisdiction_fips = '13121' WHERE id = ${org}::uuid`.execute(db());
    expect(await fromRollup()).toEqual(await fromRows());
    expect(await place()).toEqual({ ...before, ga: before.ga + 2, fulton: before.fulton + 2, byState: { ...before.byState, ga: before.byState.ga + 2 } });
    // a change that keeps the place writes nothing here; no place at all: counted under '' in the trends, on no map area
    await sql`UPDATE organisations SET name = ${`Picture mover renamed ${randomUUID()}`} WHERE id = ${org}::uuid`.execute(db());
    await sql`UPDATE organisations SET jurisdiction_fips = NULL WHERE id = ${org}::uuid`.execute(db());
    expect(await fromRollup()).toEqual(await fromRows());
    expect(await place()).toEqual({ ...before, byState: { ...before.byState, none: before.byState.none + 2 } });
    await sql`DELETE FROM organisations WHERE id = ${org}::uuid`.execute(db());
    expect(await fromRollup()).toEqual(await fromRows());
    expect(await place()).toEqual(before);
  });
});

describe('the indicators rollup (intel_indicator_days) stays equal to the indicators it sums', () => {
  const fromRollup = async () =>
    (await sql<{ k: string; n: number }>`SELECT concat_ws('|', day, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by) AS k, indicators AS n
      FROM intel_indicator_days WHERE indicators <> 0 ORDER BY 1`.execute(db())).rows;
  const fromRows = async () =>
    (await sql<{ k: string; n: number }>`SELECT concat_ws('|', (date_added AT TIME ZONE 'UTC')::date, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by) AS k, count(*)::int AS n
      FROM stix_objects WHERE type = 'indicator' GROUP BY 1 ORDER BY 1`.execute(db())).rows;

  test('through insert, a change of sharing, a change of day, a change outside the key, and delete', async () => {
    const s = sharing({ tlp: 'AMBER', ownerOrgId: w.org.COUNTY_FULTON });
    const seen = async () => (await trendTotals('FULTON_MEMBER')).indicators;
    const before = await seen();
    const a = await insertIndicator(s);
    const b = await insertIndicator(s);
    expect(await fromRollup()).toEqual(await fromRows());
    expect(await seen()).toBe(before + 2);
    await sql`UPDATE stix_objects SET tlp = 'RED' WHERE id = ${a}`.execute(db());
    await sql`UPDATE stix_objects SET is_latest = false, name = 'renamed' WHERE id = ${b}`.execute(db());
    expect(await fromRollup()).toEqual(await fromRows());
    expect(await seen()).toBe(before + 1);
    await sql`UPDATE stix_objects SET date_added = date_added - interval '400 days' WHERE id = ${b}`.execute(db());
    expect(await fromRollup()).toEqual(await fromRows());
    expect(await seen()).toBe(before);
    await sql`DELETE FROM stix_objects WHERE id IN (${a}, ${b})`.execute(db());
    expect(await fromRollup()).toEqual(await fromRows());
    expect(await seen()).toBe(before);
  });
});

describe('time to acknowledge', () => {
  /** percentile_cont: linear interpolation between the closest ranks of the sorted values. */
  const percentile = (sorted: number[], p: number) => {
    const pos = p * (sorted.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
  };
  const round = (v: number) => Math.round(v * 10) / 10;

  /** The figures computed here from every acknowledgement of an alert published in the default range (the 31 days to today). */
  const expected = async () => {
    const today = new Date(r.core.clock.now().toISOString().slice(0, 10));
    const from = new Date(today.getTime() - 30 * 86400_000);
    const to = new Date(today.getTime() + 86400_000);
    const rows = (await sql<{ published: Date; at: Date }>`SELECT a.published_at AS published, k.at FROM alerts a JOIN alert_acks k ON k.alert_id = a.id
      WHERE a.published_at >= ${from} AND a.published_at < ${to}`.execute(db())).rows;
    const all = rows.map((x) => (new Date(x.at).getTime() - new Date(x.published).getTime()) / 60_000).sort((x, y) => x - y);
    return { acknowledgements: all.length, medianMinutes: all.length ? round(percentile(all, 0.5)) : null, p90Minutes: all.length ? round(percentile(all, 0.9)) : null };
  };
  // the system actor sees every alert: the exact figures over every row
  const figures = async () => (await alerts.pictureTrends(systemActor('picture-test'), {})).timeToAcknowledge;
  const ack = (alertId: string, minutes: number[]) =>
    sql`INSERT INTO alert_acks (alert_id, user_id, org_id, status, via, at)
      SELECT ${alertId}::uuid, gen_random_uuid(), NULL, 'received', 'api', a.published_at + make_interval(secs => m * 60)
      FROM alerts a, unnest(${minutes}::float8[]) m WHERE a.id = ${alertId}::uuid`.execute(db());
  /** alert_ack_minutes (migrations/0312) against the acknowledgements it is kept from. */
  const fromRollup = async () =>
    (await sql<{ k: string }>`SELECT concat_ws('|', alert_id, minutes, le) AS k FROM alert_ack_minutes ORDER BY 1`.execute(db())).rows;
  const fromRows = async () =>
    (await sql<{ k: string }>`SELECT concat_ws('|', a.id, m.minutes, alert_ack_minute_le(m.minutes)) AS k
      FROM alerts a CROSS JOIN LATERAL (SELECT array_agg(date_part('epoch', k.at - a.published_at) / 60 ORDER BY date_part('epoch', k.at - a.published_at) / 60) AS minutes
        FROM alert_acks k WHERE k.alert_id = a.id) m
      WHERE a.published_at IS NOT NULL AND m.minutes IS NOT NULL ORDER BY 1`.execute(db())).rows;

  test('median and p90 equal the minutes from publication of every visible acknowledgement in range', async () => {
    const a = await publishAlert({ title: 'Acknowledged picture', level: 'Low', tlp: 'CLEAR', communityIds: [], affectedJurisdictions: ['04'] });
    await ack(a.id, [3, 7.5, 10, 25, 61, 240]);
    const e = await expected();
    expect(e.acknowledgements).toBeGreaterThanOrEqual(6);
    expect(await figures()).toEqual(e);
  });

  test('exact whichever buckets the ranks fall in: duplicates, seconds, beyond the last edge, before publication', async () => {
    const a = await publishAlert({ title: 'Many acknowledgements', level: 'Low', tlp: 'CLEAR', communityIds: [], affectedJurisdictions: ['04'] });
    const b = await publishAlert({ title: 'A few more', level: 'Low', tlp: 'GREEN', communityIds: [w.community.OFFICIALS], affectedJurisdictions: ['13'] });
    // a fixed pseudo-random spread (no Math.random: a failure must replay), in rounds so the ranks move across edges
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (const [alertId, n, scale] of [[a.id, 40, 30], [b.id, 25, 2000], [a.id, 60, 90000], [b.id, 7, 1]] as const) {
      await ack(alertId, Array.from({ length: n }, () => Math.round(next() * scale * 60) / 60));
      expect(await figures()).toEqual(await expected());
    }
    await ack(a.id, [12, 12, 12, 0, 43200, 43200.5]);
    expect(await figures()).toEqual(await expected());
    expect(await fromRollup()).toEqual(await fromRows());
    // published later than some acknowledgements: negative minutes, below the first edge
    await sql`UPDATE alerts SET published_at = published_at + interval '45 minutes' WHERE id = ${b.id}::uuid`.execute(db());
    expect(await fromRollup()).toEqual(await fromRows());
    expect(await figures()).toEqual(await expected());
  });

  test('the rollup (alert_ack_minutes) stays equal to the acknowledgements through upsert, updates, a new publication time and deletes', async () => {
    const a = await publishAlert({ title: 'Rollup of acknowledgements', level: 'Low', tlp: 'CLEAR', communityIds: [], affectedJurisdictions: ['04'] });
    await ack(a.id, [1, 2, 2, 30, 500]);
    expect(await fromRollup()).toEqual(await fromRows());
    // the service's own acknowledgement (upsert), then again a moment later: a new time for the same person
    const me = w.as('AZ_MEMBER');
    expect((await me.post(`/api/alerts/${a.id}/ack`, { status: 'received' })).statusCode).toBeLessThan(300);
    expect(await fromRollup()).toEqual(await fromRows());
    expect((await me.post(`/api/alerts/${a.id}/ack`, { status: 'actioned' })).statusCode).toBeLessThan(300);
    expect(await fromRollup()).toEqual(await fromRows());
    // a change that keeps the time, then one that moves it
    await sql`UPDATE alert_acks SET status = 'not_applicable' WHERE alert_id = ${a.id}::uuid`.execute(db());
    expect(await fromRollup()).toEqual(await fromRows());
    await sql`UPDATE alert_acks SET at = at + interval '17 minutes' WHERE alert_id = ${a.id}::uuid AND at < (SELECT published_at + interval '3 minutes' FROM alerts WHERE id = ${a.id}::uuid)`.execute(db());
    expect(await fromRollup()).toEqual(await fromRows());
    await sql`UPDATE alerts SET published_at = published_at - interval '2 hours' WHERE id = ${a.id}::uuid`.execute(db());
    expect(await fromRollup()).toEqual(await fromRows());
    expect(await figures()).toEqual(await expected());
    // one of two equal delays, then every acknowledgement (the row goes), then the alert
    await sql`DELETE FROM alert_acks WHERE (alert_id, user_id) IN (SELECT alert_id, user_id FROM alert_acks k WHERE alert_id = ${a.id}::uuid
      AND at = (SELECT published_at + interval '2 hours 2 minutes' FROM alerts WHERE id = ${a.id}::uuid) LIMIT 1)`.execute(db());
    expect(await fromRollup()).toEqual(await fromRows());
    await sql`DELETE FROM alert_acks WHERE alert_id = ${a.id}::uuid`.execute(db());
    expect(await fromRollup()).toEqual(await fromRows());
    expect((await sql`SELECT 1 FROM alert_ack_minutes WHERE alert_id = ${a.id}::uuid`.execute(db())).rows).toHaveLength(0);
    await ack(a.id, [4]);
    await sql`DELETE FROM alerts WHERE id = ${a.id}::uuid`.execute(db());
    expect(await fromRollup()).toEqual(await fromRows());
    expect(await figures()).toEqual(await expected());
  });

  // several connections: PostgreSQL only (PGlite serialises every statement through one)
  test.runIf(testDbKind() === 'postgres')('concurrent acknowledgements of one alert, and a new publication time in flight, all count', async () => {
    const a = await publishAlert({ title: 'Concurrent acknowledgements', level: 'Low', tlp: 'CLEAR', communityIds: [], affectedJurisdictions: ['04'] });
    const one = async (c: PoolClient, minutes: number) =>
      c.query(`INSERT INTO alert_acks (alert_id, user_id, org_id, status, via, at) SELECT id, gen_random_uuid(), NULL, 'received', 'api', published_at + make_interval(secs => $2 * 60) FROM alerts WHERE id = $1`, [a.id, minutes]);
    const c1 = await r.core.database.pool.connect();
    const c2 = await r.core.database.pool.connect();
    const pid2 = (await c2.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    // until the second connection's statement waits for the first's lock (each look is a query, no timer)
    const blocked = async () => {
      for (let i = 0; i < 5000; i++) if ((await c1.query<{ b: boolean }>('SELECT cardinality(pg_blocking_pids($1)) > 0 AS b', [pid2])).rows[0]!.b) return;
      throw new Error('the second connection never waited');
    };
    /** `first` on the first connection, then `second` on the other while the first is not committed (it must wait). */
    const inFlight = async (first: () => Promise<unknown>, second: () => Promise<unknown>) => {
      await c1.query('BEGIN');
      await first();
      await c2.query('BEGIN');
      const waiting = second();
      await blocked();
      await c1.query('COMMIT');
      await waiting;
      await c2.query('COMMIT');
    };
    try {
      // the first acknowledgement of the alert (its rollup row is new) and a second one while the first is not committed
      await inFlight(() => one(c1, 5), () => one(c2, 9));
      expect(await fromRollup()).toEqual(await fromRows());
      // an acknowledgement while the alert's publication time is being changed
      await inFlight(() => c1.query(`UPDATE alerts SET published_at = published_at - interval '1 hour' WHERE id = $1`, [a.id]), () => one(c2, 20));
      expect(await fromRollup()).toEqual(await fromRows());
      expect(await figures()).toEqual(await expected());
    } finally {
      c1.release();
      c2.release();
    }
  });

  test('the rollup has as many counts per alert as the repository sums', async () => {
    const n = (await sql<{ n: number }>`SELECT cardinality(alert_ack_minute_edges()) AS n`.execute(db())).rows[0]!.n;
    expect(n).toBe(ACK_MINUTE_EDGES);
  });

  test('acknowledgements count only for those who may see the alert', async () => {
    const read = async (p: PersonaKey) => {
      const res = await w.as(p).get('/api/picture/trends');
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { timeToAcknowledge: { acknowledgements: number } }).timeToAcknowledge.acknowledgements;
    };
    for (const body of [
      { title: 'Amber acknowledged', level: 'Guarded', tlp: 'AMBER', communityIds: [], recipientOrgIds: [w.org.STATE_AZ], affectedJurisdictions: ['04013'] },
      { title: 'Red acknowledged', level: 'Guarded', tlp: 'RED', communityIds: [], recipientUserIds: [w.user.AZ_MEMBER], affectedJurisdictions: ['04'] },
      { title: 'Green acknowledged', level: 'Guarded', tlp: 'GREEN', communityIds: [w.community.OFFICIALS], affectedJurisdictions: ['13'] },
    ]) {
      const a = await publishAlert(body);
      const saw = await sawPerPersona(read, () => ack(a.id, [42]).then(() => undefined));
      expect(await accessMismatches(w, a.sharing, saw), body.tlp).toEqual([]);
    }
  });
});

describe('posture', () => {
  test('the highest of the alert level, Elevated for an open incident, Guarded for sightings or an acknowledgement gap', () => {
    const zero = { activeAlerts: 0, alertsByLevel: { Low: 0, Guarded: 0, Elevated: 0, High: 0, Severe: 0 }, openIncidents: 0, recentSightings: 0, recipientOrganisations: 0, unacknowledgedOrganisations: 0 };
    expect(postureOf(zero)).toBe('None');
    expect(postureOf({ ...zero, recentSightings: 3 })).toBe('Guarded');
    expect(postureOf({ ...zero, recipientOrganisations: 2, unacknowledgedOrganisations: 1 })).toBe('Guarded');
    expect(postureOf({ ...zero, alertsByLevel: { ...zero.alertsByLevel, Low: 1 } })).toBe('Low');
    expect(postureOf({ ...zero, openIncidents: 1, alertsByLevel: { ...zero.alertsByLevel, Low: 1 } })).toBe('Elevated');
    expect(postureOf({ ...zero, openIncidents: 1, alertsByLevel: { ...zero.alertsByLevel, Severe: 1, Low: 2 } })).toBe('Severe');
  });

  test('every state is listed, and the drill-down lists every county of the state', async () => {
    const states = (await w.as('FULTON_MEMBER').get('/api/picture/states')).json();
    expect(states.items.length).toBeGreaterThanOrEqual(51);
    const ga = (await w.as('FULTON_MEMBER').get('/api/picture/states/13/counties')).json();
    expect(ga.items).toHaveLength(159);
    expect(ga.items.find((c: { fips: string }) => c.fips === '13121').name).toBe('Fulton');
    expect(ga.stateName).toBe('Georgia');
    expect(ga.statewide.fips).toBe('13');
  });
});
