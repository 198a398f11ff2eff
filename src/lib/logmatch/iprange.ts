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

/**
 * Index-build accumulator for IPv4 CIDR blocks without per-value objects: each block is packed as
 * start * 64 + prefix (sorting that ascending = start asc, end desc) in a growable Float64Array, and sorted
 * with a stable LSD radix sort of an index permutation (16 + 16 + 6 bits) instead of a comparator sort.
 */
export class Range4Builder {
  private keys = new Float64Array(1024);
  private refs = new Int32Array(1024);
  n = 0;

  push(packed: number, ref: number): void {
    if (this.n === this.keys.length) {
      const k = new Float64Array(this.n * 2);
      k.set(this.keys);
      this.keys = k;
      const r = new Int32Array(this.n * 2);
      r.set(this.refs);
      this.refs = r;
    }
    this.keys[this.n] = packed;
    this.refs[this.n++] = ref;
  }

  build(): Range4Index {
    const { n, keys, refs: refIn } = this;
    let idx = new Uint32Array(n);
    let tmp = new Uint32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    const digit = [(x: number) => x % 65536, (x: number) => Math.floor(x / 65536) % 65536, (x: number) => Math.floor(x / 4294967296)];
    const count = new Uint32Array(65537);
    for (const d of digit) {
      count.fill(0);
      for (let i = 0; i < n; i++) count[d(keys[i]) + 1]++;
      for (let k = 1; k <= 65536; k++) count[k] += count[k - 1];
      for (let i = 0; i < n; i++) {
        const j = idx[i];
        tmp[count[d(keys[j])]++] = j;
      }
      const t = idx;
      idx = tmp;
      tmp = t;
    }
    // distinct blocks; identical blocks keep their indicator ordinals (ascending)
    let m = 0;
    for (let i = 0; i < n; i++) if (i === 0 || keys[idx[i]] !== keys[idx[i - 1]]) m++;
    const starts = sharedArray(Uint32Array, m);
    const ends = sharedArray(Uint32Array, m);
    const parent = sharedArray(Int32Array, m);
    const refOff = sharedArray(Uint32Array, m + 1);
    const refs = sharedArray(Int32Array, n);
    const bitmap = sharedArray(Uint8Array, 1 << 21);
    const stack: number[] = [];
    let r = -1;
    for (let i = 0; i < n; i++) {
      const key = keys[idx[i]];
      if (r < 0 || key !== keys[idx[i - 1]]) {
        r++;
        const prefix = key % 64;
        const start = (key - prefix) / 64;
        const end = start + 2 ** (32 - prefix) - 1;
        starts[r] = start;
        ends[r] = end;
        refOff[r] = i;
        while (stack.length && ends[stack[stack.length - 1]] < start) stack.pop();
        parent[r] = stack.length ? stack[stack.length - 1] : -1;
        stack.push(r);
        setBits(bitmap, Math.floor(start / 256), Math.floor(end / 256));
      }
      refs[i] = refIn[idx[i]];
    }
    refOff[m] = n;
    for (let k = 0; k < m; k++) if (refOff[k + 1] - refOff[k] > 1) refs.subarray(refOff[k], refOff[k + 1]).sort();
    return new Range4Index({ starts, ends, parent, refOff, refs, bitmap });
  }
}
