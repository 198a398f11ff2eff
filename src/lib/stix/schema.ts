/**
 * Loads the official STIX 2.1 JSON schemas shipped in ./schemas (draft 2020-12) into one Ajv 2020
 * instance; validators are compiled lazily on first use and cached per type.
 *
 * Regular expressions: the schemas' patterns are not valid in JS Unicode mode (`\-`) and some are
 * prone to catastrophic backtracking (e.g. the type-name pattern `^([a-z][a-z0-9]*)+(-[a-z0-9]+)*\-?$`).
 * Patterns with a quantified group are run on RE2 (re2js, linear time); the rest, which cannot
 * backtrack badly, on native RegExp without the `u` flag (faster).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { domainToASCII } from 'node:url';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction, AnySchemaObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { RE2JS } from 're2js';

type AddFormats = (ajv: Ajv2020) => unknown;
const addFormats: AddFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

export const SCHEMA_DIR = fileURLToPath(new URL('./schemas/', import.meta.url));
const BASE = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/';

/** type → schema file (relative to schemas/) */
const TYPE_SCHEMA: Record<string, string> = {};
for (const t of ['attack-pattern', 'campaign', 'course-of-action', 'grouping', 'identity', 'incident', 'indicator',
  'infrastructure', 'intrusion-set', 'location', 'malware', 'malware-analysis', 'note', 'observed-data', 'opinion',
  'report', 'threat-actor', 'tool', 'vulnerability']) TYPE_SCHEMA[t] = `sdos/${t}.json`;
for (const t of ['relationship', 'sighting']) TYPE_SCHEMA[t] = `sros/${t}.json`;
for (const t of ['artifact', 'autonomous-system', 'directory', 'domain-name', 'email-addr', 'email-message', 'file',
  'ipv4-addr', 'ipv6-addr', 'mac-addr', 'mutex', 'network-traffic', 'process', 'software', 'url', 'user-account',
  'windows-registry-key', 'x509-certificate']) TYPE_SCHEMA[t] = `observables/${t}.json`;
for (const t of ['language-content', 'marking-definition', 'extension-definition']) TYPE_SCHEMA[t] = `common/${t}.json`;
export const CORE_SCHEMA = 'common/core.json';
export const SCO_CORE_SCHEMA = 'common/cyber-observable-core.json';

interface RegExpLike { test(s: string): boolean }
const GROUP_QUANTIFIED = /\)(?:[*+]|\{\d*,?\d*\})/;
const MEMO_MAX_LENGTH = 256;
const MEMO_MAX_ENTRIES = 4096;
function regExpEngine(source: string, flags: string): RegExpLike {
  let re: RegExpLike;
  if (GROUP_QUANTIFIED.test(source)) {
    const r = RE2JS.compile(source);
    // RE2JS costs microseconds per call, and the same short strings come back all the time (every
    // object's `type` goes through the type-name pattern): remember recent answers for short strings.
    const memo = new Map<string, boolean>();
    re = {
      test: (s: string) => {
        if (s.length > MEMO_MAX_LENGTH) return r.matcher(s).find();
        let ok = memo.get(s);
        if (ok === undefined) {
          ok = r.matcher(s).find();
          if (memo.size >= MEMO_MAX_ENTRIES) memo.clear();
          memo.set(s, ok);
        }
        return ok;
      },
    };
  } else {
    const native = new RegExp(source, flags.replace('u', ''));
    // A pattern without alternation that ends in literal characters (`^[a-z][a-z0-9_]{0,245}_hex$`,
    // tried on every property name of every object) fails on most names: a plain endsWith says so first.
    const tail = source.includes('|') || /[im]/.test(flags) ? null : /(?<![\\])([A-Za-z0-9_]{2,})\$$/.exec(source)?.[1];
    re = tail ? { test: (s: string) => s.endsWith(tail) && native.test(s) } : native;
  }
  // Ajv caches compiled patterns by toString(): it must be unique per pattern.
  return Object.assign(Object.create(null), { test: (s: string) => re.test(s), toString: () => `/${source}/${flags}` });
}
regExpEngine.code = 'stixRegExpEngine';

const HOSTNAME = /^(?=.{1,253}\.?$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?))*\.?$/i;

/**
 * `anyOf` whose branches each say only `type` (one name), the array branch perhaps with `minItems`, as
 * the one equivalent schema `{type: [names…], minItems}` (minItems applies to arrays only). The schemas'
 * rule for custom property values (common/properties.json: an array of at least one item, a string,
 * an integer, a boolean, a number or an object) is tried on every property of every object: as `anyOf`,
 * Ajv (allErrors) ran it as six branches and built an error object for each branch that failed before
 * one passed (≈ 5 of 12 µs of validation per object, src/lib/stix/README.md). The accepted values are
 * the same (schema.test.ts checks both forms on generated JSON); a rejected value reports one `type`
 * or `minItems` error instead of a type error per branch and an `anyOf` error. Other schemas are
 * returned unchanged; the schema files themselves stay verbatim.
 */
export function simplifyTypeUnions<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((x) => simplifyTypeUnions(x)) as T;
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = simplifyTypeUnions(v);
  const branches = out.anyOf;
  if (!Array.isArray(branches) || !branches.length) return out as T;
  const types: string[] = [];
  let minItems: unknown;
  for (const b of branches as Record<string, unknown>[]) {
    if (!b || typeof b !== 'object' || typeof b.type !== 'string' || types.includes(b.type)) return out as T;
    const keys = Object.keys(b);
    if (keys.some((k) => k !== 'type' && !(k === 'minItems' && b.type === 'array'))) return out as T;
    types.push(b.type);
    if ('minItems' in b) minItems = b.minItems;
  }
  // Only where anyOf stands alone with keywords that do not interact with it.
  if (out.type !== undefined || out.minItems !== undefined) return out as T;
  delete out.anyOf;
  out.type = types;
  if (minItems !== undefined) out.minItems = minItems;
  return out as T;
}

let ajv: Ajv2020 | null = null;
const raw = new Map<string, AnySchemaObject>();
const cache = new Map<string, ValidateFunction>();

function loadAll(): Ajv2020 {
  if (ajv) return ajv;
  const a = new Ajv2020({ allErrors: true, strict: false, code: { regExp: regExpEngine as never } });
  addFormats(a);
  // ajv-formats has no idn-hostname (used by domain-name.value): accept what IDNA-maps to a hostname.
  a.addFormat('idn-hostname', { type: 'string', validate: (s: string) => {
    if (s.length > 1024) return false;
    const ascii = domainToASCII(s);
    return ascii !== '' && HOSTNAME.test(ascii);
  } });
  // ajv-formats' `uri` regex overflows V8's regex stack on multi-megabyte input: above 8 KiB fall back to
  // the WHATWG URL parser (absolute URI with a scheme), which is linear.
  const fullUri = (a.formats as Record<string, unknown>).uri;
  if (typeof fullUri === 'function' || (fullUri && typeof (fullUri as { validate?: unknown }).validate === 'function')) {
    const check = (typeof fullUri === 'function' ? fullUri : (fullUri as { validate: (s: string) => boolean }).validate) as (s: string) => boolean;
    a.addFormat('uri', { type: 'string', validate: (s: string) => {
      if (s.length <= 8192) return check(s);
      try { return /^[a-z][a-z0-9+.-]*:/i.test(s) && Boolean(new URL(s)); } catch { return false; }
    } });
  }
  for (const dir of ['common', 'sdos', 'sros', 'observables']) {
    for (const f of readdirSync(path.join(SCHEMA_DIR, dir))) {
      if (!f.endsWith('.json')) continue;
      const s = simplifyTypeUnions(JSON.parse(readFileSync(path.join(SCHEMA_DIR, dir, f), 'utf8')) as AnySchemaObject);
      raw.set(`${dir}/${f}`, s);
      a.addSchema(s);
    }
  }
  ajv = a;
  return a;
}

export function schemaFileForType(type: string): string | undefined {
  return Object.hasOwn(TYPE_SCHEMA, type) ? TYPE_SCHEMA[type] : undefined;
}

/** Compiled validator for a schema file (e.g. 'sdos/indicator.json'), compiled once. */
export function getValidator(file: string): ValidateFunction {
  let v = cache.get(file);
  if (!v) {
    const a = loadAll();
    v = a.getSchema(BASE + file);
    if (!v) throw new Error(`STIX schema not found: ${file}`);
    cache.set(file, v);
  }
  return v;
}

const knownProps = new Map<string, Set<string>>();
/** Property names a schema file defines at the top level (following allOf and $ref). */
export function definedProperties(file: string): Set<string> {
  let s = knownProps.get(file);
  if (s) return s;
  loadAll();
  s = new Set<string>();
  const seen = new Set<string>();
  const visit = (schema: AnySchemaObject | undefined, from: string) => {
    if (!schema || typeof schema !== 'object') return;
    if (schema.properties) for (const k of Object.keys(schema.properties)) s!.add(k);
    for (const sub of [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) visit(sub, from);
    if (typeof schema.$ref === 'string' && !schema.$ref.startsWith('#')) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), schema.$ref));
      if (!seen.has(target)) { seen.add(target); visit(raw.get(target), target); }
    }
  };
  seen.add(file);
  visit(raw.get(file), file);
  knownProps.set(file, s);
  return s;
}
