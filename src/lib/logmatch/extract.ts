/** Plain-text candidate extraction (no index): the same byte scanner the matcher uses, in "emit all" mode. */
import type { ObservedKind } from './types.ts';
import { Scanner, type RawHit } from './scan.ts';

export interface Candidate {
  kind: ObservedKind;
  /** Normalised value (lower-case domain, canonical IPv6, normalised URL…). */
  value: string;
}

let scanner: Scanner | null = null;

/** Every IPv4/IPv6 address, domain, URL, email address and MD5/SHA-1/SHA-256 hash in the text, in order, unique. */
export function extractCandidates(text: string | Uint8Array): Candidate[] {
  scanner ??= new Scanner(null);
  const out: RawHit[] = [];
  if (typeof text === 'string') scanner.scanString(text, out);
  else scanner.scan(text, 0, text.length, out);
  return out.map(({ kind, value }) => ({ kind, value }));
}
