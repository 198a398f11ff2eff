/**
 * Worker thread of the pool (see matcher.ts). Messages, handled in order:
 * - `index`: LogIndex views over the shared memory + block options for the next run (no copying);
 * - `block`: a block of complete lines transferred by the main thread (stream path) → one result;
 * - `range`: a byte range of a file, read here (file path) → partial results, then `done` with the byte count;
 * - `end`: the run is over (the file is closed, the index released).
 */
import { closeSync, openSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { LogIndex, type SharedIndexData } from './logindex.ts';
import { BlockProcessor, type BlockOptions } from './engine.ts';
import type { FormatContext } from './formats.ts';
import { processFileRange } from './filerange.ts';

type Msg =
  | { type: 'index'; index: SharedIndexData; opts: BlockOptions }
  | { type: 'end' }
  | { type: 'block'; seq: number; buf: Uint8Array; ctx: FormatContext }
  | { type: 'range'; seq: number; path: string; p: number; q: number; ctx: FormatContext; chunk?: number };

let processor: BlockProcessor | null = null;
let openPath: string | null = null;
let openFd = -1;

parentPort!.on('message', (m: Msg) => {
  if (m.type === 'index' || m.type === 'end') {
    processor = m.type === 'index' ? new BlockProcessor(LogIndex.fromShared(m.index), m.opts) : null;
    if (openFd >= 0) closeSync(openFd);
    openFd = -1;
    openPath = null;
    return;
  }
  try {
    if (!processor) throw new Error('logmatch worker: no index');
    if (m.type === 'block') {
      const b = Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength);
      parentPort!.postMessage({ seq: m.seq, result: processor.process(b, m.ctx, 0) });
    } else {
      if (openPath !== m.path) {
        if (openFd >= 0) closeSync(openFd);
        openFd = -1;
        openFd = openSync(m.path, 'r');
        openPath = m.path;
      }
      const bytes = processFileRange(openFd, m.p, m.q, m.ctx, processor, (result) => parentPort!.postMessage({ seq: m.seq, result }), m.chunk);
      parentPort!.postMessage({ seq: m.seq, done: true, bytes });
    }
  } catch (err) {
    parentPort!.postMessage({ seq: m.seq, error: String((err as Error)?.stack ?? err) });
  }
});
