/**
 * @module verify/mx
 * The MX stage: which hosts take mail for a domain, and at which public addresses,
 * asked only of the configured resolvers (never getaddrinfo or /etc/hosts).
 */
import { Resolver } from 'node:dns/promises';
import type { CidrRange } from '../../../shared/ip-address.ts';
import { mayConnectTo, parseIpv4, parseIpv6 } from './address-ranges.ts';
import type { MxHost, MxLookup, MxLookupOptions, UnresolvedMx } from './types.ts';

/** An MX record as the resolver gives it (c-ares names the preference `priority`; null MX comes back as exchange ''). */
export interface MxRecord {
  exchange: string;
  priority: number;
}

/** Why one query gave no records. NODATA is the name existing without that type. */
export type DnsFailure =
  | { kind: 'nxdomain' }
  | { kind: 'nodata' }
  | { kind: 'servfail'; detail: string }
  | { kind: 'timeout' }
  | { kind: 'aborted' };

/** Tries per server: one lost UDP packet should not fail a check. */
const TRIES = 2;

const normalizeName = (name: string) => name.toLowerCase().replace(/\.$/, '');
const isNullExchange = (exchange: string) => exchange === '' || exchange === '.';

/** The exchange itself when it is an IP literal (misconfigured, but seen in the wild), else null. */
export function exchangeLiteral(exchange: string): string | null {
  const bare = exchange.replace(/^\[|\]$/g, '');
  return parseIpv4(bare) !== null || parseIpv6(bare) !== null ? bare : null;
}

/**
 * MX records in the order to try them: by preference, ties shuffled (RFC 5321 5.1, so
 * load spreads as the domain intends), duplicates dropped, null MX ignored when real
 * exchanges sit beside it. Returns null when the only records are null MX (RFC 7505).
 */
export function orderMxRecords(records: MxRecord[], random: () => number = Math.random): Array<{ exchange: string; preference: number }> | null {
  const best = new Map<string, number>();
  for (const r of records) {
    const exchange = normalizeName(r.exchange);
    if (isNullExchange(exchange)) continue;
    const seen = best.get(exchange);
    if (seen === undefined || r.priority < seen) best.set(exchange, r.priority);
  }
  if (best.size === 0) return records.length > 0 ? null : [];

  const byPreference = new Map<number, string[]>();
  for (const [exchange, preference] of best) byPreference.set(preference, [...(byPreference.get(preference) ?? []), exchange]);
  const ordered: Array<{ exchange: string; preference: number }> = [];
  for (const preference of [...byPreference.keys()].sort((a, b) => a - b)) {
    const tier = byPreference.get(preference)!;
    for (let i = tier.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [tier[i], tier[j]] = [tier[j]!, tier[i]!];
    }
    for (const exchange of tier) ordered.push({ exchange, preference });
  }
  return ordered;
}

/** What the resolver found for one candidate host, before the private-range rule. */
export interface HostResolution {
  exchange: string;
  preference: number;
  addresses: string[];
  failures: DnsFailure[];
}

/** The addresses of one resolved host that we may connect to (the private-range rule). */
const usableAddresses = (r: HostResolution, allowPrivate: boolean, allowRanges: readonly CidrRange[] = []): string[] =>
  allowPrivate ? r.addresses : r.addresses.filter((a) => mayConnectTo(a, false, allowRanges));

/** Why a host gave no usable address, for the result's account of the MX walk. */
function unresolvedWhy(r: HostResolution): UnresolvedMx['why'] {
  if (r.addresses.length > 0) return 'private';
  const kinds = new Set(r.failures.map((f) => f.kind));
  if (kinds.has('timeout') || kinds.has('aborted')) return 'timeout';
  if (kinds.has('servfail')) return 'servfail';
  return kinds.has('nodata') && !kinds.has('nxdomain') ? 'nodata' : 'nxdomain';
}

/**
 * The outcome once the candidate hosts are resolved. Precedence when no host is usable:
 * timeout, then servfail (both retryable: another try may find an address), then
 * private_mx_refused (there were addresses, all refused), then hosts that simply have no
 * address (NXDOMAIN/NODATA). That last case is 'servfail', not 'no_mail_server': the
 * domain did publish MX records, so it means to receive mail and its MX hosts' zones are
 * broken, often briefly; we never call an address invalid over a third party's DNS.
 * For an implicit MX the domain itself is the host, and no address there is
 * 'no_mail_server' (RFC 5321 5.1: no MX and no A/AAAA, nowhere to deliver).
 * When some host is usable, the others are listed in `unresolved`: they cost no attempt.
 */
export function decideHosts(resolved: HostResolution[], records: string[], implicit: boolean, allowPrivate: boolean, allowRanges: readonly CidrRange[] = []): MxLookup {
  const hosts: MxHost[] = [];
  const unresolved: UnresolvedMx[] = [];
  let refused = false;
  for (const r of resolved) {
    const usable = usableAddresses(r, allowPrivate, allowRanges);
    if (usable.length < r.addresses.length) refused = true;
    if (usable.length > 0) hosts.push({ exchange: r.exchange, preference: r.preference, addresses: usable });
    else unresolved.push({ exchange: r.exchange, preference: r.preference, why: unresolvedWhy(r) });
  }
  if (hosts.length > 0) return unresolved.length > 0 ? { kind: 'ok', hosts, records, implicit, unresolved } : { kind: 'ok', hosts, records, implicit };

  const failures = resolved.flatMap((r) => r.failures);
  if (failures.some((f) => f.kind === 'timeout' || f.kind === 'aborted')) return { kind: 'timeout' };
  const servfail = failures.find((f) => f.kind === 'servfail');
  if (servfail) return { kind: 'servfail', detail: `address lookup of ${implicit ? 'the domain' : 'MX hosts'}: ${servfail.detail}` };
  if (refused) return { kind: 'private_mx_refused', records };
  if (implicit) return { kind: 'no_mail_server' };
  return { kind: 'servfail', detail: `no MX host has an address: ${resolved.map((r) => r.exchange).join(', ')}` };
}

/**
 * Resolvers shared by every lookup with the same servers and timeout: building a c-ares
 * channel per lookup cost a fifth of a check's CPU. A shared channel also keeps c-ares'
 * answer cache, which honours each record's TTL. Queries are never cancelled (that would
 * cancel other checks' queries on the channel); a stage stops waiting instead.
 */
const sharedResolvers = new Map<string, Resolver>();

function resolverFor(servers: string[], timeoutMs: number): Resolver {
  const key = `${timeoutMs}|${servers.join(',')}`;
  let resolver = sharedResolvers.get(key);
  if (!resolver) {
    // First try gets a third of the budget so the retry (c-ares 1.34 backs off and adds jitter) still
    // lands well inside it; the stage timer, not c-ares, ends the wait at timeoutMs.
    resolver = new Resolver({ timeout: Math.max(1, Math.floor(timeoutMs / 3)), tries: TRIES });
    try {
      // IP literals only: setServers refuses host names, so nothing here ever goes through getaddrinfo.
      resolver.setServers(servers);
    } catch (err) {
      throw new Error(`lookupMx: invalid DNS server in ${JSON.stringify(servers)} (expected "ip:port" or "[ipv6]:port"): ${(err as Error).message}`);
    }
    sharedResolvers.set(key, resolver);
  }
  return resolver;
}

/** One lookup's view of a shared resolver, bounded per stage by timeoutMs, the check's deadline and the caller's signal. */
class StageResolver {
  private readonly resolver: Resolver;
  /** Settles when the current stage is over (its timeout, or an abort): one timer and one listener per stage, however many queries. */
  private stageOver: Promise<{ failure: DnsFailure }> = new Promise(() => {});

  constructor(
    servers: string[],
    private readonly timeoutMs: number,
    private readonly signal?: AbortSignal,
    private readonly deadline = Number.POSITIVE_INFINITY,
  ) {
    this.resolver = resolverFor(servers, timeoutMs);
  }

  /** Runs one round of queries; a query still pending after timeoutMs (or on abort) reads as a timeout. */
  async stage<T>(work: () => Promise<T>): Promise<T> {
    this.signal?.throwIfAborted();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    this.stageOver = new Promise((resolve) => {
      timer = setTimeout(() => resolve({ failure: { kind: 'timeout' } }), Math.max(0, Math.min(this.timeoutMs, this.deadline - Date.now())));
      onAbort = () => resolve({ failure: { kind: 'aborted' } });
      this.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await work();
    } finally {
      clearTimeout(timer);
      if (onAbort) this.signal?.removeEventListener('abort', onAbort);
      // An abort mid-stage rejects the whole lookup (see lookupMx).
      this.signal?.throwIfAborted();
    }
  }

  mx(name: string) {
    return this.query(() => this.resolver.resolveMx(name));
  }

  /** A and AAAA together; either family is enough. */
  async addresses(name: string): Promise<{ addresses: string[]; failures: DnsFailure[] }> {
    const [a, aaaa] = await Promise.all([this.query(() => this.resolver.resolve4(name)), this.query(() => this.resolver.resolve6(name))]);
    const addresses: string[] = [];
    const failures: DnsFailure[] = [];
    for (const r of [a, aaaa]) {
      if ('records' in r) addresses.push(...r.records);
      else failures.push(r.failure);
    }
    return { addresses, failures };
  }

  private query<T>(run: () => Promise<T[]>): Promise<{ records: T[] } | { failure: DnsFailure }> {
    const answer = run().then(
      (records) => ({ records }),
      (err: unknown) => ({ failure: this.failureOf(err) }),
    );
    return Promise.race([answer, this.stageOver]);
  }

  private failureOf(err: unknown): DnsFailure {
    return dnsFailureOf(err);
  }
}

/** What a node:dns rejection means as a DNS outcome. */
export function dnsFailureOf(err: unknown): DnsFailure {
  const code = (err as { code?: string }).code ?? String(err);
  switch (code) {
    case 'ENOTFOUND':
      return { kind: 'nxdomain' };
    case 'ENODATA':
      return { kind: 'nodata' };
    case 'ETIMEOUT':
      return { kind: 'timeout' };
    case 'ECANCELLED':
      return { kind: 'timeout' };
    default:
      // ESERVFAIL, EREFUSED, EBADRESP, ECONNREFUSED, EFORMERR, ENOTIMP...: the resolver could not answer.
      return { kind: 'servfail', detail: code };
  }
}

/**
 * Looks up where mail for `domain` (ASCII, lowercase) goes, through `opts.servers` only.
 * Takes one round of `opts.timeoutMs` for MX, then one for the A/AAAA of the first
 * hosts in parallel, and more only when those hosts give too few addresses (see resolveInOrder). Rejects with `opts.signal.reason` when the signal
 * aborts (the caller asked to stop; it is not a DNS outcome), and with an Error when no
 * usable server is configured. Every DNS outcome, failures included, resolves.
 */
export async function lookupMx(domain: string, opts: MxLookupOptions): Promise<MxLookup> {
  if (opts.servers.length === 0) throw new Error('lookupMx: no DNS servers configured (set DNS_SERVERS); the system resolver is never used');
  const dns = new StageResolver(opts.servers, opts.timeoutMs, opts.signal, opts.deadline);
  const name = normalizeName(domain);

  const mx = await dns.stage(() => dns.mx(name));
  let candidates: Array<{ exchange: string; preference: number }>;
  let implicit = false;
  if ('records' in mx) {
    const ordered = orderMxRecords(mx.records);
    if (ordered === null) return { kind: 'null_mx', records: ['.'] };
    candidates = ordered;
    // An answer with no MX records (rare, but c-ares can return it) is the same as NODATA.
    if (candidates.length === 0) implicit = true;
  } else {
    switch (mx.failure.kind) {
      case 'nxdomain':
        return { kind: 'nxdomain' };
      case 'nodata':
        implicit = true;
        candidates = [];
        break;
      case 'servfail':
        return { kind: 'servfail', detail: `MX lookup: ${mx.failure.detail}` };
      case 'timeout':
      case 'aborted':
        return { kind: 'timeout' };
    }
  }
  // RFC 5321 5.1: no MX records, so the domain itself is the mail host, at preference 0.
  if (implicit) candidates = [{ exchange: name, preference: 0 }];
  const records = candidates.map((c) => c.exchange);

  const resolved = await resolveInOrder(dns, candidates, opts);
  return decideHosts(resolved, records, implicit, opts.allowPrivate, opts.allowRanges);
}

/**
 * Resolves MX names in preference order, a batch at a time in parallel, until more than
 * `maxAddresses` usable addresses are known or no name is left (Postfix's
 * smtp_mx_address_limit counts addresses, not names): a name that does not resolve adds
 * no address and so costs nothing. The one address beyond the limit lets the walk tell
 * "limit reached" from "every address tried". A domain whose names all resolve takes
 * one round; each further round is another `timeoutMs` at most, inside the check's deadline.
 */
async function resolveInOrder(dns: StageResolver, candidates: Array<{ exchange: string; preference: number }>, opts: MxLookupOptions): Promise<HostResolution[]> {
  const want = Math.max(1, opts.maxAddresses) + 1;
  const resolved: HostResolution[] = [];
  let known = 0;
  let next = 0;
  while (next < candidates.length && known < want) {
    const batch = candidates.slice(next, next + (want - known));
    next += batch.length;
    const round = await dns.stage(() =>
      Promise.all(
        batch.map(async (c): Promise<HostResolution> => {
          const literal = exchangeLiteral(c.exchange);
          if (literal !== null) return { ...c, addresses: [literal], failures: [] };
          return { ...c, ...(await dns.addresses(c.exchange)) };
        }),
      ),
    );
    resolved.push(...round);
    for (const r of round) known += usableAddresses(r, opts.allowPrivate, opts.allowRanges).length;
  }
  return resolved;
}
