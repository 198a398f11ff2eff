import { describe, expect, it } from 'vitest';
import { likeMatch, matchPattern, type ObservedData, type StixCyberObservable } from './index.ts';

let seq = 0;
/** observed-data in the deprecated `objects` form. */
function od(objects: StixCyberObservable[] | Record<string, StixCyberObservable>, extra: Partial<ObservedData> = {}): ObservedData {
  const dict = Array.isArray(objects) ? Object.fromEntries(objects.map((o, i) => [String(i), o])) : objects;
  seq++;
  return {
    type: 'observed-data',
    id: `observed-data--${String(seq).padStart(8, '0')}-0000-4000-8000-000000000000`,
    first_observed: '2024-01-01T00:00:00Z',
    last_observed: '2024-01-01T00:00:00Z',
    number_observed: 1,
    objects: dict,
    ...extra,
  };
}
/** Both at the same instant `t` (ISO). */
function at(t: string, objects: StixCyberObservable[], extra: Partial<ObservedData> = {}): ObservedData {
  return od(objects, { first_observed: t, last_observed: t, ...extra });
}
const matches = (pattern: string, data: ObservedData[]) => matchPattern(pattern, data).matched;
const one = (pattern: string, ...objects: StixCyberObservable[]) => matches(pattern, [od(objects)]);

const ip = (value: string): StixCyberObservable => ({ type: 'ipv4-addr', value });
const file = (props: Record<string, unknown>): StixCyberObservable => ({ type: 'file', ...props });

describe('comparison operators', () => {
  it('= and != on strings, numbers, booleans', () => {
    expect(one("[ipv4-addr:value = '198.51.100.1']", ip('198.51.100.1'))).toBe(true);
    expect(one("[ipv4-addr:value = '198.51.100.2']", ip('198.51.100.1'))).toBe(false);
    expect(one("[ipv4-addr:value != '198.51.100.2']", ip('198.51.100.1'))).toBe(true);
    expect(one("[ipv4-addr:value != '198.51.100.1']", ip('198.51.100.1'))).toBe(false);
    expect(one('[file:size = 1024]', file({ size: 1024 }))).toBe(true);
    expect(one('[file:size = 1024.0]', file({ size: 1024 }))).toBe(true);
    expect(one('[file:is_encrypted = true]', file({ is_encrypted: true }))).toBe(true);
    expect(one('[file:is_encrypted = false]', file({ is_encrypted: true }))).toBe(false);
  });
  it('comparisons on absent properties or mismatched types never match, even with != or NOT', () => {
    expect(one("[file:name != 'x']", file({ size: 1 }))).toBe(false);
    expect(one("[file:name NOT = 'x']", file({ size: 1 }))).toBe(false);
    expect(one("[file:size = '1024']", file({ size: 1024 }))).toBe(false);
    expect(one("[file:size != '1024']", file({ size: 1024 }))).toBe(false);
    expect(one('[file:name != 5]', file({ name: 'a' }))).toBe(false);
    // Only SCOs of the named type are considered.
    expect(one("[domain-name:value = '198.51.100.1']", ip('198.51.100.1'))).toBe(false);
  });
  it('NOT negates the operator', () => {
    expect(one("[file:name NOT = 'a']", file({ name: 'b' }))).toBe(true);
    expect(one("[file:name NOT = 'a']", file({ name: 'a' }))).toBe(false);
    expect(one("[file:name NOT != 'a']", file({ name: 'a' }))).toBe(true);
    expect(one('[file:size NOT > 10]', file({ size: 5 }))).toBe(true);
    expect(one("[file:name NOT LIKE 'a%']", file({ name: 'abc' }))).toBe(false);
    expect(one("[file:name NOT MATCHES '^x']", file({ name: 'abc' }))).toBe(true);
    expect(one("[file:name NOT IN ('a', 'b')]", file({ name: 'c' }))).toBe(true);
    expect(one("[file:name NOT IN ('a', 'b')]", file({ name: 'a' }))).toBe(false);
  });
  it('ordering on numbers, strings and timestamps', () => {
    expect(one('[file:size > 10]', file({ size: 11 }))).toBe(true);
    expect(one('[file:size > 10]', file({ size: 10 }))).toBe(false);
    expect(one('[file:size >= 10]', file({ size: 10 }))).toBe(true);
    expect(one('[file:size < 10.5]', file({ size: 10 }))).toBe(true);
    expect(one('[file:size <= -1]', file({ size: 0 }))).toBe(false);
    expect(one("[file:name < 'b']", file({ name: 'a' }))).toBe(true);
    expect(one("[file:name > 'b']", file({ name: 'a' }))).toBe(false);
    expect(one("[file:ctime > t'2014-01-13T07:03:17Z']", file({ ctime: '2014-01-13T07:03:17.5Z' }))).toBe(true);
    expect(one("[file:ctime = t'2014-01-13T07:03:17.000Z']", file({ ctime: '2014-01-13T07:03:17Z' }))).toBe(true);
    expect(one("[file:ctime < t'2014-01-13T07:03:17Z']", file({ ctime: '2014-01-13T07:03:17.000001Z' }))).toBe(false);
    // A non-timestamp string is not comparable with a timestamp literal.
    expect(one("[file:ctime != t'2014-01-13T07:03:17Z']", file({ ctime: 'yesterday' }))).toBe(false);
  });
  it('IN', () => {
    expect(one("[file:name IN ('a', 'b')]", file({ name: 'b' }))).toBe(true);
    expect(one("[file:name IN ('a', 'b')]", file({ name: 'c' }))).toBe(false);
    expect(one("[file:size IN (1, 'x', 3)]", file({ size: 3 }))).toBe(true);
    expect(one('[file:size IN ()]', file({ size: 3 }))).toBe(false);
  });
  it('LIKE uses SQL semantics', () => {
    expect(one("[file:name LIKE '%.exe']", file({ name: 'evil.exe' }))).toBe(true);
    expect(one("[file:name LIKE '%.exe']", file({ name: 'evil.exe.txt' }))).toBe(false);
    expect(one("[file:name LIKE 'a_c']", file({ name: 'abc' }))).toBe(true);
    expect(one("[file:name LIKE 'a_c']", file({ name: 'abbc' }))).toBe(false);
    expect(likeMatch('', '')).toBe(true);
    expect(likeMatch('', '%')).toBe(true);
    expect(likeMatch('x', '')).toBe(false);
    expect(likeMatch('a.b', 'a.b')).toBe(true);
    expect(likeMatch('axb', 'a.b')).toBe(false); // '.' is literal, not a regex
    expect(likeMatch('résumé', 'r_sum_')).toBe(true);
    expect(likeMatch('😀x', '_x')).toBe(true); // '_' is one code point
    expect(likeMatch('mississippi', '%iss%pi')).toBe(true);
    expect(likeMatch('mississippi', '%iss%ip')).toBe(false);
    expect(likeMatch('ABC', 'abc')).toBe(false);
  });
  it('MATCHES is an unanchored RE2 search', () => {
    expect(one(String.raw`[email-addr:value MATCHES '.+\\@example\\.com$']`, { type: 'email-addr', value: 'jdoe@example.com' })).toBe(true);
    expect(one(String.raw`[email-addr:value MATCHES '.+\\@example\\.com$']`, { type: 'email-addr', value: 'jdoe@example.org' })).toBe(false);
    expect(one("[file:name MATCHES 'vil']", file({ name: 'evil.exe' }))).toBe(true);
    expect(one("[file:name MATCHES '^vil']", file({ name: 'evil.exe' }))).toBe(false);
    expect(one("[file:size MATCHES '1']", file({ size: 1 }))).toBe(false);
  });
  it('MATCHES with a catastrophic-backtracking regex finishes on long input', () => {
    const long = `${'a'.repeat(50_000)}!`;
    expect(one("[file:name MATCHES '(a+)+$']", file({ name: long }))).toBe(false);
    expect(one("[file:name MATCHES '(a|aa)*b']", file({ name: long }))).toBe(false);
    expect(one("[file:name MATCHES '(a+)+!$']", file({ name: long }))).toBe(true);
    expect(likeMatch(long, '%a%a%a%a%a%b')).toBe(false);
  });
  it('ISSUBSET / ISSUPERSET on IPv4 and IPv6', () => {
    expect(one("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", ip('198.51.100.7'))).toBe(true);
    expect(one("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", ip('198.51.101.7'))).toBe(false);
    expect(one("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", ip('198.51.100.0/25'))).toBe(true);
    expect(one("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", ip('198.51.100.0/23'))).toBe(false);
    expect(one("[ipv4-addr:value ISSUPERSET '198.51.100.7']", ip('198.51.100.0/24'))).toBe(true);
    expect(one("[ipv4-addr:value ISSUPERSET '198.51.100.0/24']", ip('198.51.100.7'))).toBe(false);
    expect(one("[ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']", ip('198.51.100.7'))).toBe(true);
    expect(one("[ipv4-addr:value ISSUBSET '0.0.0.0/0']", ip('255.255.255.255'))).toBe(true);
    const v6 = (value: string): StixCyberObservable => ({ type: 'ipv6-addr', value });
    expect(one("[ipv6-addr:value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']", v6('2001:db8:dead:beef::1'))).toBe(true);
    expect(one("[ipv6-addr:value ISSUBSET '2001:db8:dead:beef::/64']", v6('2001:db8:dead:bef0::1'))).toBe(false);
    expect(one("[ipv6-addr:value ISSUBSET '::ffff:0:0/96']", v6('::ffff:198.51.100.1'))).toBe(true);
    // Families never contain each other; invalid addresses never match (NOT or not).
    expect(one("[ipv6-addr:value ISSUBSET '0.0.0.0/0']", v6('::1'))).toBe(false);
    expect(one("[ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']", ip('not-an-ip'))).toBe(false);
    expect(one("[ipv4-addr:value ISSUBSET '10.0.0.0/33']", ip('10.0.0.1'))).toBe(false);
  });
  it('EXISTS', () => {
    expect(one('[EXISTS file:hashes.MD5]', file({ hashes: { MD5: 'x' } }))).toBe(true);
    expect(one('[EXISTS file:hashes.MD5]', file({ hashes: { SHA1: 'x' } }))).toBe(false);
    expect(one('[EXISTS file:hashes.constructor]', file({ hashes: {} }))).toBe(false);
  });
});

describe('binary and hex literals', () => {
  it('hex against *_hex properties and hashes, binary against *_bin', () => {
    expect(one("[file:magic_number_hex = h'ffd8']", file({ magic_number_hex: 'FFD8' }))).toBe(true);
    expect(one("[file:magic_number_hex = h'ffd9']", file({ magic_number_hex: 'FFD8' }))).toBe(false);
    expect(one("[file:hashes.MD5 = h'79054025255fb1a26e4bc422aef54eb4']", file({ hashes: { MD5: '79054025255FB1A26E4BC422AEF54EB4' } }))).toBe(true);
    const artifact = { type: 'artifact', payload_bin: Buffer.from('hello').toString('base64') };
    expect(one(`[artifact:payload_bin = b'${Buffer.from('hello').toString('base64')}']`, artifact)).toBe(true);
    expect(one("[artifact:payload_bin = h'68656c6c6f']", artifact)).toBe(true);
    expect(one("[artifact:payload_bin > h'68']", artifact)).toBe(true);
    // Plain strings compare as UTF-8.
    expect(one("[file:name = h'6869']", file({ name: 'hi' }))).toBe(true);
  });
});

describe('object paths', () => {
  it('list indexes, [*] and quoted extension keys', () => {
    const pe = file({ extensions: { 'windows-pebinary-ext': { sections: [{ entropy: 1.5 }, { entropy: 7.9 }] } } });
    expect(one("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]", pe)).toBe(true);
    expect(one("[file:extensions.'windows-pebinary-ext'.sections[0].entropy > 7.0]", pe)).toBe(false);
    expect(one("[file:extensions.'windows-pebinary-ext'.sections[1].entropy > 7.0]", pe)).toBe(true);
    expect(one("[file:extensions.'windows-pebinary-ext'.sections[2].entropy > 7.0]", pe)).toBe(false);
    expect(one("[file:extensions.'windows-pebinary-ext'.sections[-1].entropy > 7.0]", pe)).toBe(false);
    expect(one("[file:extensions.'windows-pebinary-ext'.sections[*].entropy NOT > 7.0]", pe)).toBe(true);
  });
  it('follows _ref and _refs in the deprecated objects form', () => {
    const data = [
      od({
        '0': { type: 'ipv4-addr', value: '198.51.100.1' },
        '1': { type: 'domain-name', value: 'example.com', resolves_to_refs: ['0'] },
        '2': { type: 'network-traffic', dst_ref: '0', dst_port: 443 },
      }),
    ];
    expect(matches("[network-traffic:dst_ref.value = '198.51.100.1']", data)).toBe(true);
    expect(matches("[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_port = 443]", data)).toBe(true);
    expect(matches("[domain-name:resolves_to_refs[*].value = '198.51.100.1']", data)).toBe(true);
    expect(matches("[domain-name:resolves_to_refs[0].value ISSUBSET '198.51.100.0/24']", data)).toBe(true);
    expect(matches("[network-traffic:dst_port.value = '198.51.100.1']", data)).toBe(false);
  });
  it('resolves object_refs (STIX 2.1) through the provided SCO map', () => {
    const scos = new Map<string, StixCyberObservable>([
      ['ipv4-addr--1', { type: 'ipv4-addr', id: 'ipv4-addr--1', value: '203.0.113.33' }],
      ['network-traffic--1', { type: 'network-traffic', id: 'network-traffic--1', dst_ref: 'ipv4-addr--1' }],
    ]);
    const data: ObservedData[] = [
      { type: 'observed-data', id: 'observed-data--a', first_observed: '2024-01-01T00:00:00Z', last_observed: '2024-01-01T00:00:00Z', number_observed: 1, object_refs: ['network-traffic--1', 'ipv4-addr--1', 'missing--1'] },
    ];
    expect(matchPattern("[network-traffic:dst_ref.value = '203.0.113.33']", data, { scos }).matched).toBe(true);
    expect(matchPattern("[ipv4-addr:value = '203.0.113.33']", data, { scos: Object.fromEntries(scos) }).matched).toBe(true);
    expect(matchPattern("[ipv4-addr:value = '203.0.113.33']", data).matched).toBe(false);
  });
});

describe('comparison AND / OR inside one observation', () => {
  it('AND must hold on the same SCO', () => {
    const data = [od([file({ name: 'a', size: 2 }), file({ name: 'b', size: 1 })])];
    expect(matches("[file:name = 'a' AND file:size = 1]", data)).toBe(false);
    expect(matches("[file:name = 'a' AND file:size = 2]", data)).toBe(true);
    expect(matches("[file:name = 'a' OR file:size = 1]", data)).toBe(true);
    expect(matches("[(file:name = 'b' OR file:size = 2) AND file:name = 'a']", data)).toBe(true);
  });
  it('OR may mix object types', () => {
    expect(one("[ipv4-addr:value = '1.2.3.4' OR domain-name:value = 'example.com']", { type: 'domain-name', value: 'example.com' })).toBe(true);
  });
  it('an observation is matched within ONE observed-data', () => {
    const data = [od([file({ name: 'a' })]), od([file({ size: 1 })])];
    expect(matches("[file:name = 'a' AND file:size = 1]", data)).toBe(false);
  });
});

describe('observation operators and qualifiers', () => {
  const A = file({ name: 'a' });
  const B = file({ name: 'b' });
  const pa = "[file:name = 'a']";
  const pb = "[file:name = 'b']";

  it('AND needs distinct observations; number_observed counts as several', () => {
    const x = od([A, B]);
    expect(matches(`${pa} AND ${pb}`, [x])).toBe(false);
    expect(matches(`${pa} AND ${pb}`, [od([A]), od([B])])).toBe(true);
    expect(matches(`${pa} AND ${pa}`, [od([A])])).toBe(false);
    expect(matches(`${pa} AND ${pa}`, [od([A], { number_observed: 2 })])).toBe(true);
  });
  it('OR', () => {
    const r = matchPattern(`${pa} OR ${pb}`, [od([B])]);
    expect(r.matched).toBe(true);
    expect(r.binding).toEqual([null, r.observedDataIds[0]]);
    expect(matches(`${pa} OR ${pb}`, [od([file({ name: 'c' })])])).toBe(false);
  });
  it('FOLLOWEDBY orders by first_observed / last_observed', () => {
    const early = at('2024-01-01T00:00:00Z', [A]);
    const late = at('2024-01-01T00:10:00Z', [B]);
    expect(matches(`${pa} FOLLOWEDBY ${pb}`, [early, late])).toBe(true);
    expect(matches(`${pb} FOLLOWEDBY ${pa}`, [early, late])).toBe(false);
    // Same instant counts as "not before".
    expect(matches(`${pa} FOLLOWEDBY ${pb}`, [at('2024-01-01T00:00:00Z', [A]), at('2024-01-01T00:00:00Z', [B])])).toBe(true);
    // Overlapping intervals: a time can be chosen in each so that a <= b.
    const aSpan = od([A], { first_observed: '2024-01-01T00:00:00Z', last_observed: '2024-01-01T01:00:00Z' });
    const bSpan = od([B], { first_observed: '2023-12-31T23:00:00Z', last_observed: '2024-01-01T00:30:00Z' });
    expect(matches(`${pa} FOLLOWEDBY ${pb}`, [aSpan, bSpan])).toBe(true);
    // Missing timestamps fail temporal tests.
    expect(matches(`${pa} FOLLOWEDBY ${pb}`, [od([A], { first_observed: undefined }), late])).toBe(false);
  });
  it('FOLLOWEDBY is left-associative over the whole left side', () => {
    const t = (m: number) => `2024-01-01T00:${String(m).padStart(2, '0')}:00Z`;
    const C = file({ name: 'c' });
    const pc = "[file:name = 'c']";
    // a@0, c@5, b@10: "a FB b FB c" needs c after both a and b: fails.
    const data = [at(t(0), [A]), at(t(10), [B]), at(t(5), [C])];
    expect(matches(`${pa} FOLLOWEDBY ${pb} FOLLOWEDBY ${pc}`, data)).toBe(false);
    // "a FB (b FB c)": needs b <= c (fails too) — but with c@20 it holds.
    expect(matches(`${pa} FOLLOWEDBY (${pb} FOLLOWEDBY ${pc})`, [at(t(0), [A]), at(t(10), [B]), at(t(20), [C])])).toBe(true);
    // a@10, b@0, c@20: (a FB b) fails; a FB (b FB c) = a <= min(last of b, c) = 0: fails too.
    expect(matches(`${pa} FOLLOWEDBY (${pb} FOLLOWEDBY ${pc})`, [at(t(10), [A]), at(t(0), [B]), at(t(20), [C])])).toBe(false);
  });
  it('WITHIN', () => {
    const a0 = at('2024-01-01T00:00:00Z', [A]);
    const b5 = at('2024-01-01T00:05:00Z', [B]);
    expect(matches(`(${pa} AND ${pb}) WITHIN 300 SECONDS`, [a0, b5])).toBe(true);
    expect(matches(`(${pa} AND ${pb}) WITHIN 299.5 SECONDS`, [a0, b5])).toBe(false);
    expect(matches(`(${pa} FOLLOWEDBY ${pb}) WITHIN 600 SECONDS`, [a0, b5])).toBe(true);
    // Long observation intervals only need to touch the window.
    const aLong = od([A], { first_observed: '2024-01-01T00:00:00Z', last_observed: '2024-01-01T02:00:00Z' });
    const bLater = at('2024-01-01T02:00:30Z', [B]);
    expect(matches(`(${pa} AND ${pb}) WITHIN 60 SECONDS`, [aLong, bLater])).toBe(true);
    expect(matches(`(${pa} AND ${pb}) WITHIN 10 SECONDS`, [aLong, bLater])).toBe(false);
  });
  it('START / STOP', () => {
    const q = " START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'";
    expect(matches(pa + q, [at('2016-06-15T00:00:00Z', [A])])).toBe(true);
    expect(matches(pa + q, [at('2016-06-01T00:00:00Z', [A])])).toBe(true);
    expect(matches(pa + q, [at('2016-07-01T00:00:00Z', [A])])).toBe(false); // STOP is exclusive
    expect(matches(pa + q, [at('2016-05-31T23:59:59.999Z', [A])])).toBe(false);
    expect(matches(pa + q, [od([A], { first_observed: '2016-05-01T00:00:00Z', last_observed: '2016-06-01T00:00:00Z' })])).toBe(true);
  });
  it('REPEATS counts distinct observations, including number_observed', () => {
    const p = `${pa} REPEATS 3 TIMES`;
    expect(matches(p, [od([A]), od([A])])).toBe(false);
    expect(matches(p, [od([A]), od([A]), od([A])])).toBe(true);
    expect(matches(p, [od([A], { number_observed: 3 })])).toBe(true);
    expect(matches(p, [od([A], { number_observed: 2 }), od([B], { number_observed: 5 })])).toBe(false);
    const r = matchPattern(p, [od([A], { number_observed: 2 }), od([A])]);
    expect(r.binding).toHaveLength(3);
    expect(new Set(r.binding)).toEqual(new Set(r.observedDataIds));
    expect(r.observedDataIds).toHaveLength(2);
  });
  it('REPEATS then WITHIN (spec example shape)', () => {
    const nt = (t: string) => at(t, [{ type: 'domain-name', value: 'example.com' }, { type: 'network-traffic', dst_ref: '0' }]);
    const pattern = "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 3 TIMES WITHIN 180 SECONDS";
    expect(matches(pattern, [nt('2024-01-01T00:00:00Z'), nt('2024-01-01T00:01:00Z'), nt('2024-01-01T00:02:00Z')])).toBe(true);
    expect(matches(pattern, [nt('2024-01-01T00:00:00Z'), nt('2024-01-01T00:01:00Z'), nt('2024-01-01T00:04:00Z')])).toBe(false);
  });
  it('spec example: IPs FOLLOWEDBY domain WITHIN 600 SECONDS, with bindings', () => {
    const pattern =
      "([ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] FOLLOWEDBY [domain-name:value = 'example.com']) WITHIN 600 SECONDS";
    const first = at('2024-01-01T00:00:00Z', [ip('203.0.113.33/32')]);
    const noise = at('2024-01-01T00:01:00Z', [ip('192.0.2.1')]);
    const second = at('2024-01-01T00:05:00Z', [{ type: 'domain-name', value: 'example.com' }]);
    const r = matchPattern(pattern, [noise, second, first]);
    expect(r.matched).toBe(true);
    expect(r.binding).toEqual([first.id, second.id]);
    expect(r.observedDataIds).toEqual([second.id, first.id]); // input order
    const tooLate = at('2024-01-01T00:20:00Z', [{ type: 'domain-name', value: 'example.com' }]);
    expect(matchPattern(pattern, [first, tooLate]).matched).toBe(false);
  });
  it('ignores objects that are not observed-data and accepts a parsed AST', async () => {
    const { parsePattern } = await import('./parser.ts');
    const ast = parsePattern(pa);
    const notOd = { ...od([A]), type: 'indicator' };
    expect(matchPattern(ast, [notOd]).matched).toBe(false);
    expect(matchPattern(ast, []).matched).toBe(false);
  });
  it('caps the search and reports truncation instead of exploding', () => {
    const many = Array.from({ length: 200 }, () => od([A]));
    const r = matchPattern(`${pa} REPEATS 50 TIMES`, many, { maxBindings: 10 });
    expect(r.matched).toBe(true);
    expect(r.bindings).toHaveLength(10);
    expect(r.truncated).toBe(true);
    const big = matchPattern(`(${pa} AND ${pa} AND ${pa}) REPEATS 5 TIMES`, many, { maxSteps: 10_000 });
    expect(big.truncated).toBe(true);
    // Without hitting a cap the flag stays false.
    expect(matchPattern(pa, [od([A])]).truncated).toBe(false);
  });
});
