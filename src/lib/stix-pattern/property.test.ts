import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { patternArb } from './test/arbitraries.ts';
import { formatPattern } from './format.ts';
import { PatternSyntaxError, parsePattern } from './index.ts';
import type { ObservedData } from './evaluate.ts';

const KEYWORDS = ['AND', 'OR', 'NOT', 'FOLLOWEDBY', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET', 'EXISTS', 'IN', 'START', 'STOP', 'WITHIN', 'SECONDS', 'REPEATS', 'TIMES', 'true', 'false'];
const PIECES = [...KEYWORDS, '[', ']', '(', ')', ':', '.', ',', '*', '=', '!=', '<', '<=', '>', '>=', '<>', '==', "'", "\\'", 'file', 'name', 'ipv4-addr', "'x'", '1', '-1', '.5', "h'ff'", "b'AAAA'", "t'2020-01-01T00:00:00Z'", '[*]', ' ', '/*', '*/', '//', '\n', '\u2003'];

function expectOnlySyntaxErrors(text: string): void {
  try {
    const ast = parsePattern(text);
    // Anything that parses must print and re-parse to the same tree.
    expect(parsePattern(formatPattern(ast))).toEqual(ast);
  } catch (e) {
    if (!(e instanceof PatternSyntaxError)) throw e;
    expect(e.position).toBeGreaterThanOrEqual(0);
    expect(e.position).toBeLessThanOrEqual(text.length);
    expect(e.message.startsWith(`at ${e.position}: `)).toBe(true);
  }
}

describe('property: print / re-parse', () => {
  it('random valid ASTs print and re-parse to the same tree', () => {
    fc.assert(
      fc.property(patternArb, (ast) => {
        const text = formatPattern(ast);
        expect(parsePattern(text)).toEqual(ast);
        // Printing is a fixed point.
        expect(formatPattern(parsePattern(text))).toBe(text);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('property: robustness', () => {
  it('random strings only ever raise PatternSyntaxError', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), expectOnlySyntaxErrors), { numRuns: 3000 });
  });
  it('random byte sequences (decoded as latin1 and utf8) only ever raise PatternSyntaxError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        expectOnlySyntaxErrors(Buffer.from(bytes).toString('latin1'));
        expectOnlySyntaxErrors(Buffer.from(bytes).toString('utf8'));
      }),
      { numRuns: 2000 },
    );
  });
  it('token soup only ever raises PatternSyntaxError', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }), (parts) => expectOnlySyntaxErrors(parts.join(' '))),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }), (parts) => expectOnlySyntaxErrors(parts.join(''))),
      { numRuns: 3000 },
    );
  });
  it('mutations of valid patterns only ever raise PatternSyntaxError', () => {
    fc.assert(
      fc.property(patternArb, fc.nat(), fc.nat(), fc.string({ unit: 'binary', maxLength: 3 }), (ast, a, b, insert) => {
        const text = formatPattern(ast);
        const i = a % (text.length + 1);
        const j = Math.min(text.length, i + (b % 4));
        expectOnlySyntaxErrors(text.slice(0, i) + insert + text.slice(j));
        expectOnlySyntaxErrors(text.slice(0, i));
      }),
      { numRuns: 1500 },
    );
  });
});

describe('property: evaluation', () => {
  it('random patterns evaluate against observed-data without throwing, within caps', async () => {
    const { matchPattern } = await import('./evaluate.ts');
    const t = (m: number) => `2024-01-01T00:${String(m).padStart(2, '0')}:00Z`;
    const data: ObservedData[] = [
      { type: 'observed-data', id: 'observed-data--1', first_observed: t(0), last_observed: t(1), number_observed: 3, objects: { '0': { type: 'file', name: 'a', size: 5, hashes: { MD5: 'ab' }, x_list: [1, 'a', { k: true }] }, '1': { type: 'ipv4-addr', value: '10.0.0.1' } } },
      { type: 'observed-data', id: 'observed-data--2', first_observed: t(5), last_observed: t(5), number_observed: 1, objects: { '0': { type: 'network-traffic', dst_ref: '1', src_ref: 'nope' }, '1': { type: 'ipv6-addr', value: '::1' } } },
      { type: 'observed-data', id: 'observed-data--3', first_observed: 'garbage', objects: JSON.parse('{"__proto__": {"type": "file", "name": "a"}}') },
    ];
    fc.assert(
      fc.property(patternArb, (ast) => {
        const r = matchPattern(ast, data, { maxSteps: 20_000 });
        expect(typeof r.matched).toBe('boolean');
        expect(r.matched).toBe(r.binding !== null);
        for (const id of r.observedDataIds) expect(['observed-data--1', 'observed-data--2', 'observed-data--3']).toContain(id);
      }),
      { numRuns: 500 },
    );
  });
});
