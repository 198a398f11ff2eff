import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql } from 'kysely';
import { createTestRampart, createWorld, type TestRampart, type World } from '../../../../test/harness.ts';
import { createIntelRepo } from '../../intel.repo.ts';
import { createTaxiiRepo } from '../taxii.repo.ts';
import { createSubscriptionService, type PollResult } from '../taxii.subscriptions.ts';
import { parseKey, SecretBox } from '../../../../core/secrets.ts';
import type { Core } from '../../../../core/module.ts';
import { H, indicator, store } from './helpers.ts';

/**
 * The TAXII client against a second Rampart started here: `up` serves TAXII on a real port, `down`
 * subscribes to one of its collections and polls it over HTTP.
 */
let up: TestRampart;
let down: TestRampart;
let wu: World;
let wd: World;
let apiRoot: string;
const upIds: string[] = [];
let hiddenId: string;

beforeAll(async () => {
  up = await createTestRampart({ listen: true, config: { PORT: '0' } });
  down = await createTestRampart({ listen: true, config: { PORT: '0', ALLOW_PRIVATE_WEBHOOKS: 'true' } });
  wu = await createWorld(up);
  wd = await createWorld(down);
  apiRoot = `http://127.0.0.1:${(up.app.server.address() as AddressInfo).port}/taxii2/api/`;
  for (let i = 0; i < 5; i++) {
    const o = indicator(i);
    upIds.push(o.id as string);
    await store(up, [o], { ownerOrgId: wu.org.STATE_AZ, tlp: 'GREEN', communityIds: [wu.community.ALL] });
  }
  const clear = indicator(50);
  upIds.push(clear.id as string);
  await store(up, [clear], { ownerOrgId: wu.org.STATE_AZ, tlp: 'CLEAR', communityIds: [wu.community.ALL] });
  // In the same collection but AMBER for Georgia only: the subscriber's token must not receive it.
  const hidden = indicator(60);
  hiddenId = hidden.id as string;
  await store(up, [hidden], { ownerOrgId: wu.org.STATE_GA, tlp: 'AMBER', communityIds: [wu.community.ALL] });
}, 180_000);
afterAll(async () => {
  await down?.close();
  await up?.close();
});

const json = <T = Record<string, unknown>>(res: { body: string }) => JSON.parse(res.body) as T;
const base = '/api/intel/subscriptions';
let subId: string;

/** The stored row: the whole row as text, and the two password columns. */
async function rowOf(id: string) {
  const r = await sql<{ text: string; password: string | null; password_enc: string | null }>`SELECT s::text AS text, s.password, s.password_enc
    FROM taxii_subscriptions s WHERE s.id = ${id}::uuid`.execute(down.core.database.db);
  return r.rows[0]!;
}

const serviceWith = (core: Core) =>
  createSubscriptionService({ core, intelRepo: createIntelRepo(core.database.db), repo: createTaxiiRepo(core.database), directory: down.services.directory });

async function stored(source: string) {
  const r = await sql<{ id: string; tlp: string; owner_org_id: string; community_ids: string[] }>`SELECT id, tlp, owner_org_id, community_ids
    FROM stix_objects WHERE source = ${source} ORDER BY pk`.execute(down.core.database.db);
  return r.rows;
}

describe('subscriptions API', () => {
  test('an analyst subscribes; credentials are stored but never returned', async () => {
    const res = await wd.as('AZ_ANALYST').post(base, {
      name: 'Upstream ALL',
      apiRootUrl: apiRoot,
      collectionId: wu.community.ALL,
      username: 'rampart',
      password: wu.token.AZ_ANALYST,
      tlp: 'GREEN',
      communityIds: [wd.community.OFFICIALS],
      pollSeconds: 900,
    });
    expect(res.statusCode).toBe(201);
    const s = json(res);
    subId = s.id as string;
    expect(s).toMatchObject({ hasPassword: true, username: 'rampart', tlp: 'GREEN', enabled: true, failures: 0, addedAfter: null });
    expect(res.body).not.toContain(wu.token.AZ_ANALYST);
    const list = await wd.as('AZ_ANALYST').get(base);
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(wu.token.AZ_ANALYST);
    expect(json<{ items: { id: string }[] }>(list).items.map((x) => x.id)).toEqual([subId]);
    // at rest: encrypted under this node's key, never the plaintext (nor in the audit log or the job queue)
    const row = await rowOf(subId);
    expect(row.text).not.toContain(wu.token.AZ_ANALYST);
    expect(row.password).toBeNull();
    expect(row.password_enc).toMatch(new RegExp(`^v1:${down.core.secrets.keyId}:`));
    const elsewhere = await sql<{ n: number }>`SELECT (SELECT count(*) FROM audit_log a WHERE a::text LIKE ${`%${wu.token.AZ_ANALYST}%`})
      + (SELECT count(*) FROM pgboss.job j WHERE j::text LIKE ${`%${wu.token.AZ_ANALYST}%`}) AS n`.execute(down.core.database.db);
    expect(Number(elsewhere.rows[0]!.n)).toBe(0);
  });

  test('only the organisation’s analysts manage its subscriptions', async () => {
    expect((await wd.as('AZ_MEMBER').get(base)).statusCode).toBe(403);
    expect((await wd.anonymous.get(base)).statusCode).toBe(401);
    expect((await wd.as('GA_ANALYST').get(`${base}/${subId}`)).statusCode).toBe(404);
    expect((await wd.as('GA_ANALYST').post(`${base}/${subId}/poll`)).statusCode).toBe(404);
    expect(json<{ items: unknown[] }>(await wd.as('GA_ANALYST').get(base)).items).toEqual([]);
    // sharing into a community the organisation is not in is refused
    const bad = await wd.as('AZ_ANALYST').post(base, { name: 'x', apiRootUrl: apiRoot, collectionId: 'c', communityIds: [wd.community.CAMPAIGNS] });
    expect(bad.statusCode).toBe(400);
    expect(json<{ error: { details: { path: string } } }>(bad).error.details.path).toBe('body.communityIds.0');
  });
});

describe('polling', () => {
  test('a poll follows next through every page and stores objects with the source recorded', async () => {
    const res = await wd.as('AZ_ANALYST').post(`${base}/${subId}/poll?limit=2`);
    expect(res.statusCode).toBe(200);
    const r = json<PollResult>(res);
    expect(r).toMatchObject({ pages: 3, received: 6, stored: 6, duplicates: 0, rejected: 0 });
    expect(r.error).toBeUndefined();
    const rows = await stored(`taxii:${subId}`);
    expect(rows.map((x) => x.id)).toEqual(upIds);
    expect(rows.map((x) => x.id)).not.toContain(hiddenId);
    for (const row of rows) expect(row).toMatchObject({ tlp: 'GREEN', owner_org_id: wd.org.STATE_AZ, community_ids: [wd.community.OFFICIALS] });
    const s = json(await wd.as('AZ_ANALYST').get(`${base}/${subId}`));
    expect(s).toMatchObject({ failures: 0, lastError: null, objectsReceived: 6, addedAfter: expect.stringMatching(/Z$/) });
    expect(s.lastSuccessAt).toBeTruthy();
    // ...and served again by the downstream's own TAXII to its community
    const env = json<{ objects: { id: string }[] }>(await wd.as('GA_ANALYST').get(`/taxii2/api/collections/${wd.community.OFFICIALS}/objects/`, H));
    expect(env.objects.map((o) => o.id)).toEqual(upIds);
  });

  test('a second poll resumes from the cursor: only new objects, no duplicates', async () => {
    const nothing = json<PollResult>(await wd.as('AZ_ANALYST').post(`${base}/${subId}/poll`));
    expect(nothing).toMatchObject({ pages: 1, received: 0, stored: 0 });
    const fresh = [indicator(70), indicator(71)];
    await store(up, fresh, { ownerOrgId: wu.org.STATE_AZ, tlp: 'GREEN', communityIds: [wu.community.ALL] });
    const r = json<PollResult>(await wd.as('AZ_ANALYST').post(`${base}/${subId}/poll`));
    expect(r).toMatchObject({ received: 2, stored: 2, duplicates: 0 });
    expect((await stored(`taxii:${subId}`)).map((x) => x.id)).toEqual([...upIds, ...fresh.map((f) => f.id)]);
    expect(json(await wd.as('AZ_ANALYST').get(`${base}/${subId}`))).toMatchObject({ objectsReceived: 8 });
  });

  test('an upstream failure is recorded, backs off, and the due poll retries it', async () => {
    const created = json(await wd.as('AZ_ANALYST').post(base, { name: 'bad creds', apiRootUrl: apiRoot, collectionId: wu.community.ALL, password: 'rmp_wrong', tlp: 'AMBER' }));
    const id = created.id as string;
    const svc = createSubscriptionService({ core: down.core, intelRepo: createIntelRepo(down.core.database.db), repo: createTaxiiRepo(down.core.database), directory: down.services.directory });
    // new subscriptions are due at once
    expect(await svc.due()).toContain(id);
    const r1 = json<PollResult>(await wd.as('AZ_ANALYST').post(`${base}/${id}/poll`));
    expect(r1.error).toMatch(/HTTP 401/);
    const s1 = json(await wd.as('AZ_ANALYST').get(`${base}/${id}`));
    expect(s1).toMatchObject({ failures: 1, lastError: expect.stringMatching(/HTTP 401/), lastSuccessAt: null });
    const backoff1 = Date.parse(s1.nextPollAt as string) - Date.parse(s1.lastPolledAt as string);
    expect(backoff1).toBe(60_000);
    await svc.poll(id);
    const s2 = json(await wd.as('AZ_ANALYST').get(`${base}/${id}`));
    expect(s2.failures).toBe(2);
    expect(Date.parse(s2.nextPollAt as string) - Date.parse(s2.lastPolledAt as string)).toBe(120_000);
    expect(await svc.due()).not.toContain(id);
    // the upstream comes right (here: the right token), time passes, the scheduled poll retries and succeeds
    expect((await wd.as('AZ_ANALYST').patch(`${base}/${id}`, { password: wu.token.VENDOR_ANALYST })).statusCode).toBe(200);
    down.core.clock.advance(121_000);
    const due = await svc.due();
    expect(due).toContain(id);
    expect(due).not.toContain(subId); // polled successfully: due again only after its interval
    const r3 = await svc.poll(id);
    expect(r3.error).toBeUndefined();
    expect(r3.received).toBeGreaterThan(0);
    expect(json(await wd.as('AZ_ANALYST').get(`${base}/${id}`))).toMatchObject({ failures: 0, lastError: null });
  });

  test('an unreachable upstream and a private address (when not allowed) are recorded as errors', async () => {
    const dead = json(await wd.as('AZ_ANALYST').post(base, { name: 'dead', apiRootUrl: 'http://127.0.0.1:1/taxii2/api/', collectionId: 'x' }));
    const r = json<PollResult>(await wd.as('AZ_ANALYST').post(`${base}/${dead.id as string}/poll`));
    expect(r.error).toMatch(/Cannot reach/);
    expect(json(await wd.as('AZ_ANALYST').get(`${base}/${dead.id as string}`))).toMatchObject({ failures: 1 });
    // `up` runs with ALLOW_PRIVATE_WEBHOOKS off: loopback upstreams are refused
    const loop = json(await wu.as('AZ_ANALYST').post(base, { name: 'loop', apiRootUrl: apiRoot, collectionId: wu.community.ALL, password: wu.token.AZ_ANALYST }));
    const r2 = json<PollResult>(await wu.as('AZ_ANALYST').post(`${base}/${loop.id as string}/poll`));
    expect(r2.error).toMatch(/private network/);
  });

  test('deleting a subscription keeps the objects it brought', async () => {
    expect((await wd.as('AZ_ANALYST').delete(`${base}/${subId}`)).statusCode).toBe(204);
    expect((await wd.as('AZ_ANALYST').get(`${base}/${subId}`)).statusCode).toBe(404);
    expect(await stored(`taxii:${subId}`)).toHaveLength(8);
  });
});

describe('credentials at rest', () => {
  let id: string;
  const add = async (name: string) => {
    const r = await wd.as('AZ_ANALYST').post(base, { name, apiRootUrl: apiRoot, collectionId: wu.community.ALL, password: wu.token.FEDERAL_ANALYST, tlp: 'GREEN' });
    expect(r.statusCode, r.body).toBe(201);
    return json(r).id as string;
  };

  test('a plain password from before migration 0104 is encrypted at start, and polling still works', async () => {
    id = await add('legacy');
    await sql`UPDATE taxii_subscriptions SET password = ${wu.token.FEDERAL_ANALYST}, password_enc = NULL WHERE id = ${id}::uuid`.execute(down.core.database.db);
    expect((await rowOf(id)).password).toBe(wu.token.FEDERAL_ANALYST);
    expect(json(await wd.as('AZ_ANALYST').get(`${base}/${id}`))).toMatchObject({ hasPassword: true });
    // what start runs after the migrations
    await down.modules.find((m) => m.name === 'intel')!.referenceData!();
    const row = await rowOf(id);
    expect(row.password).toBeNull();
    expect(row.text).not.toContain(wu.token.FEDERAL_ANALYST);
    expect(down.core.secrets.decrypt(row.password_enc!, `taxii_subscriptions.password:${id}`)).toBe(wu.token.FEDERAL_ANALYST);
    const r = json<PollResult>(await wd.as('AZ_ANALYST').post(`${base}/${id}/poll`));
    expect(r.error).toBeUndefined();
    expect(r.received).toBeGreaterThan(0);
  });

  test('…or at its first poll, if a row is still plain then', async () => {
    const other = await add('legacy 2');
    await sql`UPDATE taxii_subscriptions SET password = ${wu.token.FEDERAL_ANALYST}, password_enc = NULL WHERE id = ${other}::uuid`.execute(down.core.database.db);
    const r = await serviceWith(down.core).poll(other);
    expect(r.error).toBeUndefined();
    expect(r.received).toBeGreaterThan(0);
    const row = await rowOf(other);
    expect(row.password).toBeNull();
    expect(row.password_enc).toMatch(/^v1:/);
    expect(row.text).not.toContain(wu.token.FEDERAL_ANALYST);
  });

  test('a node with another key cannot poll and says why; the failure is recorded', async () => {
    const stranger = new SecretBox(randomBytes(32));
    const r = await serviceWith({ ...down.core, secrets: stranger }).poll(id);
    expect(r.error).toMatch(new RegExp(`password: the stored secret was encrypted with key ${down.core.secrets.keyId}, which this node does not have \\(its SECRETS_KEY is ${stranger.keyId}\\)`));
    expect(json(await wd.as('AZ_ANALYST').get(`${base}/${id}`))).toMatchObject({ failures: 1, lastError: expect.stringMatching(/SECRETS_KEY/) });
  });

  test('rotation re-encrypts every password under the new key; the old key alone no longer opens them', async () => {
    const oldBox = down.core.secrets;
    // the test nodes have no SECRETS_KEY: their key was generated into the data directory
    const oldKey = parseKey(readFileSync(path.join(down.core.config.dataDir, 'secrets.key'), 'utf8'), 'key file');
    expect(new SecretBox(oldKey).keyId).toBe(oldBox.keyId);
    const newBox = new SecretBox(randomBytes(32), [oldKey]);
    const rotated = serviceWith({ ...down.core, secrets: newBox });
    const res = await rotated.rotateSecrets();
    expect(res.failed).toBe(0);
    expect(res.reencrypted).toBeGreaterThanOrEqual(2);
    expect((await rowOf(id)).password_enc).toMatch(new RegExp(`^v1:${newBox.keyId}:`));
    expect((await rotated.rotateSecrets()).reencrypted).toBe(0);
    down.core.clock.advance(3_600_000);
    const r = await rotated.poll(id);
    expect(r.error).toBeUndefined();
    expect((await serviceWith(down.core).poll(id)).error).toMatch(/does not have/);
  });
});
