import type { Comparison, ComparisonExpression, Literal, ObservationExpression, Pattern } from './ast.ts';
import { formatPathSteps } from './format.ts';

export type IndexableObservableType = 'ipv4-addr' | 'ipv6-addr' | 'domain-name' | 'url' | 'file' | 'email-addr';

export interface ObservableValue {
  type: IndexableObservableType;
  /** Path after `type:` in canonical pattern syntax, e.g. `value` or `hashes.'SHA-256'`. */
  path: string;
  /** The compared string, exactly as written in the pattern (e.g. `198.51.100.0/24`). */
  value: string;
  /** For `file:hashes.<algorithm>` only. */
  algorithm?: string;
}

export interface ObservableValueExtraction {
  values: ObservableValue[];
  /**
   * True when the pattern is a pure disjunction of the returned comparisons:
   * it can only match an observation carrying one of these values, so an
   * exact-match index lookup on them finds every candidate. False when some
   * OR branch (or the whole pattern) is something else.
   */
  complete: boolean;
}

const VALUE_TYPES = new Set<string>(['ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr']);

function simpleValues(c: Comparison): ObservableValue[] | null {
  if (c.negated) return null;
  let strings: Literal[];
  if (c.operator === '=' && c.value.type === 'string') strings = [c.value];
  else if (c.operator === 'IN' && c.value.type === 'set' && c.value.values.length > 0 && c.value.values.every((v) => v.type === 'string')) strings = c.value.values;
  else return null;
  const { objectType, steps } = c.path;
  let make: ((value: string) => ObservableValue) | null = null;
  if (VALUE_TYPES.has(objectType) && steps.length === 1 && steps[0].type === 'key' && steps[0].name === 'value') {
    make = (value) => ({ type: objectType as IndexableObservableType, path: 'value', value });
  } else if (objectType === 'file' && steps.length === 2 && steps[0].type === 'key' && steps[0].name === 'hashes' && steps[1].type === 'key') {
    const algorithm = steps[1].name;
    const path = formatPathSteps(c.path);
    make = (value) => ({ type: 'file', path, value, algorithm });
  }
  if (!make) return null;
  return strings.map((s) => make(String(s.value)));
}

function fromComparison(e: ComparisonExpression, out: ObservableValue[]): boolean {
  if (e.type === 'or') {
    let complete = true;
    for (const op of e.operands) complete = fromComparison(op, out) && complete;
    return complete;
  }
  if (e.type === 'comparison') {
    const v = simpleValues(e);
    if (v) {
      out.push(...v);
      return true;
    }
  }
  // AND-joined comparisons, EXISTS and other operators are not simple values.
  return false;
}

function fromObservation(e: ObservationExpression, out: ObservableValue[]): boolean {
  if (e.type === 'observation') return fromComparison(e.expression, out);
  if (e.type === 'observation-or') {
    let complete = true;
    for (const op of e.operands) complete = fromObservation(op, out) && complete;
    return complete;
  }
  // Observation AND / FOLLOWEDBY / qualifiers need more than one value (or timing): not simple.
  return false;
}

/**
 * Simple `=` (and `IN`) comparisons naming an indexable observable value,
 * found through OR-joins only (comparison OR and observation OR), with a flag
 * telling whether they cover every way the pattern can match.
 */
export function extractObservableValuesDetailed(ast: Pattern): ObservableValueExtraction {
  const values: ObservableValue[] = [];
  const complete = fromObservation(ast, values);
  const seen = new Set<string>();
  const unique = values.filter((v) => {
    const k = `${v.type}\u0000${v.path}\u0000${v.value}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { values: unique, complete: complete && unique.length > 0 };
}

/**
 * The simple equality comparisons of a pattern usable by exact-match indexes,
 * e.g. `[ipv4-addr:value = '198.51.100.0/24']` →
 * `[{ type: 'ipv4-addr', path: 'value', value: '198.51.100.0/24' }]`.
 * Only comparisons reached through OR (or a lone comparison) are returned;
 * an AND-joined comparison is not a simple value.
 */
export function extractObservableValues(ast: Pattern): ObservableValue[] {
  return extractObservableValuesDetailed(ast).values;
}
