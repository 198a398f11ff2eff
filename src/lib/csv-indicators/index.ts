/**
 * CSV indicator lists → STIX 2.1 indicators (pure library; streaming; no I/O beyond the given input).
 * See README.md in this folder.
 */
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { TLP_MARKING_IDS, tlpFromTagName, type StixObject, type Tlp } from '../misp/index.ts';
import { INDICATOR_TYPES, detectType, indicatorId, normaliseValue, patternFor, refang, resolveTypeName, type IndicatorType } from './types.ts';

export { INDICATOR_TYPES, CSV_INDICATOR_NAMESPACE, detectType, refang, resolveTypeName, patternFor, indicatorId, type IndicatorType } from './types.ts';

/** Column references are header names (matched case-insensitively after trimming) or 0-based indexes. */
export type ColumnRef = string | number;
export interface ColumnMapping {
  type?: ColumnRef;
  value: ColumnRef;
  name?: ColumnRef;
  description?: ColumnRef;
  valid_from?: ColumnRef;
  valid_until?: ColumnRef;
  labels?: ColumnRef;
  confidence?: ColumnRef;
  tlp?: ColumnRef;
}

export interface CsvToIndicatorsOptions {
  /** Type when there is no type column (or its cell is empty). 'auto' (default) detects it from the value. */
  defaultType?: IndicatorType | 'auto';
  /** created/modified, and valid_from when no column gives it. Default: the time of the call. */
  now?: Date;
  /** identity id for created_by_ref. */
  createdByRef?: string;
  /** CSV delimiter (default ','). */
  delimiter?: string;
  /** Separator(s) for the labels cell (default /[;,|]/). */
  labelSeparator?: string | RegExp;
  /** TLP for rows without a tlp cell (sets object_marking_refs). */
  defaultTlp?: Tlp;
}

export interface RowError {
  column: string;
  message: string;
}
export type RowResult =
  | { row: number; line?: number; ok: true; object: StixObject; tlp?: Tlp }
  | { row: number; line?: number; ok: false; errors: RowError[] };

const TS_RE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

function parseTime(s: string): string | null {
  const v = s.trim();
  if (/^\d{9,11}$/.test(v)) return new Date(Number(v) * 1000).toISOString(); // epoch seconds
  if (!TS_RE.test(v)) return null;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(v);
  const iso = v.length === 10 ? `${v}T00:00:00Z` : `${v.replace(' ', 'T')}${hasZone ? '' : 'Z'}`;
  const t = Date.parse(iso);
  if (!Number.isFinite(t) || t < 0 || t > 253402300799999) return null;
  return new Date(t).toISOString();
}

function tlpFromCell(s: string): Tlp | undefined {
  const v = s.trim().toLowerCase();
  if (!v) return undefined;
  return tlpFromTagName(v.startsWith('tlp:') ? v : `tlp:${v}`);
}

function resolveColumns(header: string[], mapping: ColumnMapping): { idx: Partial<Record<keyof ColumnMapping, number>>; errors: RowError[] } {
  const idx: Partial<Record<keyof ColumnMapping, number>> = {};
  const errors: RowError[] = [];
  const lower = header.map((h) => h.trim().toLowerCase());
  for (const [key, ref] of Object.entries(mapping) as [keyof ColumnMapping, ColumnRef | undefined][]) {
    if (ref === undefined || ref === null || ref === '') continue;
    let i: number;
    if (typeof ref === 'number') i = Number.isInteger(ref) && ref >= 0 && ref < header.length ? ref : -1;
    else i = lower.indexOf(String(ref).trim().toLowerCase());
    if (i === -1) errors.push({ column: String(ref), message: `column for "${key}" not found in the header` });
    else idx[key] = i;
  }
  if (idx.value === undefined && !errors.some((e) => e.message.includes('"value"'))) errors.push({ column: '', message: 'a value column is required' });
  return { idx, errors };
}

/**
 * Stream a CSV (with a header line) into STIX indicators, one result per data row. Never throws for bad
 * rows or bad CSV: problems come back as `{ ok: false, errors }`. Row numbers count data records from 1
 * (the header is row 0; blank lines are skipped and not counted); `line` is the physical line where the
 * record ends. A mapping that names missing columns yields a single row-0 error and nothing else; a CSV
 * syntax error (e.g. an unclosed quote) yields one error for the record where parsing stopped, then ends.
 */
export async function* csvToIndicators(input: string | Readable, mapping: ColumnMapping, opts: CsvToIndicatorsOptions = {}): AsyncGenerator<RowResult> {
  const now = (opts.now ?? new Date()).toISOString();
  const defaultType = opts.defaultType ?? 'auto';
  const sep = opts.labelSeparator ?? /[;,|]/;
  const source = typeof input === 'string' ? Readable.from([input]) : input;
  const parser = parse({ delimiter: opts.delimiter ?? ',', bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);

  let header: string[] | null = null;
  let idx: Partial<Record<keyof ColumnMapping, number>> = {};
  let row = 0;
  try {
    for await (const rec of records<{ record: string[]; info: { lines: number } }>(parser)) {
      const cells = rec.record;
      if (header === null) {
        header = cells;
        const r = resolveColumns(header, mapping);
        if (r.errors.length) {
          yield { row: 0, line: rec.info.lines, ok: false, errors: r.errors };
          return;
        }
        idx = r.idx;
        continue;
      }
      row++;
      yield buildRow(row, rec.info.lines, cells);
    }
    if (header === null) yield { row: 0, ok: false, errors: [{ column: '', message: 'empty input: no header line' }] };
  } catch (e) {
    yield { row: row + 1, ok: false, errors: [{ column: '', message: `CSV syntax error: ${(e as Error)?.message ?? String(e)}` }] };
  } finally {
    source.unpipe(parser);
    parser.destroy();
    if (typeof input === 'string') source.destroy();
  }

  function buildRow(rowNo: number, line: number, cells: string[]): RowResult {
    const errors: RowError[] = [];
    const col = (k: keyof ColumnMapping) => (idx[k] === undefined ? undefined : (header![idx[k]!] ?? String(idx[k])));
    const cell = (k: keyof ColumnMapping) => (idx[k] === undefined ? '' : (cells[idx[k]!] ?? '').trim());

    const rawValue = cell('value');
    let type: IndicatorType | null = null;
    const typeCell = cell('type');
    let wanted: IndicatorType | 'ip' | 'hash' | 'auto' = defaultType;
    if (typeCell) {
      const t = resolveTypeName(typeCell);
      if (!t) errors.push({ column: col('type')!, message: `unknown indicator type ${JSON.stringify(typeCell.slice(0, 50))} (expected one of ${INDICATOR_TYPES.join(', ')} or an alias)` });
      else wanted = t;
    }
    let value: string | null = null;
    if (!rawValue) errors.push({ column: col('value')!, message: 'empty value' });
    else if (!errors.length) {
      if (wanted === 'auto' || wanted === 'ip' || wanted === 'hash') {
        const d = detectType(refang(rawValue));
        const fits = d && (wanted === 'auto' || (wanted === 'ip' ? d === 'ipv4' || d === 'ipv6' : d === 'md5' || d === 'sha1' || d === 'sha256'));
        if (!fits) errors.push({ column: col('value')!, message: `cannot determine the indicator type of this value${wanted === 'auto' ? '' : ` (expected ${wanted === 'ip' ? 'an IP address' : 'an MD5/SHA-1/SHA-256 hash'})`}` });
        else type = d;
      } else type = wanted;
      if (type) {
        const n = normaliseValue(type, rawValue);
        if ('error' in n) errors.push({ column: col('value')!, message: n.error });
        else value = n.value;
      }
    }

    let validFrom = now;
    if (cell('valid_from')) {
      const t = parseTime(cell('valid_from'));
      if (!t) errors.push({ column: col('valid_from')!, message: 'not a date/time (ISO 8601 or epoch seconds)' });
      else validFrom = t;
    }
    let validUntil: string | undefined;
    if (cell('valid_until')) {
      const t = parseTime(cell('valid_until'));
      if (!t) errors.push({ column: col('valid_until')!, message: 'not a date/time (ISO 8601 or epoch seconds)' });
      else if (t <= validFrom) errors.push({ column: col('valid_until')!, message: 'valid_until must be later than valid_from' });
      else validUntil = t;
    }
    let confidence: number | undefined;
    if (cell('confidence')) {
      const c = cell('confidence');
      if (!/^\d{1,3}$/.test(c) || Number(c) > 100) errors.push({ column: col('confidence')!, message: 'confidence must be an integer 0-100' });
      else confidence = Number(c);
    }
    let tlp: Tlp | undefined = opts.defaultTlp;
    if (cell('tlp')) {
      const t = tlpFromCell(cell('tlp'));
      if (!t) errors.push({ column: col('tlp')!, message: 'unknown TLP (CLEAR, WHITE, GREEN, AMBER, AMBER+STRICT, RED)' });
      else tlp = t;
    }
    if (errors.length || !type || value === null) return { row: rowNo, line, ok: false, errors };

    const labels = cell('labels')
      ? [...new Set(cell('labels').split(sep).map((s) => s.trim()).filter(Boolean))]
      : [];
    const created = now; // created/modified = import time
    const object: StixObject = {
      type: 'indicator',
      spec_version: '2.1',
      id: indicatorId(type, value),
      ...(opts.createdByRef ? { created_by_ref: opts.createdByRef } : {}),
      created,
      modified: created,
      name: cell('name') || value,
      ...(cell('description') ? { description: cell('description') } : {}),
      indicator_types: ['malicious-activity'],
      pattern: patternFor(type, value),
      pattern_type: 'stix',
      pattern_version: '2.1',
      valid_from: validFrom,
      ...(validUntil ? { valid_until: validUntil } : {}),
      ...(labels.length ? { labels } : {}),
      ...(confidence !== undefined ? { confidence } : {}),
      ...(tlp ? { object_marking_refs: [TLP_MARKING_IDS[tlp]] } : {}),
    };
    return { row: rowNo, line, ok: true, object, ...(tlp ? { tlp } : {}) };
  }
}

/**
 * Records from a csv-parse stream, in order. Unlike the stream's own async iterator, records parsed
 * before an error are all delivered before the error is thrown. Pauses the parser while 1000 wait.
 */
async function* records<T>(parser: ReturnType<typeof parse>): AsyncGenerator<T> {
  const queue: T[] = [];
  let done = false;
  let error: unknown = null;
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  parser.on('data', (r: T) => {
    queue.push(r);
    if (queue.length >= 1000) parser.pause();
    poke();
  });
  parser.on('error', (e) => {
    error = e;
    done = true;
    poke();
  });
  parser.on('end', () => {
    done = true;
    poke();
  });
  for (;;) {
    if (queue.length) {
      const r = queue.shift()!;
      if (queue.length < 100 && parser.isPaused()) parser.resume();
      yield r;
      continue;
    }
    if (done) {
      if (error) throw error;
      return;
    }
    if (parser.isPaused()) parser.resume();
    await new Promise<void>((res) => (wake = res));
  }
}

export interface DetectedColumns {
  header: string[];
  /** Suggested mapping, or null when no plausible value column was found. */
  mapping: ColumnMapping | null;
  /** Suggested default type when there is no type column: one type if all sampled values agree, else 'auto'. */
  defaultType: IndicatorType | 'auto';
  /** Per column: the type every non-empty sampled cell was detected as, or null. */
  columnTypes: Record<string, IndicatorType | 'mixed' | null>;
}

const NAME_HINTS: [keyof ColumnMapping, RegExp][] = [
  ['type', /^(type|kind|ioc[-_ ]?type|indicator[-_ ]?type|observable[-_ ]?type|attribute[-_ ]?type)$/i],
  ['value', /^(value|indicator|ioc|observable|artifact|data|attribute|attribute[-_ ]?value)$/i],
  ['name', /^(name|title)$/i],
  ['description', /^(description|comment|comments|notes?|context|details?)$/i],
  ['valid_from', /^(valid[-_ ]?from|first[-_ ]?seen|date|created|start|timestamp)$/i],
  ['valid_until', /^(valid[-_ ]?until|last[-_ ]?seen|expires?|expiry|expiration|end)$/i],
  ['labels', /^(labels?|tags?|categories|category)$/i],
  ['confidence', /^(confidence|score|certainty)$/i],
  ['tlp', /^(tlp|traffic[-_ ]?light|classification)$/i],
];

/**
 * Suggest a column mapping from the header and the first rows (pass the first few KB of the file). Never
 * throws: unparsable input gives an empty header and a null mapping.
 */
export async function detectColumns(headerAndFirstRows: string, opts: { delimiter?: string; maxRows?: number } = {}): Promise<DetectedColumns> {
  const rows: string[][] = [];
  const maxRows = opts.maxRows ?? 50;
  try {
    const parser = parse({ delimiter: opts.delimiter ?? ',', bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, to_line: maxRows + 1 });
    const src = Readable.from([headerAndFirstRows]);
    src.pipe(parser);
    for await (const r of parser as AsyncIterable<string[]>) rows.push(r);
  } catch {
    // a truncated sample may end mid-record: keep what was parsed
  }
  const header = rows[0] ?? [];
  const data = rows.slice(1);
  const columnTypes: Record<string, IndicatorType | 'mixed' | null> = {};
  const typeOf = (i: number): IndicatorType | 'mixed' | null => {
    const seen = new Set<IndicatorType | null>();
    for (const r of data) if ((r[i] ?? '').trim()) seen.add(detectType(refang(r[i])));
    if (seen.size === 0 || seen.has(null)) return null;
    return seen.size === 1 ? [...seen][0]! : 'mixed';
  };
  header.forEach((h, i) => (columnTypes[h] = typeOf(i)));

  const mapping: Partial<ColumnMapping> = {};
  const used = new Set<number>();
  for (const [key, re] of NAME_HINTS) {
    const i = header.findIndex((h, j) => !used.has(j) && re.test(h.trim()));
    if (i !== -1) {
      mapping[key] = header[i];
      used.add(i);
    }
  }
  // a type column named like a value type (e.g. "ip", "sha256") is a value column of that type
  let defaultType: IndicatorType | 'auto' = 'auto';
  if (mapping.value === undefined) {
    const i = header.findIndex((h, j) => !used.has(j) && columnTypes[h] !== null);
    const j = i === -1 ? header.findIndex((h, k) => !used.has(k) && resolveTypeName(h) !== undefined) : i;
    if (j !== -1) {
      mapping.value = header[j];
      used.add(j);
    }
  }
  if (mapping.value !== undefined && mapping.type === undefined) {
    const t = columnTypes[mapping.value as string];
    const byName = resolveTypeName(String(mapping.value));
    if (t && t !== 'mixed') defaultType = t;
    else if (byName && byName !== 'ip' && byName !== 'hash') defaultType = byName;
  }
  return { header, mapping: mapping.value === undefined ? null : (mapping as ColumnMapping), defaultType, columnTypes };
}
