/**
 * Which IP addresses an outbound call may reach (the SSRF guard). Checked on the address the host
 * name resolved to, not on the name: `localtest.me`, `0x7f.1` or a DNS record pointing at 10.0.0.5
 * are all judged by where the connection would actually go.
 */
import { BlockList, isIP } from 'node:net';

const INTERNAL = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata at 169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  INTERNAL.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed internally)
  ['ff00::', 8], // multicast
] as const) {
  INTERNAL.addSubnet(net, bits, 'ipv6');
}

/**
 * Why `address` is internal (a short label for messages), or null when it is a public address.
 * IPv4 embedded in IPv6 (::ffff:a.b.c.d, 64:ff9b::a.b.c.d, ::a.b.c.d) is judged as IPv4.
 */
export function internalAddressReason(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  if (family === 4) return INTERNAL.check(address, 'ipv4') ? 'private, loopback or link-local' : null;
  const embedded = embeddedIpv4(address);
  if (embedded !== null) return internalAddressReason(embedded);
  return INTERNAL.check(address, 'ipv6') ? 'private, loopback or link-local' : null;
}

function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1] as string;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return null;
  const high = Number.parseInt(hex[1] as string, 16);
  const low = Number.parseInt(hex[2] as string, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** True when `host` is on the allow list: an exact name, or `*.example.com` for its subdomains. */
export function hostAllowed(host: string, allowHosts: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return allowHosts.some((entry) =>
    entry.startsWith('*.') ? name.endsWith(entry.slice(1)) && name.length > entry.length - 1 : name === entry,
  );
}
