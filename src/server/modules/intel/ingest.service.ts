import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import { detectColumns, type ColumnMapping } from '../../../lib/csv-indicators/index.ts';
import type { Actor } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import { withTx, type Tx } from '../../core/db.ts';
import { AppError, errors } from '../../core/http/errors.ts';
import type { IntelDeps } from './index.ts';
import type { IngestKind, IngestRow } from './intel.repo.ts';
import type { Ingest, IngestUploadQuery } from './intel.schemas.ts';
import { requireReader, requireSharer, type IntelService, type SharingRequest } from './intel.service.ts';
import { INGEST_JOB, type IngestOptions } from './ingest.job.ts';

/** Largest upload accepted by POST /api/intel/ingests. */
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
const PREVIEW_BYTES = 256 * 1024;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function ingestView(r: IngestRow): Ingest {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    filename: r.filename,
    feedId: r.feedId,
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    total: r.total,
    inserted: r.inserted,
    duplicates: r.duplicates,
    rejected: r.rejected,
    bytesRead: Number(r.bytesRead),
    bytesTotal: r.bytesTotal === null ? null : Number(r.bytesTotal),
    progress: r.status === 'complete' ? 1 : r.bytesTotal ? Math.min(1, Number(r.bytesRead) / Number(r.bytesTotal)) : null,
    errors: r.errors as Ingest['errors'],
    errorsOmitted: r.errorsOmitted,
    message: r.message,
  };
}

export function createIngestService(deps: IntelDeps, intel: IntelService) {
  const { repo, core } = deps;
  const db = core.database.db;
  const uploadDir = path.join(core.config.dataDir, 'uploads');

  /** Creates the ingest row and enqueues its job, in one transaction with the audit entry (and `then`, e.g. the MISP feed's state). */
  async function enqueue(
    actor: Actor & { orgId: string },
    i: { kind: IngestKind; filename: string | null; filePath: string | null; bytesTotal: number | null; options: IngestOptions; feedId?: string },
    then?: (tx: Tx, ingestId: string) => Promise<void>,
  ) {
    const id = await withTx(db, async (tx) => {
      await intel.ensureOrgIdentity(tx, actor, actor.orgId);
      const id = await repo.createIngest(tx, { ...i, options: i.options as unknown as Record<string, unknown>, orgId: actor.orgId, userId: actor.userId });
      await audit(tx, actor, { action: 'intel.ingest.create', subjectType: 'intel_ingest', subjectId: id, details: { kind: i.kind, filename: i.filename, bytes: i.bytesTotal, feedId: i.feedId ?? null } });
      await core.jobs.send(INGEST_JOB, { ingestId: id }, { tx });
      await then?.(tx, id);
      return id;
    });
    return ingestView((await repo.getIngest(id))!);
  }

  function optionsFor(actor: Actor, req: SharingRequest): IngestOptions {
    const share: IngestOptions['share'] = {};
    if (req.tlp) share.tlp = req.tlp;
    if (req.communityIds) share.communityIds = req.communityIds;
    if (req.recipientOrgIds) share.recipientOrgIds = req.recipientOrgIds;
    if (req.recipientUserIds) share.recipientUserIds = req.recipientUserIds;
    return { share, audience: actor.communityIds, actorName: actor.name };
  }

  return {
    /**
     * Streams an upload to <DATA_DIR>/uploads (never buffered: up to MAX_UPLOAD_BYTES), then queues
     * the ingest. Sharing and the CSV mapping are checked before a byte is written.
     */
    async upload(actor: Actor, body: Readable, q: IngestUploadQuery) {
      requireSharer(actor);
      await intel.shareFor(actor, q, 'upload', 'query.');
      let csv: IngestOptions['csv'];
      if (q.kind === 'csv') {
        if (!q.valueColumn) throw errors.validation([{ path: 'query.valueColumn', message: 'name the column holding the indicator values (see POST /api/intel/ingests/csv-preview)' }]);
        const mapping: ColumnMapping = { value: q.valueColumn };
        if (q.typeColumn) mapping.type = q.typeColumn;
        if (q.nameColumn) mapping.name = q.nameColumn;
        if (q.descriptionColumn) mapping.description = q.descriptionColumn;
        if (q.validFromColumn) mapping.valid_from = q.validFromColumn;
        if (q.validUntilColumn) mapping.valid_until = q.validUntilColumn;
        if (q.labelsColumn) mapping.labels = q.labelsColumn;
        if (q.confidenceColumn) mapping.confidence = q.confidenceColumn;
        if (q.tlpColumn) mapping.tlp = q.tlpColumn;
        csv = { mapping, ...(q.defaultType ? { defaultType: q.defaultType } : {}), ...(q.delimiter ? { delimiter: q.delimiter } : {}) };
      }
      mkdirSync(uploadDir, { recursive: true });
      const filePath = path.join(uploadDir, `${randomUUID()}.${q.kind}`);
      let bytes = 0;
      const limit = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          bytes += chunk.length;
          if (bytes > MAX_UPLOAD_BYTES) cb(new AppError('BODY_TOO_LARGE', 413, `Uploads may be at most ${MAX_UPLOAD_BYTES / 1048576} MB`));
          else cb(null, chunk);
        },
      });
      try {
        await pipeline(body, limit, createWriteStream(filePath));
      } catch (e) {
        await unlink(filePath).catch(() => {});
        if (e instanceof AppError) throw e;
        throw errors.badRequest('INTEL_UPLOAD_FAILED', `The upload did not complete: ${(e as Error).message}`, { path: 'body' });
      }
      if (bytes === 0) {
        await unlink(filePath).catch(() => {});
        throw errors.badRequest('INTEL_UPLOAD_EMPTY', 'The upload is empty', { path: 'body' });
      }
      const options = optionsFor(actor, q);
      if (csv) options.csv = csv;
      try {
        return await enqueue(actor, { kind: q.kind, filename: q.filename ?? null, filePath, bytesTotal: bytes, options });
      } catch (e) {
        await unlink(filePath).catch(() => {});
        throw e;
      }
    },

    async list(actor: Actor, limit: number) {
      requireReader(actor);
      if (!actor.orgId) return [];
      return (await repo.listIngests(actor.orgId, limit)).map(ingestView);
    },

    /** An ingest is its organisation's: anyone else gets 404. */
    async get(actor: Actor, id: string) {
      requireReader(actor);
      const r = await repo.getIngest(id);
      if (!r || (actor.kind !== 'system' && (!actor.orgId || r.orgId !== actor.orgId))) throw errors.notFound('ingest', 'INTEL_INGEST_NOT_FOUND');
      return ingestView(r);
    },

    /** The mapping step: detected columns and the first rows of a CSV (only its first 256 KB are read). */
    async csvPreview(actor: Actor, body: Readable, delimiter?: string) {
      requireSharer(actor);
      const chunks: Buffer[] = [];
      let n = 0;
      for await (const c of body as AsyncIterable<Buffer>) {
        chunks.push(c);
        n += c.length;
        if (n >= PREVIEW_BYTES) break;
      }
      body.resume();
      let text = Buffer.concat(chunks).subarray(0, PREVIEW_BYTES).toString('utf8');
      if (n >= PREVIEW_BYTES) text = text.slice(0, Math.max(0, text.lastIndexOf('\n')));
      if (!text.trim()) throw errors.badRequest('INTEL_CSV_EMPTY', 'The CSV is empty', { path: 'body' });
      const d = await detectColumns(text, { ...(delimiter ? { delimiter } : {}), maxRows: 50 });
      let rows: string[][] = [];
      try {
        rows = (parse(text, { delimiter: delimiter ?? ',', bom: true, relax_column_count: true, skip_empty_lines: true, to: 11 }) as string[][]).slice(1);
      } catch {
        rows = [];
      }
      return {
        header: d.header,
        mapping: d.mapping as Record<string, string | number> | null,
        defaultType: d.defaultType,
        columnTypes: d.columnTypes as Record<string, string | null>,
        rows: rows.map((r) => r.map((c) => String(c).slice(0, 500))),
      };
    },

    enqueue,
    optionsFor,
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
