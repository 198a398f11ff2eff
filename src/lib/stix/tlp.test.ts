import { describe, it, expect } from 'vitest';
import {
  TLP2_MARKINGS, TLP1_MARKINGS, TLP2_EXTENSION_DEFINITION, tlpOfObject, tlpMarkingRef, applyTlp, compareTlp, TLP_LEVELS, type Tlp,
} from './tlp.ts';
import { validateStixObject } from './validate.ts';

describe('TLP constants', () => {
  it('reproduce the OASIS TLP 2.0 objects', () => {
    expect(JSON.stringify(TLP2_MARKINGS.GREEN)).toBe('{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb","created":"2022-10-01T00:00:00.000Z","name":"TLP:GREEN","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"green"}}}');
    expect(Object.fromEntries(Object.entries(TLP2_MARKINGS).map(([k, v]) => [k, v.id]))).toEqual({
      CLEAR: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487', GREEN: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
      AMBER: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421', 'AMBER+STRICT': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
      RED: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
    });
  });
  it('all TLP objects validate (the schema pins the TLP 1.0 ids and names)', () => {
    for (const m of [...Object.values(TLP2_MARKINGS), ...Object.values(TLP1_MARKINGS), TLP2_EXTENSION_DEFINITION]) {
      expect(validateStixObject(m), m.id).toEqual({ ok: true, warnings: [] });
    }
  });
  it('are frozen', () => {
    expect(Object.isFrozen(TLP2_MARKINGS.RED.extensions)).toBe(true);
  });
});

describe('TLP helpers', () => {
  it('compareTlp orders CLEAR < GREEN < AMBER < AMBER+STRICT < RED', () => {
    for (let i = 0; i < TLP_LEVELS.length; i++) for (let j = 0; j < TLP_LEVELS.length; j++) {
      expect(Math.sign(compareTlp(TLP_LEVELS[i], TLP_LEVELS[j]))).toBe(Math.sign(i - j));
    }
    expect(() => compareTlp('PURPLE' as Tlp, 'RED')).toThrow();
  });
  it('tlpOfObject returns the most restrictive, mapping TLP 1.0 (WHITE→CLEAR)', () => {
    expect(tlpOfObject({})).toBeNull();
    expect(tlpOfObject({ object_marking_refs: ['marking-definition--9b1c6f3e-5c2a-4b8e-9d7f-2a6c3e8b1f04'] })).toBeNull();
    expect(tlpOfObject({ object_marking_refs: [TLP1_MARKINGS.WHITE.id] })).toBe('CLEAR');
    expect(tlpOfObject({ object_marking_refs: [TLP2_MARKINGS.GREEN.id, TLP1_MARKINGS.AMBER.id, TLP2_MARKINGS.CLEAR.id] })).toBe('AMBER');
    expect(tlpOfObject({ object_marking_refs: [TLP2_MARKINGS['AMBER+STRICT'].id, TLP1_MARKINGS.AMBER.id] })).toBe('AMBER+STRICT');
    expect(tlpOfObject({ object_marking_refs: [TLP1_MARKINGS.RED.id, TLP2_MARKINGS['AMBER+STRICT'].id] })).toBe('RED');
  });
  it('applyTlp replaces TLP refs, keeps others, does not mutate', () => {
    const other = 'marking-definition--9b1c6f3e-5c2a-4b8e-9d7f-2a6c3e8b1f04';
    const o = { type: 'x', object_marking_refs: [TLP1_MARKINGS.GREEN.id, other, TLP2_MARKINGS.CLEAR.id] };
    const r = applyTlp(o, 'AMBER+STRICT');
    expect(r.object_marking_refs).toEqual([other, tlpMarkingRef('AMBER+STRICT')]);
    expect(o.object_marking_refs).toHaveLength(3);
    expect(applyTlp({ type: 'x' }, 'RED').object_marking_refs).toEqual([TLP2_MARKINGS.RED.id]);
    expect(tlpOfObject(r)).toBe('AMBER+STRICT');
  });
});
