/**
 * Reading one byte range of a log file directly (used by worker threads, so the main thread neither reads nor
 * copies the data). The file is cut into nominal ranges [p, q); a range owns exactly the lines that *start*
 * inside it: it begins after the first '\n' at or after p - 1 (or at 0) and ends with the first '\n' at or after
 * q - 1 (or at EOF). Every line therefore belongs to exactly one range, whatever the boundaries.
 */
import { readSync } from 'node:fs';
import type { FormatContext } from './formats.ts';
import type { BlockProcessor, BlockResult } from './engine.ts';

/** Default read size of a range reader (grown up to maxLineBytes + 2 for long lines). */
export const RANGE_CHUNK = 4 << 20;

function longLine(): BlockResult {
  return { lines: 1, hits: [], hitLines: 0, binary: 0, tooLong: 1, badEncoding: 0 };
}

/**
 * Processes the lines owned by the nominal range [p, q) of the open file `fd`. Each processed piece is passed
 * to `emit` with line numbers relative to that piece (as a block in the stream path). Returns the number of
 * bytes the range owns (line starts in [p, q) up to the end of the last such line).
 */
export function processFileRange(
  fd: number,
  p: number,
  q: number,
  ctx: FormatContext,
  processor: BlockProcessor,
  emit: (r: BlockResult) => void,
  chunkBytes = RANGE_CHUNK,
): number {
  const maxLine = processor.opts.maxLineBytes;
  let buf = Buffer.allocUnsafe(Math.max(16, chunkBytes));
  let start = p;
  if (p > 0) {
    start = -1;
    for (let at = p - 1; ; ) {
      const n = readSync(fd, buf, 0, buf.length, at);
      if (n === 0) return 0;
      const nl = buf.indexOf(10);
      if (nl >= 0 && nl < n) {
        start = at + nl + 1;
        break;
      }
      at += n;
    }
  }
  if (start >= q) return 0;
  let bufStart = start; // file offset of buf[0]
  let fill = 0;
  let skipping = false;
  for (;;) {
    if (fill === buf.length) {
      // a full buffer without a newline: grow while the line may still be acceptable, else drop it
      if (buf.length < maxLine + 2) {
        const nb = Buffer.allocUnsafe(Math.min(buf.length * 2, maxLine + 2));
        buf.copy(nb, 0, 0, fill);
        buf = nb;
      } else {
        emit(longLine());
        skipping = true;
        bufStart += fill;
        fill = 0;
      }
    }
    const n = readSync(fd, buf, fill, buf.length - fill, bufStart + fill);
    if (n === 0) {
      if (!skipping && fill > 0) emit(processor.process(buf.subarray(0, fill), ctx, 0));
      return bufStart + fill - start;
    }
    const endData = fill + n;
    let lineStart = 0;
    if (skipping) {
      const nl = buf.indexOf(10, fill);
      if (nl < 0 || nl >= endData) {
        bufStart += endData;
        fill = 0;
        continue;
      }
      skipping = false;
      lineStart = nl + 1;
      if (bufStart + nl >= q - 1) return bufStart + nl + 1 - start;
    }
    // last newline to include: the first one at file offset ≥ q - 1 ends the range
    const qi = q - 1 - bufStart;
    let cut = -1;
    let done = false;
    if (qi < endData) {
      const nlq = buf.indexOf(10, Math.max(qi, lineStart));
      if (nlq >= 0 && nlq < endData) {
        cut = nlq;
        done = true;
      }
    }
    if (!done) cut = endData > lineStart ? buf.lastIndexOf(10, endData - 1) : -1;
    if (cut >= lineStart) emit(processor.process(buf.subarray(lineStart, cut + 1), ctx, 0));
    else cut = lineStart - 1;
    if (done) return bufStart + cut + 1 - start;
    buf.copyWithin(0, cut + 1, endData);
    bufStart += cut + 1;
    fill = endData - cut - 1;
  }
}
