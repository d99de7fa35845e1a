/**
 * @module verify/address-ranges
 * Whether an IP address is on the public internet. An MX record is attacker-controlled
 * input: without this check, `verify()` could be pointed at our own network (SSRF).
 */

/** Non-public IPv4 ranges as [network, prefix length]. */
const IPV4_NOT_PUBLIC: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments (RFC 6890)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking (RFC 2544)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
];
// Documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32) are left
// public on purpose: tests use them as stand-ins for real internet addresses.

/** The address as a 32-bit number, or null when it is not dotted-quad IPv4. */
export function parseIpv4(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const part of parts) {
    // Decimal only: "010" or "0x7f" are read as octal/hex by some stacks, so they are not addresses here.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const v = Number(part);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

/** The address as eight 16-bit groups, or null when it is not IPv6. Accepts `::`, an IPv4 tail and a `%zone`. */
export function parseIpv6(ip: string): number[] | null {
  let s = ip.replace(/^\[|\]$/g, '');
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  if (!s.includes(':')) return null;

  // An IPv4 tail (::ffff:127.0.0.1) stands for the last two groups.
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }

  const halves = s.split('::');
  if (halves.length > 2) return null;
  const group = (g: string) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : NaN);
  const head = halves[0] ? halves[0].split(':').map(group) : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':').map(group) : [];
  if ([...head, ...rest].some(Number.isNaN)) return null;
  const given = head.length + rest.length;
  if (halves.length === 2) return given > 7 ? null : [...head, ...new Array<number>(8 - given).fill(0), ...rest];
  return given === 8 ? head : null;
}

function ipv4IsPublic(n: number): boolean {
  for (const [net, bits] of IPV4_NOT_PUBLIC) {
    const base = parseIpv4(net)!;
    const size = 2 ** (32 - bits);
    if (n >= base && n < base + size) return false;
  }
  return true;
}

function ipv6IsPublic(g: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embeddedV4 = g6 * 65536 + g7;
  // IPv4-mapped (::ffff:a.b.c.d) reaches the IPv4 address itself.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return ipv4IsPublic(embeddedV4);
  // NAT64 well-known prefix (64:ff9b::/96) is translated to the embedded IPv4 address by the gateway.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return ipv4IsPublic(embeddedV4);
  // 6to4 (2002::/16) carries an IPv4 address in bits 16-47.
  if (g0 === 0x2002) return ipv4IsPublic(g1 * 65536 + g2);
  // Only global unicast (2000::/3) is routed on the internet; that excludes ::, ::1, the deprecated
  // IPv4-compatible ::a.b.c.d, ULA fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast ff00::/8.
  return (g0 & 0xe000) === 0x2000;
}

/** False for private, loopback, link-local, multicast, unspecified, CGNAT and reserved addresses (IPv4 and IPv6), and for anything that is not an IP address. */
export function isPublicAddress(ip: string): boolean {
  const v4 = parseIpv4(ip);
  if (v4 !== null) return ipv4IsPublic(v4);
  const v6 = parseIpv6(ip);
  if (v6 !== null) return ipv6IsPublic(v6);
  return false;
}
