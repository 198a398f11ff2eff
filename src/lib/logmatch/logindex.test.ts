import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildIndex, LogIndex } from './logindex.ts';
import { formatIPv4, parseCidr4, parseCidr6, parseIPv6 } from './normalize.ts';
import type { IndicatorValue } from './types.ts';

describe('IPv4 exact and CIDR', () => {
  const idx = buildIndex([
    { id: 'exact', kind: 'ipv4', value: '1.2.3.4' },
    { id: 'net24', kind: 'cidr4', value: '192.168.1.77/24' }, // host bits set
    { id: 'net16', kind: 'cidr4', value: '192.168.0.0/16' },
    { id: 'net24b', kind: 'cidr4', value: '192.168.1.0/24' }, // same range, second indicator
    { id: 'all', kind: 'cidr4', value: '0.0.0.0/0' },
    { id: 'host32', kind: 'cidr4', value: '8.8.8.8/32' },
    { id: 'bcast', kind: 'ipv4', value: '255.255.255.255' },
  ]);
  it('finds every covering indicator, edges exact', () => {
    expect(idx.lookup('ipv4', '1.2.3.4')).toEqual(['all', 'exact']);
    expect(idx.lookup('ipv4', '1.2.3.5')).toEqual(['all']);
    expect(idx.lookup('ipv4', '192.168.1.0')).toEqual(['all', 'net16', 'net24', 'net24b']);
    expect(idx.lookup('ipv4', '192.168.1.255')).toEqual(['all', 'net16', 'net24', 'net24b']);
    expect(idx.lookup('ipv4', '192.168.2.0')).toEqual(['all', 'net16']);
    expect(idx.lookup('ipv4', '192.168.0.255')).toEqual(['all', 'net16']);
    expect(idx.lookup('ipv4', '192.169.0.0')).toEqual(['all']);
    expect(idx.lookup('ipv4', '8.8.8.8')).toEqual(['all', 'host32']);
    expect(idx.lookup('ipv4', '8.8.8.9')).toEqual(['all']);
    expect(idx.lookup('ipv4', '0.0.0.0')).toEqual(['all']);
    expect(idx.lookup('ipv4', '255.255.255.255')).toEqual(['all', 'bcast']);
    expect(idx.lookup('ipv4', 'not an ip')).toEqual([]);
  });
  it('without /0 nothing else matches', () => {
    const small = buildIndex([{ id: 'x', kind: 'cidr4', value: '10.0.0.0/8' }]);
    expect(small.lookup('ipv4', '9.255.255.255')).toEqual([]);
    expect(small.lookup('ipv4', '10.0.0.0')).toEqual(['x']);
    expect(small.lookup('ipv4', '10.255.255.255')).toEqual(['x']);
    expect(small.lookup('ipv4', '11.0.0.0')).toEqual([]);
  });
});

describe('IPv6 exact and CIDR', () => {
  const idx = buildIndex([
    { id: 'a', kind: 'ipv6', value: '2001:db8::1' },
    { id: 'n32', kind: 'cidr6', value: '2001:db8:ffff::1/32' },
    { id: 'n128', kind: 'cidr6', value: '2001:db8::2/128' },
    { id: 'all', kind: 'cidr6', value: '::/0' },
    { id: 'v4', kind: 'ipv4', value: '1.2.3.4' },
  ]);
  it('compressed/expanded/zone forms, edges', () => {
    expect(idx.lookup('ipv6', '2001:0db8:0:0:0:0:0:1')).toEqual(['a', 'all', 'n32']);
    expect(idx.lookup('ipv6', '2001:db8::1%eth0')).toEqual(['a', 'all', 'n32']);
    expect(idx.lookup('ipv6', '2001:db8::2')).toEqual(['all', 'n128', 'n32']);
    expect(idx.lookup('ipv6', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff')).toEqual(['all', 'n32']);
    expect(idx.lookup('ipv6', '2001:db9::')).toEqual(['all']);
    expect(idx.lookup('ipv6', '::ffff:1.2.3.4')).toEqual(['all', 'v4']);
  });
});

describe('domains', () => {
  const idx = buildIndex([
    { id: 'd1', kind: 'domain', value: 'Evil.Example.' },
    { id: 'd2', kind: 'domain', value: 'b.evil.example' },
    { id: 'idn', kind: 'domain', value: 'bücher.example' },
  ]);
  it('matches the domain and its subdomains only', () => {
    expect(idx.lookup('domain', 'evil.example')).toEqual(['d1']);
    expect(idx.lookup('domain', 'A.B.EVIL.EXAMPLE.')).toEqual(['d1', 'd2']);
    expect(idx.lookup('domain', 'notevil.example')).toEqual([]);
    expect(idx.lookup('domain', 'evil.example.com')).toEqual([]);
    expect(idx.lookup('domain', 'example')).toEqual([]);
    expect(idx.lookup('domain', 'www.xn--bcher-kva.example')).toEqual(['idn']);
    expect(idx.lookup('domain', 'WWW.Bücher.example')).toEqual(['idn']);
  });
});

describe('URLs, hashes, emails', () => {
  const idx = buildIndex([
    { id: 'u', kind: 'url', value: 'http://evil.example/a~b' },
    { id: 'm', kind: 'md5', value: 'D41D8CD98F00B204E9800998ECF8427E' },
    { id: 's1', kind: 'sha1', value: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' },
    { id: 's256', kind: 'sha256', value: 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' },
    { id: 'e', kind: 'email', value: 'Phish@Evil.Example' },
    { id: 'bad', kind: 'sha256', value: 'nothex' },
    { id: 'bad2', kind: 'ipv4', value: '1.2.3.256' },
  ]);
  it('matches normalised forms', () => {
    expect(idx.lookup('url', 'HTTP://Evil.Example:80/a%7eb')).toEqual(['u']);
    expect(idx.lookup('url', 'http://evil.example/a~b#x')).toEqual(['u']);
    expect(idx.lookup('url', 'http://evil.example/a~c')).toEqual([]);
    expect(idx.lookup('url', 'https://evil.example/a~b')).toEqual([]);
    expect(idx.lookup('md5', 'd41d8cd98f00b204e9800998ecf8427e')).toEqual(['m']);
    expect(idx.lookup('sha1', 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709')).toEqual(['s1']);
    expect(idx.lookup('sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')).toEqual(['s256']);
    expect(idx.lookup('email', 'PHISH@evil.example')).toEqual(['e']);
    expect(idx.lookup('email', 'other@evil.example')).toEqual([]);
  });
  it('counts rejected values instead of throwing', () => {
    expect(idx.stats.rejected).toBe(2);
    expect(idx.stats.values).toBe(5);
    expect(idx.stats.rejectedExamples.map((r) => r.id)).toEqual(['bad', 'bad2']);
  });
  it('survives a round trip through shared memory', () => {
    const copy = LogIndex.fromShared(structuredClone(idx.toShared()));
    expect(copy.lookup('url', 'HTTP://Evil.Example:80/a%7eb')).toEqual(['u']);
    expect(copy.lookup('email', 'phish@evil.example')).toEqual(['e']);
  });
  it('several values of one indicator id, and one value of several ids', () => {
    const i2 = buildIndex([
      { id: 'x', kind: 'domain', value: 'a.example' },
      { id: 'x', kind: 'domain', value: 'b.example' },
      { id: 'y', kind: 'domain', value: 'a.example' },
    ]);
    expect(i2.stats.indicators).toBe(2);
    expect(i2.lookup('domain', 'www.a.example')).toEqual(['x', 'y']);
    expect(i2.lookup('domain', 'b.example')).toEqual(['x']);
  });
});

// ---- property tests against naive reference implementations ----

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const cidr4 = fc.tuple(u32, fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${formatIPv4(a)}/${p}`);

describe('property: IPv4 index = naive scan', () => {
  it('same ids for random CIDRs and addresses', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(cidr4, u32.map(formatIPv4)), { minLength: 0, maxLength: 40 }), fc.array(u32, { maxLength: 30 }), (values, probes) => {
        const ivs: IndicatorValue[] = values.map((v, k) => ({ id: `i${k}`, kind: v.includes('/') ? 'cidr4' : 'ipv4', value: v }));
        const idx = buildIndex(ivs);
        const ranges = ivs.map((v) => ({ id: v.id, r: parseCidr4(v.value)! }));
        const edges = ranges.flatMap(({ r }) => [r.start, r.end, Math.max(0, r.start - 1), Math.min(0xffffffff, r.end + 1)]);
        for (const p of [...probes, ...edges]) {
          const want = ranges.filter(({ r }) => r.start <= p && p <= r.end).map((x) => x.id).sort();
          expect(idx.lookup('ipv4', formatIPv4(p))).toEqual(want);
        }
      }),
      { numRuns: 200 },
    );
  });
});

function v6ToBig(w: Uint32Array): bigint {
  return (BigInt(w[0]) << 96n) | (BigInt(w[1]) << 64n) | (BigInt(w[2]) << 32n) | BigInt(w[3]);
}
function bigToV6(x: bigint): string {
  const parts: string[] = [];
  for (let k = 7; k >= 0; k--) parts.push(((x >> BigInt(16 * k)) & 0xffffn).toString(16));
  return parts.join(':');
}

describe('property: IPv6 index = naive scan', () => {
  const u128 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
  it('same ids', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(u128, fc.integer({ min: 0, max: 128 })), { maxLength: 30 }), fc.array(u128, { maxLength: 20 }), (nets, probes) => {
        const ivs: IndicatorValue[] = nets.map(([a, p], k) => ({ id: `n${k}`, kind: 'cidr6', value: `${bigToV6(a)}/${p}` }));
        const idx = buildIndex(ivs);
        const ranges = ivs.map((v) => {
          const c = parseCidr6(v.value)!;
          return { id: v.id, s: v6ToBig(c.start), e: v6ToBig(c.end) };
        });
        const edges = ranges.flatMap((r) => [r.s, r.e, r.s > 0n ? r.s - 1n : 0n, r.e < (1n << 128n) - 1n ? r.e + 1n : r.e]);
        for (const p of [...probes, ...edges]) {
          const want = ranges.filter((r) => r.s <= p && p <= r.e).map((r) => r.id).sort();
          const got = idx.lookup('ipv6', bigToV6(p));
          expect(got).toEqual(want);
          expect(v6ToBig(parseIPv6(bigToV6(p))!)).toBe(p);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('property: domain index = naive suffix check', () => {
  const label = fc.constantFrom('a', 'b', 'evil', 'ex', 'notevil', 'x-y', 'c0m');
  const domain = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
  it('same ids', () => {
    fc.assert(
      fc.property(fc.array(domain, { maxLength: 25 }), fc.array(domain, { maxLength: 25 }), (inds, probes) => {
        const ivs: IndicatorValue[] = inds.map((d, k) => ({ id: `d${k}`, kind: 'domain', value: k % 2 ? d.toUpperCase() + '.' : d }));
        const idx = buildIndex(ivs);
        for (const p of [...probes, ...inds]) {
          const want = inds
            .map((d, k) => ({ d, id: `d${k}` }))
            .filter(({ d }) => p === d || p.endsWith('.' + d))
            .map((x) => x.id)
            .sort();
          expect(idx.lookup('domain', p)).toEqual([...new Set(want)]);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('domain and URL-host negative filters', () => {
  const values = [
    { id: 'tld', kind: 'domain' as const, value: 'zz' },
    { id: 'two', kind: 'domain' as const, value: 'evil.example' },
    { id: 'three', kind: 'domain' as const, value: 'a.b.example' },
    { id: 'four', kind: 'domain' as const, value: 'x.y.z.test' },
    { id: 'u', kind: 'url' as const, value: 'http://cdn.host.example/p' },
  ];
  const idx = buildIndex(values);
  it('never drop a match: single-label, two-, three- and four-label keys, with and without the filter data', () => {
    const { filters: _f, ...old } = idx.toShared();
    const noFilters = LogIndex.fromShared(old);
    for (const ix of [idx, noFilters]) {
      expect(ix.lookup('domain', 'q.zz')).toEqual(['tld']);
      expect(ix.lookup('domain', 'zz')).toEqual(['tld']);
      expect(ix.lookup('domain', 'evil.example')).toEqual(['two']);
      expect(ix.lookup('domain', 'w.evil.example')).toEqual(['two']);
      expect(ix.lookup('domain', 'b.example')).toEqual([]);
      expect(ix.lookup('domain', 'q.a.b.example')).toEqual(['three']);
      expect(ix.lookup('domain', 'y.z.test')).toEqual([]);
      expect(ix.lookup('domain', 'w.x.y.z.test')).toEqual(['four']);
      expect(ix.lookup('domain', 'example')).toEqual([]);
    }
  });
  it('the scanner still sees URL hosts (host+uri) and subdomains in logs', async () => {
    const { matchBuffer } = await import('./matcher.ts');
    const { hits } = await matchBuffer('{"host":"cdn.host.example","uri":"/p","q":"m.x.y.z.test","r":"host.example","s":"a.zz"}\n', idx);
    expect(hits.map((h) => `${h.kind}|${h.value}|${h.field}`).sort()).toEqual(['domain|a.zz|s', 'domain|m.x.y.z.test|q', 'url|http://cdn.host.example/p|host+uri']);
  });
});
