import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { extractCandidates, type Candidate } from '../../../lib/logmatch/index.ts';
import { matchPattern, type ObservedData, type StixCyberObservable } from '../../../lib/stix-pattern/index.ts';
import type { ComplexPattern } from './detect.index.ts';

/**
 * Patterns that are not simple values (`[ipv4-addr:value ISSUBSET '10.0.0.0/8']`, `[url:value LIKE …]`,
 * AND-joined comparisons, qualifiers) are evaluated with the STIX pattern evaluator against one
 * observed-data per value logmatch extracts from a log line (so observation AND holds within a line). Bounded:
 * at most MAX_COMPLEX_PATTERNS patterns (detect.index.ts), MAX_EVALUATIONS pattern×line evaluations
 * per run, each with a small step cap; a line over MAX_LINE_BYTES is skipped (as logmatch does).
 * Observation AND / FOLLOWEDBY across lines are not found (each line is its own observation).
 */
export const MAX_EVALUATIONS = 2_000_000;
const MAX_LINE_BYTES = 1 << 20;
const MAX_STEPS = 20_000;

export interface ComplexHit {
  indicatorId: string;
  lineNo: number;
  line: string;
  kind: string;
  value: string;
}

const HASH_NAMES: Record<string, string> = { md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256' };

function scoOf(c: Candidate, i: number): StixCyberObservable {
  const id = `sco-${i}`;
  switch (c.kind) {
    case 'ipv4':
      return { type: 'ipv4-addr', id, value: c.value };
    case 'ipv6':
      return { type: 'ipv6-addr', id, value: c.value };
    case 'domain':
      return { type: 'domain-name', id, value: c.value };
    case 'url':
      return { type: 'url', id, value: c.value };
    case 'email':
      return { type: 'email-addr', id, value: c.value };
    case 'md5':
    case 'sha1':
    case 'sha256':
      return { type: 'file', id, hashes: { [HASH_NAMES[c.kind]!]: c.value } };
  }
}

const SCO_TYPE: Record<Candidate['kind'], string> = {
  ipv4: 'ipv4-addr', ipv6: 'ipv6-addr', domain: 'domain-name', url: 'url', email: 'email-addr', md5: 'file', sha1: 'file', sha256: 'file',
};

/** Evaluates the patterns against one line's values; answers the ids matched, each with the first value of a named type. */
export function evaluateLine(text: string, patterns: ComplexPattern[], at: string, budget: { left: number }): { id: string; kind: string; value: string }[] {
  const cands = extractCandidates(text);
  if (!cands.length) return [];
  const types = new Set(cands.map((c) => SCO_TYPE[c.kind]));
  // One observation per value on the line, so `[a] AND [b]` holds when both values are on the same line.
  const observed: ObservedData[] = cands.map((c, i) => ({
    id: `observed-data--00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, type: 'observed-data', first_observed: at, last_observed: at, number_observed: 1,
    objects: { '0': scoOf(c, i) },
  }));
  const out: { id: string; kind: string; value: string }[] = [];
  for (const p of patterns) {
    if (![...p.types].some((t) => types.has(t))) continue;
    if (budget.left <= 0) break;
    budget.left--;
    const r = matchPattern(p.ast, observed, { maxSteps: MAX_STEPS, maxBindings: 1 });
    if (r.matched) {
      const c = cands.find((x) => p.types.has(SCO_TYPE[x.kind])) ?? cands[0]!;
      out.push({ id: p.id, kind: c.kind, value: c.value });
    }
  }
  return out;
}

/** Lines of a stored log (gzip), cut at \n, CR stripped; over-long lines yield null (skipped). A corrupt gzip ends early. */
export async function* storedLines(file: string): AsyncGenerator<{ lineNo: number; text: string | null }> {
  const src = createReadStream(file).pipe(createGunzip());
  src.on('error', () => {});
  let parts: Buffer[] = [];
  let len = 0;
  let tooLong = false;
  let lineNo = 0;
  const flush = (): { lineNo: number; text: string | null } => {
    lineNo++;
    let text: string | null = null;
    if (!tooLong) {
      const b = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      const end = b.length && b[b.length - 1] === 0x0d ? b.length - 1 : b.length;
      text = b.subarray(0, end).toString('utf8');
    }
    parts = [];
    len = 0;
    tooLong = false;
    return { lineNo, text };
  };
  try {
    for await (const chunk of src as AsyncIterable<Buffer>) {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        const piece = chunk.subarray(start, nl < 0 ? chunk.length : nl);
        if (!tooLong) {
          if (len + piece.length > MAX_LINE_BYTES) {
            tooLong = true;
            parts = [];
          } else if (piece.length) {
            parts.push(Buffer.from(piece));
            len += piece.length;
          }
        }
        if (nl < 0) break;
        yield flush();
        start = nl + 1;
      }
    }
  } catch {
    /* corrupt or truncated gzip: logmatch reports it (skipped.badGzip); keep what was read */
  }
  if (len > 0 || tooLong) yield flush();
}

/** The complex pass over a stored log. */
export async function matchComplex(file: string, patterns: ComplexPattern[], at: string, maxLineChars: number): Promise<{ hits: ComplexHit[]; truncated: boolean; evaluated: number }> {
  const budget = { left: MAX_EVALUATIONS };
  const hits: ComplexHit[] = [];
  if (!patterns.length) return { hits, truncated: false, evaluated: 0 };
  for await (const { lineNo, text } of storedLines(file)) {
    if (text === null || !text.length) continue;
    // binary lines are not scanned (same rule as logmatch: NUL bytes)
    if (text.includes('\u0000')) continue;
    for (const m of evaluateLine(text, patterns, at, budget)) {
      hits.push({ indicatorId: m.id, lineNo, line: text.slice(0, maxLineChars), kind: m.kind, value: m.value });
    }
    if (budget.left <= 0) return { hits, truncated: true, evaluated: MAX_EVALUATIONS };
  }
  return { hits, truncated: false, evaluated: MAX_EVALUATIONS - budget.left };
}
