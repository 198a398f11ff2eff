/**
 * Traffic Light Protocol markings.
 * - TLP 2.0: the five marking-definition objects published by OASIS in cti-stix-common-objects
 *   (objects/marking-definition/ and extension-definition-specifications/tlp-2.0/), reproduced with the
 *   same properties, order and values, and the TLP 2.0 extension-definition object itself.
 * - TLP 1.0: the four built-in marking definitions of STIX 2.1 §7.2.1.4, mapped to TLP 2.0
 *   (WHITE→CLEAR, GREEN→GREEN, AMBER→AMBER, RED→RED).
 */
import { isPlainObject } from './types.ts';

export type Tlp = 'CLEAR' | 'GREEN' | 'AMBER' | 'AMBER+STRICT' | 'RED';
/** Least to most restrictive. */
export const TLP_LEVELS: readonly Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'];

export const TLP2_EXTENSION_DEFINITION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

export const TLP2_EXTENSION_DEFINITION = deepFreeze({
  id: TLP2_EXTENSION_DEFINITION_ID,
  type: 'extension-definition',
  spec_version: '2.1',
  name: 'TLP 2.0',
  description: 'This defines TLP 2.0 as a STIX extension',
  created: '2022-10-01T00:00:00.000Z',
  modified: '2022-10-01T00:00:00.000Z',
  created_by_ref: 'identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01',
  schema: 'https://github.com/oasis-open/cti-stix-common-objects/tree/master/extension-definition-specifications/tlp-2.0',
  version: '1.0.0',
  extension_types: ['property-extension'],
});

function tlp2(id: string, name: string, value: string) {
  return deepFreeze({
    type: 'marking-definition',
    spec_version: '2.1',
    id,
    created: '2022-10-01T00:00:00.000Z',
    name,
    extensions: {
      [TLP2_EXTENSION_DEFINITION_ID]: {
        extension_type: 'property-extension',
        tlp_2_0: value,
      },
    },
  });
}

export const TLP2_CLEAR = tlp2('marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487', 'TLP:CLEAR', 'clear');
export const TLP2_GREEN = tlp2('marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb', 'TLP:GREEN', 'green');
export const TLP2_AMBER = tlp2('marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421', 'TLP:AMBER', 'amber');
export const TLP2_AMBER_STRICT = tlp2('marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003', 'TLP:AMBER+STRICT', 'amber+strict');
export const TLP2_RED = tlp2('marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1', 'TLP:RED', 'red');

export const TLP2_MARKINGS: Readonly<Record<Tlp, typeof TLP2_CLEAR>> = Object.freeze({
  CLEAR: TLP2_CLEAR, GREEN: TLP2_GREEN, AMBER: TLP2_AMBER, 'AMBER+STRICT': TLP2_AMBER_STRICT, RED: TLP2_RED,
});

function tlp1(id: string, color: string) {
  return deepFreeze({
    type: 'marking-definition',
    spec_version: '2.1',
    id,
    created: '2017-01-20T00:00:00.000Z',
    definition_type: 'tlp',
    name: `TLP:${color.toUpperCase()}`,
    definition: { tlp: color },
  });
}
/** STIX 2.1 §7.2.1.4 built-in TLP 1.0 marking definitions. */
export const TLP1_WHITE = tlp1('marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9', 'white');
export const TLP1_GREEN = tlp1('marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da', 'green');
export const TLP1_AMBER = tlp1('marking-definition--f88d31f6-486f-44da-b317-01333bde0b82', 'amber');
export const TLP1_RED = tlp1('marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed', 'red');
export const TLP1_MARKINGS = Object.freeze({ WHITE: TLP1_WHITE, GREEN: TLP1_GREEN, AMBER: TLP1_AMBER, RED: TLP1_RED });

/** Every known TLP marking-definition id (1.0 and 2.0) → TLP 2.0 level. */
export const TLP_BY_MARKING_ID: ReadonlyMap<string, Tlp> = new Map<string, Tlp>([
  [TLP2_CLEAR.id, 'CLEAR'], [TLP2_GREEN.id, 'GREEN'], [TLP2_AMBER.id, 'AMBER'],
  [TLP2_AMBER_STRICT.id, 'AMBER+STRICT'], [TLP2_RED.id, 'RED'],
  [TLP1_WHITE.id, 'CLEAR'], [TLP1_GREEN.id, 'GREEN'], [TLP1_AMBER.id, 'AMBER'], [TLP1_RED.id, 'RED'],
]);

export function isTlp(v: unknown): v is Tlp {
  return typeof v === 'string' && (TLP_LEVELS as readonly string[]).includes(v);
}

/** <0 if a is less restrictive than b, 0 if equal, >0 if more restrictive. */
export function compareTlp(a: Tlp, b: Tlp): number {
  const x = TLP_LEVELS.indexOf(a); const y = TLP_LEVELS.indexOf(b);
  if (x < 0 || y < 0) throw new RangeError(`unknown TLP level: ${x < 0 ? a : b}`);
  return x - y;
}

/** TLP 2.0 marking-definition id for a level. */
export function tlpMarkingRef(tlp: Tlp): string {
  if (!isTlp(tlp)) throw new RangeError(`unknown TLP level: ${String(tlp)}`);
  return TLP2_MARKINGS[tlp].id;
}

/** TLP of a marking-definition id (TLP 1.0 or 2.0), or null if it is not a TLP marking. */
export function tlpOfMarkingRef(ref: string): Tlp | null {
  return TLP_BY_MARKING_ID.get(ref.toLowerCase()) ?? null;
}

/** Most restrictive TLP among the object's object_marking_refs (1.0 refs mapped), or null if none. */
export function tlpOfObject(obj: unknown): Tlp | null {
  if (!isPlainObject(obj) || !Array.isArray(obj.object_marking_refs)) return null;
  let best: Tlp | null = null;
  for (const r of obj.object_marking_refs) {
    if (typeof r !== 'string') continue;
    const t = tlpOfMarkingRef(r);
    if (t && (best === null || compareTlp(t, best) > 0)) best = t;
  }
  return best;
}

/**
 * Returns a copy of `obj` whose object_marking_refs carry exactly one TLP marking, the TLP 2.0 `tlp`
 * (any TLP 1.0/2.0 ref is replaced; other refs are kept, in order). It sets the level it is given:
 * callers use it to tighten, never to loosen (check with tlpOfObject/compareTlp first).
 */
export function applyTlp<T extends Record<string, unknown>>(obj: T, tlp: Tlp): T & { object_marking_refs: string[] } {
  const ref = tlpMarkingRef(tlp);
  const existing = Array.isArray(obj.object_marking_refs) ? (obj.object_marking_refs as unknown[]) : [];
  const others = existing.filter((r): r is string => typeof r === 'string' && tlpOfMarkingRef(r) === null);
  return { ...obj, object_marking_refs: [...others, ref] };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') { for (const v of Object.values(o)) deepFreeze(v); Object.freeze(o); }
  return o;
}
