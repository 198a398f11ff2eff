import { sql } from 'kysely';
import type { Role } from '../../core/access/actor.ts';
import type { Db, DbOrTx } from '../../core/db.ts';

export interface OrgMember {
  userId: string;
  name: string;
  orgId: string;
  role: Role;
}

/**
 * Who belongs to which organisation, for other modules (through auth's index.ts): the people of
 * some organisations holding some roles, never disabled accounts. A read-only query on auth's tables.
 */
export function createAuthMembers(db: Db) {
  return {
    /** People of `orgIds` with one of `roles` (and, with `userId`, only that person), by name. Pass the caller's transaction when inside one. */
    async list(q: { orgIds: string[]; roles: Role[]; userId?: string }, dbx: DbOrTx = db): Promise<OrgMember[]> {
      if (!q.orgIds.length || !q.roles.length) return [];
      const r = await sql<OrgMember>`SELECT u.id AS "userId", u.name, m.org_id AS "orgId", m.role
        FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.org_id = ANY(${q.orgIds}::uuid[]) AND m.role = ANY(${q.roles}::text[]) AND NOT u.disabled
          ${q.userId ? sql`AND u.id = ${q.userId}::uuid` : sql``}
        ORDER BY lower(u.name), u.id, m.org_id`.execute(dbx);
      return r.rows;
    },
  };
}
export type AuthMembers = ReturnType<typeof createAuthMembers>;
