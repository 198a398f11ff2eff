import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TLP2_MARKINGS, validateStixObject } from '../../../lib/stix/index.ts';
import { createTestRampart, createWorld, type TestRampart, type World } from '../../test/harness.ts';
import { observableKey, orgIdentityId } from './intel.service.ts';

let r: TestRampart;
let w: World;
beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
}, 120_000);
afterAll(async () => r?.close());

const t0 = '2024-01-01T00:00:00.000Z';
const ind = (over: Record<string, unknown> = {}) => ({
  type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: t0, modified: t0, name: 'x', pattern: "[domain-name:value = 'evil.example']",
  pattern_type: 'stix', valid_from: t0, ...over,
});
const bundle = (objects: unknown[]) => ({ type: 'bundle', id: `bundle--${randomUUID()}`, objects });

describe('POST /api/intel/objects', () => {
  test('per-object outcome: inserted, duplicate, rejected with rule and JSON path; unknown custom properties kept', async () => {
    const good = ind({ x_acme_score: 7 });
    const bad = ind({ valid_from: 'yesterday' });
    const res = await w.as('HUB_ANALYST').post('/api/intel/objects?tlp=GREEN', bundle([good, good, bad, 'text', { type: 'indicator' }]));
    expect(res.statusCode, res.body).toBe(200);
    const b = res.json();
    expect(b.objects.map((o: { outcome: string }) => o.outcome)).toEqual(['inserted', 'duplicate', 'rejected', 'rejected', 'rejected']);
    expect(b.objects[2].errors).toContainEqual(expect.objectContaining({ rule: 'timestamp-format', path: '$.valid_from' }));
    expect(b.objects[3].errors[0].rule).toBe('not-object');
    expect({ inserted: b.inserted, duplicates: b.duplicates, rejected: b.rejected }).toEqual({ inserted: 1, duplicates: 1, rejected: 3 });
    const got = await w.as('HUB_ANALYST').get(`/api/intel/objects/${good.id}`);
    expect(got.json().object.x_acme_score).toBe(7);
    const again = await w.as('HUB_ANALYST').post('/api/intel/objects', good);
    expect(again.json().objects[0].outcome).toBe('duplicate');
  });

  test('the same id and modified with different content in one bundle: the later one is refused', async () => {
    const a = ind();
    const res = await w.as('HUB_ANALYST').post('/api/intel/objects', bundle([a, { ...a, name: 'other' }]));
    expect(res.json().objects[1]).toMatchObject({ outcome: 'rejected', errors: [{ rule: 'bundle-duplicate' }] });
  });

  test('invalid markings are rejected', async () => {
    const res = await w.as('HUB_ANALYST').post('/api/intel/objects', ind({ object_marking_refs: ['identity--0b6e2d2c-3d55-4b6a-9c07-0e0f1b2c3d4e'] }));
    expect(res.json().objects[0]).toMatchObject({ outcome: 'rejected', errors: [expect.objectContaining({ path: expect.stringContaining('object_marking_refs') })] });
  });

  test('a TLP request never loosens an object’s own marking; it may tighten it', async () => {
    const red = ind({ object_marking_refs: [TLP2_MARKINGS.RED.id] });
    await w.as('HUB_ANALYST').post('/api/intel/objects?tlp=CLEAR', red);
    const got = await w.as('HUB_ANALYST').get(`/api/intel/objects/${red.id}`);
    expect(got.json().sharing.tlp).toBe('RED');
    const green = ind({ object_marking_refs: [TLP2_MARKINGS.GREEN.id] });
    await w.as('HUB_ANALYST').post('/api/intel/objects?tlp=AMBER', green);
    const g = (await w.as('HUB_ANALYST').get(`/api/intel/objects/${green.id}`)).json();
    expect(g.sharing.tlp).toBe('AMBER');
    expect(g.object.object_marking_refs).toEqual([TLP2_MARKINGS.AMBER.id]);
  });

  test('only analysts share; members and anonymous do not', async () => {
    expect((await w.as('AZ_MEMBER').post('/api/intel/objects', ind())).statusCode).toBe(403);
    expect((await w.anonymous.post('/api/intel/objects', ind())).statusCode).toBe(401);
    expect((await w.anonymous.get('/api/intel/objects')).statusCode).toBe(401);
  });

  test('sharing options are checked: a community not of your organisation, an unknown recipient', async () => {
    const res = await w.as('AZ_ANALYST').post(`/api/intel/objects?communityIds=${w.community.VENDORS}&recipientOrgIds=${randomUUID()}`, ind());
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.problems.map((p: { path: string }) => p.path)).toEqual(['query.communityIds.0', 'query.recipientOrgIds.0']);
  });

  test('more than 1,000 objects go to an ingest job instead', async () => {
    const res = await w.as('HUB_ANALYST').post('/api/intel/objects', bundle(Array.from({ length: 1001 }, () => ind())));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INTEL_TOO_MANY_OBJECTS');
  });
});

describe('versions', () => {
  test('same id+modified twice is a no-op; a newer version becomes latest; all versions are listed', async () => {
    const v1 = ind({ name: 'v1' });
    const v2 = { ...v1, name: 'v2', modified: '2024-02-01T00:00:00.000Z' };
    const a = w.as('HUB_ANALYST');
    expect((await a.post('/api/intel/objects', v1)).json().inserted).toBe(1);
    expect((await a.post('/api/intel/objects', v1)).json().duplicates).toBe(1);
    expect((await a.post('/api/intel/objects', v2)).json().inserted).toBe(1);
    // an older version arriving late does not become latest
    const v0 = { ...v1, name: 'v0', modified: '2024-01-01T00:00:00.000Z', created: '2024-01-01T00:00:00.000Z' };
    await a.post('/api/intel/objects', { ...v0, id: v1.id, modified: '2024-01-15T00:00:00.000Z' });
    const got = (await a.get(`/api/intel/objects/${v1.id}`)).json();
    expect(got.object.name).toBe('v2');
    expect(got.versionCount).toBe(3);
    const versions = (await a.get(`/api/intel/objects/${v1.id}/versions`)).json().items;
    expect(versions.map((v: { object: { name: string } }) => v.object.name)).toEqual(['v1', 'v0', 'v2']);
    expect(versions.map((v: { isLatest: boolean }) => v.isLatest)).toEqual([false, false, true]);
    const search = (await a.get(`/api/intel/objects?q=v2&type=indicator`)).json().items.filter((i: { id: string }) => i.id === v1.id);
    expect(search).toHaveLength(1);
  });
});

describe('creation helpers', () => {
  test('an indicator: built as STIX 2.1 with the organisation’s deterministic identity as creator', async () => {
    const res = await w.as('AZ_ANALYST').post('/api/intel/indicators', { name: 'Phishing domain', pattern: "[domain-name:value = 'vote-az.example']", labels: ['phishing'], tlp: 'GREEN' });
    expect(res.statusCode, res.body).toBe(201);
    const o = res.json().object;
    expect(validateStixObject(o).ok).toBe(true);
    expect(o.created_by_ref).toBe(orgIdentityId(w.org.STATE_AZ));
    expect(o.object_marking_refs).toEqual([TLP2_MARKINGS.GREEN.id]);
    const again = await w.as('AZ_ANALYST').post('/api/intel/indicators', { name: 'Second', pattern: "[ipv4-addr:value = '203.0.113.5']" });
    expect(again.json().object.created_by_ref).toBe(o.created_by_ref);
    const detail = (await w.as('AZ_MEMBER').get(`/api/intel/objects/${o.id}`)).json();
    expect(detail.references).toContainEqual({ property: 'created_by_ref', id: o.created_by_ref, status: 'resolved', type: 'identity', name: 'STATE_AZ org' });
    expect(detail.sharing.ownerOrg).toEqual({ id: w.org.STATE_AZ, name: 'STATE_AZ org' });
    expect(detail.sharing.communities.map((c: { name: string }) => c.name).sort()).toEqual(['ALL community', 'OFFICIALS community']);
  });

  test('an invalid pattern is refused with the parser’s position-aware message', async () => {
    const res = await w.as('AZ_ANALYST').post('/api/intel/indicators', { name: 'bad', pattern: "[ipv4-addr:value = '1.2.3.4' AND]" });
    expect(res.statusCode).toBe(400);
    const e = res.json().error;
    expect(e.code).toBe('INTEL_PATTERN_INVALID');
    expect(e.details).toMatchObject({ path: 'body.pattern', position: expect.any(Number) });
    expect(e.message).toMatch(/at \d+:/);
  });

  test('reports and notes about objects; ids one cannot see are refused like unknown ones', async () => {
    const i = (await w.as('AZ_ANALYST').post('/api/intel/indicators', { name: 'for report', pattern: "[url:value = 'http://bad.example/x']", tlp: 'AMBER+STRICT' })).json().object;
    const rep = await w.as('AZ_ANALYST').post('/api/intel/reports', { name: 'Weekly', objectIds: [i.id], tlp: 'AMBER' });
    expect(rep.statusCode, rep.body).toBe(201);
    expect(validateStixObject(rep.json().object).ok).toBe(true);
    const note = await w.as('AZ_ANALYST').post('/api/intel/notes', { content: 'Seen again today', objectIds: [i.id] });
    expect(note.statusCode, note.body).toBe(201);
    expect(note.json().object.object_refs).toEqual([i.id]);
    const hidden = await w.as('GA_ANALYST').post('/api/intel/notes', { content: 'x', objectIds: [i.id] });
    const unknown = await w.as('GA_ANALYST').post('/api/intel/notes', { content: 'x', objectIds: [`indicator--${randomUUID()}`] });
    expect(hidden.statusCode).toBe(400);
    expect(hidden.json().error.details.problems).toEqual(unknown.json().error.details.problems);
  });
});

describe('search', () => {
  test('observable values are normalised to the store’s keys', () => {
    expect(observableKey('198.051.100.7')).toBe(null);
    expect(observableKey('198.51.100.7')).toBe('ipv4-addr:198.51.100.7');
    expect(observableKey('2001:DB8:0:0::1')).toBe('ipv6-addr:2001:db8::1');
    expect(observableKey('Evil.Example.')).toBe('domain-name:evil.example');
    expect(observableKey('HTTP://Evil.Example:80/a/../b')).toBe('url:http://evil.example/b');
    expect(observableKey('A'.repeat(64))).toBe(`file:sha256:${'a'.repeat(64)}`);
    expect(observableKey('ipv4-addr:198.51.100.7')).toBe('ipv4-addr:198.51.100.7');
  });

  test('filters (type, tlp, source, owner, observable) and keyset pagination without gaps or repeats', async () => {
    const tag = `pg${randomUUID().slice(0, 8)}`;
    const objs = Array.from({ length: 23 }, (_, k) => ind({ name: `${tag} ${k}`, pattern: `[ipv4-addr:value = '192.0.2.${k}']` }));
    await w.as('VENDOR_ANALYST').post('/api/intel/objects?tlp=GREEN', bundle(objs));
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const res = await w.as('VENDOR_ANALYST').get(`/api/intel/objects?q=${tag}&limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      seen.push(...res.json().items.map((i: { id: string }) => i.id));
      cursor = res.json().nextCursor;
      if (!cursor) break;
    }
    expect(seen.sort()).toEqual(objs.map((o) => o.id).sort());
    const f = async (qs: string) => (await w.as('VENDOR_ANALYST').get(`/api/intel/objects?q=${tag}&${qs}`)).json().items.length;
    expect(await f('type=indicator,report')).toBe(23);
    expect(await f('type=malware')).toBe(0);
    expect(await f('tlp=GREEN')).toBe(23);
    expect(await f('tlp=RED&tlp=AMBER')).toBe(0);
    expect(await f('source=api')).toBe(23);
    expect(await f(`ownerOrgId=${w.org.VENDOR}`)).toBe(23);
    expect(await f(`ownerOrgId=${w.org.HUB}`)).toBe(0);
    expect(await f('observable=192.0.2.7')).toBe(1);
    expect(await f(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toBe(0);
    const bad = await w.as('VENDOR_ANALYST').get('/api/intel/objects?cursor=bm9wZQ');
    expect(bad.statusCode).toBe(400);
  });

  test('dangling references are allowed and shown as such', async () => {
    const rel = { type: 'relationship', spec_version: '2.1', id: `relationship--${randomUUID()}`, created: t0, modified: t0, relationship_type: 'indicates', source_ref: `indicator--${randomUUID()}`, target_ref: `malware--${randomUUID()}` };
    expect((await w.as('HUB_ANALYST').post('/api/intel/objects', rel)).json().inserted).toBe(1);
    const d = (await w.as('HUB_ANALYST').get(`/api/intel/objects/${rel.id}`)).json();
    expect(d.references).toEqual([
      { property: 'source_ref', id: rel.source_ref, status: 'dangling' },
      { property: 'target_ref', id: rel.target_ref, status: 'dangling' },
    ]);
  });
});

describe('export', () => {
  test('a valid STIX bundle; every object passes the official schemas; filters by type and date', async () => {
    const res = await w.as('HUB_ANALYST').get('/api/intel/export');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/stix+json');
    const b = JSON.parse(res.body);
    expect(b.id).toMatch(/^bundle--/);
    expect(b.objects.length).toBeGreaterThan(10);
    for (const o of b.objects) expect(validateStixObject(o).ok, JSON.stringify(o).slice(0, 200)).toBe(true);
    const ids = b.objects.map((o: { id: string }) => o.id);
    expect(new Set(ids).size).toBe(ids.length);
    const onlyRel = JSON.parse((await w.as('HUB_ANALYST').get('/api/intel/export?type=relationship')).body).objects;
    expect(onlyRel.every((o: { type: string }) => o.type === 'relationship')).toBe(true);
    const future = JSON.parse((await w.as('HUB_ANALYST').get(`/api/intel/export?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).body);
    expect(future.objects).toEqual([]);
    expect((await w.anonymous.get('/api/intel/export')).statusCode).toBe(401);
  });
});
