import { buildIndex, type IndicatorKind, type IndicatorValue, type LogIndex } from '../../../lib/logmatch/index.ts';
import { extractObservableValuesDetailed, parsePattern, type Pattern } from '../../../lib/stix-pattern/index.ts';
import type { IndicatorFeedRow } from '../intel/index.ts';

/**
 * Turns the indicators an organisation may see into a logmatch index (exact values) plus a bounded
 * list of patterns that are not simple values (evaluated line by line with matchPattern).
 */

/** Patterns that are not simple values, evaluated per line; more than this are counted, not evaluated. */
export const MAX_COMPLEX_PATTERNS = 500;

export interface ComplexPattern {
  id: string;
  name: string | null;
  ast: Pattern;
  /** SCO types the pattern names: a line without a candidate of one of them cannot match. */
  types: Set<string>;
}

export interface DetectIndex {
  index: LogIndex;
  /** Indicators contributing at least one exact value or a complex pattern. */
  indicators: number;
  complex: ComplexPattern[];
  /** Complex patterns beyond MAX_COMPLEX_PATTERNS (not evaluated). */
  complexDropped: number;
  names: Map<string, string | null>;
  builtAt: number;
}

const HASH_KINDS: Record<string, IndicatorKind> = { MD5: 'md5', SHA1: 'sha1', SHA256: 'sha256' };

/** The logmatch kind of one extracted pattern value, or null when logmatch cannot index it. */
export function kindOf(type: string, value: string, algorithm?: string): IndicatorKind | null {
  switch (type) {
    case 'ipv4-addr':
      return value.includes('/') ? 'cidr4' : 'ipv4';
    case 'ipv6-addr':
      return value.includes('/') ? 'cidr6' : 'ipv6';
    case 'domain-name':
      return 'domain';
    case 'url':
      return 'url';
    case 'email-addr':
      return 'email';
    case 'file':
      return HASH_KINDS[(algorithm ?? '').toUpperCase().replace(/[^A-Z0-9]/g, '')] ?? null;
    default:
      return null;
  }
}

function typesOf(ast: Pattern): Set<string> {
  const out = new Set<string>();
  const walk = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const x of n) walk(x);
      return;
    }
    const o = n as Record<string, unknown>;
    if (o.path && typeof o.path === 'object' && typeof (o.path as { objectType?: unknown }).objectType === 'string') out.add((o.path as { objectType: string }).objectType);
    for (const v of Object.values(o)) if (v && typeof v === 'object') walk(v);
  };
  walk(ast);
  return out;
}

/** Types of SCO a log line can yield (see detect.complex.ts). */
export const LINE_SCO_TYPES = new Set(['ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr', 'file']);

export async function buildDetectIndex(rows: AsyncIterable<IndicatorFeedRow>, now: Date): Promise<DetectIndex> {
  const values: IndicatorValue[] = [];
  const complex: ComplexPattern[] = [];
  const names = new Map<string, string | null>();
  let complexDropped = 0;
  let indicators = 0;
  for await (const row of rows) {
    if (row.patternType !== 'stix' || !row.pattern) continue;
    if (row.validUntil && Date.parse(row.validUntil) < now.getTime()) continue;
    let ast: Pattern;
    try {
      ast = parsePattern(row.pattern);
    } catch {
      continue;
    }
    const { values: vals, complete } = extractObservableValuesDetailed(ast);
    let used = false;
    let allIndexable = true;
    for (const v of vals) {
      const kind = kindOf(v.type, v.value, v.algorithm);
      if (!kind) {
        allIndexable = false;
        continue;
      }
      values.push({ id: row.id, kind, value: v.value });
      used = true;
    }
    // Each extracted value is on its own enough for a match (they are OR branches), so they go to the
    // exact index; what remains (AND, qualifiers, other operators) needs the evaluator.
    if (!complete || !allIndexable) {
      const types = typesOf(ast);
      if ([...types].some((t) => LINE_SCO_TYPES.has(t))) {
        if (complex.length < MAX_COMPLEX_PATTERNS) {
          complex.push({ id: row.id, name: row.name, ast, types });
          used = true;
        } else complexDropped++;
      }
    }
    if (used) {
      indicators++;
      names.set(row.id, row.name);
    }
  }
  return { index: buildIndex(values), indicators, complex, complexDropped, names, builtAt: now.getTime() };
}

/** Per-organisation cache of built indexes: dropped when indicators arrive, and after a short TTL. */
export class IndexCache {
  private readonly entries = new Map<string, { at: number; value: Promise<DetectIndex> }>();
  constructor(private readonly ttlMs: number) {}

  get(orgId: string, now: number, build: () => Promise<DetectIndex>): Promise<DetectIndex> {
    const e = this.entries.get(orgId);
    if (e && now - e.at < this.ttlMs) return e.value;
    const value = build();
    this.entries.set(orgId, { at: now, value });
    value.catch(() => this.entries.delete(orgId));
    return value;
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
