import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { SCHEMA_DIR, simplifyTypeUnions } from './schema.ts';
import { validateStixObject } from './validate.ts';

/** Every `anyOf` of the shipped schema files, with where it stands. */
function anyOfs(): { where: string; schema: Record<string, unknown> }[] {
  const out: { where: string; schema: Record<string, unknown> }[] = [];
  const walk = (x: unknown, where: string) => {
    if (Array.isArray(x)) x.forEach((v, i) => walk(v, `${where}/${i}`));
    else if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (Array.isArray(o.anyOf)) out.push({ where, schema: o });
      for (const [k, v] of Object.entries(o)) walk(v, `${where}/${k}`);
    }
  };
  for (const dir of ['common', 'sdos', 'sros', 'observables']) {
    for (const f of readdirSync(path.join(SCHEMA_DIR, dir)).filter((n) => n.endsWith('.json'))) {
      walk(JSON.parse(readFileSync(path.join(SCHEMA_DIR, dir, f), 'utf8')), `${dir}/${f}#`);
    }
  }
  return out;
}

/** The subschema alone (no $ref to resolve: only the type unions are rewritten, and they have none). */
const compile = (s: Record<string, unknown>) => new Ajv2020({ allErrors: true, strict: false }).compile(s);

describe('simplifyTypeUnions', () => {
  const all = anyOfs();
  const unions = all.filter(({ schema }) => simplifyTypeUnions(schema).anyOf === undefined);

  it('rewrites the type-only unions of the shipped schemas (custom property values, dictionaries, ipfix) and nothing else', () => {
    expect(unions.map((u) => u.where).sort()).toEqual([
      'common/dictionary.json#/patternProperties/^[a-zA-Z0-9_-]{0,250}$',
      'common/properties.json#/patternProperties/^([a-z][a-z0-9_]{2,249})|id$',
      'observables/network-traffic.json#/allOf/1/properties/ipfix/patternProperties/^[a-zA-Z0-9_-]{0,250}$',
    ]);
    expect(simplifyTypeUnions(unions.find((u) => u.where.startsWith('common/properties'))!.schema)).toEqual({
      type: ['array', 'string', 'integer', 'boolean', 'number', 'object'],
      minItems: 1,
    });
    // Unions with anything but a bare type per branch stay as they are.
    const kept = all.filter((u) => !unions.includes(u));
    expect(kept.length).toBeGreaterThan(10);
    for (const { schema } of kept) expect(simplifyTypeUnions(schema).anyOf).toEqual(schema.anyOf);
  });

  it('accepts exactly the values the original anyOf accepts', () => {
    const pairs = unions.map(({ where, schema }) => ({ where, before: compile(schema), after: compile(simplifyTypeUnions(schema)) }));
    const edge = [null, [], [null], [[]], '', 'x', 0, -1, 1.5, 2 ** 53, true, false, {}, { a: null }];
    for (const { where, before, after } of pairs) for (const v of edge) expect([where, v, after(v)]).toEqual([where, v, before(v)]);
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => {
        for (const { before, after } of pairs) if (after(v) !== before(v)) return false;
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves other shapes alone', () => {
    const mixed = { anyOf: [{ type: 'string', pattern: '^a' }, { type: 'integer' }] };
    expect(simplifyTypeUnions(mixed)).toEqual(mixed);
    const typed = { type: 'object', anyOf: [{ type: 'string' }, { type: 'integer' }] };
    expect(simplifyTypeUnions(typed)).toEqual(typed);
    const minOnString = { anyOf: [{ type: 'string', minItems: 1 }, { type: 'integer' }] };
    expect(simplifyTypeUnions(minOnString)).toEqual(minOnString);
  });

  it('a custom property that is null or an empty array is still rejected, with one clear error', () => {
    const base = {
      type: 'indicator', spec_version: '2.1', id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', created: '2024-01-01T00:00:00.000Z',
      modified: '2024-01-01T00:00:00.000Z', pattern: "[ipv4-addr:value = '198.51.100.7']", pattern_type: 'stix', valid_from: '2024-01-01T00:00:00Z',
    };
    expect(validateStixObject({ ...base, x_note: 'kept' }).ok).toBe(true);
    for (const bad of [null, []]) {
      const r = validateStixObject({ ...base, x_note: bad });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.filter((e) => e.path === '$.x_note').map((e) => e.rule)).toEqual([bad === null ? 'schema:type' : 'schema:minItems']);
    }
  });
});
