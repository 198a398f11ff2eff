import { sql, type RawBuilder } from 'kysely';

/**
 * Organisation audiences as SQL fragments, for other modules' set-based queries (an alert to 10,000
 * organisations is one statement, not 10,000 service calls). Exported through index.ts: callers embed
 * these sub-queries; they never name the directory's tables themselves.
 */

/** Targeting by organisation: every given dimension must match; named organisations always do. */
export interface OrgTargeting {
  orgKinds: readonly string[];
  /** 2-digit state FIPS codes (an organisation in a county of the state matches). */
  states: readonly string[];
  /** 2- or 5-digit FIPS codes, matched exactly. */
  jurisdictions: readonly string[];
  communityIds: readonly string[];
  orgIds: readonly string[];
}

/**
 * A sub-query of one column, `id`: the organisations matching every given dimension (kinds ∧ states ∧
 * jurisdictions ∧ communities), plus the named organisations. No dimension: the named ones only.
 */
export function targetedOrgIdsSql(t: OrgTargeting): RawBuilder<{ id: string }> {
  const dims = [];
  if (t.orgKinds.length) dims.push(sql`o.kind = ANY(${t.orgKinds}::text[])`);
  if (t.states.length) dims.push(sql`left(o.jurisdiction_fips, 2) = ANY(${t.states}::text[])`);
  if (t.jurisdictions.length) dims.push(sql`o.jurisdiction_fips = ANY(${t.jurisdictions}::text[])`);
  if (t.communityIds.length) dims.push(sql`EXISTS (SELECT 1 FROM community_members cm WHERE cm.org_id = o.id AND cm.community_id = ANY(${t.communityIds}::uuid[]))`);
  const byDims = dims.length ? sql.join(dims, sql` AND `) : sql`false`;
  return sql<{ id: string }>`SELECT o.id FROM organisations o WHERE (${byDims}) OR o.id = ANY(${t.orgIds}::uuid[])`;
}

/** What the access rule (canSee) needs to know of an organisation acting as a reader. */
export interface OrgContextRow {
  id: string;
  kind: string;
  /** 2-digit state FIPS of its jurisdiction, or null. */
  state: string | null;
  /** The organisation, then its parent, its parent's parent… */
  path: string[];
  communityIds: string[];
}

/**
 * A sub-query with one row per organisation whose id `orgIds` (a sub-query of one uuid column)
 * yields: `id, kind, state, path, "communityIds"` (see OrgContextRow). Ancestors are walked for those
 * organisations only, and grouped once (no per-row correlated scan).
 */
export function orgContextsSql(orgIds: RawBuilder<unknown>): RawBuilder<OrgContextRow> {
  return sql<OrgContextRow>`WITH RECURSIVE wanted AS (
      SELECT DISTINCT x.id FROM (${orgIds}) AS x(id)
    ), anc(org_id, id, depth) AS (
      SELECT w.id, w.id, 0 FROM wanted w
      UNION ALL
      SELECT anc.org_id, p.parent_id, anc.depth + 1 FROM anc JOIN organisations p ON p.id = anc.id WHERE p.parent_id IS NOT NULL AND anc.depth < 20
    ), paths AS (
      SELECT org_id, array_agg(id ORDER BY depth) AS path FROM anc GROUP BY org_id
    ), comms AS (
      SELECT cm.org_id, array_agg(cm.community_id) AS ids FROM community_members cm JOIN wanted w ON w.id = cm.org_id GROUP BY cm.org_id
    )
    SELECT o.id, o.kind, left(o.jurisdiction_fips, 2) AS state, p.path, coalesce(c.ids, '{}') AS "communityIds"
    FROM wanted w JOIN organisations o ON o.id = w.id JOIN paths p ON p.org_id = o.id LEFT JOIN comms c ON c.org_id = o.id`;
}
