/**
 * Normalisation of indicator values and observed values. Byte-level parsers (IPv4, IPv6) are shared by the
 * index builder and the log scanner so both sides agree exactly.
 */
import { domainToASCII } from 'node:url';
import type { IndicatorKind, ObservedKind } from './types.ts';

/** ASCII lower-case folding table (other bytes unchanged). */
export const LOWER = new Uint8Array(256);
for (let i = 0; i < 256; i++) LOWER[i] = i >= 65 && i <= 90 ? i + 32 : i;

const HEXVAL = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEXVAL[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEXVAL[65 + i] = 10 + i;
  HEXVAL[97 + i] = 10 + i;
}
export { HEXVAL };

/** Parses a dotted-quad IPv4 in b[s..e). Returns the address as an unsigned 32-bit number, or -1. */
export function parseIPv4Bytes(b: Uint8Array, s: number, e: number): number {
  let acc = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return -1;
      part = part * 10 + (c - 48);
    } else if (c === 46) {
      if (digits === 0 || part > 255 || parts === 3) return -1;
      acc = acc * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else return -1;
  }
  if (digits === 0 || part > 255 || parts !== 3) return -1;
  return acc * 256 + part;
}

const G = new Int32Array(8);

/**
 * Parses an IPv6 address in b[s..e) into four 32-bit words (big-endian order) in `out`.
 * Accepts compressed (`::`), full, mixed (`::ffff:1.2.3.4`) forms and a zone id (`%eth0`, ignored).
 */
export function parseIPv6Bytes(b: Uint8Array, s: number, e: number, out: Uint32Array): boolean {
  for (let k = s; k < e; k++) {
    if (b[k] === 37) {
      e = k;
      break;
    }
  }
  if (e - s < 2) return false;
  let n = 0;
  let dbl = -1;
  let i = s;
  if (b[i] === 58) {
    if (b[i + 1] !== 58) return false;
    dbl = 0;
    i += 2;
  }
  while (i < e) {
    let j = i;
    let v = 0;
    while (j < e && j - i < 5 && HEXVAL[b[j]] >= 0) {
      v = v * 16 + HEXVAL[b[j]];
      j++;
    }
    if (j < e && b[j] === 46) {
      if (n > 6) return false;
      const v4 = parseIPv4Bytes(b, i, e);
      if (v4 < 0) return false;
      G[n++] = Math.floor(v4 / 65536);
      G[n++] = v4 & 0xffff;
      i = e;
      break;
    }
    const digits = j - i;
    if (digits === 0 || digits > 4 || n === 8) return false;
    G[n++] = v;
    i = j;
    if (i === e) break;
    if (b[i] !== 58) return false;
    i++;
    if (i < e && b[i] === 58) {
      if (dbl >= 0) return false;
      dbl = n;
      i++;
    } else if (i === e) return false;
  }
  if (dbl < 0) {
    if (n !== 8) return false;
  } else {
    if (n > 7) return false;
    const tail = n - dbl;
    for (let k = 0; k < tail; k++) G[7 - k] = G[n - 1 - k];
    for (let k = dbl; k < 8 - tail; k++) G[k] = 0;
  }
  out[0] = ((G[0] << 16) | G[1]) >>> 0;
  out[1] = ((G[2] << 16) | G[3]) >>> 0;
  out[2] = ((G[4] << 16) | G[5]) >>> 0;
  out[3] = ((G[6] << 16) | G[7]) >>> 0;
  return true;
}

export function parseIPv4(s: string): number {
  const t = s.trim();
  return parseIPv4Bytes(Buffer.from(t, 'latin1'), 0, t.length);
}

export function parseIPv6(s: string): Uint32Array | null {
  let t = s.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const out = new Uint32Array(4);
  return parseIPv6Bytes(Buffer.from(t, 'latin1'), 0, t.length, out) ? out : null;
}

export function formatIPv4(n: number): string {
  return `${Math.floor(n / 16777216) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** RFC 5952 canonical text form. */
export function formatIPv6(w: ArrayLike<number>, off = 0): string {
  const g: number[] = [];
  for (let k = 0; k < 4; k++) {
    const x = w[off + k];
    g.push(Math.floor(x / 65536) & 0xffff, x & 0xffff);
  }
  let bestS = -1;
  let bestL = 0;
  for (let k = 0; k < 8; ) {
    if (g[k] !== 0) {
      k++;
      continue;
    }
    let j = k;
    while (j < 8 && g[j] === 0) j++;
    if (j - k > bestL && j - k >= 2) {
      bestS = k;
      bestL = j - k;
    }
    k = j;
  }
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) return `::ffff:${formatIPv4(w[off + 3])}`;
  const hex = g.map((x) => x.toString(16));
  if (bestS < 0) return hex.join(':');
  return `${hex.slice(0, bestS).join(':')}::${hex.slice(bestS + bestL).join(':')}`;
}

export interface Cidr4 {
  start: number;
  end: number;
  prefix: number;
}
export interface Cidr6 {
  start: Uint32Array;
  end: Uint32Array;
  prefix: number;
}

/** `a.b.c.d/n` (or a bare address = /32). Host bits are cleared. */
/**
 * parseCidr4 without allocation (index build): start * 64 + prefix, or -1. Same rules, read from the string's
 * code units as latin1 bytes like parseIPv4.
 */
export function parseCidr4Packed(s: string): number {
  const r = cidr4Fast(s);
  if (r >= 0) return r;
  const c = parseCidr4(s); // unusual spellings (spaces before '/', …) and invalid values: the reference rules
  return c ? c.start * 64 + c.prefix : -1;
}

function cidr4Fast(s: string): number {
  const t = s.trim();
  const n = t.length;
  let acc = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = t.charCodeAt(i) & 0xff;
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return -1;
      part = part * 10 + (c - 48);
    } else if (c === 46) {
      if (digits === 0 || part > 255 || parts === 3) return -1;
      acc = acc * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else break;
  }
  if (i < n && t.charCodeAt(i) !== 47) return -1; // only '/' may end the address ('/' itself is not a latin1 alias)
  if (digits === 0 || part > 255 || parts !== 3) return -1;
  const ip = acc * 256 + part;
  let prefix = 32;
  if (i < n) {
    const plen = n - i - 1;
    if (plen < 1 || plen > 2) return -1;
    prefix = 0;
    for (let k = i + 1; k < n; k++) {
      const c = t.charCodeAt(k);
      if (c < 48 || c > 57) return -1;
      prefix = prefix * 10 + (c - 48);
    }
    if (prefix > 32) return -1;
  }
  const size = 2 ** (32 - prefix);
  return (ip - (ip % size)) * 64 + prefix;
}

export function parseCidr4(s: string): Cidr4 | null {
  const t = s.trim();
  const slash = t.indexOf('/');
  const ip = parseIPv4(slash < 0 ? t : t.slice(0, slash));
  if (ip < 0) return null;
  let prefix = 32;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,2}$/.test(p)) return null;
    prefix = Number(p);
    if (prefix > 32) return null;
  }
  const size = 2 ** (32 - prefix);
  const start = ip - (ip % size);
  return { start, end: start + size - 1, prefix };
}

/** `x::/n` (or a bare address = /128). Host bits are cleared. */
export function parseCidr6(s: string): Cidr6 | null {
  const t = s.trim();
  const slash = t.indexOf('/');
  const w = parseIPv6(slash < 0 ? t : t.slice(0, slash));
  if (!w) return null;
  let prefix = 128;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefix = Number(p);
    if (prefix > 128) return null;
  }
  const start = new Uint32Array(4);
  const end = new Uint32Array(4);
  for (let k = 0; k < 4; k++) {
    const bits = Math.max(0, Math.min(32, prefix - 32 * k));
    const mask = bits === 0 ? 0 : bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    start[k] = (w[k] & mask) >>> 0;
    end[k] = (start[k] | ~mask) >>> 0;
  }
  return { start, end, prefix };
}

const DOMAIN_RE = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Domain normalisation: trim, drop a leading `*.`, drop trailing dots, IDN → punycode (domainToASCII),
 * lower-case. Returns null for things that are not host names (including dotted numbers).
 */
export function normalizeDomain(v: string): string | null {
  let d = v.trim();
  if (d.startsWith('*.')) d = d.slice(2);
  while (d.endsWith('.')) d = d.slice(0, -1);
  if (!d) return null;
  if (NON_ASCII.test(d)) {
    d = domainToASCII(d);
    if (!d) return null;
  }
  d = d.toLowerCase();
  if (d.length > 253 || !DOMAIN_RE.test(d)) return null;
  if (/^[0-9.]+$/.test(d)) return null;
  return d;
}

const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  UNRESERVED[c] = /[A-Za-z0-9\-._~]/.test(ch) ? 1 : 0;
}

/**
 * RFC 3986 §6.2.2 percent-encoding normalisation: `%XX` of an unreserved character is decoded, other `%xx`
 * are upper-cased, a stray `%` becomes `%25`, non-ASCII and control characters and spaces are UTF-8
 * percent-encoded. Reserved characters are kept as they are.
 */
export function normalizePercent(s: string): string {
  let out = '';
  const bytes = Buffer.from(s, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 37) {
      const h1 = i + 2 < bytes.length ? HEXVAL[bytes[i + 1]] : -1;
      const h2 = i + 2 < bytes.length ? HEXVAL[bytes[i + 2]] : -1;
      if (h1 >= 0 && h2 >= 0) {
        const v = h1 * 16 + h2;
        if (v < 128 && UNRESERVED[v]) out += String.fromCharCode(v);
        else out += '%' + v.toString(16).toUpperCase().padStart(2, '0');
        i += 2;
      } else out += '%25';
    } else if (c <= 32 || c >= 127 || c === 34 || c === 60 || c === 62 || c === 96 || c === 123 || c === 125 || c === 124 || c === 92 || c === 94) {
      out += '%' + c.toString(16).toUpperCase().padStart(2, '0');
    } else out += String.fromCharCode(c);
  }
  return out;
}

/** RFC 3986 §5.2.4 remove_dot_segments. */
export function removeDotSegments(path: string): string {
  if (!path.includes('.')) return path;
  const input = path.split('/');
  const out: string[] = [];
  for (let k = 0; k < input.length; k++) {
    const seg = input[k];
    const last = k === input.length - 1;
    if (seg === '.') {
      if (last) out.push('');
    } else if (seg === '..') {
      if (out.length > 1) out.pop();
      if (last) out.push('');
    } else out.push(seg);
  }
  let r = out.join('/');
  if (path.startsWith('/') && !r.startsWith('/')) r = '/' + r;
  return r;
}

const DEFAULT_PORT: Record<string, string> = { http: '80', https: '443', ftp: '21', ws: '80', wss: '443' };
const URL_RE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(?:#.*)?$/s;

/** Host part of a URL (lower-case, punycode, no trailing dot, canonical IPv6 in brackets) or null. */
export function normalizeHost(h: string): string | null {
  if (h.startsWith('[')) {
    if (!h.endsWith(']')) return null;
    const w = parseIPv6(h.slice(1, -1));
    return w ? `[${formatIPv6(w)}]` : null;
  }
  let host = h;
  if (host.includes('%')) {
    try {
      host = decodeURIComponent(host);
    } catch {
      return null;
    }
  }
  while (host.endsWith('.')) host = host.slice(0, -1);
  if (!host) return null;
  if (parseIPv4(host) >= 0) return host;
  if (NON_ASCII.test(host)) {
    host = domainToASCII(host);
    if (!host) return null;
  }
  host = host.toLowerCase();
  return /^[a-z0-9_.-]+$/.test(host) ? host : null;
}

/**
 * URL normalisation (RFC 3986 §6): scheme and host lower-cased, IDN host → punycode, trailing dot of the host
 * dropped, default port removed, percent-encoding normalised, dot segments removed, empty path → `/`,
 * fragment dropped. A value without `scheme://` is read as `http://…`.
 */
export function normalizeUrl(raw: string): string | null {
  let s = raw.trim();
  if (!s) return null;
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(s)) {
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s) && !/^[^:]+:\d/.test(s)) return null;
    s = 'http://' + s;
  }
  const m = URL_RE.exec(s);
  if (!m) return null;
  const scheme = m[1].toLowerCase();
  let auth = m[2];
  let userinfo = '';
  const at = auth.lastIndexOf('@');
  if (at >= 0) {
    userinfo = normalizePercent(auth.slice(0, at)) + '@';
    auth = auth.slice(at + 1);
  }
  let hostPart = auth;
  let port = '';
  if (auth.startsWith('[')) {
    const close = auth.indexOf(']');
    if (close < 0) return null;
    hostPart = auth.slice(0, close + 1);
    const rest = auth.slice(close + 1);
    if (rest) {
      if (!/^:\d*$/.test(rest)) return null;
      port = rest.slice(1);
    }
  } else {
    const colon = auth.lastIndexOf(':');
    if (colon >= 0) {
      port = auth.slice(colon + 1);
      hostPart = auth.slice(0, colon);
      if (!/^\d*$/.test(port)) return null;
    }
  }
  const host = normalizeHost(hostPart);
  if (!host) return null;
  if (port) {
    port = port.replace(/^0+(?=\d)/, '');
    if (DEFAULT_PORT[scheme] === port) port = '';
  }
  let path = removeDotSegments(normalizePercent(m[3]));
  if (path === '') path = '/';
  const query = m[4] !== undefined ? '?' + normalizePercent(m[4].slice(1)) : '';
  return `${scheme}://${userinfo}${host}${port ? ':' + port : ''}${path}${query}`;
}

export function normalizeHash(v: string): { kind: 'md5' | 'sha1' | 'sha256'; key: string } | null {
  const n = v.length;
  if (n === 32 || n === 40 || n === 64) {
    // already normalised (lower-case hex, no spaces): no string is created
    let k = 0;
    for (; k < n; k++) {
      const c = v.charCodeAt(k);
      if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) break;
    }
    if (k === n) return { kind: n === 32 ? 'md5' : n === 40 ? 'sha1' : 'sha256', key: v };
  }
  const t = v.trim().toLowerCase();
  if (!/^[0-9a-f]+$/.test(t)) return null;
  if (t.length === 32) return { kind: 'md5', key: t };
  if (t.length === 40) return { kind: 'sha1', key: t };
  if (t.length === 64) return { kind: 'sha256', key: t };
  return null;
}

export function normalizeEmail(v: string): string | null {
  let t = v.trim();
  if (/^mailto:/i.test(t)) t = t.slice(7);
  const at = t.lastIndexOf('@');
  if (at <= 0 || at === t.length - 1) return null;
  const local = t.slice(0, at).toLowerCase();
  if (/[\s@<>"]/.test(local)) return null;
  const domain = normalizeDomain(t.slice(at + 1));
  if (!domain) return null;
  return `${local}@${domain}`;
}

/** Kind of value found in logs for an indicator kind. */
export function observedKindOf(kind: IndicatorKind): ObservedKind {
  if (kind === 'cidr4') return 'ipv4';
  if (kind === 'cidr6') return 'ipv6';
  return kind;
}
