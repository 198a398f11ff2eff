import { createReadStream, statSync } from 'node:fs';
import { unlink, readFile } from 'node:fs/promises';
import { mispEventToStix, MispValidationError, parseMispFeedManifest, mispFeedEventsSince, mispFeedEventPath } from '../../../lib/misp/index.ts';
import { csvToIndicators, INDICATOR_TYPES, type ColumnMapping, type IndicatorType } from '../../../lib/csv-indicators/index.ts';
import { systemActor, type Actor } from '../../core/access/actor.ts';
import type { Tlp } from '../../core/access/tlp.ts';
import { withTx } from '../../core/db.ts';
import { publishEvent } from '../../core/events/events.ts';
import type { IntelDeps } from './index.ts';
import type { IngestRow } from './intel.repo.ts';
import type { ShareOptions } from './intel.store.ts';
import { BatchBuilder, planBatch, writeBatch, type BatchItem, type PreparedBatch } from './ingest.batch.ts';
import { orgIdentityId } from './intel.service.ts';
import { BundleFormatError, BundleScanner, parseElement } from './ingest.stix.ts';
import { mispFeedHeaders, recordMispFeedPull } from './misp-feeds.ts';
import { SecretError } from '../../core/secrets.ts';
import { createMispFeedRepo } from './misp-feeds.repo.ts';
import { assertReachableUpstream } from './taxii/taxii.client.ts';

/**
 * The ingest job (`intel.ingest`, pg-boss): reads an uploaded file (STIX bundle, MISP event, CSV)
 * or pulls a MISP feed, and stores what it finds in batches of BATCH_SIZE objects, each batch in
 * one transaction with its audit entry, the ingest row's counters and a progress event for the
 * uploading organisation. Each object is validated as it is read; the next batch is prepared while the
 * previous one is written.
 */
export const INGEST_JOB = 'intel.ingest';
export const BATCH_SIZE = 5000;
/** Stored per-object errors per ingest; the rest are counted in errors_omitted. */
export const MAX_STORED_ERRORS = 1000;
export const MAX_ELEMENT_BYTES = 64 * 1024 * 1024;
export const MAX_MISP_BYTES = 200 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 60_000;
/**
 * Items prepared between two turns of the event loop while a batch is being written (≈ 0.6 ms of work):
 * after its insert, a batch's transaction is ten short statements (audit, events, counters, COMMIT), and
 * PostgreSQL waits for each reply to be answered. Every 16 against every 64, 1M objects, alternated
 * pairs (intel README): 21,123 / 20,710 against 20,917 / 20,221 objects/s (session 6); 21,870 / 21,995
 * against 21,947 / 21,329 (session 5).
 */
const YIELD_EVERY = 16;

export interface IngestOptions {
  share: { tlp?: Tlp; communityIds?: string[]; recipientOrgIds?: string[]; recipientUserIds?: string[] };
  /** The uploader's communities (the default audience). */
  audience: string[];
  actorName: string;
  csv?: { mapping: ColumnMapping | null; defaultType?: string; delimiter?: string };
}

export interface IngestErrorEntry {
  index?: number;
  row?: number;
  id?: string | null;
  rule: string;
  path: string;
  message: string;
}

class Progress {
  total = 0;
  inserted = 0;
  duplicates = 0;
  rejected = 0;
  storedErrors = 0;
  bytesRead = 0;
  bytesTotal: number | null = null;
  pendingErrors: IngestErrorEntry[] = [];
  pendingOmitted = 0;

  addError(e: IngestErrorEntry): void {
    if (this.storedErrors < MAX_STORED_ERRORS) {
      this.pendingErrors.push(e);
      this.storedErrors++;
    } else this.pendingOmitted++;
  }
}

export function createIngestRunner(deps: IntelDeps) {
  const { repo } = deps;
  const db = deps.core.database.db;

  async function run(ingestId: string): Promise<void> {
    const row = await repo.getIngest(ingestId);
    if (!row || row.status === 'complete' || row.status === 'failed') return;
    await repo.startIngest(ingestId);
    const opts = row.options as unknown as IngestOptions;
    const actor: Actor = { ...systemActor('intel-ingest'), name: `system:intel-ingest for ${opts.actorName}`, userId: row.userId, orgId: row.orgId };
    const progress = new Progress();
    let status: 'complete' | 'failed' = 'complete';
    let message: string | null = null;
    let feed: { highWater: number | null; fetchErrors: string[] } = { highWater: null, fetchErrors: [] };
    try {
      switch (row.kind) {
        case 'stix':
          await ingestStix(row, opts, actor, progress);
          break;
        case 'misp':
          await ingestMispFile(row, opts, actor, progress);
          break;
        case 'csv':
          await ingestCsv(row, opts, actor, progress);
          break;
        case 'misp-feed':
          feed = await ingestMispFeed(row, opts, actor, progress);
          break;
      }
    } catch (e) {
      status = 'failed';
      message = e instanceof BundleFormatError || e instanceof IngestInputError ? e.message : `ingest failed: ${(e as Error).message}`;
      if (!(e instanceof BundleFormatError || e instanceof IngestInputError)) deps.core.log.error({ err: e, ingestId }, 'intel ingest failed');
    }
    // Whatever is pending (counters, errors), then the final status and its event.
    await flush(row, progress, null, status, message);
    if (row.kind === 'misp-feed' && row.feedId) {
      await recordMispFeedPull(deps, row.feedId, { failed: status === 'failed', message, lastTimestamp: feed.highWater, fetchErrors: feed.fetchErrors });
    }
    await repo.finishIngest(ingestId, status, message);
    if (row.filePath) await unlink(row.filePath).catch(() => {});
  }

  function shareOf(row: IngestRow, opts: IngestOptions, actor: Actor, source: string, tlpOverride?: Tlp): ShareOptions {
    const s = opts.share;
    return {
      actor,
      ownerOrgId: row.orgId,
      ...(s.tlp ? { tlp: s.tlp } : tlpOverride ? { tlp: tlpOverride } : {}),
      ...(s.communityIds ? { communityIds: s.communityIds } : {}),
      ...(s.recipientOrgIds ? { recipientOrgIds: s.recipientOrgIds } : {}),
      ...(s.recipientUserIds ? { recipientUserIds: s.recipientUserIds } : {}),
      source,
    };
  }

  /** Writes one prepared batch with the ingest's counters and a progress event, atomically. */
  async function flush(row: IngestRow, p: Progress, w: { share: ShareOptions; batch: PreparedBatch } | null, status: string, message: string | null = null, extraRejected = 0) {
    await withTx(db, async (tx) => {
      let counts = { inserted: 0, duplicates: 0, rejected: 0 };
      if (w) {
        counts = await writeBatch(tx, repo, w.share, w.batch, { ingestId: row.id });
        for (const o of w.batch.outcomes) {
          if (o.outcome === 'rejected') for (const e of o.errors ?? []) p.addError({ index: o.index, id: o.id, rule: e.rule, path: e.path, message: e.message.slice(0, 1000) });
        }
      }
      counts.rejected += extraRejected;
      const total = (w ? w.batch.outcomes.length : 0) + extraRejected;
      p.total += total;
      p.inserted += counts.inserted;
      p.duplicates += counts.duplicates;
      p.rejected += counts.rejected;
      await repo.addIngestProgress(tx, row.id, { total, ...counts, bytesRead: p.bytesRead, bytesTotal: p.bytesTotal, errors: p.pendingErrors, errorsOmitted: p.pendingOmitted });
      p.pendingErrors = [];
      p.pendingOmitted = 0;
      if (row.orgId) {
        await publishEvent(tx, {
          topic: 'intel.ingest.progress',
          subjectId: row.id,
          sharing: { ownerOrgId: row.orgId, tlp: 'AMBER+STRICT', communityIds: [], recipientOrgIds: [], recipientUserIds: [], createdBy: row.userId },
          payload: { ingestId: row.id, kind: row.kind, status, message, total: p.total, inserted: p.inserted, duplicates: p.duplicates, rejected: p.rejected, bytesRead: p.bytesRead, bytesTotal: p.bytesTotal },
        });
      }
    });
  }

  /**
   * Drives batches: items are prepared (CPU) as they arrive into batches of BATCH_SIZE, while the
   * previous batch is still being written (database); batches are written in order.
   */
  function batcher(row: IngestRow, actor: Actor, p: Progress, share: ShareOptions, audience: { communityIds: string[] }) {
    const builder = new BatchBuilder(share, audience);
    let writing: Promise<void> = Promise.resolve();
    let inFlight = false;
    let sinceYield = 0;
    const dispatch = async () => {
      // Its statements are built before waiting: the database starts on it as soon as the previous write ends.
      const batch = planBatch(builder.take());
      await writing;
      inFlight = true;
      const w = flush(row, p, { share, batch }, 'running');
      writing = w;
      const done = () => {
        if (writing === w) inFlight = false;
      };
      w.then(done, done);
    };
    return {
      /**
       * Validates and prepares the item at once; a full batch waits for the previous write, then starts its own.
       * While a batch is being written, every YIELD_EVERY items the loop lets the event loop run, so the
       * write's replies (its transaction is several statements) are answered at once instead of when the
       * input stream next runs dry (once per 1 MB chunk, ≈ 100 ms of preparing): otherwise the database
       * sat idle between the statements of batch N while batch N+1 was prepared.
       */
      async add(item: BatchItem) {
        builder.add(item);
        if (builder.size >= BATCH_SIZE) await dispatch();
        else if (inFlight && ++sinceYield >= YIELD_EVERY) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      },
      /** Waits for the batch in flight (so the caller's stream is read no further ahead than one batch). */
      async settle() {
        await writing;
      },
      async finish() {
        if (builder.size) await dispatch();
        await writing;
      },
    };
  }

  async function ingestStix(row: IngestRow, opts: IngestOptions, actor: Actor, p: Progress) {
    if (!row.filePath) throw new IngestInputError('the upload is gone (the job ran before?)');
    p.bytesTotal = row.bytesTotal ?? statSync(row.filePath).size;
    const b = batcher(row, actor, p, shareOf(row, opts, actor, 'stix-file'), { communityIds: opts.audience });
    const scanner = new BundleScanner(MAX_ELEMENT_BYTES);
    const stream = createReadStream(row.filePath, { highWaterMark: 1024 * 1024 });
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        // A structural error throws here; what was complete before it is still stored (catch below).
        const elements = scanner.push(chunk);
        for (const e of elements) {
          const parsed = parseElement(e, MAX_ELEMENT_BYTES);
          await b.add('value' in parsed ? { index: e.index, value: parsed.value, text: e.text! } : { index: e.index, failure: { ...parsed.failure } });
        }
        p.bytesRead = scanner.offset;
      }
      scanner.end();
    } catch (e) {
      await b.finish();
      throw e;
    } finally {
      stream.destroy();
    }
    await b.finish();
  }

  async function ingestMispFile(row: IngestRow, opts: IngestOptions, actor: Actor, p: Progress) {
    if (!row.filePath) throw new IngestInputError('the upload is gone (the job ran before?)');
    const size = statSync(row.filePath).size;
    if (size > MAX_MISP_BYTES) throw new IngestInputError(`a MISP event file may be at most ${MAX_MISP_BYTES / 1048576} MB`);
    p.bytesTotal = size;
    let json: unknown;
    try {
      json = JSON.parse(await readFile(row.filePath, 'utf8'));
    } catch (e) {
      throw new IngestInputError(`not JSON: ${(e as Error).message}`);
    }
    p.bytesRead = size;
    // One event ({Event}, or bare), or several: an array, or the API's {response: [...]}.
    const events: unknown[] = Array.isArray(json)
      ? json
      : json && typeof json === 'object' && Array.isArray((json as { response?: unknown }).response)
        ? ((json as { response: unknown[] }).response)
        : [json];
    let offset = 0;
    for (const [i, ev] of events.entries()) offset = await ingestMispEvent(row, opts, actor, p, ev, events.length > 1 ? `events[${i}]` : '', offset);
  }

  /** Converts and stores one MISP event; conversion problems and skipped attributes go to the error report. */
  async function ingestMispEvent(row: IngestRow, opts: IngestOptions, actor: Actor, p: Progress, ev: unknown, where: string, offset: number): Promise<number> {
    let result;
    try {
      result = mispEventToStix(ev);
    } catch (e) {
      if (!(e instanceof MispValidationError)) throw e;
      for (const issue of e.issues.slice(0, 100)) p.addError({ rule: 'misp-invalid', path: where ? `${where}.${issue.path}` : issue.path, message: issue.message });
      await flush(row, p, null, 'running', null, 1);
      return offset;
    }
    for (const s of result.skipped) {
      p.addError({ id: s.attributeUuid ?? null, rule: `misp-skipped-${s.kind}`, path: `${where ? `${where}.` : ''}${s.kind}:${s.attributeUuid ?? ''}`, message: `${s.type}: ${s.reason}` });
    }
    const b = batcher(row, actor, p, shareOf(row, opts, actor, row.kind === 'misp-feed' ? 'misp-feed' : 'misp', result.tlp ?? result.sharing.tlp), { communityIds: opts.audience });
    for (const [i, o] of result.objects.entries()) await b.add({ index: offset + i, value: o });
    await b.finish();
    return offset + result.objects.length;
  }

  async function ingestCsv(row: IngestRow, opts: IngestOptions, actor: Actor, p: Progress) {
    if (!row.filePath) throw new IngestInputError('the upload is gone (the job ran before?)');
    p.bytesTotal = row.bytesTotal ?? statSync(row.filePath).size;
    const csv = opts.csv;
    if (!csv?.mapping) throw new IngestInputError('no column mapping: name the value column (valueColumn)');
    const defaultType = csv.defaultType && (csv.defaultType === 'auto' || (INDICATOR_TYPES as readonly string[]).includes(csv.defaultType)) ? (csv.defaultType as IndicatorType | 'auto') : 'auto';
    const createdByRef = row.orgId ? orgIdentityId(row.orgId) : undefined;
    const stream = createReadStream(row.filePath);
    stream.on('data', (c) => {
      p.bytesRead += (c as Buffer).length;
    });
    const b = batcher(row, actor, p, shareOf(row, opts, actor, 'csv'), { communityIds: opts.audience });
    for await (const r of csvToIndicators(stream, csv.mapping, { defaultType, ...(csv.delimiter ? { delimiter: csv.delimiter } : {}), ...(createdByRef ? { createdByRef } : {}) })) {
      if (r.ok) await b.add({ index: r.row, value: r.object });
      else if (r.row === 0) {
        await b.finish();
        throw new IngestInputError(r.errors.map((e) => (e.column ? `${e.column}: ${e.message}` : e.message)).join('; '));
      } else {
        const first = r.errors[0];
        await b.add({ index: r.row, failure: { rule: 'csv-row', path: `row ${r.row}${first?.column ? `, column ${first.column}` : ''}`, message: r.errors.map((e) => (e.column ? `${e.column}: ${e.message}` : e.message)).join('; ') } });
      }
    }
    await b.finish();
  }

  /** Pulls a MISP feed: manifest.json, then every event newer than the last pull. Returns the new high-water mark and the events it could not fetch. */
  async function ingestMispFeed(row: IngestRow, opts: IngestOptions, actor: Actor, p: Progress): Promise<{ highWater: number | null; fetchErrors: string[] }> {
    const feed = row.feedId ? await createMispFeedRepo(db).get(row.feedId) : null;
    if (!feed) throw new IngestInputError('the feed was removed');
    const base = feed.url.endsWith('/') ? feed.url : `${feed.url}/`;
    let headers: Record<string, string>;
    try {
      headers = mispFeedHeaders(deps.core, feed);
    } catch (e) {
      if (!(e instanceof SecretError)) throw e;
      throw new IngestInputError(`cannot read this feed’s ${feed.authHeader ?? 'authentication'} value: ${e.message} (enter it again)`);
    }
    const upstream = { allowPrivate: deps.core.config.ALLOW_PRIVATE_WEBHOOKS };
    const manifest = parseMispFeedManifest(await fetchJson(new URL('manifest.json', base), headers, upstream));
    const todo = mispFeedEventsSince(manifest, feed.lastTimestamp);
    p.bytesTotal = todo.length;
    let highWater: number | null = null;
    let failed = false;
    const fetchErrors: string[] = [];
    let offset = 0;
    for (const entry of todo) {
      let ev: unknown;
      try {
        ev = await fetchJson(new URL(mispFeedEventPath(entry.uuid), base), headers, upstream);
      } catch (e) {
        failed = true;
        fetchErrors.push(`${mispFeedEventPath(entry.uuid)}: ${(e as Error).message}`);
        p.addError({ id: entry.uuid, rule: 'misp-fetch', path: mispFeedEventPath(entry.uuid), message: (e as Error).message });
        continue;
      }
      offset = await ingestMispEvent(row, opts, actor, p, ev, entry.uuid, offset);
      p.bytesRead++;
      // Only advance past events that arrived: a failed event is fetched again next time.
      if (!failed) highWater = entry.timestamp;
    }
    return { highWater, fetchErrors };
  }

  return { run };
}

export class IngestInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IngestInputError';
  }
}

const MAX_REDIRECTS = 3;

/**
 * GET a JSON document over http(s), with a timeout and a size cap (and the feed's authentication header, if
 * any). Unless the operator allows private upstreams (ALLOW_PRIVATE_WEBHOOKS, as for TAXII subscriptions),
 * every hop — the URL and each redirect's target, followed here one by one — must resolve to public
 * addresses only: an organisation's feed URL must not make Rampart read its own network (cloud metadata,
 * the database, admin ports). A redirect to another origin drops the authentication header.
 */
export async function fetchJson(url: URL, headers: Record<string, string> = {}, opts: { allowPrivate: boolean } = { allowPrivate: false }): Promise<unknown> {
  let at = url;
  let res: Response;
  for (let hop = 0; ; hop++) {
    await assertReachableUpstream(at, opts.allowPrivate).catch((e: Error) => {
      throw new IngestInputError(e.message);
    });
    const sameOrigin = at.origin === url.origin;
    res = await fetch(at, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'manual', headers: { ...(sameOrigin ? headers : {}), accept: 'application/json' } });
    const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
    if (!location) break;
    if (hop >= MAX_REDIRECTS) throw new IngestInputError(`GET ${url.pathname}: more than ${MAX_REDIRECTS} redirects`);
    at = new URL(location, at);
  }
  if (!res.ok) throw new IngestInputError(`GET ${url.pathname} answered ${res.status}`);
  const len = Number(res.headers.get('content-length') ?? 0);
  if (len > MAX_MISP_BYTES) throw new IngestInputError(`GET ${url.pathname}: larger than ${MAX_MISP_BYTES / 1048576} MB`);
  const text = await res.text();
  if (text.length > MAX_MISP_BYTES) throw new IngestInputError(`GET ${url.pathname}: larger than ${MAX_MISP_BYTES / 1048576} MB`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new IngestInputError(`GET ${url.pathname}: not JSON (${(e as Error).message})`);
  }
}
