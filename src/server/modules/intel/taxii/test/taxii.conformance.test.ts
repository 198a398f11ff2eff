import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql } from 'kysely';
import { createTestRampart, createWorld, type TestRampart, type World } from '../../../../test/harness.ts';
import { PUBLIC_COLLECTION_ID, encodeNext, inboxCollectionId } from '../taxii.service.ts';
import { H, T0, TAXII, indicator, malware, store } from './helpers.ts';

/** TAXII 2.1 conformance: every endpoint, header, media type, filter and pagination edge. */
let r: TestRampart;
let w: World;
let officials: string;
const objUrl = () => `/taxii2/api/collections/${officials}/objects/`;
const ids: string[] = [];
let versioned: string;
const V = ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z'];
let malwareId: string;

beforeAll(async () => {
  r = await createTestRampart({ config: { BODY_LIMIT_MB: '0.5' } });
  w = await createWorld(r);
  officials = w.community.OFFICIALS;
  // Five indicators, one malware, one object with three versions: GREEN, owned by AZ, shared with OFFICIALS.
  const share = { ownerOrgId: w.org.STATE_AZ, tlp: 'GREEN' as const, communityIds: [officials] };
  for (let i = 0; i < 5; i++) {
    const o = indicator(i);
    ids.push(o.id as string);
    await store(r, [o], share);
  }
  const m = malware(1);
  malwareId = m.id as string;
  await store(r, [m], share);
  const base = indicator(99, { created: V[0], modified: V[0] });
  versioned = base.id as string;
  for (const v of V) await store(r, [{ ...base, modified: v }], share);
}, 120_000);
afterAll(async () => r?.close());

const json = (res: { body: string }) => JSON.parse(res.body) as Record<string, unknown>;
const objectsOf = (res: { body: string }) => ((json(res).objects ?? []) as Record<string, unknown>[]);

describe('discovery and API root', () => {
  test('discovery answers anonymously with the exact TAXII media type', async () => {
    const res = await w.anonymous.get('/taxii2/', H);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(TAXII);
    const d = json(res);
    expect(d.title).toBeTruthy();
    expect(d.api_roots).toEqual([expect.stringMatching(/\/taxii2\/api\/$/)]);
    expect(d.default).toBe((d.api_roots as string[])[0]);
  });

  test('API root lists version 2.1 and the max content length', async () => {
    const res = await w.as('AZ_ANALYST').get('/taxii2/api/', H);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(TAXII);
    expect(json(res)).toMatchObject({ versions: [TAXII], max_content_length: 0.5 * 1024 * 1024 });
  });

  test('Accept negotiation: taxii without version and */* are fine; other types are 406 in the TAXII error format', async () => {
    expect((await w.anonymous.get('/taxii2/', { accept: 'application/taxii+json' })).statusCode).toBe(200);
    expect((await w.anonymous.get('/taxii2/', { accept: '*/*' })).statusCode).toBe(200);
    expect((await w.anonymous.get('/taxii2/', { accept: 'application/taxii+json; version="2.1"' })).statusCode).toBe(200);
    for (const accept of ['application/json', 'application/taxii+json;version=2.0', 'text/html', 'application/stix+json;version=2.1']) {
      const res = await w.as('AZ_ANALYST').get(objUrl(), { accept });
      expect(res.statusCode, accept).toBe(406);
      expect(res.headers['content-type']).toBe(TAXII);
      expect(json(res)).toMatchObject({ title: expect.any(String), http_status: '406', error_id: expect.any(String) });
    }
  });

  test('unknown paths under /taxii2/ answer in the TAXII error format', async () => {
    const res = await w.anonymous.get('/taxii2/nope/', H);
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe(TAXII);
    expect(json(res)).toMatchObject({ http_status: '404' });
  });
});

describe('collections', () => {
  test('each actor sees the collections it may read or write, with can_read/can_write and media types', async () => {
    const res = await w.as('AZ_ANALYST').get('/taxii2/api/collections/', H);
    expect(res.statusCode).toBe(200);
    const cs = json(res).collections as { id: string; can_read: boolean; can_write: boolean; media_types: string[]; title: string }[];
    const byId = new Map(cs.map((c) => [c.id, c]));
    expect(byId.get(w.community.ALL)).toMatchObject({ can_read: true, can_write: true, media_types: ['application/stix+json;version=2.1'] });
    expect(byId.get(officials)).toMatchObject({ can_read: true, can_write: true, title: 'OFFICIALS community' });
    expect(byId.has(w.community.CAMPAIGNS)).toBe(false);
    expect(byId.get(inboxCollectionId(w.org.STATE_AZ))).toMatchObject({ can_read: true, can_write: true });
    expect(byId.has(inboxCollectionId(w.org.STATE_GA))).toBe(false);
    expect(byId.get(PUBLIC_COLLECTION_ID)).toMatchObject({ can_read: true, can_write: false });

    const member = json(await w.as('AZ_MEMBER').get('/taxii2/api/collections/', H)).collections as { id: string; can_write: boolean }[];
    expect(member.find((c) => c.id === officials)?.can_write).toBe(false);

    const hub = json(await w.as('HUB_ANALYST').get('/taxii2/api/collections/', H)).collections as { id: string; can_read: boolean; can_write: boolean }[];
    expect(hub.find((c) => c.id === inboxCollectionId(w.org.STATE_GA))).toMatchObject({ can_read: true, can_write: false });
    expect(hub.find((c) => c.id === inboxCollectionId(w.org.HUB))).toMatchObject({ can_read: true, can_write: true });
  });

  test('anonymous sees only the public collection', async () => {
    const cs = json(await w.anonymous.get('/taxii2/api/collections/', H)).collections as { id: string }[];
    expect(cs.map((c) => c.id)).toEqual([PUBLIC_COLLECTION_ID]);
  });

  test('one collection; unknown or foreign is 404; anonymous on a private one is 401 with WWW-Authenticate', async () => {
    const ok = await w.as('AZ_ANALYST').get(`/taxii2/api/collections/${officials}/`, H);
    expect(ok.statusCode).toBe(200);
    expect(json(ok)).toMatchObject({ id: officials, can_read: true });
    for (const id of ['00000000-0000-4000-8000-000000000000', w.community.CAMPAIGNS, inboxCollectionId(w.org.STATE_GA), 'not-a-uuid']) {
      const res = await w.as('AZ_ANALYST').get(`/taxii2/api/collections/${id}/`, H);
      expect(res.statusCode, id).toBe(404);
      expect(json(res)).toMatchObject({ http_status: '404', title: expect.any(String) });
      expect((await w.as('AZ_ANALYST').get(`/taxii2/api/collections/${id}/objects/`, H)).statusCode).toBe(404);
    }
    const anon = await w.anonymous.get(objUrl(), H);
    expect(anon.statusCode).toBe(401);
    expect(anon.headers['www-authenticate']).toMatch(/Basic/);
    expect(anon.headers['content-type']).toBe(TAXII);
  });

  test('HTTP Basic with the token as password works; a token without the taxii scope is refused', async () => {
    const basic = `Basic ${Buffer.from(`anyone:${w.token.AZ_ANALYST}`).toString('base64')}`;
    const res = await w.anonymous.get(objUrl(), { ...H, authorization: basic });
    expect(res.statusCode).toBe(200);
    const me = await w.actor('AZ_ANALYST');
    const { token } = await r.services.auth.createToken({ ...me, kind: 'user', scopes: null }, { name: 'read only', scopes: ['read'], orgId: w.org.STATE_AZ });
    const denied = await w.anonymous.get(objUrl(), { ...H, authorization: `Bearer ${token}` });
    expect(denied.statusCode).toBe(403);
  });
});

describe('objects: envelope, pagination, headers', () => {
  test('an empty collection gives an empty envelope {} without date headers', async () => {
    const res = await w.as('VENDOR_ANALYST').get(`/taxii2/api/collections/${w.community.VENDORS}/objects/`, H);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{}');
    expect(res.headers['x-taxii-date-added-first']).toBeUndefined();
    const man = await w.as('VENDOR_ANALYST').get(`/taxii2/api/collections/${w.community.VENDORS}/manifest/`, H);
    expect(man.body).toBe('{}');
  });

  test('a limit larger than the collection returns everything, more=false, no next, with date headers', async () => {
    const res = await w.as('AZ_ANALYST').get(`${objUrl()}?limit=500`, H);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(TAXII);
    const env = json(res);
    expect(env.more).toBe(false);
    expect(env.next).toBeUndefined();
    const objs = objectsOf(res);
    expect(objs.map((o) => o.id)).toEqual([...ids, malwareId, versioned]); // date-added order; latest version only
    expect(objs.at(-1)!.modified).toBe(V[2]);
    expect(res.headers['x-taxii-date-added-first']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(res.headers['x-taxii-date-added-last']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });

  test('limit + next walk every object exactly once; next after the end is an empty envelope', async () => {
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const res = await w.as('AZ_ANALYST').get(`${objUrl()}?limit=2${next ? `&next=${encodeURIComponent(next)}` : ''}`, H);
      expect(res.statusCode).toBe(200);
      const env = json(res);
      const objs = objectsOf(res);
      expect(objs.length).toBeLessThanOrEqual(2);
      seen.push(...objs.map((o) => o.id as string));
      expect(res.headers['x-taxii-date-added-first']).toBeDefined();
      next = env.more ? (env.next as string) : undefined;
      if (env.more) expect(typeof env.next).toBe('string');
      pages++;
    } while (next && pages < 20);
    expect(seen).toEqual([...ids, malwareId, versioned]);
    expect(pages).toBe(4);
    // A cursor positioned on the last row: nothing after it.
    const last = await sql<{ pk: number; da: string }>`SELECT pk, to_char(date_added AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS da
      FROM stix_objects ORDER BY date_added DESC, pk DESC LIMIT 1`.execute(r.core.database.db);
    const after = await w.as('AZ_ANALYST').get(`${objUrl()}?next=${encodeNext(last.rows[0]!)}`, H);
    expect(after.statusCode).toBe(200);
    expect(after.body).toBe('{}');
    const badNext = await w.as('AZ_ANALYST').get(`${objUrl()}?next=garbage`, H);
    expect(badNext.statusCode).toBe(400);
    expect(json(badNext)).toMatchObject({ http_status: '400' });
  });

  test('a page that ends exactly at the last visible object has more=false; one object short has more=true', async () => {
    const all = [...ids, malwareId, versioned];
    const exact = await w.as('AZ_ANALYST').get(`${objUrl()}?limit=${all.length}`, H);
    expect(json(exact).more).toBe(false);
    expect(json(exact).next).toBeUndefined();
    expect(objectsOf(exact).map((o) => o.id)).toEqual(all);
    const short = await w.as('AZ_ANALYST').get(`${objUrl()}?limit=${all.length - 1}`, H);
    expect(json(short)).toMatchObject({ more: true, next: expect.any(String) });
    expect(objectsOf(short).map((o) => o.id)).toEqual(all.slice(0, -1));
    expect(short.headers['x-taxii-date-added-last']).not.toBe(exact.headers['x-taxii-date-added-last']);
    const rest = await w.as('AZ_ANALYST').get(`${objUrl()}?limit=${all.length - 1}&next=${encodeURIComponent(json(short).next as string)}`, H);
    expect(json(rest).more).toBe(false);
    expect(objectsOf(rest).map((o) => o.id)).toEqual(all.slice(-1));
  });

  test('added_after equal to an existing date_added excludes that object (strictly after)', async () => {
    const all = await w.as('AZ_ANALYST').get(objUrl(), H);
    const first = all.headers['x-taxii-date-added-first'] as string;
    const res = await w.as('AZ_ANALYST').get(`${objUrl()}?added_after=${first}`, H);
    expect(objectsOf(res).map((o) => o.id)).toEqual([...ids.slice(1), malwareId, versioned]);
    const lastAdded = all.headers['x-taxii-date-added-last'] as string;
    expect((await w.as('AZ_ANALYST').get(`${objUrl()}?added_after=${lastAdded}`, H)).body).toBe('{}');
    expect((await w.as('AZ_ANALYST').get(`${objUrl()}?added_after=yesterday`, H)).statusCode).toBe(400);
    expect((await w.as('AZ_ANALYST').get(`${objUrl()}?limit=0`, H)).statusCode).toBe(400);
    expect((await w.as('AZ_ANALYST').get(`${objUrl()}?limit=-3`, H)).statusCode).toBe(400);
  });

  test('match[type] and match[id] (comma-separated lists)', async () => {
    const m = objectsOf(await w.as('AZ_ANALYST').get(`${objUrl()}?match[type]=malware`, H));
    expect(m.map((o) => o.id)).toEqual([malwareId]);
    const both = objectsOf(await w.as('AZ_ANALYST').get(`${objUrl()}?match[type]=malware,indicator`, H));
    expect(both).toHaveLength(7);
    const byId = objectsOf(await w.as('AZ_ANALYST').get(`${objUrl()}?match[id]=${ids[1]},${ids[3]}`, H));
    expect(byId.map((o) => o.id)).toEqual([ids[1], ids[3]]);
  });

  test('match[version]: last (default), first, all, a timestamp, and combinations', async () => {
    const get = async (v?: string) =>
      objectsOf(await w.as('AZ_ANALYST').get(`${objUrl()}?match[id]=${versioned}${v ? `&match[version]=${v}` : ''}`, H)).map((o) => o.modified);
    expect(await get()).toEqual([V[2]]);
    expect(await get('last')).toEqual([V[2]]);
    expect(await get('first')).toEqual([V[0]]);
    expect(await get('all')).toEqual(V);
    expect(await get(V[1])).toEqual([V[1]]);
    expect(await get('first,last')).toEqual([V[0], V[2]]);
    expect(await get('2030-01-01T00:00:00.000Z')).toEqual([]);
    expect((await w.as('AZ_ANALYST').get(`${objUrl()}?match[version]=newest`, H)).statusCode).toBe(400);
  });

  test('match[spec_version]', async () => {
    expect(objectsOf(await w.as('AZ_ANALYST').get(`${objUrl()}?match[spec_version]=2.1`, H))).toHaveLength(7);
    expect((await w.as('AZ_ANALYST').get(`${objUrl()}?match[spec_version]=2.0`, H)).body).toBe('{}');
  });
});

describe('object, versions, manifest', () => {
  const one = (id: string, q = '') => `/taxii2/api/collections/${officials}/objects/${id}/${q}`;

  test('one object: latest version by default, match[version] honoured, unknown id 404', async () => {
    const res = await w.as('AZ_ANALYST').get(one(versioned), H);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(TAXII);
    expect(objectsOf(res).map((o) => o.modified)).toEqual([V[2]]);
    expect(objectsOf(await w.as('AZ_ANALYST').get(one(versioned, '?match[version]=all'), H)).map((o) => o.modified)).toEqual(V);
    expect(objectsOf(await w.as('AZ_ANALYST').get(one(versioned, `?match[version]=${V[0]}`), H)).map((o) => o.modified)).toEqual([V[0]]);
    const paged = await w.as('AZ_ANALYST').get(one(versioned, '?match[version]=all&limit=2'), H);
    expect(json(paged)).toMatchObject({ more: true, next: expect.any(String) });
    expect((await w.as('AZ_ANALYST').get(one('indicator--00000000-0000-4000-8000-000000000000'), H)).statusCode).toBe(404);
    // hidden from someone outside the community: not found, not forbidden
    expect((await w.as('CAMPAIGN_MEMBER').get(`/taxii2/api/collections/${w.community.ALL}/objects/${versioned}/`, H)).statusCode).toBe(404);
  });

  test('versions: every version, oldest added first, with pagination and date headers', async () => {
    const res = await w.as('AZ_ANALYST').get(one(versioned, 'versions/'), H);
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({ more: false, versions: V });
    expect(res.headers['x-taxii-date-added-first']).toBeDefined();
    const p1 = json(await w.as('AZ_ANALYST').get(one(versioned, 'versions/?limit=2'), H));
    expect(p1).toMatchObject({ more: true, versions: V.slice(0, 2) });
    const p2 = json(await w.as('AZ_ANALYST').get(one(versioned, `versions/?limit=2&next=${p1.next as string}`), H));
    expect(p2).toEqual({ more: false, versions: V.slice(2) });
    expect((await w.as('AZ_ANALYST').get(one('indicator--00000000-0000-4000-8000-000000000000', 'versions/'), H)).statusCode).toBe(404);
  });

  test('manifest: id, date_added, version, media_type; filters and pagination as objects', async () => {
    const res = await w.as('AZ_ANALYST').get(`/taxii2/api/collections/${officials}/manifest/?limit=3`, H);
    expect(res.statusCode).toBe(200);
    const m = json(res);
    expect(m.more).toBe(true);
    const recs = m.objects as Record<string, string>[];
    expect(recs).toHaveLength(3);
    expect(recs[0]).toEqual({ id: ids[0], date_added: res.headers['x-taxii-date-added-first'], version: T0, media_type: 'application/stix+json;version=2.1' });
    const all = json(await w.as('AZ_ANALYST').get(`/taxii2/api/collections/${officials}/manifest/?match[id]=${versioned}&match[version]=all`, H));
    expect((all.objects as { version: string }[]).map((x) => x.version)).toEqual(V);
  });
});

describe('adding objects, status, deleting', () => {
  const post = (who: Parameters<World['as']>[0], url: string, body: unknown, contentType = TAXII) =>
    w.as(who).post(url, typeof body === 'string' ? body : JSON.stringify(body), { ...H, 'content-type': contentType });

  test('wrong content type is 415, malformed JSON 400, a too large body 413', async () => {
    const env = { objects: [indicator(1)] };
    for (const ct of ['application/json', 'text/plain', 'application/taxii+json;version=2.0', 'application/stix+json;version=2.1']) {
      const res = await post('AZ_ANALYST', objUrl(), env, ct);
      expect(res.statusCode, ct).toBe(415);
      expect(res.headers['content-type']).toBe(TAXII);
      expect(json(res)).toMatchObject({ http_status: '415' });
    }
    expect((await post('AZ_ANALYST', objUrl(), '{"objects": [', TAXII)).statusCode).toBe(400);
    const big = { objects: Array.from({ length: 2000 }, (_, i) => indicator(i, { description: 'x'.repeat(300) })) };
    const res = await post('AZ_ANALYST', objUrl(), big);
    expect(res.statusCode).toBe(413);
    expect(json(res)).toMatchObject({ http_status: '413' });
  });

  test('POST answers 202 with a status listing successes and failures; the poster can read the status, others cannot', async () => {
    const good = [indicator(201), malware(202)];
    const badObj: Record<string, unknown> = { ...indicator(203), pattern: '[ipv4-addr:value = ' };
    const res = await post('AZ_ANALYST', objUrl(), { objects: [...good, badObj] }, 'application/taxii+json');
    expect(res.statusCode).toBe(202);
    expect(res.headers['content-type']).toBe(TAXII);
    const st = json(res);
    expect(st).toMatchObject({ status: 'complete', total_count: 3, success_count: 2, failure_count: 1, pending_count: 0 });
    expect((st.successes as { id: string; version: string }[]).map((s) => s.id)).toEqual(good.map((g) => g.id));
    expect((st.successes as { version: string }[])[0]!.version).toBe(T0);
    const failure = (st.failures as { id: string; message: string }[])[0]!;
    expect(failure.id).toBe(badObj.id);
    expect(failure.message).toMatch(/pattern/);
    const again = await w.as('AZ_ANALYST').get(`/taxii2/api/status/${st.id as string}/`, H);
    expect(again.statusCode).toBe(200);
    expect(json(again)).toEqual(st);
    expect((await w.as('GA_ANALYST').get(`/taxii2/api/status/${st.id as string}/`, H)).statusCode).toBe(404);
    expect((await w.anonymous.get(`/taxii2/api/status/${st.id as string}/`, H)).statusCode).toBe(401);
    // stored through the one write path: owner, community, GREEN default, source
    const row = await sql<{ owner_org_id: string; tlp: string; community_ids: string[]; source: string }>`SELECT owner_org_id, tlp, community_ids, source
      FROM stix_objects WHERE id = ${good[0]!.id as string}`.execute(r.core.database.db);
    expect(row.rows[0]).toMatchObject({ owner_org_id: w.org.STATE_AZ, tlp: 'GREEN', community_ids: [officials], source: 'taxii-post' });
    // posting the same again is idempotent
    const dup = json(await post('AZ_ANALYST', objUrl(), { objects: good }));
    expect(dup).toMatchObject({ success_count: 2, failure_count: 0 });
    // readable by another member of the community
    expect(objectsOf(await w.as('GA_ANALYST').get(`${objUrl()}?match[id]=${good[0]!.id as string}`, H))).toHaveLength(1);
  });

  test('writing needs can_write: members 403, the public collection 403, foreign collections 404', async () => {
    expect((await post('AZ_MEMBER', objUrl(), { objects: [indicator(1)] })).statusCode).toBe(403);
    expect((await post('AZ_ANALYST', `/taxii2/api/collections/${PUBLIC_COLLECTION_ID}/objects/`, { objects: [indicator(1)] })).statusCode).toBe(403);
    expect((await post('AZ_ANALYST', `/taxii2/api/collections/${w.community.CAMPAIGNS}/objects/`, { objects: [indicator(1)] })).statusCode).toBe(404);
    expect((await post('AZ_ANALYST', objUrl(), { objects: 'nope' })).statusCode).toBe(400);
  });

  test('inbox: posted objects are owned by the organisation, shared with the hub, AMBER by default', async () => {
    const inbox = `/taxii2/api/collections/${inboxCollectionId(w.org.COUNTY_MARICOPA)}/objects/`;
    const o = indicator(301);
    const st = json(await post('MARICOPA_ADMIN', inbox, { objects: [o] }));
    expect(st.success_count).toBe(1);
    const row = await sql<{ owner_org_id: string; tlp: string; inbox_org_id: string; recipient_org_ids: string[]; community_ids: string[] }>`SELECT owner_org_id, tlp,
      inbox_org_id, recipient_org_ids, community_ids FROM stix_objects WHERE id = ${o.id as string}`.execute(r.core.database.db);
    expect(row.rows[0]).toMatchObject({ owner_org_id: w.org.COUNTY_MARICOPA, tlp: 'AMBER', inbox_org_id: w.org.COUNTY_MARICOPA, community_ids: [] });
    expect(row.rows[0]!.recipient_org_ids).toContain(w.org.HUB);
    expect(objectsOf(await w.as('HUB_ANALYST').get(inbox, H)).map((x) => x.id)).toEqual([o.id]);
    expect(objectsOf(await w.as('MARICOPA_MEMBER').get(inbox, H)).map((x) => x.id)).toEqual([o.id]);
    expect((await w.as('AZ_ANALYST').get(inbox, H)).statusCode).toBe(404);
    expect((await post('MARICOPA_MEMBER', inbox, { objects: [indicator(302)] })).statusCode).toBe(403);
    expect((await post('HUB_ANALYST', inbox, { objects: [indicator(303)] })).statusCode).toBe(403);
  });

  test('DELETE: only the owner organisation’s analysts; match[version] honoured; audited', async () => {
    const base = indicator(401, { created: V[0], modified: V[0] });
    for (const v of V) await store(r, [{ ...base, modified: v }], { ownerOrgId: w.org.STATE_AZ, tlp: 'GREEN', communityIds: [officials] });
    const url = `/taxii2/api/collections/${officials}/objects/${base.id as string}/`;
    expect((await w.as('GA_ANALYST').delete(url, H)).statusCode).toBe(403);
    expect((await w.as('AZ_MEMBER').delete(url, H)).statusCode).toBe(403);
    expect((await w.as('CAMPAIGN_MEMBER').delete(`/taxii2/api/collections/${w.community.ALL}/objects/${base.id as string}/`, H)).statusCode).toBe(404);
    const del = await w.as('AZ_ANALYST').delete(`${url}?match[version]=${V[2]}`, H);
    expect(del.statusCode).toBe(200);
    expect(json(await w.as('AZ_ANALYST').get(`${url}versions/`, H))).toEqual({ more: false, versions: V.slice(0, 2) });
    // the remaining newest version is now "last"
    expect(objectsOf(await w.as('AZ_ANALYST').get(url, H)).map((o) => o.modified)).toEqual([V[1]]);
    expect((await w.as('AZ_ANALYST').delete(url, H)).statusCode).toBe(200);
    expect((await w.as('AZ_ANALYST').get(url, H)).statusCode).toBe(404);
    expect((await w.as('AZ_ANALYST').delete(url, H)).statusCode).toBe(404);
    const audits = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE action = 'intel.objects.delete' AND subject_id = ${base.id as string}`.execute(r.core.database.db);
    expect(audits.rows[0]!.n).toBe(2);
  });
});
