import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAPPED_ATTRIBUTE_TYPES, MispValidationError, mispEventToStix, parseMispFeedManifest, stixUuid, type StixObject } from '../index.ts';
import { basicProblems, loadStixValidator } from './helpers.ts';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/election-event.json', import.meta.url), 'utf8'));

function onlyValidationErrors(input: unknown): StixObject[] | null {
  try {
    return mispEventToStix(input).objects;
  } catch (e) {
    if (e instanceof MispValidationError) {
      expect(e.issues.length).toBeGreaterThan(0);
      for (const i of e.issues) expect(typeof i.path).toBe('string');
      return null;
    }
    throw e;
  }
}

/** All paths to nodes of a JSON value. */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}
function mutate(doc: unknown, path: (string | number)[], replacement: unknown, del: boolean): unknown {
  if (path.length === 0) return replacement;
  const root = structuredClone(doc) as Record<string | number, unknown>;
  let cur = root;
  for (const seg of path.slice(0, -1)) cur = cur[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (del && !Array.isArray(cur)) delete cur[last];
  else cur[last] = replacement;
  return root;
}

const allPaths = paths(fixture);
const nasty = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.constantFrom('', '|', '||', "'", '\\', '\ud800', '__proto__', 'constructor', '9'.repeat(20), '-1', '1e300', '2020-02-31', 'tlp:red'),
  fc.integer(),
  fc.double(),
);

describe('fuzzing: only MispValidationError, never another throw', () => {
  it('arbitrary JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => void onlyValidationErrors(v)), { numRuns: 300 });
    fc.assert(fc.property(fc.jsonValue(), (v) => void onlyValidationErrors({ Event: v })), { numRuns: 300 });
  });

  it('mutations of a realistic event', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(allPaths.length - 1), nasty, fc.boolean()), { minLength: 1, maxLength: 4 }), (muts) => {
        let doc: unknown = fixture;
        for (const [i, rep, del] of muts) {
          const ps = paths(doc);
          doc = mutate(doc, ps[i % ps.length], rep, del);
        }
        const objs = onlyValidationErrors(doc);
        if (objs) for (const o of objs) expect(basicProblems(o), o.id).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('feed manifests', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          parseMispFeedManifest(v);
        } catch (e) {
          if (!(e instanceof MispValidationError)) throw e;
        }
      }),
      { numRuns: 300 },
    );
  });
});

const uuidArb = fc.uuid().map((u) => u.toLowerCase());
const valueArb = fc.oneof(
  fc.string(),
  fc.ipV4(),
  fc.ipV6(),
  fc.domain(),
  fc.webUrl(),
  fc.emailAddress(),
  fc.tuple(fc.domain(), fc.ipV4()).map(([d, i]) => `${d}|${i}`),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 70000 })).map(([i, p]) => `${i}|${p}`),
  fc.stringMatching(/^[0-9a-f]{32}$|^[0-9a-f]{40}$|^[0-9a-f]{64}$/),
  fc.tuple(fc.string(), fc.stringMatching(/^[0-9a-f]{32}$/)).map(([n, h]) => `${n}|${h}`),
);
const attrArb = fc.record({
  uuid: uuidArb,
  type: fc.oneof(fc.constantFrom(...MAPPED_ATTRIBUTE_TYPES), fc.constantFrom('text', 'comment', 'btc', 'other')),
  category: fc.constantFrom('Network activity', 'Payload delivery', 'External analysis'),
  value: valueArb,
  to_ids: fc.boolean(),
  timestamp: fc.integer({ min: 0, max: 4102444800 }).map(String),
  Tag: fc.array(fc.record({ name: fc.oneof(fc.constantFrom('tlp:red', 'tlp:amber+strict', 'election:phase="voting"'), fc.string()) }), { maxLength: 2 }),
});
const eventArb = fc.record({
  uuid: uuidArb,
  info: fc.string(),
  timestamp: fc.integer({ min: 0, max: 4102444800 }),
  distribution: fc.constantFrom('0', '1', '2', '3', '4'),
  Orgc: fc.record({ name: fc.string({ minLength: 1 }), uuid: uuidArb }),
  Attribute: fc.uniqueArray(attrArb, { maxLength: 8, selector: (a) => a.uuid }),
  Tag: fc.array(fc.record({ name: fc.string() }), { maxLength: 3 }),
});

describe('generated valid events', () => {
  it('every produced object has the STIX common properties; refs resolve; validator passes when available', async () => {
    const validate = await loadStixValidator();
    fc.assert(
      fc.property(eventArb, (ev) => {
        fc.pre(!ev.Attribute.some((a) => a.uuid === ev.uuid || a.uuid === ev.Orgc.uuid));
        const r = mispEventToStix({ Event: ev });
        const ids = new Set(r.objects.map((o) => o.id));
        expect(ids.size).toBe(r.objects.length);
        for (const o of r.objects) {
          expect(basicProblems(o), o.id).toEqual([]);
          if (validate) {
            const v = validate(o);
            expect(v.ok ? [] : v.errors, JSON.stringify(o)).toEqual([]);
          }
        }
        const report = r.objects.find((o) => o.id === r.reportId)!;
        for (const ref of report.object_refs as string[]) expect(ids.has(ref)).toBe(true);
        // every attribute is either converted or accounted for in skipped
        for (const a of ev.Attribute) {
          const converted = r.objects.some((o) => o.id.endsWith(`--${stixUuid(a.uuid)}`));
          const skipped = r.skipped.some((s) => s.attributeUuid === a.uuid);
          expect(converted !== skipped, `${a.type} ${JSON.stringify(a.value)}`).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
