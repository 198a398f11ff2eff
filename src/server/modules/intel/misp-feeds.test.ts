import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../core/paths.ts';
import { createTestRampart, createWorld, type TestRampart, type World } from '../../test/harness.ts';
import type { IntelDeps } from './index.ts';
import { createIngestRunner, fetchJson } from './ingest.job.ts';
import { createIngestService } from './ingest.service.ts';
import { createIntelRepo } from './intel.repo.ts';
import { createIntelService } from './intel.service.ts';
import { createMispFeedService, MISP_FEED_TICK_JOB } from './misp-feeds.ts';
import { mispFeedSecretAad } from './misp-feeds.repo.ts';
import { SecretBox } from '../../core/secrets.ts';
import type { z } from 'zod';
import type { MispFeed } from './intel.schemas.ts';

/**
 * Scheduled MISP feeds: the tick job's work (`tick()`) is invoked directly and the controllable clock
 * moves; the queued ingests are run by the ingest job's own runner (no workers, no waiting).
 */
let r: TestRampart;
let w: World;
let deps: IntelDeps;
let feeds: ReturnType<typeof createMispFeedService>;
let runner: ReturnType<typeof createIngestRunner>;
let server: http.Server;
let origin: string;
const served = new Map<string, string>();
const hits: string[] = [];

const fixture = JSON.parse(readFileSync(`${projectRoot}/src/lib/misp/fixtures/election-event.json`, 'utf8'));
const ev0 = fixture.Event ?? fixture;

/** A copy of the fixture event under a new uuid and timestamp (its objects get new ids too). */
function event(ts: number) {
  const text = JSON.stringify({ Event: ev0 }).replaceAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, () => randomUUID());
  const e = JSON.parse(text);
  e.Event.timestamp = String(ts);
  return e as { Event: { uuid: string; info: string; timestamp: string } };
}

function publish(feed: string, events: { Event: { uuid: string; info: string; timestamp: string } }[]) {
  const manifest: Record<string, unknown> = {};
  for (const e of events) {
    manifest[e.Event.uuid] = { info: e.Event.info, timestamp: Number(e.Event.timestamp), Tag: [], Orgc: { name: 'X', uuid: randomUUID() } };
    served.set(`/${feed}/${e.Event.uuid}.json`, JSON.stringify(e));
  }
  served.set(`/${feed}/manifest.json`, JSON.stringify(manifest));
}

beforeAll(async () => {
  // The feeds are served from 127.0.0.1: private upstreams allowed here, refused by a strict service below.
  r = await createTestRampart({ config: { ALLOW_PRIVATE_WEBHOOKS: 'true' } });
  w = await createWorld(r);
  deps = { core: r.core, repo: createIntelRepo(r.core.database.db), directory: r.services.directory };
  const intel = createIntelService(deps);
  feeds = createMispFeedService(deps, intel, createIngestService(deps, intel));
  runner = createIngestRunner(deps);
  server = http.createServer((req, res) => {
    hits.push(req.url!);
    const port = (server.address() as AddressInfo).port;
    const hop: Record<string, string> = { '/hop/same': '/echo', '/hop/other': `http://localhost:${port}/echo`, '/hop/loop': '/hop/loop' };
    if (hop[req.url!]) return void res.writeHead(302, { location: hop[req.url!] }).end();
    if (req.url === '/echo') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ key: req.headers['x-feed-key'] ?? null }));
    if (req.url!.startsWith('/secret/') && req.headers['x-feed-key'] !== 's3cret') return void res.writeHead(401).end();
    const body = served.get(req.url!);
    res.writeHead(body ? 200 : 500, { 'content-type': 'application/json' }).end(body ?? '{"error":"down"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);
afterAll(async () => {
  server?.close();
  await r?.close();
});

/** A feed as GET /api/intel/misp-feeds answers it (the route's response schema). */
type FeedView = z.infer<typeof MispFeed>;

const feedOf = async (id: string): Promise<FeedView> => ((await w.as('GA_ANALYST').get('/api/intel/misp-feeds')).json().items as FeedView[]).find((f) => f.id === id)!;
const ingestOf = async (id: string) => (await w.as('GA_ANALYST').get(`/api/intel/ingests/${id}`)).json();
/** Runs the ingest the last tick or registration queued for the feed, as the ingest job does. */
async function runPull(feedId: string) {
  const f = await feedOf(feedId);
  await runner.run(f.lastIngestId!);
  return ingestOf(f.lastIngestId!);
}
const gap = (f: FeedView) => Date.parse(f.nextPullAt) - Date.parse(f.lastPulledAt!);

let good: string;
let bad: string;
const e1 = event(1_700_000_000);
const e2 = event(1_700_000_100);

describe('scheduled MISP feeds', () => {
  test('the tick job is scheduled every minute', async () => {
    const s = await sql<{ cron: string }>`SELECT cron FROM pgboss.schedule WHERE name = ${MISP_FEED_TICK_JOB}`.execute(r.core.database.db);
    expect(s.rows.map((x) => x.cron)).toEqual(['* * * * *']);
  });

  test('registering pulls now; success schedules the next pull after the interval, failure after a backoff', async () => {
    publish('good', [e1]);
    const a = await w.as('GA_ANALYST').post('/api/intel/misp-feeds', { url: `${origin}/good/`, tlp: 'AMBER', intervalSeconds: 3600 });
    expect(a.statusCode, a.body).toBe(202);
    good = a.json().feed.id;
    expect(a.json().feed).toMatchObject({ intervalSeconds: 3600, enabled: true, lastStatus: 'queued', lastIngestId: a.json().ingest.id });
    const b = await w.as('GA_ANALYST').post('/api/intel/misp-feeds', { url: `${origin}/broken/`, intervalSeconds: 600 });
    bad = b.json().feed.id;
    // a queued pull is not queued again
    expect(await feeds.tick()).toEqual([]);

    const v1 = await runPull(good);
    expect(v1).toMatchObject({ status: 'complete', rejected: 0 });
    expect(v1.inserted).toBeGreaterThan(5);
    const g = await feedOf(good);
    expect(g).toMatchObject({ lastStatus: 'complete', failures: 0, lastError: null, lastTimestamp: 1_700_000_000 });
    expect(g.lastSuccessAt).toBe(g.lastPulledAt);
    expect(gap(g)).toBe(3600_000);

    const vb = await runPull(bad);
    expect(vb.status).toBe('failed');
    const f = await feedOf(bad);
    expect(f).toMatchObject({ lastStatus: 'failed', failures: 1, lastError: expect.stringMatching(/manifest\.json answered 500/), lastSuccessAt: null });
    expect(gap(f)).toBe(60_000);
  });

  test('a due feed is pulled and a not-due one is not; failures back off 1, 2 … minutes', async () => {
    expect(await feeds.tick()).toEqual([]);
    r.core.clock.advance(61_000);
    expect(await feeds.tick()).toEqual([bad]); // good is due only in an hour
    expect(await feeds.tick()).toEqual([]); // in flight
    await runPull(bad);
    const f = await feedOf(bad);
    expect(f.failures).toBe(2);
    expect(gap(f)).toBe(120_000);
    // the broken feed comes right: the next due pull succeeds and the failures are forgotten
    publish('broken', []);
    r.core.clock.advance(121_000);
    expect(await feeds.tick()).toEqual([bad]);
    await runPull(bad);
    expect(await feedOf(bad)).toMatchObject({ lastStatus: 'complete', failures: 0, lastError: null });
    expect(gap(await feedOf(bad))).toBe(600_000);
  });

  test('the cursor: a scheduled pull fetches only events newer than those already pulled', async () => {
    r.core.clock.advance(3600_000);
    hits.length = 0;
    expect((await feeds.tick()).sort()).toEqual([good, bad].sort());
    const same = await runPull(good);
    expect(same).toMatchObject({ status: 'complete', total: 0, inserted: 0 });
    expect(hits).toEqual(['/good/manifest.json']); // the event already pulled is not fetched again
    await runPull(bad);

    publish('good', [e1, e2]);
    r.core.clock.advance(3600_000);
    hits.length = 0;
    expect(await feeds.tick()).toContain(good);
    const fresh = await runPull(good);
    expect(fresh.status).toBe('complete');
    expect(fresh.inserted).toBeGreaterThan(5);
    expect(fresh.duplicates).toBe(0);
    expect(hits).toEqual(['/good/manifest.json', `/good/${e2.Event.uuid}.json`]);
    expect(await feedOf(good)).toMatchObject({ lastTimestamp: 1_700_000_100, lastStatus: 'complete' });
  });

  test('an event that cannot be fetched: partial, shown, retried with backoff, cursor kept before it', async () => {
    const e3 = event(1_700_000_200);
    publish('good', [e1, e2, e3]);
    served.delete(`/good/${e3.Event.uuid}.json`);
    r.core.clock.advance(3600_000);
    await feeds.tick();
    await runPull(good);
    const f = await feedOf(good);
    expect(f).toMatchObject({ lastStatus: 'partial', failures: 1, lastTimestamp: 1_700_000_100, lastError: expect.stringContaining(`${e3.Event.uuid}.json`) });
    expect(gap(f)).toBe(60_000);
    served.set(`/good/${e3.Event.uuid}.json`, JSON.stringify(e3));
    r.core.clock.advance(61_000);
    hits.length = 0;
    expect(await feeds.tick()).toContain(good);
    await runPull(good);
    expect(hits).toEqual(['/good/manifest.json', `/good/${e3.Event.uuid}.json`]);
    expect(await feedOf(good)).toMatchObject({ lastStatus: 'complete', failures: 0, lastTimestamp: 1_700_000_200 });
  });

  test('interval and on/off through PATCH; a disabled feed is never due; another organisation gets 404', async () => {
    const p = await w.as('GA_ANALYST').patch(`/api/intel/misp-feeds/${bad}`, { enabled: false, intervalSeconds: 86400 });
    expect(p.statusCode, p.body).toBe(200);
    expect(p.json()).toMatchObject({ enabled: false, intervalSeconds: 86400 });
    r.core.clock.advance(7 * 86400_000);
    expect(await feeds.tick()).toEqual([good]);
    expect((await w.as('AZ_ANALYST').patch(`/api/intel/misp-feeds/${good}`, { enabled: false })).statusCode).toBe(404);
    expect((await w.as('AZ_ANALYST').delete(`/api/intel/misp-feeds/${good}`)).statusCode).toBe(404);
    expect((await w.as('GA_ANALYST').patch(`/api/intel/misp-feeds/${good}`, { intervalSeconds: 5 })).statusCode).toBe(400);
    expect((await w.as('GA_ANALYST').delete(`/api/intel/misp-feeds/${bad}`)).statusCode).toBe(204);
    expect((await w.as('GA_ANALYST').get('/api/intel/misp-feeds')).json().items.map((x: FeedView) => x.id)).toEqual([good]);
  });
});

describe('MISP feeds for the page: authentication header, pull now, edit, counts', () => {
  let secret: string;

  test('a feed behind a header: the value is stored encrypted, sent with every fetch, never shown', async () => {
    publish('secret', [event(1_700_001_000)]);
    const bad = await w.as('GA_ANALYST').post('/api/intel/misp-feeds', { url: `${origin}/secret/`, authHeader: 'x-feed-key' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.problems).toEqual([expect.objectContaining({ path: 'body.authValue' })]);
    expect((await w.as('GA_ANALYST').get('/api/intel/misp-feeds')).json().items.some((f: FeedView) => f.url.includes('/secret/'))).toBe(false);

    const a = await w.as('GA_ANALYST').post('/api/intel/misp-feeds', { url: `${origin}/secret/`, authHeader: 'x-feed-key', authValue: 's3cret', tlp: 'GREEN' });
    expect(a.statusCode, a.body).toBe(202);
    expect(a.body).not.toContain('s3cret');
    secret = a.json().feed.id;
    const stored = await sql<{ v: string }>`SELECT auth_value_enc AS v FROM intel_misp_feeds WHERE id = ${secret}::uuid`.execute(r.core.database.db);
    expect(stored.rows[0]!.v).toMatch(/^v1:/);
    expect(stored.rows[0]!.v).not.toContain('s3cret');
    const done = await runPull(secret);
    expect(done.status, JSON.stringify(done)).toBe('complete');
    const f = await feedOf(secret);
    expect(f).toMatchObject({ authHeader: 'x-feed-key', hasAuthValue: true, tlp: 'GREEN', communityIds: [], lastStatus: 'complete', eventsPulled: 1 });
    expect(f.lastPull).toMatchObject({ status: 'complete', eventsPulled: 1, eventsListed: 1, rejected: 0, inserted: done.inserted });
    expect(f.lastPull!.inserted).toBeGreaterThan(5);
  });

  test('pull now queues a pull (409 while one is in flight); the wrong header value fails the pull, saying so', async () => {
    const p = await w.as('GA_ANALYST').post(`/api/intel/misp-feeds/${secret}/pull`, {});
    expect(p.statusCode, p.body).toBe(202);
    expect(p.json().feed).toMatchObject({ lastStatus: 'queued', lastIngestId: p.json().ingest.id });
    expect((await w.as('GA_ANALYST').post(`/api/intel/misp-feeds/${secret}/pull`, {})).statusCode).toBe(409);
    const v = await runPull(secret);
    expect(v).toMatchObject({ status: 'complete', total: 0 });
    expect((await feedOf(secret)).eventsPulled).toBe(1);

    const e = await w.as('GA_ANALYST').patch(`/api/intel/misp-feeds/${secret}`, { authValue: 'wrong' });
    expect(e.statusCode, e.body).toBe(200);
    expect(e.json()).toMatchObject({ authHeader: 'x-feed-key', hasAuthValue: true });
    await w.as('GA_ANALYST').post(`/api/intel/misp-feeds/${secret}/pull`, {});
    await runPull(secret);
    expect(await feedOf(secret)).toMatchObject({ lastStatus: 'failed', lastError: expect.stringMatching(/manifest\.json answered 401/) });
  });

  test('edit: a new URL is another feed (cursor and outcome forgotten); sharing changes; the header can be removed', async () => {
    publish('moved', [event(1_700_002_000)]);
    const community = w.community.OFFICIALS;
    const e = await w.as('GA_ANALYST').patch(`/api/intel/misp-feeds/${secret}`, { url: `${origin}/moved/`, authHeader: null, tlp: null, intervalSeconds: 900, enabled: false, communityIds: [community] });
    expect(e.statusCode, e.body).toBe(200);
    expect(e.json()).toMatchObject({ url: `${origin}/moved/`, authHeader: null, hasAuthValue: false, tlp: null, communityIds: [community], intervalSeconds: 900, enabled: false, lastTimestamp: null, lastStatus: null, lastError: null, failures: 0 });
    await w.as('GA_ANALYST').post(`/api/intel/misp-feeds/${secret}/pull`, {});
    const moved = await runPull(secret);
    expect(moved.status).toBe('complete');
    expect(moved.inserted).toBeGreaterThan(5);
  });

  test('bad edits are 400 naming the field, nothing written', async () => {
    const before = await feedOf(secret);
    const taken = await w.as('GA_ANALYST').patch(`/api/intel/misp-feeds/${secret}`, { url: `${origin}/good/`, intervalSeconds: 120 });
    expect(taken.statusCode).toBe(400);
    expect(taken.json().error.details.problems).toEqual([expect.objectContaining({ path: 'body.url' })]);
    const noValue = await w.as('GA_ANALYST').patch(`/api/intel/misp-feeds/${secret}`, { authHeader: 'Authorization', intervalSeconds: 120 });
    expect(noValue.json().error.details.problems).toEqual([expect.objectContaining({ path: 'body.authValue' })]);
    const notMine = await w.as('GA_ANALYST').patch(`/api/intel/misp-feeds/${secret}`, { communityIds: [randomUUID()] });
    expect(notMine.json().error.details.problems).toEqual([expect.objectContaining({ path: 'body.communityIds.0' })]);
    const badHeader = await w.as('GA_ANALYST').patch(`/api/intel/misp-feeds/${secret}`, { authHeader: 'two words', authValue: 'x' });
    expect(badHeader.statusCode).toBe(400);
    expect(JSON.stringify(badHeader.json().error)).toContain('authHeader');
    expect(await feedOf(secret)).toEqual(before);
  });

  test('an organisation’s feeds are its own: another organisation’s analyst gets 404; a member may read, not pull', async () => {
    for (const res of [
      await w.as('AZ_ANALYST').post(`/api/intel/misp-feeds/${secret}/pull`, {}),
      await w.as('AZ_ANALYST').patch(`/api/intel/misp-feeds/${secret}`, { authHeader: null }),
      await w.as('HUB_ANALYST').post(`/api/intel/misp-feeds/${secret}/pull`, {}),
    ])
      expect(res.statusCode).toBe(404);
    expect((await w.as('AZ_ANALYST').get('/api/intel/misp-feeds')).json().items.map((f: FeedView) => f.id)).not.toContain(secret);
    expect((await w.as('FULTON_MEMBER').post(`/api/intel/misp-feeds/${secret}/pull`, {})).statusCode).toBe(403);
    expect((await w.as('GA_ANALYST').post(`/api/intel/misp-feeds/${randomUUID()}/pull`, {})).statusCode).toBe(404);
  });

  test('key rotation re-encrypts the header values stored under the previous key', async () => {
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const enc = new SecretBox(oldKey).encrypt('s3cret', mispFeedSecretAad(secret));
    await sql`UPDATE intel_misp_feeds SET auth_header = 'x-feed-key', auth_value_enc = ${enc} WHERE id = ${secret}::uuid`.execute(r.core.database.db);
    const box = new SecretBox(newKey, [oldKey]);
    const rotating = { ...deps, core: { ...deps.core, secrets: box } };
    const svc = (d: IntelDeps) => createMispFeedService(d, createIntelService(d), createIngestService(d, createIntelService(d)));
    expect(await svc(rotating).rotateSecrets()).toEqual({ what: 'MISP feed header values', reencrypted: 1, failed: 0 });
    const stored = (await sql<{ v: string }>`SELECT auth_value_enc AS v FROM intel_misp_feeds WHERE id = ${secret}::uuid`.execute(r.core.database.db)).rows[0]!.v;
    expect(stored.split(':')[1]).toBe(box.keyId);
    expect(box.decrypt(stored, mispFeedSecretAad(secret))).toBe('s3cret');
    // a value no configured key opens is counted, not lost
    expect(await svc({ ...deps, core: { ...deps.core, secrets: new SecretBox(randomBytes(32)) } }).rotateSecrets()).toMatchObject({ reencrypted: 0, failed: 1 });
  });

  test('private upstreams: refused unless allowed — a 400 naming url at registration and edit, and at fetch time; redirects checked hop by hop', async () => {
    const strictCore = { ...r.core, config: { ...r.core.config, ALLOW_PRIVATE_WEBHOOKS: false } };
    const strictDeps = { ...deps, core: strictCore };
    const strictIntel = createIntelService(strictDeps);
    const strict = createMispFeedService(strictDeps, strictIntel, createIngestService(strictDeps, strictIntel));
    const analyst = await w.actor('GA_ANALYST');
    const before = (await feeds.list(analyst)).length;
    for (const url of [`${origin}/private/`, 'http://10.1.2.3/feed/', 'http://169.254.169.254/latest/', 'http://[::1]/feed/']) {
      const err = await strict.register(analyst, { url, tlp: 'GREEN' } as never).then(() => null, (e: unknown) => e as { status: number; details?: { path?: string } });
      expect(err, url).toMatchObject({ status: 400, details: { path: 'body.url' } });
    }
    expect((await feeds.list(analyst)).length).toBe(before); // nothing written
    const someFeed = (await feeds.list(analyst))[0]!;
    await expect(strict.update(analyst, someFeed.id, { url: 'http://192.168.1.1/feed/' } as never)).rejects.toMatchObject({ status: 400, details: { path: 'body.url' } });
    expect((await feeds.list(analyst)).find((f) => f.id === someFeed.id)!.url).toBe(someFeed.url);
    await expect(fetchJson(new URL(`${origin}/echo`), {}, { allowPrivate: false })).rejects.toThrow(/private network/);

    // allowed: a same-origin redirect keeps the feed's header, another origin does not get it; loops end
    const key = { 'x-feed-key': 's3cret' };
    expect(await fetchJson(new URL(`${origin}/hop/same`), key, { allowPrivate: true })).toEqual({ key: 's3cret' });
    expect(await fetchJson(new URL(`${origin}/hop/other`), key, { allowPrivate: true })).toEqual({ key: null });
    await expect(fetchJson(new URL(`${origin}/hop/loop`), key, { allowPrivate: true })).rejects.toThrow(/more than 3 redirects/);
  });
});
