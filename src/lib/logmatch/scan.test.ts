import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildIndex } from './logindex.ts';
import { Scanner, type RawHit } from './scan.ts';

const index = buildIndex([
  { id: 'ip', kind: 'ipv4', value: '203.0.113.7' },
  { id: 'net', kind: 'cidr4', value: '198.51.100.0/24' },
  { id: 'v6', kind: 'cidr6', value: '2001:db8:bad::/48' },
  { id: 'dom', kind: 'domain', value: 'evil.example' },
  { id: 'url', kind: 'url', value: 'http://evil.example/a~b' },
  { id: 'uhost', kind: 'url', value: 'https://cdn.example/x' },
  { id: 'sha', kind: 'sha256', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
  { id: 'mail', kind: 'email', value: 'phish@evil.example' },
]);

const seen = (out: RawHit[]) => out.map((h) => `${h.kind}|${h.value}|${[...h.refs].sort().join(',')}`).sort();

/** What one line yields from a scanner that has seen nothing before (its memo is empty: nothing is skipped). */
function cold(line: Buffer): { status: number; hits: string[] } {
  const out: RawHit[] = [];
  const status = new Scanner(index).scan(line, 0, line.length, out);
  return { status, hits: seen(out) };
}

// pieces that recur between quotes (so spans are remembered, grown, cut back) and pieces that hold values or
// sit next to a quote in ways a detector could be tempted to look across
const PIECES = [
  'ts', 'uid', 'id.orig_h', 'query', 'qclass_name', 'C_INTERNET', 'NOERROR', ':', ',', ':1,', ':[', ']', '{', '}', 'true', '1700000000.5',
  'evil.example', 'www.evil.example', 'notevil.example', 'evil.example.com', '203.0.113.7', '203.0.113.70', '198.51.100.9', '10.0.0.53',
  'http://evil.example/a~b', 'HTTP://Evil.Example:80/a%7eb', 'cdn.example', '2001:db8:bad::1', '::ffff:203.0.113.7', 'phish@evil.example', '@', 'phish',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'x', '', ' ', '\\', '\\"', '\u0001', 'é', 'évil.example', '//', 'http:', '::',
];

describe('scanner: remembered clean spans between quotes', () => {
  it('a scanner that has seen other lines yields exactly what a fresh one yields, line by line', () => {
    const piece = fc.constantFrom(...PIECES);
    const line = fc.array(fc.oneof(piece, fc.constant('"'), fc.constant('"'), fc.constant('"')), { maxLength: 40 }).map((p) => p.join(''));
    // lines from a few layouts with varying pieces, repeated, as JSON lines of a few kinds are
    const layouts = fc.array(line, { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(layouts, fc.array(fc.tuple(fc.nat(), fc.array(piece, { maxLength: 3 })), { minLength: 1, maxLength: 60 }), (ls, picks) => {
        const warm = new Scanner(index);
        for (const [k, extra] of picks) {
          const text = ls[k % ls.length] + (extra.length ? `"${extra.join('"')}"` : '');
          const b = Buffer.from(text, 'utf8');
          const out: RawHit[] = [];
          const status = warm.scan(b, 0, b.length, out);
          expect({ status, hits: seen(out) }, text).toEqual(cold(b));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('JSON lines that repeat their keys still find values in the recurring spans and right after them', () => {
    const warm = new Scanner(index);
    const lines = [
      '{"ts":1.5,"query":"www.popular.example","qclass_name":"C_INTERNET","answers":["10.0.0.1"]}',
      '{"ts":1.6,"query":"www.popular.example","qclass_name":"C_INTERNET","answers":["10.0.0.2"]}',
      '{"ts":1.7,"query":"www.popular.example","qclass_name":"C_INTERNET","answers":["203.0.113.7"]}',
      '{"ts":1.8,"query":"www.popular.example","qclass_name":"evil.example","answers":["10.0.0.3"]}',
      '{"ts":1.9,"query":"www.popular.example","qclass_name":"C_INTERNET","answers":["10.0.0.4"],"x":"phish@evil.example"}',
    ];
    const got = lines.map((l) => {
      const out: RawHit[] = [];
      warm.scan(Buffer.from(l), 0, l.length, out);
      return seen(out);
    });
    expect(got).toEqual([[], [], ['ipv4|203.0.113.7|0'], ['domain|evil.example|3'], ['domain|evil.example|3', 'email|phish@evil.example|7']]);
  });
});
