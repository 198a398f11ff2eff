import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatIPv6,
  normalizeDomain,
  normalizeEmail,
  normalizeHash,
  normalizeUrl,
  parseCidr4,
  parseCidr4Packed,
  parseCidr6,
  parseIPv4,
  parseIPv6,
} from './normalize.ts';

describe('IPv4', () => {
  it('parses dotted quads and rejects the rest', () => {
    expect(parseIPv4('1.2.3.4')).toBe(0x01020304);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIPv4('0.0.0.0')).toBe(0);
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.', '.1.2.3', '1..2.3', '1.2.3.4a', '1234.1.1.1', '']) {
      expect(parseIPv4(bad), bad).toBe(-1);
    }
  });
  it('CIDR edges: /0, /32, host bits set', () => {
    expect(parseCidr4('0.0.0.0/0')).toEqual({ start: 0, end: 0xffffffff, prefix: 0 });
    expect(parseCidr4('9.9.9.9/32')).toEqual({ start: 0x09090909, end: 0x09090909, prefix: 32 });
    expect(parseCidr4('10.1.2.3/8')).toEqual({ start: 0x0a000000, end: 0x0affffff, prefix: 8 });
    expect(parseCidr4('192.168.1.77/24')).toEqual({ start: 0xc0a80100, end: 0xc0a801ff, prefix: 24 });
    expect(parseCidr4('1.2.3.4/33')).toBeNull();
    expect(parseCidr4('1.2.3.4/')).toBeNull();
  });
});

describe('IPv6', () => {
  it('compressed, expanded and mixed forms are the same address', () => {
    const a = parseIPv6('2001:db8::1');
    expect(a).not.toBeNull();
    expect(parseIPv6('2001:0DB8:0000:0000:0000:0000:0000:0001')).toEqual(a);
    expect(parseIPv6('2001:db8:0:0::1')).toEqual(a);
    expect(parseIPv6('[2001:db8::1]')).toEqual(a);
    expect(parseIPv6('2001:db8::1%eth0')).toEqual(a);
    expect(parseIPv6('::ffff:1.2.3.4')).toEqual(new Uint32Array([0, 0, 0xffff, 0x01020304]));
    expect(parseIPv6('::')).toEqual(new Uint32Array(4));
    expect(parseIPv6('::1')).toEqual(new Uint32Array([0, 0, 0, 1]));
    expect(parseIPv6('1::')).toEqual(new Uint32Array([0x00010000, 0, 0, 0]));
  });
  it('rejects malformed addresses', () => {
    for (const bad of ['1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::1', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:', 'g::1', '10:20:30', 'aa:bb:cc:dd:ee:ff', '::1.2.3']) {
      expect(parseIPv6(bad), bad).toBeNull();
    }
  });
  it('formats canonically (RFC 5952)', () => {
    expect(formatIPv6(parseIPv6('2001:0db8:0000:0000:0001:0000:0000:0001')!)).toBe('2001:db8::1:0:0:1');
    expect(formatIPv6(parseIPv6('2001:db8:0:1:1:1:1:1')!)).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIPv6(parseIPv6('::')!)).toBe('::');
  });
  it('CIDR edges: /0, /128, host bits', () => {
    const all = parseCidr6('::/0')!;
    expect([...all.start]).toEqual([0, 0, 0, 0]);
    expect([...all.end]).toEqual([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
    const one = parseCidr6('2001:db8::5/128')!;
    expect(one.start).toEqual(one.end);
    const h = parseCidr6('2001:db8:ffff::1/33')!;
    expect(formatIPv6(h.start)).toBe('2001:db8:8000::');
    expect(formatIPv6(h.end)).toBe('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff');
    expect(parseCidr6('::/129')).toBeNull();
  });
});

describe('domains', () => {
  it('lower-case, trailing dot, wildcard, IDN', () => {
    expect(normalizeDomain('Evil.Example.')).toBe('evil.example');
    expect(normalizeDomain('*.evil.example')).toBe('evil.example');
    expect(normalizeDomain('Bücher.Example')).toBe('xn--bcher-kva.example');
    expect(normalizeDomain('_dmarc.example.com')).toBe('_dmarc.example.com');
    expect(normalizeDomain('1.2.3.4')).toBeNull();
    expect(normalizeDomain('a..b')).toBeNull();
    expect(normalizeDomain('has space.example')).toBeNull();
  });
});

describe('URLs (RFC 3986 §6)', () => {
  it('normalises case, default port, percent-encoding, empty path, fragment', () => {
    expect(normalizeUrl('HTTP://Evil.Example:80/a%7eb')).toBe('http://evil.example/a~b');
    expect(normalizeUrl('http://evil.example/a~b')).toBe('http://evil.example/a~b');
    expect(normalizeUrl('https://EVIL.example:443')).toBe('https://evil.example/');
    expect(normalizeUrl('https://evil.example:8443/x#frag')).toBe('https://evil.example:8443/x');
    expect(normalizeUrl('http://evil.example/%2f%3A?q=%7e%e2%82%ac')).toBe('http://evil.example/%2F%3A?q=~%E2%82%AC');
    expect(normalizeUrl('http://evil.example/a/./b/../c')).toBe('http://evil.example/a/c');
    expect(normalizeUrl('http://evil.example./')).toBe('http://evil.example/');
    expect(normalizeUrl('http://bücher.example/ü')).toBe('http://xn--bcher-kva.example/%C3%BC');
    expect(normalizeUrl('evil.example/path')).toBe('http://evil.example/path');
    expect(normalizeUrl('http://[2001:DB8::1]:80/')).toBe('http://[2001:db8::1]/');
    expect(normalizeUrl('http://user:pw@evil.example/')).toBe('http://user:pw@evil.example/');
    expect(normalizeUrl('http://evil.example/a?')).toBe('http://evil.example/a?');
    expect(normalizeUrl('mailto:x@y')).toBeNull();
  });
});

describe('hashes and emails', () => {
  it('hash kind by length, lower-case', () => {
    expect(normalizeHash('D41D8CD98F00B204E9800998ECF8427E')).toEqual({ kind: 'md5', key: 'd41d8cd98f00b204e9800998ecf8427e' });
    expect(normalizeHash('a'.repeat(40))?.kind).toBe('sha1');
    expect(normalizeHash('b'.repeat(64))?.kind).toBe('sha256');
    expect(normalizeHash('a'.repeat(63))).toBeNull();
    expect(normalizeHash('z'.repeat(32))).toBeNull();
  });
  it('emails lower-cased, mailto stripped, IDN domain', () => {
    expect(normalizeEmail('Bad.Guy@Evil.Example')).toBe('bad.guy@evil.example');
    expect(normalizeEmail('mailto:x@Bücher.example')).toBe('x@xn--bcher-kva.example');
    expect(normalizeEmail('nobody')).toBeNull();
    expect(normalizeEmail('@evil.example')).toBeNull();
  });
});

describe('parseCidr4Packed (index build)', () => {
  it('agrees with parseCidr4 on valid, odd and invalid spellings', () => {
    const same = (v: string) => {
      const c = parseCidr4(v);
      expect(parseCidr4Packed(v)).toBe(c ? c.start * 64 + c.prefix : -1);
    };
    for (const v of ['10.1.2.3', '10.1.2.3/8', ' 1.2.3.4/24 ', '1.2.3.4 /24', '1.2.3.4/ 24', '1.2.3.4/33', '1.2.3.4/', '1.2.3', '1.2.3.4.5', '001.002.003.004/032', '256.1.1.1', '1.2.3.ı', '0.0.0.0/0', '255.255.255.255/32', '1.2.3.4/024']) same(v);
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[0-9./ ]{0,20}$/), fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(40)).map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}/${p}`)), (v) => same(v)),
      { numRuns: 2000 },
    );
  });
});
