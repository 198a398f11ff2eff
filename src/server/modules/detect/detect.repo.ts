import { sql } from 'kysely';
import type { Actor } from '../../core/access/actor.ts';
import type { Tlp } from '../../core/access/tlp.ts';
import { visibleTo, type Sharing } from '../../core/access/visibility.ts';
import type { Db, DbOrTx } from '../../core/db.ts';

/** The only file of the detect module that speaks SQL. */

export type RunStatus = 'queued' | 'running' | 'complete' | 'failed';

export interface RunRow {
  id: string;
  orgId: string;
  createdBy: string | null;
  filename: string | null;
  formatRequested: string;
  format: string | null;
  tlp: Tlp;
  shareWithHub: boolean;
  status: RunStatus;
  logPath: string | null;
  logDeletedAt: Date | null;
  uploadBytes: number;
  storedBytes: number;
  gzip: boolean | null;
  lines: number;
  bytes: number;
  skipped: Record<string, number>;
  gzipError: string | null;
  hits: number;
  hitLines: number;
  hitsStored: number;
  indicators: number;
  complexPatterns: number;
  complexTruncated: boolean;
  retroHits: number;
  sightings: number;
  message: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const RUN_COLUMNS = sql`r.id, r.org_id AS "orgId", r.created_by AS "createdBy", r.filename, r.format_requested AS "formatRequested", r.format,
  r.tlp, r.share_with_hub AS "shareWithHub", r.status, r.log_path AS "logPath", r.log_deleted_at AS "logDeletedAt",
  r.upload_bytes AS "uploadBytes", r.stored_bytes AS "storedBytes", r.gzip, r.lines, r.bytes, r.skipped, r.gzip_error AS "gzipError",
  r.hits, r.hit_lines AS "hitLines", r.hits_stored AS "hitsStored", r.indicators, r.complex_patterns AS "complexPatterns",
  r.complex_truncated AS "complexTruncated", r.retro_hits AS "retroHits", r.sightings, r.message,
  r.created_at AS "createdAt", r.started_at AS "startedAt", r.finished_at AS "finishedAt"`;

export interface NewHit {
  runId: string;
  orgId: string;
  indicatorId: string;
  kind: string;
  value: string;
  field: string;
  lineNo: number;
  line: string;
  seenAt: Date;
  foundBy: 'upload' | 'retrohunt';
  sightingId: string | null;
}

export interface HitRow {
  id: number;
  runId: string;
  indicatorId: string;
  kind: string;
  value: string;
  field: string;
  lineNo: number;
  line: string;
  seenAt: Date;
  foundBy: 'upload' | 'retrohunt';
  sightingId: string | null;
  createdAt: Date;
  filename: string | null;
}

export interface SightingRow extends Sharing {
  id: string;
  indicatorId: string;
  orgId: string;
  count: number;
  firstSeen: Date;
  lastSeen: Date;
  created: Date;
  modified: Date;
}

const SIGHTING_COLS = sql`s.id, s.indicator_id AS "indicatorId", s.org_id AS "orgId", s.count, s.first_seen AS "firstSeen",
  s.last_seen AS "lastSeen", s.created, s.modified, s.owner_org_id AS "ownerOrgId", s.tlp, s.community_ids AS "communityIds",
  s.recipient_org_ids AS "recipientOrgIds", s.recipient_user_ids AS "recipientUserIds", s.created_by AS "createdBy"`;

export interface RunSummaryUpdate {
  status: RunStatus;
  format?: string | null;
  gzip?: boolean | null;
  lines?: number;
  bytes?: number;
  skipped?: Record<string, number>;
  gzipError?: string | null;
  hits?: number;
  hitLines?: number;
  hitsStored?: number;
  indicators?: number;
  complexPatterns?: number;
  complexTruncated?: boolean;
  sightings?: number;
  message?: string | null;
  storedBytes?: number;
  uploadBytes?: number;
  logPath?: string | null;
  started?: boolean;
  finished?: boolean;
}

export function createDetectRepo(db: Db) {
  return {
    async insertRun(tx: DbOrTx, r: { id: string; orgId: string; createdBy: string | null; filename: string | null; formatRequested: string; tlp: Tlp; shareWithHub: boolean }): Promise<void> {
      await sql`INSERT INTO detect_runs (id, org_id, created_by, filename, format_requested, tlp, share_with_hub)
        VALUES (${r.id}, ${r.orgId}, ${r.createdBy}, ${r.filename}, ${r.formatRequested}, ${r.tlp}, ${r.shareWithHub})`.execute(tx);
    },

    async updateRun(tx: DbOrTx, id: string, u: RunSummaryUpdate): Promise<void> {
      const sets = [sql`status = ${u.status}`];
      const col = (name: string, v: unknown) => sets.push(sql`${sql.ref(name)} = ${v}`);
      if (u.format !== undefined) col('format', u.format);
      if (u.gzip !== undefined) col('gzip', u.gzip);
      if (u.lines !== undefined) col('lines', u.lines);
      if (u.bytes !== undefined) col('bytes', u.bytes);
      if (u.skipped !== undefined) sets.push(sql`skipped = ${JSON.stringify(u.skipped)}::jsonb`);
      if (u.gzipError !== undefined) col('gzip_error', u.gzipError);
      if (u.hits !== undefined) col('hits', u.hits);
      if (u.hitLines !== undefined) col('hit_lines', u.hitLines);
      if (u.hitsStored !== undefined) col('hits_stored', u.hitsStored);
      if (u.indicators !== undefined) col('indicators', u.indicators);
      if (u.complexPatterns !== undefined) col('complex_patterns', u.complexPatterns);
      if (u.complexTruncated !== undefined) col('complex_truncated', u.complexTruncated);
      if (u.sightings !== undefined) col('sightings', u.sightings);
      if (u.message !== undefined) col('message', u.message);
      if (u.storedBytes !== undefined) col('stored_bytes', u.storedBytes);
      if (u.uploadBytes !== undefined) col('upload_bytes', u.uploadBytes);
      if (u.logPath !== undefined) col('log_path', u.logPath);
      if (u.started) sets.push(sql`started_at = now()`);
      if (u.finished) sets.push(sql`finished_at = now()`);
      await sql`UPDATE detect_runs SET ${sql.join(sets, sql`, `)} WHERE id = ${id}`.execute(tx);
    },

    async addRetroHits(tx: DbOrTx, id: string, n: number): Promise<void> {
      await sql`UPDATE detect_runs SET retro_hits = retro_hits + ${n} WHERE id = ${id}`.execute(tx);
    },

    async getRun(orgId: string | null, id: string, tx: DbOrTx = db): Promise<RunRow | null> {
      const r = await sql<RunRow>`SELECT ${RUN_COLUMNS} FROM detect_runs r WHERE r.id = ${id} ${orgId ? sql`AND r.org_id = ${orgId}` : sql``}`.execute(tx);
      return r.rows[0] ?? null;
    },

    async listRuns(orgId: string, limit: number, offset: number): Promise<{ items: RunRow[]; total: number }> {
      const [items, total] = await Promise.all([
        sql<RunRow>`SELECT ${RUN_COLUMNS} FROM detect_runs r WHERE r.org_id = ${orgId} ORDER BY r.created_at DESC, r.id LIMIT ${limit} OFFSET ${offset}`.execute(db),
        sql<{ n: number }>`SELECT count(*)::int AS n FROM detect_runs WHERE org_id = ${orgId}`.execute(db),
      ]);
      return { items: items.rows, total: total.rows[0]?.n ?? 0 };
    },

    /** Runs whose log is still retained, completed, of organisations, oldest first. */
    async retainedRuns(orgId?: string): Promise<RunRow[]> {
      const r = await sql<RunRow>`SELECT ${RUN_COLUMNS} FROM detect_runs r WHERE r.log_path IS NOT NULL AND r.status = 'complete'
        ${orgId ? sql`AND r.org_id = ${orgId}` : sql``} ORDER BY r.created_at`.execute(db);
      return r.rows;
    },

    async orgsWithRetainedLogs(): Promise<string[]> {
      const r = await sql<{ orgId: string }>`SELECT DISTINCT org_id AS "orgId" FROM detect_runs WHERE log_path IS NOT NULL AND status = 'complete'`.execute(db);
      return r.rows.map((x) => x.orgId);
    },

    async expiredLogs(before: Date): Promise<{ id: string; orgId: string; logPath: string }[]> {
      const r = await sql<{ id: string; orgId: string; logPath: string }>`SELECT id, org_id AS "orgId", log_path AS "logPath" FROM detect_runs
        WHERE log_path IS NOT NULL AND created_at < ${before} ORDER BY created_at LIMIT 1000`.execute(db);
      return r.rows;
    },

    async markLogDeleted(tx: DbOrTx, id: string): Promise<void> {
      await sql`UPDATE detect_runs SET log_path = NULL, log_deleted_at = now() WHERE id = ${id}`.execute(tx);
    },

    /** Inserts hits, skipping ones already recorded (the same run, indicator, line, value, field); answers the inserted. */
    async insertHits(tx: DbOrTx, hits: NewHit[]): Promise<{ indicatorId: string; lineNo: number; seenAt: Date }[]> {
      const out: { indicatorId: string; lineNo: number; seenAt: Date }[] = [];
      for (let i = 0; i < hits.length; i += 1000) {
        const b = hits.slice(i, i + 1000);
        const col = <K extends keyof NewHit>(k: K) => b.map((h) => h[k]);
        const r = await sql<{ indicatorId: string; lineNo: number; seenAt: Date }>`
          INSERT INTO detect_hits (run_id, org_id, indicator_id, kind, value, field, line_no, line, seen_at, found_by, sighting_id)
          SELECT * FROM unnest(${col('runId')}::uuid[], ${col('orgId')}::uuid[], ${col('indicatorId')}::text[], ${col('kind')}::text[],
            ${col('value')}::text[], ${col('field')}::text[], ${col('lineNo')}::bigint[], ${col('line')}::text[], ${col('seenAt')}::timestamptz[],
            ${col('foundBy')}::text[], ${col('sightingId')}::text[])
          ON CONFLICT DO NOTHING
          RETURNING indicator_id AS "indicatorId", line_no AS "lineNo", seen_at AS "seenAt"`.execute(tx);
        out.push(...r.rows);
      }
      return out;
    },

    async setHitSightings(tx: DbOrTx, runId: string, sightings: Map<string, string>): Promise<void> {
      if (!sightings.size) return;
      await sql`UPDATE detect_hits h SET sighting_id = v.sid FROM unnest(${[...sightings.keys()]}::text[], ${[...sightings.values()]}::text[]) AS v(iid, sid)
        WHERE h.run_id = ${runId} AND h.indicator_id = v.iid AND h.sighting_id IS NULL`.execute(tx);
    },

    async listHits(orgId: string, q: { runId?: string; indicatorId?: string; limit: number; beforeId?: number }): Promise<HitRow[]> {
      const r = await sql<HitRow>`SELECT h.id, h.run_id AS "runId", h.indicator_id AS "indicatorId", h.kind, h.value, h.field, h.line_no AS "lineNo",
          h.line, h.seen_at AS "seenAt", h.found_by AS "foundBy", h.sighting_id AS "sightingId", h.created_at AS "createdAt", r.filename
        FROM detect_hits h JOIN detect_runs r ON r.id = h.run_id
        WHERE h.org_id = ${orgId}
          ${q.runId ? sql`AND h.run_id = ${q.runId}` : sql``}
          ${q.indicatorId ? sql`AND h.indicator_id = ${q.indicatorId}` : sql``}
          ${q.beforeId ? sql`AND h.id < ${q.beforeId}` : sql``}
        ORDER BY h.id DESC LIMIT ${q.limit}`.execute(db);
      return r.rows;
    },

    /** The sighting counter row, locked for this transaction (created empty when new). */
    async lockSighting(tx: DbOrTx, s: Omit<SightingRow, 'count' | 'firstSeen' | 'lastSeen' | 'created' | 'modified'> & { firstSeen: Date; lastSeen: Date; now: Date }): Promise<SightingRow & { fresh: boolean }> {
      const ins = await sql<{ id: string }>`INSERT INTO detect_sightings (id, indicator_id, org_id, count, first_seen, last_seen, created, modified,
          owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by)
        VALUES (${s.id}, ${s.indicatorId}, ${s.orgId}, 0, ${s.firstSeen}, ${s.lastSeen}, ${s.now}, ${s.now}, ${s.ownerOrgId}, ${s.tlp},
          ${s.communityIds}::uuid[], ${s.recipientOrgIds}::uuid[], ${s.recipientUserIds}::uuid[], ${s.createdBy})
        ON CONFLICT (id) DO NOTHING RETURNING id`.execute(tx);
      const r = await sql<SightingRow>`SELECT id, indicator_id AS "indicatorId", org_id AS "orgId", count, first_seen AS "firstSeen", last_seen AS "lastSeen",
          created, modified, owner_org_id AS "ownerOrgId", tlp, community_ids AS "communityIds", recipient_org_ids AS "recipientOrgIds",
          recipient_user_ids AS "recipientUserIds", created_by AS "createdBy"
        FROM detect_sightings WHERE id = ${s.id} FOR UPDATE`.execute(tx);
      return { ...r.rows[0]!, fresh: ins.rows.length > 0 };
    },

    async saveSighting(tx: DbOrTx, s: { id: string; count: number; firstSeen: Date; lastSeen: Date; modified: Date; recipientOrgIds: string[]; communityIds: string[] }): Promise<void> {
      await sql`UPDATE detect_sightings SET count = ${s.count}, first_seen = ${s.firstSeen}, last_seen = ${s.lastSeen}, modified = ${s.modified},
        recipient_org_ids = ${s.recipientOrgIds}::uuid[], community_ids = ${s.communityIds}::uuid[] WHERE id = ${s.id}`.execute(tx);
    },

    /** Sightings the actor may see (the stored sighting's own sharing), newest first. */
    /** Sightings the actor may see, last changed first, after the keyset `before` (the situation room's feed); or the one with `id`. */
    async recentSightings(actor: Actor, q: { limit: number; before?: { at: Date; id: string }; id?: string }): Promise<SightingRow[]> {
      const after = q.before ? sql`AND (s.modified, s.id) < (${q.before.at}, ${q.before.id})` : sql``;
      const one = q.id !== undefined ? sql`AND s.id = ${q.id}` : sql``;
      const r = await sql<SightingRow>`SELECT ${SIGHTING_COLS} FROM detect_sightings s WHERE s.count > 0 AND ${visibleTo(actor, 's')} ${after} ${one}
        ORDER BY s.modified DESC, s.id DESC LIMIT ${q.limit}`.execute(db);
      return r.rows;
    },
    /** Sightings the actor may see changed at or after `since`, counted up to `cap`. */
    async countSightingsSince(actor: Actor, since: Date, cap: number): Promise<number> {
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM detect_sightings s WHERE s.count > 0 AND ${visibleTo(actor, 's')}
        AND s.modified >= ${since} LIMIT ${cap}) c`.execute(db);
      return r.rows[0]!.n;
    },

    async visibleSightings(actor: Actor, limit: number): Promise<SightingRow[]> {
      const r = await sql<SightingRow>`SELECT ${SIGHTING_COLS}
        FROM detect_sightings s WHERE s.count > 0 AND ${visibleTo(actor, 's')} ORDER BY s.modified DESC LIMIT ${limit}`.execute(db);
      return r.rows;
    },
  };
}
export type DetectRepo = ReturnType<typeof createDetectRepo>;
