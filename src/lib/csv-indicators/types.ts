import { escapeStixString, uuidv5 } from '../misp/index.ts';
import { canonicalIp, ipKind, isUri, validDomain, validEmail } from '../misp/values.ts';

export type IndicatorType = 'ipv4' | 'ipv6' | 'domain' | 'hostname' | 'url' | 'email' | 'md5' | 'sha1' | 'sha256' | 'filename';
export const INDICATOR_TYPES: readonly IndicatorType[] = ['ipv4', 'ipv6', 'domain', 'hostname', 'url', 'email', 'md5', 'sha1', 'sha256', 'filename'];

/** Fixed UUIDv5 namespace for CSV-imported indicator ids. Never change it (ids must stay stable). */
export const CSV_INDICATOR_NAMESPACE = '8f59372e-a1bb-4647-bcdf-259b798e6415';

const norm = (s: string) => s.trim().toLowerCase().replace(/[\s_]+/g, '-');

/** Accepted spellings (after lower-casing and turning spaces/underscores into '-') → type; 'ip'/'hash' = detect. */
const ALIASES = new Map<string, IndicatorType | 'ip' | 'hash'>([
  ...INDICATOR_TYPES.map((t) => [t, t] as const),
  ...['ip', 'ip-dst', 'ip-src', 'ip-address', 'ipaddress', 'dst-ip', 'src-ip', 'address', 'cidr'].map((a) => [a, 'ip'] as const),
  ...['ipv4-addr', 'ip4', 'ipv4-address'].map((a) => [a, 'ipv4'] as const),
  ...['ipv6-addr', 'ip6', 'ipv6-address'].map((a) => [a, 'ipv6'] as const),
  ...['domain-name', 'fqdn', 'dns', 'domainname'].map((a) => [a, 'domain'] as const),
  ...['host', 'host-name'].map((a) => [a, 'hostname'] as const),
  ...['uri', 'link', 'url-address'].map((a) => [a, 'url'] as const),
  ...['email-addr', 'email-address', 'e-mail', 'mail', 'email-src', 'email-dst', 'sender'].map((a) => [a, 'email'] as const),
  ...['md-5', 'md5-hash', 'filehash-md5'].map((a) => [a, 'md5'] as const),
  ...['sha-1', 'sha1-hash', 'filehash-sha1'].map((a) => [a, 'sha1'] as const),
  ...['sha-256', 'sha256-hash', 'filehash-sha256', 'sha2'].map((a) => [a, 'sha256'] as const),
  ...['file-name', 'file', 'name-of-file'].map((a) => [a, 'filename'] as const),
  ...['hash', 'file-hash', 'filehash', 'checksum'].map((a) => [a, 'hash'] as const),
]);

/** Resolve a type name / alias; 'ip' and 'hash' are resolved from the value. */
export function resolveTypeName(name: string): IndicatorType | 'ip' | 'hash' | undefined {
  return ALIASES.get(norm(name));
}

/** Undo common defanging: hxxp(s) → http(s), [.] (.) {.} → ., [@] [at] → @, [:] → :. */
export function refang(v: string): string {
  return v
    .trim()
    .replace(/^hxxp(s?):/i, 'http$1:')
    .replace(/^fxp:/i, 'ftp:')
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]/gi, '.')
    .replace(/\[@\]|\[at\]/gi, '@')
    .replace(/\[:\]/g, ':');
}

/** Guess the type of a (refanged) value; null when nothing fits. 'filename' is never guessed. */
export function detectType(value: string): IndicatorType | null {
  const v = value.trim();
  const ip = ipKind(v);
  if (ip) return ip === 'ipv4-addr' ? 'ipv4' : 'ipv6';
  if (/^[0-9a-f]{32}$/i.test(v)) return 'md5';
  if (/^[0-9a-f]{40}$/i.test(v)) return 'sha1';
  if (/^[0-9a-f]{64}$/i.test(v)) return 'sha256';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) && isUri(v)) return 'url';
  if (validEmail(v) && validDomain(v.slice(v.lastIndexOf('@') + 1))) return 'email';
  if (v.includes('.') && /\.[a-z][a-z0-9-]*[a-z0-9]$/i.test(v) && validDomain(v)) return 'domain';
  return null;
}

/** Check and normalise a value for a type: { value } or { error }. */
export function normaliseValue(type: IndicatorType, raw: string): { value: string } | { error: string } {
  const v = refang(raw);
  if (!v) return { error: 'empty value' };
  switch (type) {
    case 'ipv4':
    case 'ipv6': {
      const k = ipKind(v);
      if (!k) return { error: `not an IP address or CIDR block` };
      if ((k === 'ipv4-addr') !== (type === 'ipv4')) return { error: `is an ${k === 'ipv4-addr' ? 'IPv4' : 'IPv6'} address, not ${type}` };
      return { value: canonicalIp(v) };
    }
    case 'domain':
    case 'hostname':
      return validDomain(v) ? { value: v.toLowerCase().replace(/\.$/, '') } : { error: 'not a valid domain/host name' };
    case 'url':
      return isUri(v) ? { value: v } : { error: 'not an absolute URL' };
    case 'email':
      return validEmail(v) ? { value: v } : { error: 'not an e-mail address' };
    case 'md5':
    case 'sha1':
    case 'sha256': {
      const len = { md5: 32, sha1: 40, sha256: 64 }[type];
      return new RegExp(`^[0-9a-fA-F]{${len}}$`).test(v) ? { value: v.toLowerCase() } : { error: `not a ${type} hash (${len} hex digits)` };
    }
    case 'filename':
      return /[\u0000-\u001f]/.test(v) ? { error: 'control characters in file name' } : { value: v };
  }
}

/** STIX pattern for a normalised value. */
export function patternFor(type: IndicatorType, value: string): string {
  const lit = `'${escapeStixString(value)}'`;
  switch (type) {
    case 'ipv4':
      return `[ipv4-addr:value = ${lit}]`;
    case 'ipv6':
      return `[ipv6-addr:value = ${lit}]`;
    case 'domain':
    case 'hostname':
      return `[domain-name:value = ${lit}]`;
    case 'url':
      return `[url:value = ${lit}]`;
    case 'email':
      return `[email-addr:value = ${lit}]`;
    case 'md5':
      return `[file:hashes.MD5 = ${lit}]`;
    case 'sha1':
      return `[file:hashes.'SHA-1' = ${lit}]`;
    case 'sha256':
      return `[file:hashes.'SHA-256' = ${lit}]`;
    case 'filename':
      return `[file:name = ${lit}]`;
  }
}

/** Deterministic indicator id: UUIDv5(CSV_INDICATOR_NAMESPACE, "<type>:<normalised value>"); domain≡hostname. */
export function indicatorId(type: IndicatorType, value: string): string {
  const t = type === 'hostname' ? 'domain' : type;
  return `indicator--${uuidv5(`${t}:${value}`, CSV_INDICATOR_NAMESPACE)}`;
}
