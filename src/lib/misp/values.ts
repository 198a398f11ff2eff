import { isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import ajvFormats from 'ajv-formats/dist/formats.js';

const IPV4_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_RE = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}(?:/(?:3[0-2]|[12]?\\d))?$`);

/** 'ipv4-addr' / 'ipv6-addr' (CIDR allowed, as STIX ipv4-addr/ipv6-addr values may be CIDR blocks), else null. */
export function ipKind(v: string): 'ipv4-addr' | 'ipv6-addr' | null {
  if (IPV4_RE.test(v)) return 'ipv4-addr';
  const slash = v.indexOf('/');
  const addr = slash === -1 ? v : v.slice(0, slash);
  if (!isIPv6(addr)) return null;
  if (slash !== -1) {
    const p = v.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > 128) return null;
  }
  return 'ipv6-addr';
}

export function parsePort(v: string): number | null {
  if (!/^\d{1,5}$/.test(v.trim())) return null;
  const n = Number(v.trim());
  return n <= 65535 ? n : null;
}

/** MISP hash attribute type → [STIX hashes key (hashing-algorithm-ov where one exists), expected hex length or null]. */
export const HASH_TYPES: ReadonlyMap<string, readonly [string, number | null]> = new Map([
  ['md5', ['MD5', 32]],
  ['sha1', ['SHA-1', 40]],
  ['sha224', ['SHA224', 56]],
  ['sha256', ['SHA-256', 64]],
  ['sha384', ['SHA384', 96]],
  ['sha512', ['SHA-512', 128]],
  ['sha512/224', ['SHA512-224', 56]],
  ['sha512/256', ['SHA512-256', 64]],
  ['sha3-224', ['SHA3-224', 56]],
  ['sha3-256', ['SHA3-256', 64]],
  ['sha3-384', ['SHA3-384', 96]],
  ['sha3-512', ['SHA3-512', 128]],
  ['ssdeep', ['SSDEEP', null]],
  ['tlsh', ['TLSH', null]],
  ['authentihash', ['AUTHENTIHASH', 64]],
  ['imphash', ['IMPHASH', 32]],
] as const);

export function validHash(type: string, v: string): boolean {
  const spec = HASH_TYPES.get(type);
  if (!spec) return false;
  const [, len] = spec;
  if (type === 'ssdeep') return /^[a-zA-Z0-9/+:.]{1,128}$/.test(v);
  if (type === 'tlsh') return /^[0-9a-fA-F]{70}$/.test(v);
  if (len === null) return v.trim().length > 0;
  return v.length === len && /^[0-9a-fA-F]+$/.test(v);
}

const HOSTNAME = ajvFormats.fullFormats.hostname as RegExp;

/** Domain/host name as a STIX domain-name value accepts it (idn-hostname: IDNA-maps to an RFC 1123 hostname). */
export function validDomain(v: string): boolean {
  if (v.length === 0 || v.length > 1024) return false;
  const ascii = domainToASCII(v);
  return ascii !== '' && HOSTNAME.test(ascii);
}

const emailFormat = ajvFormats.fullFormats.email as RegExp;

/**
 * An e-mail address as the STIX email-addr schema checks it (its `format: email`, ajv-formats' full
 * mode, which the validator uses): a value accepted here makes an email-addr object that validates.
 * The length cap (RFC 5321's 254) also bounds the regex's work on hostile input.
 */
export function validEmail(v: string): boolean {
  return v.length <= 254 && emailFormat.test(v);
}

export function nonBlank(v: string): boolean {
  return v.trim().length > 0;
}

const uriFormat = ajvFormats.fullFormats.uri as (s: string) => boolean;

/** Absolute URI (RFC 3986, the JSON-schema "uri" format the STIX url object schema uses). */
export function isUri(v: string): boolean {
  if (v.length <= 8192) return uriFormat(v);
  // the format regex can overflow V8's regex stack on huge input: fall back to the linear WHATWG parser
  try {
    return /^[a-z][a-z0-9+.-]*:/i.test(v) && Boolean(new URL(v));
  } catch {
    return false;
  }
}

/** Canonical text of an IP/CIDR accepted by ipKind (IPv6 compressed, no embedded IPv4 dotted tail). */
export function canonicalIp(v: string): string {
  if (ipKind(v) !== 'ipv6-addr') return v;
  const slash = v.indexOf('/');
  const addr = slash === -1 ? v : v.slice(0, slash);
  const host = new URL(`http://[${addr}]/`).hostname.slice(1, -1);
  return slash === -1 ? host : `${host}${v.slice(slash)}`;
}
