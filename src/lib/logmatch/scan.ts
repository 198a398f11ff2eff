/**
 * The byte scanner: finds candidate values in raw UTF-8 bytes and checks them against the index without
 * creating strings unless a candidate matches. One pass over the bytes splits "word runs" ([A-Za-z0-9._-] and
 * non-ASCII bytes); a run is classified as a dotted-quad IPv4, a hash (32/40/64 hex digits) or a domain
 * (dotted, with a letter). IPv6 and URLs are looked at around each ':'. Emails are domain runs preceded by
 * '@' and a local part.
 *
 * Boundaries: runs are maximal, so `1.2.3.45` never yields `1.2.3.4`, `110.0.0.12` never yields `10.0.0.1`,
 * a dotted run with five numbers is not an address, and domains are matched on whole-label suffixes only.
 */
import type { ObservedKind } from './types.ts';
import { BIG_BITS, hasBit, SMALL_BITS, type LogIndex } from './logindex.ts';
import { formatIPv4, formatIPv6, LOWER, normalizeDomain, normalizeUrl, parseIPv4Bytes, parseIPv6Bytes } from './normalize.ts';
import { FNV_OFFSET, FNV_PRIME, hashFwd } from './strtable.ts';

export interface RawHit {
  kind: ObservedKind;
  value: string;
  refs: number[];
}

const WORD = 1;
const DIGIT = 2;
const HEXA = 4;
const ALPHA = 8;
const DOT = 16;
const DASH = 32;
const HIGH = 64;
const CTRL = 128;

export const CLS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  let k = 0;
  if (c >= 48 && c <= 57) k = WORD | DIGIT;
  else if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) k = WORD | HEXA;
  else if ((c >= 103 && c <= 122) || (c >= 71 && c <= 90)) k = WORD | ALPHA;
  else if (c === 46) k = WORD | DOT;
  else if (c === 45 || c === 95) k = WORD | DASH;
  else if (c >= 128) k = WORD | HIGH;
  else if ((c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 11 && c !== 27) || c === 127) k = CTRL;
  CLS[c] = k;
}
const V6CH = new Uint8Array(256);
for (let c = 0; c < 256; c++) V6CH[c] = (CLS[c] & (DIGIT | HEXA)) !== 0 || c === 58 || c === 46 ? 1 : 0;
const ZONE = new Uint8Array(256);
for (let c = 0; c < 256; c++) ZONE[c] = (CLS[c] & (DIGIT | HEXA | ALPHA | DASH)) !== 0 || c === 46 ? 1 : 0;
const SCHEME = new Uint8Array(256);
for (let c = 0; c < 256; c++) SCHEME[c] = (CLS[c] & (DIGIT | HEXA | ALPHA)) !== 0 || c === 43 || c === 45 || c === 46 ? 1 : 0;
const LOCAL = new Uint8Array(256);
for (let c = 0; c < 256; c++) LOCAL[c] = (CLS[c] & (DIGIT | HEXA | ALPHA | DASH | DOT)) !== 0 || c === 43 || c === 37 ? 1 : 0;
const URL_STOP = new Uint8Array(256);
for (let c = 0; c < 256; c++) URL_STOP[c] = c <= 32 || c === 127 || '"<>`\\^{}|\''.includes(String.fromCharCode(c)) ? 1 : 0;

/** Status bits returned by Scanner.scan. */
export const SCAN_BINARY = 1;
export const SCAN_HIGH = 2;
/** A host of some URL indicator appears on the line: the structured pass should look for URLs (e.g. Zeek host+uri). */
export const SCAN_URLHOST = 4;
/** The line has a backslash: escaped values (JSON, CEF, Zeek) need the structured pass. */
export const SCAN_ESC = 8;

/**
 * Memo of clean spans: bytes between two `"` that were scanned and yielded nothing (no value, no status bit, no
 * control byte), possibly with other quotes inside. JSON lines repeat their keys and many values
 * (`qclass":1,"qclass_name":"C_INTERNET","qtype":1,…`) on every line; comparing a span with a remembered one
 * costs a fraction of classifying its bytes token by token. No detector looks across a `"` (it is not a word,
 * scheme, URL, IPv6 or e-mail local-part character, and it ends a URL), so what a span yields is a function of
 * its bytes alone: skipping a remembered span changes no result, wherever it appears and whatever the format.
 * Slots are chosen by the ordinal of the opening quote on the line (lines of one kind share their layout), two
 * ways per slot with a small use counter (values that change on every line do not evict recurring spans). A
 * span starts as one quoted segment and grows by the next clean segment on each hit; when a later line differs
 * inside it, it is cut back to its last quote before the difference and grows no more.
 */
const MEMO_SLOTS = 64;
const MEMO_WAYS = 2;
const MEMO_MAX = 255;

function isHashLen(n: number): boolean {
  return n === 32 || n === 40 || n === 64;
}

export class Scanner {
  private readonly index: LogIndex;
  /** Extraction mode (no index): every well-formed candidate is emitted with empty refs. */
  private readonly all: boolean;
  private readonly w6 = new Uint32Array(4);
  private refs: number[] = [];
  private status = 0;
  /** Values emitted so far (before de-duplication): a segment that emitted anything is not remembered. */
  private emits = 0;
  private readonly memo = new Uint8Array(MEMO_SLOTS * MEMO_WAYS * (MEMO_MAX + 1));
  private readonly memoLen = new Uint16Array(MEMO_SLOTS * MEMO_WAYS);
  /** Quotes inside each remembered span. */
  private readonly memoQuotes = new Uint8Array(MEMO_SLOTS * MEMO_WAYS);
  private readonly memoUse = new Uint8Array(MEMO_SLOTS * MEMO_WAYS);
  /** 1 = the span was cut back (something after it varies): it does not grow. */
  private readonly memoCap = new Uint8Array(MEMO_SLOTS * MEMO_WAYS);
  /** Way of the last successful recall. */
  private recallWay = 0;
  private readonly hasV4: boolean;
  private readonly hasV6: boolean;
  private readonly hasDomains: boolean;
  private readonly hasUrls: boolean;
  private readonly hasHashes: boolean;
  private readonly hasEmails: boolean;

  constructor(index: LogIndex | null) {
    this.all = index === null;
    this.index = index as LogIndex;
    this.hasV4 = !index || index.v4.n > 0;
    this.hasV6 = !index || index.v6.n > 0 || this.hasV4;
    this.hasDomains = !index || index.domains.size > 0;
    this.hasUrls = !index || index.urls.size > 0;
    this.hasHashes = !index || index.hashes.size > 0;
    this.hasEmails = !index || index.emails.size > 0;
  }

  /** Scans b[s..e) and appends unique hits to out. Returns SCAN_* status bits. */
  scan(b: Uint8Array, s: number, e: number, out: RawHit[]): number {
    this.status = 0;
    let ctrl = 0;
    let v6End = s;
    let i = s;
    let acc = 0; // status bits found before the last quote (this.status holds those since)
    // clean-span memo: ord = ordinal of the next quote; pend = a way that may grow by the segment starting at
    // pendAt (pendGrow), or a slot that may learn that segment
    let ord = 0;
    let pend = -1;
    let pendGrow = false;
    let pendAt = 0;
    let em0 = this.emits;
    let ct0 = 0;
    while (i < e) {
      const c = b[i];
      const k = CLS[c];
      if (k & WORD) {
        let j = i + 1;
        let f = k;
        while (j < e) {
          const kk = CLS[b[j]];
          if ((kk & WORD) === 0) break;
          f |= kk;
          j++;
        }
        // only dotted runs (IPv4, domains, emails), hash-length runs and non-ASCII runs can hold a value
        if ((f & (DOT | HIGH)) !== 0 || j - i >= 32) this.run(b, s, i, j, f, out);
        i = j;
      } else {
        if (c === 34) {
          const clean = this.status === 0 && this.emits === em0 && ctrl === ct0;
          acc |= this.status;
          this.status = 0;
          em0 = this.emits;
          ct0 = ctrl;
          if (pend >= 0) {
            if (pendGrow) this.grow(pend, b, pendAt, i, clean);
            else if (clean && i > pendAt) this.remember(pend, b, pendAt, i);
            pend = -1;
          }
          if (ord < MEMO_SLOTS) {
            const end = this.recall(ord, b, i + 1, e);
            if (end >= 0) {
              const x = this.recallWay;
              ord += 2 + this.memoQuotes[x];
              if (this.memoCap[x] === 0) {
                pend = x;
                pendGrow = true;
                pendAt = end;
              }
              i = end + 1; // past the closing quote
              continue;
            }
            pend = ord;
            pendGrow = false;
            pendAt = i + 1;
          }
          ord++;
        } else if (c === 58) {
          // an IPv6 span starts with hex before its first ':' or with '::'; a URL has '://'
          if (i >= v6End && (i + 1 < e && (b[i + 1] === 47 || b[i + 1] === 58) || (i > s && V6CH[b[i - 1]] === 1))) v6End = this.colon(b, s, e, i, out);
        } else if (c === 92) {
          this.status |= SCAN_ESC;
        } else if (k & CTRL) {
          if (c === 0) {
            out.length = 0;
            return SCAN_BINARY;
          }
          ctrl++;
        }
        i++;
      }
    }
    this.status |= acc;
    if (ctrl > 0 && ctrl * 16 > e - s) {
      out.length = 0;
      return SCAN_BINARY;
    }
    return this.status;
  }

  /**
   * Position of the closing quote when b[s..] starts with a remembered span followed by `"`, else -1. A span
   * that matches only up to a quote inside it is cut back to that quote (and answers that quote).
   */
  private recall(slot: number, b: Uint8Array, s: number, e: number): number {
    const { memo, memoLen } = this;
    let cutX = -1;
    let cutLen = 0;
    for (let w = 0; w < MEMO_WAYS; w++) {
      const x = slot * MEMO_WAYS + w;
      const len = memoLen[x];
      if (len === 0) continue;
      const off = x * (MEMO_MAX + 1);
      const lim = Math.min(len, e - s);
      let k = 0;
      while (k < lim && b[s + k] === memo[off + k]) k++;
      if (k === len && s + len < e && b[s + len] === 34) {
        if (this.memoUse[x] < 3) this.memoUse[x]++;
        this.recallWay = x;
        return s + len;
      }
      let p = k - 1;
      while (p > cutLen && memo[off + p] !== 34) p--;
      if (p > cutLen) {
        cutX = x;
        cutLen = p;
      }
    }
    if (cutX < 0) return -1;
    const off = cutX * (MEMO_MAX + 1);
    let quotes = 0;
    for (let k = 0; k < cutLen; k++) if (memo[off + k] === 34) quotes++;
    memoLen[cutX] = cutLen;
    this.memoQuotes[cutX] = quotes;
    this.memoCap[cutX] = 1;
    this.recallWay = cutX;
    return s + cutLen;
  }

  /** Learns b[s..e) (one clean quoted segment) in its slot, in a way not used lately. */
  private remember(slot: number, b: Uint8Array, s: number, e: number): void {
    if (e - s > MEMO_MAX) return;
    const use = this.memoUse;
    const base = slot * MEMO_WAYS;
    let x = -1;
    for (let w = 0; w < MEMO_WAYS; w++) {
      if (use[base + w] === 0) {
        x = base + w;
        break;
      }
    }
    if (x < 0) {
      for (let w = 0; w < MEMO_WAYS; w++) use[base + w]--;
      return;
    }
    this.memo.set(b.subarray(s, e), x * (MEMO_MAX + 1));
    this.memoLen[x] = e - s;
    this.memoQuotes[x] = 0;
    this.memoCap[x] = 0;
    use[x] = 1;
  }

  /** Extends way x by the quote at b[q] and the segment after it up to b[e] (the next quote), when clean. */
  private grow(x: number, b: Uint8Array, q: number, e: number, clean: boolean): void {
    const len = this.memoLen[x];
    if (!clean || len + e - q > MEMO_MAX) {
      this.memoCap[x] = 1;
      return;
    }
    this.memo.set(b.subarray(q, e), x * (MEMO_MAX + 1) + len);
    this.memoLen[x] = len + e - q;
    this.memoQuotes[x]++;
  }

  /** Scans a JS string (used by the structured pass on unescaped field values). */
  scanString(str: string, out: RawHit[]): number {
    const b = Buffer.from(str, 'utf8');
    return this.scan(b, 0, b.length, out);
  }

  private emit(out: RawHit[], kind: ObservedKind, value: string, refs: number[]): void {
    this.emits++;
    for (let k = 0; k < out.length; k++) if (out[k].value === value && out[k].kind === kind) return;
    out.push({ kind, value, refs });
  }

  private run(b: Uint8Array, ls: number, i: number, j: number, f: number, out: RawHit[]): void {
    let a = i;
    let z = j;
    while (a < z && (b[a] === 46 || b[a] === 45)) a++;
    while (z > a && CLS[b[z - 1]] & (DOT | DASH)) z--;
    const len = z - a;
    if (len < 1) return;
    if (f & HIGH) {
      this.status |= SCAN_HIGH;
      this.slowRun(b, ls, a, z, out);
      return;
    }
    if ((f & (ALPHA | HEXA | DASH)) === 0) {
      if (f & DOT) {
        if (this.hasV4) {
          const ip = parseIPv4Bytes(b, a, z);
          if (ip >= 0) this.v4(ip, out);
        }
      } else if (this.hasHashes && isHashLen(len)) this.hash(b, a, z, out);
      return;
    }
    if (this.hasHashes && len >= 32) {
      if ((f & (ALPHA | DASH | DOT)) === 0) {
        if (isHashLen(len)) this.hash(b, a, z, out);
      } else {
        // hex pieces between '.', '-' or '_' (file_<sha256>.exe)
        let p = a;
        for (let q = a; q <= z; q++) {
          if (q === z || CLS[b[q]] & (DOT | DASH)) {
            if (isHashLen(q - p)) {
              let hex = true;
              for (let r = p; r < q; r++) if ((CLS[b[r]] & (DIGIT | HEXA)) === 0) hex = false;
              if (hex) this.hash(b, p, q, out);
            }
            p = q + 1;
          }
        }
      }
    }
    if ((f & DOT) === 0) return;
    // dotted with a letter: domain, unless the last label is numeric ("host-1.2.3.4" → try the IPv4 tail)
    let q = z - 1;
    let numericLast = true;
    let hl = FNV_OFFSET; // right-to-left hash of the last label (URL-host filter)
    while (q >= a && b[q] !== 46) {
      const c = b[q];
      if ((CLS[c] & DIGIT) === 0) numericLast = false;
      hl = Math.imul(hl ^ LOWER[c], FNV_PRIME);
      q--;
    }
    if (numericLast) {
      if (this.hasV4) {
        let p = z - 1;
        while (p >= a && (b[p] === 46 || (CLS[b[p]] & DIGIT) !== 0)) p--;
        if (p >= a && (b[p] === 45 || b[p] === 95)) {
          const ip = parseIPv4Bytes(b, p + 1, z);
          if (ip >= 0) this.v4(ip, out);
        }
      }
      return;
    }
    if (this.all) {
      this.emit(out, 'domain', Buffer.from(b.buffer, b.byteOffset + a, len).toString('latin1').toLowerCase(), []);
    } else if (this.hasDomains) {
      const refs = this.refs;
      if (this.index.domainRefs(b, a, z, refs)) {
        this.emit(out, 'domain', Buffer.from(b.buffer, b.byteOffset + a, len).toString('latin1').toLowerCase(), refs);
        this.refs = [];
      }
    }
    if (this.hasUrls && !this.all && hasBit(this.index.filters.hostTld, hl >>> 0, SMALL_BITS)) {
      const fh = hashFwd(b, a, z);
      if (hasBit(this.index.filters.host, fh, BIG_BITS) && this.index.urlHosts.find(fh, b, a, z) >= 0) this.status |= SCAN_URLHOST;
    }
    if (this.hasEmails && a === i && a > ls + 1 && b[a - 1] === 64) {
      let p = a - 1;
      while (p > ls && LOCAL[b[p - 1]]) p--;
      if (p < a - 1 && this.all) {
        this.emit(out, 'email', Buffer.from(b.buffer, b.byteOffset + p, z - p).toString('latin1').toLowerCase(), []);
      } else if (p < a - 1) {
        const t = this.index.emails;
        const ei = t.find(hashFwd(b, p, z), b, p, z);
        if (ei >= 0) {
          const refs: number[] = [];
          t.pushRefs(ei, refs);
          this.emit(out, 'email', Buffer.from(b.buffer, b.byteOffset + p, z - p).toString('latin1').toLowerCase(), refs);
        }
      }
    }
  }

  /** Runs with non-ASCII bytes: decode, split on non-letters, IDN → punycode. */
  private slowRun(b: Uint8Array, ls: number, a: number, z: number, out: RawHit[]): void {
    const str = Buffer.from(b.buffer, b.byteOffset + a, z - a).toString('utf8');
    const pieces = str.split(/[^\p{L}\p{N}\p{M}._-]+/u);
    for (let pi = 0; pi < pieces.length; pi++) {
      const piece = pieces[pi].replace(/^[._-]+|[._-]+$/g, '');
      if (!piece.includes('.')) continue;
      const d = normalizeDomain(piece);
      if (!d) continue;
      const db = Buffer.from(d, 'latin1');
      if (this.all) this.emit(out, 'domain', d, []);
      else if (this.hasDomains) {
        const refs: number[] = [];
        if (this.index.domainRefs(db, 0, db.length, refs)) this.emit(out, 'domain', d, refs);
      }
      if (this.hasUrls && !this.all && this.index.urlHosts.find(hashFwd(db, 0, db.length), db, 0, db.length) >= 0) this.status |= SCAN_URLHOST;
      if (this.hasEmails && pi === 0 && a > ls + 1 && b[a - 1] === 64 && str.startsWith(pieces[0])) {
        let p = a - 1;
        while (p > ls && LOCAL[b[p - 1]]) p--;
        if (p < a - 1) {
          const email = Buffer.from(b.buffer, b.byteOffset + p, a - 1 - p).toString('latin1').toLowerCase() + '@' + d;
          const ei = this.all ? -1 : this.index.emails.findString(email);
          if (this.all) this.emit(out, 'email', email, []);
          if (ei >= 0) {
            const refs: number[] = [];
            this.index.emails.pushRefs(ei, refs);
            this.emit(out, 'email', email, refs);
          }
        }
      }
    }
  }

  private v4(ip: number, out: RawHit[]): void {
    if (this.all) return this.emit(out, 'ipv4', formatIPv4(ip), []);
    const refs = this.refs;
    if (this.index.v4.lookup(ip, refs)) {
      this.emit(out, 'ipv4', formatIPv4(ip), refs);
      this.refs = [];
    }
  }

  private hash(b: Uint8Array, a: number, z: number, out: RawHit[]): void {
    const refs: number[] = [];
    if (!this.all) {
      const t = this.index.hashes;
      const ei = t.find(hashFwd(b, a, z), b, a, z);
      if (ei < 0) return;
      t.pushRefs(ei, refs);
    }
    const len = z - a;
    this.emit(out, len === 32 ? 'md5' : len === 40 ? 'sha1' : 'sha256', Buffer.from(b.buffer, b.byteOffset + a, len).toString('latin1').toLowerCase(), refs);
  }

  /** Around a ':' — a URL (`scheme://`) or an IPv6 address. Returns the index up to which ':' need no look. */
  private colon(b: Uint8Array, ls: number, le: number, i: number, out: RawHit[]): number {
    if (i + 2 < le && b[i + 1] === 47 && b[i + 2] === 47) {
      if (this.hasUrls) {
        let a = i;
        while (a > ls && SCHEME[b[a - 1]]) a--;
        while (a < i && (CLS[b[a]] & (HEXA | ALPHA)) === 0) a++;
        if (a < i) {
          let end = i + 3;
          while (end < le && !URL_STOP[b[end]]) end++;
          this.url(b, a, i, end, out);
        }
      }
      return i + 1;
    }
    if (!this.hasV6) return i + 1;
    let a = i;
    while (a > ls && V6CH[b[a - 1]]) a--;
    let z = i + 1;
    while (z < le && V6CH[b[z]]) z++;
    const spanEnd = z;
    if (a > ls && (CLS[b[a - 1]] & (ALPHA | HIGH | DASH)) !== 0) return spanEnd;
    while (z > i + 1 && b[z - 1] === 46) z--;
    if (z < le && b[z] !== 37 && (CLS[b[z]] & (ALPHA | HIGH)) !== 0) return spanEnd;
    let colons = 0;
    for (let k = a; k < z; k++) if (b[k] === 58) colons++;
    if (colons < 2) return spanEnd;
    const w = this.w6;
    let ok = parseIPv6Bytes(b, a, z, w);
    if (!ok && b[z - 1] === 58 && b[z - 2] !== 58) ok = parseIPv6Bytes(b, a, --z, w);
    if (!ok) return spanEnd;
    if (this.all) {
      this.emit(out, 'ipv6', formatIPv6(w), []);
      return spanEnd;
    }
    const refs = this.refs;
    let found = this.index.v6.lookup(w, refs);
    if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) {
      // IPv4-mapped: a dotted tail is also seen by the IPv4 run scan; the hex form is checked here
      let dotted = false;
      for (let k = a; k < z; k++) if (b[k] === 46) dotted = true;
      if (!dotted && this.index.v4.lookup(w[3], refs)) found = true;
    }
    if (found) {
      this.emit(out, 'ipv6', formatIPv6(w), refs);
      this.refs = [];
    }
    return spanEnd;
  }

  private url(b: Uint8Array, a: number, colon: number, end: number, out: RawHit[]): void {
    let hs = colon + 3;
    let ae = hs;
    while (ae < end && b[ae] !== 47 && b[ae] !== 63 && b[ae] !== 35) ae++;
    for (let k = hs; k < ae; k++) if (b[k] === 64) hs = k + 1;
    let slow = false;
    let he = ae;
    if (b[hs] === 91) slow = true;
    else {
      for (let k = hs; k < ae; k++) {
        if (b[k] === 58) {
          he = k;
          break;
        }
        if (b[k] >= 128 || b[k] === 37) slow = true;
      }
      while (he > hs && b[he - 1] === 46) he--;
    }
    if (this.all) {
      const u = normalizeUrl(Buffer.from(b.buffer, b.byteOffset + a, end - a).toString('utf8').replace(/[.,;:!?)\]]+$/, ''));
      if (u) this.emit(out, 'url', u, []);
      return;
    }
    if (!slow && this.index.urlHosts.find(hashFwd(b, hs, he), b, hs, he) < 0) return;
    let str = Buffer.from(b.buffer, b.byteOffset + a, end - a).toString('utf8');
    for (let tries = 0; tries < 4 && str.length > colon - a + 3; tries++) {
      const u = normalizeUrl(str);
      if (u) {
        const ei = this.index.urls.findString(u);
        if (ei >= 0) {
          const refs: number[] = [];
          this.index.urls.pushRefs(ei, refs);
          this.emit(out, 'url', u, refs);
          return;
        }
      }
      const cut = str.replace(/[.,;:!?)\]]+$/, '');
      if (cut !== str) {
        str = cut;
        continue;
      }
      const comma = Math.max(str.lastIndexOf(','), str.lastIndexOf(';'));
      if (comma <= colon - a + 3) return;
      str = str.slice(0, comma);
    }
  }
}
