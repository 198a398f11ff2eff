import { sql, type RawBuilder } from 'kysely';

/**
 * People and memberships as SQL fragments, for other modules' set-based queries (fanning an alert out
 * to 30,000 people is one statement). Exported through index.ts; callers never name auth's tables.
 */

/** A sub-query: every membership of an enabled person — `"userId", "orgId", email, name`. */
export function activeMembershipsSql(): RawBuilder<{ userId: string; orgId: string; email: string; name: string }> {
  return sql`SELECT m.user_id AS "userId", m.org_id AS "orgId", u.email, u.name FROM memberships m JOIN users u ON u.id = m.user_id AND NOT u.disabled`;
}

/** A sub-query: the enabled people among `ids` — `id, email, name`. */
export function activePeopleSql(ids: readonly string[]): RawBuilder<{ id: string; email: string; name: string }> {
  return sql`SELECT id, email, name FROM users WHERE id = ANY(${ids}::uuid[]) AND NOT disabled`;
}
