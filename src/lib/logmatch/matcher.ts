/**
 * Streaming matcher: input (Readable / AsyncIterable of chunks) → optional gunzip → line blocks → hits.
 * Single-threaded by default; with `workers ≥ 2` blocks are processed by worker threads that share the index
 * through SharedArrayBuffer, and hits are yielded in input order.
 */
import { createGunzip } from 'node:zlib';
import { closeSync, createReadStream, fstatSync, openSync, readSync, ReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Readable } from 'node:stream';
import type { Hit, LogFormat, MatchOptions, MatchSummary } from './types.ts';
import type { LogIndex } from './logindex.ts';
import { detectFormat, initContext, type FormatContext } from './formats.ts';
import { advanceContext, BlockProcessor, type BlockOptions, type BlockResult } from './engine.ts';

export type LogSource = Readable | AsyncIterable<Buffer | Uint8Array | string>;

const DEFAULT_MAX_LINE = 1 << 20;
const DETECT_BYTES = 64 * 1024;

function toBuf(c: Buffer | Uint8Array | string): Buffer {
  if (typeof c === 'string') return Buffer.from(c, 'utf8');
  return Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
}

function emptySummary(): MatchSummary {
  return { format: null, gzip: false, lines: 0, bytes: 0, skipped: { binary: 0, tooLong: 0, badEncoding: 0, badGzip: 0 }, hits: 0, hitLines: 0 };
}

function cloneSummary(s: MatchSummary): MatchSummary {
  return { ...s, skipped: { ...s.skipped } };
}

/** Decompressed chunks; gzip detected by magic bytes. A corrupt or truncated gzip stream ends the data early. */
async function* decompressed(source: LogSource, mode: 'auto' | boolean, summary: MatchSummary): AsyncGenerator<Buffer> {
  const it = (source as AsyncIterable<Buffer | Uint8Array | string>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLen = 0;
  let done = false;
  while (headLen < 2) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const b = toBuf(r.value);
    head.push(b);
    headLen += b.length;
  }
  const first = head.length === 1 ? head[0] : Buffer.concat(head);
  const gz = mode === true || (mode === 'auto' && first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b);
  async function* rest(): AsyncGenerator<Buffer> {
    if (first.length) yield first;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield toBuf(r.value);
    }
  }
  if (!gz) {
    yield* rest();
    return;
  }
  summary.gzip = true;
  const gunzip = createGunzip();
  const abort = new AbortController();
  let inputError: unknown = null;
  const pump = (async () => {
    try {
      for await (const c of rest()) {
        if (abort.signal.aborted) return;
        if (!gunzip.write(c)) await once(gunzip, 'drain', { signal: abort.signal });
      }
      gunzip.end();
    } catch (err) {
      if (abort.signal.aborted) return;
      inputError = err;
      gunzip.destroy(err as Error);
    }
  })();
  try {
    for await (const c of gunzip) yield c as Buffer;
  } catch (err) {
    if (inputError) throw inputError;
    summary.skipped.badGzip++;
    summary.gzipError = (err as Error).message;
  } finally {
    abort.abort();
    gunzip.destroy();
    await pump.catch(() => undefined);
    if (!done) await it.return?.();
  }
}

type Item = Buffer | 'long';

/** Cuts the byte stream into blocks of complete lines; lines longer than maxLine across chunks are dropped. */
class Splitter {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private carry: Buffer[] = [];
  private carryLen = 0;
  private skipping = false;
  constructor(
    private readonly maxLine: number,
    private readonly blockBytes: number,
  ) {}

  private flush(items: Item[]): void {
    if (this.pendingLen > 0) items.push(this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingLen));
    this.pending = [];
    this.pendingLen = 0;
  }

  private dropCarry(items: Item[]): void {
    this.flush(items);
    this.carry = [];
    this.carryLen = 0;
    this.skipping = true;
    items.push('long');
  }

  push(chunk: Buffer, items: Item[]): void {
    let start = 0;
    if (this.skipping) {
      const nl = chunk.indexOf(10);
      if (nl < 0) return;
      start = nl + 1;
      this.skipping = false;
    }
    const last = chunk.lastIndexOf(10);
    if (last < start) {
      if (start < chunk.length) {
        this.carry.push(start ? chunk.subarray(start) : chunk);
        this.carryLen += chunk.length - start;
        if (this.carryLen > this.maxLine + 1) this.dropCarry(items);
      }
      return;
    }
    for (const c of this.carry) this.pending.push(c);
    this.pendingLen += this.carryLen;
    this.pending.push(chunk.subarray(start, last + 1));
    this.pendingLen += last + 1 - start;
    this.carry = [];
    this.carryLen = 0;
    if (last + 1 < chunk.length) {
      this.carry.push(chunk.subarray(last + 1));
      this.carryLen = chunk.length - last - 1;
    }
    if (this.pendingLen >= this.blockBytes) this.flush(items);
    if (this.carryLen > this.maxLine + 1) this.dropCarry(items);
  }

  end(items: Item[]): void {
    if (!this.skipping) {
      for (const c of this.carry) this.pending.push(c);
      this.pendingLen += this.carryLen;
    }
    this.carry = [];
    this.carryLen = 0;
    this.flush(items);
  }
}

/**
 * Starts the worker. Compiled (.js): `worker.js` next to this file. From source (.ts under tsx/vitest): Node 20
 * does not apply `--import tsx` loader hooks to a worker's entry module, so a tiny eval'd bootstrap registers
 * tsx's ESM hooks inside the worker first and then imports `worker.ts`.
 */
function spawnWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData });
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs')).href;
  const target = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`;
  return new Worker(code, { eval: true, workerData });
}

/** A message from a worker: one block/part result, the end of a range (`done`), or an error. */
interface WorkerReply {
  seq: number;
  result?: BlockResult;
  done?: boolean;
  bytes?: number;
  error?: string;
}

/**
 * Worker pool shared by all runs: workers are started once and reused (start-up costs ~0.05 s compiled and
 * 0.3–0.5 s under tsx); idle ones are unref'd (they never keep the process alive) and terminated after
 * POOL_IDLE_MS. Each run sends its index (SharedArrayBuffer views, nothing copied) to the workers it takes.
 */
const POOL_IDLE_MS = 30_000;
const idleWorkers: Worker[] = [];
let idleTimer: NodeJS.Timeout | null = null;
/** Request ids are unique across runs, so a late reply from an abandoned run is never taken for another's. */
let nextSeq = 0;

function acquireWorkers(n: number): Worker[] {
  const out: Worker[] = [];
  while (out.length < n && idleWorkers.length) {
    const w = idleWorkers.pop()!;
    w.ref();
    out.push(w);
  }
  while (out.length < n) {
    const w = spawnWorker(undefined);
    w.on('error', () => undefined); // reported to the run through its own listener
    w.on('exit', () => {
      const k = idleWorkers.indexOf(w);
      if (k >= 0) idleWorkers.splice(k, 1);
    });
    out.push(w);
  }
  return out;
}

function releaseWorkers(ws: Worker[], keep: (w: Worker) => boolean): void {
  for (const w of ws) {
    if (!keep(w)) {
      void w.terminate();
      continue;
    }
    w.postMessage({ type: 'end' });
    w.unref();
    idleWorkers.push(w);
  }
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => void closeWorkerPool(), POOL_IDLE_MS);
  idleTimer.unref();
}

/** Terminates the idle pooled worker threads (they also end by themselves after 30 s idle, and never keep the process alive). */
export async function closeWorkerPool(): Promise<void> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = null;
  await Promise.all(idleWorkers.splice(0).map((w) => w.terminate()));
}

/** The workers of one run and the routing of their replies. */
class RunWorkers {
  readonly workers: Worker[];
  private readonly handlers = new Map<number, (m: WorkerReply) => void>();
  private readonly pending = new Map<number, Worker>();
  failed: unknown = null;
  /** Called after every reply or failure (the file path waits on it). */
  onEvent: (() => void) | null = null;
  private readonly onMessage = (m: WorkerReply) => {
    const h = this.handlers.get(m.seq);
    if (h) h(m);
    this.onEvent?.();
  };
  private readonly onError = (err: unknown) => this.fail(err);
  private readonly onExit = (code: number) => this.fail(new Error(`logmatch worker exited (code ${code})`));

  constructor(n: number, index: LogIndex, blockOpts: BlockOptions) {
    this.workers = acquireWorkers(n);
    const shared = index.toShared();
    for (const w of this.workers) {
      w.on('message', this.onMessage);
      w.on('error', this.onError);
      w.on('exit', this.onExit);
      w.postMessage({ type: 'index', index: shared, opts: blockOpts });
    }
  }

  private fail(err: unknown): void {
    this.failed ??= err;
    for (const h of this.handlers.values()) h({ seq: -1, error: String((err as Error)?.stack ?? err) });
    this.handlers.clear();
    this.onEvent?.();
  }

  /** Sends a request; `handler` gets every reply until it returns true (the last one). */
  send(w: number, msg: Record<string, unknown>, transfer: ArrayBuffer[], handler: (m: WorkerReply) => boolean): number {
    const seq = nextSeq++;
    const worker = this.workers[w];
    this.pending.set(seq, worker);
    this.handlers.set(seq, (m) => {
      if (handler(m) || m.error !== undefined) {
        this.handlers.delete(seq);
        this.pending.delete(seq);
      }
    });
    worker.postMessage({ ...msg, seq }, transfer);
    return seq;
  }

  /** One block (stream path) → its result. */
  run(w: number, block: Buffer, ctx: FormatContext): Promise<BlockResult> {
    if (this.failed) return Promise.reject(this.failed);
    const copy = new Uint8Array(block.length);
    copy.set(block);
    return new Promise<BlockResult>((resolve, reject) => {
      this.send(w, { type: 'block', buf: copy, ctx }, [copy.buffer], (m) => {
        if (m.error !== undefined) reject(this.failed ?? new Error(m.error));
        else resolve(m.result!);
        return true;
      });
    });
  }

  /** Returns the workers to the pool; a worker with unfinished requests (an abandoned run) or a failure is terminated. */
  release(): void {
    const busy = new Set(this.pending.values());
    for (const w of this.workers) {
      w.off('message', this.onMessage);
      w.off('error', this.onError);
      w.off('exit', this.onExit);
    }
    this.handlers.clear();
    releaseWorkers(this.workers, (w) => !this.failed && !busy.has(w));
  }
}

/** A fresh `fs.ReadStream` of a whole file (nothing read yet): workers can read byte ranges of it themselves. */
function freshFileStream(source: LogSource): ReadStream | null {
  if (!(source instanceof ReadStream)) return null;
  const rs = source as ReadStream & { start?: number; end?: number };
  if (typeof rs.path !== 'string' || rs.start !== undefined || (rs.end !== undefined && rs.end !== Infinity)) return null;
  if (rs.bytesRead !== 0 || rs.readableDidRead || rs.destroyed) return null;
  return rs;
}

/** Format detection and initial context from the first bytes of the input. */
function detect(headBuf: Buffer, complete: boolean, opts: MatchOptions): { format: LogFormat; ctx: FormatContext } {
  const sampleLines = headBuf.subarray(0, Math.min(headBuf.length, DETECT_BYTES)).toString('utf8').split('\n').slice(0, 21);
  if (headBuf.length > DETECT_BYTES || !complete) sampleLines.pop();
  const format = opts.format ?? detectFormat(sampleLines);
  return { format, ctx: initContext(format, sampleLines) };
}

/** A running match: iterate it for hits; `summary` is live and final once iteration ends. */
export class MatchRun implements AsyncIterable<Hit> {
  readonly summary: MatchSummary = emptySummary();
  private readonly gen: AsyncGenerator<Hit>;
  constructor(source: LogSource, index: LogIndex, opts: MatchOptions) {
    this.gen = this.run(source, index, opts);
  }

  [Symbol.asyncIterator](): AsyncIterator<Hit> {
    return this.gen;
  }

  /** Consumes the run and returns every hit and the final summary. */
  async collect(): Promise<{ hits: Hit[]; summary: MatchSummary }> {
    const hits: Hit[] = [];
    for await (const h of this) hits.push(h);
    return { hits, summary: this.summary };
  }

  private account(r: BlockResult, relative: boolean, opts: MatchOptions): Hit[] {
    const summary = this.summary;
    const base = summary.lines;
    summary.lines += r.lines;
    summary.skipped.binary += r.binary;
    summary.skipped.tooLong += r.tooLong;
    summary.skipped.badEncoding += r.badEncoding;
    summary.hits += r.hits.length;
    summary.hitLines += r.hitLines;
    if (relative) for (const h of r.hits) h.lineNo += base;
    opts.onProgress?.(cloneSummary(summary));
    return r.hits;
  }

  private async *run(source: LogSource, index: LogIndex, opts: MatchOptions): AsyncGenerator<Hit> {
    const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE;
    const blockOpts: BlockOptions = { maxLineBytes, maxHitLineChars: opts.maxHitLineChars ?? 2048 };
    let nWorkers = opts.workers === 'auto' ? availableParallelism() : (opts.workers ?? 0);
    if (nWorkers < 2) nWorkers = 0;
    const file = nWorkers ? freshFileStream(source) : null;
    if (file) {
      const plan = planFile(resolve(file.path as string), opts, maxLineBytes);
      if (plan) {
        file.on('error', () => undefined); // the stream is never read; the range path reports read errors itself
        try {
          yield* this.runFile(plan, index, opts, blockOpts, nWorkers);
        } finally {
          file.destroy();
        }
        return;
      }
    }
    yield* this.runStream(source, index, opts, blockOpts, nWorkers);
  }

  /** File path: workers read line-aligned byte ranges of the file themselves; results are yielded in order. */
  private async *runFile(plan: FilePlan, index: LogIndex, opts: MatchOptions, blockOpts: BlockOptions, nWorkers: number): AsyncGenerator<Hit> {
    const summary = this.summary;
    summary.format = plan.format;
    const { size } = plan;
    const segBytes = Math.max(1, opts.blockBytes ?? Math.min(64 << 20, Math.max(4 << 20, Math.ceil(size / (nWorkers * 8)))));
    const nseg = Math.max(1, Math.ceil(size / segBytes));
    const pool = new RunWorkers(nWorkers, index, blockOpts);
    const segs: { parts: BlockResult[]; done: boolean; bytes: number; error?: string; worker: number }[] = [];
    const outstanding = new Array<number>(nWorkers).fill(0);
    let wake: (() => void) | null = null;
    pool.onEvent = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    let next = 0;
    const dispatch = () => {
      while (next < nseg) {
        let w = 0;
        for (let k = 1; k < nWorkers; k++) if (outstanding[k] < outstanding[w]) w = k;
        if (outstanding[w] >= 2) return;
        const st = { parts: [] as BlockResult[], done: false, bytes: 0, error: undefined as string | undefined, worker: w };
        segs.push(st);
        outstanding[w]++;
        const p = next * segBytes;
        const q = next + 1 === nseg ? size : Math.min(size, p + segBytes);
        const ctx = next === 0 ? plan.ctx0 : plan.ctxN;
        pool.send(w, { type: 'range', path: plan.path, p, q, ctx, chunk: opts.blockBytes ? Math.min(4 << 20, Math.max(1 << 16, segBytes)) : undefined }, [], (m) => {
          if (m.error !== undefined) st.error = m.error;
          else if (m.result) st.parts.push(m.result);
          if (m.done) {
            st.bytes = m.bytes ?? 0;
            st.done = true;
          }
          return st.done;
        });
        next++;
      }
    };
    try {
      dispatch();
      for (let head = 0; head < nseg; ) {
        const st = segs[head];
        if (st.parts.length) {
          const parts = st.parts.splice(0);
          for (const r of parts) yield* this.account(r, true, opts);
        } else if (st.error !== undefined || pool.failed) {
          throw pool.failed ?? new Error(st.error);
        } else if (st.done) {
          summary.bytes += st.bytes;
          outstanding[st.worker]--;
          segs[head] = undefined as never; // let its memory go
          head++;
          dispatch();
        } else {
          await new Promise<void>((r) => (wake = r));
        }
      }
      opts.onProgress?.(cloneSummary(summary));
    } finally {
      pool.onEvent = null;
      pool.release();
    }
  }

  private async *runStream(source: LogSource, index: LogIndex, opts: MatchOptions, blockOpts: BlockOptions, nWorkers: number): AsyncGenerator<Hit> {
    const summary = this.summary;
    const splitter = new Splitter(blockOpts.maxLineBytes, opts.blockBytes ?? (nWorkers ? 1 << 20 : 64 * 1024));
    const input = decompressed(source, opts.gzip ?? 'auto', summary);

    // format detection on the first bytes
    const head: Buffer[] = [];
    let headLen = 0;
    let inputDone = false;
    while (headLen < DETECT_BYTES) {
      const r = await input.next();
      if (r.done) {
        inputDone = true;
        break;
      }
      head.push(r.value);
      headLen += r.value.length;
    }
    const { format, ctx } = detect(Buffer.concat(head, headLen), inputDone, opts);
    summary.format = format;

    const processor = nWorkers ? null : new BlockProcessor(index, blockOpts);
    const pool = nWorkers ? new RunWorkers(nWorkers, index, blockOpts) : null;
    const inflight: Promise<BlockResult>[] = [];
    const maxInflight = nWorkers * 3;
    let rr = 0;

    function longLine(): BlockResult {
      return { lines: 1, hits: [], hitLines: 0, binary: 0, tooLong: 1, badEncoding: 0 };
    }

    const items: Item[] = [];
    const account = (r: BlockResult, relative: boolean) => this.account(r, relative, opts);
    async function* handle(): AsyncGenerator<Hit> {
      for (const it of items) {
        if (processor) {
          const r = it === 'long' ? longLine() : processor.process(it, ctx, summary.lines);
          yield* account(r, false);
        } else {
          if (it === 'long') inflight.push(Promise.resolve(longLine()));
          else {
            const snapshot: FormatContext = structuredClone(ctx);
            inflight.push(pool!.run(rr++ % nWorkers, it, snapshot));
            advanceContext(it, ctx);
          }
          while (inflight.length >= maxInflight) yield* account(await inflight.shift()!, true);
        }
      }
      items.length = 0;
    }

    try {
      for (const c of head) {
        summary.bytes += c.length;
        splitter.push(c, items);
        yield* handle();
      }
      if (!inputDone) {
        for (;;) {
          const r = await input.next();
          if (r.done) break;
          summary.bytes += r.value.length;
          splitter.push(r.value, items);
          yield* handle();
        }
      }
      splitter.end(items);
      yield* handle();
      while (inflight.length) yield* this.account(await inflight.shift()!, true, opts);
    } finally {
      await input.return(undefined);
      if (pool) {
        await Promise.allSettled(inflight);
        pool.release();
      }
    }
  }
}

interface FilePlan {
  path: string;
  size: number;
  format: LogFormat;
  /** Context for the first range, and for the others (CSV: with the header line already read). */
  ctx0: FormatContext;
  ctxN: FormatContext;
}

/**
 * Whether a file can be read in ranges: not gzip, and a format whose lines do not depend on earlier lines
 * (Zeek headers may change mid-file: stream path; CSV: its header line must be within the first 64 KiB).
 */
function planFile(path: string, opts: MatchOptions, maxLineBytes: number): FilePlan | null {
  if (opts.gzip === true) return null;
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const head = Buffer.allocUnsafe(Math.min(size, DETECT_BYTES + 1));
    let n = 0;
    while (n < head.length) {
      const k = readSync(fd, head, n, head.length - n, n);
      if (k === 0) break;
      n += k;
    }
    const headBuf = head.subarray(0, n);
    if (opts.gzip !== false && n >= 2 && headBuf[0] === 0x1f && headBuf[1] === 0x8b) return null;
    if (size === 0) return null;
    const { format, ctx } = detect(headBuf, n >= size, opts);
    if (format === 'zeek') return null;
    const ctxN = structuredClone(ctx);
    if (format === 'csv') {
      // the header is the first non-empty line; it must be complete within the head and not too long
      let pos = 0;
      for (;;) {
        const nl = headBuf.indexOf(10, pos);
        if (nl < 0) return null;
        let e = nl;
        if (e > pos && headBuf[e - 1] === 13) e--;
        if (e - pos > maxLineBytes) return null;
        if (e > pos && headBuf.toString('utf8', pos, e).trim() !== '') break;
        pos = nl + 1;
      }
      advanceContext(headBuf, ctxN);
      if (!ctxN.csvHeader) return null;
    }
    return { path, size, format, ctx0: ctx, ctxN };
  } catch {
    return null; // the stream path reports the error
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/**
 * Matches a log stream against the index. Returns an async iterable of hits in input order with a live
 * `summary` (final when iteration ends) and `collect()`.
 */
export function matchLogs(source: LogSource, index: LogIndex, opts: MatchOptions = {}): MatchRun {
  return new MatchRun(source, index, opts);
}

/**
 * Matches a log file. With `workers ≥ 2` (or 'auto') and a plain (not gzip) file in any format but Zeek, the
 * workers read line-aligned byte ranges of the file themselves; otherwise it is streamed as by `matchLogs`.
 * `matchLogs(fs.createReadStream(path), …)` takes the same path when the stream is fresh and covers the file.
 */
export function matchFile(path: string, index: LogIndex, opts: MatchOptions = {}): MatchRun {
  return new MatchRun(createReadStream(path, { highWaterMark: 1 << 20 }), index, opts);
}

/** Single-shot helper for an in-memory buffer or string. */
export function matchBuffer(data: Buffer | Uint8Array | string, index: LogIndex, opts: MatchOptions = {}): Promise<{ hits: Hit[]; summary: MatchSummary }> {
  async function* one(): AsyncGenerator<Buffer> {
    yield toBuf(data);
  }
  return matchLogs(one(), index, opts).collect();
}
