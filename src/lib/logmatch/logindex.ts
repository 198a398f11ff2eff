/**
 * The indicator index: every structure is a typed array over SharedArrayBuffer (see StrTable, Range4Index,
 * Range6Index) so it can be handed to worker threads without copying or rebuilding.
 */
import type { IndicatorKind, IndicatorValue, ObservedKind } from './types.ts';
import {
  normalizeDomain,
  normalizeEmail,
  normalizeHash,
  normalizeUrl,
  parseCidr4Packed,
  parseCidr6,
  parseIPv4,
  parseIPv6,
  LOWER,
} from './normalize.ts';
import { FNV_OFFSET, FNV_PRIME, KeyMap, StrTable, sharedArray, type StrTableData } from './strtable.ts';
import { Range4Builder, Range4Index, Range6Index, type Range4Data, type Range6Data } from './iprange.ts';

export interface IndexStats {
  /** Indicator values accepted. */
  values: number;
  /** Distinct indicator ids. */
  indicators: number;
  /** Values that could not be normalised for their kind. */
  rejected: number;
  rejectedExamples: { id: string; kind: string; value: string }[];
  byKind: Record<IndicatorKind, number>;
  buildMs: number;
}

export interface SharedIndexData {
  idOff: Uint32Array;
  idBlob: Uint8Array;
  v4: Range4Data;
  v6: Range6Data;
  domains: StrTableData;
  urls: StrTableData;
  urlHosts: StrTableData;
  hashes: StrTableData;
  emails: StrTableData;
  /** Negative filters (see DomainFilters); rebuilt from the tables when absent. */
  filters?: FilterData;
  stats: IndexStats;
}

/**
 * Bit sets that let the scanner drop most domain-like runs without touching the big hash tables (each probe
 * there is a cache miss): `tld` = last labels of domain keys, `d2` = last two labels of domain keys,
 * `single` = single-label domain keys, `hostTld` = last labels of URL hosts, `host` = whole URL hosts.
 * Keyed by the same FNV hashes the tables use (right-to-left for domains, forward for hosts).
 */
export interface FilterData {
  tld: Uint32Array;
  d2: Uint32Array;
  single: Uint32Array;
  hostTld: Uint32Array;
  host: Uint32Array;
}

export const SMALL_BITS = 16; // 8 KiB: stays in L1
export const BIG_BITS = 21; // 256 KiB: stays in L2

/** Bit index of a 32-bit hash in a set of 2^bits bits. */
export function bitOf(h: number, bits: number): number {
  return (h ^ (h >>> bits)) & ((1 << bits) - 1);
}

export function hasBit(set: Uint32Array, h: number, bits: number): boolean {
  const k = bitOf(h, bits);
  return (set[k >>> 5] & (1 << (k & 31))) !== 0;
}

function setBit(set: Uint32Array, h: number, bits: number): void {
  const k = bitOf(h, bits);
  set[k >>> 5] |= 1 << (k & 31);
}

function buildFilters(domains: StrTable, urlHosts: StrTable): FilterData {
  const f: FilterData = {
    tld: sharedArray(Uint32Array, 1 << (SMALL_BITS - 5)),
    d2: sharedArray(Uint32Array, 1 << (BIG_BITS - 5)),
    single: sharedArray(Uint32Array, 1 << (SMALL_BITS - 5)),
    hostTld: sharedArray(Uint32Array, 1 << (SMALL_BITS - 5)),
    host: sharedArray(Uint32Array, 1 << (BIG_BITS - 5)),
  };
  const label = (blob: Uint8Array, s: number, e: number, reverse: (h: number, dots: number) => void): void => {
    let h = FNV_OFFSET;
    let dots = 0;
    for (let i = e - 1; i >= s; i--) {
      const c = blob[i];
      if (c === 46) {
        reverse(h >>> 0, ++dots);
        if (dots === 2) return;
      }
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    reverse(h >>> 0, dots === 0 ? 0 : dots === 1 ? 2 : 3);
  };
  for (let ei = 0; ei < domains.size; ei++) {
    label(domains.blob, domains.keyOff[ei], domains.keyOff[ei + 1], (h, d) => {
      // d: 1 = last label, 2 = last two labels, 0 = a single-label key (whole key)
      if (d === 0) {
        setBit(f.tld, h, SMALL_BITS);
        setBit(f.single, h, SMALL_BITS);
      } else if (d === 1) setBit(f.tld, h, SMALL_BITS);
      else if (d === 2) setBit(f.d2, h, BIG_BITS);
    });
  }
  for (let ei = 0; ei < urlHosts.size; ei++) {
    const s = urlHosts.keyOff[ei];
    const e = urlHosts.keyOff[ei + 1];
    setBit(f.host, urlHosts.hashes[ei], BIG_BITS);
    label(urlHosts.blob, s, e, (h, d) => {
      if (d <= 1) setBit(f.hostTld, h, SMALL_BITS);
    });
  }
  return f;
}


const KINDS: IndicatorKind[] = ['ipv4', 'ipv6', 'cidr4', 'cidr6', 'domain', 'url', 'md5', 'sha1', 'sha256', 'email'];


export class LogIndex {
  readonly idOff: Uint32Array;
  readonly idBlob: Uint8Array;
  readonly v4: Range4Index;
  readonly v6: Range6Index;
  readonly domains: StrTable;
  readonly urls: StrTable;
  readonly urlHosts: StrTable;
  readonly hashes: StrTable;
  readonly emails: StrTable;
  readonly filters: FilterData;
  readonly stats: IndexStats;
  private readonly idBuf: Buffer;

  constructor(d: SharedIndexData) {
    this.idOff = d.idOff;
    this.idBlob = d.idBlob;
    this.idBuf = Buffer.from(d.idBlob.buffer, d.idBlob.byteOffset, d.idBlob.byteLength);
    this.v4 = new Range4Index(d.v4);
    this.v6 = new Range6Index(d.v6);
    this.domains = new StrTable(d.domains);
    this.urls = new StrTable(d.urls);
    this.urlHosts = new StrTable(d.urlHosts);
    this.hashes = new StrTable(d.hashes);
    this.emails = new StrTable(d.emails);
    this.filters = d.filters ?? buildFilters(this.domains, this.urlHosts);
    this.stats = d.stats;
  }


  /** Plain object of SharedArrayBuffer-backed arrays; pass to a Worker and rebuild with `LogIndex.fromShared`. */
  toShared(): SharedIndexData {
    return {
      idOff: this.idOff,
      idBlob: this.idBlob,
      v4: this.v4.d,
      v6: this.v6.d,
      domains: this.domains.data(),
      urls: this.urls.data(),
      urlHosts: this.urlHosts.data(),
      hashes: this.hashes.data(),
      emails: this.emails.data(),
      filters: this.filters,
      stats: this.stats,
    };
  }

  static fromShared(d: SharedIndexData): LogIndex {
    return new LogIndex(d);
  }

  get size(): number {
    return this.stats.values;
  }

  idOf(ord: number): string {
    return this.idBuf.toString('utf8', this.idOff[ord], this.idOff[ord + 1]);
  }

  idsOf(refs: number[]): string[] {
    if (refs.length === 1) return [this.idOf(refs[0])];
    return [...new Set(refs)].map((r) => this.idOf(r)).sort();
  }

  /**
   * Domain lookup on bytes b[s..e) (ASCII, any case, no trailing dot): the value and every parent domain at a
   * label boundary are probed. One right-to-left hash pass yields the hash of every suffix.
   */
  domainRefs(b: Uint8Array, s: number, e: number, out: number[]): boolean {
    const t = this.domains;
    if (t.size === 0) return false;
    const { tld, d2, single } = this.filters;
    let h = FNV_OFFSET;
    let found = false;
    let dots = 0;
    for (let i = e - 1; i >= s; i--) {
      const c = LOWER[b[i]];
      if (c === 46) {
        if (i + 1 < e) {
          const hs = h >>> 0;
          // suffix of 1 label: any key ending with it? (then probe only if it is a single-label key);
          // of 2 labels: any key ending with these two labels? Longer suffixes are probed as before.
          dots++;
          if (dots === 1) {
            if (!hasBit(tld, hs, SMALL_BITS)) return false;
            if (hasBit(single, hs, SMALL_BITS)) found = this.probe(hs, b, i + 1, e, out) || found;
          } else {
            if (dots === 2 && !hasBit(d2, hs, BIG_BITS)) return found;
            found = this.probe(hs, b, i + 1, e, out) || found;
          }
        } else return found;
        if (i === s || b[i - 1] === 46) return found; // empty label: not a domain beyond here
      }
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    const hs = h >>> 0;
    if (dots === 0) {
      if (!hasBit(single, hs, SMALL_BITS)) return found;
    } else if (dots === 1 && !hasBit(d2, hs, BIG_BITS)) return found;
    return this.probe(hs, b, s, e, out) || found;
  }

  private probe(h: number, b: Uint8Array, s: number, e: number, out: number[]): boolean {
    const ei = this.domains.find(h, b, s, e);
    if (ei < 0) return false;
    this.domains.pushRefs(ei, out);
    return true;
  }

  /**
   * Indicator ids matching one observed value of the given kind (normalised first). For 'ipv4'/'cidr4' every
   * covering range matches; for 'domain' every parent domain; hashes by length. Returns sorted unique ids.
   */
  lookup(kind: IndicatorKind | ObservedKind, value: string): string[] {
    const out: number[] = [];
    switch (kind) {
      case 'ipv4':
      case 'cidr4': {
        const ip = parseIPv4(value);
        if (ip >= 0) this.v4.lookup(ip, out);
        break;
      }
      case 'ipv6':
      case 'cidr6': {
        const w = parseIPv6(value);
        if (w) {
          this.v6.lookup(w, out);
          if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) this.v4.lookup(w[3], out);
        }
        break;
      }
      case 'domain': {
        const d = normalizeDomain(value);
        if (d) {
          const b = Buffer.from(d, 'latin1');
          this.domainRefs(b, 0, b.length, out);
        }
        break;
      }
      case 'url': {
        const u = normalizeUrl(value);
        if (u) {
          const ei = this.urls.findString(u);
          if (ei >= 0) this.urls.pushRefs(ei, out);
        }
        break;
      }
      case 'md5':
      case 'sha1':
      case 'sha256': {
        const h = normalizeHash(value);
        if (h) {
          const ei = this.hashes.findString(h.key);
          if (ei >= 0) this.hashes.pushRefs(ei, out);
        }
        break;
      }
      case 'email': {
        const em = normalizeEmail(value);
        if (em) {
          const ei = this.emails.findString(em);
          if (ei >= 0) this.emails.pushRefs(ei, out);
        }
        break;
      }
    }
    return this.idsOf(out);
  }
}

/** Builds the index. Invalid values are counted in `stats.rejected`, never thrown. */
export function buildIndex(values: Iterable<IndicatorValue>): LogIndex {
  const t0 = performance.now();
  const idMap = new KeyMap();
  const idList = idMap.keys;
  const v4 = new Range4Builder();
  const v6: { start: Uint32Array; end: Uint32Array; ref: number }[] = [];
  const domains = new KeyMap();
  const urls = new KeyMap();
  const urlHosts = new KeyMap();
  const hashes = new KeyMap();
  const emails = new KeyMap();
  let lastId: string | null = null;
  let lastRef = -1;
  const byKind = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<IndicatorKind, number>;
  const stats: IndexStats = { values: 0, indicators: 0, rejected: 0, rejectedExamples: [], byKind, buildMs: 0 };
  const reject = (v: IndicatorValue) => {
    stats.rejected++;
    if (stats.rejectedExamples.length < 20) stats.rejectedExamples.push({ id: String(v.id), kind: String(v.kind), value: String(v.value) });
  };
  for (const v of values) {
    if (!v || typeof v.value !== 'string' || typeof v.id !== 'string') {
      reject(v);
      continue;
    }
    // ordinal of the id: consecutive values of one indicator skip the lookup; a new id whose value is rejected
    // is dropped again (rejected values never create ordinals)
    const same = v.id === lastId;
    const ref = same ? lastRef : idMap.intern(v.id);
    const added = !same && idMap.added;
    let ok = true;
    switch (v.kind) {
      case 'ipv4':
      case 'cidr4': {
        const c = parseCidr4Packed(v.value);
        if (c >= 0) v4.push(c, ref);
        else ok = false;
        break;
      }
      case 'ipv6':
      case 'cidr6': {
        const c = parseCidr6(v.value);
        if (c) v6.push({ start: c.start, end: c.end, ref });
        else ok = false;
        break;
      }
      case 'domain': {
        const d = normalizeDomain(v.value);
        if (d) domains.add(d, ref);
        else ok = false;
        break;
      }
      case 'url': {
        const u = normalizeUrl(v.value);
        if (u) {
          urls.add(u, ref);
          const hostStart = u.indexOf('://') + 3;
          let hostEnd = hostStart;
          while (hostEnd < u.length && !'/?'.includes(u[hostEnd])) hostEnd++;
          let auth = u.slice(hostStart, hostEnd);
          const at = auth.lastIndexOf('@');
          if (at >= 0) auth = auth.slice(at + 1);
          const host = auth.startsWith('[') ? auth.slice(0, auth.indexOf(']') + 1) : auth.replace(/:\d+$/, '');
          urlHosts.add(host, 0);
        } else ok = false;
        break;
      }
      case 'md5':
      case 'sha1':
      case 'sha256': {
        const h = normalizeHash(v.value);
        if (h) hashes.add(h.key, ref);
        else ok = false;
        break;
      }
      case 'email': {
        const e = normalizeEmail(v.value);
        if (e) emails.add(e, ref);
        else ok = false;
        break;
      }
      default:
        ok = false;
    }
    if (!ok) {
      if (added) idMap.dropLast();
      reject(v);
      continue;
    }
    lastId = v.id;
    lastRef = ref;
    stats.values++;
    byKind[v.kind]++;
  }
  stats.indicators = idList.length;
  let idBytes = 0;
  for (const id of idList) idBytes += Buffer.byteLength(id, 'utf8');
  const idOff = sharedArray(Uint32Array, idList.length + 1);
  const idSab = new SharedArrayBuffer(Math.max(1, idBytes));
  const idBuf = Buffer.from(idSab);
  let off = 0;
  for (let i = 0; i < idList.length; i++) {
    idOff[i] = off;
    off += idBuf.write(idList[i], off, 'utf8');
  }
  idOff[idList.length] = off;
  const d: SharedIndexData = {
    idOff,
    idBlob: new Uint8Array(idSab),
    v4: v4.build().d,
    v6: Range6Index.build(v6).d,
    domains: StrTable.build(domains, true).data(),
    urls: StrTable.build(urls, false).data(),
    urlHosts: StrTable.build(urlHosts, false).data(),
    hashes: StrTable.build(hashes, false).data(),
    emails: StrTable.build(emails, false).data(),
    stats,
  };
  stats.buildMs = performance.now() - t0;
  return new LogIndex(d);
}
