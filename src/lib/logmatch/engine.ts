/**
 * Processing of one block of complete lines: the fast byte scan on every line, and the structured pass
 * (format parser → fields, timestamp) only on lines that need it. Shared by the single-threaded matcher and
 * the worker threads.
 */
import { isUtf8 } from 'node:buffer';
import type { Hit } from './types.ts';
import type { LogIndex } from './logindex.ts';
import { Scanner, SCAN_BINARY, SCAN_ESC, SCAN_HIGH, SCAN_URLHOST, type RawHit } from './scan.ts';
import { applyZeekHeader, newZeekHeader, SYNTH_URL_FIELD, parseLine, splitCsv, textTimestamp, type FormatContext } from './formats.ts';

export interface BlockOptions {
  maxLineBytes: number;
  maxHitLineChars: number;
}

export interface BlockResult {
  lines: number;
  hits: Hit[];
  hitLines: number;
  binary: number;
  tooLong: number;
  badEncoding: number;
}

function csvHeaderOf(line: string, delim = ','): string[] {
  return splitCsv(line.charCodeAt(0) === 0xfeff ? line.slice(1) : line, delim).map((h) => h.trim());
}

/**
 * Updates the context with the header lines of a block, without scanning it (used by the parallel
 * dispatcher so that each block is sent with the header state in force at its first line).
 */
export function advanceContext(b: Buffer, ctx: FormatContext): void {
  if (ctx.format === 'csv' && !ctx.csvHeader) {
    let pos = 0;
    while (pos < b.length) {
      const nl = b.indexOf(10, pos);
      const end = nl < 0 ? b.length : nl;
      const line = b.toString('utf8', pos, end).replace(/\r$/, '');
      pos = end + 1;
      if (line.trim() !== '') {
        ctx.csvHeader = csvHeaderOf(line, ctx.csvDelim);
        break;
      }
    }
  } else if (ctx.format === 'zeek') {
    ctx.zeek ??= newZeekHeader();
    let pos = b[0] === 35 ? 0 : b.indexOf('\n#');
    while (pos >= 0 && pos < b.length) {
      if (b[pos] === 10) pos++;
      const nl = b.indexOf(10, pos);
      const end = nl < 0 ? b.length : nl;
      applyZeekHeader(b.toString('utf8', pos, end).replace(/\r$/, ''), ctx.zeek);
      pos = nl < 0 ? -1 : b.indexOf('\n#', nl);
    }
  }
}

export class BlockProcessor {
  readonly scanner: Scanner;
  private readonly raw: RawHit[] = [];
  constructor(
    readonly index: LogIndex,
    readonly opts: BlockOptions,
  ) {
    this.scanner = new Scanner(index);
  }

  /** Processes the complete lines in b (the last one may lack '\n'). Line numbers start at lineBase + 1. */
  process(b: Buffer, ctx: FormatContext, lineBase: number): BlockResult {
    const res: BlockResult = { lines: 0, hits: [], hitLines: 0, binary: 0, tooLong: 0, badEncoding: 0 };
    const n = b.length;
    const { maxLineBytes } = this.opts;
    const scanner = this.scanner;
    const raw = this.raw;
    const structured = ctx.format === 'jsonl' || ctx.format === 'cef' || ctx.format === 'zeek' || ctx.format === 'csv';
    let pos = 0;
    while (pos < n) {
      const nl = b.indexOf(10, pos);
      const lineEnd = nl < 0 ? n : nl;
      const next = lineEnd + 1;
      const lineNo = lineBase + ++res.lines;
      let e = lineEnd;
      if (e > pos && b[e - 1] === 13) e--;
      if (e - pos > maxLineBytes) {
        res.tooLong++;
        pos = next;
        continue;
      }
      if (e === pos) {
        pos = next;
        continue;
      }
      if (ctx.format === 'zeek' && b[pos] === 35) {
        ctx.zeek ??= newZeekHeader();
        applyZeekHeader(b.toString('utf8', pos, e), ctx.zeek);
        pos = next;
        continue;
      }
      if (ctx.format === 'csv' && !ctx.csvHeader) {
        const line = b.toString('utf8', pos, e);
        if (line.trim() !== '') ctx.csvHeader = csvHeaderOf(line, ctx.csvDelim);
        pos = next;
        continue;
      }
      raw.length = 0;
      const st = scanner.scan(b, pos, e, raw);
      if (st & SCAN_BINARY) {
        res.binary++;
        pos = next;
        continue;
      }
      if (st & SCAN_HIGH && !isUtf8(b.subarray(pos, e))) res.badEncoding++;
      if (raw.length > 0 || st & SCAN_URLHOST || (structured && st & SCAN_ESC)) {
        const hits = this.structuredPass(b.toString('utf8', pos, e), ctx, lineNo, raw);
        if (hits.length) {
          res.hitLines++;
          for (const h of hits) res.hits.push(h);
        }
      }
      pos = next;
    }
    return res;
  }

  private structuredPass(str: string, ctx: FormatContext, lineNo: number, raw: RawHit[]): Hit[] {
    const found: { h: RawHit; field?: string }[] = [];
    let timestamp: string | undefined;
    let parsed = null;
    try {
      parsed = parseLine(str, ctx);
    } catch {
      parsed = null;
    }
    if (parsed) {
      timestamp = parsed.timestamp;
      for (const [name, val] of parsed.fields) {
        if (!val) continue;
        const fr: RawHit[] = [];
        this.scanner.scanString(val, fr);
        for (const h of fr) {
          if (name === SYNTH_URL_FIELD && h.kind !== 'url') continue;
          if (!found.some((f) => f.field === name && f.h.kind === h.kind && f.h.value === h.value)) found.push({ h, field: name });
        }
      }
    } else if (ctx.format !== 'text') timestamp = textTimestamp(str);
    for (const h of raw) {
      if (!found.some((f) => f.h.kind === h.kind && f.h.value === h.value)) found.push({ h });
    }
    const max = this.opts.maxHitLineChars;
    const line = str.length > max ? str.slice(0, max) : str;
    return found.map(({ h, field }) => {
      const hit: Hit = { lineNo, line, indicatorIds: this.index.idsOf(h.refs), value: h.value, kind: h.kind };
      if (field !== undefined) hit.field = field;
      if (timestamp !== undefined) hit.timestamp = timestamp;
      return hit;
    });
  }
}
