import { sql } from 'kysely';
import type { Db, DbOrTx } from '../../core/db.ts';

/** MISP feeds (intel_misp_feeds): registration, schedule, outcome of each pull. The only SQL of misp-feeds.ts. */
export interface MispFeedRow {
  id: string;
  orgId: string;
  url: string;
  options: Record<string, unknown>;
  lastTimestamp: number | null;
  lastPulledAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastStatus: 'queued' | 'complete' | 'partial' | 'failed' | null;
  lastIngestId: string | null;
  intervalSeconds: number;
  enabled: boolean;
  nextPullAt: Date;
  failures: number;
  createdBy: string | null;
  createdAt: Date;
  /** The name of the header sent with every fetch (e.g. Authorization), or null (a public feed). */
  authHeader: string | null;
  /** Its value, encrypted (core/secrets.ts); decrypt with aad `mispFeedSecretAad(id)`. */
  authValueEnc: string | null;
  /** The last pull's ingest: status and counts (null before the first pull). */
  lastPull: { status: 'queued' | 'running' | 'complete' | 'failed'; total: number; inserted: number; duplicates: number; rejected: number; eventsPulled: number; eventsListed: number | null } | null;
  /** Events pulled over every pull of the feed still on record. */
  eventsPulled: number;
}

export const mispFeedSecretAad = (id: string) => `intel_misp_feeds.auth_value:${id}`;

/**
 * The feed's last pull is queued or running and younger than `staleMs` (an older one died). Its age is
 * read against the database's clock, which wrote its created_at.
 */
const inFlightSql = (staleMs: number) =>
  sql<boolean>`EXISTS (SELECT 1 FROM intel_ingests i WHERE i.id = f.last_ingest_id AND i.status IN ('queued', 'running')
    AND i.created_at > now() - make_interval(secs => ${staleMs / 1000}))`;

const COLS = sql`f.id, f.org_id AS "orgId", f.url, f.options, f.last_timestamp AS "lastTimestamp", f.last_pulled_at AS "lastPulledAt",
  f.last_success_at AS "lastSuccessAt", f.last_error AS "lastError", f.last_status AS "lastStatus", f.last_ingest_id AS "lastIngestId",
  f.interval_seconds AS "intervalSeconds", f.enabled, f.next_pull_at AS "nextPullAt", f.failures, f.created_by AS "createdBy", f.created_at AS "createdAt",
  f.auth_header AS "authHeader", f.auth_value_enc AS "authValueEnc",
  (SELECT json_build_object('status', i.status, 'total', i.total, 'inserted', i.inserted, 'duplicates', i.duplicates, 'rejected', i.rejected,
     'eventsPulled', i.bytes_read, 'eventsListed', i.bytes_total) FROM intel_ingests i WHERE i.id = f.last_ingest_id) AS "lastPull",
  (SELECT coalesce(sum(i.bytes_read), 0)::int FROM intel_ingests i WHERE i.feed_id = f.id) AS "eventsPulled"`;

export function createMispFeedRepo(db: Db) {
  return {
    async upsert(tx: DbOrTx, f: { orgId: string; url: string; options: Record<string, unknown>; createdBy: string | null; intervalSeconds?: number; enabled?: boolean }): Promise<string> {
      const r = await sql<{ id: string }>`INSERT INTO intel_misp_feeds (org_id, url, options, created_by, interval_seconds, enabled)
        VALUES (${f.orgId}::uuid, ${f.url}, ${JSON.stringify(f.options)}::jsonb, ${f.createdBy}, ${f.intervalSeconds ?? 3600}, ${f.enabled ?? true})
        ON CONFLICT (org_id, url) DO UPDATE SET options = excluded.options,
          interval_seconds = ${f.intervalSeconds === undefined ? sql`intel_misp_feeds.interval_seconds` : sql`excluded.interval_seconds`},
          enabled = ${f.enabled === undefined ? sql`intel_misp_feeds.enabled` : sql`excluded.enabled`}
        RETURNING id`.execute(tx);
      return r.rows[0]!.id;
    },

    async get(id: string, db2: DbOrTx = db): Promise<MispFeedRow | null> {
      const r = await sql<MispFeedRow>`SELECT ${COLS} FROM intel_misp_feeds f WHERE f.id = ${id}::uuid`.execute(db2);
      return r.rows[0] ?? null;
    },

    async list(orgId: string): Promise<MispFeedRow[]> {
      const r = await sql<MispFeedRow>`SELECT ${COLS} FROM intel_misp_feeds f WHERE f.org_id = ${orgId}::uuid ORDER BY f.created_at, f.id`.execute(db);
      return r.rows;
    },

    /**
     * Changes what is given. A new URL is another feed: its cursor and last outcome are forgotten and it is
     * due now. Answers false when the organisation already has a feed at that URL.
     */
    async update(tx: DbOrTx, id: string, p: { url?: string; options?: Record<string, unknown>; intervalSeconds?: number; enabled?: boolean }): Promise<boolean> {
      const newUrl = p.url === undefined ? sql`false` : sql`url <> ${p.url}`;
      const r = await sql`UPDATE intel_misp_feeds SET interval_seconds = coalesce(${p.intervalSeconds ?? null}::int, interval_seconds),
        enabled = coalesce(${p.enabled ?? null}::boolean, enabled),
        options = coalesce(${p.options === undefined ? null : JSON.stringify(p.options)}::jsonb, options),
        failures = CASE WHEN ${p.enabled ?? null}::boolean OR ${newUrl} THEN 0 ELSE failures END,
        last_timestamp = CASE WHEN ${newUrl} THEN NULL ELSE last_timestamp END,
        last_error = CASE WHEN ${newUrl} THEN NULL ELSE last_error END,
        last_status = CASE WHEN ${newUrl} THEN NULL ELSE last_status END,
        next_pull_at = CASE WHEN ${newUrl} THEN now() ELSE next_pull_at END,
        url = coalesce(${p.url ?? null}, url)
        WHERE id = ${id}::uuid
          AND NOT EXISTS (SELECT 1 FROM intel_misp_feeds o WHERE o.org_id = intel_misp_feeds.org_id AND o.url = ${p.url ?? null} AND o.id <> ${id}::uuid)`.execute(tx);
      return Number(r.numAffectedRows ?? 0) > 0;
    },

    /** Sets (a header name and its encrypted value) or clears (nulls) the feed's authentication. */
    async setAuth(tx: DbOrTx, id: string, header: string | null, valueEnc: string | null): Promise<void> {
      await sql`UPDATE intel_misp_feeds SET auth_header = ${header}, auth_value_enc = ${valueEnc} WHERE id = ${id}::uuid`.execute(tx);
    },

    async setAuthValue(tx: DbOrTx, id: string, valueEnc: string): Promise<void> {
      await sql`UPDATE intel_misp_feeds SET auth_value_enc = ${valueEnc} WHERE id = ${id}::uuid`.execute(tx);
    },

    /** True while the feed's last pull is queued or running (and younger than `staleBefore`). */
    async inFlight(id: string, staleMs: number): Promise<boolean> {
      const r = await sql<{ busy: boolean }>`SELECT ${inFlightSql(staleMs)} AS busy FROM intel_misp_feeds f WHERE f.id = ${id}::uuid`.execute(db);
      return r.rows[0]?.busy ?? false;
    },

    /** Header values stored under another key than `keyId` (to re-encrypt after a key change), locked. */
    async authNotUnder(tx: DbOrTx, keyId: string): Promise<{ id: string; authValueEnc: string }[]> {
      const r = await sql<{ id: string; authValueEnc: string }>`SELECT id, auth_value_enc AS "authValueEnc" FROM intel_misp_feeds
        WHERE auth_value_enc IS NOT NULL AND split_part(auth_value_enc, ':', 2) <> ${keyId} FOR UPDATE`.execute(tx);
      return r.rows;
    },

    async remove(tx: DbOrTx, id: string): Promise<void> {
      await sql`DELETE FROM intel_misp_feeds WHERE id = ${id}::uuid`.execute(tx);
    },

    /**
     * Enabled feeds due at `now` with no pull in flight (the last ingest is not queued or running, unless it
     * is older than `staleMs`: a job that died without finishing does not stop the schedule).
     */
    async due(now: Date, staleMs: number, limit: number): Promise<MispFeedRow[]> {
      const r = await sql<MispFeedRow>`SELECT ${COLS} FROM intel_misp_feeds f
        WHERE f.enabled AND f.next_pull_at <= ${now}
          AND NOT ${inFlightSql(staleMs)}
        ORDER BY f.next_pull_at LIMIT ${limit}`.execute(db);
      return r.rows;
    },

    /** A pull was queued (in the transaction that created its ingest). */
    async queued(tx: DbOrTx, id: string, ingestId: string): Promise<void> {
      await sql`UPDATE intel_misp_feeds SET last_ingest_id = ${ingestId}::uuid, last_status = 'queued' WHERE id = ${id}::uuid`.execute(tx);
    },

    /**
     * The outcome of a pull: the cursor moves to `lastTimestamp` (when given); success resets the failures and
     * schedules the next pull after the interval; a failure counts and schedules it after `backoff(failures)` seconds.
     */
    async recordPull(tx: DbOrTx, id: string, o: { at: Date; status: 'complete' | 'partial' | 'failed'; lastTimestamp: number | null; error: string | null; backoff: (failures: number) => number }): Promise<void> {
      const ok = o.status === 'complete';
      const r = await sql<{ failures: number; intervalSeconds: number }>`UPDATE intel_misp_feeds SET last_pulled_at = ${o.at}, last_status = ${o.status},
          last_error = ${o.error?.slice(0, 2000) ?? null}, last_timestamp = coalesce(${o.lastTimestamp}::bigint, last_timestamp),
          failures = ${ok ? sql`0` : sql`failures + 1`}, last_success_at = ${ok ? sql`${o.at}` : sql`last_success_at`}
        WHERE id = ${id}::uuid RETURNING failures, interval_seconds AS "intervalSeconds"`.execute(tx);
      const row = r.rows[0];
      if (!row) return;
      const seconds = ok ? row.intervalSeconds : o.backoff(row.failures);
      await sql`UPDATE intel_misp_feeds SET next_pull_at = ${new Date(o.at.getTime() + seconds * 1000)} WHERE id = ${id}::uuid`.execute(tx);
    },
  };
}

export type MispFeedRepo = ReturnType<typeof createMispFeedRepo>;
