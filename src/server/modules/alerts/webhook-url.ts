import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may point. Every address the host resolves to is checked (a name with one public
 * and one private address is refused): loopback, private (RFC 1918, ULA), link-local (cloud metadata),
 * CGNAT, unspecified, multicast, reserved and IPv4-mapped forms of those.
 */
const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2001:db8::', 32], ['100::', 64]] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

export function isBlockedAddress(addr: string): boolean {
  const v = isIP(addr);
  if (v === 4) return blocked.check(addr, 'ipv4');
  if (v === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(addr, 'ipv6');
  }
  return true;
}

/** Null when the URL is acceptable, else the reason. */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean, resolve: (host: string) => Promise<string[]> = defaultResolve): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.username || url.password) return 'must not carry credentials';
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) return 'must be an https:// URL';
  if (allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addrs: string[];
  try {
    addrs = isIP(host) ? [host] : await resolve(host);
  } catch {
    return `host ${host} does not resolve`;
  }
  if (!addrs.length) return `host ${host} does not resolve`;
  const bad = addrs.find(isBlockedAddress);
  return bad ? `resolves to ${bad}, a loopback, private or link-local address` : null;
}

async function defaultResolve(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}
