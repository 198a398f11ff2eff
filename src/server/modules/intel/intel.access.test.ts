import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TLP_LEVELS, type Tlp } from '../../core/access/tlp.ts';
import type { Sharing } from '../../core/access/visibility.ts';
import type { StoredEvent } from '../../core/events/events.ts';
import { accessMismatches, createTestRampart, createWorld, PERSONA_KEYS, type PersonaKey, type TestRampart, type World } from '../../test/harness.ts';

/**
 * Every read path of the intel API against the one visibility rule: for an object at each TLP,
 * the personas who see it through search, get, versions, references, relationships, correlation,
 * export and live events are exactly those canSee admits; to everyone else it is 404 like an
 * unknown id, and a dangling reference.
 */
let r: TestRampart;
let w: World;

interface Planted {
  tlp: Tlp;
  sharing: Sharing;
  token: string;
  indicatorId: string;
  ip: string;
}
const planted: Planted[] = [];
/** CLEAR objects that point at every planted one. */
let clearReportId: string;
const exportCache = new Map<PersonaKey, Set<string>>();

const now = '2024-05-01T00:00:00.000Z';
const indicator = (id: string, name: string, ip: string) => ({
  type: 'indicator', spec_version: '2.1', id, created: now, modified: now, name, pattern: `[ipv4-addr:value = '${ip}']`,
  pattern_type: 'stix', valid_from: now, indicator_types: ['malicious-activity'],
});

beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
  const owner = 'AZ_ANALYST' as const;
  const ownerActor = await w.actor(owner);
  for (const [i, tlp] of TLP_LEVELS.entries()) {
    const token = `tok${randomUUID().replace(/-/g, '')}`;
    const indicatorId = `indicator--${randomUUID()}`;
    const ip = `198.51.100.${10 + i}`;
    const recipientOrgIds = tlp === 'AMBER' || tlp === 'AMBER+STRICT' ? [w.org.STATE_GA] : [];
    const recipientUserIds = tlp === 'RED' ? [w.user.CAMPAIGN_MEMBER] : [];
    const qs = new URLSearchParams({ tlp });
    if (recipientOrgIds.length) qs.set('recipientOrgIds', recipientOrgIds.join(','));
    if (recipientUserIds.length) qs.set('recipientUserIds', recipientUserIds.join(','));
    const res = await w.as(owner).post(`/api/intel/objects?${qs}`, indicator(indicatorId, `${token} indicator`, ip));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().inserted).toBe(1);
    planted.push({
      tlp, token, indicatorId, ip,
      sharing: { ownerOrgId: w.org.STATE_AZ, tlp, communityIds: ownerActor.communityIds, recipientOrgIds, recipientUserIds, createdBy: w.user.AZ_ANALYST },
    });
  }
  // CLEAR objects that refer to each planted indicator: a report (object_refs), relationships (target_ref),
  // and an ipv4-addr SCO per IP (correlation). The hub shares them.
  clearReportId = `report--${randomUUID()}`;
  const objects: Record<string, unknown>[] = [
    { type: 'report', spec_version: '2.1', id: clearReportId, created: now, modified: now, name: 'public report', published: now, object_refs: planted.map((p) => p.indicatorId) },
    { type: 'malware', spec_version: '2.1', id: `malware--${randomUUID()}`, created: now, modified: now, name: 'public malware', is_family: false },
  ];
  for (const p of planted) {
    objects.push({ type: 'relationship', spec_version: '2.1', id: `relationship--${randomUUID()}`, created: now, modified: now, relationship_type: 'indicates', source_ref: p.indicatorId, target_ref: objects[1]!.id });
    objects.push({ type: 'ipv4-addr', spec_version: '2.1', id: `ipv4-addr--${randomUUID()}`, value: p.ip });
  }
  const res = await w.as('HUB_ANALYST').post('/api/intel/objects?tlp=CLEAR', { type: 'bundle', id: `bundle--${randomUUID()}`, objects });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().rejected, res.body).toBe(0);
}, 120_000);

afterAll(async () => r?.close());

const sco = (p: Planted) => `ipv4-addr:${p.ip}`;

describe.each(TLP_LEVELS.map((t) => [t]))('an indicator at %s', (tlp) => {
  const p = () => planted.find((x) => x.tlp === tlp)!;

  test('search (full text) shows it to exactly its audience', async () => {
    expect(await accessMismatches(w, p().sharing, async (persona) => {
      const res = await w.as(persona).get(`/api/intel/objects?q=${p().token}`);
      expect(res.statusCode).toBe(200);
      return res.json().items.some((i: { id: string }) => i.id === p().indicatorId);
    })).toEqual([]);
  });

  test('search by observable value shows it to exactly its audience', async () => {
    expect(await accessMismatches(w, p().sharing, async (persona) => {
      const res = await w.as(persona).get(`/api/intel/objects?observable=${encodeURIComponent(p().ip)}&type=indicator`);
      return res.json().items.some((i: { id: string }) => i.id === p().indicatorId);
    })).toEqual([]);
  });

  test('get: 200 for its audience, 404 (like an unknown id) for everyone else', async () => {
    const unknown = await w.as('HUB_ANALYST').get(`/api/intel/objects/indicator--${randomUUID()}`);
    expect(unknown.statusCode).toBe(404);
    expect(await accessMismatches(w, p().sharing, async (persona) => {
      const res = await w.as(persona).get(`/api/intel/objects/${p().indicatorId}`);
      if (res.statusCode === 404) {
        expect(res.json()).toEqual(unknown.json());
        return false;
      }
      expect(res.statusCode).toBe(200);
      return true;
    })).toEqual([]);
  });

  test('versions: listed for its audience only', async () => {
    expect(await accessMismatches(w, p().sharing, async (persona) => {
      const res = await w.as(persona).get(`/api/intel/objects/${p().indicatorId}/versions`);
      return res.statusCode === 200 && res.json().items.length === 1;
    })).toEqual([]);
  });

  test('references: a public report resolves it for its audience; for others it is dangling, like a missing id', async () => {
    expect(await accessMismatches(w, p().sharing, async (persona) => {
      const res = await w.as(persona).get(`/api/intel/objects/${clearReportId}`);
      expect(res.statusCode).toBe(200);
      const ref = res.json().references.find((x: { id: string }) => x.id === p().indicatorId);
      if (ref.status === 'dangling') {
        expect(Object.keys(ref).sort()).toEqual(['id', 'property', 'status']);
        return false;
      }
      expect(ref).toMatchObject({ status: 'resolved', type: 'indicator' });
      return true;
    })).toEqual([]);
  });

  test('relationships: the public relationship resolves its source only for its audience', async () => {
    const malwareId = (await w.as('HUB_ANALYST').get(`/api/intel/objects?q=${encodeURIComponent('"public malware"')}`)).json().items[0].id as string;
    expect(await accessMismatches(w, p().sharing, async (persona) => {
      const res = await w.as(persona).get(`/api/intel/objects/${malwareId}`);
      const rels = res.json().relationships as { direction: string; other: { id: string; status: string } }[];
      const rel = rels.find((x) => x.other.id === p().indicatorId)!;
      expect(rel.direction).toBe('in');
      return rel.other.status === 'resolved';
    })).toEqual([]);
  });

  test('correlation: the public SCO with the same value lists it for its audience only', async () => {
    const scoId = (await w.as('HUB_ANALYST').get(`/api/intel/objects?observable=${encodeURIComponent(sco(p()))}&type=ipv4-addr`)).json().items[0].id as string;
    expect(await accessMismatches(w, p().sharing, async (persona) => {
      const res = await w.as(persona).get(`/api/intel/objects/${scoId}`);
      return res.json().correlated.some((c: { id: string }) => c.id === p().indicatorId);
    })).toEqual([]);
  });

  test('export: in the bundle for its audience only', async () => {
    expect(await accessMismatches(w, p().sharing, async (persona) => {
      if (!exportCache.has(persona)) {
        const res = await w.as(persona).get('/api/intel/export?type=indicator');
        expect(res.statusCode).toBe(200);
        const bundle = JSON.parse(res.body);
        expect(bundle.type).toBe('bundle');
        exportCache.set(persona, new Set(bundle.objects.map((o: { id: string }) => o.id)));
      }
      return exportCache.get(persona)!.has(p().indicatorId);
    })).toEqual([]);
  });

  test('export of a collection (community) stays inside the rule', async () => {
    const sharing = p().sharing;
    expect(await accessMismatches(w, sharing, async (persona) => {
      const res = await w.as(persona).get(`/api/intel/export?type=indicator&collection=${w.community.OFFICIALS}`);
      return JSON.parse(res.body).objects.some((o: { id: string }) => o.id === p().indicatorId);
    })).toEqual([]);
  });

  test('live events (SSE hub): the objects-added event reaches exactly its audience', async () => {
    const seen = new Map<PersonaKey, boolean>();
    const unsubs: (() => void)[] = [];
    for (const persona of PERSONA_KEYS) {
      seen.set(persona, false);
      const actor = await w.actor(persona);
      unsubs.push(r.core.events.subscribe({ actor, topics: ['intel.objects'], send: (e: StoredEvent) => {
        if ((e.payload?.objects as { id: string }[] | undefined)?.some((o) => o.id.startsWith('indicator--') && o.id.endsWith(marker))) seen.set(persona, true);
      } }));
    }
    const marker = randomUUID().slice(24);
    const id = `indicator--${randomUUID().slice(0, 24)}${marker}`;
    const sharing = p().sharing;
    const qs = new URLSearchParams({ tlp });
    if (sharing.recipientOrgIds.length) qs.set('recipientOrgIds', sharing.recipientOrgIds.join(','));
    if (sharing.recipientUserIds.length) qs.set('recipientUserIds', sharing.recipientUserIds.join(','));
    const got = new Promise<void>((resolve) => {
      const h = (e: StoredEvent) => {
        if (e.subjectId === id) {
          r.core.events.local.off('event', h);
          resolve();
        }
      };
      r.core.events.local.on('event', h);
    });
    const res = await w.as('AZ_ANALYST').post(`/api/intel/objects?${qs}`, indicator(id, 'event probe', '203.0.113.99'));
    expect(res.json().inserted).toBe(1);
    await got;
    unsubs.forEach((u) => u());
    expect(await accessMismatches(w, sharing, async (persona) => seen.get(persona)!)).toEqual([]);
  });
});

describe('ingest status is the uploading organisation’s', () => {
  test('members of the organisation see it; everyone else gets 404', async () => {
    const up = await w.as('AZ_ANALYST').post('/api/intel/ingests?kind=stix', '{"type":"bundle","id":"bundle--6c9ae3e9-2e7c-4cf0-9bd5-1b8e0f9f3c11","objects":[]}', { 'content-type': 'application/json' });
    expect(up.statusCode, up.body).toBe(202);
    const id = up.json().id as string;
    for (const persona of PERSONA_KEYS) {
      const res = await w.as(persona).get(`/api/intel/ingests/${id}`);
      const mine = persona === 'AZ_ANALYST' || persona === 'AZ_MEMBER';
      expect({ persona, status: res.statusCode }).toEqual({ persona, status: mine ? 200 : 404 });
      const list = await w.as(persona).get('/api/intel/ingests');
      expect(list.json().items.some((i: { id: string }) => i.id === id)).toBe(mine);
    }
  });
});
