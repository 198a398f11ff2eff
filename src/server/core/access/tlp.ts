/** TLP 2.0 (FIRST): the five labels, from least to most restrictive. */
export const TLP_LEVELS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const;
export type Tlp = (typeof TLP_LEVELS)[number];

export function isTlp(v: unknown): v is Tlp {
  return typeof v === 'string' && (TLP_LEVELS as readonly string[]).includes(v);
}

/** Negative when `a` is less restrictive than `b`. */
export function compareTlp(a: Tlp, b: Tlp): number {
  return TLP_LEVELS.indexOf(a) - TLP_LEVELS.indexOf(b);
}

/** The sharer may tighten a label, never loosen it. */
export function mayRelabel(from: Tlp, to: Tlp): boolean {
  return compareTlp(to, from) >= 0;
}
