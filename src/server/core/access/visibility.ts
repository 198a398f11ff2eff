import { sql, type RawBuilder } from 'kysely';
import type { Actor } from './actor.ts';
import type { Tlp } from './tlp.ts';

/**
 * The sharing fields every shareable record carries (ARCHITECTURE.md, "Sharing and TLP 2.0").
 * Tables store them as columns with these names in snake_case (see SHARING_COLUMNS).
 */
export interface Sharing {
  ownerOrgId: string | null;
  tlp: Tlp;
  communityIds: string[];
  recipientOrgIds: string[];
  recipientUserIds: string[];
  createdBy: string | null;
}

/**
 * The one visibility rule. Audiences nest, so tightening a label never widens who sees a record:
 *   RED          — the named people, and the person who created it.
 *   AMBER+STRICT — RED's audience, plus the owner and recipient organisations.
 *   AMBER        — AMBER+STRICT's audience, plus the organisations under the owner or a recipient
 *                  (a state's counties).
 *   GREEN        — AMBER's audience, plus organisations sharing a community with the record.
 *   CLEAR        — anyone, including the public.
 * System actors (background jobs) see everything; administering accounts grants nothing.
 */
export function canSee(actor: Actor, rec: Sharing): boolean {
  if (actor.kind === 'system') return true;
  if (rec.tlp === 'CLEAR') return true;
  const user = actor.userId;
  if (user !== null && (rec.createdBy === user || rec.recipientUserIds.includes(user))) return true;
  if (rec.tlp === 'RED') return false;
  const org = actor.orgId;
  if (org !== null && (rec.ownerOrgId === org || rec.recipientOrgIds.includes(org))) return true;
  if (rec.tlp === 'AMBER+STRICT') return false;
  const path = actor.orgPath;
  if (
    (rec.ownerOrgId !== null && path.includes(rec.ownerOrgId)) ||
    rec.recipientOrgIds.some((o) => path.includes(o))
  ) {
    return true;
  }
  if (rec.tlp === 'AMBER') return false;
  return rec.communityIds.some((c) => actor.communityIds.includes(c));
}

export const SHARING_COLUMNS = {
  ownerOrgId: 'owner_org_id',
  tlp: 'tlp',
  communityIds: 'community_ids',
  recipientOrgIds: 'recipient_org_ids',
  recipientUserIds: 'recipient_user_ids',
  createdBy: 'created_by',
} as const;

/**
 * The same rule as SQL, for every repository query over a shareable table:
 *   db.selectFrom('incidents as i').where(visibleTo(actor, 'i'))
 * `alias` is the table name or alias whose sharing columns are checked.
 */
export function visibleTo(actor: Actor, alias: string): RawBuilder<boolean> {
  if (actor.kind === 'system') return sql<boolean>`true`;
  const c = (col: string) => sql.ref(`${alias}.${col}`);
  const user = actor.userId;
  const org = actor.orgId;
  const parts: RawBuilder<unknown>[] = [sql`${c('tlp')} = 'CLEAR'`];
  if (user !== null) {
    parts.push(sql`${c('created_by')} = ${user}::uuid`, sql`${user}::uuid = ANY(${c('recipient_user_ids')})`);
  }
  if (org !== null) {
    parts.push(
      sql`(${c('tlp')} <> 'RED' AND (${c('owner_org_id')} = ${org}::uuid OR ${org}::uuid = ANY(${c('recipient_org_ids')})))`,
    );
  }
  // The actor's own organisation is in its path too, but the clause above already admits it for every
  // label but RED: the path clause names only the organisations above it (none for a top-level
  // organisation such as the hub), which spares two array tests per row where it is redundant.
  const above = org !== null ? actor.orgPath.filter((o) => o !== org) : actor.orgPath;
  if (above.length > 0) {
    const path = sql`${above}::uuid[]`;
    parts.push(
      sql`(${c('tlp')} IN ('AMBER','GREEN') AND (${c('owner_org_id')} = ANY(${path}) OR ${c('recipient_org_ids')} && ${path}))`,
    );
  }
  if (actor.communityIds.length > 0) {
    parts.push(sql`(${c('tlp')} = 'GREEN' AND ${c('community_ids')} && ${sql`${actor.communityIds}::uuid[]`})`);
  }
  return sql<boolean>`(${sql.join(parts, sql` OR `)})`;
}
