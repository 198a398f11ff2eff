/**
 * Log formats: detection from the first lines, and the structured parse of one line into (field, value)
 * pairs plus a timestamp. The structured parse runs only on lines that the byte scanner flagged (a hit, an
 * escape character, or a URL-indicator host), so it can afford JSON.parse and regular expressions.
 */
import type { LogFormat } from './types.ts';

export interface ZeekHeader {
  sep: string;
  setSep: string;
  unset: string;
  empty: string;
  fields: string[] | null;
  path?: string;
}

export interface FormatContext {
  format: LogFormat;
  csvHeader?: string[] | null;
  csvDelim?: string;
  zeek?: ZeekHeader;
}

export interface ParsedLine {
  fields: [string, string][];
  timestamp?: string;
}

export function newZeekHeader(): ZeekHeader {
  return { sep: '\t', setSep: ',', unset: '-', empty: '(empty)', fields: null };
}

function unescapeZeek(s: string): string {
  return s.includes('\\x') ? s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : s;
}

/** Applies a Zeek `#…` header line to the header state. Returns false when the line is not a header line. */
export function applyZeekHeader(line: string, z: ZeekHeader): boolean {
  if (!line.startsWith('#')) return false;
  if (line.startsWith('#separator')) {
    const v = line.slice('#separator'.length).trim();
    z.sep = unescapeZeek(v) || '\t';
    return true;
  }
  const parts = line.split(z.sep);
  const key = parts[0];
  const rest = parts.slice(1);
  if (key === '#set_separator') z.setSep = rest[0] ?? ',';
  else if (key === '#unset_field') z.unset = rest[0] ?? '-';
  else if (key === '#empty_field') z.empty = rest[0] ?? '(empty)';
  else if (key === '#fields') z.fields = rest;
  else if (key === '#path') z.path = rest[0];
  return true;
}

const TS_KEYS = ['ts', '@timestamp', 'timestamp', 'time', 'datetime', 'date', 'eventTime', 'event_time', 'start_time', 'rt', 'end', 'start'];
const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };

/** Turns a log timestamp (epoch seconds/ms, ISO-8601, RFC 3164 `Mmm dd hh:mm:ss`, CEF `MMM dd yyyy HH:mm:ss`) into ISO-8601. */
export function toIsoTimestamp(v: unknown): string | undefined {
  if (typeof v === 'number' || (typeof v === 'string' && /^\d{9,13}(\.\d+)?$/.test(v.trim()))) {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) return undefined;
    const ms = n > 1e11 ? n : n * 1000;
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  const m3164 = /^([A-Z][a-z]{2})\s+(\d{1,2})(?:\s+(\d{4}))?\s+(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?/.exec(s);
  if (m3164) {
    const mon = MONTHS[m3164[1].toLowerCase()];
    if (mon === undefined) return undefined;
    const year = m3164[3] ? Number(m3164[3]) : new Date().getUTCFullYear();
    const ms = m3164[7] ? Number(`0.${m3164[7]}`) * 1000 : 0;
    const d = new Date(Date.UTC(year, mon, Number(m3164[2]), Number(m3164[4]), Number(m3164[5]), Number(m3164[6]), ms));
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) return undefined;
  const d = new Date(s.includes('T') || !s.includes(' ') ? s : s.replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function walkJson(v: unknown, path: string, out: [string, string][]): void {
  if (typeof v === 'string') out.push([path, v]);
  else if (Array.isArray(v)) for (const x of v) walkJson(x, path, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) walkJson(x, path ? `${path}.${k}` : k, out);
  }
}

/** Field name of the URL synthesised from `host` + `uri` (Zeek http, JSON http logs); only URL hits are taken from it. */
export const SYNTH_URL_FIELD = 'host+uri';

function synthUrl(fields: [string, string][], unset?: string): void {
  let host: string | undefined;
  let uri: string | undefined;
  for (const [k, v] of fields) {
    if (k === 'host' && v !== unset) host = v;
    else if (k === 'uri' && v !== unset) uri = v;
  }
  if (host && uri && !/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) fields.push([SYNTH_URL_FIELD, `http://${host}${uri.startsWith('/') ? '' : '/'}${uri}`]);
}

export function parseJsonLine(line: string): ParsedLine | null {
  let obj: unknown;
  try {
    obj = JSON.parse(line.charCodeAt(0) === 0xfeff ? line.slice(1) : line);
  } catch {
    return null;
  }
  if (!obj || typeof obj !== 'object') return null;
  const fields: [string, string][] = [];
  walkJson(obj, '', fields);
  synthUrl(fields);
  const rec = obj as Record<string, unknown>;
  let timestamp: string | undefined;
  for (const k of TS_KEYS) {
    if (rec[k] !== undefined) {
      timestamp = toIsoTimestamp(rec[k]);
      if (timestamp) break;
    }
  }
  return { fields, timestamp };
}

/** Splits one CSV record (RFC 4180 quoting; no embedded newlines). */
export function splitCsv(line: string, delim = ','): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          v += line.slice(i);
          i = n;
          break;
        }
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const d = line.indexOf(delim, i);
      if (d < 0) {
        out.push(v + line.slice(i));
        return out;
      }
      out.push(v + line.slice(i, d));
      i = d + delim.length;
    } else {
      const d = line.indexOf(delim, i);
      if (d < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, d));
      i = d + delim.length;
    }
  }
}

export function parseCsvLine(line: string, header: string[], delim = ','): ParsedLine {
  const vals = splitCsv(line, delim);
  const fields: [string, string][] = [];
  let timestamp: string | undefined;
  for (let k = 0; k < vals.length; k++) {
    const name = header[k] ?? `column${k + 1}`;
    fields.push([name, vals[k]]);
    if (!timestamp && TS_KEYS.includes(name.trim().toLowerCase())) timestamp = toIsoTimestamp(vals[k]);
  }
  synthUrl(fields);
  return { fields, timestamp };
}

export function parseZeekLine(line: string, z: ZeekHeader): ParsedLine {
  const vals = line.split(z.sep);
  const fields: [string, string][] = [];
  let timestamp: string | undefined;
  const names = z.fields ?? [];
  for (let k = 0; k < vals.length; k++) {
    const raw = vals[k];
    if (raw === z.unset || raw === z.empty || raw === '') continue;
    const name = names[k] ?? `field${k + 1}`;
    const v = unescapeZeek(raw);
    if (name === 'ts') timestamp = toIsoTimestamp(v);
    if (z.setSep && v.includes(z.setSep) && !v.includes(' ')) for (const item of v.split(z.setSep)) fields.push([name, item]);
    else fields.push([name, v]);
  }
  synthUrl(fields, z.unset);
  return { fields, timestamp };
}

const SYSLOG_5424 = /^(?:<(\d{1,3})>)1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: (.*))?$/s;
const SYSLOG_3164 = /^(?:<(\d{1,3})>)?([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (\S+) (?:([^:[\s]+)(?:\[(\d+)\])?: ?)?(.*)$/s;

export function parseSyslogLine(line: string): ParsedLine | null {
  let m = SYSLOG_5424.exec(line);
  if (m) {
    const fields: [string, string][] = [];
    if (m[3] !== '-') fields.push(['host', m[3]]);
    if (m[4] !== '-') fields.push(['app', m[4]]);
    if (m[7] !== '-') {
      for (const p of m[7].matchAll(/([\w.-]+)="((?:[^"\\]|\\.)*)"/g)) fields.push([`sd.${p[1]}`, p[2].replace(/\\(["\\\]])/g, '$1')]);
    }
    if (m[8]) fields.push(['msg', m[8].charCodeAt(0) === 0xfeff ? m[8].slice(1) : m[8]]);
    return { fields, timestamp: m[2] !== '-' ? toIsoTimestamp(m[2]) : undefined };
  }
  m = SYSLOG_3164.exec(line);
  if (m) {
    const fields: [string, string][] = [['host', m[3]]];
    if (m[4]) fields.push(['app', m[4]]);
    fields.push(['msg', m[6]]);
    return { fields, timestamp: toIsoTimestamp(m[2]) };
  }
  return null;
}

function unescapeCefHeader(s: string): string {
  return s.replace(/\\([|\\])/g, '$1');
}

function unescapeCefValue(s: string): string {
  return s.replace(/\\([=\\nr])/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c)).trim();
}

const CEF_HEADER = ['cef.version', 'cef.vendor', 'cef.product', 'cef.deviceVersion', 'cef.signatureId', 'cef.name', 'cef.severity'];

export function parseCefLine(line: string): ParsedLine | null {
  const at = line.search(/CEF:\d+\|/);
  if (at < 0) return null;
  const prefix = line.slice(0, at).trim();
  const body = line.slice(at + 4);
  const parts: string[] = [];
  let i = 0;
  let cur = 0;
  while (parts.length < 7) {
    const p = body.indexOf('|', i);
    if (p < 0) break;
    let bs = 0;
    for (let k = p - 1; k >= cur && body[k] === '\\'; k--) bs++;
    if (bs % 2 === 1) {
      i = p + 1;
      continue;
    }
    parts.push(unescapeCefHeader(body.slice(cur, p)));
    cur = i = p + 1;
  }
  const fields: [string, string][] = [];
  parts.forEach((v, k) => fields.push([CEF_HEADER[k], v]));
  const ext = parts.length === 7 ? body.slice(cur) : '';
  if (parts.length < 7) fields.push(['cef.rest', unescapeCefHeader(body.slice(cur))]);
  let timestamp: string | undefined;
  const keys = [...ext.matchAll(/(?:^|\s)([A-Za-z0-9_.[\]-]+)=/g)];
  for (let k = 0; k < keys.length; k++) {
    const m = keys[k];
    const vs = m.index + m[0].length;
    const ve = k + 1 < keys.length ? keys[k + 1].index : ext.length;
    const v = unescapeCefValue(ext.slice(vs, ve));
    fields.push([m[1], v]);
    if (!timestamp && (m[1] === 'rt' || m[1] === 'end' || m[1] === 'start')) timestamp = toIsoTimestamp(v);
  }
  if (prefix) {
    const sys = parseSyslogLine(prefix + (prefix.endsWith(':') ? '' : ' '));
    if (sys) {
      for (const f of sys.fields) if (f[0] === 'host') fields.push(['syslog.host', f[1]]);
      timestamp ??= sys.timestamp;
    } else fields.push(['prefix', prefix]);
  }
  return { fields, timestamp };
}

const LEADING_TS = /^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)/;

export function textTimestamp(line: string): string | undefined {
  const m = LEADING_TS.exec(line);
  if (m) return toIsoTimestamp(m[1].replace(',', '.'));
  const s = /^([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)/.exec(line);
  return s ? toIsoTimestamp(s[1]) : undefined;
}

/** Structured parse of one data line. null = the line does not parse in this format. */
export function parseLine(line: string, ctx: FormatContext): ParsedLine | null {
  switch (ctx.format) {
    case 'jsonl':
      return parseJsonLine(line);
    case 'csv':
      return ctx.csvHeader ? parseCsvLine(line, ctx.csvHeader, ctx.csvDelim) : null;
    case 'zeek':
      return parseZeekLine(line, ctx.zeek ?? newZeekHeader());
    case 'syslog':
      return parseSyslogLine(line);
    case 'cef':
      return parseCefLine(line);
    case 'text':
      return { fields: [], timestamp: textTimestamp(line) };
  }
}

function csvDelimiter(lines: string[]): string | null {
  if (lines.length < 2) return null;
  for (const d of [',', '\t', ';']) {
    const n = splitCsv(lines[0], d).length;
    if (n < 2) continue;
    if (lines.slice(1).every((l) => splitCsv(l, d).length === n)) {
      const header = splitCsv(lines[0], d);
      if (header.every((h) => /^[A-Za-z_@#][\w .@#()/:-]*$/.test(h.trim()) || h.trim() === '')) return d;
    }
  }
  return null;
}

/** Guesses the format from the first lines of a log. */
export function detectFormat(sample: string[]): LogFormat {
  const lines = sample
    .map((l, k) => (k === 0 && l.charCodeAt(0) === 0xfeff ? l.slice(1) : l).replace(/\r$/, ''))
    .filter((l) => l.trim() !== '')
    .slice(0, 20);
  if (!lines.length) return 'text';
  const first = lines[0];
  if (/^#(separator|set_separator|fields|path|types|open)\b/.test(first)) return 'zeek';
  const half = Math.ceil(lines.length / 2);
  if (first.trimStart().startsWith('{')) {
    let ok = 0;
    for (const l of lines) {
      try {
        const v: unknown = JSON.parse(l);
        if (v && typeof v === 'object') ok++;
      } catch {
        /* not JSON */
      }
    }
    if (ok >= half) return 'jsonl';
  }
  if (lines.filter((l) => /(?:^|[\s>|:])CEF:\d+\|/.test(l)).length >= half) return 'cef';
  if (lines.filter((l) => SYSLOG_5424.test(l) || SYSLOG_3164.test(l)).length >= half) return 'syslog';
  const delim = csvDelimiter(lines);
  if (delim) return 'csv';
  return 'text';
}

/** Builds the parsing context for a detected (or given) format from the first lines. */
export function initContext(format: LogFormat, sample: string[]): FormatContext {
  const ctx: FormatContext = { format };
  if (format === 'csv') {
    const lines = sample.map((l, k) => (k === 0 && l.charCodeAt(0) === 0xfeff ? l.slice(1) : l).replace(/\r$/, '')).filter((l) => l.trim() !== '');
    ctx.csvDelim = csvDelimiter(lines.slice(0, 20)) ?? ',';
    ctx.csvHeader = null; // taken from the first line by the block processor
  }
  if (format === 'zeek') ctx.zeek = newZeekHeader();
  return ctx;
}
