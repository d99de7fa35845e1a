import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DOCUMENTATION_RANGES } from '../../../test/support/documentation-ranges.ts';
import { startDnsServer, type DnsZone, type TestDnsServer } from '../../../test/support/dns-server.ts';
import { parseCidr } from '../../../shared/ip-address.ts';
import { decideHosts, lookupMx, orderMxRecords } from './mx.ts';
import type { MxLookup, MxLookupOptions } from './types.ts';

// Documentation ranges (192.0.2/24, 198.51.100/24, 2001:db8::/32) stand in for public addresses: allowed
// explicitly (allowRanges), as an operator allows an internal relay; private ones stay refused.
const zone: DnsZone = {
  'ordered.test': {
    MX: [
      { preference: 20, exchange: 'mx2.ordered.test' },
      { preference: 10, exchange: 'mx1.ordered.test' },
      { preference: 30, exchange: 'mx3.ordered.test' },
    ],
  },
  'mx1.ordered.test': { A: ['192.0.2.1'] },
  'mx2.ordered.test': { A: ['192.0.2.2'], AAAA: ['2001:db8::2'] },
  'mx3.ordered.test': { A: ['192.0.2.3'] },

  'tied.test': {
    MX: [
      { preference: 10, exchange: 'a.tied.test' },
      { preference: 10, exchange: 'b.tied.test' },
      { preference: 10, exchange: 'c.tied.test' },
    ],
  },
  'a.tied.test': { A: ['192.0.2.11'] },
  'b.tied.test': { A: ['192.0.2.12'] },
  'c.tied.test': { A: ['192.0.2.13'] },

  'dupes.test': {
    MX: [
      { preference: 10, exchange: 'mx.dupes.test' },
      { preference: 20, exchange: 'MX.Dupes.Test' },
    ],
  },
  'mx.dupes.test': { A: ['192.0.2.21'] },

  'implicit.test': { A: ['192.0.2.30'] },
  'implicit6.test': { AAAA: ['2001:db8::30'] },
  'nothing.test': {},
  'null.test': { MX: [{ preference: 0, exchange: '.' }], A: ['192.0.2.40'] },
  'null-mixed.test': { MX: [{ preference: 0, exchange: '.' }, { preference: 10, exchange: 'mx.null-mixed.test' }] },
  'mx.null-mixed.test': { A: ['192.0.2.41'] },

  'servfail.test': { rcode: 'SERVFAIL' },
  'refused.test': { rcode: 'REFUSED' },
  'silent.test': { drop: true },

  'dangling.test': { MX: [{ preference: 10, exchange: 'gone.dangling.test' }, { preference: 20, exchange: 'empty.dangling.test' }] },
  'empty.dangling.test': {},
  'first-gone.test': { MX: [{ preference: 10, exchange: 'gone.first-gone.test' }, { preference: 20, exchange: 'mx.first-gone.test' }] },
  'mx.first-gone.test': { A: ['192.0.2.50'] },
  'slow-host.test': { MX: [{ preference: 10, exchange: 'silent.slow-host.test' }] },
  'silent.slow-host.test': { drop: true },
  'one-slow.test': { MX: [{ preference: 10, exchange: 'silent.one-slow.test' }, { preference: 20, exchange: 'mx.one-slow.test' }] },
  'silent.one-slow.test': { drop: true },
  'mx.one-slow.test': { A: ['192.0.2.51'] },
  'broken-host.test': { MX: [{ preference: 10, exchange: 'mx.broken-host.test' }] },
  'mx.broken-host.test': { rcode: 'SERVFAIL' },

  // Three MX names that give no address ahead of three that do: they must not use up the address limit.
  'ghosts.test': {
    MX: [
      { preference: 10, exchange: 'gone1.ghosts.test' },
      { preference: 20, exchange: 'gone2.ghosts.test' },
      { preference: 30, exchange: 'noaddr.ghosts.test' },
      { preference: 40, exchange: 'mx1.ghosts.test' },
      { preference: 50, exchange: 'mx2.ghosts.test' },
      { preference: 60, exchange: 'mx3.ghosts.test' },
      { preference: 70, exchange: 'mx4.ghosts.test' },
    ],
  },
  'noaddr.ghosts.test': {},
  'mx1.ghosts.test': { A: ['192.0.2.91'] },
  'mx2.ghosts.test': { A: ['192.0.2.92'] },
  'mx3.ghosts.test': { A: ['192.0.2.93'] },
  'mx4.ghosts.test': { A: ['192.0.2.94'] },
  'internal-first.test': { MX: [{ preference: 10, exchange: 'lo.internal.test' }, { preference: 20, exchange: 'mx.internal-first.test' }] },
  'mx.internal-first.test': { A: ['192.0.2.95'] },

  'internal.test': { MX: [{ preference: 10, exchange: 'lo.internal.test' }, { preference: 20, exchange: 'lan.internal.test' }] },
  'lo.internal.test': { A: ['127.0.0.1'], AAAA: ['::1'] },
  'lan.internal.test': { A: ['10.1.2.3', '169.254.169.254'], AAAA: ['fd00::25'] },
  'half-internal.test': { MX: [{ preference: 10, exchange: 'mixed.half-internal.test' }] },
  'mixed.half-internal.test': { A: ['192.168.0.10', '192.0.2.60'] },
  'implicit-internal.test': { A: ['10.0.0.7'] },

  'v6only.test': { MX: [{ preference: 10, exchange: 'mx.v6only.test' }] },
  'mx.v6only.test': { AAAA: ['2001:db8::70'] },
  'literal.test': { MX: [{ preference: 10, exchange: '192.0.2.80' }] },
  'literal-private.test': { MX: [{ preference: 10, exchange: '127.0.0.1' }] },
  'hosts-file.test': { MX: [{ preference: 10, exchange: 'localhost' }] },
  'big.test': { MX: [{ preference: 10, exchange: 'mx.big.test' }] },
  // 60 A records do not fit a 512-byte UDP answer: the resolver must retry over TCP.
  'mx.big.test': { A: Array.from({ length: 60 }, (_, i) => `198.51.100.${i + 1}`) },
};

let dns: TestDnsServer;
const opts = (over: Partial<MxLookupOptions> = {}): MxLookupOptions => ({
  servers: [dns.server],
  timeoutMs: 300,
  allowPrivate: false,
  allowRanges: DOCUMENTATION_RANGES,
  maxAddresses: 5,
  ...over,
});
const exchanges = (mx: MxLookup) => (mx.kind === 'ok' ? mx.hosts.map((h) => h.exchange) : []);
const asked = (name: string, type?: string) => dns.queries.filter((q) => q.name === name && (!type || q.type === type));

beforeAll(async () => {
  dns = await startDnsServer(zone);
});
afterAll(async () => {
  await dns.close();
});
beforeEach(() => {
  dns.setZone(zone);
  dns.queries.length = 0;
});

describe('lookupMx: where mail for a domain goes', () => {
  it('lists MX hosts by preference, each with its public addresses', async () => {
    const mx = await lookupMx('ordered.test', opts());
    expect(mx).toEqual({
      kind: 'ok',
      implicit: false,
      records: ['mx1.ordered.test', 'mx2.ordered.test', 'mx3.ordered.test'],
      hosts: [
        { exchange: 'mx1.ordered.test', preference: 10, addresses: ['192.0.2.1'] },
        { exchange: 'mx2.ordered.test', preference: 20, addresses: ['192.0.2.2', '2001:db8::2'] },
        { exchange: 'mx3.ordered.test', preference: 30, addresses: ['192.0.2.3'] },
      ],
    });
  });

  it('hosts of equal preference come in varying order, none lost', async () => {
    const orders = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const mx = await lookupMx('tied.test', opts());
      expect([...exchanges(mx)].sort()).toEqual(['a.tied.test', 'b.tied.test', 'c.tied.test']);
      if (mx.kind === 'ok') expect(mx.records).toEqual(exchanges(mx));
      orders.add(exchanges(mx).join(','));
    }
    // 30 draws of 6 equally likely orders all landing on one: about 1 in 10^23.
    expect(orders.size).toBeGreaterThan(1);
  });

  it('an exchange listed twice is one host, at its best preference', async () => {
    const mx = await lookupMx('dupes.test', opts());
    expect(mx).toMatchObject({ kind: 'ok', records: ['mx.dupes.test'], hosts: [{ exchange: 'mx.dupes.test', preference: 10 }] });
  });

  it('resolves MX names only until one address past maxAddresses is known, but reports every record', async () => {
    const mx = await lookupMx('ordered.test', opts({ maxAddresses: 1 }));
    expect(exchanges(mx)).toEqual(['mx1.ordered.test', 'mx2.ordered.test']);
    expect(mx).toMatchObject({ records: ['mx1.ordered.test', 'mx2.ordered.test', 'mx3.ordered.test'] });
    expect(asked('mx3.ordered.test')).toEqual([]);
  });

  it('a domain without MX but with an A record receives mail at that address (implicit MX)', async () => {
    const mx = await lookupMx('implicit.test', opts());
    expect(mx).toEqual({
      kind: 'ok',
      implicit: true,
      records: ['implicit.test'],
      hosts: [{ exchange: 'implicit.test', preference: 0, addresses: ['192.0.2.30'] }],
    });
  });

  it('implicit MX works with an IPv6 address alone', async () => {
    const mx = await lookupMx('implicit6.test', opts());
    expect(mx).toMatchObject({ kind: 'ok', implicit: true, hosts: [{ addresses: ['2001:db8::30'] }] });
  });

  it('a domain with neither MX nor A/AAAA has no mail server', async () => {
    expect(await lookupMx('nothing.test', opts())).toEqual({ kind: 'no_mail_server' });
    expect(asked('nothing.test').map((q) => q.type).sort()).toEqual(['A', 'AAAA', 'MX']);
  });

  it('a null MX (RFC 7505) means the domain accepts no mail, even with an A record', async () => {
    expect(await lookupMx('null.test', opts())).toEqual({ kind: 'null_mx', records: ['.'] });
    expect(asked('null.test', 'A')).toEqual([]);
  });

  it('a null MX beside real MX records is ignored', async () => {
    const mx = await lookupMx('null-mixed.test', opts());
    expect(mx).toMatchObject({ kind: 'ok', records: ['mx.null-mixed.test'], hosts: [{ addresses: ['192.0.2.41'] }] });
  });
});

describe('lookupMx: DNS failures are kept apart', () => {
  it('a domain that does not exist is nxdomain', async () => {
    expect(await lookupMx('no-such-domain.test', opts())).toEqual({ kind: 'nxdomain' });
  });

  it('SERVFAIL is a resolver failure, not a missing domain', async () => {
    const mx = await lookupMx('servfail.test', opts());
    expect(mx.kind).toBe('servfail');
    expect(mx.kind === 'servfail' && mx.detail).toMatch(/ESERVFAIL/);
  });

  it('REFUSED is a resolver failure too', async () => {
    const mx = await lookupMx('refused.test', opts());
    expect(mx.kind).toBe('servfail');
    expect(mx.kind === 'servfail' && mx.detail).toMatch(/EREFUSED/);
  });

  it('a server that never answers is a timeout, within about timeoutMs', async () => {
    const timeoutMs = 1500;
    const started = Date.now();
    expect(await lookupMx('silent.test', opts({ timeoutMs }))).toEqual({ kind: 'timeout' });
    const elapsed = Date.now() - started;
    // Timers never fire early; a loaded CI may fire them late, but not by another full timeout,
    // which is what a second try with its own timeout (3000 ms) would take.
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 50);
    expect(elapsed).toBeLessThan(timeoutMs * 1.75);
    // It retried once before giving up: one lost packet does not fail a check.
    expect(asked('silent.test', 'MX').length).toBeGreaterThanOrEqual(2);
  });

  it('a resolver that refuses the connection is a failure, not a timeout', async () => {
    const closed = await startDnsServer({});
    const server = closed.server;
    await closed.close();
    const mx = await lookupMx('ordered.test', opts({ servers: [server] }));
    expect(['servfail', 'timeout']).toContain(mx.kind);
    expect(mx.kind).not.toBe('nxdomain');
  });
});

describe('lookupMx: MX hosts without addresses', () => {
  it('an MX host that does not exist is skipped for the next one', async () => {
    const mx = await lookupMx('first-gone.test', opts());
    expect(mx).toMatchObject({ kind: 'ok', records: ['gone.first-gone.test', 'mx.first-gone.test'] });
    expect(exchanges(mx)).toEqual(['mx.first-gone.test']);
  });

  it('names without an address cost nothing: resolving goes on in preference order until enough addresses are known', async () => {
    // Limit 2: one spare address is wanted (3), so after the three empty names a second round resolves mx1..mx3, never mx4.
    const mx = await lookupMx('ghosts.test', opts({ maxAddresses: 2 }));
    expect(mx).toMatchObject({
      kind: 'ok',
      hosts: [
        { exchange: 'mx1.ghosts.test', preference: 40, addresses: ['192.0.2.91'] },
        { exchange: 'mx2.ghosts.test', preference: 50, addresses: ['192.0.2.92'] },
        { exchange: 'mx3.ghosts.test', preference: 60, addresses: ['192.0.2.93'] },
      ],
      unresolved: [
        { exchange: 'gone1.ghosts.test', preference: 10, why: 'nxdomain' },
        { exchange: 'gone2.ghosts.test', preference: 20, why: 'nxdomain' },
        { exchange: 'noaddr.ghosts.test', preference: 30, why: 'nodata' },
      ],
    });
    expect(mx.kind === 'ok' && mx.records).toHaveLength(7);
    expect(asked('mx4.ghosts.test')).toEqual([]);
  });

  it('with the default limit every name of a small MX set is resolved in one round', async () => {
    const mx = await lookupMx('ghosts.test', opts());
    expect(exchanges(mx)).toEqual(['mx1.ghosts.test', 'mx2.ghosts.test', 'mx3.ghosts.test', 'mx4.ghosts.test']);
  });

  it('a name with only private addresses is skipped at no cost and said to be private', async () => {
    const mx = await lookupMx('internal-first.test', opts());
    expect(mx).toMatchObject({
      kind: 'ok',
      hosts: [{ exchange: 'mx.internal-first.test', addresses: ['192.0.2.95'] }],
      unresolved: [{ exchange: 'lo.internal.test', why: 'private' }],
    });
  });

  it('MX records that all point nowhere are a DNS failure, never an invalid domain', async () => {
    const mx = await lookupMx('dangling.test', opts());
    expect(mx.kind).toBe('servfail');
    expect(mx.kind === 'servfail' && mx.detail).toMatch(/gone\.dangling\.test/);
  });

  it('an MX host whose lookup times out makes the check a timeout', async () => {
    expect(await lookupMx('slow-host.test', opts())).toEqual({ kind: 'timeout' });
  });

  it('a silent MX host does not hide an answering one', async () => {
    const started = Date.now();
    const mx = await lookupMx('one-slow.test', opts());
    expect(exchanges(mx)).toEqual(['mx.one-slow.test']);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('an MX host whose lookup fails is a resolver failure', async () => {
    const mx = await lookupMx('broken-host.test', opts());
    expect(mx.kind).toBe('servfail');
  });

  it('an IPv6-only MX host is used', async () => {
    const mx = await lookupMx('v6only.test', opts());
    expect(mx).toMatchObject({ kind: 'ok', hosts: [{ exchange: 'mx.v6only.test', addresses: ['2001:db8::70'] }] });
  });

  it('an MX that is an IP literal is used as that address without a lookup', async () => {
    const mx = await lookupMx('literal.test', opts());
    expect(mx).toMatchObject({ kind: 'ok', hosts: [{ exchange: '192.0.2.80', addresses: ['192.0.2.80'] }] });
    expect(asked('192.0.2.80')).toEqual([]);
  });
});

describe('lookupMx: private addresses', () => {
  it('MX hosts on loopback, private or link-local addresses are refused by default', async () => {
    expect(await lookupMx('internal.test', opts())).toEqual({
      kind: 'private_mx_refused',
      records: ['lo.internal.test', 'lan.internal.test'],
    });
  });

  it('documentation addresses are not public: refused unless a range allows them', async () => {
    expect(await lookupMx('literal.test', opts({ allowRanges: [] }))).toEqual({ kind: 'private_mx_refused', records: ['192.0.2.80'] });
  });

  it('an allowed range lets in its addresses only, not the rest of private space', async () => {
    const mx = await lookupMx('internal.test', opts({ allowRanges: [parseCidr('10.1.0.0/16')!] }));
    expect(mx).toMatchObject({ kind: 'ok', hosts: [{ exchange: 'lan.internal.test', addresses: ['10.1.2.3'] }] });
  });

  it('are allowed when allowPrivate is set (local test harnesses)', async () => {
    const mx = await lookupMx('internal.test', opts({ allowPrivate: true }));
    expect(mx).toMatchObject({
      kind: 'ok',
      hosts: [
        { exchange: 'lo.internal.test', addresses: ['127.0.0.1', '::1'] },
        { exchange: 'lan.internal.test', addresses: ['10.1.2.3', '169.254.169.254', 'fd00::25'] },
      ],
    });
  });

  it('a host with public and private addresses keeps only the public ones', async () => {
    const mx = await lookupMx('half-internal.test', opts());
    expect(mx).toMatchObject({ kind: 'ok', hosts: [{ addresses: ['192.0.2.60'] }] });
  });

  it('an implicit MX on a private address is refused too', async () => {
    expect(await lookupMx('implicit-internal.test', opts())).toEqual({ kind: 'private_mx_refused', records: ['implicit-internal.test'] });
  });

  it('an IP-literal MX on loopback is refused', async () => {
    expect(await lookupMx('literal-private.test', opts())).toEqual({ kind: 'private_mx_refused', records: ['127.0.0.1'] });
  });
});

describe('lookupMx: only the configured resolver is asked', () => {
  it('MX host addresses come from the configured server, which sees the A and AAAA queries', async () => {
    const mx = await lookupMx('ordered.test', opts({ maxAddresses: 1 }));
    expect(exchanges(mx)).toEqual(['mx1.ordered.test', 'mx2.ordered.test']);
    expect(asked('mx1.ordered.test').map((q) => q.type).sort()).toEqual(['A', 'AAAA']);
  });

  it('"localhost" as an MX host is asked of the server, not read from /etc/hosts', async () => {
    const mx = await lookupMx('hosts-file.test', opts({ allowPrivate: true }));
    // Through getaddrinfo this would be 127.0.0.1; our zone has no "localhost", so no address.
    expect(mx.kind).toBe('servfail');
    expect(asked('localhost', 'A')).toHaveLength(1);
  });

  it('answers too large for UDP are fetched over TCP from the same server', async () => {
    const mx = await lookupMx('big.test', opts());
    expect(mx.kind === 'ok' && mx.hosts[0]?.addresses).toHaveLength(60);
    expect(dns.queries.some((q) => q.name === 'mx.big.test' && q.transport === 'tcp')).toBe(true);
  });

  it('answers are not cached from one check to the next', async () => {
    expect(exchanges(await lookupMx('implicit.test', opts()))).toEqual(['implicit.test']);
    dns.setZone({ ...zone, 'implicit.test': { A: ['192.0.2.31'] } });
    const mx = await lookupMx('implicit.test', opts());
    expect(mx).toMatchObject({ hosts: [{ addresses: ['192.0.2.31'] }] });
  });

  it('without configured servers it refuses to run rather than fall back to the system resolver', async () => {
    await expect(lookupMx('ordered.test', opts({ servers: [] }))).rejects.toThrow(/no DNS servers/);
    await expect(lookupMx('ordered.test', opts({ servers: ['dns.example.test:53'] }))).rejects.toThrow(/invalid DNS server/);
    expect(dns.queries).toEqual([]);
  });

  it('accepts an IPv6 server written as [addr]:port', async () => {
    // Nothing listens there; only the parsing is under test, so keep it short.
    const mx = await lookupMx('ordered.test', opts({ servers: ['[::1]:9'], timeoutMs: 100 }));
    expect(['servfail', 'timeout']).toContain(mx.kind);
  });
});

describe('lookupMx: cancellation', () => {
  it('an aborted signal rejects the lookup without asking anything', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(lookupMx('ordered.test', opts({ signal: controller.signal }))).rejects.toThrow('stop');
    expect(dns.queries).toEqual([]);
  });

  it('aborting mid-query rejects at once, without waiting for the timeout', async () => {
    const started = Date.now();
    const pending = lookupMx('silent.test', opts({ timeoutMs: 5000, signal: AbortSignal.timeout(100) }));
    await expect(pending).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('orderMxRecords', () => {
  const tie = [
    { exchange: 'a.example.test', priority: 5 },
    { exchange: 'b.example.test', priority: 5 },
    { exchange: 'low.example.test', priority: 1 },
  ];

  it('sorts by preference and shuffles ties with the given randomness', () => {
    expect(orderMxRecords(tie, () => 0.99)?.map((r) => r.exchange)).toEqual(['low.example.test', 'a.example.test', 'b.example.test']);
    expect(orderMxRecords(tie, () => 0)?.map((r) => r.exchange)).toEqual(['low.example.test', 'b.example.test', 'a.example.test']);
  });

  it('normalizes case and trailing dots before deduplicating', () => {
    expect(orderMxRecords([{ exchange: 'MX.Example.Test.', priority: 10 }, { exchange: 'mx.example.test', priority: 5 }])).toEqual([
      { exchange: 'mx.example.test', preference: 5 },
    ]);
  });

  it('gives null for a null MX alone (c-ares reports it as an empty exchange) and [] for no records', () => {
    expect(orderMxRecords([{ exchange: '', priority: 0 }])).toBeNull();
    expect(orderMxRecords([{ exchange: '.', priority: 0 }])).toBeNull();
    expect(orderMxRecords([])).toEqual([]);
  });
});

describe('decideHosts', () => {
  const host = (addresses: string[], failures: Parameters<typeof decideHosts>[0][number]['failures'] = []) => ({ exchange: 'mx.example.test', preference: 10, addresses, failures });

  it('prefers a timeout over a refusal when nothing is usable, since a retry may succeed', () => {
    expect(decideHosts([host(['10.0.0.1']), host([], [{ kind: 'timeout' }])], ['mx.example.test'], false, false)).toEqual({ kind: 'timeout' });
  });

  it('an implicit MX with no address is no mail server; a published MX with no address is not', () => {
    const nx = [host([], [{ kind: 'nxdomain' }, { kind: 'nxdomain' }])];
    expect(decideHosts(nx, ['example.test'], true, false)).toEqual({ kind: 'no_mail_server' });
    expect(decideHosts(nx, ['mx.example.test'], false, false).kind).toBe('servfail');
  });
});
