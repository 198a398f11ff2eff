import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateObjects, TLP2_AMBER, TLP2_GREEN, validateStixObject } from '../../../lib/stix/index.ts';
import { systemActor } from '../../core/access/actor.ts';
import { withTx } from '../../core/db.ts';
import type { StoredEvent } from '../../core/events/events.ts';
import { projectRoot } from '../../core/paths.ts';
import { createTestRampart, createWorld, type PersonaKey, type TestRampart, type World } from '../../test/harness.ts';
import { createIntelRepo } from './intel.repo.ts';
import { prepareObject, storeRows, type ShareOptions } from './intel.store.ts';

/** Ingest jobs, run by the real job workers (pg-boss), polled to completion. */
let r: TestRampart;
let w: World;
beforeAll(async () => {
  r = await createTestRampart({ workers: true, config: { ALLOW_PRIVATE_WEBHOOKS: 'true' } }); // the MISP feed test serves from 127.0.0.1
  w = await createWorld(r);
}, 120_000);
afterAll(async () => r?.close());

interface IngestView {
  id: string;
  status: string;
  total: number;
  inserted: number;
  duplicates: number;
  rejected: number;
  errors: { index?: number; id?: string | null; rule: string; path: string; message: string }[];
  errorsOmitted: number;
  message: string | null;
  bytesRead: number;
  bytesTotal: number | null;
  progress: number | null;
}

async function upload(body: string | Buffer, qs: string, as: PersonaKey = 'HUB_ANALYST'): Promise<IngestView> {
  const res = await w.as(as).post(`/api/intel/ingests?${qs}`, body, { 'content-type': 'application/octet-stream' });
  expect(res.statusCode, res.body).toBe(202);
  return waitFor(res.json().id, as);
}

/** Polls the ingest row until the job is done (bounded). */
async function waitFor(id: string, as: PersonaKey = 'HUB_ANALYST'): Promise<IngestView> {
  for (let i = 0; i < 600; i++) {
    const res = await w.as(as).get(`/api/intel/ingests/${id}`);
    const v = res.json() as IngestView;
    if (v.status === 'complete' || v.status === 'failed') return v;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`ingest ${id} did not finish`);
}

const t0 = '2024-03-01T00:00:00.000Z';
const ind = (over: Record<string, unknown> = {}) => ({
  type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: t0, modified: t0, name: 'i', pattern: "[ipv4-addr:value = '198.51.100.200']",
  pattern_type: 'stix', valid_from: t0, ...over,
});
const bundleText = (objects: unknown[]) => JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects });

describe('STIX bundles', () => {
  test('a generated bundle covering every object type ingests fully; export → re-ingest unchanged → all duplicates', async () => {
    const objects = [...generateObjects(7, 400)];
    const v = await upload(bundleText(objects), 'kind=stix&tlp=GREEN');
    expect(v.errors).toEqual([]);
    expect(v).toMatchObject({ status: 'complete', total: 400, inserted: 400, rejected: 0, progress: 1 });
    expect(v.bytesRead).toBe(v.bytesTotal);

    const exported = (await w.as('HUB_ANALYST').get('/api/intel/export')).body;
    const b = JSON.parse(exported);
    const ids = new Set(b.objects.map((o: { id: string }) => o.id));
    for (const o of objects) expect(ids.has(o.id)).toBe(true);
    for (const o of b.objects) expect(validateStixObject(o).ok).toBe(true);
    const again = await upload(exported, 'kind=stix');
    expect(again).toMatchObject({ status: 'complete', total: b.objects.length, inserted: 0, duplicates: b.objects.length, rejected: 0 });
  });


  test('a pretty-printed bundle: objects are stored as they came (TLP marking added), versions in one bundle rank, observables correlate', async () => {
    const a = w.as('HUB_ANALYST');
    // A value no other test of this file names (a random 198.51.100.x was once the CSV test's 198.51.100.77,
    // whose observable search then found this test's GREEN ipv4-addr too).
    const hex = () => (1 + Math.floor(Math.random() * 0xfffe)).toString(16);
    const ip = `2001:db8:${hex()}:${hex()}::${hex()}`;
    const marked = ind({ name: 'marked', description: 'line one\nline two "quoted" \\ back', pattern: `[ipv6-addr:value = '${ip}']`, object_marking_refs: [TLP2_AMBER.id] });
    const plain = ind({ name: 'plain', x_rampart_nested: { a: [1, { b: null }] } });
    const v1 = ind({ name: 'v1' });
    const v2 = { ...v1, name: 'v2', modified: '2024-04-01T00:00:00.000Z' };
    const v0 = { ...v1, name: 'v0', modified: '2024-03-15T00:00:00.000Z' };
    const sco = { type: 'ipv6-addr', spec_version: '2.1', id: `ipv6-addr--${randomUUID()}`, value: ip };
    const text = JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects: [marked, plain, v1, v2, v0, sco] }, null, 2);
    expect(text).toContain('\n');
    const v = await upload(text, 'kind=stix&tlp=GREEN');
    expect(v).toMatchObject({ status: 'complete', inserted: 6, rejected: 0 });

    // AMBER-marked stays AMBER (never loosened), unchanged; the unmarked one gets the requested GREEN marking.
    const gotMarked = (await a.get(`/api/intel/objects/${marked.id}`)).json();
    expect(gotMarked.object).toEqual(marked);
    expect(gotMarked.sharing.tlp).toBe('AMBER');
    const gotPlain = (await a.get(`/api/intel/objects/${plain.id}`)).json();
    expect(gotPlain.object).toEqual({ ...plain, object_marking_refs: [TLP2_GREEN.id] });
    expect(gotPlain.sharing.tlp).toBe('GREEN');

    const versions = (await a.get(`/api/intel/objects/${v1.id}/versions`)).json().items as { object: { name: string }; isLatest: boolean }[];
    expect(versions.map((x) => [x.object.name, x.isLatest])).toEqual([['v1', false], ['v0', false], ['v2', true]]);

    const corr = (await a.get(`/api/intel/objects?observable=${ip}`)).json().items.map((i: { id: string }) => i.id).sort();
    expect(corr).toEqual([marked.id, sco.id].sort());
  });
  test('a truncated bundle: the objects before the cut are stored, the job reports the error', async () => {
    const objs = Array.from({ length: 30 }, () => ind());
    const text = bundleText(objs);
    const cut = text.indexOf(objs[20]!.id) + 10;
    const v = await upload(text.slice(0, cut), 'kind=stix');
    expect(v.status).toBe('failed');
    expect(v.message).toMatch(/truncated/);
    expect(v.inserted).toBe(20);
    for (const o of objs.slice(0, 20)) expect((await w.as('HUB_ANALYST').get(`/api/intel/objects/${o.id}`)).statusCode).toBe(200);
    expect((await w.as('HUB_ANALYST').get(`/api/intel/objects/${objs[20]!.id}`)).statusCode).toBe(404);
  });

  test('bad input is reported per object (index, id, rule, path) and the rest is stored', async () => {
    const dupe = ind();
    const objects = [
      ind(), // 0 ok
      { ...ind(), type: 'not-a-type' }, // 1 wrong type
      ind({ description: 'x'.repeat(10 * 1024 * 1024) }), // 2 a 10 MB string: fine
      ind({ x_deep: 'DEEP' }), // 3 too deep (5,000 levels, spliced into the text below)
      dupe, // 4
      dupe, // 5 duplicate id in one bundle
      ind({ x_custom_field: { keep: true } }), // 6 unknown custom properties kept
      ind({ object_marking_refs: ['marking-definition--not-a-uuid'] }), // 7 invalid marking
      42, // 8 not an object
    ];
    const text = bundleText(objects).replace('"DEEP"', `${'{"x_n":'.repeat(5000)}1${'}'.repeat(5000)}`);
    const v = await upload(text, 'kind=stix');
    expect(v.status).toBe('complete');
    expect({ total: v.total, inserted: v.inserted, duplicates: v.duplicates, rejected: v.rejected }).toEqual({ total: 9, inserted: 4, duplicates: 1, rejected: 4 });
    const byIndex = new Map<number, string[]>();
    for (const e of v.errors) byIndex.set(e.index!, [...(byIndex.get(e.index!) ?? []), e.rule]);
    expect([...byIndex.keys()].sort()).toEqual([1, 3, 7, 8]);
    expect(byIndex.get(1)).toContain('unknown-type');
    expect(byIndex.get(3)).toContain('max-depth');
    expect(v.errors.find((e) => e.index === 7)!.path).toContain('object_marking_refs');
    expect(byIndex.get(8)).toContain('not-object');
    expect(v.errors.find((e) => e.index === 1)!.id).toBe((objects[1] as { id: string }).id);
    const kept = (await w.as('HUB_ANALYST').get(`/api/intel/objects/${(objects[6] as { id: string }).id}`)).json();
    expect(kept.object.x_custom_field).toEqual({ keep: true });
    const big = (await w.as('HUB_ANALYST').get(`/api/intel/objects/${(objects[2] as { id: string }).id}`)).json();
    expect(big.object.description).toHaveLength(10 * 1024 * 1024);
  }, 120_000);

  test('JSON syntax errors inside one object reject only that object', async () => {
    const a = ind();
    const b = ind();
    const text = `{"type":"bundle","id":"bundle--${randomUUID()}","objects":[${JSON.stringify(a)},{"type": "indicator", "id" 5},${JSON.stringify(b)}]}`;
    const v = await upload(text, 'kind=stix');
    expect(v).toMatchObject({ status: 'complete', inserted: 2, rejected: 1 });
    expect(v.errors[0]).toMatchObject({ index: 1, rule: 'json-syntax' });
  });

  test('a NUL character (which PostgreSQL text and jsonb cannot hold) rejects only its object, with the path', async () => {
    const a = ind();
    const bad = ind({ description: 'before\u0000after', x_rampart_tags: ['ok', 'a\u0000b'] });
    const b = ind();
    const v = await upload(bundleText([a, bad, b]), 'kind=stix');
    expect(v).toMatchObject({ status: 'complete', inserted: 2, rejected: 1 });
    expect(v.errors).toHaveLength(1);
    expect(v.errors[0]).toMatchObject({ index: 1, id: bad.id, rule: 'nul-character', path: '$.description' });
  });

  test('not a bundle: the job fails with a message', async () => {
    expect((await upload('[1,2,3]', 'kind=stix')).message).toMatch(/bundle/);
    expect((await upload('{"type":"bundle","id":"x"}', 'kind=stix')).message).toMatch(/no "objects" array/);
    expect((await upload('{"objects":[]} trailing', 'kind=stix')).message).toMatch(/after the end/);
  });

  test('stored errors are capped; the rest are counted', async () => {
    const objects = Array.from({ length: 1100 }, () => ({ type: 'indicator' }));
    const v = await upload(bundleText(objects), 'kind=stix');
    expect(v.rejected).toBe(1100);
    expect(v.errors.length + v.errorsOmitted).toBeGreaterThanOrEqual(1100);
    expect(v.errors.length).toBe(1000);
  });

  test('only analysts upload; the upload must not be empty', async () => {
    expect((await w.as('AZ_MEMBER').post('/api/intel/ingests?kind=stix', '{}', { 'content-type': 'application/json' })).statusCode).toBe(403);
    const empty = await w.as('HUB_ANALYST').post('/api/intel/ingests?kind=stix', '', { 'content-type': 'application/octet-stream' });
    expect(empty.json().error.code).toBe('INTEL_UPLOAD_EMPTY');
  });

  test('progress events reach the uploading organisation only', async () => {
    const seen = new Set<string>();
    const unsubs = await Promise.all((['HUB_ANALYST', 'AZ_ANALYST', 'GA_ANALYST', 'FEDERAL_ANALYST'] as PersonaKey[]).map(async (p) =>
      r.core.events.subscribe({ actor: await w.actor(p), topics: ['intel.ingest'], send: (e: StoredEvent) => { if (e.payload?.status === 'complete') seen.add(`${p}:${e.subjectId}`); } }),
    ));
    const v = await upload(bundleText([ind()]), 'kind=stix', 'AZ_ANALYST');
    // the final event was published before the row was marked complete: drain the hub
    await r.core.events.pull();
    unsubs.forEach((u) => u());
    expect([...seen].filter((s) => s.endsWith(v.id))).toEqual([`AZ_ANALYST:${v.id}`]);
  });
});

describe('MISP', () => {
  const fixture = readFileSync(`${projectRoot}/src/lib/misp/fixtures/election-event.json`, 'utf8');

  test('a MISP event file becomes a report and its objects; skipped attributes are listed', async () => {
    const v = await upload(fixture, 'kind=misp');
    expect(v.status, v.message ?? '').toBe('complete');
    expect(v.inserted).toBeGreaterThan(5);
    expect(v.rejected).toBe(0);
    const rep = await w.as('HUB_ANALYST').get('/api/intel/objects/report--5e6f3a8c-2b1d-4c7e-9f4a-0d2c8b7a6e51');
    expect(rep.statusCode).toBe(200);
    expect(rep.json().summary.source).toBe('misp');
  });

  test('an invalid MISP event is reported with the attribute path', async () => {
    const ev = JSON.parse(fixture);
    (ev.Event ?? ev).Attribute[1].timestamp = 'not a time';
    const v = await upload(JSON.stringify(ev), 'kind=misp');
    expect(v.rejected).toBe(1);
    expect(v.errors[0]).toMatchObject({ rule: 'misp-invalid', path: expect.stringContaining('Attribute[1]') });
  });

  test('a MISP feed over HTTP: manifest, then only events newer than the last pull', async () => {
    const ev = JSON.parse(fixture);
    const e = ev.Event ?? ev;
    const manifest: Record<string, unknown> = { [e.uuid]: { info: e.info, timestamp: Number(e.timestamp), Tag: [], Orgc: { name: 'X', uuid: randomUUID() } } };
    const served: Record<string, string> = { '/feed/manifest.json': JSON.stringify(manifest), [`/feed/${e.uuid}.json`]: JSON.stringify(ev) };
    const hits: string[] = [];
    const server = http.createServer((req, res) => {
      hits.push(req.url!);
      const body = served[req.url!];
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(body ?? '{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed/`;
    try {
      const first = await w.as('GA_ANALYST').post('/api/intel/misp-feeds', { url, tlp: 'AMBER' });
      expect(first.statusCode, first.body).toBe(202);
      const v1 = await waitFor(first.json().ingest.id, 'GA_ANALYST');
      expect(v1.status, v1.message ?? '').toBe('complete');
      expect(v1.total).toBeGreaterThan(5); // (the same event was ingested from a file above: duplicates then)
      expect(v1.rejected).toBe(0);
      expect(hits).toContain(`/feed/${e.uuid}.json`);
      hits.length = 0;
      const second = await w.as('GA_ANALYST').post('/api/intel/misp-feeds', { url });
      const v2 = await waitFor(second.json().ingest.id, 'GA_ANALYST');
      expect(v2).toMatchObject({ status: 'complete', total: 0 });
      expect(hits).toEqual(['/feed/manifest.json']);
      const feeds = (await w.as('GA_ANALYST').get('/api/intel/misp-feeds')).json().items;
      expect(feeds).toHaveLength(1);
      expect(feeds[0].lastTimestamp).toBe(Number(e.timestamp));
      expect((await w.as('AZ_ANALYST').get('/api/intel/misp-feeds')).json().items).toEqual([]);
    } finally {
      server.close();
    }
    const bad = await w.as('GA_ANALYST').post('/api/intel/misp-feeds', { url: 'file:///etc/passwd' });
    expect(bad.statusCode).toBe(400);
  });
});

describe('CSV', () => {
  const csv = 'indicator,type,comment\n198.51.100.77,ip,c2\nevil-csv.example,domain,phish\nnot a value,ip,bad\nhxxp://bad-csv[.]example/x,url,\n';

  test('preview detects the mapping and shows the first rows', async () => {
    const res = await w.as('HUB_ANALYST').post('/api/intel/ingests/csv-preview', csv, { 'content-type': 'text/csv' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().header).toEqual(['indicator', 'type', 'comment']);
    expect(res.json().mapping.value).toBe('indicator');
    expect(res.json().rows[0]).toEqual(['198.51.100.77', 'ip', 'c2']);
  });

  test('rows become indicators; bad rows are reported with row and column', async () => {
    const v = await upload(csv, 'kind=csv&valueColumn=indicator&typeColumn=type&descriptionColumn=comment&tlp=GREEN');
    expect(v).toMatchObject({ status: 'complete', total: 4, inserted: 3, rejected: 1 });
    expect(v.errors[0]).toMatchObject({ index: 3, rule: 'csv-row', path: expect.stringContaining('indicator') });
    const found = (await w.as('AZ_MEMBER').get('/api/intel/objects?observable=198.51.100.77')).json().items as { id: string; type: string }[];
    // Named in the failure message: which objects matched (a second version or another object).
    expect(found.map((o) => `${o.type} ${o.id}`), JSON.stringify(found)).toHaveLength(1);
  });

  test('a mapping naming a missing column fails the job with a message; no mapping is refused up front', async () => {
    const v = await upload(csv, 'kind=csv&valueColumn=nope');
    expect(v.status).toBe('failed');
    expect(v.message).toMatch(/nope/);
    const res = await w.as('HUB_ANALYST').post('/api/intel/ingests?kind=csv', csv, { 'content-type': 'text/csv' });
    expect(res.statusCode).toBe(400);
  });
});

describe('store integrity (checked once per statement, migration 0108)', () => {
  const share = (over: Partial<ShareOptions> = {}): ShareOptions => ({
    actor: { ...systemActor('test'), userId: w.user.HUB_ANALYST, orgId: w.org.HUB },
    ownerOrgId: w.org.HUB,
    tlp: 'GREEN',
    source: 'test',
    ...over,
  });
  const store = (s: ShareOptions, objects: Record<string, unknown>[]) =>
    withTx(r.core.database.db, async (tx) => {
      const rows = objects.map((o) => {
        const p = prepareObject(o, s, { communityIds: [] });
        if (!p.ok) throw new Error(JSON.stringify(p.errors));
        return p.row;
      });
      return storeRows(tx, createIntelRepo(r.core.database.db), s, rows);
    });
  const count = async (ids: string[]) =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM stix_objects WHERE id = ANY(${ids}::text[])`.execute(r.core.database.db)).rows[0]!.n);

  test('an unknown owner organisation, inbox or person fails the whole statement: nothing is stored', async () => {
    for (const bad of [{ ownerOrgId: randomUUID() }, { inboxOrgId: randomUUID() }, { actor: { ...systemActor('test'), userId: randomUUID(), orgId: w.org.HUB } }]) {
      const objects = [ind(), ind({ pattern: "[ipv4-addr:value = '198.51.100.201']" })];
      await expect(store(share(bad), objects)).rejects.toMatchObject({ code: '23503' });
      expect(await count(objects.map((o) => o.id as string))).toBe(0);
    }
    const ok = [ind()];
    expect(await store(share({ inboxOrgId: w.org.STATE_AZ }), ok)).toHaveLength(1);
  });

  test('deleting an organisation or a person clears their columns; deleting an object deletes its correlation keys', async () => {
    const db = r.core.database.db;
    const sys = systemActor('test');
    const org = await r.services.directory.createOrg(sys, { name: `gone ${randomUUID()}`, kind: 'national_hub', parentId: null, jurisdictionFips: null, website: null, description: '', contacts: [], communityIds: [] });
    const userId = await r.services.auth.createUser(sys, { email: `${randomUUID()}@gone.test`, name: 'Gone', password: 'correct horse battery staple', memberships: [] });
    const o = ind({ pattern: "[ipv4-addr:value = '198.51.100.202']" });
    const [row] = await store(share({ ownerOrgId: org.id, inboxOrgId: org.id, actor: { ...sys, userId, orgId: org.id } }), [o]);
    const keys = () => sql<{ key: string }>`SELECT key FROM stix_observable_keys WHERE object_pk = ${row!.pk}`.execute(db);
    expect((await keys()).rows).toEqual([{ key: 'ipv4-addr:198.51.100.202' }]);
    await expect(sql`UPDATE stix_objects SET owner_org_id = ${randomUUID()}::uuid WHERE pk = ${row!.pk}`.execute(db)).rejects.toMatchObject({ code: '23503' });
    await sql`DELETE FROM users WHERE id = ${userId}::uuid`.execute(db);
    await sql`DELETE FROM organisations WHERE id = ${org.id}::uuid`.execute(db);
    const after = await sql<{ owner: string | null; inbox: string | null; by: string | null }>`SELECT owner_org_id AS owner, inbox_org_id AS inbox, created_by AS by FROM stix_objects WHERE pk = ${row!.pk}`.execute(db);
    expect(after.rows).toEqual([{ owner: null, inbox: null, by: null }]);
    await sql`DELETE FROM stix_objects WHERE pk = ${row!.pk}`.execute(db);
    expect((await keys()).rows).toEqual([]);
    // A correlation key must name a stored object.
    await expect(sql`INSERT INTO stix_observable_keys (key, object_pk) VALUES ('ipv4-addr:198.51.100.203', ${row!.pk})`.execute(db)).rejects.toMatchObject({ code: '23503' });
  });
});
