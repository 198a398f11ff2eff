import { describe, it, expect } from 'vitest';
import { generateObjects, generateBundle } from './generate.ts';
import { validateStixObject, validateBundle } from './validate.ts';
import { ALL_TYPES } from './types.ts';
import { computeScoId } from './sco-id.ts';
import { isScoType } from './types.ts';

describe('generator', () => {
  it('emits exactly count objects, deterministically per seed', () => {
    const a = [...generateObjects(7, 500)];
    expect(a).toHaveLength(500);
    expect([...generateObjects(7, 500)]).toEqual(a);
    expect([...generateObjects(8, 500)]).not.toEqual(a);
    expect([...generateObjects(7, 0)]).toEqual([]);
  });
  it('covers every STIX 2.1 type in the first 100 objects', () => {
    const types = new Set([...generateObjects(3, 100)].map((o) => o.type));
    expect([...ALL_TYPES].filter((t) => !types.has(t))).toEqual([]);
  });
  it('every generated object validates, with deterministic SCO ids and no warnings', () => {
    const bad: unknown[] = [];
    for (const seed of [1, 2, 3]) {
      for (const o of generateObjects(seed, 2000)) {
        const r = validateStixObject(o, { strictScoIds: true });
        if (!r.ok || r.warnings.length) bad.push({ o, r });
        if (isScoType(o.type) && o.type !== 'process') expect(o.id).toBe(computeScoId(o));
      }
    }
    expect(bad.slice(0, 3)).toEqual([]);
  });
  it('indicators carry patterns over IPs, CIDRs, domains, URLs and SHA-256', () => {
    const patterns = [...generateObjects(5, 3000)].filter((o) => o.type === 'indicator').map((o) => o.pattern as string);
    for (const re of [/ipv4-addr:value = '/, /ISSUBSET '\d+\.\d+\.\d+\.\d+\/\d+'/, /domain-name:value/, /url:value/, /file:hashes\.'SHA-256'/, /ipv6-addr:value/])
      expect(patterns.some((p) => re.test(p)), String(re)).toBe(true);
  });
  it('relationships and reports refer to objects emitted earlier', () => {
    const seen = new Set<string>();
    for (const o of generateObjects(9, 3000)) {
      const refs = [o.source_ref, o.target_ref, o.sighting_of_ref, ...((o.object_refs as string[]) ?? [])].filter(Boolean) as string[];
      for (const r of refs) expect(seen.has(r), `${o.id} -> ${r}`).toBe(true);
      seen.add(o.id);
    }
  });
  it('generateBundle yields a valid bundle', () => {
    const b = generateBundle({ seed: 11, count: 300 });
    const r = validateBundle(b);
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    expect(b.objects).toHaveLength(300);
  });
});
