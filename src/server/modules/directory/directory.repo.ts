import { sql } from 'kysely';
import { queryPrepared, type Database, type DbOrTx } from '../../core/db.ts';
import type { ContactInput, OrgKind, OrgListQuery } from './directory.schemas.ts';

/** The only file of the directory module that speaks SQL. */

/** ORDER BY for each sort, over table alias `t` (the filtered organisations, then the page built from them). */
const sortSql = (t: string) => {
  const c = (col: string) => sql.ref(`${t}.${col}`);
  return {
    name: sql`lower(${c('name')}) ASC, ${c('id')}`,
    '-name': sql`lower(${c('name')}) DESC, ${c('id')}`,
    kind: sql`${c('kind')} ASC, lower(${c('name')}), ${c('id')}`,
    '-kind': sql`${c('kind')} DESC, lower(${c('name')}), ${c('id')}`,
    createdAt: sql`${c('created_at')} ASC, ${c('id')}`,
    '-createdAt': sql`${c('created_at')} DESC, ${c('id')}`,
  } as const;
};
const SORT_SQL = sortSql('o');
const PAGE_SORT_SQL = sortSql('page');

export interface OrgRow {
  id: string;
  name: string;
  kind: OrgKind;
  parentId: string | null;
  parentName: string | null;
  jurisdictionFips: string | null;
  jurisdictionName: string | null;
  memberCount: number;
  createdAt: Date;
}

/** A row of the organisations list: `createdAt` already an ISO-8601 string (what the API answers). */
export type OrgListRow = Omit<OrgRow, 'createdAt'> & { createdAt: string };

export function createDirectoryRepo(database: Database) {
  const db = database.db;
  const summaryColumns = sql`o.id, o.name, o.kind, o.parent_id AS "parentId", p.name AS "parentName",
    o.jurisdiction_fips AS "jurisdictionFips", j.name AS "jurisdictionName",
    (SELECT count(*) FROM memberships m WHERE m.org_id = o.id)::int AS "memberCount", o.created_at AS "createdAt"`;

  return {
    /**
     * One page and the total in ONE statement (`count(*) OVER ()` over the filtered rows, before
     * LIMIT/OFFSET). Member counts and the parent/jurisdiction names are looked up for the page's rows
     * only, and `createdAt` leaves PostgreSQL already in `toISOString()` form (no Date per row). It runs
     * on every directory page view, so on PostgreSQL it is a prepared statement (`queryPrepared`).
     * A page past the end has no row to carry the total: then (only then) a second statement counts.
     */
    async listOrgs(q: OrgListQuery): Promise<{ items: OrgListRow[]; total: number }> {
      const where = [sql`true`];
      if (q.q) {
        const term = q.q.trim();
        where.push(sql`(o.search @@ plainto_tsquery('simple', ${term}) OR o.name ILIKE ${'%' + term.replace(/[%_\\]/g, (c) => '\\' + c) + '%'})`);
      }
      if (q.kind) where.push(sql`o.kind = ${q.kind}`);
      if (q.parentId) where.push(sql`o.parent_id = ${q.parentId}::uuid`);
      if (q.state) where.push(sql`left(o.jurisdiction_fips, 2) = ${q.state}`);
      if (q.communityId) where.push(sql`EXISTS (SELECT 1 FROM community_members cm WHERE cm.org_id = o.id AND cm.community_id = ${q.communityId}::uuid)`);
      const cond = sql.join(where, sql` AND `);
      const offset = (q.page - 1) * q.pageSize;
      const rows = await queryPrepared(
        database,
        // Names of the page's parents and jurisdictions by key lookups (one page of rows), not joins the
        // planner may turn into a scan of every jurisdiction.
        sql<OrgListRow & { total: number }>`SELECT page.id, page.name, page.kind, page.parent_id AS "parentId",
            (SELECT p.name FROM organisations p WHERE p.id = page.parent_id) AS "parentName",
            page.jurisdiction_fips AS "jurisdictionFips",
            (SELECT j.name FROM jurisdictions j WHERE j.fips = page.jurisdiction_fips) AS "jurisdictionName",
            (SELECT count(*) FROM memberships m WHERE m.org_id = page.id)::int AS "memberCount",
            to_char(page.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", page.total
          FROM (SELECT o.id, o.name, o.kind, o.parent_id, o.jurisdiction_fips, o.created_at, count(*) OVER ()::int AS total
                FROM organisations o WHERE ${cond} ORDER BY ${SORT_SQL[q.sort]} LIMIT ${q.pageSize} OFFSET ${offset}) page
          ORDER BY ${PAGE_SORT_SQL[q.sort]}`,
      );
      if (rows.length) return { items: rows.map(({ total: _, ...r }) => r), total: rows[0]!.total };
      const count = await sql<{ n: number }>`SELECT count(*)::int AS n FROM organisations o WHERE ${cond}`.execute(db);
      return { items: [], total: count.rows[0]!.n };
    },

    async getOrg(db2: DbOrTx, id: string) {
      const r = await sql<OrgRow & { website: string | null; description: string; updatedAt: Date }>`
        SELECT ${summaryColumns}, o.website, o.description, o.updated_at AS "updatedAt"
        FROM organisations o LEFT JOIN organisations p ON p.id = o.parent_id
        LEFT JOIN jurisdictions j ON j.fips = o.jurisdiction_fips WHERE o.id = ${id}::uuid`.execute(db2);
      const org = r.rows[0];
      if (!org) return null;
      const [contacts, communities, children] = await Promise.all([
        sql<{ id: string; name: string; role: string; phone: string; email: string; is24x7: boolean }>`
          SELECT id, name, role, phone, email, is_24x7 AS "is24x7" FROM org_contacts WHERE org_id = ${id}::uuid ORDER BY position, name`.execute(db2),
        sql<{ id: string; name: string }>`SELECT c.id, c.name FROM community_members cm JOIN communities c ON c.id = cm.community_id
          WHERE cm.org_id = ${id}::uuid ORDER BY c.name`.execute(db2),
        sql<{ id: string; name: string; kind: OrgKind }>`SELECT id, name, kind FROM organisations WHERE parent_id = ${id}::uuid ORDER BY name LIMIT 500`.execute(db2),
      ]);
      return { ...org, contacts: contacts.rows, communities: communities.rows, children: children.rows };
    },

    async orgExists(db2: DbOrTx, id: string): Promise<boolean> {
      const r = await sql`SELECT 1 FROM organisations WHERE id = ${id}::uuid`.execute(db2);
      return r.rows.length > 0;
    },

    async findOrgIdByName(db2: DbOrTx, name: string): Promise<string | null> {
      const r = await sql<{ id: string }>`SELECT id FROM organisations WHERE lower(name) = lower(${name})`.execute(db2);
      return r.rows[0]?.id ?? null;
    },

    async insertOrg(tx: DbOrTx, o: { name: string; kind: OrgKind; parentId: string | null; jurisdictionFips: string | null; website: string | null; description: string }): Promise<string> {
      const r = await sql<{ id: string }>`INSERT INTO organisations (name, kind, parent_id, jurisdiction_fips, website, description)
        VALUES (${o.name}, ${o.kind}, ${o.parentId}, ${o.jurisdictionFips}, ${o.website}, ${o.description}) RETURNING id`.execute(tx);
      return r.rows[0]!.id;
    },

    async updateOrg(tx: DbOrTx, id: string, o: Partial<{ name: string; kind: OrgKind; parentId: string | null; jurisdictionFips: string | null; website: string | null; description: string }>): Promise<void> {
      const sets = [sql`updated_at = now()`];
      if (o.name !== undefined) sets.push(sql`name = ${o.name}`);
      if (o.kind !== undefined) sets.push(sql`kind = ${o.kind}`);
      if (o.parentId !== undefined) sets.push(sql`parent_id = ${o.parentId}`);
      if (o.jurisdictionFips !== undefined) sets.push(sql`jurisdiction_fips = ${o.jurisdictionFips}`);
      if (o.website !== undefined) sets.push(sql`website = ${o.website}`);
      if (o.description !== undefined) sets.push(sql`description = ${o.description}`);
      await sql`UPDATE organisations SET ${sql.join(sets, sql`, `)} WHERE id = ${id}::uuid`.execute(tx);
    },

    async replaceContacts(tx: DbOrTx, orgId: string, contacts: ContactInput[]): Promise<void> {
      await sql`DELETE FROM org_contacts WHERE org_id = ${orgId}::uuid`.execute(tx);
      let position = 0;
      for (const c of contacts) {
        await sql`INSERT INTO org_contacts (org_id, name, role, phone, email, is_24x7, position)
          VALUES (${orgId}, ${c.name}, ${c.role}, ${c.phone}, ${c.email}, ${c.is24x7}, ${position++})`.execute(tx);
      }
    },

    async replaceOrgCommunities(tx: DbOrTx, orgId: string, communityIds: string[]): Promise<void> {
      await sql`DELETE FROM community_members WHERE org_id = ${orgId}::uuid AND NOT (community_id = ANY(${communityIds}::uuid[]))`.execute(tx);
      if (communityIds.length) {
        await sql`INSERT INTO community_members (community_id, org_id) SELECT unnest(${communityIds}::uuid[]), ${orgId}::uuid
          ON CONFLICT DO NOTHING`.execute(tx);
      }
    },

    /** The organisation and its ancestors, nearest first (a county, then its state). */
    async orgPath(db2: DbOrTx, orgId: string): Promise<string[]> {
      const r = await sql<{ id: string }>`WITH RECURSIVE up(id, parent_id, depth) AS (
          SELECT id, parent_id, 0 FROM organisations WHERE id = ${orgId}::uuid
          UNION ALL SELECT o.id, o.parent_id, up.depth + 1 FROM organisations o JOIN up ON o.id = up.parent_id WHERE up.depth < 20)
        SELECT id FROM up ORDER BY depth`.execute(db2);
      return r.rows.map((x) => x.id);
    },

    async communityIdsOf(db2: DbOrTx, orgId: string): Promise<string[]> {
      const r = await sql<{ id: string }>`SELECT community_id AS id FROM community_members WHERE org_id = ${orgId}::uuid`.execute(db2);
      return r.rows.map((x) => x.id);
    },

    async existingCommunityIds(db2: DbOrTx, ids: string[]): Promise<string[]> {
      if (!ids.length) return [];
      const r = await sql<{ id: string }>`SELECT id FROM communities WHERE id = ANY(${ids}::uuid[])`.execute(db2);
      return r.rows.map((x) => x.id);
    },

    async listCommunities(db2: DbOrTx) {
      const r = await sql<{ id: string; name: string; description: string; memberCount: number }>`
        SELECT c.id, c.name, c.description, (SELECT count(*) FROM community_members m WHERE m.community_id = c.id)::int AS "memberCount"
        FROM communities c ORDER BY c.name`.execute(db2);
      return r.rows;
    },

    async insertCommunity(tx: DbOrTx, name: string, description: string): Promise<string> {
      const r = await sql<{ id: string }>`INSERT INTO communities (name, description) VALUES (${name}, ${description}) RETURNING id`.execute(tx);
      return r.rows[0]!.id;
    },

    async findCommunityByName(db2: DbOrTx, name: string): Promise<string | null> {
      const r = await sql<{ id: string }>`SELECT id FROM communities WHERE lower(name) = lower(${name})`.execute(db2);
      return r.rows[0]?.id ?? null;
    },

    async addCommunityMembers(tx: DbOrTx, communityId: string, orgIds: string[]): Promise<number> {
      const r = await sql`INSERT INTO community_members (community_id, org_id) SELECT ${communityId}::uuid, unnest(${orgIds}::uuid[])
        ON CONFLICT DO NOTHING`.execute(tx);
      return Number(r.numAffectedRows ?? 0);
    },

    async removeCommunityMember(tx: DbOrTx, communityId: string, orgId: string): Promise<boolean> {
      const r = await sql`DELETE FROM community_members WHERE community_id = ${communityId}::uuid AND org_id = ${orgId}::uuid`.execute(tx);
      return Number(r.numAffectedRows ?? 0) > 0;
    },

    async communityExists(db2: DbOrTx, id: string): Promise<boolean> {
      const r = await sql`SELECT 1 FROM communities WHERE id = ${id}::uuid`.execute(db2);
      return r.rows.length > 0;
    },

    async jurisdictionExists(db2: DbOrTx, fips: string): Promise<boolean> {
      const r = await sql`SELECT 1 FROM jurisdictions WHERE fips = ${fips}`.execute(db2);
      return r.rows.length > 0;
    },

    async listJurisdictions(q: { q?: string; state?: string; kind?: string; page: number; pageSize: number }) {
      const where = [sql`true`];
      if (q.q) where.push(sql`j.name ILIKE ${'%' + q.q.replace(/[%_\\]/g, (c) => '\\' + c) + '%'}`);
      if (q.state) where.push(sql`j.state_fips = ${q.state}`);
      if (q.kind) where.push(sql`j.kind = ${q.kind}`);
      const cond = sql.join(where, sql` AND `);
      const [rows, count] = await Promise.all([
        sql<{ fips: string; kind: 'state' | 'district' | 'territory' | 'county'; name: string; stateFips: string; stateName: string | null }>`
          SELECT j.fips, j.kind, j.name, j.state_fips AS "stateFips", s.name AS "stateName"
          FROM jurisdictions j LEFT JOIN jurisdictions s ON s.fips = j.state_fips
          WHERE ${cond} ORDER BY j.fips LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`.execute(db),
        sql<{ n: number }>`SELECT count(*)::int AS n FROM jurisdictions j WHERE ${cond}`.execute(db),
      ]);
      return { items: rows.rows, total: count.rows[0]!.n };
    },

    async upsertJurisdictions(tx: DbOrTx, rows: { fips: string; kind: string; name: string; stateFips: string }[]): Promise<void> {
      for (let i = 0; i < rows.length; i += 1000) {
        const chunk = rows.slice(i, i + 1000);
        await sql`INSERT INTO jurisdictions (fips, kind, name, state_fips)
          SELECT * FROM unnest(${chunk.map((r) => r.fips)}::text[], ${chunk.map((r) => r.kind)}::text[],
                               ${chunk.map((r) => r.name)}::text[], ${chunk.map((r) => r.stateFips)}::text[])
          ON CONFLICT (fips) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, state_fips = EXCLUDED.state_fips`.execute(tx);
      }
    },

    async countJurisdictions(db2: DbOrTx): Promise<number> {
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM jurisdictions`.execute(db2);
      return r.rows[0]!.n;
    },

    async countOrgs(db2: DbOrTx): Promise<number> {
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM organisations`.execute(db2);
      return r.rows[0]!.n;
    },

    /** Organisations with a parent chain that would loop if `orgId` got `parentId` as parent. */
    async wouldCycle(db2: DbOrTx, orgId: string, parentId: string): Promise<boolean> {
      const path = await this.orgPath(db2, parentId);
      return path.includes(orgId);
    },
  };
}
export type DirectoryRepo = ReturnType<typeof createDirectoryRepo>;
