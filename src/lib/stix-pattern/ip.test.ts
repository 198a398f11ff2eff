import { describe, expect, it } from 'vitest';
import { networkContains, parseIPv4, parseIPv6, parseIpNetwork } from './ip.ts';

describe('IPv4', () => {
  it('parses dotted quads strictly', () => {
    expect(parseIPv4('0.0.0.0')).toBe(0n);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffffn);
    expect(parseIPv4('198.51.100.1')).toBe((198n << 24n) | (51n << 16n) | (100n << 8n) | 1n);
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1..2.3', '', 'a.b.c.d', '1.2.3.-4', ' 1.2.3.4']) {
      expect(parseIPv4(bad)).toBeNull();
    }
  });
});

describe('IPv6', () => {
  it('parses full, compressed and IPv4-embedded forms', () => {
    expect(parseIPv6('::')).toBe(0n);
    expect(parseIPv6('::1')).toBe(1n);
    expect(parseIPv6('2001:0db8:dead:beef:dead:beef:dead:0001')).toBe(parseIPv6('2001:db8:dead:beef:dead:beef:dead:1'));
    expect(parseIPv6('2001:db8::')).toBe(0x20010db8n << 96n);
    expect(parseIPv6('::ffff:198.51.100.1')).toBe((0xffffn << 32n) | parseIPv4('198.51.100.1')!);
    expect(parseIPv6('1:2:3:4:5:6:7::')).toBe(parseIPv6('1:2:3:4:5:6:7:0'));
    expect(parseIPv6('FFFF:ffff:FFFF:ffff:FFFF:ffff:FFFF:ffff')).toBe((1n << 128n) - 1n);
    for (const bad of [':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'g::', '1.2.3.4::', '::1.2.3', '1:2:3:4:5:6:7:8::', '']) {
      expect(parseIPv6(bad)).toBeNull();
    }
  });
});

describe('networks', () => {
  it('parses CIDR and plain addresses', () => {
    expect(parseIpNetwork('10.0.0.0/8')).toEqual({ family: 4, address: 10n << 24n, prefix: 8 });
    expect(parseIpNetwork('10.1.2.3')).toMatchObject({ family: 4, prefix: 32 });
    expect(parseIpNetwork('2001:db8::/32')).toMatchObject({ family: 6, prefix: 32 });
    expect(parseIpNetwork('::1')).toMatchObject({ family: 6, prefix: 128 });
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/x', '10.0.0.0/8/8', 'example.com']) {
      expect(parseIpNetwork(bad)).toBeNull();
    }
  });
  it('containment uses the outer prefix, ignoring host bits', () => {
    const n = (s: string) => parseIpNetwork(s)!;
    expect(networkContains(n('10.0.0.0/8'), n('10.255.1.2'))).toBe(true);
    expect(networkContains(n('10.9.9.9/8'), n('10.255.1.2/16'))).toBe(true);
    expect(networkContains(n('10.0.0.0/16'), n('10.0.0.0/8'))).toBe(false);
    expect(networkContains(n('0.0.0.0/0'), n('1.2.3.4'))).toBe(true);
    expect(networkContains(n('1.2.3.4'), n('1.2.3.4'))).toBe(true);
    expect(networkContains(n('1.2.3.4'), n('1.2.3.5'))).toBe(false);
    expect(networkContains(n('::/0'), n('1.2.3.4'))).toBe(false);
    expect(networkContains(n('2001:db8::/32'), n('2001:db8:ffff::1'))).toBe(true);
    expect(networkContains(n('2001:db8::/33'), n('2001:db8:ffff::1'))).toBe(false);
    expect(networkContains(n('::/0'), n('ffff::/16'))).toBe(true);
  });
});
