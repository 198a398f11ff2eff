import { describe, expect, it } from 'vitest';
import type { Comparison, ComparisonExpression, ObservationExpression } from './ast.ts';
import { formatPattern } from './format.ts';
import { MAX_NESTING_DEPTH, PatternSyntaxError, parsePattern } from './index.ts';

/** Compact structural rendering of a parse, used to assert grouping/precedence. */
function shape(e: ObservationExpression): string {
  switch (e.type) {
    case 'observation':
      return `[${cshape(e.expression)}]`;
    case 'qualified':
      return `Q(${shape(e.expression)} ${e.qualifier.type})`;
    default: {
      const name = e.type === 'observation-and' ? 'AND' : e.type === 'observation-or' ? 'OR' : 'FB';
      return `${name}(${e.operands.map(shape).join(', ')})`;
    }
  }
}
function cshape(e: ComparisonExpression): string {
  switch (e.type) {
    case 'comparison':
      return e.path.steps.map((s) => (s.type === 'key' ? s.name : `[${s.index}]`)).join('.');
    case 'exists':
      return `E ${cshape({ type: 'comparison', path: e.path, operator: '=', negated: false, value: { type: 'int', value: 0 } })}`;
    default:
      return `${e.type}(${e.operands.map(cshape).join(', ')})`;
  }
}
function firstComparison(text: string): Comparison {
  const ast = parsePattern(text);
  if (ast.type !== 'observation' || ast.expression.type !== 'comparison') throw new Error('not a single comparison');
  return ast.expression;
}
function syntaxError(text: string): PatternSyntaxError {
  try {
    parsePattern(text);
  } catch (e) {
    if (e instanceof PatternSyntaxError) return e;
    throw e;
  }
  throw new Error(`expected a syntax error for ${text}`);
}

describe('comparison operators', () => {
  const cases: Array<[string, string, boolean]> = [
    ["[a:b = 'x']", '=', false],
    ["[a:b == 'x']", '=', false],
    ["[a:b != 'x']", '!=', false],
    ["[a:b <> 'x']", '!=', false],
    ['[a:b < 1]', '<', false],
    ['[a:b <= 1]', '<=', false],
    ['[a:b > 1]', '>', false],
    ['[a:b >= 1]', '>=', false],
    ["[a:b IN ('x', 'y')]", 'IN', false],
    ["[a:b LIKE 'x%']", 'LIKE', false],
    ["[a:b MATCHES '^x'] ", 'MATCHES', false],
    ["[a:b ISSUBSET '10.0.0.0/8']", 'ISSUBSET', false],
    ["[a:b ISSUPERSET '10.0.0.1']", 'ISSUPERSET', false],
    ["[a:b NOT = 'x']", '=', true],
    ["[a:b NOT != 'x']", '!=', true],
    ['[a:b NOT < 1]', '<', true],
    ['[a:b NOT >= 1]', '>=', true],
    ["[a:b NOT IN ('x')]", 'IN', true],
    ["[a:b NOT LIKE 'x']", 'LIKE', true],
    ["[a:b NOT MATCHES 'x']", 'MATCHES', true],
    ["[a:b NOT ISSUBSET '10.0.0.0/8']", 'ISSUBSET', true],
    ["[a:b NOT ISSUPERSET '10.0.0.0/8']", 'ISSUPERSET', true],
  ];
  it.each(cases)('%s', (text, op, negated) => {
    const c = firstComparison(text);
    expect(c.operator).toBe(op);
    expect(c.negated).toBe(negated);
  });

  it('parses EXISTS', () => {
    const ast = parsePattern('[EXISTS file:hashes.MD5]');
    expect(ast).toEqual({
      type: 'observation',
      expression: { type: 'exists', path: { objectType: 'file', steps: [{ type: 'key', name: 'hashes' }, { type: 'key', name: 'MD5' }] } },
    });
  });

  it('restricts literal kinds per operator', () => {
    expect(syntaxError('[a:b < true]').expected).toMatch(/orderable/);
    expect(syntaxError('[a:b LIKE 1]').expected).toMatch(/string literal after LIKE/);
    expect(syntaxError('[a:b MATCHES 1]').expected).toMatch(/string literal after MATCHES/);
    expect(syntaxError("[a:b IN 'x']").expected).toMatch(/set literal/);
    expect(syntaxError('[a:b ISSUBSET 1]').expected).toMatch(/string literal/);
    expect(syntaxError('[a:b NOT EXISTS]').expected).toMatch(/comparison operator after NOT/);
    expect(firstComparison('[a:b = true]').value).toEqual({ type: 'bool', value: true });
    expect(firstComparison('[a:b != false]').value).toEqual({ type: 'bool', value: false });
  });
});

describe('literals', () => {
  const value = (lit: string) => firstComparison(`[a:b = ${lit}]`).value;
  it('strings with escapes', () => {
    expect(value(String.raw`'it\'s'`)).toEqual({ type: 'string', value: "it's" });
    expect(value(String.raw`'C:\\Windows'`)).toEqual({ type: 'string', value: 'C:\\Windows' });
    expect(value("''")).toEqual({ type: 'string', value: '' });
    expect(value("'ünïcødé ✓'")).toEqual({ type: 'string', value: 'ünïcødé ✓' });
    const e = syntaxError(String.raw`[a:b = 'bad\n']`);
    expect(e.position).toBe(11);
    expect(e.message).toMatch(/escape/);
  });
  it('integers', () => {
    expect(value('42')).toEqual({ type: 'int', value: 42 });
    expect(value('+42')).toEqual({ type: 'int', value: 42 });
    expect(value('-42')).toEqual({ type: 'int', value: -42 });
    expect(value('0')).toEqual({ type: 'int', value: 0 });
    expect(value('-0')).toEqual({ type: 'int', value: 0 });
    expect(syntaxError('[a:b = 01]').message).toBe("at 8: expected ']' but found '1'");
  });
  it('floats', () => {
    expect(value('7.0')).toEqual({ type: 'float', value: 7 });
    expect(value('.5')).toEqual({ type: 'float', value: 0.5 });
    expect(value('-1.25')).toEqual({ type: 'float', value: -1.25 });
    expect(value('+00.5')).toEqual({ type: 'float', value: 0.5 });
    expect(syntaxError('[a:b = 1.]').position).toBe(8);
  });
  it('hex', () => {
    expect(value("h'FFd8'")).toEqual({ type: 'hex', value: 'ffd8' });
    expect(value("h''")).toEqual({ type: 'hex', value: '' });
    expect(syntaxError("[a:b = h'abc']").message).toMatch(/even number/);
    expect(syntaxError("[a:b = h'zz']").position).toBe(9);
  });
  it('binary (base64)', () => {
    expect(value("b'AQIDBA=='")).toEqual({ type: 'binary', value: 'AQIDBA==' });
    expect(value("b'dGVzdA=='")).toEqual({ type: 'binary', value: 'dGVzdA==' });
    expect(value("b'+/8='")).toEqual({ type: 'binary', value: '+/8=' });
    expect(syntaxError("[a:b = b'']").message).toMatch(/base64/);
    expect(syntaxError("[a:b = b'abc']").message).toMatch(/base64/);
    expect(syntaxError("[a:b = b'a=bc']").message).toMatch(/base64/);
    expect(syntaxError("[a:b = b'ab$c']").message).toMatch(/base64/);
  });
  it('timestamps', () => {
    expect(value("t'2016-06-01T00:00:00Z'")).toEqual({ type: 'timestamp', value: '2016-06-01T00:00:00Z' });
    expect(value("t'2016-12-31T23:59:60.123456Z'")).toEqual({ type: 'timestamp', value: '2016-12-31T23:59:60.123456Z' });
    expect(value("t'2016-02-29T00:00:00Z'").type).toBe('timestamp');
    for (const bad of ['2016-13-01T00:00:00Z', '2015-02-29T00:00:00Z', '2016-06-01T24:00:00Z', '2016-06-01 00:00:00Z', '2016-06-01T00:00:00', '2016-06-01T00:00:00.Z', '2016-06-01T00:61:00Z']) {
      const e = syntaxError(`[a:b = t'${bad}']`);
      expect(e.position).toBe(7);
      expect(e.message).toMatch(/timestamp/);
    }
  });
  it('sets', () => {
    expect(firstComparison("[a:b IN ('a', 1, 2.5, true, h'00', b'AAAA', t'2020-01-01T00:00:00Z')]").value).toEqual({
      type: 'set',
      values: [
        { type: 'string', value: 'a' },
        { type: 'int', value: 1 },
        { type: 'float', value: 2.5 },
        { type: 'bool', value: true },
        { type: 'hex', value: '00' },
        { type: 'binary', value: 'AAAA' },
        { type: 'timestamp', value: '2020-01-01T00:00:00Z' },
      ],
    });
    expect(firstComparison('[a:b IN ()]').value).toEqual({ type: 'set', values: [] });
    expect(syntaxError("[a:b IN ('a' 'b')]").message).toBe("at 13: expected ',' or ')' but found ''b''");
    expect(syntaxError("[a:b IN ('a',)]").position).toBe(13);
  });
});

describe('object paths', () => {
  it('extensions, quoted components, indexes and [*]', () => {
    const c = firstComparison("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]");
    expect(c.path).toEqual({
      objectType: 'file',
      steps: [
        { type: 'key', name: 'extensions' },
        { type: 'key', name: 'windows-pebinary-ext' },
        { type: 'key', name: 'sections' },
        { type: 'index', index: '*' },
        { type: 'key', name: 'entropy' },
      ],
    });
    expect(firstComparison("[a:'first'[0][-1][+2].x = 1]").path.steps).toEqual([
      { type: 'key', name: 'first' },
      { type: 'index', index: 0 },
      { type: 'index', index: -1 },
      { type: 'index', index: 2 },
      { type: 'key', name: 'x' },
    ]);
  });
  it('object types may contain hyphens but property names must be quoted', () => {
    expect(firstComparison("[x-custom-thing:x_y = 'a']").path.objectType).toBe('x-custom-thing');
    const e = syntaxError("[file:extensions.windows-pebinary-ext.x = 'a']");
    expect(e.position).toBe(17);
    expect(e.message).toMatch(/quote names containing '-'/);
  });
  it('keywords are not bare property names', () => {
    expect(syntaxError("[file:AND = 'x']").message).toBe("at 6: expected a property name but found 'AND'");
    expect(firstComparison("[file:'AND' = 'x']").path.steps).toEqual([{ type: 'key', name: 'AND' }]);
    expect(formatPattern(parsePattern("[file:'AND'.'true' = 'x']"))).toBe("[file:'AND'.'true' = 'x']");
  });
  it('rejects malformed paths', () => {
    expect(syntaxError("[file = 'x']").message).toBe("at 6: expected ':' but found '='");
    expect(syntaxError("[file: = 'x']").message).toBe("at 7: expected a property name but found '='");
    expect(syntaxError("[file:a[x] = 'x']").message).toBe("at 8: expected a list index (integer or '*') but found 'x'");
    expect(syntaxError("[file:a[1.5] = 'x']").position).toBe(8);
  });
});

describe('qualifiers', () => {
  it('WITHIN, REPEATS, START/STOP', () => {
    expect(parsePattern("[a:b = 1] WITHIN 300 SECONDS")).toMatchObject({ type: 'qualified', qualifier: { type: 'within', seconds: 300 } });
    expect(parsePattern("[a:b = 1] WITHIN 0.5 SECONDS")).toMatchObject({ qualifier: { type: 'within', seconds: 0.5 } });
    expect(parsePattern("[a:b = 1] REPEATS 5 TIMES")).toMatchObject({ qualifier: { type: 'repeats', times: 5 } });
    expect(parsePattern("[a:b = 1] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'")).toMatchObject({
      qualifier: { type: 'startstop', start: '2016-06-01T00:00:00Z', stop: '2016-07-01T00:00:00Z' },
    });
  });
  it('chains qualifiers innermost-first', () => {
    expect(shape(parsePattern('[a:b = 1] REPEATS 5 TIMES WITHIN 180 SECONDS'))).toBe('Q(Q([b] repeats) within)');
  });
  it('rejects bad qualifiers', () => {
    expect(syntaxError('[a:b = 1] WITHIN -5 SECONDS').expected).toBe('a positive number of seconds');
    expect(syntaxError('[a:b = 1] WITHIN 0 SECONDS').position).toBe(17);
    expect(syntaxError('[a:b = 1] WITHIN 5 MINUTES').message).toBe("at 19: expected 'SECONDS' but found 'MINUTES'");
    expect(syntaxError('[a:b = 1] REPEATS 2.5 TIMES').expected).toBe('a positive integer repeat count');
    expect(syntaxError('[a:b = 1] REPEATS 0 TIMES').expected).toBe('a positive integer repeat count');
    expect(syntaxError("[a:b = 1] START '2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'").position).toBe(16);
    expect(syntaxError("[a:b = 1] START t'2016-07-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'").message).toMatch(/later than START/);
    expect(syntaxError("[a:b = 1] START t'2016-07-01T00:00:00Z' STOP t'2016-07-01T00:00:00.000Z'").message).toMatch(/later than START/);
  });
  it('rejects a duplicate qualifier type in one chain but allows it across parentheses', () => {
    const e = syntaxError('[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS');
    expect(e.position).toBe(27);
    expect(e.message).toMatch(/duplicate WITHIN/);
    expect(shape(parsePattern('([a:b = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS'))).toBe('Q(Q([b] within) within)');
  });
});

describe('precedence and associativity (STIX 2.1 grammar)', () => {
  const cases: Array<[string, string]> = [
    // Inside an observation: AND binds tighter than OR.
    ['[a:x = 1 OR a:y = 1 AND a:z = 1]', '[or(x, and(y, z))]'],
    ['[a:x = 1 AND a:y = 1 OR a:z = 1]', '[or(and(x, y), z)]'],
    ['[(a:x = 1 OR a:y = 1) AND a:z = 1]', '[and(or(x, y), z)]'],
    ['[a:x = 1 AND (a:y = 1 AND a:z = 1)]', '[and(x, y, z)]'],
    // Between observations: AND > OR > FOLLOWEDBY.
    ['[a:x = 1] OR [a:y = 1] AND [a:z = 1]', 'OR([x], AND([y], [z]))'],
    ['[a:x = 1] FOLLOWEDBY [a:y = 1] OR [a:z = 1]', 'FB([x], OR([y], [z]))'],
    ['[a:x = 1] AND [a:y = 1] FOLLOWEDBY [a:z = 1]', 'FB(AND([x], [y]), [z])'],
    ['[a:x = 1] FOLLOWEDBY [a:y = 1] FOLLOWEDBY [a:z = 1]', 'FB([x], [y], [z])'],
    ['([a:x = 1] FOLLOWEDBY [a:y = 1]) FOLLOWEDBY [a:z = 1]', 'FB([x], [y], [z])'],
    ['[a:x = 1] FOLLOWEDBY ([a:y = 1] FOLLOWEDBY [a:z = 1])', 'FB([x], FB([y], [z]))'],
    // Qualifiers bind tighter than every observation operator.
    ['[a:x = 1] AND [a:y = 1] WITHIN 5 SECONDS', 'AND([x], Q([y] within))'],
    ['[a:x = 1] FOLLOWEDBY [a:y = 1] REPEATS 2 TIMES', 'FB([x], Q([y] repeats))'],
    ['([a:x = 1] AND [a:y = 1]) WITHIN 5 SECONDS', 'Q(AND([x], [y]) within)'],
    ['(([a:x = 1]))', '[x]'],
    ['[((a:x = 1))]', '[x]'],
  ];
  it.each(cases)('%s', (text, expected) => {
    const ast = parsePattern(text);
    expect(shape(ast)).toBe(expected);
    // The canonical text must keep the same structure.
    expect(parsePattern(formatPattern(ast))).toEqual(ast);
  });
});

describe('lexical details', () => {
  it('skips comments and unusual whitespace', () => {
    const ast = parsePattern("/* lead */ [a:b\u00a0=\u2003'x' // tail\n]\t");
    expect(formatPattern(ast)).toBe("[a:b = 'x']");
    expect(syntaxError("[a:b = 'x'] /* open").message).toMatch(/unterminated comment/);
  });
  it('keywords are case-sensitive', () => {
    expect(syntaxError("[a:b = 'x'] and [a:c = 'y']").message).toBe("at 12: expected AND, OR, FOLLOWEDBY, a qualifier or end of input but found 'and'");
    expect(syntaxError('[a:b = TRUE]').message).toBe("at 7: expected a literal but found 'TRUE'");
  });
});

describe('errors', () => {
  it('reports position, expected and found', () => {
    const e = syntaxError("[file:name = 'a' AND]");
    expect(e).toBeInstanceOf(PatternSyntaxError);
    expect(e.position).toBe(20);
    expect(e.expected).toBe("an object path, EXISTS or '('");
    expect(e.found).toBe("']'");
    expect(e.message).toBe("at 20: expected an object path, EXISTS or '(' but found ']'");
  });
  it('matches the documented message shape', () => {
    expect(syntaxError("[file:name = 'a' AND file:size = 1").message).toBe("at 34: expected ']' but found end of input");
    expect(syntaxError("[file:name = 'x' file:size = 1]").message).toBe("at 17: expected ']' but found 'file'");
    expect(syntaxError("([file:name = 'x'] AND [a:b = 1]").message).toBe("at 32: expected ')' but found end of input");
  });
  it('rejects empty and junk input', () => {
    expect(syntaxError('').message).toBe("at 0: expected '[' or '(' but found end of input");
    expect(syntaxError('   ').position).toBe(3);
    expect(syntaxError('[]').message).toBe("at 1: expected an object path, EXISTS or '(' but found ']'");
    expect(syntaxError("[a:b = 'x'] AND").message).toBe("at 15: expected '[' or '(' but found end of input");
    expect(syntaxError("[a:b = 'x'] [a:c = 'y']").position).toBe(12);
    expect(syntaxError("[a:b = 'x'] \u0000").found).toBe("'\u0000'");
    expect(syntaxError("[a:b = 'unterminated]").message).toMatch(/^at 7: unterminated string literal/);
    expect(syntaxError("[a:b = 'x'] ^").position).toBe(12);
  });
  it('rejects invalid MATCHES regular expressions at parse time', () => {
    const e = syntaxError("[a:b MATCHES '(unclosed']");
    expect(e.position).toBe(13);
    expect(e.message).toMatch(/invalid regular expression/);
    // Backreferences are PCRE-only; RE2 rejects them.
    expect(syntaxError(String.raw`[a:b MATCHES '(a)\\1']`).expected).toMatch(/RE2/);
  });
  it('bounds nesting depth with a clear error instead of a stack overflow', () => {
    const deep = `${'('.repeat(10_000)}[a:b = 1]${')'.repeat(10_000)}`;
    const e = syntaxError(deep);
    expect(e.position).toBe(MAX_NESTING_DEPTH);
    expect(e.message).toMatch(/nesting deeper than/);
    const deepComparison = `[${'('.repeat(10_000)}a:b = 1${')'.repeat(10_000)}]`;
    expect(syntaxError(deepComparison).message).toMatch(/nesting deeper than/);
    const ok = `${'('.repeat(MAX_NESTING_DEPTH - 1)}[a:b = 1]${')'.repeat(MAX_NESTING_DEPTH - 1)}`;
    expect(shape(parsePattern(ok))).toBe('[b]');
  });
  it('handles very long flat chains without deep recursion', () => {
    const n = 20_000;
    const text = Array.from({ length: n }, (_, i) => `[a:b = ${i}]`).join(' FOLLOWEDBY ');
    const ast = parsePattern(text);
    expect(ast.type === 'followedby' && ast.operands.length).toBe(n);
    expect(formatPattern(ast)).toBe(text);
  });
  it('only accepts strings', () => {
    expect(() => parsePattern(42 as unknown as string)).toThrow(PatternSyntaxError);
  });
});
