import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { validateStixObject, validateBundle } from './validate.ts';
import { generateObjects } from './generate.ts';
import { observableKeysOfSco } from './observables.ts';
import { computeScoId } from './sco-id.ts';

const samples = [...generateObjects(99, 120)];
const anyJson = fc.jsonValue({ maxDepth: 4 });

function mutate(obj: Record<string, unknown>, key: string, value: unknown, mode: number): Record<string, unknown> {
  const o: Record<string, unknown> = structuredClone(obj);
  const keys = Object.keys(o);
  const k = mode === 0 ? key : keys[Math.abs(key.length * 7919) % keys.length];
  if (mode === 2) delete o[k]; else o[k] = value;
  return o;
}

describe('robustness', () => {
  it('random mutations of valid objects never throw and yield well-formed results', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: samples.length - 1 }), fc.string(), anyJson, fc.integer({ min: 0, max: 2 }), (i, key, value, mode) => {
      const r = validateStixObject(mutate(samples[i], key, value, mode));
      expect(typeof r.ok).toBe('boolean');
      if (!r.ok) {
        expect(r.errors.length).toBeGreaterThan(0);
        for (const e of r.errors) { expect(e.path.startsWith('$')).toBe(true); expect(e.rule).toBeTruthy(); expect(e.rule).not.toBe('internal'); }
      }
      expect(() => observableKeysOfSco(mutate(samples[i], key, value, mode))).not.toThrow();
    }), { numRuns: 1500 });
  });
  it('arbitrary JSON never throws', () => {
    fc.assert(fc.property(anyJson, (v) => {
      expect(() => validateStixObject(v)).not.toThrow();
      expect(() => validateBundle(v)).not.toThrow();
    }), { numRuns: 500 });
  });
  it('changing a timestamp to a random string is caught or still valid, never thrown', () => {
    const ind = samples.find((o) => o.type === 'indicator')!;
    fc.assert(fc.property(fc.string(), (s) => {
      const r = validateStixObject({ ...ind, valid_from: s });
      if (r.ok) expect(s).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    }), { numRuns: 500 });
  });
  it('10,000-level nesting is rejected with max-depth, not a crash', () => {
    let deep: unknown = 'x'; for (let i = 0; i < 10_000; i++) deep = { x_n: deep };
    const ind = samples.find((o) => o.type === 'indicator')!;
    const r = validateStixObject({ ...ind, x_deep: deep });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.map((e) => e.rule)).toEqual(['max-depth']);
    let arr: unknown = 1; for (let i = 0; i < 10_000; i++) arr = [arr];
    expect(validateStixObject({ type: 'file', spec_version: '2.1', id: 'file--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', name: 'a', extensions: { 'x-ext': { x_v: arr } } }).ok).toBe(false);
    expect(() => computeScoId({ type: 'file', name: 'a', extensions: { deep: arr } })).toThrow();
  });
  it('deep nesting within the limit validates', () => {
    let deep: unknown = 'x'; for (let i = 0; i < 50; i++) deep = { x_n: deep };
    const ind = samples.find((o) => o.type === 'indicator')!;
    expect(validateStixObject({ ...ind, x_deep: deep }).ok).toBe(true);
  });
  it('10 MB strings in any position are handled', () => {
    const big = 'a'.repeat(10 * 1024 * 1024);
    const ind = samples.find((o) => o.type === 'indicator')!;
    expect(validateStixObject({ ...ind, description: big }).ok).toBe(true);
    for (const k of ['id', 'type', 'created', 'pattern', 'name', big]) {
      const r = validateStixObject({ ...ind, [k]: big + '!' });
      expect(typeof r.ok, k.slice(0, 10)).toBe('boolean');
      expect(r.ok ? [] : r.errors.filter((e) => e.rule === 'internal'), k.slice(0, 10)).toEqual([]);
    }
    expect(validateStixObject({ type: 'url', spec_version: '2.1', id: 'url--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', value: `http://e.example/${big}` }).ok).toBe(true);
    expect(observableKeysOfSco({ type: 'url', value: big })).toEqual([]);
    expect(validateStixObject({ type: 'domain-name', spec_version: '2.1', id: 'domain-name--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', value: big }).ok).toBe(false);
  });
  it('pathological type names do not backtrack catastrophically', () => {
    const r = validateStixObject({ type: `${'a'.repeat(240)}!`, id: 'x' });
    expect(r.ok).toBe(false);
  });
});
