/**
 * Streaming matcher: input (Readable / AsyncIterable of chunks) → optional gunzip → line blocks → hits.
 * Single-threaded by default; with `workers ≥ 2` blocks are processed by worker threads that share the index
 * through SharedArrayBuffer, and hits are yielded in input order.
 */
import { createGunzip } from 'node:zlib';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Readable } from 'node:stream';
import type { Hit, LogFormat, MatchOptions, MatchSummary } from './types.ts';
import type { LogIndex } from './logindex.ts';
import { detectFormat, initContext, type FormatContext } from './formats.ts';
import { advanceContext, BlockProcessor, type BlockResult } from './engine.ts';

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

interface Pool {
  run(block: Buffer, ctx: FormatContext): Promise<BlockResult>;
  close(): Promise<void>;
}

function startPool(n: number, index: LogIndex, blockOpts: { maxLineBytes: number; maxHitLineChars: number }): Pool {
  const shared = index.toShared();
  const waiting = new Map<number, { resolve: (r: BlockResult) => void; reject: (e: unknown) => void }>();
  let failed: unknown = null;
  const workers = Array.from({ length: n }, () => {
    const w = spawnWorker({ index: shared, opts: blockOpts });
    w.on('message', (m: { seq: number; result?: BlockResult; error?: string }) => {
      const p = waiting.get(m.seq);
      if (!p) return;
      waiting.delete(m.seq);
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(m.result!);
    });
    w.on('error', (err) => {
      failed = err;
      for (const p of waiting.values()) p.reject(err);
      waiting.clear();
    });
    return w;
  });
  let seq = 0;
  return {
    run(block, ctx) {
      if (failed) return Promise.reject(failed);
      const s = seq++;
      const copy = new Uint8Array(block.length);
      copy.set(block);
      return new Promise<BlockResult>((resolve, reject) => {
        waiting.set(s, { resolve, reject });
        workers[s % n].postMessage({ seq: s, buf: copy, ctx }, [copy.buffer]);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
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

  private async *run(source: LogSource, index: LogIndex, opts: MatchOptions): AsyncGenerator<Hit> {
    const summary = this.summary;
    const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE;
    const blockOpts = { maxLineBytes, maxHitLineChars: opts.maxHitLineChars ?? 2048 };
    let nWorkers = opts.workers === 'auto' ? availableParallelism() : (opts.workers ?? 0);
    if (nWorkers < 2) nWorkers = 0;
    const splitter = new Splitter(maxLineBytes, opts.blockBytes ?? (nWorkers ? 1 << 20 : 64 * 1024));
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
    let format: LogFormat = opts.format ?? 'text';
    const headBuf = Buffer.concat(head, headLen);
    const sampleLines = headBuf.subarray(0, Math.min(headBuf.length, DETECT_BYTES)).toString('utf8').split('\n').slice(0, 21);
    if (headBuf.length > DETECT_BYTES || !inputDone) sampleLines.pop();
    if (!opts.format) format = detectFormat(sampleLines);
    summary.format = format;
    const ctx = initContext(format, sampleLines);

    const processor = nWorkers ? null : new BlockProcessor(index, blockOpts);
    const pool = nWorkers ? startPool(nWorkers, index, blockOpts) : null;
    const inflight: Promise<BlockResult>[] = [];
    const maxInflight = nWorkers * 3;

    function account(r: BlockResult): Hit[] {
      const base = summary.lines;
      summary.lines += r.lines;
      summary.skipped.binary += r.binary;
      summary.skipped.tooLong += r.tooLong;
      summary.skipped.badEncoding += r.badEncoding;
      summary.hits += r.hits.length;
      summary.hitLines += r.hitLines;
      if (pool) for (const h of r.hits) h.lineNo += base;
      opts.onProgress?.(cloneSummary(summary));
      return r.hits;
    }

    function longLine(): BlockResult {
      return { lines: 1, hits: [], hitLines: 0, binary: 0, tooLong: 1, badEncoding: 0 };
    }

    const items: Item[] = [];
    async function* handle(): AsyncGenerator<Hit> {
      for (const it of items) {
        if (processor) {
          const r = it === 'long' ? longLine() : processor.process(it, ctx, summary.lines);
          yield* account(r);
        } else {
          if (it === 'long') inflight.push(Promise.resolve(longLine()));
          else {
            const snapshot: FormatContext = structuredClone(ctx);
            inflight.push(pool!.run(it, snapshot));
            advanceContext(it, ctx);
          }
          while (inflight.length >= maxInflight) yield* account(await inflight.shift()!);
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
      while (inflight.length) yield* account(await inflight.shift()!);
    } finally {
      await input.return(undefined);
      if (pool) {
        await Promise.allSettled(inflight);
        await pool.close();
      }
    }
  }
}

/**
 * Matches a log stream against the index. Returns an async iterable of hits in input order with a live
 * `summary` (final when iteration ends) and `collect()`.
 */
export function matchLogs(source: LogSource, index: LogIndex, opts: MatchOptions = {}): MatchRun {
  return new MatchRun(source, index, opts);
}

/** Single-shot helper for an in-memory buffer or string. */
export function matchBuffer(data: Buffer | Uint8Array | string, index: LogIndex, opts: MatchOptions = {}): Promise<{ hits: Hit[]; summary: MatchSummary }> {
  async function* one(): AsyncGenerator<Buffer> {
    yield toBuf(data);
  }
  return matchLogs(one(), index, opts).collect();
}
