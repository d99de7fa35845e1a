/**
 * @module ip-address
 * IP address and CIDR range parsing, pure (no node:*): the machines' SSRF rule
 * (machines/src/verify/address-ranges.ts) and the env table's range lists both use it.
 */

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

/** A CIDR range (`10.20.0.0/16`, `fd00:25::/64`), as numbers for quick membership tests. */
export type CidrRange = { family: 4; base: number; bits: number } | { family: 6; groups: number[]; bits: number };

/** `a.b.c.d/n` or `x:y::/n` (a bare address is a /32 or /128); null when it is not one. Host bits must be zero. */
export function parseCidr(raw: string): CidrRange | null {
  const s = raw.trim();
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const bitsText = slash < 0 ? null : s.slice(slash + 1);
  if (bitsText !== null && !/^(0|[1-9]\d{0,2})$/.test(bitsText)) return null;
  const v4 = parseIpv4(addr);
  if (v4 !== null) {
    const bits = bitsText === null ? 32 : Number(bitsText);
    if (bits > 32) return null;
    if (bits < 32 && v4 % 2 ** (32 - bits) !== 0) return null;
    return { family: 4, base: v4, bits };
  }
  const v6 = parseIpv6(addr);
  if (v6 === null || addr.includes('%')) return null;
  const bits = bitsText === null ? 128 : Number(bitsText);
  if (bits > 128) return null;
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, bits - i * 16));
    if ((v6[i]! & (0xffff >> keep)) !== 0) return null;
  }
  return { family: 6, groups: v6, bits };
}

/** True when `ip` (an IPv4 or IPv6 address) lies in `range`. */
export function inCidr(range: CidrRange, ip: string): boolean {
  if (range.family === 4) {
    const v4 = parseIpv4(ip);
    return v4 !== null && Math.floor(v4 / 2 ** (32 - range.bits)) === Math.floor(range.base / 2 ** (32 - range.bits));
  }
  const v6 = parseIpv6(ip);
  if (v6 === null) return false;
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, range.bits - i * 16));
    const mask = (0xffff << (16 - keep)) & 0xffff;
    if ((v6[i]! & mask) !== (range.groups[i]! & mask)) return false;
  }
  return true;
}
