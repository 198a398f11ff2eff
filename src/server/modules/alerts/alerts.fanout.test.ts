import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql } from 'kysely';
import { systemActor } from '../../core/access/actor.ts';
import { createTestRampart, createWorld, type TestRampart, type World } from '../../test/harness.ts';
import type { AlertsService } from './index.ts';
import { ORG_KINDS } from '../directory/index.ts';
import { checkWebhookUrl, isBlockedAddress } from './webhook-url.ts';

/** Jobs do not run here (workers off): the test drives the fan-out itself, including a crash mid-way. */
let r: TestRampart;
let w: World;
let service: AlertsService;

beforeAll(async () => {
  r = await createTestRampart({ config: { ALERTS_BATCH_SIZE: '3' } }); // small batches so a crash lands mid-way
  w = await createWorld(r);
  service = (r.modules.find((m) => m.name === 'alerts') as unknown as { service: AlertsService }).service;
}, 120_000);
afterAll(async () => r?.close());

const count = async (q: ReturnType<typeof sql<{ n: number }>>) => (await q.execute(r.core.database.db)).rows[0]!.n;

describe('fan-out is durable and idempotent', () => {
  test('a crash between batches, then a rerun (twice), a refused mail and a rerun of every delivery job: each (revision, recipient, channel) exactly once', async () => {
    const c = await w.as('HUB_ANALYST').post('/api/alerts', {
      title: 'Restart me', level: 'Severe', tlp: 'GREEN', communityIds: [w.community.ALL], target: { orgKinds: [...ORG_KINDS] },
    });
    const id = c.json().id as string;
    await w.as('HUB_ANALYST').post(`/api/alerts/${id}/submit`, {});
    await w.as('HUB_ADMIN').post(`/api/alerts/${id}/approve`, {});
    expect((await w.as('HUB_ANALYST').post(`/api/alerts/${id}/publish`, {})).statusCode).toBe(200);
    const audience = await service.audience((await service.getVisible(systemActor('t'), id)));
    const people = audience.people.length;
    expect(people).toBeGreaterThan(3);
    // "Kill" the fan-out after one batch of 3.
    const first = await service.fanout(id, 1, { maxBatches: 1 });
    expect(first.done).toBe(false);
    const pending = await count(sql<{ n: number }>`SELECT count(*)::int AS n FROM alert_deliveries WHERE alert_id = ${id} AND status = 'pending'`);
    expect(pending).toBeGreaterThan(0);
    await service.fanout(id, 1);
    await service.fanout(id, 1);
    const notes = await count(sql<{ n: number }>`SELECT count(*)::int AS n FROM notifications WHERE alert_id = ${id}`);
    expect(notes).toBe(people);
    expect(await count(sql<{ n: number }>`SELECT count(*)::int AS n FROM alert_deliveries WHERE alert_id = ${id} AND status = 'pending'`)).toBe(0);
    // Every email delivery was handed to exactly one delivery job.
    const jobs = (await sql<{ ids: string[] }>`SELECT ARRAY(SELECT jsonb_array_elements_text(data->'ids')) AS ids FROM pgboss.job
      WHERE name LIKE 'alerts.deliver-%' AND data->>'alertId' = ${id}`.execute(r.core.database.db)).rows;
    const queued = jobs.flatMap((j) => j.ids);
    expect(new Set(queued).size).toBe(queued.length);
    const emails = (await sql<{ id: string }>`SELECT id::text FROM alert_deliveries WHERE alert_id = ${id} AND channel = 'email'`.execute(r.core.database.db)).rows.map((x) => x.id);
    expect(emails).toHaveLength(people);
    expect([...queued].sort()).toEqual([...emails].sort());
    // The jobs run, and run again (a retry after a crash): each person gets the mail once.
    const mailer = r.core.mailer as unknown as { sent: { to: string | string[]; headers?: Record<string, string> }[] };
    const before = mailer.sent.length;
    // The SMTP server refuses one message of the first job: the job fails (pg-boss would retry it).
    const realSend = r.core.mailer.send.bind(r.core.mailer);
    let refuse = true;
    r.core.mailer.send = async (m) => {
      if (refuse) {
        refuse = false;
        throw new Error('451 try again later');
      }
      return realSend(m);
    };
    try {
      await expect(service.deliverBatch(id, 1, jobs[0]!.ids)).rejects.toThrow(/retried/);
    } finally {
      r.core.mailer.send = realSend;
    }
    for (const j of jobs) await service.deliverBatch(id, 1, j.ids);
    for (const j of jobs) await service.deliverBatch(id, 1, j.ids);
    const mine = mailer.sent.slice(before).filter((m) => m.headers?.['X-Rampart-Alert'] === c.json().number).map((m) => String(m.to));
    expect(mine).toHaveLength(people);
    expect(new Set(mine).size).toBe(people);
    expect(await count(sql<{ n: number }>`SELECT count(*)::int AS n FROM alert_deliveries WHERE alert_id = ${id} AND channel = 'email' AND status = 'sent'`)).toBe(people);
  });
});

describe('webhook URLs', () => {
  test('loopback, private, link-local and mixed answers are refused; public HTTPS is accepted', async () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1']) {
      expect(isBlockedAddress(ip), ip).toBe(true);
    }
    expect(isBlockedAddress('93.184.216.34')).toBe(false);
    const fake = (m: Record<string, string[]>) => async (h: string) => m[h] ?? [];
    expect(await checkWebhookUrl('https://hooks.example.com/x', false, fake({ 'hooks.example.com': ['93.184.216.34'] }))).toBeNull();
    expect(await checkWebhookUrl('https://mixed.example.com/x', false, fake({ 'mixed.example.com': ['93.184.216.34', '10.0.0.5'] }))).toMatch(/10\.0\.0\.5/);
    expect(await checkWebhookUrl('http://hooks.example.com/x', false, fake({ 'hooks.example.com': ['93.184.216.34'] }))).toMatch(/https/);
    expect(await checkWebhookUrl('https://user:pw@hooks.example.com/', false, fake({}))).toMatch(/credentials/);
    for (const url of ['https://127.0.0.1/hook', 'https://[::1]/hook', 'https://169.254.169.254/latest/meta-data', 'https://10.0.0.1/', 'https://localhost/']) {
      const res = await w.as('AZ_ANALYST').post('/api/webhooks', { url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.details.path).toBe('body.url');
    }
    expect((await w.as('AZ_MEMBER').post('/api/webhooks', { url: 'https://127.0.0.1/' })).statusCode).toBe(403);
  });
});
