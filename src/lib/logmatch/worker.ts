/** Worker thread: rebuilds LogIndex views over the shared memory and processes blocks. */
import { parentPort, workerData } from 'node:worker_threads';
import { LogIndex, type SharedIndexData } from './logindex.ts';
import { BlockProcessor, type BlockOptions } from './engine.ts';
import type { FormatContext } from './formats.ts';

const data = workerData as { index: SharedIndexData; opts: BlockOptions };
const processor = new BlockProcessor(LogIndex.fromShared(data.index), data.opts);

parentPort!.on('message', (m: { seq: number; buf: Uint8Array; ctx: FormatContext }) => {
  try {
    const b = Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength);
    const result = processor.process(b, m.ctx, 0);
    parentPort!.postMessage({ seq: m.seq, result });
  } catch (err) {
    parentPort!.postMessage({ seq: m.seq, error: String((err as Error)?.stack ?? err) });
  }
});
