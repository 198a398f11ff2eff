/**
 * Minimal STIX patterning sanity check (STIX 2.1 §9), used when no full parser is plugged in.
 * It only rejects what clearly is not a STIX pattern: it checks that quotes and brackets balance,
 * that the pattern is made of bracketed observation expressions `[...]` joined by parentheses,
 * AND/OR/FOLLOWEDBY and qualifiers, and that each observation contains a `type:path` comparison.
 */
export type PatternCheck = { ok: true } | { ok: false; message: string };
export type PatternValidator = (pattern: string) => PatternCheck;

const COMPARISON = /(?:^|[\s([])(?:NOT\s+)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?:[A-Za-z0-9_]+(?:\.[A-Za-z0-9_'*-]+|\[[^\]]*\])*\s*(?:NOT\s+)?(?:=|!=|<=|>=|<|>|IN\b|LIKE\b|MATCHES\b|ISSUBSET\b|ISSUPERSET\b|EXISTS\b)/;
const OUTSIDE = /^(?:\s|\(|\)|AND\b|OR\b|FOLLOWEDBY\b|WITHIN\b|SECONDS\b|REPEATS\b|TIMES\b|START\b|STOP\b|\d+(?:\.\d+)?|t)*$/;

export const minimalPatternValidator: PatternValidator = (pattern) => {
  if (typeof pattern !== 'string' || pattern.trim() === '') return { ok: false, message: 'pattern is empty' };
  let depthSq = 0; let depthPar = 0; let inStr = false;
  let outside = ''; let inside = ''; const observations: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (inStr) {
      if (c === '\\') { i++; if (depthSq) inside += '_'; continue; }
      if (c === "'") inStr = false;
      if (depthSq) inside += c === "'" ? "'" : '_'; else outside += '';
      continue;
    }
    if (c === "'") { inStr = true; if (depthSq) inside += "'"; continue; }
    if (c === '[') {
      if (depthSq === 0) { inside = ''; depthSq = 1; continue; }
      depthSq++; inside += c; continue;
    }
    if (c === ']') {
      if (depthSq === 0) return { ok: false, message: `unbalanced ']' at offset ${i}` };
      depthSq--;
      if (depthSq === 0) { observations.push(inside); outside += ' '; continue; }
      inside += c; continue;
    }
    if (depthSq) { inside += c; continue; }
    if (c === '(') depthPar++;
    else if (c === ')') { if (--depthPar < 0) return { ok: false, message: `unbalanced ')' at offset ${i}` }; }
    outside += c;
  }
  if (inStr) return { ok: false, message: 'unterminated string literal' };
  if (depthSq) return { ok: false, message: "unbalanced '['" };
  if (depthPar) return { ok: false, message: "unbalanced '('" };
  if (observations.length === 0) return { ok: false, message: 'no bracketed observation expression [...]' };
  if (!OUTSIDE.test(outside)) return { ok: false, message: 'unexpected text outside observation expressions' };
  for (const o of observations) {
    if (!COMPARISON.test(o)) return { ok: false, message: 'observation expression has no object-type:path comparison' };
  }
  return { ok: true };
};
