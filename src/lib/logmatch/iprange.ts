/**
 * IP range indexes. CIDR blocks form a laminar family (two blocks are either disjoint or nested), so ranges
 * sorted by (start asc, end desc) plus a parent pointer to the innermost enclosing range answer "every range
 * covering x" with one binary search (last range starting at or before x) and a walk up the parent chain:
 * the first range on the chain that contains x, and all of its ancestors, are exactly the covering ranges.
 * Exact addresses are /32 (/128) ranges. Identical ranges are merged and keep a list of indicator ordinals.
 */
import { sharedArray } from './strtable.ts';

export interface Range4Data {
  starts: Uint32Array;
  ends: Uint32Array;
  parent: Int32Array;
  refOff: Uint32Array;
  refs: Int32Array;
  /** One bit per /24 that any range touches: a cheap negative filter before the binary search. */
  bitmap: Uint8Array;
}

function setBits(bm: Uint8Array, lo: number, hi: number): void {
  // sets bits lo..hi inclusive; whole bytes in the middle are filled at once
  while (lo <= hi && (lo & 7) !== 0) {
    bm[lo >>> 3] |= 1 << (lo & 7);
    lo++;
  }
  const byteEnd = Math.floor((hi + 1) / 8);
  if (lo <= hi && byteEnd > lo / 8) {
    bm.fill(255, lo / 8, byteEnd);
    lo = byteEnd * 8;
  }
  while (lo <= hi) {
    bm[lo >>> 3] |= 1 << (lo & 7);
    lo++;
  }
}

export class Range4Index {
  readonly d: Range4Data;
  readonly n: number;
  constructor(d: Range4Data) {
    this.d = d;
    this.n = d.refOff.length - 1;
  }

  static build(items: { start: number; end: number; ref: number }[]): Range4Index {
    items.sort((a, b) => a.start - b.start || b.end - a.end || a.ref - b.ref);
    let n = 0;
    for (let i = 0; i < items.length; i++) {
      if (i === 0 || items[i].start !== items[i - 1].start || items[i].end !== items[i - 1].end) n++;
    }
    const starts = sharedArray(Uint32Array, n);
    const ends = sharedArray(Uint32Array, n);
    const parent = sharedArray(Int32Array, n);
    const refOff = sharedArray(Uint32Array, n + 1);
    const refs = sharedArray(Int32Array, items.length);
    const bitmap = sharedArray(Uint8Array, 1 << 21);
    const stack: number[] = [];
    let r = -1;
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (r < 0 || it.start !== starts[r] || it.end !== ends[r]) {
        r++;
        starts[r] = it.start;
        ends[r] = it.end;
        refOff[r] = i;
        while (stack.length && ends[stack[stack.length - 1]] < it.start) stack.pop();
        parent[r] = stack.length ? stack[stack.length - 1] : -1;
        stack.push(r);
        setBits(bitmap, Math.floor(it.start / 256), Math.floor(it.end / 256));
      }
      refs[i] = it.ref;
    }
    refOff[n] = items.length;
    return new Range4Index({ starts, ends, parent, refOff, refs, bitmap });
  }

  /** Pushes the ordinals of every indicator covering ip (unsigned 32-bit). Returns true if any. */
  lookup(ip: number, out: number[]): boolean {
    const { starts, ends, parent, refOff, refs, bitmap } = this.d;
    const n = this.n;
    if (n === 0) return false;
    const blk = Math.floor(ip / 256);
    if ((bitmap[blk >>> 3] & (1 << (blk & 7))) === 0) return false;
    let lo = 0;
    let hi = n - 1;
    let r = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid] <= ip) {
        r = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    while (r >= 0 && ends[r] < ip) r = parent[r];
    if (r < 0) return false;
    while (r >= 0) {
      for (let k = refOff[r]; k < refOff[r + 1]; k++) out.push(refs[k]);
      r = parent[r];
    }
    return true;
  }
}

export interface Range6Data {
  starts: Uint32Array; // 4 words per range
  ends: Uint32Array;
  parent: Int32Array;
  refOff: Uint32Array;
  refs: Int32Array;
}

function cmp4(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number): number {
  for (let k = 0; k < 4; k++) {
    const x = a[ao + k];
    const y = b[bo + k];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export class Range6Index {
  readonly d: Range6Data;
  readonly n: number;
  constructor(d: Range6Data) {
    this.d = d;
    this.n = d.refOff.length - 1;
  }

  static build(items: { start: Uint32Array; end: Uint32Array; ref: number }[]): Range6Index {
    items.sort((a, b) => cmp4(a.start, 0, b.start, 0) || cmp4(b.end, 0, a.end, 0) || a.ref - b.ref);
    let n = 0;
    for (let i = 0; i < items.length; i++) {
      if (i === 0 || cmp4(items[i].start, 0, items[i - 1].start, 0) !== 0 || cmp4(items[i].end, 0, items[i - 1].end, 0) !== 0) n++;
    }
    const starts = sharedArray(Uint32Array, 4 * n);
    const ends = sharedArray(Uint32Array, 4 * n);
    const parent = sharedArray(Int32Array, n);
    const refOff = sharedArray(Uint32Array, n + 1);
    const refs = sharedArray(Int32Array, items.length);
    const stack: number[] = [];
    let r = -1;
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (r < 0 || cmp4(it.start, 0, starts, 4 * r) !== 0 || cmp4(it.end, 0, ends, 4 * r) !== 0) {
        r++;
        starts.set(it.start, 4 * r);
        ends.set(it.end, 4 * r);
        refOff[r] = i;
        while (stack.length && cmp4(ends, 4 * stack[stack.length - 1], it.start, 0) < 0) stack.pop();
        parent[r] = stack.length ? stack[stack.length - 1] : -1;
        stack.push(r);
      }
      refs[i] = it.ref;
    }
    refOff[n] = items.length;
    return new Range6Index({ starts, ends, parent, refOff, refs });
  }

  lookup(ip: Uint32Array, out: number[]): boolean {
    const { starts, ends, parent, refOff, refs } = this.d;
    const n = this.n;
    if (n === 0) return false;
    let lo = 0;
    let hi = n - 1;
    let r = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp4(starts, 4 * mid, ip, 0) <= 0) {
        r = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    while (r >= 0 && cmp4(ends, 4 * r, ip, 0) < 0) r = parent[r];
    if (r < 0) return false;
    while (r >= 0) {
      for (let k = refOff[r]; k < refOff[r + 1]; k++) out.push(refs[k]);
      r = parent[r];
    }
    return true;
  }
}
