/**
 * STIX 2.1 object and bundle validation: the official JSON schemas (via ./schema.ts) plus the rules
 * they do not express. See README.md for the rule list and spec sections.
 */
import type { ErrorObject } from 'ajv';
import { getValidator, schemaFileForType, definedProperties, CORE_SCHEMA, SCO_CORE_SCHEMA } from './schema.ts';
import { isPlainObject, isScoType, isStixType } from './types.ts';
import { uuidInfo } from './uuid.ts';
import { computeScoId } from './sco-id.ts';
import { minimalPatternValidator, type PatternValidator } from './pattern.ts';

export interface StixIssue {
  /** Failing rule: `schema:<keyword>` for JSON-schema failures, else one of the rule names in README. */
  rule: string;
  /** JSON path of the offending value, e.g. `$.external_references[0].source_name`. */
  path: string;
  message: string;
}
export type ValidationResult =
  | { ok: true; warnings: StixIssue[] }
  | { ok: false; errors: StixIssue[]; warnings: StixIssue[] };

export interface ValidateOptions {
  /** Checks `pattern` of indicators whose pattern_type is 'stix'. Default: minimalPatternValidator. */
  patternValidator?: PatternValidator;
  /** Report SCO ids that do not follow §2.9 (SHOULD) as errors instead of warnings. Default false. */
  strictScoIds?: boolean;
  /** Nesting deeper than this is rejected (rule `max-depth`), a resource guard; default 100. */
  maxDepth?: number;
  /**
   * Compute warnings (default true). False skips the work only warnings need (the deterministic SCO id
   * check — kept with strictScoIds, which makes it an error — and the custom-property-prefix advice):
   * the errors are the same, `warnings` may then be incomplete. For callers that only read errors (the intel store).
   */
  warnings?: boolean;
}

// ---------------------------------------------------------------- paths
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
export function jsonPath(segments: readonly (string | number)[]): string {
  let p = '$';
  for (const s of segments) {
    if (typeof s === 'number') p += `[${s}]`;
    else if (IDENT.test(s)) p += `.${s}`;
    else p += `[${JSON.stringify(s).replace(/^"|"$/g, "'").replace(/\\"/g, '"')}]`;
  }
  return p;
}

function pointerToSegments(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(key)) { out.push(Number(key)); cur = cur[Number(key)]; }
    else { out.push(key); cur = isPlainObject(cur) ? cur[key] : undefined; }
  }
  return out;
}

function ajvIssue(e: ErrorObject, data: unknown): StixIssue {
  const segs = pointerToSegments(e.instancePath, data);
  const params = e.params as Record<string, unknown>;
  let message = e.message ?? 'invalid';
  if (e.keyword === 'required' && typeof params.missingProperty === 'string') {
    segs.push(params.missingProperty);
    message = `required property '${params.missingProperty}' is missing`;
  } else if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    segs.push(params.additionalProperty);
    message = `property '${params.additionalProperty}' is not allowed here`;
  } else if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    message = `${message}: ${params.allowedValues.slice(0, 20).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { rule: `schema:${e.keyword}`, path: jsonPath(segs), message };
}

// ---------------------------------------------------------------- timestamps
/** STIX timestamp (§2.14): RFC 3339, UTC `Z`, optional fraction; calendar-valid. */
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Two ASCII digits at i (already checked by TS) as a number. */
const dd = (s: string, i: number) => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;
export function isStixTimestamp(s: unknown): s is string {
  if (typeof s !== 'string' || s.length > 64) return false;
  if (!TS.test(s)) return false;
  const y = dd(s, 0) * 100 + dd(s, 2);
  const mo = dd(s, 5); const d = dd(s, 8); const h = dd(s, 11); const mi = dd(s, 14); const se = dd(s, 17);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 60) return false;
  // The days of the month as new Date(Date.UTC(y, mo, 0)) counted them before (it reads years 0-99 as 1900-1999).
  const yy = y < 100 ? y + 1900 : y;
  const dim = mo === 2 && yy % 4 === 0 && (yy % 100 !== 0 || yy % 400 === 0) ? 29 : DAYS_IN_MONTH[mo - 1]!;
  return d <= dim;
}
/** Compare two valid STIX timestamps exactly (any fraction length). */
export function compareTimestamps(a: string, b: string): number {
  // Same length = same fraction length (the rest is fixed-width): the strings compare as they are.
  if (a.length === b.length) return a < b ? -1 : a > b ? 1 : 0;
  const [ai, af = ''] = a.slice(0, -1).split('.');
  const [bi, bf = ''] = b.slice(0, -1).split('.');
  if (ai !== bi) return ai < bi ? -1 : 1;
  const n = Math.max(af.length, bf.length);
  const x = af.padEnd(n, '0'); const y = bf.padEnd(n, '0');
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Timestamp-typed properties of STIX 2.1 objects, top level. */
export const TIMESTAMP_PROPERTIES = [
  'created', 'modified', 'valid_from', 'valid_until', 'first_seen', 'last_seen', 'first_observed', 'last_observed',
  'published', 'start_time', 'stop_time', 'submitted', 'analysis_started', 'analysis_ended', 'object_modified',
  'date', 'ctime', 'mtime', 'atime', 'start', 'end', 'created_time', 'account_created', 'account_expires',
  'credential_last_changed', 'account_first_login', 'account_last_login', 'modified_time', 'validity_not_before',
  'validity_not_after',
] as const;
/** Timestamp properties nested at fixed places. */
const NESTED_TIMESTAMPS: readonly (readonly string[])[] = [
  ['extensions', 'windows-pebinary-ext', 'time_date_stamp'],
  ['x509_v3_extensions', 'private_key_usage_period_not_before'],
  ['x509_v3_extensions', 'private_key_usage_period_not_after'],
];
/** Properties that are timestamps only on some types (avoid flagging custom uses elsewhere). */
const TS_ONLY_ON: Record<string, readonly string[]> = {
  date: ['email-message'], start: ['network-traffic'], end: ['network-traffic'],
};

const ORDER_RULES: readonly [string, string, 'ge' | 'gt', string][] = [
  ['created', 'modified', 'ge', 'modified-before-created'],
  ['valid_from', 'valid_until', 'gt', 'valid-until-not-after-valid-from'],
  ['first_seen', 'last_seen', 'ge', 'last-seen-before-first-seen'],
  ['first_observed', 'last_observed', 'ge', 'last-observed-before-first-observed'],
];

// ---------------------------------------------------------------- ids
const ID_RE = /^([a-z0-9-]+)--([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;
function checkId(id: unknown, type: string, sco: boolean, path: string, errors: StixIssue[]): number | null {
  if (typeof id !== 'string') { errors.push({ rule: 'id-format', path, message: 'id must be a string type--UUID' }); return null; }
  const m = id.length <= 300 ? ID_RE.exec(id) : null;
  if (!m) { errors.push({ rule: 'id-format', path, message: 'id must have the form <type>--<UUID> (§2.9)' }); return null; }
  if (m[1] !== type) { errors.push({ rule: 'id-format', path, message: `id prefix '${m[1]}' does not match type '${type}'` }); return null; }
  const info = uuidInfo(m[2])!;
  if (!info.rfc4122 || info.version < 1 || info.version > 8) {
    errors.push({ rule: 'id-format', path, message: 'UUID is not RFC 4122 (variant bits must be 10xx)' }); return null;
  }
  if (sco && info.version !== 4 && info.version !== 5) {
    errors.push({ rule: 'id-format', path, message: `SCO ids must use UUIDv5 or UUIDv4, not v${info.version} (§2.9)` }); return null;
  }
  return info.version;
}

const IDENTIFIER = /^[a-z0-9-]+--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
function checkRefs(obj: Record<string, unknown>, errors: StixIssue[]): void {
  for (const k in obj) {
    if (!Object.hasOwn(obj, k)) continue;
    const v = obj[k];
    if (k.endsWith('_ref')) {
      if (typeof v !== 'string' || !IDENTIFIER.test(v)) errors.push({ rule: 'ref-format', path: jsonPath([k]), message: `${k} must be an identifier (§3.1 _ref naming)` });
      else if (k === 'created_by_ref' && !v.startsWith('identity--')) errors.push({ rule: 'ref-format', path: jsonPath([k]), message: 'created_by_ref must refer to an identity' });
    } else if (k.endsWith('_refs') && Array.isArray(v)) {
      v.forEach((r, i) => {
        if (typeof r !== 'string' || !IDENTIFIER.test(r)) errors.push({ rule: 'ref-format', path: jsonPath([k, i]), message: `${k} entries must be identifiers` });
        else if (k === 'object_marking_refs' && !r.startsWith('marking-definition--')) errors.push({ rule: 'ref-format', path: jsonPath([k, i]), message: 'object_marking_refs must refer to marking-definitions' });
      });
    }
  }
}

// ---------------------------------------------------------------- depth
/**
 * Whether some value nests deeper than `limit` (iterative, no path bookkeeping: the common case of
 * objects well within the limit allocates nothing per value but the stack).
 */
function deeperThan(v: unknown, limit: number): boolean {
  const values: unknown[] = [v];
  const depths: number[] = [0];
  while (values.length) {
    const x = values.pop();
    const d = depths.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (d > limit) return true;
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) { const c = x[i]; if (typeof c === 'object' && c !== null) { values.push(c); depths.push(d + 1); } }
    } else {
      for (const k in x) {
        if (!Object.hasOwn(x, k)) continue;
        const c = (x as Record<string, unknown>)[k];
        if (typeof c === 'object' && c !== null) { values.push(c); depths.push(d + 1); }
      }
    }
  }
  return false;
}

/** Iterative depth measurement; stops as soon as `limit` is exceeded (also stops on cycles). */
function exceedsDepth(v: unknown, limit: number): (string | number)[] | null {
  if (!deeperThan(v, limit)) return null;
  const stack: [unknown, (string | number)[]][] = [[v, []]];
  while (stack.length) {
    const [x, p] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (p.length > limit) return p;
    if (Array.isArray(x)) for (let i = 0; i < x.length; i++) stack.push([x[i], [...p, i]]);
    else for (const k of Object.keys(x)) stack.push([(x as Record<string, unknown>)[k], [...p, k]]);
  }
  return null;
}

// ---------------------------------------------------------------- custom types / properties
const CUSTOM_NAME = /^[a-z0-9_]{3,250}$/;         // §11.1 custom property names (MUST)
const TYPE_NAME = /^(?!.*--)[a-z0-9-]{3,250}$/;    // §11.2 / §3.1 type names (MUST)

function newObjectExtensionType(obj: Record<string, unknown>): string | null {
  const ext = obj.extensions;
  if (!isPlainObject(ext)) return null;
  for (const [k, v] of Object.entries(ext)) {
    if (k.startsWith('extension-definition--') && isPlainObject(v) && typeof v.extension_type === 'string'
      && v.extension_type.startsWith('new-')) return v.extension_type;
  }
  return null;
}

// ---------------------------------------------------------------- main
export function validateStixObject(obj: unknown, options: ValidateOptions = {}): ValidationResult {
  const errors: StixIssue[] = [];
  const warnings: StixIssue[] = [];
  try {
    run(obj, options, errors, warnings);
  } catch (e) {
    errors.push({ rule: 'internal', path: '$', message: `validator failed: ${(e as Error)?.message ?? String(e)}` });
  }
  if (options.strictScoIds) { errors.push(...warnings.filter((w) => w.rule === 'sco-id-deterministic')); }
  if (!errors.length) return { ok: true, warnings };
  const seen = new Set<string>();
  const dedup = errors.filter((e) => { const k = `${e.rule}\u0000${e.path}\u0000${e.message}`; if (seen.has(k)) return false; seen.add(k); return true; });
  return dedup.length ? { ok: false, errors: dedup, warnings } : { ok: true, warnings };
}

function run(obj: unknown, options: ValidateOptions, errors: StixIssue[], warnings: StixIssue[]): void {
  if (!isPlainObject(obj)) { errors.push({ rule: 'not-object', path: '$', message: 'a STIX object must be a JSON object' }); return; }
  const maxDepth = options.maxDepth ?? 100;
  const deep = exceedsDepth(obj, maxDepth);
  if (deep) {
    errors.push({ rule: 'max-depth', path: jsonPath(deep.slice(0, 8)) + (deep.length > 8 ? '…' : ''), message: `nesting deeper than ${maxDepth} levels` });
    return;
  }
  const type = obj.type;
  if (typeof type !== 'string') { errors.push({ rule: 'schema:required', path: '$.type', message: "required property 'type' is missing or not a string" }); return; }

  // ---- which schema
  let file = schemaFileForType(type);
  let sco = isScoType(type);
  if (!file) {
    const newExt = newObjectExtensionType(obj);
    if (!TYPE_NAME.test(type)) { errors.push({ rule: 'custom-type-name', path: '$.type', message: 'type names must be 3-250 characters of a-z, 0-9 and single hyphens (§11.2)' }); return; }
    if (!type.startsWith('x-') && !newExt) {
      errors.push({ rule: 'unknown-type', path: '$.type', message: `'${type}' is not a STIX 2.1 type, a custom x- type, or a type defined by a new-sdo/new-sco/new-sro extension` });
      return;
    }
    sco = newExt === 'new-sco' || (newExt === null && !('created' in obj) && !('modified' in obj));
    file = sco ? SCO_CORE_SCHEMA : CORE_SCHEMA;
  }

  // ---- official schema
  const validate = getValidator(file);
  if (!validate(obj)) {
    const known = definedProperties(file);
    for (const e of validate.errors ?? []) {
      // The schema rejects custom property names not starting with a letter; §11.1 allows them (MUST
      // only be [a-z0-9_]{3,250}). Leave top-level name checks to the custom-property-name rule.
      if (e.keyword === 'additionalProperties' && e.instancePath === '') {
        const name = (e.params as { additionalProperty?: string }).additionalProperty;
        if (typeof name === 'string' && !known.has(name)) continue;
      }
      errors.push(ajvIssue(e, obj));
    }
  }

  // ---- custom property names (§11.1)
  if (isStixType(type)) {
    const known = definedProperties(file);
    for (const k of Object.keys(obj)) {
      if (known.has(k)) continue;
      if (!CUSTOM_NAME.test(k)) {
        errors.push({ rule: 'custom-property-name', path: jsonPath([k]), message: 'custom property names MUST be 3-250 characters of a-z, 0-9 and _ (§11.1)' });
      } else if (!k.startsWith('x_') && options.warnings !== false) {
        warnings.push({ rule: 'custom-property-prefix', path: jsonPath([k]), message: "custom property names SHOULD start with 'x_' (§11.1)" });
      }
    }
  } else {
    for (const k of Object.keys(obj)) {
      if (k !== 'id' && !CUSTOM_NAME.test(k)) errors.push({ rule: 'custom-property-name', path: jsonPath([k]), message: 'property names MUST be 3-250 characters of a-z, 0-9 and _ (§11.1)' });
    }
  }

  // ---- identifier (§2.9)
  const version = checkId(obj.id, type, sco, '$.id', errors);
  checkRefs(obj, errors);

  // ---- timestamps (§2.14) and their order
  const tsOk = new Map<string, string>();
  for (const p of TIMESTAMP_PROPERTIES) {
    if (!Object.hasOwn(obj, p)) continue;
    if (Object.hasOwn(TS_ONLY_ON, p) && !TS_ONLY_ON[p].includes(type)) continue;
    const v = obj[p];
    if (isStixTimestamp(v)) tsOk.set(p, v);
    else errors.push({ rule: 'timestamp-format', path: jsonPath([p]), message: `${p} must be a UTC timestamp YYYY-MM-DDTHH:mm:ss[.s+]Z (§2.14)` });
  }
  for (const segs of NESTED_TIMESTAMPS) {
    let cur: unknown = obj;
    for (const s of segs) cur = isPlainObject(cur) && Object.hasOwn(cur, s) ? cur[s] : undefined;
    if (cur !== undefined && !isStixTimestamp(cur)) errors.push({ rule: 'timestamp-format', path: jsonPath(segs), message: 'must be a UTC timestamp YYYY-MM-DDTHH:mm:ss[.s+]Z (§2.14)' });
  }
  for (const [a, b, op, rule] of ORDER_RULES) {
    const x = tsOk.get(a); const y = tsOk.get(b);
    if (x === undefined || y === undefined) continue;
    const c = compareTimestamps(y, x);
    if (op === 'ge' ? c < 0 : c <= 0) errors.push({ rule, path: jsonPath([b]), message: `${b} must be ${op === 'ge' ? 'later than or equal to' : 'later than'} ${a}` });
  }

  // ---- indicator pattern (§4.7, §9)
  if (type === 'indicator' && obj.pattern_type === 'stix' && typeof obj.pattern === 'string') {
    const check = (options.patternValidator ?? minimalPatternValidator)(obj.pattern);
    if (!check.ok) errors.push({ rule: 'pattern-syntax', path: '$.pattern', message: check.message });
  }

  // ---- deterministic SCO ids (§2.9, SHOULD)
  if (sco && isScoType(type) && version !== null && (options.warnings !== false || options.strictScoIds)) {
    let expected: string | null = null;
    try { expected = computeScoId(obj, maxDepth + 1); } catch { expected = null; }
    if (expected !== null && expected !== (obj.id as string).toLowerCase()) {
      warnings.push({
        rule: 'sco-id-deterministic', path: '$.id',
        message: version === 5
          ? `UUIDv5 id does not match its ID contributing properties; expected ${expected} (§2.9)`
          : `SCOs with ID contributing properties SHOULD use the deterministic UUIDv5 id ${expected} (§2.9)`,
      });
    }
  }
}

// ---------------------------------------------------------------- bundles
export interface BundleObjectResult { index: number; id: string | null; type: string | null; result: ValidationResult }
export interface BundleValidationResult {
  ok: boolean;
  /** Problems with the envelope and duplicates (rule `bundle-duplicate`). */
  errors: StixIssue[];
  objects: BundleObjectResult[];
}

const BUNDLE_ID = /^bundle--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$/;

/** Validates a bundle (§8): its envelope, each object (with its index), and repeated id+modified. */
export function validateBundle(bundle: unknown, options: ValidateOptions = {}): BundleValidationResult {
  const errors: StixIssue[] = [];
  const objects: BundleObjectResult[] = [];
  if (!isPlainObject(bundle)) return { ok: false, errors: [{ rule: 'not-object', path: '$', message: 'a bundle must be a JSON object' }], objects };
  if (bundle.type !== 'bundle') errors.push({ rule: 'schema:enum', path: '$.type', message: "type must be 'bundle'" });
  if (typeof bundle.id !== 'string' || !BUNDLE_ID.test(bundle.id)) errors.push({ rule: 'id-format', path: '$.id', message: 'bundle id must be bundle--<RFC 4122 UUID>' });
  for (const k of Object.keys(bundle)) {
    if (k !== 'type' && k !== 'id' && k !== 'objects' && k !== 'spec_version' && !CUSTOM_NAME.test(k)) {
      errors.push({ rule: 'custom-property-name', path: jsonPath([k]), message: 'property names MUST be 3-250 characters of a-z, 0-9 and _' });
    }
  }
  if (bundle.objects !== undefined) {
    if (!Array.isArray(bundle.objects)) errors.push({ rule: 'schema:type', path: '$.objects', message: 'objects must be an array' });
    else if (bundle.objects.length === 0) errors.push({ rule: 'schema:minItems', path: '$.objects', message: 'objects must not be empty' });
    else {
      const seen = new Map<string, number>();
      bundle.objects.forEach((o, index) => {
        const result = validateStixObject(o, options);
        const id = isPlainObject(o) && typeof o.id === 'string' ? o.id : null;
        const type = isPlainObject(o) && typeof o.type === 'string' ? o.type : null;
        objects.push({ index, id, type, result });
        if (id !== null) {
          const mod = isPlainObject(o) && typeof o.modified === 'string' ? o.modified : '';
          const key = `${id}\u0000${mod}`;
          const first = seen.get(key);
          if (first === undefined) seen.set(key, index);
          else errors.push({ rule: 'bundle-duplicate', path: jsonPath(['objects', index, 'id']), message: `${id}${mod ? ` (modified ${mod})` : ''} repeats objects[${first}]` });
        }
      });
    }
  }
  const ok = errors.length === 0 && objects.every((o) => o.result.ok);
  return { ok, errors, objects };
}
