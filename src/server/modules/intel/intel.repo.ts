import { sql, type RawBuilder } from 'kysely';
import type { Actor } from '../../core/access/actor.ts';
import { visibleTo } from '../../core/access/visibility.ts';
import type { Tlp } from '../../core/access/tlp.ts';
import type { Db, DbOrTx } from '../../core/db.ts';
import pg from 'pg';

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
  /**
   * The object; absent when `json` holds it (an ingested element: the parsed tree is not kept for the
   * batch, so it dies young instead of being promoted by the garbage collector with the batch).
   */
  object?: Record<string, unknown>;
  /** The object's JSON text when the caller already has it (an ingested element stored unchanged), without raw newlines. */
  json?: string;
  searchText: string;
  observableKeys: string[];
}

export interface InsertedRow {
  /** Position of the row in the rows given to insertObjects. */
  index: number;
  pk: number;
  id: string;
  version: string;
}

const SEARCH_TEXT_LIMIT = 100_000;

/** Rows prepared for one sharer share their arrays: compared by reference first. */
const sameSharing = (a: StoredObjectRow, b: StoredObjectRow) =>
  a.ownerOrgId === b.ownerOrgId && a.communityIds === b.communityIds && a.recipientOrgIds === b.recipientOrgIds &&
  a.recipientUserIds === b.recipientUserIds && a.createdBy === b.createdBy && a.source === b.source && a.inboxOrgId === b.inboxOrgId;

/** The sharing columns of a row, as one key (rows with the same key are written by one statement). */
const sharingKey = (r: StoredObjectRow) =>
  JSON.stringify([r.ownerOrgId, r.communityIds, r.recipientOrgIds, r.recipientUserIds, r.createdBy, r.source, r.inboxOrgId]);

/**
 * One statement's parameters, built from rows that share their sharing columns (CPU only, no I/O):
 * see planInsert.
 *
 * Cost matters here (ingest of millions of objects): the objects travel as ONE text parameter, their
 * JSON texts joined by newlines (JSON.stringify never writes a raw newline), split by string_to_array,
 * so neither side escapes or parses an array literal of JSON; the search text likewise (newlines
 * become spaces, which to_tsvector treats the same). Short columns travel as arrays, zipped by
 * ROWS FROM. Measured (bench/intel-ingest.bench.ts, README): ≈ 40 → 14 µs of Node CPU per object.
 * The arrays are turned into their literals here (pg's own prepareValue, as the driver would when
 * sending), so that a plan built ahead of its write costs the write no Node time.
 */
interface GroupPlan {
  rows: StoredObjectRow[];
  /** Position in the planned rows of each of this group's rows. */
  index: number[];
  params: Record<'ids' | 'types' | 'specs' | 'versions' | 'created' | 'modified' | 'cbr' | 'revoked' | 'confidence' | 'names' | 'tlps' | 'objects' | 'texts' | 'keys' | 'keyRows', string>;
}

/** The statements that store rows (planInsert), ready to run (insertObjects). */
export interface InsertPlan {
  readonly rows: StoredObjectRow[];
  readonly groups: GroupPlan[];
}

/** pg's own serialiser of parameters (exported by pg at run time, absent from its type definitions). */
const { prepareValue } = (pg as unknown as { utils: { prepareValue: (v: unknown) => unknown } }).utils;
const literal = (v: unknown[]): string => prepareValue(v) as string;

function planGroup(rows: StoredObjectRow[], index: number[]): GroupPlan {
  const n = rows.length;
  const ids = new Array<string>(n);
  const types = new Array<string>(n);
  const specs = new Array<string>(n);
  const versions = new Array<string>(n);
  const created = new Array<string | null>(n);
  const modified = new Array<string | null>(n);
  const cbr = new Array<string | null>(n);
  const revoked = new Array<boolean>(n);
  const confidence = new Array<number | null>(n);
  const names = new Array<string | null>(n);
  const tlps = new Array<string>(n);
  const objects = new Array<string>(n);
  const texts = new Array<string>(n);
  const keys: string[] = [];
  const keyRows: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    ids[i] = r.id;
    types[i] = r.type;
    specs[i] = r.specVersion;
    versions[i] = r.version;
    created[i] = r.created ? r.created.toISOString() : null;
    modified[i] = r.modified ? r.modified.toISOString() : null;
    cbr[i] = r.createdByRef;
    revoked[i] = r.revoked;
    confidence[i] = r.confidence;
    names[i] = r.name;
    tlps[i] = r.tlp;
    objects[i] = r.json ?? JSON.stringify(r.object!);
    const t = r.searchText.length > SEARCH_TEXT_LIMIT ? r.searchText.slice(0, SEARCH_TEXT_LIMIT) : r.searchText;
    texts[i] = t.includes('\n') || t.includes('\r') ? t.replace(/[\r\n]/g, ' ') : t;
    if (r.observableKeys.length) {
      for (const k of r.observableKeys.length > 1 ? new Set(r.observableKeys) : r.observableKeys) {
        keys.push(k);
        keyRows.push(i + 1);
      }
    }
  }
  return {
    rows,
    index,
    params: {
      ids: literal(ids), types: literal(types), specs: literal(specs), versions: literal(versions), created: literal(created), modified: literal(modified),
      cbr: literal(cbr), revoked: literal(revoked), confidence: literal(confidence), names: literal(names), tlps: literal(tlps),
      objects: objects.join('\n'), texts: texts.join('\n'), keys: literal(keys), keyRows: literal(keyRows),
    },
  };
}

/**
 * Groups rows by their sharing columns (rows of one write usually share them: one sharer, one request;
 * one statement per group) and builds each statement's parameters. The same (id, version) twice is
 * planned once (the first; as ON CONFLICT DO NOTHING would). CPU only: an ingest job plans batch N+1
 * while batch N is being written, so the database does not wait for it.
 */
export function planInsert(rows: StoredObjectRow[]): InsertPlan {
  // (Keyed by the id strings the rows already hold: no key string built per row.)
  const groups = new Map<string, { rows: StoredObjectRow[]; index: number[] }>();
  const once = new Map<string, string | Set<string>>();
  const r0 = rows[0];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const had = once.get(r.id);
    if (had === undefined) once.set(r.id, r.version);
    else if (typeof had === 'string') {
      if (had === r.version) continue;
      once.set(r.id, new Set([had, r.version]));
    } else if (had.has(r.version)) continue;
    else had.add(r.version);
    const g = sameSharing(r, r0!) ? '' : sharingKey(r);
    const group = groups.get(g);
    if (group) {
      group.rows.push(r);
      group.index.push(i);
    } else groups.set(g, { rows: [r], index: [i] });
  }
  return { rows, groups: [...groups.values()].map((g) => planGroup(g.rows, g.index)) };
}

/**
 * Runs one group's statement: inserts its rows with their correlation keys; returns the rows inserted
 * (an (id, version) already stored is skipped) and whether their id had a version stored before
 * (`older`: the statement's snapshot does not include its own inserts).
 */
async function insertGroup(tx: DbOrTx, g: GroupPlan): Promise<(Omit<InsertedRow, 'index'> & { at: number; older: boolean })[]> {
  const r0 = g.rows[0]!;
  const p = g.params;
  const res = await sql<Omit<InsertedRow, 'index'> & { older: boolean }>`WITH u AS MATERIALIZED (
      SELECT * FROM ROWS FROM (unnest(${p.ids}::text[]), unnest(${p.types}::text[]), unnest(${p.specs}::text[]), unnest(${p.versions}::text[]),
          unnest(${p.created}::timestamptz[]), unnest(${p.modified}::timestamptz[]), unnest(${p.cbr}::text[]), unnest(${p.revoked}::boolean[]),
          unnest(${p.confidence}::int[]), unnest(${p.names}::text[]), unnest(${p.tlps}::text[]),
          unnest(string_to_array(${p.objects}, E'\\n')), unnest(string_to_array(${p.texts}, E'\\n')))
        WITH ORDINALITY AS x(id, type, spec_version, version, created, modified, created_by_ref, revoked, confidence, name, tlp, object, search_text, ord)),
    ins AS (
      INSERT INTO stix_objects (id, type, spec_version, version, created, modified, created_by_ref, revoked, confidence, name,
          owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, source, inbox_org_id, object, search)
      SELECT u.id, u.type, u.spec_version, u.version, u.created, u.modified, u.created_by_ref, u.revoked, u.confidence, u.name,
          ${r0.ownerOrgId}::uuid, u.tlp, ${r0.communityIds}::uuid[], ${r0.recipientOrgIds}::uuid[], ${r0.recipientUserIds}::uuid[], ${r0.createdBy}::uuid,
          ${r0.source}, ${r0.inboxOrgId}::uuid, u.object::jsonb, to_tsvector('simple', coalesce(u.search_text, ''))
        FROM u ORDER BY u.ord
      ON CONFLICT (id, version) DO NOTHING
      RETURNING pk, id, version),
    k AS (
      INSERT INTO stix_observable_keys (key, object_pk)
      SELECT k.key, ins.pk FROM unnest(${p.keys}::text[], ${p.keyRows}::int[]) AS k(key, ord)
        JOIN u ON u.ord = k.ord JOIN ins ON ins.id = u.id AND ins.version = u.version)
    SELECT ins.pk, ins.id, ins.version,
      EXISTS (SELECT 1 FROM stix_objects o WHERE o.id = ins.id) AS older
    FROM ins`.execute(tx);
  return positions(g.rows, res.rows);
}

/**
 * The position in `rows` of each inserted row. Rows are inserted in their order (ORDER BY ord) and take
 * their pk from the sequence in that order, so the inserted rows sorted by pk are a subsequence of `rows`:
 * one walk finds them (no join of the batch against itself in SQL, no key string per row). A map by id is
 * the fallback should a row not be found on the walk.
 */
function positions<T extends { pk: number; id: string; version: string }>(rows: StoredObjectRow[], inserted: T[]): (T & { at: number })[] {
  const sorted = inserted.sort((a, b) => a.pk - b.pk);
  const out: (T & { at: number })[] = [];
  let j = 0;
  for (const x of sorted) {
    while (j < rows.length && (rows[j]!.id !== x.id || rows[j]!.version !== x.version)) j++;
    if (j === rows.length) {
      const at = new Map<string, number>();
      rows.forEach((r, i) => at.set(`${r.id}\u0000${r.version}`, i));
      return sorted.map((y) => ({ ...y, at: at.get(`${y.id}\u0000${y.version}`)! }));
    }
    out.push({ ...x, at: j++ });
  }
  return out;
}

/**
 * Keeps exactly one latest version per id of `ids` (ids that now have several versions): the newest by
 * (modified, version, pk) is latest, every other version is not; an UPDATE by pk only touches rows
 * whose flag changes. (An id stored for the first time needs nothing: is_latest defaults to true.)
 */
async function fixLatest(tx: DbOrTx, ids: string[]): Promise<void> {
  if (!ids.length) return;
  const r = await sql<{ pk: number; latest: boolean }>`SELECT v.pk, v.latest FROM unnest(${ids}::text[]) AS x(id)
    CROSS JOIN LATERAL (SELECT o.pk, o.is_latest,
        row_number() OVER (ORDER BY o.modified DESC NULLS LAST, o.version DESC, o.pk DESC) = 1 AS latest
      FROM stix_objects o WHERE o.id = x.id) v
    WHERE v.is_latest IS DISTINCT FROM v.latest`.execute(tx);
  if (!r.rows.length) return;
  await sql`UPDATE stix_objects s SET is_latest = u.latest FROM unnest(${r.rows.map((x) => x.pk)}::bigint[], ${r.rows.map((x) => x.latest)}::boolean[]) AS u(pk, latest)
    WHERE s.pk = u.pk`.execute(tx);
}

/** Filters shared by search and export: the latest versions the actor may see, narrowed. */
export interface ObjectFilters {
  text?: string;
  types?: string[];
  tlp?: Tlp[];
  source?: string;
  ownerOrgId?: string;
  since?: Date;
  until?: Date;
  modifiedSince?: Date;
  modifiedUntil?: Date;
  /** a normalised observable key, e.g. ipv4-addr:198.51.100.7 */
  observable?: string;
}

function objectFilters(actor: Actor, q: ObjectFilters): RawBuilder<unknown>[] {
  const where: RawBuilder<unknown>[] = [sql`o.is_latest`, visibleTo(actor, 'o')];
  if (q.text) where.push(sql`o.search @@ websearch_to_tsquery('simple', ${q.text})`);
  if (q.types?.length) where.push(sql`o.type = ANY(${q.types}::text[])`);
  if (q.tlp?.length) where.push(sql`o.tlp = ANY(${q.tlp}::text[])`);
  if (q.source) where.push(sql`o.source = ${q.source}`);
  if (q.ownerOrgId) where.push(sql`o.owner_org_id = ${q.ownerOrgId}::uuid`);
  if (q.since) where.push(sql`o.date_added >= ${q.since}`);
  if (q.until) where.push(sql`o.date_added < ${q.until}`);
  if (q.modifiedSince) where.push(sql`o.modified >= ${q.modifiedSince}`);
  if (q.modifiedUntil) where.push(sql`o.modified < ${q.modifiedUntil}`);
  if (q.observable) where.push(sql`o.pk IN (SELECT object_pk FROM stix_observable_keys WHERE key = ${q.observable})`);
  return where;
}

export function createIntelRepo(db: Db) {
  return {
    /**
     * Inserts object versions as planned by planInsert: one statement per group of rows that share their
     * sharing columns. (id, version) already stored → skipped (the same version twice is a no-op).
     * Returns the rows actually inserted, in date-added order.
     */
    async insertObjects(tx: DbOrTx, plan: InsertPlan): Promise<InsertedRow[]> {
      if (plan.rows.length === 0) return [];
      const inserted: InsertedRow[] = [];
      // is_latest is right by default for an id seen for the first time; re-rank only ids that now have several versions.
      const seen = new Set<string>();
      const multi = new Set<string>();
      for (const group of plan.groups) {
        for (const x of await insertGroup(tx, group)) {
          if (x.older || seen.has(x.id)) multi.add(x.id);
          seen.add(x.id);
          inserted.push({ index: group.index[x.at]!, pk: x.pk, id: x.id, version: x.version });
        }
      }
      await fixLatest(tx, [...multi]);
      return inserted.sort((a, b) => a.pk - b.pk);
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

    /**
     * Search like `search`, returning a cursor position with microsecond precision (`cursorAt`):
     * a JS Date keeps only milliseconds, and a cursor rounded to them would skip rows.
     */
    async searchPage(actor: Actor, q: SearchQuery & { modifiedSince?: Date; modifiedUntil?: Date }) {
      const where = objectFilters(actor, q);
      if (q.cursor) where.push(sql`(o.date_added, o.pk) < (${q.cursor.dateAdded}::timestamptz, ${q.cursor.pk})`);
      const r = await sql<ObjectRow & { pk: number; cursorAt: string }>`SELECT ${OBJECT_COLS}, o.pk, ${CURSOR_AT} AS "cursorAt"
        FROM stix_objects o WHERE ${sql.join(where, sql` AND `)}
        ORDER BY o.date_added DESC, o.pk DESC LIMIT ${q.limit}`.execute(db);
      return r.rows;
    },

    /** Relationships and sightings (latest, visible) naming `id` as source, target or sighting_of (index-backed). */
    async relationshipsFor(actor: Actor, id: string, limit = 200) {
      const r = await sql<ObjectRow>`SELECT ${OBJECT_COLS} FROM stix_objects o WHERE o.pk IN (
          SELECT pk FROM stix_objects WHERE type = 'relationship' AND is_latest AND object->>'source_ref' = ${id}
          UNION SELECT pk FROM stix_objects WHERE type = 'relationship' AND is_latest AND object->>'target_ref' = ${id}
          UNION SELECT pk FROM stix_objects WHERE type = 'sighting' AND is_latest AND object->>'sighting_of_ref' = ${id})
        AND ${visibleTo(actor, 'o')} ORDER BY o.date_added DESC, o.pk DESC LIMIT ${limit}`.execute(db);
      return r.rows;
    },

    /**
     * For many sources at once: the targets of the latest, visible, unrevoked relationships of one kind whose
     * source is one of `sources` and whose target is of one of `targetTypes` (index-backed on source_ref).
     */
    async relationshipTargets(actor: Actor, sources: string[], kind: string, targetTypes: string[]) {
      if (!sources.length) return [];
      const r = await sql<{ source: string; target: string }>`SELECT DISTINCT o.object->>'source_ref' AS source, o.object->>'target_ref' AS target
        FROM stix_objects o
        WHERE o.type = 'relationship' AND o.is_latest AND o.object->>'source_ref' = ANY(${sources}::text[])
          AND NOT o.revoked AND o.object->>'relationship_type' = ${kind}
          AND split_part(o.object->>'target_ref', '--', 1) = ANY(${targetTypes}::text[]) AND ${visibleTo(actor, 'o')}`.execute(db);
      return r.rows;
    },

    /** One keyset batch of the export: latest visible objects in date-added order after `after`. */
    async exportBatch(actor: Actor, q: ObjectFilters & { communityId?: string; after?: { at: string; pk: number } | null; limit: number }) {
      const where = objectFilters(actor, q);
      if (q.communityId) where.push(sql`${q.communityId}::uuid = ANY(o.community_ids)`);
      if (q.after) where.push(sql`(o.date_added, o.pk) > (${q.after.at}::timestamptz, ${q.after.pk})`);
      const r = await sql<{ pk: number; cursorAt: string; object: string }>`SELECT o.pk, ${CURSOR_AT} AS "cursorAt", o.object::text AS object
        FROM stix_objects o WHERE ${sql.join(where, sql` AND `)} ORDER BY o.date_added, o.pk LIMIT ${q.limit}`.execute(db);
      return r.rows;
    },

    /** Which of these organisations exist. */
    async existingOrgIds(ids: string[]): Promise<Set<string>> {
      if (!ids.length) return new Set();
      const r = await sql<{ id: string }>`SELECT id FROM organisations WHERE id = ANY(${ids}::uuid[])`.execute(db);
      return new Set(r.rows.map((x) => x.id));
    },

    /** Which of these people exist. */
    async existingUserIds(ids: string[]): Promise<Set<string>> {
      if (!ids.length) return new Set();
      const r = await sql<{ id: string }>`SELECT id FROM users WHERE id = ANY(${ids}::uuid[])`.execute(db);
      return new Set(r.rows.map((x) => x.id));
    },

    async orgName(orgId: string, db2: DbOrTx = db): Promise<string | null> {
      const r = await sql<{ name: string }>`SELECT name FROM organisations WHERE id = ${orgId}::uuid`.execute(db2);
      return r.rows[0]?.name ?? null;
    },

    async communityNames(ids: string[]): Promise<{ id: string; name: string }[]> {
      if (!ids.length) return [];
      const r = await sql<{ id: string; name: string }>`SELECT id, name FROM communities WHERE id = ANY(${ids}::uuid[]) ORDER BY name`.execute(db);
      return r.rows;
    },

    /** The latest stored version of one object, whoever may see it (system use: the organisation identity). */
    async latestAny(tx: DbOrTx, id: string): Promise<Record<string, unknown> | null> {
      const r = await sql<{ object: Record<string, unknown> }>`SELECT object FROM stix_objects WHERE id = ${id} ORDER BY is_latest DESC, modified DESC NULLS LAST, pk DESC LIMIT 1`.execute(tx);
      return r.rows[0]?.object ?? null;
    },

    // ---- ingest jobs (intel_ingests); MISP feeds are misp-feeds.repo.ts ----

    async createIngest(tx: DbOrTx, i: { kind: IngestKind; filename: string | null; filePath: string | null; options: Record<string, unknown>; orgId: string | null; userId: string | null; bytesTotal: number | null; feedId?: string | null }): Promise<string> {
      const r = await sql<{ id: string }>`INSERT INTO intel_ingests (kind, status, filename, file_path, options, org_id, user_id, bytes_total, feed_id)
        VALUES (${i.kind}, 'queued', ${i.filename}, ${i.filePath}, ${JSON.stringify(i.options)}::jsonb, ${i.orgId}, ${i.userId}, ${i.bytesTotal}, ${i.feedId ?? null})
        RETURNING id`.execute(tx);
      return r.rows[0]!.id;
    },

    async getIngest(id: string, db2: DbOrTx = db): Promise<IngestRow | null> {
      const r = await sql<IngestRow>`SELECT ${INGEST_COLS} FROM intel_ingests WHERE id = ${id}::uuid`.execute(db2);
      return r.rows[0] ?? null;
    },

    async listIngests(orgId: string, limit: number): Promise<IngestRow[]> {
      const r = await sql<IngestRow>`SELECT ${INGEST_COLS} FROM intel_ingests WHERE org_id = ${orgId}::uuid ORDER BY created_at DESC, id LIMIT ${limit}`.execute(db);
      return r.rows;
    },

    /** Marks an ingest running and resets its counters (a retried job starts over; stored objects then count as duplicates). */
    async startIngest(id: string): Promise<void> {
      await sql`UPDATE intel_ingests SET status = 'running', started_at = now(), finished_at = NULL, message = NULL, total = 0, inserted = 0,
        duplicates = 0, rejected = 0, bytes_read = 0, errors = '[]', errors_omitted = 0 WHERE id = ${id}::uuid`.execute(db);
    },

    async addIngestProgress(tx: DbOrTx, id: string, p: { total: number; inserted: number; duplicates: number; rejected: number; bytesRead: number; bytesTotal?: number | null; errors: unknown[]; errorsOmitted: number }): Promise<void> {
      await sql`UPDATE intel_ingests SET total = total + ${p.total}, inserted = inserted + ${p.inserted}, duplicates = duplicates + ${p.duplicates},
          rejected = rejected + ${p.rejected}, bytes_read = greatest(bytes_read, ${p.bytesRead}), bytes_total = coalesce(${p.bytesTotal ?? null}::bigint, bytes_total),
          errors = CASE WHEN ${p.errors.length} > 0 THEN errors || ${JSON.stringify(p.errors)}::jsonb ELSE errors END,
          errors_omitted = errors_omitted + ${p.errorsOmitted}
        WHERE id = ${id}::uuid`.execute(tx);
    },

    async finishIngest(id: string, status: 'complete' | 'failed', message: string | null): Promise<void> {
      await sql`UPDATE intel_ingests SET status = ${status}, finished_at = now(), message = ${message}, file_path = NULL WHERE id = ${id}::uuid`.execute(db);
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

export type IngestKind = 'stix' | 'misp' | 'misp-feed' | 'csv';

export interface IngestRow {
  id: string;
  kind: IngestKind;
  status: 'queued' | 'running' | 'complete' | 'failed';
  filename: string | null;
  filePath: string | null;
  options: Record<string, unknown>;
  orgId: string | null;
  userId: string | null;
  feedId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  total: number;
  inserted: number;
  duplicates: number;
  rejected: number;
  bytesRead: number;
  bytesTotal: number | null;
  errors: unknown[];
  errorsOmitted: number;
  message: string | null;
}

const INGEST_COLS = sql`id, kind, status, filename, file_path AS "filePath", options, org_id AS "orgId", user_id AS "userId", feed_id AS "feedId",
  created_at AS "createdAt", started_at AS "startedAt", finished_at AS "finishedAt", total, inserted, duplicates, rejected,
  bytes_read AS "bytesRead", bytes_total AS "bytesTotal", errors, errors_omitted AS "errorsOmitted", message`;

/** date_added as text with microseconds, for keyset cursors. */
const CURSOR_AT = sql`to_char(o.date_added AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export type IntelRepo = ReturnType<typeof createIntelRepo>;
