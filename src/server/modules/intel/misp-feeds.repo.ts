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
}

const COLS = sql`f.id, f.org_id AS "orgId", f.url, f.options, f.last_timestamp AS "lastTimestamp", f.last_pulled_at AS "lastPulledAt",
  f.last_success_at AS "lastSuccessAt", f.last_error AS "lastError", f.last_status AS "lastStatus", f.last_ingest_id AS "lastIngestId",
  f.interval_seconds AS "intervalSeconds", f.enabled, f.next_pull_at AS "nextPullAt", f.failures, f.created_by AS "createdBy", f.created_at AS "createdAt"`;

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

    async update(tx: DbOrTx, id: string, p: { intervalSeconds?: number; enabled?: boolean }): Promise<void> {
      await sql`UPDATE intel_misp_feeds SET interval_seconds = coalesce(${p.intervalSeconds ?? null}::int, interval_seconds),
        enabled = coalesce(${p.enabled ?? null}::boolean, enabled),
        failures = CASE WHEN ${p.enabled ?? null}::boolean THEN 0 ELSE failures END WHERE id = ${id}::uuid`.execute(tx);
    },

    async remove(tx: DbOrTx, id: string): Promise<void> {
      await sql`DELETE FROM intel_misp_feeds WHERE id = ${id}::uuid`.execute(tx);
    },

    /**
     * Enabled feeds due at `now` with no pull in flight (the last ingest is not queued or running, unless it
     * was created before `staleBefore`: a job that died without finishing does not stop the schedule).
     */
    async due(now: Date, staleBefore: Date, limit: number): Promise<MispFeedRow[]> {
      const r = await sql<MispFeedRow>`SELECT ${COLS} FROM intel_misp_feeds f
        WHERE f.enabled AND f.next_pull_at <= ${now}
          AND NOT EXISTS (SELECT 1 FROM intel_ingests i WHERE i.id = f.last_ingest_id AND i.status IN ('queued', 'running') AND i.created_at > ${staleBefore})
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
