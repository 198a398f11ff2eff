import { sql, type RawBuilder } from 'kysely';
import type { Actor } from '../../core/access/actor.ts';
import { visibleTo } from '../../core/access/visibility.ts';
import type { Tlp } from '../../core/access/tlp.ts';
import type { Db, DbOrTx } from '../../core/db.ts';

/** The only file of the intel module that speaks SQL to the STIX store. */

export interface StoredObjectRow {
  id: string;
  type: string;
  specVersion: string;
  version: string;
  created: Date | null;
  modified: Date | null;
  createdByRef: string | null;
  revoked: boolean;
  confidence: number | null;
  name: string | null;
  ownerOrgId: string | null;
  tlp: Tlp;
  communityIds: string[];
  recipientOrgIds: string[];
  recipientUserIds: string[];
  createdBy: string | null;
  source: string;
  inboxOrgId: string | null;
  object: Record<string, unknown>;
  searchText: string;
  observableKeys: string[];
}

export interface InsertedRow {
  pk: number;
  id: string;
  version: string;
  dateAdded: Date;
}

const SEARCH_TEXT_LIMIT = 100_000;

export function createIntelRepo(db: Db) {
  return {
    /**
     * Inserts a batch of object versions in one statement. (id, version) already stored → skipped
     * (the same version twice is a no-op). Returns the rows actually inserted, in date-added order.
     */
    async insertObjects(tx: DbOrTx, rows: StoredObjectRow[]): Promise<InsertedRow[]> {
      if (rows.length === 0) return [];
      const col = <K extends keyof StoredObjectRow>(k: K) => rows.map((r) => r[k]);
      const arr = (xs: string[][]) => xs.map((a) => `{${a.map((x) => `"${x}"`).join(',')}}`);
      const inserted = await sql<InsertedRow>`
        INSERT INTO stix_objects (id, type, spec_version, version, created, modified, created_by_ref, revoked, confidence, name,
          owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, source, inbox_org_id, object, search)
        SELECT u.id, u.type, u.spec_version, u.version, u.created, u.modified, u.created_by_ref, u.revoked, u.confidence, u.name,
          u.owner_org_id, u.tlp, u.community_ids::uuid[], u.recipient_org_ids::uuid[], u.recipient_user_ids::uuid[], u.created_by, u.source,
          u.inbox_org_id, u.object, to_tsvector('simple', u.search_text)
        FROM unnest(${col('id')}::text[], ${col('type')}::text[], ${col('specVersion')}::text[], ${col('version')}::text[],
          ${col('created')}::timestamptz[], ${col('modified')}::timestamptz[], ${col('createdByRef')}::text[], ${col('revoked')}::boolean[],
          ${col('confidence')}::int[], ${col('name')}::text[], ${col('ownerOrgId')}::uuid[], ${col('tlp')}::text[],
          ${arr(col('communityIds'))}::text[], ${arr(col('recipientOrgIds'))}::text[], ${arr(col('recipientUserIds'))}::text[],
          ${col('createdBy')}::uuid[], ${col('source')}::text[], ${col('inboxOrgId')}::uuid[],
          ${rows.map((r) => JSON.stringify(r.object))}::jsonb[], ${rows.map((r) => r.searchText.slice(0, SEARCH_TEXT_LIMIT))}::text[])
          AS u(id, type, spec_version, version, created, modified, created_by_ref, revoked, confidence, name, owner_org_id, tlp,
               community_ids, recipient_org_ids, recipient_user_ids, created_by, source, inbox_org_id, object, search_text)
        ON CONFLICT (id, version) DO NOTHING
        RETURNING pk, id, version, date_added AS "dateAdded"`.execute(tx);
      const byKey = new Map(rows.map((r) => [`${r.id}\u0000${r.version}`, r]));
      const keys: { key: string; pk: number }[] = [];
      for (const ins of inserted.rows) {
        for (const key of byKey.get(`${ins.id}\u0000${ins.version}`)?.observableKeys ?? []) keys.push({ key, pk: ins.pk });
      }
      if (keys.length) {
        await sql`INSERT INTO stix_observable_keys (key, object_pk) SELECT * FROM unnest(${keys.map((k) => k.key)}::text[], ${keys.map((k) => k.pk)}::bigint[])
          ON CONFLICT DO NOTHING`.execute(tx);
      }
      // Keep exactly one latest version per id: only ids that now have more than one version need work.
      const ids = [...new Set(inserted.rows.map((r) => r.id))];
      if (ids.length) {
        await sql`UPDATE stix_objects s SET is_latest = (s.pk = l.pk)
          FROM (SELECT DISTINCT ON (o.id) o.id, o.pk FROM stix_objects o
                WHERE o.id IN (SELECT id FROM stix_objects WHERE id = ANY(${ids}::text[]) GROUP BY id HAVING count(*) > 1)
                ORDER BY o.id, o.modified DESC NULLS LAST, o.version DESC, o.pk DESC) l
          WHERE s.id = l.id AND s.is_latest IS DISTINCT FROM (s.pk = l.pk)`.execute(tx);
      }
      return inserted.rows.sort((a, b) => a.pk - b.pk);
    },

    /** Versions already stored for these ids (to tell duplicates from new versions). */
    async existingVersions(db2: DbOrTx, ids: string[]): Promise<Map<string, Set<string>>> {
      const out = new Map<string, Set<string>>();
      if (!ids.length) return out;
      const r = await sql<{ id: string; version: string }>`SELECT id, version FROM stix_objects WHERE id = ANY(${ids}::text[])`.execute(db2);
      for (const row of r.rows) {
        if (!out.has(row.id)) out.set(row.id, new Set());
        out.get(row.id)!.add(row.version);
      }
      return out;
    },

    /** The latest visible version of one object, or null (unknown or hidden: the same answer). */
    async getLatest(actor: Actor, id: string) {
      const r = await sql<ObjectRow>`SELECT ${OBJECT_COLS} FROM stix_objects o
        WHERE o.id = ${id} AND ${visibleTo(actor, 'o')} ORDER BY o.is_latest DESC, o.modified DESC NULLS LAST, o.pk DESC LIMIT 1`.execute(db);
      return r.rows[0] ?? null;
    },

    /** Every visible version of one object, oldest first. */
    async versions(actor: Actor, id: string) {
      const r = await sql<ObjectRow>`SELECT ${OBJECT_COLS} FROM stix_objects o
        WHERE o.id = ${id} AND ${visibleTo(actor, 'o')} ORDER BY o.modified NULLS FIRST, o.pk`.execute(db);
      return r.rows;
    },

    /** Latest visible versions of the given ids (relationship and reference resolution). */
    async latestOf(actor: Actor, ids: string[]) {
      if (!ids.length) return [];
      const r = await sql<ObjectRow>`SELECT DISTINCT ON (o.id) ${OBJECT_COLS} FROM stix_objects o
        WHERE o.id = ANY(${ids}::text[]) AND ${visibleTo(actor, 'o')} ORDER BY o.id, o.is_latest DESC, o.modified DESC NULLS LAST, o.pk DESC`.execute(db);
      return r.rows;
    },

    /** Relationships (latest, visible) whose source or target is `id`. */
    async relationshipsOf(actor: Actor, id: string, limit = 200) {
      const r = await sql<ObjectRow>`SELECT ${OBJECT_COLS} FROM stix_objects o
        WHERE o.is_latest AND o.type IN ('relationship','sighting') AND ${visibleTo(actor, 'o')}
          AND (o.object->>'source_ref' = ${id} OR o.object->>'target_ref' = ${id} OR o.object->>'sighting_of_ref' = ${id})
        ORDER BY o.date_added DESC LIMIT ${limit}`.execute(db);
      return r.rows;
    },

    /** Other visible objects that share an observable value with `id` (correlation). */
    async correlated(actor: Actor, id: string, limit = 100) {
      const r = await sql<ObjectRow & { key: string }>`SELECT DISTINCT ON (o.id) ${OBJECT_COLS}, k2.key FROM stix_objects me
          JOIN stix_observable_keys k1 ON k1.object_pk = me.pk
          JOIN stix_observable_keys k2 ON k2.key = k1.key AND k2.object_pk <> me.pk
          JOIN stix_objects o ON o.pk = k2.object_pk
        WHERE me.id = ${id} AND me.is_latest AND o.is_latest AND o.id <> ${id} AND ${visibleTo(actor, 'o')} AND ${visibleTo(actor, 'me')}
        ORDER BY o.id LIMIT ${limit}`.execute(db);
      return r.rows;
    },

    /** Search and filter the latest visible versions; keyset pagination on (date_added, pk) descending. */
    async search(actor: Actor, q: SearchQuery) {
      const where: RawBuilder<unknown>[] = [sql`o.is_latest`, visibleTo(actor, 'o')];
      if (q.text) where.push(sql`o.search @@ websearch_to_tsquery('simple', ${q.text})`);
      if (q.types?.length) where.push(sql`o.type = ANY(${q.types}::text[])`);
      if (q.tlp?.length) where.push(sql`o.tlp = ANY(${q.tlp}::text[])`);
      if (q.source) where.push(sql`o.source = ${q.source}`);
      if (q.ownerOrgId) where.push(sql`o.owner_org_id = ${q.ownerOrgId}::uuid`);
      if (q.since) where.push(sql`o.date_added >= ${q.since}`);
      if (q.until) where.push(sql`o.date_added < ${q.until}`);
      if (q.observable) where.push(sql`o.pk IN (SELECT object_pk FROM stix_observable_keys WHERE key = ${q.observable})`);
      if (q.cursor) where.push(sql`(o.date_added, o.pk) < (${q.cursor.dateAdded}::timestamptz, ${q.cursor.pk})`);
      const r = await sql<ObjectRow & { pk: number }>`SELECT ${OBJECT_COLS}, o.pk FROM stix_objects o WHERE ${sql.join(where, sql` AND `)}
        ORDER BY o.date_added DESC, o.pk DESC LIMIT ${q.limit}`.execute(db);
      return r.rows;
    },

    /** Counts of visible latest objects by type (the intel overview). */
    async countsByType(actor: Actor) {
      const r = await sql<{ type: string; n: number }>`SELECT o.type, count(*)::int AS n FROM stix_objects o
        WHERE o.is_latest AND ${visibleTo(actor, 'o')} GROUP BY o.type ORDER BY n DESC`.execute(db);
      return r.rows;
    },
  };
}

export interface SearchQuery {
  text?: string;
  types?: string[];
  tlp?: Tlp[];
  source?: string;
  ownerOrgId?: string;
  since?: Date;
  until?: Date;
  observable?: string;
  cursor?: { dateAdded: string; pk: number };
  limit: number;
}

export interface ObjectRow {
  id: string;
  type: string;
  version: string;
  dateAdded: Date;
  modified: Date | null;
  tlp: Tlp;
  ownerOrgId: string | null;
  ownerName: string | null;
  communityIds: string[];
  recipientOrgIds: string[];
  recipientUserIds: string[];
  createdBy: string | null;
  source: string;
  isLatest: boolean;
  object: Record<string, unknown>;
}

export const OBJECT_COLS = sql`o.id, o.type, o.version, o.date_added AS "dateAdded", o.modified, o.tlp, o.owner_org_id AS "ownerOrgId",
  (SELECT name FROM organisations WHERE id = o.owner_org_id) AS "ownerName", o.community_ids AS "communityIds",
  o.recipient_org_ids AS "recipientOrgIds", o.recipient_user_ids AS "recipientUserIds", o.created_by AS "createdBy", o.source,
  o.is_latest AS "isLatest", o.object`;

export type IntelRepo = ReturnType<typeof createIntelRepo>;
