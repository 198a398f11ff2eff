/**
 * IPv4 / IPv6 address and CIDR handling with BigInt math, for ISSUBSET /
 * ISSUPERSET. No regular expressions, no Node `net` dependency.
 */

export interface IpNetwork {
  family: 4 | 6;
  /** Address as an unsigned integer (32 or 128 bits). Host bits are NOT cleared. */
  address: bigint;
  /** Prefix length (0..32 or 0..128); a plain address has the full length. */
  prefix: number;
}

function parseDecimalOctet(s: string): number | null {
  if (s.length === 0 || s.length > 3) return null;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  // No leading zeros ("010" is ambiguous: octal in some parsers).
  if (s.length > 1 && s.charCodeAt(0) === 48) return null;
  return v <= 255 ? v : null;
}

/** Dotted-quad IPv4 address → 32-bit value, or null. */
export function parseIPv4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    const o = parseDecimalOctet(p);
    if (o === null) return null;
    v = (v << 8n) | BigInt(o);
  }
  return v;
}

function parseHextet(s: string): number | null {
  if (s.length === 0 || s.length > 4) return null;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else return null;
    v = v * 16 + d;
  }
  return v;
}

/** IPv6 address (RFC 4291 text forms, incl. `::` and a dotted IPv4 tail) → 128-bit value, or null. */
export function parseIPv6(s: string): bigint | null {
  if (s.length < 2 || s.length > 45) return null;
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return null;
  const toGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const pieces = part.split(':');
    const out: number[] = [];
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      if (i === pieces.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (v4 === null) return null;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        const h = parseHextet(p);
        if (h === null) return null;
        out.push(h);
      }
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = toGroups(s.slice(0, dbl));
    const tail = toGroups(s.slice(dbl + 2));
    if (head === null || tail === null) return null;
    // An embedded IPv4 may only be at the very end.
    if (head.length + tail.length > 7) return null;
    if (s.slice(0, dbl).includes('.')) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = toGroups(s);
    if (all === null || all.length !== 8) return null;
    groups = all;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

/** Parse `addr` or `addr/prefix` (IPv4 or IPv6). */
export function parseIpNetwork(s: string): IpNetwork | null {
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const family: 4 | 6 = addr.includes(':') ? 6 : 4;
  const address = family === 4 ? parseIPv4(addr) : parseIPv6(addr);
  if (address === null) return null;
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (p.length === 0 || p.length > 3) return null;
    prefix = 0;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return null;
      prefix = prefix * 10 + c;
    }
    if (prefix > bits) return null;
  }
  return { family, address, prefix };
}

/** Is every address of `inner` inside `outer`? Different families never contain each other. */
export function networkContains(outer: IpNetwork, inner: IpNetwork): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  const shift = BigInt((outer.family === 4 ? 32 : 128) - outer.prefix);
  return outer.address >> shift === inner.address >> shift;
}
