import { sql } from 'kysely';
import { queryPrepared, type Database, type DbOrTx } from '../../core/db.ts';
import type { Role } from '../../core/access/actor.ts';

/** The only file of the auth module that speaks SQL. */

export interface UserRow {
  id: string;
  email: string;
  name: string;
  passwordHash: string | null;
  platformAdmin: boolean;
  mfaSecret: string | null;
  mfaEnabled: boolean;
  recoveryCodes: string[];
  failedLogins: number;
  lockedUntil: Date | null;
  disabled: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
}

const USER_COLS = sql`u.id, u.email, u.name, u.password_hash AS "passwordHash", u.platform_admin AS "platformAdmin",
  u.mfa_secret AS "mfaSecret", u.mfa_enabled AS "mfaEnabled", u.recovery_codes AS "recoveryCodes",
  u.failed_logins AS "failedLogins", u.locked_until AS "lockedUntil", u.disabled, u.created_at AS "createdAt",
  u.last_login_at AS "lastLoginAt"`;

/** Everything the actor needs, in one round trip: person, membership, org path, communities. */
export interface ActorRow {
  userId: string;
  name: string;
  platformAdmin: boolean;
  disabled: boolean;
  mfaEnabled: boolean;
  orgId: string | null;
  orgKind: string | null;
  role: Role | null;
  orgPath: string[] | null;
  communityIds: string[] | null;
  /** session only */
  csrfToken?: string;
  mfaVerified?: boolean;
  lastSeenAt?: Date;
  /** token only */
  tokenId?: string;
  scopes?: string[];
  lastUsedAt?: Date | null;
}

const ACTOR_TAIL = sql`
  u.name, u.platform_admin AS "platformAdmin", u.disabled, u.mfa_enabled AS "mfaEnabled",
  m.org_id AS "orgId", o.kind AS "orgKind", m.role,
  (WITH RECURSIVE up(id, parent_id, depth) AS (
     SELECT o2.id, o2.parent_id, 0 FROM organisations o2 WHERE o2.id = m.org_id
     UNION ALL SELECT p.id, p.parent_id, up.depth + 1 FROM organisations p JOIN up ON p.id = up.parent_id WHERE up.depth < 20)
   SELECT array_agg(id ORDER BY depth) FROM up) AS "orgPath",
  (SELECT array_agg(cm.community_id) FROM community_members cm WHERE cm.org_id = m.org_id) AS "communityIds"`;

export function createAuthRepo(database: Database) {
  const db = database.db;
  return {
    async actorForSession(idHash: string, now: Date): Promise<ActorRow | null> {
      // Every request with a cookie or a token runs one of these two: prepared statements (see queryPrepared).
      const rows = await queryPrepared(database, sql<ActorRow>`SELECT s.user_id AS "userId", s.csrf_token AS "csrfToken", s.mfa_verified AS "mfaVerified",
          s.last_seen_at AS "lastSeenAt", ${ACTOR_TAIL}
        FROM sessions s JOIN users u ON u.id = s.user_id
        LEFT JOIN memberships m ON m.user_id = s.user_id AND m.org_id = s.org_id
        LEFT JOIN organisations o ON o.id = m.org_id
        WHERE s.id_hash = ${idHash} AND s.expires_at > ${now}`);
      return rows[0] ?? null;
    },

    async actorForToken(tokenHash: string, now: Date): Promise<ActorRow | null> {
      const rows = await queryPrepared(database, sql<ActorRow>`SELECT t.user_id AS "userId", t.id AS "tokenId", t.scopes, t.last_used_at AS "lastUsedAt", ${ACTOR_TAIL}
        FROM api_tokens t JOIN users u ON u.id = t.user_id
        LEFT JOIN memberships m ON m.user_id = t.user_id AND m.org_id = t.org_id
        LEFT JOIN organisations o ON o.id = m.org_id
        WHERE t.token_hash = ${tokenHash} AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ${now})`);
      return rows[0] ?? null;
    },

    touchSession: (idHash: string) => sql`UPDATE sessions SET last_seen_at = now() WHERE id_hash = ${idHash}`.execute(db),
    touchToken: (id: string) => sql`UPDATE api_tokens SET last_used_at = now() WHERE id = ${id}::uuid`.execute(db),

    async userByEmail(db2: DbOrTx, email: string): Promise<UserRow | null> {
      const r = await sql<UserRow>`SELECT ${USER_COLS} FROM users u WHERE lower(u.email) = lower(${email})`.execute(db2);
      return r.rows[0] ?? null;
    },
    async userById(db2: DbOrTx, id: string): Promise<UserRow | null> {
      const r = await sql<UserRow>`SELECT ${USER_COLS} FROM users u WHERE u.id = ${id}::uuid`.execute(db2);
      return r.rows[0] ?? null;
    },
    async insertUser(tx: DbOrTx, u: { email: string; name: string; passwordHash: string | null; platformAdmin: boolean }): Promise<string> {
      const r = await sql<{ id: string }>`INSERT INTO users (email, name, password_hash, platform_admin)
        VALUES (${u.email}, ${u.name}, ${u.passwordHash}, ${u.platformAdmin}) RETURNING id`.execute(tx);
      return r.rows[0]!.id;
    },
    async updateUser(tx: DbOrTx, id: string, f: Partial<{ name: string; passwordHash: string | null; mfaSecret: string | null; mfaEnabled: boolean; recoveryCodes: string[]; failedLogins: number; lockedUntil: Date | null; disabled: boolean; lastLoginAt: Date; platformAdmin: boolean }>): Promise<void> {
      const cols: Record<string, string> = {
        name: 'name', passwordHash: 'password_hash', mfaSecret: 'mfa_secret', mfaEnabled: 'mfa_enabled', recoveryCodes: 'recovery_codes',
        failedLogins: 'failed_logins', lockedUntil: 'locked_until', disabled: 'disabled', lastLoginAt: 'last_login_at', platformAdmin: 'platform_admin',
      };
      const sets = Object.entries(f).filter(([, v]) => v !== undefined).map(([k, v]) => sql`${sql.ref(cols[k]!)} = ${k === 'recoveryCodes' ? sql`${v}::text[]` : v}`);
      if (!sets.length) return;
      await sql`UPDATE users SET ${sql.join(sets, sql`, `)} WHERE id = ${id}::uuid`.execute(tx);
    },
    /** Counts a failed sign-in; locks the account when the count reaches `max`. Returns the new state. */
    async recordFailedLogin(tx: DbOrTx, id: string, max: number, lockUntil: Date): Promise<{ failedLogins: number; lockedUntil: Date | null }> {
      const r = await sql<{ failedLogins: number; lockedUntil: Date | null }>`UPDATE users SET failed_logins = failed_logins + 1,
          locked_until = CASE WHEN failed_logins + 1 >= ${max} THEN ${lockUntil}::timestamptz ELSE locked_until END
        WHERE id = ${id}::uuid RETURNING failed_logins AS "failedLogins", locked_until AS "lockedUntil"`.execute(tx);
      return r.rows[0]!;
    },

    async memberships(db2: DbOrTx, userId: string) {
      const r = await sql<{ orgId: string; orgName: string; orgKind: string; role: Role }>`SELECT m.org_id AS "orgId", o.name AS "orgName", o.kind AS "orgKind", m.role
        FROM memberships m JOIN organisations o ON o.id = m.org_id WHERE m.user_id = ${userId}::uuid ORDER BY o.name`.execute(db2);
      return r.rows;
    },
    async upsertMembership(tx: DbOrTx, userId: string, orgId: string, role: Role) {
      await sql`INSERT INTO memberships (user_id, org_id, role) VALUES (${userId}, ${orgId}, ${role})
        ON CONFLICT (user_id, org_id) DO UPDATE SET role = EXCLUDED.role`.execute(tx);
    },
    async deleteMembership(tx: DbOrTx, userId: string, orgId: string): Promise<boolean> {
      const r = await sql`DELETE FROM memberships WHERE user_id = ${userId}::uuid AND org_id = ${orgId}::uuid`.execute(tx);
      return Number(r.numAffectedRows ?? 0) > 0;
    },

    async insertSession(tx: DbOrTx, s: { idHash: string; userId: string; orgId: string | null; csrfToken: string; mfaVerified: boolean; expiresAt: Date; ip: string; userAgent: string }) {
      await sql`INSERT INTO sessions (id_hash, user_id, org_id, csrf_token, mfa_verified, expires_at, ip, user_agent)
        VALUES (${s.idHash}, ${s.userId}, ${s.orgId}, ${s.csrfToken}, ${s.mfaVerified}, ${s.expiresAt}, ${s.ip}, ${s.userAgent})`.execute(tx);
    },
    async sessionByHash(db2: DbOrTx, idHash: string, now: Date) {
      const r = await sql<{ userId: string; orgId: string | null; mfaVerified: boolean; csrfToken: string }>`SELECT user_id AS "userId", org_id AS "orgId",
        mfa_verified AS "mfaVerified", csrf_token AS "csrfToken" FROM sessions WHERE id_hash = ${idHash} AND expires_at > ${now}`.execute(db2);
      return r.rows[0] ?? null;
    },
    updateSession: (tx: DbOrTx, idHash: string, f: { orgId?: string; mfaVerified?: boolean }) =>
      sql`UPDATE sessions SET org_id = coalesce(${f.orgId ?? null}::uuid, org_id), mfa_verified = coalesce(${f.mfaVerified ?? null}::boolean, mfa_verified)
        WHERE id_hash = ${idHash}`.execute(tx),
    deleteSession: (tx: DbOrTx, idHash: string) => sql`DELETE FROM sessions WHERE id_hash = ${idHash}`.execute(tx),
    deleteUserSessions: (tx: DbOrTx, userId: string) => sql`DELETE FROM sessions WHERE user_id = ${userId}::uuid`.execute(tx),
    deleteExpiredSessions: (now: Date) => sql`DELETE FROM sessions WHERE expires_at < ${now}`.execute(db),

    async insertToken(tx: DbOrTx, t: { userId: string; orgId: string; name: string; scopes: string[]; prefix: string; tokenHash: string; expiresAt: Date | null }): Promise<string> {
      const r = await sql<{ id: string }>`INSERT INTO api_tokens (user_id, org_id, name, scopes, prefix, token_hash, expires_at)
        VALUES (${t.userId}, ${t.orgId}, ${t.name}, ${t.scopes}::text[], ${t.prefix}, ${t.tokenHash}, ${t.expiresAt}) RETURNING id`.execute(tx);
      return r.rows[0]!.id;
    },
    async listTokens(db2: DbOrTx, userId: string) {
      const r = await sql<{ id: string; name: string; orgId: string; orgName: string; scopes: string[]; prefix: string; createdAt: Date; expiresAt: Date | null; lastUsedAt: Date | null; revokedAt: Date | null }>`
        SELECT t.id, t.name, t.org_id AS "orgId", o.name AS "orgName", t.scopes, t.prefix, t.created_at AS "createdAt", t.expires_at AS "expiresAt",
          t.last_used_at AS "lastUsedAt", t.revoked_at AS "revokedAt"
        FROM api_tokens t JOIN organisations o ON o.id = t.org_id WHERE t.user_id = ${userId}::uuid ORDER BY t.created_at DESC`.execute(db2);
      return r.rows;
    },
    async revokeToken(tx: DbOrTx, userId: string, id: string): Promise<boolean> {
      const r = await sql`UPDATE api_tokens SET revoked_at = now() WHERE id = ${id}::uuid AND user_id = ${userId}::uuid AND revoked_at IS NULL`.execute(tx);
      return Number(r.numAffectedRows ?? 0) > 0;
    },

    insertLink: (tx: DbOrTx, l: { tokenHash: string; kind: 'invite' | 'reset'; userId: string; createdBy: string | null; expiresAt: Date }) =>
      sql`INSERT INTO auth_links (token_hash, kind, user_id, created_by, expires_at) VALUES (${l.tokenHash}, ${l.kind}, ${l.userId}, ${l.createdBy}, ${l.expiresAt})`.execute(tx),
    /** Marks a link used and returns its user, or null when unknown, used or expired. */
    async consumeLink(tx: DbOrTx, tokenHash: string, kind: 'invite' | 'reset', now: Date): Promise<string | null> {
      const r = await sql<{ userId: string }>`UPDATE auth_links SET used_at = ${now} WHERE token_hash = ${tokenHash} AND kind = ${kind}
        AND used_at IS NULL AND expires_at > ${now} RETURNING user_id AS "userId"`.execute(tx);
      return r.rows[0]?.userId ?? null;
    },

    async listUsers(db2: DbOrTx, q: { orgId?: string; q?: string; page: number; pageSize: number }) {
      const where = [sql`true`];
      if (q.orgId) where.push(sql`EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.org_id = ${q.orgId}::uuid)`);
      if (q.q) where.push(sql`(u.name ILIKE ${'%' + q.q.replace(/[%_\\]/g, (c) => '\\' + c) + '%'} OR u.email ILIKE ${'%' + q.q.replace(/[%_\\]/g, (c) => '\\' + c) + '%'})`);
      const cond = sql.join(where, sql` AND `);
      const [rows, count] = await Promise.all([
        sql<{ id: string; email: string; name: string; platformAdmin: boolean; mfaEnabled: boolean; disabled: boolean; invited: boolean; lastLoginAt: Date | null; createdAt: Date; memberships: { orgId: string; orgName: string; role: Role }[] }>`
          SELECT u.id, u.email, u.name, u.platform_admin AS "platformAdmin", u.mfa_enabled AS "mfaEnabled", u.disabled,
            (u.password_hash IS NULL) AS invited, u.last_login_at AS "lastLoginAt", u.created_at AS "createdAt",
            coalesce((SELECT json_agg(json_build_object('orgId', m.org_id, 'orgName', o.name, 'role', m.role) ORDER BY o.name)
              FROM memberships m JOIN organisations o ON o.id = m.org_id WHERE m.user_id = u.id), '[]'::json) AS memberships
          FROM users u WHERE ${cond} ORDER BY lower(u.name), u.id LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`.execute(db2),
        sql<{ n: number }>`SELECT count(*)::int AS n FROM users u WHERE ${cond}`.execute(db2),
      ]);
      return { items: rows.rows, total: count.rows[0]!.n };
    },
    async countUsers(db2: DbOrTx): Promise<number> {
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM users`.execute(db2);
      return r.rows[0]!.n;
    },
  };
}
export type AuthRepo = ReturnType<typeof createAuthRepo>;
