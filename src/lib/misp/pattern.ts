/**
 * STIX 2.1 patterning helpers (STIX 2.1 Part 5 / §9 "STIX Patterning"): string literals are
 * enclosed in single quotes; inside them a single quote is written \' and a backslash \\.
 */
export function escapeStixString(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}

/** A quoted STIX pattern string literal. */
export function stixString(s: string): string {
  return `'${escapeStixString(s)}'`;
}

/** Inverse of escapeStixString for a literal body (used by tests and by callers that display patterns). */
export function unescapeStixString(body: string): string {
  return body.replace(/\\(['\\])/g, '$1');
}

/** Object path component for a dictionary key such as a hash name: bare if an identifier, else quoted. */
export function pathKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : stixString(key);
}

/** A comparison expression `object:path = 'value'`. */
export function eq(path: string, value: string | number): string {
  return `${path} = ${typeof value === 'number' ? String(value) : stixString(value)}`;
}

/** An observation expression [a AND b AND ...]. */
export function observation(comparisons: string[]): string {
  return `[${comparisons.join(' AND ')}]`;
}
