/**
 * Normalisation of observable values into correlation keys. Pure functions; return null for values
 * that cannot be normalised (invalid input never throws).
 */
import { domainToASCII } from 'node:url';
import { isPlainObject } from './types.ts';

const MAX_INPUT = 65536;

/** Lower-case, no trailing dot, IDN → punycode (UTS #46 via node:url domainToASCII). */
export function normaliseDomain(domain: string): string | null {
  if (typeof domain !== 'string' || domain.length === 0 || domain.length > 1024) return null;
  let d = domain.trim();
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (d === '' || /[\s/\\@:?#[\]]/.test(d)) return null;
  const ascii = domainToASCII(d);
  if (!ascii || ascii.length > 253) return null;
  if (ascii.split('.').some((l) => l.length === 0 || l.length > 63)) return null;
  return ascii.toLowerCase();
}

// ---------------------------------------------------------------- IP
function parseIpv4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null; // no leading zeros: they are ambiguous (octal)
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseIpv6(s: string): number[] | null {
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const lastColon = s.lastIndexOf(':');
  if (lastColon < 0) return null;
  if (s.includes('.', lastColon)) { // embedded IPv4 tail → two hex groups
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return null;
    s = `${s.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const dbl = s.indexOf('::');
  if (dbl >= 0 && dbl !== s.lastIndexOf('::')) return null;
  const split = (x: string) => (x === '' ? [] : x.split(':'));
  const head = split(dbl >= 0 ? s.slice(0, dbl) : s);
  const rest = dbl >= 0 ? split(s.slice(dbl + 2)) : [];
  for (const g of [...head, ...rest]) if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
  const total = head.length + rest.length;
  if (dbl < 0 ? total !== 8 : total > 7) return null;
  const groups = head.map((g) => parseInt(g, 16));
  if (dbl >= 0) for (let i = 0; i < 8 - total; i++) groups.push(0);
  groups.push(...rest.map((g) => parseInt(g, 16)));
  return groups;
}

/** RFC 5952 text form of 8 16-bit groups (IPv4-mapped kept as ::ffff:a.b.c.d, §5). */
function formatIpv6(g: number[]): string {
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `::ffff:${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
  }
  let bestStart = -1; let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i; while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function maskGroups(bits: number[], prefix: number, width: number): number[] {
  return bits.map((v, i) => {
    const start = i * width;
    const keep = Math.max(0, Math.min(width, prefix - start));
    const mask = keep === 0 ? 0 : ((((1 << keep) - 1) << (width - keep)) & ((1 << width) - 1));
    return v & mask;
  });
}

/**
 * IPv4 dotted-quad (no leading zeros) or IPv6 in RFC 5952 canonical form; CIDR suffixes kept with host
 * bits cleared, /32 (IPv4) and /128 (IPv6) dropped. IPv4-mapped IPv6 is written ::ffff:a.b.c.d.
 */
export function normaliseIp(value: string): string | null {
  if (typeof value !== 'string' || value.length > 100) return null;
  let s = value.trim();
  let prefix: number | null = null;
  const slash = s.indexOf('/');
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefix = Number(p); s = s.slice(0, slash);
  }
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const v4 = parseIpv4(s);
  if (v4) {
    if (prefix !== null && prefix > 32) return null;
    if (prefix === null || prefix === 32) return v4.join('.');
    return `${maskGroups(v4, prefix, 8).join('.')}/${prefix}`;
  }
  const v6 = parseIpv6(s);
  if (!v6) return null;
  if (prefix !== null && prefix > 128) return null;
  if (prefix === null || prefix === 128) return formatIpv6(v6);
  return `${formatIpv6(maskGroups(v6, prefix, 16))}/${prefix}`;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else null. */
export function ipv4FromMapped(value: string): string | null {
  const n = normaliseIp(value);
  const m = n ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(n) : null;
  return m ? m[1] : null;
}

// ---------------------------------------------------------------- URL
const UNRESERVED = /[A-Za-z0-9\-._~]/;
function normalisePercent(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => {
    const c = String.fromCharCode(parseInt(h, 16));
    return UNRESERVED.test(c) ? c : `%${h.toUpperCase()}`;
  });
}

/**
 * RFC 3986 §6.2.2 syntax-based normalisation on top of the WHATWG URL parser: scheme and host
 * lower-cased, host IDN → punycode and no trailing dot, default port removed, dot-segments removed,
 * percent-encodings of unreserved characters decoded and other percent-encodings upper-cased.
 */
export function normaliseUrl(value: string): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_INPUT) return null;
  let u: URL;
  try { u = new URL(value.trim()); } catch { return null; }
  if (u.hostname.endsWith('.')) u.hostname = u.hostname.slice(0, -1);
  const auth = u.username || u.password ? `${u.username}${u.password ? `:${u.password}` : ''}@` : '';
  const port = u.port ? `:${u.port}` : '';
  const hasAuthority = value.trim().slice(u.protocol.length).startsWith('//');
  const path = normalisePercent(u.pathname);
  const search = normalisePercent(u.search);
  const hash = normalisePercent(u.hash);
  return `${u.protocol}${hasAuthority ? '//' : ''}${auth}${u.hostname}${port}${path}${search}${hash}`;
}

// ---------------------------------------------------------------- hashes
const HEX_ALGOS: Record<string, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128, 'sha3-256': 64, 'sha3-512': 128 };
/** 'SHA-256' → 'sha256', 'SHA3-256' → 'sha3-256', 'MD5' → 'md5', others lower-cased. */
export function normaliseHashAlgorithm(algorithm: string): string {
  const a = algorithm.trim().toLowerCase();
  const m = /^sha-?(1|224|256|384|512)$/.exec(a);
  if (m) return `sha${m[1]}`;
  const m3 = /^sha3-?(224|256|384|512)$/.exec(a);
  if (m3) return `sha3-${m3[1]}`;
  return a;
}
/** Hex digests lower-cased and length-checked for known algorithms; other algorithms (SSDEEP, TLSH) trimmed. */
export function normaliseHash(algorithm: string, value: string): { algorithm: string; value: string } | null {
  if (typeof algorithm !== 'string' || typeof value !== 'string' || value.length > 4096) return null;
  const alg = normaliseHashAlgorithm(algorithm);
  const v = value.trim();
  const len = HEX_ALGOS[alg];
  if (len !== undefined) {
    if (v.length !== len || !/^[0-9a-fA-F]+$/.test(v)) return null;
    return { algorithm: alg, value: v.toLowerCase() };
  }
  return v ? { algorithm: alg, value: alg === 'tlsh' ? v.toLowerCase() : v } : null;
}

export function normaliseEmail(value: string): string | null {
  if (typeof value !== 'string' || value.length > 1024) return null;
  const v = value.trim();
  const at = v.lastIndexOf('@');
  if (at <= 0 || at === v.length - 1) return null;
  const domain = normaliseDomain(v.slice(at + 1));
  if (!domain) return null;
  return `${v.slice(0, at).toLowerCase()}@${domain}`;
}

export function normaliseMac(value: string): string | null {
  if (typeof value !== 'string') return null;
  const hex = value.trim().toLowerCase().replace(/[-:.]/g, '');
  if (!/^[0-9a-f]{12}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}

// ---------------------------------------------------------------- keys
function hashKeys(prefix: string, hashes: unknown): string[] {
  if (!isPlainObject(hashes)) return [];
  const out: string[] = [];
  for (const [alg, v] of Object.entries(hashes)) {
    const h = typeof v === 'string' ? normaliseHash(alg, v) : null;
    if (h) out.push(`${prefix}:${h.algorithm}:${h.value}`);
  }
  return out;
}

/**
 * Normalised correlation keys of an SCO, e.g. `ipv4-addr:198.51.100.7`, `domain-name:example.com`,
 * `url:https://example.com/a`, `file:sha256:<hex>`, `email-addr:a@example.com`. Unknown or invalid → [].
 */
export function observableKeysOfSco(sco: unknown): string[] {
  if (!isPlainObject(sco) || typeof sco.type !== 'string') return [];
  const v = sco.value;
  const out: string[] = [];
  const add = (k: string | null, prefix = sco.type as string) => { if (k !== null) out.push(`${prefix}:${k}`); };
  switch (sco.type) {
    case 'ipv4-addr':
      if (typeof v === 'string') { const n = normaliseIp(v); if (n && !n.includes(':')) add(n); }
      break;
    case 'ipv6-addr':
      if (typeof v === 'string') {
        const n = normaliseIp(v);
        if (n && n.includes(':')) { add(n); const m = ipv4FromMapped(n); if (m) add(m, 'ipv4-addr'); }
      }
      break;
    case 'domain-name': if (typeof v === 'string') add(normaliseDomain(v)); break;
    case 'url': if (typeof v === 'string') add(normaliseUrl(v)); break;
    case 'email-addr': if (typeof v === 'string') add(normaliseEmail(v)); break;
    case 'mac-addr': if (typeof v === 'string') add(normaliseMac(v)); break;
    case 'autonomous-system': if (Number.isSafeInteger(sco.number)) add(String(sco.number)); break;
    case 'mutex': if (typeof sco.name === 'string' && sco.name.length <= MAX_INPUT) add(sco.name); break;
    case 'windows-registry-key': if (typeof sco.key === 'string' && sco.key.length <= MAX_INPUT) add(sco.key.toLowerCase()); break;
    case 'file': case 'artifact': out.push(...hashKeys(sco.type, sco.hashes)); break;
    case 'x509-certificate':
      out.push(...hashKeys(sco.type, sco.hashes));
      if (typeof sco.serial_number === 'string' && sco.serial_number.length <= 1024) add(`serial:${sco.serial_number.toLowerCase()}`);
      break;
    default: break;
  }
  return [...new Set(out)];
}
