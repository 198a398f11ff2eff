import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { normaliseDomain, normaliseUrl, normaliseIp, normaliseHash, observableKeysOfSco, ipv4FromMapped } from './observables.ts';

describe('normaliseIp', () => {
  it('IPv6 RFC 5952 canonical form', () => {
    const cases: [string, string][] = [
      ['2001:DB8:0:0:0:0:2:1', '2001:db8::2:1'], ['2001:0db8:0000:0000:0000:ff00:0042:8329', '2001:db8::ff00:42:8329'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], ['0:0:0:0:0:0:0:1', '::1'],
      ['0::0', '::'], ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], ['fe80::1%eth0', 'fe80::1'], ['[2001:db8::1]', '2001:db8::1'],
      ['::FFFF:c633:6407', '::ffff:198.51.100.7'], ['::ffff:198.51.100.7', '::ffff:198.51.100.7'], ['2001:db8::1/32', '2001:db8::/32'],
      ['2001:db8::1/128', '2001:db8::1'],
    ];
    for (const [i, o] of cases) expect(normaliseIp(i), i).toBe(o);
  });
  it('IPv4 and CIDR', () => {
    expect(normaliseIp(' 198.51.100.7 ')).toBe('198.51.100.7');
    expect(normaliseIp('198.51.100.7/32')).toBe('198.51.100.7');
    expect(normaliseIp('198.51.100.77/26')).toBe('198.51.100.64/26');
    expect(normaliseIp('10.1.2.3/0')).toBe('0.0.0.0/0');
  });
  it('rejects invalid input', () => {
    for (const s of ['', '1.2.3', '256.1.1.1', '01.2.3.4', '1:2:3:4:5:6:7:8:9', '1::2::3', ':::', '1.2.3.4/33', '::/129', 'g::1', 'example.com'])
      expect(normaliseIp(s), s).toBeNull();
  });
  it('ipv4FromMapped', () => {
    expect(ipv4FromMapped('::ffff:c633:6407')).toBe('198.51.100.7');
    expect(ipv4FromMapped('2001:db8::1')).toBeNull();
  });
  it('is idempotent and agrees with the WHATWG URL parser on IPv6 (property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), (g) => {
      const s = g.map((x) => x.toString(16)).join(':');
      const n = normaliseIp(s)!;
      expect(normaliseIp(n)).toBe(n);
      const whatwg = new URL(`http://[${s}]/`).hostname.slice(1, -1);
      const isMapped = g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
      if (!isMapped) expect(n).toBe(whatwg);
    }));
  });
});

describe('normaliseDomain', () => {
  it('lower-cases, strips trailing dot, punycodes IDNs', () => {
    expect(normaliseDomain('WWW.Example.COM.')).toBe('www.example.com');
    expect(normaliseDomain('bücher.example')).toBe('xn--bcher-kva.example');
    expect(normaliseDomain('')).toBeNull();
    expect(normaliseDomain('a b.example')).toBeNull();
    expect(normaliseDomain('a..example')).toBeNull();
  });
});

describe('normaliseUrl', () => {
  it('RFC 3986 §6.2.2 normalisation', () => {
    expect(normaliseUrl('HTTP://Example.COM:80/a/../b/%7euser/%2f?q=%e2%82%ac#F')).toBe('http://example.com/b/~user/%2F?q=%E2%82%AC#F');
    expect(normaliseUrl('https://bücher.example.:443')).toBe('https://xn--bcher-kva.example/');
    expect(normaliseUrl('https://example.com:8443/x')).toBe('https://example.com:8443/x');
    expect(normaliseUrl('not a url')).toBeNull();
  });
  it('is idempotent (property)', () => {
    fc.assert(fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (u) => {
      const n = normaliseUrl(u);
      if (n !== null) expect(normaliseUrl(n)).toBe(n);
    }));
  });
});

describe('normaliseHash and keys', () => {
  it('normalises algorithm names and hex', () => {
    expect(normaliseHash('SHA-256', 'AB'.repeat(32))).toEqual({ algorithm: 'sha256', value: 'ab'.repeat(32) });
    expect(normaliseHash('SHA-256', 'ab')).toBeNull();
    expect(normaliseHash('MD5', 'zz'.repeat(16))).toBeNull();
  });
  it('observableKeysOfSco', () => {
    expect(observableKeysOfSco({ type: 'ipv4-addr', value: '198.51.100.7' })).toEqual(['ipv4-addr:198.51.100.7']);
    expect(observableKeysOfSco({ type: 'ipv6-addr', value: '::ffff:198.51.100.7' })).toEqual(['ipv6-addr:::ffff:198.51.100.7', 'ipv4-addr:198.51.100.7']);
    expect(observableKeysOfSco({ type: 'domain-name', value: 'Example.COM.' })).toEqual(['domain-name:example.com']);
    expect(observableKeysOfSco({ type: 'url', value: 'HTTPS://Example.com:443/a' })).toEqual(['url:https://example.com/a']);
    expect(observableKeysOfSco({ type: 'email-addr', value: 'John@Example.COM' })).toEqual(['email-addr:john@example.com']);
    expect(observableKeysOfSco({ type: 'file', hashes: { 'SHA-256': 'A'.repeat(64), MD5: 'b'.repeat(32) } }))
      .toEqual([`file:sha256:${'a'.repeat(64)}`, `file:md5:${'b'.repeat(32)}`]);
    expect(observableKeysOfSco({ type: 'ipv4-addr', value: 'nope' })).toEqual([]);
    expect(observableKeysOfSco(null)).toEqual([]);
  });
});
