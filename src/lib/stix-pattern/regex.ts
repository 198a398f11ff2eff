import { RE2JS } from 're2js';

/**
 * Linear-time regular expressions for MATCHES. User-supplied patterns are
 * only ever compiled with re2js (an RE2 port: automata-based, no
 * backtracking), never with the JS RegExp engine.
 */
const cache = new Map<string, RE2JS>();
const CACHE_MAX = 1024;

/** Compile (cached). Throws whatever re2js throws for an invalid expression. */
export function compileRegex(source: string): RE2JS {
  let re = cache.get(source);
  if (re === undefined) {
    re = RE2JS.compile(source);
    if (cache.size >= CACHE_MAX) {
      const oldest = cache.keys().next().value as string;
      cache.delete(oldest);
    }
    cache.set(source, re);
  }
  return re;
}

/** Spec semantics: true if the expression matches anywhere in the value (unanchored search). */
export function regexSearch(source: string, value: string): boolean {
  return compileRegex(source).test(value);
}
