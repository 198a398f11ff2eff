import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { matchLogs, type Hit, type LogFormat, type MatchSummary } from '../../../lib/logmatch/index.ts';
import { uuidv5 } from '../../../lib/stix/index.ts';
import { hasScope, systemActor, type Actor } from '../../core/access/actor.ts';
import type { Tlp } from '../../core/access/tlp.ts';
import type { Sharing } from '../../core/access/visibility.ts';
import { audit } from '../../core/audit/audit.ts';
import { withTx, type Tx } from '../../core/db.ts';
import { publishEvent } from '../../core/events/events.ts';
import { AppError, errors } from '../../core/http/errors.ts';
import type { Core } from '../../core/module.ts';
import type { DirectoryService } from '../directory/index.ts';
import type { IntelPublic, ShareOptions } from '../intel/index.ts';
import { matchComplex } from './detect.complex.ts';
import { buildDetectIndex, IndexCache, type DetectIndex } from './detect.index.ts';
import type { DetectRepo, NewHit, RunRow } from './detect.repo.ts';

/** Uploads up to this size are matched inline (the response is the finished run); larger ones run as a job. */
export const INLINE_MAX_BYTES = Number(process.env.DETECT_INLINE_MAX_BYTES ?? 64 * 1024 * 1024);
/** Upload cap. */
export const MAX_UPLOAD_BYTES = Number(process.env.DETECT_MAX_UPLOAD_BYTES ?? 2 * 1024 * 1024 * 1024);
/** Hits kept per run (every hit is counted and feeds the sightings; only these are stored to list). */
export const MAX_STORED_HITS = 10_000;
/** Characters of a log line kept with a hit. */
export const HIT_LINE_CHARS = 1000;
/** Per-organisation index cache lifetime (also dropped whenever indicators arrive). */
export const INDEX_TTL_MS = 5 * 60 * 1000;
/** Progress events every this many bytes of log read. */
const PROGRESS_BYTES = 16 * 1024 * 1024;

export const RUN_JOB = 'detect.run';
export const RETROHUNT_JOB = 'detect.retrohunt';
export const RETENTION_JOB = 'detect.retention';

/** Namespace of this module's deterministic sighting ids (one sighting per organisation, indicator and TLP). */
const SIGHTING_NAMESPACE = '0f4f7f0e-3b8e-5d55-a6a4-5f0a9d9e2d10';

export const FORMATS = ['auto', 'jsonl', 'csv', 'zeek', 'syslog', 'cef', 'text'] as const;
export type UploadFormat = (typeof FORMATS)[number];

export interface UploadQuery {
  format: UploadFormat;
  tlp: Tlp;
  filename?: string;
  shareWithHub: boolean;
}

interface Agg {
  lines: number;
  lastLine: number;
  first: number;
  last: number;
}

export interface DetectDeps {
  core: Core;
  repo: DetectRepo;
  intel: IntelPublic;
  directory: DirectoryService;
}

/** Signed in, with the read scope (shared reads such as sightings need no organisation of one's own). */
function requireReadScope(actor: Actor): void {
  if (actor.kind === 'anonymous') throw errors.unauthenticated();
  if (!hasScope(actor, 'read')) throw errors.forbidden('AUTH_SCOPE', 'This token lacks the read scope');
}

function requireReader(actor: Actor): asserts actor is Actor & { orgId: string } {
  requireReadScope(actor);
  if (!actor.orgId) throw errors.forbidden('DETECT_NO_ORG', 'Detection works for an organisation: act for one first');
}

function requireUploader(actor: Actor): asserts actor is Actor & { orgId: string } {
  if (actor.kind === 'anonymous') throw errors.unauthenticated();
  if (!hasScope(actor, 'write')) throw errors.forbidden('AUTH_SCOPE', 'This token lacks the write scope');
  if (!actor.orgId) throw errors.forbidden('DETECT_NO_ORG', 'Detection works for an organisation: act for one first');
}

const validTime = (iso: string | undefined, fallback: number): number => {
  if (!iso) return fallback;
  const t = Date.parse(iso);
  // a log timestamp far outside reason (epoch 0, year 9999) is not used for first/last seen
  return Number.isFinite(t) && t > Date.UTC(1990, 0, 1) && t < fallback + 24 * 3600 * 1000 ? t : fallback;
};

export function createDetectService(deps: DetectDeps) {
  const { core, repo, intel, directory } = deps;
  const db = core.database.db;
  const cache = new IndexCache(INDEX_TTL_MS);
  const logsDir = path.join(core.config.dataDir, 'logs');

  /**
   * The organisation as a reader: its path and communities, no person (so RED indicators, which name
   * people, never enter an organisation's detection index) and not a system actor (which sees all).
   */
  async function orgActor(orgId: string): Promise<Actor> {
    const ctx = await directory.actorContext(orgId);
    return {
      kind: 'token', userId: null, name: 'system:detect', orgId, orgPath: ctx.orgPath.length ? ctx.orgPath : [orgId], communityIds: ctx.communityIds,
      orgKind: ctx.orgKind, role: 'member', platformAdmin: false, scopes: ['read'],
    };
  }

  function indexFor(orgId: string): Promise<DetectIndex> {
    return cache.get(orgId, Date.now(), async () => buildDetectIndex(intel.indicators(await orgActor(orgId)), core.clock.now()));
  }

  /** Name, kind and state of organisations, looked up once per id (for one read). */
  function orgInfoLookup() {
    const orgs = new Map<string, { name: string; kind: string; state: string | null } | null>();
    return async (id: string) => {
      if (!orgs.has(id)) {
        try {
          const o = await directory.getOrg(systemActor('detect'), id);
          orgs.set(id, { name: o.name, kind: o.kind, state: o.jurisdictionFips ? o.jurisdictionFips.slice(0, 2) : null });
        } catch {
          orgs.set(id, null);
        }
      }
      return orgs.get(id)!;
    };
  }

  async function hubOrgIds(): Promise<string[]> {
    const r = await directory.listOrgs(systemActor('detect'), { kind: 'national_hub', sort: 'name', page: 1, pageSize: 200 });
    return r.items.map((o) => o.id);
  }

  /** Adds `aggs` to the organisation's sightings (a new version of each), stored through intel. */
  async function recordSightings(tx: Tx, run: RunRow, shareActor: Actor, aggs: Map<string, Agg>, pre: { communityIds: string[]; hubs: string[] }): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    if (!aggs.size) return ids;
    const { communityIds, hubs } = pre;
    // the organisation's identity is intel's: stored there (in this transaction) when it does not hold it yet
    const identity = await intel.ensureOrgIdentity(tx, systemActor('detect'), run.orgId);
    const tlp = run.tlp;
    const recipientOrgIds = run.shareWithHub ? hubs.filter((h) => h !== run.orgId) : [];
    const recipientUserIds = tlp === 'RED' && run.createdBy ? [run.createdBy] : [];
    for (const [indicatorId, a] of [...aggs].sort(([x], [y]) => (x < y ? -1 : 1))) {
      const key = `${run.orgId}|${indicatorId}|${tlp}${tlp === 'RED' ? `|${run.createdBy ?? ''}` : ''}`;
      const id = `sighting--${uuidv5(SIGHTING_NAMESPACE, key)}`;
      const now = core.clock.now();
      const row = await repo.lockSighting(tx, {
        id, indicatorId, orgId: run.orgId, ownerOrgId: run.orgId, tlp, communityIds, recipientOrgIds, recipientUserIds, createdBy: shareActor.userId,
        firstSeen: new Date(a.first), lastSeen: new Date(a.last), now,
      });
      const count = Math.min(999_999_999, row.count + a.lines);
      const firstSeen = new Date(row.fresh ? a.first : Math.min(row.firstSeen.getTime(), a.first));
      const lastSeen = new Date(row.fresh ? a.last : Math.max(row.lastSeen.getTime(), a.last));
      const modified = row.fresh ? row.created : new Date(Math.max(now.getTime(), row.modified.getTime() + 1));
      const sighting = {
        type: 'sighting', spec_version: '2.1', id, created: row.created.toISOString(), modified: modified.toISOString(), created_by_ref: identity,
        sighting_of_ref: indicatorId, count, first_seen: firstSeen.toISOString(), last_seen: lastSeen.toISOString(), where_sighted_refs: [identity],
      };
      const share: ShareOptions = { actor: shareActor, ownerOrgId: run.orgId, tlp, communityIds, recipientOrgIds, recipientUserIds, source: 'detect' };
      const r = await intel.store(tx, share, [sighting]);
      if (r.rejected.length) throw new Error(`sighting rejected by intel: ${JSON.stringify(r.rejected[0]!.errors)}`);
      await repo.saveSighting(tx, { id, count, firstSeen, lastSeen, modified, recipientOrgIds, communityIds });
      ids.set(indicatorId, id);
    }
    return ids;
  }

  /** Stores the body: gzip as received, anything else gzip-compressed; answers bytes received and stored. */
  async function storeUpload(body: Readable, file: string): Promise<{ uploadBytes: number; storedBytes: number; gzip: boolean }> {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.part`;
    const it = (body as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let headLen = 0;
    let ended = false;
    while (headLen < 2) {
      const r = await it.next();
      if (r.done) {
        ended = true;
        break;
      }
      const b = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
      head.push(b);
      headLen += b.length;
    }
    const first = Buffer.concat(head);
    const gzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
    let uploadBytes = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        uploadBytes += chunk.length;
        if (uploadBytes > MAX_UPLOAD_BYTES) cb(new AppError('BODY_TOO_LARGE', 413, `Log uploads may be at most ${Math.round(MAX_UPLOAD_BYTES / 1048576)} MB`));
        else cb(null, chunk);
      },
    });
    async function* all(): AsyncGenerator<Buffer> {
      if (first.length) yield first;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
      }
    }
    try {
      if (gzip) await pipeline(Readable.from(all()), limit, createWriteStream(tmp));
      else await pipeline(Readable.from(all()), limit, createGzip({ level: 6 }), createWriteStream(tmp));
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    return { uploadBytes, storedBytes: (await stat(file)).size, gzip };
  }

  async function progressEvent(orgId: string, runId: string, s: MatchSummary, total: number): Promise<void> {
    await withTx(db, (tx) =>
      publishEvent(tx, {
        topic: 'detect.run.progress', subjectId: runId, sharing: strictTo(orgId),
        payload: { runId, lines: s.lines, bytes: s.bytes, hits: s.hits, storedBytes: total },
      }),
    );
  }

  /** Matches a stored log against an index; aggregates per indicator, keeps at most MAX_STORED_HITS hits. */
  async function matchFile(run: RunRow, file: string, idx: DetectIndex, foundBy: 'upload' | 'retrohunt', onProgress?: (s: MatchSummary) => void) {
    const at = (run.startedAt ?? run.createdAt).getTime();
    const aggs = new Map<string, Agg>();
    const hits: NewHit[] = [];
    const add = (indicatorId: string, lineNo: number, t: number) => {
      const a = aggs.get(indicatorId);
      if (!a) aggs.set(indicatorId, { lines: 1, lastLine: lineNo, first: t, last: t });
      else {
        if (a.lastLine !== lineNo) {
          a.lines++;
          a.lastLine = lineNo;
        }
        a.first = Math.min(a.first, t);
        a.last = Math.max(a.last, t);
      }
    };
    const complexIds = new Set(idx.complex.map((c) => c.id));
    const exactLines = new Set<string>();
    const format = run.formatRequested === 'auto' ? undefined : (run.formatRequested as LogFormat);
    const m = matchLogs(createReadStream(file), idx.index, { format, maxHitLineChars: HIT_LINE_CHARS, onProgress });
    for await (const h of m as AsyncIterable<Hit>) {
      const t = validTime(h.timestamp, at);
      for (const indicatorId of h.indicatorIds) {
        add(indicatorId, h.lineNo, t);
        if (complexIds.has(indicatorId)) exactLines.add(`${indicatorId}\u0000${h.lineNo}`);
        if (hits.length < MAX_STORED_HITS) {
          hits.push({ runId: run.id, orgId: run.orgId, indicatorId, kind: h.kind, value: h.value.slice(0, 2000), field: (h.field ?? '').slice(0, 500), lineNo: h.lineNo, line: h.line, seenAt: new Date(t), foundBy, sightingId: null });
        }
      }
    }
    const summary = m.summary;
    const complex = await matchComplex(file, idx.complex, new Date(at).toISOString(), HIT_LINE_CHARS);
    let extraHits = 0;
    for (const c of complex.hits) {
      if (exactLines.has(`${c.indicatorId}\u0000${c.lineNo}`)) continue;
      extraHits++;
      add(c.indicatorId, c.lineNo, at);
      if (hits.length < MAX_STORED_HITS) {
        hits.push({ runId: run.id, orgId: run.orgId, indicatorId: c.indicatorId, kind: `pattern:${c.kind}`, value: c.value.slice(0, 2000), field: '', lineNo: c.lineNo, line: c.line, seenAt: new Date(at), foundBy, sightingId: null });
      }
    }
    return { summary, aggs, hits, extraHits, complexTruncated: complex.truncated };
  }

  const strictTo = (orgId: string): Sharing => ({ ownerOrgId: orgId, tlp: 'AMBER+STRICT', communityIds: [], recipientOrgIds: [orgId], recipientUserIds: [], createdBy: null });

  /** Matches one stored upload against the organisation's index; writes hits, sightings, the run summary, audit and event in one transaction. */
  async function processRun(runId: string): Promise<void> {
    const run = await repo.getRun(null, runId);
    if (!run || run.status === 'complete' || !run.logPath) return;
    await repo.updateRun(db, runId, { status: 'running', started: true });
    const started = { ...run, startedAt: core.clock.now() };
    try {
      const idx = await indexFor(run.orgId);
      const file = path.join(core.config.dataDir, run.logPath);
      let nextProgress = PROGRESS_BYTES;
      let pending: Promise<void> = Promise.resolve();
      const r = await matchFile(started, file, idx, 'upload', (s) => {
        if (s.bytes < nextProgress) return;
        nextProgress = s.bytes + PROGRESS_BYTES;
        pending = pending.then(() => progressEvent(run.orgId, run.id, s, run.storedBytes)).catch(() => {});
      });
      await pending;
      // sequential on purpose: fewer concurrent statements on the pool (see README, PGlite)
      const hubs = run.shareWithHub ? await hubOrgIds() : [];
      const ctx = await directory.actorContext(run.orgId);
      const uploader: Actor = run.createdBy
        ? { ...systemActor('detect'), kind: 'user', userId: run.createdBy, name: 'detect upload', orgId: run.orgId, orgPath: ctx.orgPath, communityIds: ctx.communityIds }
        : systemActor('detect');
      const s = r.summary;
      await withTx(db, async (tx) => {
        const sightings = await recordSightings(tx, started, uploader, r.aggs, { communityIds: ctx.communityIds, hubs });
        for (const h of r.hits) h.sightingId = sightings.get(h.indicatorId) ?? null;
        const inserted = await repo.insertHits(tx, r.hits);
        await repo.updateRun(tx, run.id, {
          status: 'complete', finished: true, format: s.format, lines: s.lines, bytes: s.bytes, skipped: { ...s.skipped }, gzipError: s.gzipError ?? null,
          hits: s.hits + r.extraHits, hitLines: s.hitLines, hitsStored: inserted.length, indicators: idx.indicators, complexPatterns: idx.complex.length,
          complexTruncated: r.complexTruncated || idx.complexDropped > 0, sightings: sightings.size,
        });
        await audit(tx, systemActor('detect'), { action: 'detect.run.complete', subjectType: 'detect_run', subjectId: run.id, details: { orgId: run.orgId, lines: s.lines, hits: s.hits + r.extraHits, sightings: sightings.size } });
        await publishEvent(tx, { topic: 'detect.run.completed', subjectId: run.id, sharing: strictTo(run.orgId), payload: { runId: run.id, lines: s.lines, hits: s.hits + r.extraHits, sightings: sightings.size } });
      });
    } catch (e) {
      core.log.error({ err: e, runId }, 'detect run failed');
      await withTx(db, async (tx) => {
        await repo.updateRun(tx, runId, { status: 'failed', finished: true, message: (e as Error).message.slice(0, 1000) });
        await audit(tx, systemActor('detect'), { action: 'detect.run.fail', subjectType: 'detect_run', subjectId: runId, details: { message: (e as Error).message.slice(0, 500) } });
      });
    }
  }

  /**
   * Retro-hunt: indicators added since `since` that an organisation may see are matched against its
   * retained logs; new hits (a hit already recorded is skipped) update its sightings and notify it.
   */
  async function retroHunt(since: Date): Promise<{ orgs: number; hits: number }> {
    let total = 0;
    let orgs = 0;
    for (const orgId of await repo.orgsWithRetainedLogs()) {
      const actor = await orgActor(orgId);
      const idx = await buildDetectIndex(intel.indicators(actor, { since }), core.clock.now());
      if (!idx.indicators) continue;
      const runs = await repo.retainedRuns(orgId);
      let orgHits = 0;
      const perIndicator = new Map<string, number>();
      for (const run of runs) {
        const r = await matchFile(run, path.join(core.config.dataDir, run.logPath!), idx, 'retrohunt');
        if (!r.hits.length) continue;
        const hubs = run.shareWithHub ? await hubOrgIds() : [];
        const ctx = await directory.actorContext(orgId);
        const sys = systemActor('detect-retrohunt');
        const n = await withTx(db, async (tx) => {
          const inserted = await repo.insertHits(tx, r.hits);
          if (!inserted.length) return 0;
          // sightings count only what is new (a line already recorded for that indicator is not counted twice)
          const aggs = new Map<string, Agg>();
          for (const h of inserted.sort((a, b) => a.lineNo - b.lineNo)) {
            const t = h.seenAt.getTime();
            const a = aggs.get(h.indicatorId);
            if (!a) aggs.set(h.indicatorId, { lines: 1, lastLine: h.lineNo, first: t, last: t });
            else {
              if (a.lastLine !== h.lineNo) a.lines++;
              a.lastLine = h.lineNo;
              a.first = Math.min(a.first, t);
              a.last = Math.max(a.last, t);
            }
          }
          const sightings = await recordSightings(tx, run, sys, aggs, { communityIds: ctx.communityIds, hubs });
          await repo.setHitSightings(tx, run.id, sightings);
          await repo.addRetroHits(tx, run.id, inserted.length);
          for (const [id, a] of aggs) perIndicator.set(id, (perIndicator.get(id) ?? 0) + a.lines);
          await audit(tx, sys, { action: 'detect.retrohunt.hit', subjectType: 'detect_run', subjectId: run.id, details: { orgId, hits: inserted.length, indicators: [...aggs.keys()].slice(0, 50) } });
          return inserted.length;
        });
        orgHits += n;
      }
      if (!orgHits) continue;
      orgs++;
      total += orgHits;
      const indicators = [...perIndicator].slice(0, 20).map(([id, lines]) => ({ id, name: idx.names.get(id) ?? null, lines }));
      const org = await directory.getOrg(systemActor('detect'), orgId);
      await withTx(db, async (tx) => {
        await publishEvent(tx, { topic: 'detect.retrohunt.hit', sharing: strictTo(orgId), payload: { hits: orgHits, indicators } });
        const to = org.contacts.filter((c) => c.is24x7 && c.email).map((c) => c.email!);
        if (to.length) {
          await core.mail.queue(tx, {
            to,
            subject: `Rampart: ${orgHits} retro-hunt hit${orgHits === 1 ? '' : 's'} in ${org.name}'s logs`,
            text:
              `Indicators shared with ${org.name} since your last uploads were found in logs you uploaded earlier:\n\n` +
              indicators.map((i) => `  - ${i.name ?? i.id}: ${i.lines} line${i.lines === 1 ? '' : 's'}`).join('\n') +
              `\n\nSee Detections in Rampart: ${core.config.PUBLIC_URL}/detect\n`,
          });
        }
      });
    }
    return { orgs, hits: total };
  }

  async function retention(): Promise<number> {
    const before = new Date(core.clock.now().getTime() - core.config.LOG_RETENTION_DAYS * 24 * 3600 * 1000);
    let n = 0;
    for (;;) {
      const expired = await repo.expiredLogs(before);
      if (!expired.length) return n;
      for (const e of expired) {
        await rm(path.join(core.config.dataDir, e.logPath), { force: true });
        await withTx(db, async (tx) => {
          await repo.markLogDeleted(tx, e.id);
          await audit(tx, systemActor('detect-retention'), { action: 'detect.log.delete', subjectType: 'detect_run', subjectId: e.id, details: { orgId: e.orgId, retentionDays: core.config.LOG_RETENTION_DAYS } });
        });
        n++;
      }
    }
  }

  return {
    cache,
    indexFor,
    processRun,
    retroHunt,
    retention,

    async upload(actor: Actor, body: Readable, q: UploadQuery): Promise<{ run: RunRow; inline: boolean }> {
      requireUploader(actor);
      const id = randomUUID();
      const rel = path.join('logs', actor.orgId, `${id}.gz`);
      await withTx(db, async (tx) => {
        await repo.insertRun(tx, { id, orgId: actor.orgId, createdBy: actor.userId, filename: q.filename ?? null, formatRequested: q.format, tlp: q.tlp, shareWithHub: q.shareWithHub });
        await audit(tx, actor, { action: 'detect.upload', subjectType: 'detect_run', subjectId: id, details: { filename: q.filename ?? null, format: q.format, tlp: q.tlp } });
      });
      let stored: { uploadBytes: number; storedBytes: number; gzip: boolean };
      try {
        stored = await storeUpload(body, path.join(logsDir, actor.orgId, `${id}.gz`));
      } catch (e) {
        await repo.updateRun(db, id, { status: 'failed', finished: true, message: (e as Error).message.slice(0, 1000) });
        throw e instanceof AppError ? e : errors.badRequest('DETECT_UPLOAD_FAILED', `The upload did not complete: ${(e as Error).message}`, { path: 'body' });
      }
      await repo.updateRun(db, id, { status: 'queued', logPath: rel, uploadBytes: stored.uploadBytes, storedBytes: stored.storedBytes, gzip: stored.gzip });
      if (stored.storedBytes > INLINE_MAX_BYTES) {
        await core.jobs.send(RUN_JOB, { runId: id });
        return { run: (await repo.getRun(actor.orgId, id))!, inline: false };
      }
      await processRun(id);
      return { run: (await repo.getRun(actor.orgId, id))!, inline: true };
    },

    async listRuns(actor: Actor, q: { limit: number; offset: number }) {
      requireReader(actor);
      return repo.listRuns(actor.orgId, q.limit, q.offset);
    },

    async getRun(actor: Actor, id: string) {
      requireReader(actor);
      const run = await repo.getRun(actor.orgId, id);
      if (!run) throw errors.notFound('detection run', 'DETECT_RUN_NOT_FOUND');
      return run;
    },

    /**
     * My organisation's hits, each with its indicator as the reader may see it (a hit on an indicator no longer
     * visible is left out) and the campaigns / threat actors related to it that the reader may see.
     */
    async listHits(actor: Actor, q: { runId?: string; indicatorId?: string; limit: number; cursor?: number }) {
      requireReader(actor);
      const rows = await repo.listHits(actor.orgId, { runId: q.runId, indicatorId: q.indicatorId, limit: q.limit, beforeId: q.cursor });
      const context = new Map<string, Record<string, unknown> | null>();
      for (const id of new Set(rows.map((r) => r.indicatorId))) context.set(id, await intel.getVisible(actor, id));
      // campaigns and actors as the reader may see them (intel leaves out what the reader may not see)
      const related = await intel.relatedOf(actor, [...context].flatMap(([id, ind]) => (ind ? [id] : [])));
      const items = rows.flatMap((r) => {
        const ind = context.get(r.indicatorId);
        if (!ind) return [];
        return [{ ...r, indicator: indicatorContext(ind), related: related.get(r.indicatorId) ?? [] }];
      });
      return { items, nextCursor: rows.length === q.limit ? rows[rows.length - 1]!.id : null };
    },

    /**
     * Single sightings the reader may see (their own sharing, via visibleTo), last changed first, keyset
     * paged, or the one with `id` — for the situation room. Each names its organisation, and its indicator
     * only when the reader may see that too (`indicatorName` null otherwise).
     */
    async recentSightings(actor: Actor, q: { limit: number; before?: { at: Date; id: string }; id?: string }) {
      requireReadScope(actor);
      const rows = await repo.recentSightings(actor, q);
      const orgInfo = orgInfoLookup();
      const names = new Map<string, string | null>();
      const out = [];
      for (const s of rows) {
        if (!names.has(s.indicatorId)) {
          const ind = await intel.getVisible(actor, s.indicatorId);
          names.set(s.indicatorId, ind ? (typeof ind.name === 'string' ? ind.name : typeof ind.pattern === 'string' ? ind.pattern : s.indicatorId) : null);
        }
        const o = await orgInfo(s.orgId);
        out.push({ ...s, indicatorName: names.get(s.indicatorId)!, orgName: o?.name ?? null, state: o?.state ?? null });
      }
      return out;
    },
    /** How many sightings the reader may see changed since `since` (counted up to `cap`). */
    async countSightingsSince(actor: Actor, since: Date, cap: number) {
      requireReadScope(actor);
      return repo.countSightingsSince(actor, since, cap);
    },

    /** Sightings the reader may see (their own sharing, via visibleTo), by indicator the reader may see. */
    async sightings(actor: Actor, q: { limit: number }) {
      requireReader(actor);
      const rows = await repo.visibleSightings(actor, 10_000);
      const byIndicator = new Map<string, typeof rows>();
      for (const s of rows) {
        if (!byIndicator.has(s.indicatorId)) byIndicator.set(s.indicatorId, []);
        byIndicator.get(s.indicatorId)!.push(s);
      }
      const orgInfo = orgInfoLookup();
      const items = [];
      for (const [indicatorId, ss] of byIndicator) {
        const ind = await intel.getVisible(actor, indicatorId);
        if (!ind) continue;
        const organisations = [];
        for (const orgId of new Set(ss.map((s) => s.orgId))) {
          const o = await orgInfo(orgId);
          const mine = ss.filter((s) => s.orgId === orgId);
          organisations.push({
            orgId, name: o?.name ?? null, kind: o?.kind ?? null, state: o?.state ?? null,
            count: mine.reduce((n, s) => n + s.count, 0),
            lastSeen: new Date(Math.max(...mine.map((s) => s.lastSeen.getTime()))).toISOString(),
          });
        }
        items.push({
          indicatorId, indicator: indicatorContext(ind),
          organisations: organisations.length,
          states: [...new Set(organisations.map((o) => o.state).filter((s): s is string => !!s))].sort(),
          count: ss.reduce((n, s) => n + s.count, 0),
          firstSeen: new Date(Math.min(...ss.map((s) => s.firstSeen.getTime()))).toISOString(),
          lastSeen: new Date(Math.max(...ss.map((s) => s.lastSeen.getTime()))).toISOString(),
          sightingIds: ss.map((s) => s.id),
          byOrganisation: organisations.sort((a, b) => b.count - a.count),
        });
      }
      items.sort((a, b) => b.organisations - a.organisations || b.count - a.count || (a.indicatorId < b.indicatorId ? -1 : 1));
      return { items: items.slice(0, q.limit) };
    },
  };
}
export type DetectService = ReturnType<typeof createDetectService>;

function indicatorContext(o: Record<string, unknown>) {
  const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    id: String(o.id),
    name: typeof o.name === 'string' ? o.name : null,
    pattern: typeof o.pattern === 'string' ? o.pattern : null,
    indicatorTypes: strs(o.indicator_types),
    labels: strs(o.labels),
  };
}
