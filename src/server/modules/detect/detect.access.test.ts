import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { canSee, type Sharing } from '../../core/access/visibility.ts';
import { createTestRampart, createWorld, PERSONA_KEYS, type PersonaKey, type TestRampart, type World } from '../../test/harness.ts';
import { detectKit, until } from './detect.testkit.ts';

let r: TestRampart;
let w: World;
let k: ReturnType<typeof detectKit>;
beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
  k = detectKit(r, w);
});
afterAll(async () => r?.close());

/** Everything an organisation can read from detection, as one string. */
async function everything(p: PersonaKey): Promise<string> {
  const c = w.as(p);
  const parts = await Promise.all([c.get('/api/detect/runs?limit=200'), c.get('/api/detect/hits?limit=500'), c.get('/api/detect/sightings')]);
  return parts.map((x) => x.body).join('\n');
}

describe('an organisation never matches against, nor learns of, indicators it may not see', () => {
  test("AMBER and RED indicators of another organisation give no hit, no sighting, nothing in any response", async () => {
    const amber = await k.indicator('GA_ANALYST', "[ipv4-addr:value = '100.64.9.9']", 'AMBER', 'ga-amber-secret');
    const red = await k.indicator('GA_ANALYST', "[domain-name:value = 'ga-red.example']", 'RED', 'ga-red-secret');
    const strict = await k.indicator('GA_ANALYST', "[url:value = 'http://ga-strict.example/x']", 'AMBER+STRICT', 'ga-strict-secret');
    const log = 'a 100.64.9.9\nb www.ga-red.example\nc http://ga-strict.example/x\n';
    for (const p of ['AZ_ANALYST', 'MARICOPA_ADMIN', 'HUB_ANALYST', 'VENDOR_ANALYST'] as const) {
      const res = await k.upload(p, log, 'format=text&tlp=GREEN');
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ hits: 0, sightings: 0 });
      const all = await everything(p);
      for (const secret of [amber, red, strict, 'ga-amber-secret', 'ga-red-secret', 'ga-strict-secret']) expect(all).not.toContain(secret);
    }
    // AMBER reaches the county under Georgia; AMBER+STRICT and AMBER reach Georgia itself; RED (people only) never enters an organisation's index
    const fulton = (await k.upload('FULTON_MEMBER', log, 'format=text')).json();
    expect(fulton.hits).toBe(1);
    expect((await k.hits('FULTON_MEMBER', `runId=${fulton.id}`)).map((h) => h.indicatorId)).toEqual([amber]);
    const ga = (await k.upload('GA_ANALYST', log, 'format=text')).json();
    expect((await k.hits('GA_ANALYST', `runId=${ga.id}`)).map((h) => h.indicatorId).sort()).toEqual([amber, strict].sort());
  });
});

describe('sightings', () => {
  test('a hit becomes a STIX sighting owned by the organisation at the chosen TLP; a new hit is a new version with a higher count', async () => {
    const ind = await k.indicator('HUB_ANALYST', "[domain-name:value = 'sighted.example']", 'GREEN', 'sighted');
    const first = (await k.upload('FULTON_MEMBER', 'q sighted.example\nq x.sighted.example\nnothing\n', 'format=text&tlp=AMBER')).json();
    expect(first).toMatchObject({ hits: 2, hitLines: 2, sightings: 1 });
    const [hit] = await k.hits('FULTON_MEMBER', `runId=${first.id}`);
    const sid = hit!.sightingId!;
    expect(sid).toMatch(/^sighting--/);
    const v1 = (await w.as('FULTON_MEMBER').get(`/api/intel/objects/${sid}`)).json();
    expect(v1.object).toMatchObject({ type: 'sighting', sighting_of_ref: ind, count: 2 });
    expect(v1.object.where_sighted_refs).toEqual([v1.object.created_by_ref]);
    expect(v1.object.where_sighted_refs[0]).toMatch(/^identity--/);
    expect(v1.sharing.tlp).toBe('AMBER');
    const identity = (await w.as('FULTON_MEMBER').get(`/api/intel/objects/${v1.object.where_sighted_refs[0]}`)).json();
    expect(identity.object).toMatchObject({ type: 'identity', name: 'COUNTY_FULTON org' });

    const second = (await k.upload('FULTON_MEMBER', 'again sighted.example\n', 'format=text&tlp=AMBER')).json();
    expect(second.sightings).toBe(1);
    const v2 = (await w.as('FULTON_MEMBER').get(`/api/intel/objects/${sid}`)).json();
    expect(v2.object.count).toBe(3);
    expect(Date.parse(v2.object.modified)).toBeGreaterThan(Date.parse(v1.object.modified));
    expect(v2.versionCount).toBe(2);
    // the hub is a recipient (shareWithHub defaults to true); Arizona is not
    expect((await w.as('HUB_ANALYST').get(`/api/intel/objects/${sid}`)).statusCode).toBe(200);
    expect((await w.as('AZ_ANALYST').get(`/api/intel/objects/${sid}`)).statusCode).toBe(404);

    // Maricopa sees it too, shared GREEN; the hub's aggregate counts two organisations in two states
    await k.upload('MARICOPA_ADMIN', 'sighted.example\n', 'format=text&tlp=GREEN');
    const agg = (await w.as('HUB_ANALYST').get('/api/detect/sightings')).json().items.find((i: { indicatorId: string }) => i.indicatorId === ind);
    expect(agg).toMatchObject({ organisations: 2, states: ['04', '13'], count: 4, indicator: { name: 'sighted' } });
    expect(agg.byOrganisation.map((o: { name: string }) => o.name).sort()).toEqual(['COUNTY_FULTON org', 'COUNTY_MARICOPA org']);
  });

  test('shareWithHub=false keeps an AMBER sighting within the organisation (and the organisations under it)', async () => {
    const ind = await k.indicator('HUB_ANALYST', "[ipv4-addr:value = '100.80.1.1']", 'CLEAR', 'private-sighting');
    const res = (await k.upload('AZ_ANALYST', '100.80.1.1\n', 'format=text&tlp=AMBER&shareWithHub=false')).json();
    const [hit] = await k.hits('AZ_ANALYST', `runId=${res.id}`);
    expect((await w.as('HUB_ANALYST').get(`/api/intel/objects/${hit!.sightingId}`)).statusCode).toBe(404);
    expect((await w.as('MARICOPA_MEMBER').get(`/api/intel/objects/${hit!.sightingId}`)).statusCode).toBe(200);
    const hub = (await w.as('HUB_ANALYST').get('/api/detect/sightings')).json().items.map((i: { indicatorId: string }) => i.indicatorId);
    expect(hub).not.toContain(ind);
  });

  test('the sightings aggregate follows the visibility rule for every persona (sighting and indicator both visible)', async () => {
    const ind = await k.indicator('HUB_ANALYST', "[ipv4-addr:value = '100.81.2.2']", 'GREEN', 'agg-access');
    const res = (await k.upload('FULTON_MEMBER', '100.81.2.2\n', 'format=text&tlp=AMBER')).json();
    const [hit] = await k.hits('FULTON_MEMBER', `runId=${res.id}`);
    const stored = (await w.as('FULTON_MEMBER').get(`/api/intel/objects/${hit!.sightingId}`)).json();
    const hubs = [w.org.HUB, ...(await r.services.directory.listOrgs((await w.actor('HUB_ADMIN')), { kind: 'national_hub', sort: 'name', page: 1, pageSize: 200 })).items.map((o) => o.id)];
    const sightingSharing: Sharing = { ownerOrgId: w.org.COUNTY_FULTON, tlp: 'AMBER', communityIds: [], recipientOrgIds: [...new Set(hubs)], recipientUserIds: [], createdBy: w.user.FULTON_MEMBER };
    const indicatorSharing: Sharing = { ownerOrgId: w.org.HUB, tlp: 'GREEN', communityIds: [w.community.ALL, w.community.OFFICIALS, w.community.CAMPAIGNS, w.community.VENDORS], recipientOrgIds: [], recipientUserIds: [], createdBy: w.user.HUB_ANALYST };
    expect(stored.sharing.tlp).toBe('AMBER');
    const mismatches = [];
    for (const p of PERSONA_KEYS) {
      const actor = await w.actor(p);
      const expected = canSee(actor, sightingSharing) && canSee(actor, indicatorSharing);
      const res2 = await w.as(p).get('/api/detect/sightings');
      const actual = res2.statusCode === 200 && res2.json().items.some((i: { indicatorId: string }) => i.indicatorId === ind);
      if (expected !== actual) mismatches.push({ p, expected, actual });
    }
    expect(mismatches).toEqual([]);
  });
});

describe('the index cache', () => {
  test('is dropped when indicators arrive (intel.objects.added)', async () => {
    await k.upload('AZ_ANALYST', 'warm the cache\n', 'format=text');
    expect(k.service.cache.size).toBeGreaterThan(0);
    // store without the kit's explicit clear: the live event must do it
    const { withTx } = await import('../../core/db.ts');
    const actor = await w.actor('HUB_ANALYST');
    const now = new Date().toISOString();
    await withTx(r.core.database.db, (tx) =>
      r.services.intel.store(tx, { actor, ownerOrgId: actor.orgId, tlp: 'CLEAR', source: 'test' }, [
        { type: 'indicator', spec_version: '2.1', id: 'indicator--7d0c8a0e-2f55-4d0a-9a7e-0b6f4f3c2a11', created: now, modified: now, pattern: "[ipv4-addr:value = '100.82.3.3']", pattern_type: 'stix', valid_from: now },
      ]),
    );
    await until(async () => k.service.cache.size === 0);
    const res = (await k.upload('AZ_ANALYST', '100.82.3.3\n', 'format=text')).json();
    expect(res.hits).toBe(1);
  });
});
