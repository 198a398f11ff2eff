import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql } from 'kysely';
import { createTestRampart, createWorld, type TestRampart, type World } from '../../test/harness.ts';
import { verifyAuditChain } from './audit.ts';

let r: TestRampart;
let w: World;
beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r); // writes dozens of audited changes
});
afterAll(async () => r?.close());

describe('the audit log', () => {
  test('is written with each change and verifies', async () => {
    const res = await verifyAuditChain(r.core.database.db);
    expect(res.ok).toBe(true);
    expect(res.entries).toBeGreaterThan(20);
  });

  test('refuses UPDATE and DELETE (append-only)', async () => {
    await expect(sql`UPDATE audit_log SET action = 'x' WHERE seq = 1`.execute(r.core.database.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log WHERE seq = 1`.execute(r.core.database.db)).rejects.toThrow(/append-only/);
  });

  test('concurrent writers still form one chain', async () => {
    await Promise.all(Array.from({ length: 8 }, (_, i) => w.as('HUB_ADMIN').post('/api/communities', { name: `Concurrent ${i}` })));
    expect((await verifyAuditChain(r.core.database.db)).ok).toBe(true);
  });

  test('the admin page API: platform admins read all, org admins their organisation, members nothing', async () => {
    const all = (await w.as('PLATFORM_ADMIN').get('/api/audit?limit=500')).json();
    expect(all.items.length).toBeGreaterThan(20);
    const filtered = (await w.as('PLATFORM_ADMIN').get('/api/audit?action=directory.community.*&limit=500')).json();
    expect(filtered.items.length).toBeGreaterThan(0);
    expect(filtered.items.every((e: { action: string }) => e.action.startsWith('directory.community.'))).toBe(true);
    const page = (await w.as('PLATFORM_ADMIN').get('/api/audit?limit=5')).json();
    const next = (await w.as('PLATFORM_ADMIN').get(`/api/audit?limit=5&beforeSeq=${page.nextBeforeSeq}`)).json();
    expect(next.items[0].seq).toBeLessThan(page.items[4].seq);
    const own = (await w.as('HUB_ADMIN').get('/api/audit?limit=500')).json();
    expect(own.items.every((e: { orgId: string }) => e.orgId === w.org.HUB)).toBe(true);
    expect((await w.as('AZ_MEMBER').get('/api/audit')).statusCode).toBe(403);
    expect((await w.as('HUB_ADMIN').post('/api/audit/verify')).statusCode).toBe(403);
    expect((await w.as('PLATFORM_ADMIN').post('/api/audit/verify')).json().ok).toBe(true);
  });

  test('a tampered entry is named as the first broken link', async () => {
    const db = r.core.database.db;
    const target = (await sql<{ seq: number }>`SELECT seq FROM audit_log ORDER BY seq LIMIT 1 OFFSET 5`.execute(db)).rows[0]!.seq;
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`.execute(db);
    try {
      await sql`UPDATE audit_log SET details = '{"forged": true}'::jsonb WHERE seq = ${target}`.execute(db);
      const res = await verifyAuditChain(db);
      expect(res).toMatchObject({ ok: false, brokenAt: target, reason: 'details do not match their digest' });
      // a removed entry breaks the link of the one after it
      await sql`DELETE FROM audit_log WHERE seq = ${target}`.execute(db);
      const res2 = await verifyAuditChain(db);
      expect(res2.ok).toBe(false);
      if (!res2.ok) expect(res2.brokenAt).toBeGreaterThan(target);
    } finally {
      await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update`.execute(db);
    }
  });
});
