import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Sharing } from '../../../../core/access/visibility.ts';
import { TLP_LEVELS, type Tlp } from '../../../../core/access/tlp.ts';
import { accessMismatches, createTestRampart, createWorld, PERSONA_KEYS, type PersonaKey, type TestRampart, type World } from '../../../../test/harness.ts';
import { PUBLIC_COLLECTION_ID, inboxCollectionId } from '../taxii.service.ts';
import { H, indicator, store } from './helpers.ts';

/**
 * Access through TAXII: every persona reads every collection it is offered, and what it finds must be
 * exactly what the one visibility rule (canSee) allows — TLP holds inside collections.
 */
let r: TestRampart;
let w: World;
const cases: { name: string; id: string; sharing: Sharing }[] = [];
/** persona → ids found in any collection it can read */
const seen = new Map<PersonaKey | 'ANONYMOUS', Set<string>>();
/** persona → collection id → ids */
const byCollection = new Map<PersonaKey | 'ANONYMOUS', Map<string, Set<string>>>();

async function readAll(client: World['anonymous']): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const list = JSON.parse((await client.get('/taxii2/api/collections/', H)).body) as { collections: { id: string; can_read: boolean }[] };
  for (const c of list.collections.filter((x) => x.can_read)) {
    const got = new Set<string>();
    let next: string | undefined;
    do {
      const res = await client.get(`/taxii2/api/collections/${c.id}/objects/?limit=100${next ? `&next=${next}` : ''}`, H);
      expect(res.statusCode).toBe(200);
      const env = JSON.parse(res.body) as { more?: boolean; next?: string; objects?: { id: string }[] };
      for (const o of env.objects ?? []) got.add(o.id);
      next = env.more ? env.next : undefined;
    } while (next);
    out.set(c.id, got);
  }
  return out;
}

beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
  const all = w.community.ALL;
  const sharings: Record<Tlp, Sharing> = {
    CLEAR: { ownerOrgId: w.org.STATE_AZ, tlp: 'CLEAR', communityIds: [all], recipientOrgIds: [], recipientUserIds: [], createdBy: null },
    GREEN: { ownerOrgId: w.org.STATE_AZ, tlp: 'GREEN', communityIds: [w.community.OFFICIALS], recipientOrgIds: [], recipientUserIds: [], createdBy: null },
    AMBER: { ownerOrgId: w.org.STATE_AZ, tlp: 'AMBER', communityIds: [all], recipientOrgIds: [w.org.STATE_GA], recipientUserIds: [], createdBy: null },
    'AMBER+STRICT': { ownerOrgId: w.org.STATE_AZ, tlp: 'AMBER+STRICT', communityIds: [all], recipientOrgIds: [w.org.STATE_GA], recipientUserIds: [], createdBy: null },
    RED: { ownerOrgId: w.org.STATE_AZ, tlp: 'RED', communityIds: [all], recipientOrgIds: [w.org.STATE_GA], recipientUserIds: [w.user.FULTON_MEMBER], createdBy: null },
  };
  for (const tlp of TLP_LEVELS) {
    const o = indicator(cases.length);
    const s = sharings[tlp];
    await store(r, [o], { ownerOrgId: s.ownerOrgId, tlp, communityIds: s.communityIds, recipientOrgIds: s.recipientOrgIds, recipientUserIds: s.recipientUserIds });
    cases.push({ name: `${tlp} shared with a community`, id: o.id as string, sharing: s });
  }
  // A report posted to a county's inbox: owned by the county, shared with the hub organisations, AMBER.
  const inbox = indicator(100);
  const res = await w.as('MARICOPA_ADMIN').post(`/taxii2/api/collections/${inboxCollectionId(w.org.COUNTY_MARICOPA)}/objects/`, JSON.stringify({ objects: [inbox] }), {
    ...H,
    'content-type': 'application/taxii+json;version=2.1',
  });
  expect(JSON.parse(res.body)).toMatchObject({ success_count: 1 });
  const stored = await r.core.database.db.selectFrom('stix_objects').select(['recipient_org_ids', 'created_by']).where('id', '=', inbox.id as string).executeTakeFirstOrThrow();
  cases.push({
    name: 'AMBER report in an inbox',
    id: inbox.id as string,
    sharing: { ownerOrgId: w.org.COUNTY_MARICOPA, tlp: 'AMBER', communityIds: [], recipientOrgIds: stored.recipient_org_ids as string[], recipientUserIds: [], createdBy: stored.created_by as string },
  });

  for (const p of PERSONA_KEYS) {
    const m = await readAll(w.as(p));
    byCollection.set(p, m);
    seen.set(p, new Set([...m.values()].flatMap((s) => [...s])));
  }
  const anon = await readAll(w.anonymous);
  byCollection.set('ANONYMOUS', anon);
  seen.set('ANONYMOUS', new Set([...anon.values()].flatMap((s) => [...s])));
}, 120_000);
afterAll(async () => r?.close());

describe('TAXII reads agree with the one visibility rule', () => {
  test('every TLP, every persona (accessMismatches)', async () => {
    for (const c of cases) {
      const mismatches = await accessMismatches(w, c.sharing, async (p) => seen.get(p)!.has(c.id));
      expect(mismatches, c.name).toEqual([]);
    }
  });

  test('the public collection holds only TLP:CLEAR, for everybody, and anonymous sees nothing else', async () => {
    const clear = cases.find((c) => c.sharing.tlp === 'CLEAR')!.id;
    for (const [who, m] of byCollection) {
      expect([...m.get(PUBLIC_COLLECTION_ID)!], String(who)).toEqual([clear]);
    }
    expect([...seen.get('ANONYMOUS')!]).toEqual([clear]);
  });

  test('a GREEN object in community A is not in community B’s collection', async () => {
    const green = cases.find((c) => c.sharing.tlp === 'GREEN')!.id; // shared with OFFICIALS only
    expect(byCollection.get('AZ_ANALYST')!.get(w.community.OFFICIALS)!.has(green)).toBe(true);
    for (const [who, m] of byCollection) {
      for (const [cid, ids] of m) if (cid !== w.community.OFFICIALS) expect(ids.has(green), `${String(who)} in ${cid}`).toBe(false);
    }
    // the hub is in OFFICIALS too; the campaign is not, and its CAMPAIGNS collection does not leak it
    expect(seen.get('CAMPAIGN_MEMBER')!.has(green)).toBe(false);
    expect(byCollection.get('HUB_ANALYST')!.get(w.community.CAMPAIGNS)!.has(green)).toBe(false);
  });

  test('AMBER, AMBER+STRICT and RED stay out of community collections for community peers outside their audience', async () => {
    for (const tlp of ['AMBER', 'AMBER+STRICT', 'RED'] as const) {
      const c = cases.find((x) => x.sharing.tlp === tlp)!;
      // VENDOR_ANALYST shares the ALL community with the owner but is in no audience
      expect(byCollection.get('VENDOR_ANALYST')!.get(w.community.ALL)!.has(c.id), tlp).toBe(false);
    }
    const red = cases.find((x) => x.sharing.tlp === 'RED')!.id;
    expect(seen.get('FULTON_MEMBER')!.has(red)).toBe(true);
    expect(seen.get('AZ_ANALYST')!.has(red)).toBe(false); // not even the owner organisation
    expect(seen.get('GA_ANALYST')!.has(red)).toBe(false);
  });

  test('direct object reads of hidden objects are 404, the same as unknown ones', async () => {
    const red = cases.find((x) => x.sharing.tlp === 'RED')!.id;
    const res = await w.as('VENDOR_ANALYST').get(`/taxii2/api/collections/${w.community.ALL}/objects/${red}/`, H);
    expect(res.statusCode).toBe(404);
    const versions = await w.as('VENDOR_ANALYST').get(`/taxii2/api/collections/${w.community.ALL}/objects/${red}/versions/`, H);
    expect(versions.statusCode).toBe(404);
    const manifest = JSON.parse((await w.as('VENDOR_ANALYST').get(`/taxii2/api/collections/${w.community.ALL}/manifest/?match[id]=${red}`, H)).body) as object;
    expect(manifest).toEqual({});
  });

  test('a read-ahead page is only ever handed to the same actor', async () => {
    const url = `/taxii2/api/collections/${w.community.ALL}/objects/?limit=1`;
    const first = JSON.parse((await w.as('AZ_ANALYST').get(url, H)).body) as { more: boolean; next: string; objects: { id: string }[] };
    expect(first.more).toBe(true);
    // AZ's next page is being read ahead; the vendor, asking for the same page, must get its own answer
    const vendor = await w.as('VENDOR_ANALYST').get(`${url}&next=${first.next}`, H);
    expect(vendor.body).toBe('{}');
    const az = JSON.parse((await w.as('AZ_ANALYST').get(`${url}&next=${first.next}`, H)).body) as { objects: { id: string }[] };
    expect(az.objects.map((o) => o.id)).toEqual([cases.find((c) => c.sharing.tlp === 'AMBER')!.id]);
  });
});
