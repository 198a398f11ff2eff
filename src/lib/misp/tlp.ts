import type { MispEvent } from './schema.ts';
import type { SuggestedSharing, Tlp } from './types.ts';

const TLP_ORDER: Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'];

const TLP_TAGS = new Map<string, Tlp>([
  ['tlp:white', 'CLEAR'],
  ['tlp:clear', 'CLEAR'],
  ['tlp:green', 'GREEN'],
  ['tlp:amber', 'AMBER'],
  ['tlp:amber+strict', 'AMBER+STRICT'],
  ['tlp:red', 'RED'],
]);

/**
 * STIX 2.1 TLP 2.0 marking-definition ids (OASIS TLP 2.0 extension, also used by CACAO). These are
 * well-known objects; the converter references them but does not emit them.
 */
export const TLP_MARKING_IDS: Readonly<Record<Tlp, string>> = {
  CLEAR: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  GREEN: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  AMBER: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'AMBER+STRICT': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  RED: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

/** `tlp:*` tag name → TLP (case-insensitive; tlp:white is TLP 1.0 for TLP 2.0 CLEAR). Other tags → undefined. */
export function tlpFromTagName(name: string): Tlp | undefined {
  return TLP_TAGS.get(name.trim().toLowerCase());
}

export function isTlpTag(name: string): boolean {
  return tlpFromTagName(name) !== undefined;
}

export function mostRestrictive(a: Tlp | null | undefined, b: Tlp | null | undefined): Tlp | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return TLP_ORDER.indexOf(a) >= TLP_ORDER.indexOf(b) ? a : b;
}

export function tlpFromTags(tags: ReadonlyArray<{ name: string }>): Tlp | null {
  let out: Tlp | null = null;
  for (const t of tags) out = mostRestrictive(out, tlpFromTagName(t.name));
  return out;
}

/**
 * MISP distribution → suggested Rampart sharing. MISP distribution governs how far an event
 * *synchronises* between MISP instances, not whether it may be published, so it never yields CLEAR;
 * only an explicit tlp:white/tlp:clear tag does. A TLP tag on the event always wins over the TLP derived
 * here (the scope still comes from distribution).
 *
 * | distribution | meaning                   | scope         | TLP (if no tag) |
 * |--------------|---------------------------|---------------|-----------------|
 * | 0            | your organisation only    | organisation  | AMBER+STRICT    |
 * | 1            | this community only       | community     | GREEN           |
 * | 2            | connected communities     | community     | GREEN           |
 * | 3            | all communities           | all           | GREEN           |
 * | 4            | sharing group             | sharing-group | AMBER           |
 * | absent/other | (unknown)                 | organisation  | none            |
 */
export function sharingFromDistribution(event: Pick<MispEvent, 'distribution' | 'SharingGroup'>, tagTlp: Tlp | null): SuggestedSharing {
  let base: SuggestedSharing;
  switch (event.distribution) {
    case 0:
      base = { scope: 'organisation', tlp: 'AMBER+STRICT' };
      break;
    case 1:
    case 2:
      base = { scope: 'community', tlp: 'GREEN' };
      break;
    case 3:
      base = { scope: 'all', tlp: 'GREEN' };
      break;
    case 4: {
      base = { scope: 'sharing-group', tlp: 'AMBER' };
      const name = event.SharingGroup?.name;
      if (name) base.sharingGroupName = name;
      break;
    }
    default:
      base = { scope: 'organisation' };
  }
  if (tagTlp) base.tlp = tagTlp;
  return base;
}
