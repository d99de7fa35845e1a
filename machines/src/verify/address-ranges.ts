/**
 * @module verify/address-ranges
 * Whether an IP address is on the public internet. An MX record is attacker-controlled
 * input: without this check, `verify()` could be pointed at our own network (SSRF).
 * Operators allow more with ALLOW_MX_RANGES (chosen ranges) or ALLOW_PRIVATE_MX (everything).
 */
import { inCidr, parseIpv4, parseIpv6, type CidrRange } from '../../../shared/ip-address.ts';

export { parseIpv4, parseIpv6 };

/** Non-public IPv4 ranges as [network, prefix length]. */
const IPV4_NOT_PUBLIC: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments (RFC 6890)
  ['192.0.2.0', 24], // documentation, TEST-NET-1 (RFC 5737): never routed
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking (RFC 2544)
  ['198.51.100.0', 24], // documentation, TEST-NET-2 (RFC 5737)
  ['203.0.113.0', 24], // documentation, TEST-NET-3 (RFC 5737)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
];

/** The same as [first address, size], computed once rather than on every check. */
const IPV4_NOT_PUBLIC_SPANS: ReadonlyArray<readonly [number, number]> = IPV4_NOT_PUBLIC.map(([net, bits]) => [parseIpv4(net)!, 2 ** (32 - bits)] as const);

function ipv4IsPublic(n: number): boolean {
  for (const [base, size] of IPV4_NOT_PUBLIC_SPANS) if (n >= base && n < base + size) return false;
  return true;
}

function ipv6IsPublic(g: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embeddedV4 = g6 * 65536 + g7;
  // IPv4-mapped (::ffff:a.b.c.d) reaches the IPv4 address itself.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return ipv4IsPublic(embeddedV4);
  // NAT64 well-known prefix (64:ff9b::/96) is translated to the embedded IPv4 address by the gateway.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return ipv4IsPublic(embeddedV4);
  // Documentation (2001:db8::/32, RFC 3849): never routed.
  if (g0 === 0x2001 && g1 === 0x0db8) return false;
  // 6to4 (2002::/16) carries an IPv4 address in bits 16-47.
  if (g0 === 0x2002) return ipv4IsPublic(g1 * 65536 + g2);
  // Only global unicast (2000::/3) is routed on the internet; that excludes ::, ::1, the deprecated
  // IPv4-compatible ::a.b.c.d, ULA fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast ff00::/8.
  return (g0 & 0xe000) === 0x2000;
}

/** False for private, loopback, link-local, multicast, unspecified, CGNAT, documentation and reserved addresses (IPv4 and IPv6), and for anything that is not an IP address. */
export function isPublicAddress(ip: string): boolean {
  const v4 = parseIpv4(ip);
  if (v4 !== null) return ipv4IsPublic(v4);
  const v6 = parseIpv6(ip);
  if (v6 !== null) return ipv6IsPublic(v6);
  return false;
}

/**
 * Whether a check may connect to `ip`: a public address, one in a range the operator allowed
 * (ALLOW_MX_RANGES: an internal relay, a lab network), or anything when ALLOW_PRIVATE_MX is set.
 */
export function mayConnectTo(ip: string, allowPrivate: boolean, allowRanges: readonly CidrRange[] = []): boolean {
  return allowPrivate || isPublicAddress(ip) || allowRanges.some((r) => inCidr(r, ip));
}
