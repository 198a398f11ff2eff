import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Tlp } from '../../core/access/tlp.ts';
import type { Sharing } from '../../core/access/visibility.ts';
import { accessMismatches, createTestRampart, createWorld, PERSONA_KEYS, type PersonaKey, type TestRampart, type World } from '../../test/harness.ts';

/**
 * Every read path of the incidents API against the one visibility rule: list, get, search, timeline,
 * attachments (list and download), observables, STIX, PDF, related and metrics show an incident to
 * exactly the personas canSee admits; everyone else gets the 404 of an unknown id. Escalations reach
 * the named partners only, who never reach the original.
 */
let r: TestRampart;
let w: World;

const REPORT = {
  incidentType: 'website_defacement',
  whatHappened: 'The county results page was replaced; the defacement loaded a script from 198.51.100.99.',
  detectedAt: '2024-11-05T20:00:00Z',
  functionalImpact: 'minimal_critical',
  informationImpact: 'no_impact',
  recoverability: 'regular',
  attackVector: 'web',
  observedActivity: 'effect',
  affectedSystems: 'results website',
  electionSystems: ['election_night_reporting'],
  electionPhase: 'election_day',
};

interface Planted { label: string; id: string; attachmentId: string; sharing: Sharing; token: string }
const planted: Planted[] = [];

async function plant(label: string, by: PersonaKey, sharing: { tlp: Tlp; hub?: boolean; state?: boolean; recipientOrgIds?: string[]; recipientUserIds?: string[]; communityIds?: string[] }) {
  const token = `tok${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}${Math.random().toString(36).slice(2, 8)}`;
  const c = w.as(by);
  const res = await c.post('/api/incidents', { ...REPORT, title: `${token} incident`, sharing });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  const up = await c.post(`/api/incidents/${id}/attachments?filename=evidence.txt`, `evidence ${token}`, { 'content-type': 'text/plain' });
  expect(up.statusCode, up.body).toBe(201);
  expect((await c.post(`/api/incidents/${id}/submit`)).statusCode).toBe(200);
  planted.push({ label, id, attachmentId: up.json().id, sharing: res.json().sharing, token });
}

beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
  await plant('hub only, AMBER+STRICT', 'MARICOPA_MEMBER', { tlp: 'AMBER+STRICT' });
  await plant('hub and state, AMBER', 'MARICOPA_MEMBER', { tlp: 'AMBER', state: true });
  await plant('GREEN to officials', 'FULTON_MEMBER', { tlp: 'GREEN', communityIds: [w.community.OFFICIALS] });
  await plant('RED to one person', 'MARICOPA_ADMIN', { tlp: 'RED', hub: false, recipientUserIds: [w.user.HUB_ANALYST] });
  await plant('named partner', 'VENDOR_ANALYST', { tlp: 'AMBER+STRICT', hub: true, recipientOrgIds: [w.org.STATE_GA] });
}, 180_000);
afterAll(async () => r?.close());

const ok = (status: number) => {
  if (status !== 200 && status !== 404) throw new Error(`unexpected status ${status}`);
  return status === 200;
};

const LABELS = ['hub only, AMBER+STRICT', 'hub and state, AMBER', 'GREEN to officials', 'RED to one person', 'named partner'];
describe.each(LABELS.map((l) => [l]))('an incident shared %s', (label) => {
  const planted1 = () => planted.find((x) => x.label === label)!;
  test('the sharing is what the reporter chose', () => {
    const p = planted1();
    if (p.label.startsWith('hub')) expect(p.sharing.recipientOrgIds).toContain(w.org.HUB);
    if (p.label.includes('state')) expect(p.sharing.recipientOrgIds).toContain(w.org.STATE_AZ);
    if (p.label.startsWith('RED')) expect(p.sharing.recipientOrgIds).not.toContain(w.org.HUB);
  });

  const paths: [string, (c: ReturnType<World['as']>, p: Planted) => Promise<boolean>][] = [
    ['list', async (c, x) => ((await c.get('/api/incidents?pageSize=200')).json().items as { id: string }[]).some((i) => i.id === x.id)],
    ['search', async (c, x) => ((await c.get(`/api/incidents?q=${x.token}`)).json().items as { id: string }[]).some((i) => i.id === x.id)],
    ['get', async (c, x) => ok((await c.get(`/api/incidents/${x.id}`)).statusCode)],
    ['timeline', async (c, x) => ok((await c.get(`/api/incidents/${x.id}/timeline`)).statusCode)],
    ['attachments', async (c, x) => ok((await c.get(`/api/incidents/${x.id}/attachments`)).statusCode)],
    ['attachment download', async (c, x) => ok((await c.get(`/api/incidents/${x.id}/attachments/${x.attachmentId}/content`)).statusCode)],
    ['observables', async (c, x) => ok((await c.get(`/api/incidents/${x.id}/observables`)).statusCode)],
    ['tasks', async (c, x) => ok((await c.get(`/api/incidents/${x.id}/tasks`)).statusCode)],
    ['related', async (c, x) => ok((await c.get(`/api/incidents/${x.id}/related`)).statusCode)],
    ['STIX', async (c, x) => ok((await c.get(`/api/incidents/${x.id}/stix`)).statusCode)],
    ['PDF', async (c, x) => ok((await c.get(`/api/incidents/${x.id}/report.pdf`)).statusCode)],
  ];
  test.each(paths)('%s agrees with canSee', async (_name, read) => {
    const p = planted1();
    expect(await accessMismatches(w, p.sharing, (persona) => read(w.as(persona), p))).toEqual([]);
  });

  test('anonymous gets nothing', async () => {
    const p = planted1();
    expect((await w.anonymous.get(`/api/incidents/${p.id}`)).statusCode).toBe(401);
  });
});

describe('paths over all incidents', () => {
  test('metrics count exactly the incidents each persona may see', async () => {
    for (const persona of PERSONA_KEYS) {
      const actor = await w.actor(persona);
      const { canSee } = await import('../../core/access/visibility.ts');
      const expected = planted.filter((p) => canSee(actor, p.sharing)).length;
      const m = (await w.as(persona).get('/api/incidents/metrics')).json();
      expect(m.total, persona).toBe(expected);
      if (expected) expect(m.byPhase.election_day, persona).toBe(expected);
    }
  });

  test('related incidents never name an incident the reader may not see', async () => {
    // Every planted incident shares 198.51.100.99; the hub-only one is related to what each reader may see.
    const hubOnly = planted[0]!;
    for (const persona of PERSONA_KEYS) {
      const res = await w.as(persona).get(`/api/incidents/${hubOnly.id}/related`);
      if (res.statusCode === 404) continue;
      const actor = await w.actor(persona);
      const { canSee } = await import('../../core/access/visibility.ts');
      const expected = planted.filter((p) => p !== hubOnly && canSee(actor, p.sharing)).map((p) => p.id).sort();
      expect((res.json().items as { id: string }[]).map((i) => i.id).sort(), persona).toEqual(expected);
    }
  });

  test('another county never sees the hub-only incident through any path', async () => {
    const p = planted[0]!;
    const other = w.as('FULTON_MEMBER');
    expect((await other.get(`/api/incidents?q=${p.token}`)).json().total).toBe(0);
    for (const url of [`/api/incidents/${p.id}`, `/api/incidents/${p.id}/stix`, `/api/incidents/${p.id}/report.pdf`, `/api/incidents/${p.id}/attachments/${p.attachmentId}/content`]) {
      const res = await other.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toContain(p.token);
    }
  });
});

describe('escalation by consent', () => {
  test('a partner sees only the sanitised version, never the original', async () => {
    const p = planted[0]!;
    const hub = w.as('HUB_ANALYST');
    const body = { title: 'Results-site defacement in a western county', summary: 'A county results page was defaced on Election Day; restored within the hour.', fields: ['incidentType', 'electionPhase'], recipientOrgIds: [w.org.FEDERAL, w.org.LAW] };
    // No consent yet: refused.
    const early = await hub.post(`/api/incidents/${p.id}/escalations`, body);
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('INCIDENT_NO_CONSENT');
    // Only the reporting organisation consents.
    expect((await hub.post(`/api/incidents/${p.id}/consent`, { consent: true })).statusCode).toBe(403);
    expect((await w.as('MARICOPA_MEMBER').post(`/api/incidents/${p.id}/consent`, { consent: true })).json().consentToShare).toBe(true);
    // Only the hub escalates.
    expect((await w.as('MARICOPA_ADMIN').post(`/api/incidents/${p.id}/escalations`, body)).statusCode).toBe(403);
    const esc = await hub.post(`/api/incidents/${p.id}/escalations`, body);
    expect(esc.statusCode, esc.body).toBe(201);
    const escId = esc.json().id as string;
    expect(esc.json().fields).toEqual({ incidentType: 'website_defacement', electionPhase: 'election_day' });

    for (const partner of ['FEDERAL_ANALYST', 'LAW_MEMBER'] as const) {
      const c = w.as(partner);
      const got = await c.get(`/api/incidents/escalations/${escId}`);
      expect(got.statusCode, partner).toBe(200);
      expect(got.json().incidentId).toBeNull();
      expect(got.body).not.toContain(p.token);
      expect(got.body).not.toContain(p.id);
      expect((await c.get('/api/incidents/escalations')).json().items.map((e: { id: string }) => e.id)).toContain(escId);
      expect((await c.get(`/api/incidents/${p.id}`)).statusCode).toBe(404);
      expect((await c.get('/api/incidents?pageSize=200')).json().items.map((i: { id: string }) => i.id)).not.toContain(p.id);
    }
    const escSharing = esc.json().sharing as Sharing;
    expect(await accessMismatches(w, escSharing, async (persona) => ok((await w.as(persona).get(`/api/incidents/escalations/${escId}`)).statusCode))).toEqual([]);
    // Withdrawing consent stops further escalations.
    await w.as('MARICOPA_MEMBER').post(`/api/incidents/${p.id}/consent`, { consent: false });
    expect((await hub.post(`/api/incidents/${p.id}/escalations`, body)).statusCode).toBe(409);
  });
});
