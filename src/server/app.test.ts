import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRampart } from './boot.ts';
import { withTx } from './core/db.ts';
import { publishEvent } from './core/events/events.ts';
import { createTestRampart, createWorld, nullMailer, type TestRampart, type World } from './test/harness.ts';
import { openTestDatabase, testConfig, testDbKind } from './test/db-image.ts';

let r: TestRampart;
let w: World;
beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
});
afterAll(async () => r?.close());

describe('the HTTP edge', () => {
  test('security headers, request ids, health and readiness', async () => {
    const res = await r.app.inject({ url: '/healthz' });
    expect(res.json()).toEqual({ status: 'ok' });
    expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await r.app.inject({ url: '/healthz', headers: { 'x-request-id': 'trace-abc-12345' } });
    expect(given.headers['x-request-id']).toBe('trace-abc-12345');
    expect((await r.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', database: testDbKind() });
  });

  test('one error shape; unknown routes are 404 in it', async () => {
    const res = await r.app.inject({ url: '/api/no-such-thing' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: 'No route GET /api/no-such-thing' } });
  });

  test('wrong types in query strings name the parameter', async () => {
    const res = await w.as('AZ_MEMBER').get('/api/organisations?pageSize=many');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.path).toBe('querystring.pageSize');
  });

  test('the OpenAPI 3.1 document describes every API route', async () => {
    const doc = (await r.app.inject({ url: '/api/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/api/organisations', '/api/organisations/{id}', '/api/auth/login', '/api/tokens', '/api/audit', '/api/jurisdictions']) expect(doc.paths).toHaveProperty(p);
    expect((await r.app.inject({ url: '/api/docs/' })).statusCode).toBe(200);
  });

  test('the committed contract (src/contracts/openapi.json) matches the running app', async () => {
    const { readFileSync } = await import('node:fs');
    const { projectRoot } = await import('./core/paths.ts');
    const committed = JSON.parse(readFileSync(`${projectRoot}/src/contracts/openapi.json`, 'utf8'));
    const live = (await r.app.inject({ url: '/api/openapi.json' })).json();
    // Run `npm run contracts` when this fails.
    expect(Object.keys(live.paths).sort()).toEqual(Object.keys(committed.paths).sort());
  });
});

describe('graceful shutdown', () => {
  test('a request in flight when close() starts still completes', async () => {
    const database = await openTestDatabase();
    const node = await startRampart({ config: testConfig({ PORT: '0' }), database, listen: true, workers: false, mailer: nullMailer(), migrate: false });
    const world = await createWorld(node);
    const port = (node.app.server.address() as AddressInfo).port;
    // Hold a lock from another connection so the write below is in flight while the node closes.
    const blocker = await database.pool.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE communities IN ACCESS EXCLUSIVE MODE');
    const inFlight = fetch(`http://127.0.0.1:${port}/api/communities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.token.HUB_ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Written during shutdown' }),
    });
    await new Promise((res) => setTimeout(res, 200)); // the request reaches the database and waits on the lock
    const closing = node.close();
    await new Promise((res) => setTimeout(res, 100));
    await blocker.query('COMMIT');
    blocker.release();
    const res = await inFlight;
    await closing;
    expect(res.status).toBe(201);
    expect(((await res.json()) as { name: string }).name).toBe('Written during shutdown');
    await database.drop();
  });
});

describe.runIf(testDbKind() === 'postgres')('several nodes over one PostgreSQL', () => {
  test('an event committed on node A reaches an SSE client of node B (LISTEN/NOTIFY)', async () => {
    const nodeB = await startRampart({ config: testConfig({ PORT: '0' }), database: r.core.database, listen: true, workers: false, mailer: nullMailer(), migrate: false });
    try {
      const port = (nodeB.app.server.address() as AddressInfo).port;
      const got: string[] = [];
      const req = http.get({ host: '127.0.0.1', port, path: '/api/events/stream?topics=multinode', headers: { authorization: `Bearer ${w.token.AZ_MEMBER}` } });
      const opened = new Promise<void>((resolve) => {
        req.on('response', (res) => {
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (chunk.includes(': connected')) resolve();
            for (const m of chunk.matchAll(/"subjectId":"([^"]+)"/g)) got.push(m[1]!);
          });
        });
      });
      await opened;
      await withTx(r.core.database.db, (tx) =>
        publishEvent(tx, { topic: 'multinode.test', subjectId: 'from-node-a', sharing: { ownerOrgId: w.org.HUB, tlp: 'GREEN', communityIds: [w.community.OFFICIALS], recipientOrgIds: [], recipientUserIds: [], createdBy: null } }),
      );
      for (let i = 0; i < 1000 && !got.includes('from-node-a'); i++) await new Promise((res) => setTimeout(res, 10));
      req.destroy();
      expect(got).toContain('from-node-a');
    } finally {
      await nodeB.close();
    }
  });
});
