/**
 * Evaluation of STIX 2.1 patterns against `observed-data` objects.
 *
 * Semantics follow the STIX 2.1 patterning chapter and the OASIS reference
 * matcher (cti-pattern-matcher):
 *  - an observation expression `[...]` is matched against the SCOs of ONE
 *    observed-data; a comparison only looks at SCOs of its object type;
 *    comparisons joined by AND must all hold for the SAME SCO (root object),
 *    OR takes either;
 *  - each observed-data counts as `number_observed` separate observations
 *    (so REPEATS and observation AND can be satisfied by one observed-data
 *    with number_observed > 1);
 *  - observation AND / FOLLOWEDBY / REPEATS bind distinct observations;
 *  - FOLLOWEDBY: it must be possible to pick times inside each observation's
 *    [first_observed, last_observed] so that the left side is not after the
 *    right side (latest left first_observed <= earliest right last_observed);
 *  - WITHIN n SECONDS: some n-second window overlaps every bound observation's
 *    [first_observed, last_observed];
 *  - START s STOP e: every bound observation's interval overlaps [s, e).
 */
import type {
  ComparisonExpression,
  Literal,
  ObjectPath,
  ObservationExpression,
  Pattern,
  Qualifier,
} from './ast.ts';
import { networkContains, parseIpNetwork, type IpNetwork } from './ip.ts';
import { checkTimestamp, normalizeTimestampText, parsePattern } from './parser.ts';
import { regexSearch } from './regex.ts';

/** A STIX Cyber-observable Object (only `type` is required here). */
export interface StixCyberObservable {
  type: string;
  id?: string;
  [property: string]: unknown;
}

/** A STIX 2.1 observed-data object (either the `objects` dict form or `object_refs`). */
export interface ObservedData {
  id: string;
  type?: string;
  first_observed?: string;
  last_observed?: string;
  number_observed?: number;
  /** Deprecated (2.0 style) embedded SCOs keyed by local id; `_ref`s point at these keys. */
  objects?: Record<string, StixCyberObservable>;
  /** STIX 2.1: ids of SCOs, resolved through `MatchOptions.scos`. */
  object_refs?: string[];
  [property: string]: unknown;
}

export interface MatchOptions {
  /** SCOs by id, used to resolve `object_refs` and `_ref`/`_refs` properties. */
  scos?: ReadonlyMap<string, StixCyberObservable> | Readonly<Record<string, StixCyberObservable>>;
  /** Cap on bindings returned (default 1000). */
  maxBindings?: number;
  /** Cap on bindings kept per sub-expression while searching (default max(10,000, maxBindings)). */
  maxIntermediateBindings?: number;
  /** Cap on combination steps for AND / FOLLOWEDBY / REPEATS (default 2,000,000). */
  maxSteps?: number;
}

export interface MatchResult {
  matched: boolean;
  /** Ids of the observed-data taking part in any binding found (input order, no duplicates). */
  observedDataIds: string[];
  /**
   * The first full match: one entry per observation slot of the pattern, in
   * pattern order (a `REPEATS n` expression contributes n times its slots);
   * `null` for the slots of an OR branch that was not used. Null when no match.
   */
  binding: Array<string | null> | null;
  /** All bindings found, up to `maxBindings`. */
  bindings: Array<Array<string | null>>;
  /**
   * True if a cap cut the search or the result list short: `bindings` (and
   * possibly `observedDataIds`) are incomplete, and if `matched` is false it
   * may be a false negative.
   */
  truncated: boolean;
}

// ------------------------------------------------------------------ preparation

interface PreparedObservation {
  id: string;
  /** Microseconds since the epoch; NaN when missing/invalid (fails every temporal test). */
  first: number;
  last: number;
  count: number;
  /** [rootKey, sco] pairs. */
  roots: Array<[string, StixCyberObservable]>;
  /** Resolves a reference value to an SCO. */
  deref: (ref: string) => StixCyberObservable | undefined;
}

function lookupIn(
  scos: MatchOptions['scos'],
): (id: string) => StixCyberObservable | undefined {
  if (!scos) return () => undefined;
  if (scos instanceof Map) return (id) => scos.get(id);
  const rec = scos as Readonly<Record<string, StixCyberObservable>>;
  return (id) => (Object.hasOwn(rec, id) ? rec[id] : undefined);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 3339 UTC timestamp (as STIX requires) → microseconds since the epoch, NaN if invalid. */
export function timestampToMicros(s: unknown): number {
  if (typeof s !== 'string' || checkTimestamp(s) !== null) return Number.NaN;
  const ms = Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10), +s.slice(11, 13), +s.slice(14, 16), +s.slice(17, 19));
  const frac = s.length > 20 ? s.slice(20, -1) : '';
  return ms * 1000 + Number(`${frac}000000`.slice(0, 6));
}

function prepare(observations: readonly ObservedData[], options: MatchOptions): PreparedObservation[] {
  const global = lookupIn(options.scos);
  const out: PreparedObservation[] = [];
  for (const od of observations) {
    if (!isObject(od) || (od.type !== undefined && od.type !== 'observed-data') || typeof od.id !== 'string') continue;
    const roots: Array<[string, StixCyberObservable]> = [];
    let deref: (ref: string) => StixCyberObservable | undefined;
    if (isObject(od.objects)) {
      const objects = od.objects;
      for (const key of Object.keys(objects)) {
        const sco = objects[key];
        if (isObject(sco) && typeof sco.type === 'string') roots.push([key, sco]);
      }
      deref = (ref) => {
        const local = Object.hasOwn(objects, ref) ? objects[ref] : undefined;
        return isObject(local) ? local : global(ref);
      };
    } else {
      for (const ref of Array.isArray(od.object_refs) ? od.object_refs : []) {
        if (typeof ref !== 'string') continue;
        const sco = global(ref);
        if (isObject(sco) && typeof sco.type === 'string') roots.push([ref, sco]);
      }
      deref = global;
    }
    const n = od.number_observed;
    out.push({
      id: od.id,
      first: timestampToMicros(od.first_observed),
      last: timestampToMicros(od.last_observed),
      count: typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : 1,
      roots,
      deref,
    });
  }
  return out;
}

// ------------------------------------------------------------------ object paths

/** All values an object path selects on one SCO (list steps fan out; `_ref(s)` are followed). */
export function resolvePath(
  root: StixCyberObservable,
  path: ObjectPath,
  deref: (ref: string) => StixCyberObservable | undefined,
): unknown[] {
  let current: unknown[] = [root];
  let lastKey = '';
  for (const step of path.steps) {
    const next: unknown[] = [];
    const following = lastKey.endsWith('_ref') || lastKey.endsWith('_refs');
    for (let v of current) {
      if (step.type === 'key') {
        if (typeof v === 'string' && following) v = deref(v);
        if (isObject(v) && Object.hasOwn(v, step.name)) {
          const x = v[step.name];
          if (x !== undefined && x !== null) next.push(x);
        }
      } else if (Array.isArray(v)) {
        if (step.index === '*') {
          for (const x of v) if (x !== undefined && x !== null) next.push(x);
        } else if (step.index >= 0 && step.index < v.length) {
          const x = v[step.index];
          if (x !== undefined && x !== null) next.push(x);
        }
      }
    }
    if (step.type === 'key') lastKey = step.name;
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

// ------------------------------------------------------------------ value tests

interface ValueContext {
  leafKey: string;
  inHashes: boolean;
}

const literalBytesCache = new WeakMap<Literal, Uint8Array>();
function literalBytes(l: Literal): Uint8Array {
  let b = literalBytesCache.get(l);
  if (!b) {
    b = l.type === 'hex' ? Buffer.from(l.value, 'hex') : Buffer.from(String(l.value), 'base64');
    literalBytesCache.set(l, b);
  }
  return b;
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Bytes of a property value for comparison with h'' / b'' literals:
 * `*_bin` properties are base64, `*_hex` properties and `hashes` values are
 * hex, any other string is compared as its UTF-8 encoding.
 */
function propertyBytes(v: unknown, ctx: ValueContext): Uint8Array | undefined {
  if (typeof v !== 'string') return undefined;
  if (ctx.leafKey.endsWith('_bin')) return B64_RE.test(v) ? Buffer.from(v, 'base64') : undefined;
  if (ctx.leafKey.endsWith('_hex') || ctx.inHashes) return HEX_RE.test(v) ? Buffer.from(v, 'hex') : undefined;
  return Buffer.from(v, 'utf8');
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Order property value `v` against literal `l`: <0, 0, >0, or undefined when the types are not comparable. */
function order(v: unknown, l: Literal, ctx: ValueContext): number | undefined {
  switch (l.type) {
    case 'string':
      return typeof v === 'string' ? compareStrings(v, l.value) : undefined;
    case 'int':
    case 'float':
      return typeof v === 'number' && !Number.isNaN(v) ? (v < l.value ? -1 : v > l.value ? 1 : 0) : undefined;
    case 'bool':
      return typeof v === 'boolean' ? Number(v) - Number(l.value) : undefined;
    case 'timestamp': {
      if (typeof v !== 'string' || checkTimestamp(v) !== null) return undefined;
      return compareStrings(normalizeTimestampText(v), normalizeTimestampText(l.value));
    }
    case 'hex':
    case 'binary': {
      const b = propertyBytes(v, ctx);
      return b === undefined ? undefined : compareBytes(b, literalBytes(l));
    }
    default:
      return undefined;
  }
}

/** SQL LIKE: `%` any run, `_` exactly one character (code point). No escape character. Worst case O(n·m), never exponential. */
export function likeMatch(value: string, pattern: string): boolean {
  const s = Array.from(value);
  const p = Array.from(pattern);
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (i < s.length) {
    if (j < p.length && (p[j] === '_' || (p[j] !== '%' && p[j] === s[i]))) {
      i++;
      j++;
    } else if (j < p.length && p[j] === '%') {
      star = j++;
      mark = i;
    } else if (star >= 0) {
      j = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (j < p.length && p[j] === '%') j++;
  return j === p.length;
}

const networkCache = new Map<string, IpNetwork | null>();
function network(s: string): IpNetwork | null {
  let n = networkCache.get(s);
  if (n === undefined) {
    n = parseIpNetwork(s);
    if (networkCache.size > 4096) networkCache.clear();
    networkCache.set(s, n);
  }
  return n;
}

/** Un-negated test of one property value; undefined when not comparable (which never matches, NOT or not). */
function testValue(op: string, lit: Literal | { type: 'set'; values: Literal[] }, v: unknown, ctx: ValueContext): boolean | undefined {
  if (lit.type === 'set') {
    let comparable = false;
    for (const x of lit.values) {
      const o = order(v, x, ctx);
      if (o === 0) return true;
      if (o !== undefined) comparable = true;
    }
    return comparable ? false : undefined;
  }
  switch (op) {
    case '=': {
      const o = order(v, lit, ctx);
      return o === undefined ? undefined : o === 0;
    }
    case '!=': {
      const o = order(v, lit, ctx);
      return o === undefined ? undefined : o !== 0;
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const o = order(v, lit, ctx);
      if (o === undefined) return undefined;
      return op === '<' ? o < 0 : op === '<=' ? o <= 0 : op === '>' ? o > 0 : o >= 0;
    }
    case 'LIKE':
      return typeof v === 'string' ? likeMatch(v, String(lit.value)) : undefined;
    case 'MATCHES':
      return typeof v === 'string' ? regexSearch(String(lit.value), v) : undefined;
    case 'ISSUBSET':
    case 'ISSUPERSET': {
      if (typeof v !== 'string') return undefined;
      const a = network(v);
      const b = network(String(lit.value));
      if (!a || !b) return undefined;
      return op === 'ISSUBSET' ? networkContains(b, a) : networkContains(a, b);
    }
    default:
      return undefined;
  }
}

/** Root keys (SCOs) of one observed-data satisfying a comparison expression. */
function matchComparison(e: ComparisonExpression, od: PreparedObservation): Set<string> {
  switch (e.type) {
    case 'comparison':
    case 'exists': {
      const out = new Set<string>();
      const path = e.path;
      let leafKey = '';
      let inHashes = false;
      for (const s of path.steps) {
        if (s.type === 'key') {
          leafKey = s.name;
          if (s.name === 'hashes') inHashes = true;
        }
      }
      const ctx: ValueContext = { leafKey, inHashes };
      for (const [key, sco] of od.roots) {
        if (sco.type !== path.objectType) continue;
        const values = resolvePath(sco, path, od.deref);
        if (e.type === 'exists') {
          if (values.length > 0) out.add(key);
          continue;
        }
        for (const v of values) {
          const r = testValue(e.operator, e.value, v, ctx);
          if (r !== undefined && r !== e.negated) {
            out.add(key);
            break;
          }
        }
      }
      return out;
    }
    case 'and': {
      let acc: Set<string> | null = null;
      for (const op of e.operands) {
        const s = matchComparison(op, od);
        if (acc === null) acc = s;
        else {
          const prev: Set<string> = acc;
          acc = new Set<string>();
          for (const k of prev) if (s.has(k)) acc.add(k);
        }
        if (acc.size === 0) return acc;
      }
      return acc ?? new Set();
    }
    case 'or': {
      const acc = new Set<string>();
      for (const op of e.operands) for (const k of matchComparison(op, od)) acc.add(k);
      return acc;
    }
    default:
      return new Set();
  }
}

// ------------------------------------------------------------------ observation bindings

/** A binding: one instance number per observation slot, -1 for an unused OR branch. Instance = odIndex + k * nObs. */
type Binding = number[];

class Budget {
  steps = 0;
  truncated = false;
  constructor(
    readonly maxSteps: number,
    readonly maxBindings: number,
  ) {}
  tick(): boolean {
    if (++this.steps > this.maxSteps) {
      this.truncated = true;
      return false;
    }
    return true;
  }
  full(list: unknown[]): boolean {
    if (list.length >= this.maxBindings) {
      this.truncated = true;
      return true;
    }
    return false;
  }
}

function slotCount(e: ObservationExpression): number {
  switch (e.type) {
    case 'observation':
      return 1;
    case 'qualified':
      return slotCount(e.expression) * (e.qualifier.type === 'repeats' ? e.qualifier.times : 1);
    default:
      return e.operands.reduce((n, op) => n + slotCount(op), 0);
  }
}

class Evaluator {
  private readonly n: number;
  private readonly instanceCap: number;
  constructor(
    private readonly obs: PreparedObservation[],
    private readonly budget: Budget,
    totalSlots: number,
  ) {
    this.n = obs.length;
    // No binding can use more instances of one observed-data than there are slots.
    this.instanceCap = Math.max(1, Math.min(totalSlots, 100_000));
  }

  private od(instance: number): PreparedObservation {
    return this.obs[instance % this.n];
  }

  private disjoint(a: Binding, b: Binding): boolean {
    for (const x of a) {
      if (x < 0) continue;
      for (const y of b) if (x === y) return false;
    }
    return true;
  }

  private latestFirst(b: Binding): number {
    let m = Number.NEGATIVE_INFINITY;
    for (const x of b) if (x >= 0) m = Math.max(m, this.od(x).first);
    return m;
  }

  private earliestLast(b: Binding): number {
    let m = Number.POSITIVE_INFINITY;
    for (const x of b) if (x >= 0) m = Math.min(m, this.od(x).last);
    return m;
  }

  eval(e: ObservationExpression): Binding[] {
    switch (e.type) {
      case 'observation':
        return this.leaf(e.expression);
      case 'observation-or': {
        const parts = e.operands.map((op) => ({ slots: slotCount(op), bindings: this.eval(op) }));
        const total = parts.reduce((n, p) => n + p.slots, 0);
        const out: Binding[] = [];
        let offset = 0;
        for (const p of parts) {
          for (const b of p.bindings) {
            if (this.budget.full(out)) return out;
            const row = new Array<number>(total).fill(-1);
            for (let i = 0; i < b.length; i++) row[offset + i] = b[i];
            out.push(row);
          }
          offset += p.slots;
        }
        return out;
      }
      case 'observation-and':
      case 'followedby': {
        let acc = this.eval(e.operands[0]);
        for (let i = 1; i < e.operands.length && acc.length > 0; i++) {
          const right = this.eval(e.operands[i]);
          acc = this.join(acc, right, e.type === 'followedby');
        }
        return acc;
      }
      case 'qualified':
        return this.qualify(this.eval(e.expression), e.qualifier);
      default:
        return [];
    }
  }

  private leaf(c: ComparisonExpression): Binding[] {
    const matching: number[] = [];
    for (let i = 0; i < this.n; i++) {
      if (matchComparison(c, this.obs[i]).size > 0) matching.push(i);
    }
    // Instance-major order, so that truncation still covers every observed-data.
    const out: Binding[] = [];
    for (let k = 0; k < this.instanceCap; k++) {
      let any = false;
      for (const i of matching) {
        if (k >= this.obs[i].count) continue;
        any = true;
        if (this.budget.full(out)) return out;
        out.push([i + k * this.n]);
      }
      if (!any) break;
    }
    return out;
  }

  private join(left: Binding[], right: Binding[], ordered: boolean): Binding[] {
    const out: Binding[] = [];
    for (const l of left) {
      const lFirst = ordered ? this.latestFirst(l) : 0;
      for (const r of right) {
        if (!this.budget.tick()) return out;
        if (!this.disjoint(l, r)) continue;
        if (ordered && !(lFirst <= this.earliestLast(r))) continue;
        if (this.budget.full(out)) return out;
        out.push(l.concat(r));
      }
    }
    return out;
  }

  private qualify(bindings: Binding[], q: Qualifier): Binding[] {
    switch (q.type) {
      case 'within': {
        const window = q.seconds * 1e6;
        return bindings.filter((b) => this.latestFirst(b) - this.earliestLast(b) <= window);
      }
      case 'startstop': {
        const start = timestampToMicros(q.start);
        const stop = timestampToMicros(q.stop);
        return bindings.filter((b) => b.every((x) => x < 0 || (this.od(x).first < stop && this.od(x).last >= start)));
      }
      case 'repeats':
        return this.repeats(bindings, q.times);
      default:
        return [];
    }
  }

  /** All combinations of `times` pairwise-disjoint bindings (in list order), concatenated. */
  private repeats(bindings: Binding[], times: number): Binding[] {
    if (times === 1) return bindings;
    // Each pick uses at least one distinct instance, so more picks than candidates can never succeed.
    if (times > bindings.length) return [];
    const out: Binding[] = [];
    const chosen: Binding[] = [];
    const budget = this.budget;
    const search = (from: number): boolean => {
      if (chosen.length === times) {
        if (budget.full(out)) return false;
        out.push(chosen.flat());
        return true;
      }
      // Not enough candidates left to complete the combination.
      for (let i = from; i <= bindings.length - (times - chosen.length); i++) {
        if (!budget.tick()) return false;
        const b = bindings[i];
        if (!chosen.every((c) => this.disjoint(c, b))) continue;
        chosen.push(b);
        const go = search(i + 1);
        chosen.pop();
        if (!go) return false;
      }
      return true;
    };
    search(0);
    return out;
  }

  idOf(instance: number): string {
    return this.od(instance).id;
  }
}

/**
 * Match a pattern (AST or text) against observed-data objects.
 * Text is parsed with `parsePattern` (so a PatternSyntaxError may be thrown).
 */
export function matchPattern(pattern: Pattern | string, observations: readonly ObservedData[], options: MatchOptions = {}): MatchResult {
  const ast = typeof pattern === 'string' ? parsePattern(pattern) : pattern;
  const maxBindings = Math.max(1, options.maxBindings ?? 1000);
  const budget = new Budget(options.maxSteps ?? 2_000_000, Math.max(maxBindings, options.maxIntermediateBindings ?? 10_000));
  const prepared = prepare(observations, options);
  if (prepared.length === 0) return { matched: false, observedDataIds: [], binding: null, bindings: [], truncated: false };
  const ev = new Evaluator(prepared, budget, slotCount(ast));
  const all = ev.eval(ast);
  const used = new Set<number>();
  for (const b of all) for (const x of b) if (x >= 0) used.add(x % prepared.length);
  const observedDataIds = [...used].sort((a, b) => a - b).map((i) => prepared[i].id);
  let found = all;
  if (found.length > maxBindings) {
    found = found.slice(0, maxBindings);
    budget.truncated = true;
  }
  const bindings = found.map((b) => b.map((x) => (x < 0 ? null : ev.idOf(x))));
  return {
    matched: found.length > 0,
    observedDataIds,
    binding: bindings[0] ?? null,
    bindings,
    truncated: budget.truncated,
  };
}
