/**
 * JSON Canonicalization Scheme (RFC 8785).
 * - object members sorted by their names as arrays of UTF-16 code units (RFC 8785 §3.2.3);
 * - numbers serialised as ECMAScript Number.prototype.toString (§3.2.2.3), which is what
 *   JSON.stringify does for finite numbers (and -0 becomes 0);
 * - strings serialised as JSON.stringify does (§3.2.2.2): only the mandatory escapes, \b \t \n \f \r
 *   as short escapes, other controls as \u00xx lower-case; lone surrogates are rejected (§3.2.2.2 needs
 *   well-formed Unicode);
 * - literals true/false/null; whitespace never emitted.
 * Iterative, so deep input cannot overflow the call stack; `maxDepth` bounds it anyway.
 */
export class JcsError extends Error {}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function str(s: string): string {
  if (LONE_SURROGATE.test(s)) throw new JcsError('string contains a lone surrogate');
  return JSON.stringify(s);
}

function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0; // JS string comparison is by UTF-16 code units
}

export function canonicalize(value: unknown, maxDepth = 1000): string {
  const out: string[] = [];
  // Work stack: either a value to emit (with its depth) or a literal chunk.
  type Item = { v: unknown; d: number } | string;
  const stack: Item[] = [{ v: value, d: 0 }];
  while (stack.length) {
    const it = stack.pop()!;
    if (typeof it === 'string') { out.push(it); continue; }
    const { v, d } = it;
    if (v === null) { out.push('null'); continue; }
    switch (typeof v) {
      case 'boolean': out.push(v ? 'true' : 'false'); continue;
      case 'number':
        if (!Number.isFinite(v)) throw new JcsError('non-finite number');
        out.push(JSON.stringify(v)); continue;
      case 'string': out.push(str(v)); continue;
      case 'object': break;
      default: throw new JcsError(`cannot canonicalise a ${typeof v}`);
    }
    if (d >= maxDepth) throw new JcsError(`nesting deeper than ${maxDepth}`);
    if (Array.isArray(v)) {
      const items: Item[] = ['['];
      v.forEach((e, i) => { if (i) items.push(','); items.push({ v: e === undefined ? null : e, d: d + 1 }); });
      items.push(']');
      for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]);
    } else {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort(compareUtf16);
      const items: Item[] = ['{'];
      keys.forEach((k, i) => { items.push((i ? ',' : '') + str(k) + ':'); items.push({ v: o[k], d: d + 1 }); });
      items.push('}');
      for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]);
    }
  }
  return out.join('');
}
