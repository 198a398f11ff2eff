import { sql, type RawBuilder } from 'kysely';
import type { Actor } from '../../../core/access/actor.ts';
import { visibleTo } from '../../../core/access/visibility.ts';
import type { Tlp } from '../../../core/access/tlp.ts';
import { queryTextArrays, writeHorizon, type Database, type DbOrTx, type Tx } from '../../../core/db.ts';

/**
 * The only file of the TAXII server and client that speaks SQL. Every read of STIX objects goes
 * through `visibleTo(actor, …)` on top of the collection's own scope, so TLP holds inside collections.
 */

/** What a collection holds (see taxii.service.ts for who may read and write each). */
export type CollectionScope =
  | { kind: 'community'; communityId: string }
  | { kind: 'public' }
  | { kind: 'inbox'; orgId: string };

/** match[version]: any combination of first, last, all and exact version timestamps. */
export interface VersionMatch {
  all: boolean;
  first: boolean;
  last: boolean;
  timestamps: string[];
}

/** Keyset position: the last row of the previous page. `da` is date_added as text with microseconds. */
export interface Cursor {
  da: string;
  pk: number;
}

export interface ObjectQuery {
  ids?: string[];
  types?: string[];
  versions: VersionMatch;
  specVersions?: string[];
  addedAfter?: string;
  cursor?: Cursor;
  /** The walk's horizon (`horizon()`): only rows added before it, where none can still appear. */
  horizon?: string;
  /** Rows to fetch (the service asks for one more than the page to learn `more`). */
  limit: number;
}

export interface ObjectsPage {
  /** The stored JSON text of each of the page's objects (at most pageSize), in date-added order. */
  objects: string[];
  /** Whether visible objects follow the page (the page is full and one more exists). */
  more: boolean;
  first: string | null;
  last: string | null;
  /** pk of the page's last object (with `last`, the `next` cursor); null for an empty page. */
  lastPk: number | null;
}

export interface ManifestRow {
  pk: number;
  da: string;
  id: string;
  version: string;
  specVersion: string;
}

export interface StatusDetail {
  id: string;
  version?: string;
  message?: string;
}

export interface StatusRow {
  id: string;
  status: 'pending' | 'complete';
  requestTimestamp: string;
  totalCount: number;
  successCount: number;
  failureCount: number;
  pendingCount: number;
  successes: StatusDetail[];
  failures: StatusDetail[];
  pendings: StatusDetail[];
}

export interface SubscriptionRow {
  id: string;
  orgId: string;
  name: string;
  apiRootUrl: string;
  collectionId: string;
  username: string | null;
  /** The password / API key, encrypted (core/secrets.ts); decrypt with aad `subscriptionSecretAad(id)`. */
  passwordEnc: string | null;
  /** A plain password stored before migration 0104, until it is encrypted (at start or at the next poll). */
  legacyPassword: string | null;
  tlp: Tlp;
  communityIds: string[];
  pollSeconds: number;
  addedAfter: string | null;
  enabled: boolean;
  lastPolledAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  failures: number;
  objectsReceived: number;
  nextPollAt: Date;
  lastPollStats: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  createdBy: string | null;
}

export interface SubscriptionFields {
  name: string;
  apiRootUrl: string;
  collectionId: string;
  username: string | null;
  /** Already encrypted by the service (never the plain password). */
  passwordEnc: string | null;
  tlp: Tlp;
  communityIds: string[];
  pollSeconds: number;
  enabled: boolean;
}

/** Associated data of a subscription's encrypted password: the value opens only on its own row. */
export const subscriptionSecretAad = (id: string) => `taxii_subscriptions.password:${id}`;

/** A timestamptz as TAXII's timestamp text (UTC, microseconds). */
const TS = (expr: RawBuilder<unknown>) => sql<string>`to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const DA = (alias: string) => TS(sql.ref(`${alias}.date_added`));

/**
 * date_added as whole microseconds since 1970 (int8 text), cheap enough to send on every row of a page:
 * ≈ 0.15 ms a 1,000-row page, against ≈ 0.4 ms for a window that formats only the rows that need it
 * (EXPLAIN ANALYZE, session 7). Exact: the microseconds between the timestamp and the epoch are an
 * integer below 2^53, `date_part` divides it by 10^6 once (correctly rounded), and multiplying back and
 * rounding to int8 errs by under 0.4 µs until 2106 — a test checks 100,000 random instants against
 * `extract` (numeric, exact but slower).
 */
export const epochMicros = (alias: string) => sql<string>`(date_part('epoch', ${sql.ref(`${alias}.date_added`)}) * 1000000)::int8`;

/** Microseconds since 1970 (as `epochMicros` sends them) as TAXII's timestamp text. */
export function microsToTimestamp(us: string): string {
  const n = Number(us);
  const ms = Math.floor(n / 1000);
  return `${new Date(ms).toISOString().slice(0, 23)}${String(n - ms * 1000).padStart(3, '0')}Z`;
}

function scopeSql(scope: CollectionScope, alias: string): RawBuilder<boolean> {
  const c = (col: string) => sql.ref(`${alias}.${col}`);
  switch (scope.kind) {
    case 'community':
      return sql<boolean>`${c('community_ids')} @> ARRAY[${scope.communityId}]::uuid[]`;
    case 'public':
      return sql<boolean>`${c('tlp')} = 'CLEAR'`;
    case 'inbox':
      return sql<boolean>`${c('inbox_org_id')} = ${scope.orgId}::uuid`;
  }
}

/** A version's place among the versions of one object: (modified or created, exact version string). */
const versionKey = (alias: string) =>
  sql`(coalesce(${sql.ref(`${alias}.modified`)}, ${sql.ref(`${alias}.created`)}, '-infinity'::timestamptz), ${sql.ref(`${alias}.version`)})`;

/**
 * match[version] as SQL. "last"/"first" mean the newest/oldest version of the object among the
 * versions this actor can see in this collection; `is_latest` answers "last" without a probe for the
 * common case (the globally newest version is by definition the newest visible one).
 */
function versionSql(actor: Actor, scope: CollectionScope, v: VersionMatch): RawBuilder<boolean> | null {
  if (v.all) return null;
  const other = (cmp: RawBuilder<unknown>) =>
    sql`NOT EXISTS (SELECT 1 FROM stix_objects n WHERE n.id = o.id AND n.pk <> o.pk AND ${cmp}
      AND ${scopeSql(scope, 'n')} AND ${visibleTo(actor, 'n')})`;
  const parts: RawBuilder<unknown>[] = [];
  if (v.last) parts.push(sql`(o.is_latest OR ${other(sql`${versionKey('n')} > ${versionKey('o')}`)})`);
  if (v.first) parts.push(other(sql`${versionKey('n')} < ${versionKey('o')}`));
  if (v.timestamps.length) parts.push(sql`coalesce(o.modified, o.created) = ANY(${v.timestamps}::timestamptz[])`);
  if (!parts.length) return sql<boolean>`false`;
  return sql<boolean>`(${sql.join(parts, sql` OR `)})`;
}

function whereSql(actor: Actor, scope: CollectionScope, q: Omit<ObjectQuery, 'limit'>): RawBuilder<unknown> {
  const where: RawBuilder<unknown>[] = [scopeSql(scope, 'o'), visibleTo(actor, 'o')];
  if (q.ids?.length === 1) where.push(sql`o.id = ${q.ids[0]}`);
  else if (q.ids?.length) where.push(sql`o.id = ANY(${q.ids}::text[])`);
  if (q.types?.length === 1) where.push(sql`o.type = ${q.types[0]}`);
  else if (q.types?.length) where.push(sql`o.type = ANY(${q.types}::text[])`);
  if (q.specVersions?.length) where.push(sql`o.spec_version = ANY(${q.specVersions}::text[])`);
  if (q.addedAfter) where.push(sql`o.date_added > ${q.addedAfter}::timestamptz`);
  if (q.cursor) where.push(sql`(o.date_added, o.pk) > (${q.cursor.da}::timestamptz, ${q.cursor.pk}::bigint)`);
  if (q.horizon) where.push(sql`o.date_added < ${q.horizon}::timestamptz`);
  const v = versionSql(actor, scope, q.versions);
  if (v) where.push(v);
  return sql.join(where, sql` AND `);
}

export function createTaxiiRepo(database: Database) {
  const db = database.db;
  return {
    /**
     * One page of objects in date-added order (keyset on (date_added, pk), never OFFSET): the stored
     * JSON text of up to `pageSize` objects (never parsed or re-serialised here), whether more follow,
     * and the first/last date_added and last pk.
     *
     * One ordered pass over `pageSize + 1` rows (the row past the page says `more`), sent as rows of
     * text: the object's JSON, its pk and its date_added in microseconds (`epochMicros`); only the first
     * and last are formatted, here. Before (session 7) the database joined the page into one
     * `string_agg` value: its 0.5 MB buffer grew by doubling and was copied again to be sent, ≈ 0.5–1 ms
     * more of PostgreSQL's CPU a page than these rows (intel README, session 7).
     * Not a named prepared statement: its generic plan (parameters unknown) read a page in ≈ 430 ms
     * instead of ≈ 5 (measured with plan_cache_mode = force_generic_plan), and PostgreSQL may switch
     * a named statement to its generic plan after five runs; an unnamed one is planned for its values.
     */
    async objectsPage(actor: Actor, scope: CollectionScope, q: Omit<ObjectQuery, 'limit'>, pageSize: number): Promise<ObjectsPage> {
      const rows = await queryTextArrays(database, sql`SELECT o.pk, o.object::text, ${epochMicros('o')} FROM stix_objects o
        WHERE ${whereSql(actor, scope, q)} ORDER BY o.date_added, o.pk LIMIT ${pageSize + 1}`);
      const n = Math.min(rows.length, pageSize);
      const objects = new Array<string>(n);
      for (let i = 0; i < n; i++) objects[i] = rows[i]![1]!;
      const lastRow = n ? rows[n - 1]! : null;
      return {
        objects,
        more: rows.length > pageSize,
        first: n ? microsToTimestamp(rows[0]![2]!) : null,
        last: lastRow ? microsToTimestamp(lastRow[2]!) : null,
        lastPk: lastRow ? Number(lastRow[0]) : null,
      };
    },

    /** The walk's horizon (core/db.ts `writeHorizon`): date_added is the insert time. */
    horizon: () => writeHorizon(db),

    async manifest(actor: Actor, scope: CollectionScope, q: ObjectQuery): Promise<ManifestRow[]> {
      const r = await sql<ManifestRow>`SELECT o.pk, ${DA('o')} AS da, o.id, o.version, o.spec_version AS "specVersion" FROM stix_objects o
        WHERE ${whereSql(actor, scope, q)} ORDER BY o.date_added, o.pk LIMIT ${q.limit}`.execute(db);
      return r.rows;
    },

    /** Whether the actor sees any version of `id` in the collection (404 versus an empty page). */
    async objectExists(actor: Actor, scope: CollectionScope, id: string): Promise<boolean> {
      const r = await sql<{ one: number }>`SELECT 1 AS one FROM stix_objects o WHERE o.id = ${id} AND ${scopeSql(scope, 'o')}
        AND ${visibleTo(actor, 'o')} LIMIT 1`.execute(db);
      return r.rows.length > 0;
    },

    /** The versions a DELETE would remove, with their owners (the service decides who may). */
    async versionsForDelete(tx: Tx, actor: Actor, scope: CollectionScope, id: string, q: Pick<ObjectQuery, 'versions' | 'specVersions'>) {
      const r = await sql<{ pk: number; version: string; ownerOrgId: string | null }>`SELECT o.pk, o.version, o.owner_org_id AS "ownerOrgId"
        FROM stix_objects o WHERE ${whereSql(actor, scope, { ids: [id], versions: q.versions, specVersions: q.specVersions })}
        ORDER BY o.pk FOR UPDATE`.execute(tx);
      return r.rows;
    },

    /** Deletes object versions and keeps exactly one `is_latest` version of the id. */
    async deleteVersions(tx: Tx, id: string, pks: number[]): Promise<number> {
      const r = await sql`DELETE FROM stix_objects WHERE id = ${id} AND pk = ANY(${pks}::bigint[])`.execute(tx);
      await sql`UPDATE stix_objects s SET is_latest = (s.pk = l.pk)
        FROM (SELECT o.pk FROM stix_objects o WHERE o.id = ${id} ORDER BY o.modified DESC NULLS LAST, o.version DESC, o.pk DESC LIMIT 1) l
        WHERE s.id = ${id} AND s.is_latest IS DISTINCT FROM (s.pk = l.pk)`.execute(tx);
      return Number(r.numAffectedRows ?? 0);
    },

    /** Of the given (id, version) pairs, those stored in the collection and visible to the actor. */
    async presentInScope(actor: Actor, scope: CollectionScope, keys: { id: string; version: string }[]): Promise<Set<string>> {
      const out = new Set<string>();
      if (!keys.length) return out;
      const r = await sql<{ id: string; version: string }>`SELECT o.id, o.version FROM stix_objects o
        JOIN unnest(${keys.map((k) => k.id)}::text[], ${keys.map((k) => k.version)}::text[]) AS k(id, version) ON k.id = o.id AND k.version = o.version
        WHERE ${scopeSql(scope, 'o')} AND ${visibleTo(actor, 'o')}`.execute(db);
      for (const row of r.rows) out.add(`${row.id}\u0000${row.version}`);
      return out;
    },

    async insertStatus(tx: DbOrTx, s: StatusRow & { apiRoot: string; collectionId: string; actorUserId: string | null; actorOrgId: string | null }) {
      await sql`INSERT INTO taxii_status (id, api_root, collection_id, actor_user_id, actor_org_id, status, request_timestamp, total_count,
          success_count, failure_count, pending_count, successes, failures, pendings)
        VALUES (${s.id}, ${s.apiRoot}, ${s.collectionId}, ${s.actorUserId}, ${s.actorOrgId}, ${s.status}, ${s.requestTimestamp}::timestamptz,
          ${s.totalCount}, ${s.successCount}, ${s.failureCount}, ${s.pendingCount}, ${JSON.stringify(s.successes)}::jsonb,
          ${JSON.stringify(s.failures)}::jsonb, ${JSON.stringify(s.pendings)}::jsonb)`.execute(tx);
    },

    /** A status resource, only for the person (or that person's token) who posted. */
    async getStatus(id: string, apiRoot: string, userId: string): Promise<StatusRow | null> {
      const r = await sql<StatusRow>`SELECT id, status, to_char(request_timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "requestTimestamp",
          total_count AS "totalCount", success_count AS "successCount", failure_count AS "failureCount", pending_count AS "pendingCount",
          successes, failures, pendings
        FROM taxii_status WHERE id = ${id}::uuid AND api_root = ${apiRoot} AND actor_user_id = ${userId}::uuid`.execute(db);
      return r.rows[0] ?? null;
    },

    // ---- TAXII client: subscriptions -------------------------------------------------------------

    async listSubscriptions(orgId: string): Promise<SubscriptionRow[]> {
      const r = await sql<SubscriptionRow>`SELECT ${SUB_COLS} FROM taxii_subscriptions s WHERE s.org_id = ${orgId}::uuid ORDER BY s.created_at, s.id`.execute(db);
      return r.rows;
    },

    async getSubscription(db2: DbOrTx, id: string): Promise<SubscriptionRow | null> {
      const r = await sql<SubscriptionRow>`SELECT ${SUB_COLS} FROM taxii_subscriptions s WHERE s.id = ${id}::uuid`.execute(db2);
      return r.rows[0] ?? null;
    },

    async insertSubscription(tx: Tx, id: string, orgId: string, createdBy: string | null, f: SubscriptionFields): Promise<string> {
      const r = await sql<{ id: string }>`INSERT INTO taxii_subscriptions (id, org_id, name, api_root_url, collection_id, username, password_enc, tlp,
          community_ids, poll_seconds, enabled, created_by)
        VALUES (${id}::uuid, ${orgId}::uuid, ${f.name}, ${f.apiRootUrl}, ${f.collectionId}, ${f.username}, ${f.passwordEnc}, ${f.tlp}, ${f.communityIds}::uuid[],
          ${f.pollSeconds}, ${f.enabled}, ${createdBy}::uuid) RETURNING id`.execute(tx);
      return r.rows[0]!.id;
    },

    async updateSubscription(tx: Tx, id: string, f: Partial<SubscriptionFields> & { resetCursor?: boolean }): Promise<void> {
      const sets: RawBuilder<unknown>[] = [sql`updated_at = now()`];
      if (f.name !== undefined) sets.push(sql`name = ${f.name}`);
      if (f.apiRootUrl !== undefined) sets.push(sql`api_root_url = ${f.apiRootUrl}`);
      if (f.collectionId !== undefined) sets.push(sql`collection_id = ${f.collectionId}`);
      if (f.username !== undefined) sets.push(sql`username = ${f.username}`);
      if (f.passwordEnc !== undefined) sets.push(sql`password_enc = ${f.passwordEnc}`, sql`password = NULL`);
      if (f.tlp !== undefined) sets.push(sql`tlp = ${f.tlp}`);
      if (f.communityIds !== undefined) sets.push(sql`community_ids = ${f.communityIds}::uuid[]`);
      if (f.pollSeconds !== undefined) sets.push(sql`poll_seconds = ${f.pollSeconds}`);
      if (f.enabled !== undefined) sets.push(sql`enabled = ${f.enabled}`, sql`next_poll_at = now()`, sql`failures = 0`);
      if (f.resetCursor) sets.push(sql`added_after = NULL`);
      await sql`UPDATE taxii_subscriptions SET ${sql.join(sets, sql`, `)} WHERE id = ${id}::uuid`.execute(tx);
    },

    async deleteSubscription(tx: Tx, id: string): Promise<void> {
      await sql`DELETE FROM taxii_subscriptions WHERE id = ${id}::uuid`.execute(tx);
    },

    /** Plain passwords from before migration 0104, locked for the caller's transaction (other nodes skip them). */
    async legacyPasswords(tx: Tx, id?: string): Promise<{ id: string; password: string }[]> {
      const r = await sql<{ id: string; password: string }>`SELECT id, password FROM taxii_subscriptions
        WHERE password IS NOT NULL ${id ? sql`AND id = ${id}::uuid` : sql``} FOR UPDATE SKIP LOCKED`.execute(tx);
      return r.rows;
    },

    /** Encrypted passwords under another key than `keyId`, locked for the caller's transaction. */
    async passwordsNotUnder(tx: Tx, keyId: string): Promise<{ id: string; passwordEnc: string }[]> {
      const r = await sql<{ id: string; passwordEnc: string }>`SELECT id, password_enc AS "passwordEnc" FROM taxii_subscriptions
        WHERE password_enc IS NOT NULL AND split_part(password_enc, ':', 2) <> ${keyId} FOR UPDATE`.execute(tx);
      return r.rows;
    },

    /** Stores the encrypted password and forgets any plain one. */
    async setPasswordEnc(tx: Tx, id: string, passwordEnc: string | null): Promise<void> {
      await sql`UPDATE taxii_subscriptions SET password_enc = ${passwordEnc}, password = NULL WHERE id = ${id}::uuid`.execute(tx);
    },

    /** Enabled subscriptions whose next poll is due. */
    async dueSubscriptions(now: Date, limit: number): Promise<string[]> {
      const r = await sql<{ id: string }>`SELECT id FROM taxii_subscriptions WHERE enabled AND next_poll_at <= ${now}
        ORDER BY next_poll_at LIMIT ${limit}`.execute(db);
      return r.rows.map((x) => x.id);
    },

    /** After a page is stored: move the cursor in the same transaction as the objects. */
    async advanceCursor(tx: Tx, id: string, addedAfter: string, received: number): Promise<void> {
      await sql`UPDATE taxii_subscriptions SET added_after = ${addedAfter}, objects_received = objects_received + ${received}
        WHERE id = ${id}::uuid`.execute(tx);
    },

    async recordSuccess(id: string, at: Date, nextPollAt: Date, stats: Record<string, unknown>): Promise<void> {
      await sql`UPDATE taxii_subscriptions SET last_polled_at = ${at}, last_success_at = ${at}, last_error = NULL, failures = 0,
        next_poll_at = ${nextPollAt}, last_poll_stats = ${JSON.stringify(stats)}::jsonb WHERE id = ${id}::uuid`.execute(db);
    },

    async recordFailure(id: string, at: Date, error: string, nextPollAt: (failures: number) => Date, stats: Record<string, unknown>): Promise<number> {
      const r = await sql<{ failures: number }>`UPDATE taxii_subscriptions SET last_polled_at = ${at}, last_error = ${error.slice(0, 2000)},
        failures = failures + 1, last_poll_stats = ${JSON.stringify(stats)}::jsonb WHERE id = ${id}::uuid RETURNING failures`.execute(db);
      const failures = r.rows[0]?.failures ?? 1;
      await sql`UPDATE taxii_subscriptions SET next_poll_at = ${nextPollAt(failures)} WHERE id = ${id}::uuid`.execute(db);
      return failures;
    },
  };
}

const SUB_COLS = sql`s.id, s.org_id AS "orgId", s.name, s.api_root_url AS "apiRootUrl", s.collection_id AS "collectionId", s.username,
  s.password_enc AS "passwordEnc", s.password AS "legacyPassword",
  s.tlp, s.community_ids AS "communityIds", s.poll_seconds AS "pollSeconds", s.added_after AS "addedAfter", s.enabled,
  s.last_polled_at AS "lastPolledAt", s.last_success_at AS "lastSuccessAt", s.last_error AS "lastError", s.failures,
  s.objects_received AS "objectsReceived", s.next_poll_at AS "nextPollAt", s.last_poll_stats AS "lastPollStats",
  s.created_at AS "createdAt", s.updated_at AS "updatedAt", s.created_by AS "createdBy"`;

export type TaxiiRepo = ReturnType<typeof createTaxiiRepo>;
