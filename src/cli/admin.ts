// Operator commands that act on the server's own database (like a framework's manage command): they
// run on the host that runs Rampart, with its configuration (DATABASE_URL or DATA_DIR). This file is
// the one place where the CLI imports server code; everything else in src/cli speaks HTTP.
import type { Command } from 'commander';
import { sql } from 'kysely';
import { loadConfig } from '../server/core/config.ts';
import { migrate, openDatabase, type Database } from '../server/core/db.ts';
import { verifyAuditChain } from '../server/core/audit/audit.ts';
import { systemActor, type Role } from '../server/core/access/actor.ts';
import { startRampart } from '../server/boot.ts';
import { CliError, print, progress, table } from './output.ts';

async function withDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.dataDir, poolMax: 2 });
  try {
    await migrate(database.db);
    return await fn(database);
  } finally {
    await database.close();
  }
}

/** A Rampart without HTTP or job workers, for commands that use the services (users, tokens). */
async function withServices<T>(fn: (r: Awaited<ReturnType<typeof startRampart>>) => Promise<T>): Promise<T> {
  const config = { ...loadConfig(), SEED_DEMO: false };
  const r = await startRampart({ config, listen: false, workers: false });
  try {
    return await fn(r);
  } finally {
    await r.close();
  }
}

async function orgIdOf(db: Database, nameOrId: string): Promise<string> {
  const r = await sql<{ id: string }>`SELECT id FROM organisations WHERE id::text = ${nameOrId} OR lower(name) = lower(${nameOrId})`.execute(db.db);
  if (!r.rows[0]) throw new CliError(`No organisation “${nameOrId}”`, 2);
  return r.rows[0].id;
}

export function registerAdminCommands(program: Command, json: () => boolean): void {
  program
    .command('serve')
    .description('run the Rampart server (same as npm start, without the build step)')
    .action(async () => {
      await import('../server/main.ts');
      await new Promise(() => {}); // main.ts owns the process from here on
    });

  program
    .command('migrate')
    .description('apply database migrations and exit')
    .action(async () => {
      const applied = await withDatabase(async (db) => migrate(db.db));
      print(json(), { applied }, () => (applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.'));
    });

  const users = program.command('users').description('manage people (operator)');
  users
    .command('add')
    .description('create a person (the first platform admin of a fresh deployment, say)')
    .requiredOption('--email <email>')
    .requiredOption('--name <name>')
    .option('--org <name-or-id>', 'organisation to join')
    .option('--role <role>', 'member | analyst | org_admin', 'member')
    .option('--platform-admin', 'manages accounts (grants no right to read shared data)', false)
    .option('--password <password>', 'otherwise read from RAMPART_PASSWORD, or a random one is printed')
    .action(async (o: { email: string; name: string; org?: string; role: string; platformAdmin: boolean; password?: string }) => {
      if (!['member', 'analyst', 'org_admin'].includes(o.role)) throw new CliError('--role must be member, analyst or org_admin', 2);
      const generated = !o.password && !process.env.RAMPART_PASSWORD;
      const password = o.password ?? process.env.RAMPART_PASSWORD ?? (await import('node:crypto')).randomBytes(12).toString('base64url');
      const id = await withServices(async (r) => {
        const memberships = o.org ? [{ orgId: await orgIdOf(r.core.database, o.org), role: o.role as Role }] : [];
        return r.services.auth.createUser(systemActor('cli'), { email: o.email, name: o.name, password, platformAdmin: o.platformAdmin, memberships });
      });
      print(json(), { id, email: o.email, ...(generated ? { password } : {}) }, () => `Created ${o.email} (${id}).${generated ? `\nPassword (shown once): ${password}` : ''}\nAnalysts and admins enrol two-step verification at first sign-in.`);
    });
  users
    .command('list')
    .description('list people')
    .option('--q <text>', 'search name or email')
    .action(async (o: { q?: string }) => {
      const rows = await withDatabase(async (db) =>
        (await sql<{ email: string; name: string; platformAdmin: boolean; mfa: boolean; disabled: boolean; orgs: string }>`
          SELECT u.email, u.name, u.platform_admin AS "platformAdmin", u.mfa_enabled AS mfa, u.disabled,
            coalesce((SELECT string_agg(o.name || ' (' || m.role || ')', '; ') FROM memberships m JOIN organisations o ON o.id = m.org_id WHERE m.user_id = u.id), '') AS orgs
          FROM users u WHERE ${o.q ? sql`(u.email ILIKE ${'%' + o.q + '%'} OR u.name ILIKE ${'%' + o.q + '%'})` : sql`true`} ORDER BY lower(u.email)`.execute(db.db)).rows,
      );
      print(json(), rows, () => table(rows, ['email', 'name', 'platformAdmin', 'mfa', 'disabled', 'orgs']));
    });
  users
    .command('reset-mfa <email>')
    .description('clear a person’s two-step verification; they enrol again at next sign-in')
    .action(async (email: string) => {
      await withServices(async (r) => {
        const u = await sql<{ id: string }>`SELECT id FROM users WHERE lower(email) = lower(${email})`.execute(r.core.database.db);
        if (!u.rows[0]) throw new CliError(`No person with email ${email}`, 2);
        await r.services.auth.resetMfa(systemActor('cli'), u.rows[0].id);
      });
      print(json(), { email, mfaReset: true }, () => `Two-step verification reset for ${email}.`);
    });

  program
    .command('tokens')
    .description('API tokens (operator)')
    .command('create')
    .description('create an API token for a person (printed once)')
    .requiredOption('--email <email>', 'the person the token acts as')
    .requiredOption('--name <name>', 'what the token is for')
    .option('--org <name-or-id>', 'organisation (default: the person’s first)')
    .option('--scopes <list>', 'comma-separated: read,write,taxii,admin', 'read,taxii')
    .option('--expires-in-days <n>', 'expiry', (v) => Number.parseInt(v, 10))
    .action(async (o: { email: string; name: string; org?: string; scopes: string; expiresInDays?: number }) => {
      const scopes = o.scopes.split(',').map((s) => s.trim()).filter(Boolean);
      const bad = scopes.find((s) => !['read', 'write', 'taxii', 'admin'].includes(s));
      if (bad) throw new CliError(`Unknown scope ${bad}`, 2);
      const token = await withServices(async (r) => {
        const u = await sql<{ id: string; name: string; platformAdmin: boolean }>`SELECT id, name, platform_admin AS "platformAdmin" FROM users WHERE lower(email) = lower(${o.email})`.execute(r.core.database.db);
        const user = u.rows[0];
        if (!user) throw new CliError(`No person with email ${o.email}`, 2);
        const orgId = o.org ? await orgIdOf(r.core.database, o.org) : undefined;
        const actor = { ...systemActor('cli'), kind: 'user' as const, userId: user.id, name: user.name, platformAdmin: user.platformAdmin, orgId: orgId ?? null };
        const first = await sql<{ orgId: string }>`SELECT org_id AS "orgId" FROM memberships WHERE user_id = ${user.id}::uuid ORDER BY created_at LIMIT 1`.execute(r.core.database.db);
        return r.services.auth.createToken({ ...actor, orgId: orgId ?? first.rows[0]?.orgId ?? null }, { name: o.name, scopes: scopes as never, orgId: orgId ?? first.rows[0]?.orgId, expiresInDays: o.expiresInDays });
      });
      print(json(), token, () => `Token (shown once, store it safely):\n${token.token}`);
    });

  program
    .command('audit')
    .description('the audit log')
    .command('verify')
    .description('walk the hash chain and name the first broken link')
    .action(async () => {
      const res = await withDatabase(async (db) => {
        const total = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log`.execute(db.db)).rows[0]!.n;
        const bar = progress(total, 'Verifying', !json() && process.stderr.isTTY);
        const r = await verifyAuditChain(db.db, (n) => bar.update(n));
        bar.stop();
        return r;
      });
      print(json(), res, () => (res.ok ? `The audit chain verifies: ${res.entries} entries.` : `BROKEN at entry ${res.brokenAt}: ${res.reason} (${res.entries} entries read).`));
      if (!res.ok) process.exitCode = 1;
    });

  program
    .command('secrets')
    .description('secrets stored encrypted (TAXII subscription passwords)')
    .command('rotate')
    .description('re-encrypt every stored secret under SECRETS_KEY (old keys in SECRETS_DECRYPT_KEYS); see docs/operations.md')
    .action(async () => {
      const res = await withServices(async (r) => {
        const parts = [];
        for (const m of r.modules) parts.push(...((await m.rotateSecrets?.()) ?? []));
        return { keyId: r.core.secrets.keyId, parts };
      });
      print(json(), res, () =>
        [`Current key: ${res.keyId}`, ...res.parts.map((p) => `${p.what}: ${p.reencrypted} re-encrypted${p.failed ? `, ${p.failed} NOT readable with the configured keys` : ''}`)].join('\n'),
      );
      if (res.parts.some((p) => p.failed)) process.exitCode = 1;
    });
}
