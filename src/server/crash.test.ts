import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { sql } from 'kysely';
import { startRampart, type Rampart } from './boot.ts';
import { loadConfig } from './core/config.ts';
import { verifyAuditChain } from './core/audit/audit.ts';
import { systemActor } from './core/access/actor.ts';
import { createMailer } from './core/mail.ts';
import { projectRoot } from './core/paths.ts';
import { openTestDatabase, testDbKind } from './test/db-image.ts';

/**
 * Crash safety: a real Rampart process takes concurrent audited writes and is killed with SIGKILL in
 * the middle. After a restart every acknowledged write is there, the audit chain verifies, and a job
 * enqueued before the kill (an invitation email) runs.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'rampart-crash-'));
let dbEnv: Record<string, string>;
let dropDb = async () => {};
const inbox: string[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onData(stream, session, cb) {
    stream.resume();
    stream.on('end', () => {
      inbox.push(...session.envelope.rcptTo.map((r) => r.address));
      cb();
    });
  },
});
let smtpPort = 0;

beforeAll(async () => {
  if (testDbKind() === 'postgres') {
    const db = await openTestDatabase();
    dbEnv = { DATABASE_URL: db.url };
    await db.close();
    dropDb = () => db.drop();
  } else {
    dbEnv = { DATA_DIR: path.join(dir, 'data') };
  }
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((r) => smtp.close(() => r()));
  await dropDb();
  rmSync(dir, { recursive: true, force: true });
});

const config = (extra: Record<string, string> = {}) => loadConfig({ ...dbEnv, SEED_DEMO: 'false', LOG_LEVEL: 'silent', RAMPART_ENV: 'test', ...extra });
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

function startChild(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/server/main.ts')], {
    env: { ...process.env, ...dbEnv, PORT: String(port), SEED_DEMO: 'false', JOBS: 'false', LOG_LEVEL: 'warn', RAMPART_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Rampart is ready')) resolve(child);
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before ready:\n${out}`)));
  });
}

describe('kill -9 during writes', () => {
  test('acknowledged writes survive, the audit chain verifies, a queued job runs after restart', { timeout: 120_000 }, async () => {
    // Set up an organisation admin with a token.
    let r: Rampart = await startRampart({ config: config(), listen: false, workers: false });
    const org = await r.services.directory.createOrg(systemActor('test'), { name: 'Crash Hub', kind: 'national_hub', parentId: null, jurisdictionFips: null, website: null, description: '', contacts: [], communityIds: [] });
    const userId = await r.services.auth.createUser(systemActor('test'), { email: 'admin@crash.test', name: 'Admin', password: 'correct horse battery staple', memberships: [{ orgId: org.id, role: 'org_admin' }] });
    const { token } = await r.services.auth.createToken({ ...systemActor('test'), kind: 'user', userId, orgId: org.id }, { name: 'crash', scopes: ['read', 'write', 'admin'] });
    await r.close();
    const port = await freePort();
    const child = await startChild(port);
    const base = `http://127.0.0.1:${port}`;
    if (testDbKind() === 'pglite') {
      // A second process on the same data directory is refused with a clear message.
      await expect(startRampart({ config: config(), listen: false, workers: false })).rejects.toThrow(/in use by another Rampart process \(pid \d+\)/);
    }
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // A job enqueued before the kill: the invitation email (job workers are off in the child).
    const invite = await fetch(`${base}/api/users/invite`, { method: 'POST', headers, body: JSON.stringify({ email: 'new.person@crash.test', name: 'New Person', orgId: org.id, role: 'member' }) });
    expect(invite.status).toBe(201);

    // Concurrent audited writes; kill -9 once 40 are acknowledged, with more in flight.
    const acked: string[] = [];
    let n = 0;
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const name = `Crash community ${n++}`;
        try {
          const res = await fetch(`${base}/api/communities`, { method: 'POST', headers, body: JSON.stringify({ name }) });
          if (res.status === 201) acked.push(name);
        } catch {
          return; // the server is gone
        }
        if (acked.length >= 40 && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    await new Promise((res) => (child.exitCode !== null || child.signalCode !== null ? res(null) : child.once('exit', res)));
    expect(child.signalCode).toBe('SIGKILL');

    // Restart (the stale lock of the killed process is taken over), with job workers and real SMTP.
    r = await startRampart({ config: config({ JOBS: 'true' }), listen: false, workers: true, mailer: createMailer({ smtpUrl: `smtp://127.0.0.1:${smtpPort}`, from: 'rampart@test', outboxDir: dir }) });
    try {
      const names = (await sql<{ name: string }>`SELECT name FROM communities`.execute(r.core.database.db)).rows.map((x) => x.name);
      expect(acked.length).toBeGreaterThanOrEqual(40);
      for (const a of acked) expect(names).toContain(a);
      const chain = await verifyAuditChain(r.core.database.db);
      expect(chain.ok).toBe(true);
      const audited = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE action = 'directory.community.create'`.execute(r.core.database.db)).rows[0]!.n;
      expect(audited).toBe(names.length); // every stored change has its audit row, and no more
      for (let i = 0; i < 3000 && !inbox.includes('new.person@crash.test'); i++) await new Promise((res) => setTimeout(res, 10));
      expect(inbox).toContain('new.person@crash.test');
    } finally {
      await r.close();
    }
  });
});
