import { describe, expect, it } from 'vitest';
import { parseCidr, type CidrRange } from '../../../shared/ip-address.ts';
import { isPublicAddress, mayConnectTo, parseIpv4, parseIpv6 } from './address-ranges.ts';

describe('isPublicAddress', () => {
  it.each([
    // IPv4
    ['10.0.0.1', 'private 10/8'],
    ['10.255.255.255', 'private 10/8, last address'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.254', 'private 172.16/12, top'],
    ['192.168.1.1', 'private 192.168/16'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback /8'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast top'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network 0/8'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.255', 'CGNAT top'],
    ['240.0.0.1', 'reserved 240/4'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['198.18.0.1', 'benchmarking'],
    ['192.0.2.1', 'documentation TEST-NET-1'],
    ['198.51.100.255', 'documentation TEST-NET-2'],
    ['203.0.113.7', 'documentation TEST-NET-3'],
    ['::ffff:192.0.2.1', 'IPv4-mapped documentation'],
    // IPv6
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['0:0:0:0:0:0:0:1', 'IPv6 loopback written out'],
    ['fe80::1', 'IPv6 link-local'],
    ['fe80::1%eth0', 'IPv6 link-local with a zone'],
    ['febf::1', 'IPv6 link-local top of fe80::/10'],
    ['fc00::1', 'ULA fc00::/7'],
    ['fd12:3456::1', 'ULA fd00::/8'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback in hex'],
    ['::ffff:10.1.2.3', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped link-local'],
    ['64:ff9b::10.0.0.1', 'NAT64 of a private address'],
    ['2002:c0a8:0101::1', '6to4 of 192.168.1.1'],
    ['::127.0.0.1', 'deprecated IPv4-compatible'],
    ['2001:db8::1', 'IPv6 documentation'],
    ['[2001:db8:ffff::25]', 'bracketed IPv6 documentation'],
    // not addresses at all
    ['', 'empty'],
    ['mx.example.test', 'a host name'],
    ['1.2.3', 'three octets'],
    ['1.2.3.256', 'octet over 255'],
    ['0x7f.0.0.1', 'hex octet'],
    ['017.0.0.1', 'octal-looking octet'],
    ['1::2::3', 'two ::'],
    ['1:2:3:4:5:6:7', 'seven groups'],
    ['12345::1', 'group too long'],
  ])('%s is not public (%s)', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each([
    ['8.8.8.8', 'a public resolver'],
    ['1.1.1.1', 'another'],
    ['172.15.255.255', 'just below 172.16/12'],
    ['172.32.0.0', 'just above 172.16/12'],
    ['100.63.255.255', 'just below CGNAT'],
    ['100.128.0.0', 'just above CGNAT'],
    ['11.0.0.1', 'just above 10/8'],
    ['223.255.255.255', 'just below multicast'],
    ['2001:4860:4860::8888', 'public IPv6'],
    ['2a00:1450:4001:80b::200e', 'public IPv6'],
    ['::ffff:8.8.8.8', 'IPv4-mapped public'],
    ['64:ff9b::8.8.8.8', 'NAT64 of a public address'],
    ['[2a00:1450:4001:80b::25]', 'bracketed IPv6'],
  ])('%s is public (%s)', (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });
});

describe('address parsing', () => {
  it('reads IPv4 as a 32-bit number', () => {
    expect(parseIpv4('192.168.1.2')).toBe(0xc0a80102);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
  });

  it('expands IPv6 shorthand and IPv4 tails to eight groups', () => {
    expect(parseIpv6('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIpv6('fe80::1')).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIpv6('1::')).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIpv6('::ffff:127.0.0.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIpv6('1:2:3:4:5:6:1.2.3.4')).toEqual([1, 2, 3, 4, 5, 6, 0x102, 0x304]);
    expect(parseIpv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIpv6('1:2:3:4:5:6:7:8:9')).toBeNull();
    expect(parseIpv6('1:2:3:4::5:6:7:8')).toBeNull();
  });
});

describe('mayConnectTo: what an operator allows beyond public addresses', () => {
  const ranges = (...r: string[]): CidrRange[] => r.map((x) => parseCidr(x)!);

  it('a public address always; a non-public one only inside an allowed range, or with everything allowed', () => {
    expect(mayConnectTo('8.8.8.8', false)).toBe(true);
    expect(mayConnectTo('10.20.1.2', false)).toBe(false);
    expect(mayConnectTo('10.20.1.2', false, ranges('10.20.0.0/16'))).toBe(true);
    expect(mayConnectTo('10.21.0.1', false, ranges('10.20.0.0/16'))).toBe(false);
    expect(mayConnectTo('169.254.169.254', false, ranges('10.20.0.0/16'))).toBe(false);
    expect(mayConnectTo('169.254.169.254', true)).toBe(true);
  });

  it('IPv6 ranges match on their prefix bits, including ones that end inside a group', () => {
    expect(mayConnectTo('fd00:25::9', false, ranges('fd00:25::/64'))).toBe(true);
    expect(mayConnectTo('fd00:26::9', false, ranges('fd00:25::/64'))).toBe(false);
    expect(mayConnectTo('2001:db8:8000::1', false, ranges('2001:db8::/33'))).toBe(false);
    expect(mayConnectTo('2001:db8:7fff::1', false, ranges('2001:db8::/33'))).toBe(true);
    // An IPv4 range does not admit an IPv6 address, nor the other way round.
    expect(mayConnectTo('::1', false, ranges('127.0.0.0/8'))).toBe(false);
  });
});

describe('parseCidr', () => {
  it('reads IPv4 and IPv6 ranges, a bare address as a single-address range', () => {
    expect(parseCidr('10.20.0.0/16')).toEqual({ family: 4, base: 0x0a140000, bits: 16 });
    expect(parseCidr('192.0.2.7')).toEqual({ family: 4, base: 0xc0000207, bits: 32 });
    expect(parseCidr('fd00:25::/64')).toMatchObject({ family: 6, bits: 64 });
  });

  it.each(['10.20.0.1/16', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', 'fd00::1/64', '::/129', 'mx.example.test/24', '', 'fe80::%eth0/64'])('"%s" is not a range', (raw) => {
    expect(parseCidr(raw)).toBeNull();
  });
});
