/**
 * A compact, immutable hash table from byte strings to lists of small integers, kept entirely in typed arrays
 * backed by SharedArrayBuffer, so worker threads can share it without copying. Lookups work on raw bytes with
 * optional ASCII case folding, so the log scanner never has to create strings for values that do not match.
 */
import { LOWER } from './normalize.ts';

export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

type TypedCtor<T> = { new (buf: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
export function sharedArray<T>(Ctor: TypedCtor<T>, n: number): T {
  return new Ctor(new SharedArrayBuffer(Math.max(1, n) * Ctor.BYTES_PER_ELEMENT));
}

export function hashFwd(b: Uint8Array, s: number, e: number): number {
  let h = FNV_OFFSET;
  for (let i = s; i < e; i++) h = Math.imul(h ^ LOWER[b[i]], FNV_PRIME);
  return h >>> 0;
}

/** Hash over the bytes from last to first: all suffix hashes of a domain come out of one right-to-left pass. */
export function hashRev(b: Uint8Array, s: number, e: number): number {
  let h = FNV_OFFSET;
  for (let i = e - 1; i >= s; i--) h = Math.imul(h ^ LOWER[b[i]], FNV_PRIME);
  return h >>> 0;
}

export interface StrTableData {
  slots: Int32Array;
  hashes: Uint32Array;
  keyOff: Uint32Array;
  blob: Uint8Array;
  refOff: Uint32Array;
  refs: Int32Array;
  reverse: boolean;
}

export class StrTable {
  readonly slots: Int32Array;
  readonly hashes: Uint32Array;
  readonly keyOff: Uint32Array;
  readonly blob: Uint8Array;
  readonly refOff: Uint32Array;
  readonly refs: Int32Array;
  readonly reverse: boolean;
  readonly mask: number;
  readonly size: number;

  constructor(d: StrTableData) {
    this.slots = d.slots;
    this.hashes = d.hashes;
    this.keyOff = d.keyOff;
    this.blob = d.blob;
    this.refOff = d.refOff;
    this.refs = d.refs;
    this.reverse = d.reverse;
    this.mask = d.slots.length - 1;
    this.size = d.keyOff.length - 1;
  }

  data(): StrTableData {
    const { slots, hashes, keyOff, blob, refOff, refs, reverse } = this;
    return { slots, hashes, keyOff, blob, refOff, refs, reverse };
  }

  /** Builds from normalised keys (already lower-case) → indicator ordinals. */
  static build(entries: { size: number; [Symbol.iterator](): Iterator<[string, number | number[]]> }, reverse: boolean): StrTable {
    const n = entries.size;
    let cap = 16;
    while (cap < n * 2) cap *= 2;
    const slots = sharedArray(Int32Array, cap);
    const hashes = sharedArray(Uint32Array, n);
    const keyOff = sharedArray(Uint32Array, n + 1);
    const refOff = sharedArray(Uint32Array, n + 1);
    let bytes = 0;
    let nrefs = 0;
    for (const [k, v] of entries) {
      bytes += Buffer.byteLength(k, 'utf8');
      nrefs += typeof v === 'number' ? 1 : v.length;
    }
    const blobSab = new SharedArrayBuffer(Math.max(1, bytes));
    const blob = new Uint8Array(blobSab);
    const blobBuf = Buffer.from(blobSab);
    const refs = sharedArray(Int32Array, nrefs);
    const mask = cap - 1;
    let i = 0;
    let off = 0;
    let roff = 0;
    for (const [k, v] of entries) {
      keyOff[i] = off;
      const len = blobBuf.write(k, off, 'utf8');
      const h = reverse ? hashRev(blob, off, off + len) : hashFwd(blob, off, off + len);
      off += len;
      hashes[i] = h;
      refOff[i] = roff;
      if (typeof v === 'number') refs[roff++] = v;
      else for (const r of v) refs[roff++] = r;
      let p = h & mask;
      while (slots[p] !== 0) p = (p + 1) & mask;
      slots[p] = i + 1;
      i++;
    }
    keyOff[n] = off;
    refOff[n] = roff;
    return new StrTable({ slots, hashes, keyOff, blob, refOff, refs, reverse });
  }

  /** Entry index of the key b[s..e) (ASCII case-folded) whose hash is h, or -1. */
  find(h: number, b: Uint8Array, s: number, e: number): number {
    const { slots, hashes, keyOff, blob, mask } = this;
    const len = e - s;
    let p = h & mask;
    for (;;) {
      const v = slots[p];
      if (v === 0) return -1;
      const ei = v - 1;
      if (hashes[ei] === h) {
        const ko = keyOff[ei];
        if (keyOff[ei + 1] - ko === len) {
          let k = 0;
          while (k < len && blob[ko + k] === LOWER[b[s + k]]) k++;
          if (k === len) return ei;
        }
      }
      p = (p + 1) & mask;
    }
  }

  findString(key: string): number {
    const b = Buffer.from(key, 'utf8');
    const h = this.reverse ? hashRev(b, 0, b.length) : hashFwd(b, 0, b.length);
    return this.find(h, b, 0, b.length);
  }

  pushRefs(ei: number, out: number[]): void {
    for (let k = this.refOff[ei], end = this.refOff[ei + 1]; k < end; k++) out.push(this.refs[k]);
  }

  key(ei: number): string {
    return Buffer.from(this.blob.buffer, this.blob.byteOffset + this.keyOff[ei], this.keyOff[ei + 1] - this.keyOff[ei]).toString('utf8');
  }
}

/** FNV-1a over UTF-16 code units (build-time key dedupe only). */
function strHash(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/**
 * Build-time map from string keys to lists of small integers (insertion-ordered), cheaper than a Map of a
 * million strings: one open-addressing probe in an Int32Array per key, refs kept inline (first) with a side
 * map only for keys that have several.
 */
export class KeyMap {
  readonly keys: string[] = [];
  private first = new Int32Array(1024);
  private readonly extra = new Map<number, number[]>();
  private slots = new Int32Array(2048);
  private hashes = new Uint32Array(1024);

  get size(): number {
    return this.keys.length;
  }

  /** Entry index of key, or -1. */
  find(key: string): number {
    const h = strHash(key);
    const mask = this.slots.length - 1;
    for (let p = h & mask; ; p = (p + 1) & mask) {
      const v = this.slots[p];
      if (v === 0) return -1;
      if (this.hashes[v - 1] === h && this.keys[v - 1] === key) return v - 1;
    }
  }

  /** Whether the last `intern` added its key. */
  added = false;
  private lastSlot = -1;

  /** Removes the key the last `intern` added (nothing was inserted after it, so no probe chain breaks). */
  dropLast(): void {
    if (!this.added) return;
    this.slots[this.lastSlot] = 0;
    this.keys.pop();
    this.added = false;
  }

  /** Entry index of key, adding it (with no ref) when new. */
  intern(key: string): number {
    const h = strHash(key);
    let mask = this.slots.length - 1;
    let p = h & mask;
    for (;;) {
      const v = this.slots[p];
      if (v === 0) break;
      if (this.hashes[v - 1] === h && this.keys[v - 1] === key) {
        this.added = false;
        return v - 1;
      }
      p = (p + 1) & mask;
    }
    const i = this.keys.length;
    if (i >= this.first.length) {
      const f = new Int32Array(this.first.length * 2);
      f.set(this.first);
      this.first = f;
      const hs = new Uint32Array(this.hashes.length * 2);
      hs.set(this.hashes);
      this.hashes = hs;
    }
    if ((i + 1) * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2);
      mask = this.slots.length - 1;
      for (let k = 0; k < i; k++) {
        let q = this.hashes[k] & mask;
        while (this.slots[q] !== 0) q = (q + 1) & mask;
        this.slots[q] = k + 1;
      }
      p = h & mask;
      while (this.slots[p] !== 0) p = (p + 1) & mask;
    }
    this.slots[p] = i + 1;
    this.lastSlot = p;
    this.hashes[i] = h;
    this.first[i] = -1;
    this.keys.push(key);
    this.added = true;
    return i;
  }

  /** Adds ref to key's list (no duplicates). */
  add(key: string, ref: number): void {
    const index = this.intern(key);
    const f = this.first[index];
    if (f === -1) this.first[index] = ref;
    else if (f !== ref) {
      const more = this.extra.get(index);
      if (!more) this.extra.set(index, [ref]);
      else if (!more.includes(ref)) more.push(ref);
    }
  }

  *[Symbol.iterator](): Iterator<[string, number | number[]]> {
    for (let i = 0; i < this.keys.length; i++) {
      const more = this.extra.get(i);
      yield [this.keys[i], more ? [this.first[i], ...more] : this.first[i]];
    }
  }
}
