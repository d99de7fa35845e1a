/**
 * @module cli/doctor
 * `emailcheck doctor`: what an operator runs on a new machine before its first check. Each line is
 * ok, warn or fail with what to do: outbound TCP 25 to a host the operator names, the egress IP
 * (as the edge sees it), its reverse DNS and whether HELO_NAME resolves to it, MX and SPF of
 * FROM_EMAIL's domain, and the egress IP on DNS blocklists. Every lookup goes through DNS_SERVERS.
 * Exit 1 when a check fails, 0 otherwise (warnings included).
 */
import { Resolver } from 'node:dns/promises';
import { isIP, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { ConfigError, doctorEnv, parseHostPort, readEnv, throttleEnv, verifierEnv } from '../shared/config.ts';
import { askWhoami, normalizeIp } from '../machines/src/throttle/index.ts';
import { parseProxyUrl } from '../machines/src/verify/smtp/index.ts';
import { openSmtpSocket } from '../machines/src/verify/smtp/transport.ts';
import { dnsFailureOf, type DnsFailure } from '../machines/src/verify/mx.ts';
import { systemNameservers } from '../machines/src/verify/options.ts';
import { UsageError } from './usage.ts';

export type DoctorStatus = 'ok' | 'warn' | 'fail';

export interface DoctorLine {
  check: string;
  status: DoctorStatus;
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

export interface DoctorOptions {
  env: Record<string, string | undefined>;
  /** `host[:port]` to try SMTP against; port defaults to SMTP_PORT. */
  smtpHost?: string;
  /** Replaces DNSBL_ZONES. */
  dnsbls?: string[];
}

type Answer<T> = { records: T[] } | { failure: DnsFailure };

function dnsClient(servers: string[], timeoutMs: number) {
  const resolver = new Resolver({ timeout: Math.max(1, Math.floor(timeoutMs / 2)), tries: 2 });
  try {
    resolver.setServers(servers);
  } catch (err) {
    throw new ConfigError(`DNS_SERVERS: ${(err as Error).message}`);
  }
  const ask = async <T>(run: () => Promise<T[]>): Promise<Answer<T>> => {
    try {
      return { records: await run() };
    } catch (err) {
      return { failure: dnsFailureOf(err) };
    }
  };
  return {
    addresses: async (name: string): Promise<Answer<string>> => {
      const [a, aaaa] = await Promise.all([ask(() => resolver.resolve4(name)), ask(() => resolver.resolve6(name))]);
      const records = [...('records' in a ? a.records : []), ...('records' in aaaa ? aaaa.records : [])];
      return records.length > 0 || 'records' in a ? { records } : a;
    },
    a: (name: string) => ask(() => resolver.resolve4(name)),
    // resolvePtr on the reverse name, not reverse(): reverse() reports a timeout as "not found".
    ptr: (ip: string) => ask(() => resolver.resolvePtr(reverseName(ip, isIP(ip) === 4 ? 'in-addr.arpa' : 'ip6.arpa'))),
    txt: async (name: string): Promise<Answer<string>> => {
      const r = await ask(() => resolver.resolveTxt(name));
      return 'records' in r ? { records: r.records.map((chunks) => chunks.join('')) } : r;
    },
    mx: (name: string) => ask(() => resolver.resolveMx(name)),
  };
}
type Dns = ReturnType<typeof dnsClient>;

const failureText = (f: DnsFailure): string => (f.kind === 'servfail' ? `the resolver failed (${f.detail})` : f.kind === 'nxdomain' ? 'no such name' : f.kind === 'nodata' ? 'no such record' : f.kind);

/** Reads the first reply line of an SMTP server (the banner), or null when none comes in time. */
function readBanner(socket: Socket, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    let buf = '';
    const done = (v: string | null) => {
      clearTimeout(timer);
      socket.off('data', onData);
      resolve(v);
    };
    const onData = (c: Buffer) => {
      buf += c.toString('latin1');
      // A multi-line banner (220-...) ends with its "220 " line.
      const lines = buf.split('\r\n');
      const last = lines.slice(0, -1).find((l) => /^\d{3} /.test(l) || /^\d{3}$/.test(l));
      if (last) done(last);
      else if (buf.length > 4096) done(buf.slice(0, 200));
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('data', onData);
    socket.once('close', () => done(buf ? buf.split('\r\n')[0]! : null));
  });
}

async function smtpCheck(target: string | undefined, env: ReturnType<typeof settings>, dns: Dns): Promise<DoctorLine> {
  const check = 'outbound smtp';
  if (!target) {
    return { check, status: 'warn', detail: 'not tried: no host named', fix: 'run with --smtp-host HOST (an MX you expect to reach, e.g. the MX of a mailbox you own) to see whether port 25 leaves this machine' };
  }
  const hostPort = parseHostPort(target, '--smtp-host', env.verifier.SMTP_PORT);
  const m = /^(?:\[(.+)\]|(.+)):(\d+)$/.exec(hostPort)!;
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  let address = host;
  if (!isIP(host)) {
    const r = await dns.addresses(host);
    if (!('records' in r) || r.records.length === 0) {
      return { check, status: 'fail', detail: `${host} does not resolve through DNS_SERVERS (${'failure' in r ? failureText(r.failure) : 'no A/AAAA'})`, fix: 'name a host that resolves, or check DNS_SERVERS' };
    }
    address = r.records[0]!;
  }
  const via = env.verifier.PROXY_URL ? ` through the SOCKS5 proxy ${new URL(env.verifier.PROXY_URL).host}` : '';
  const timeoutMs = env.verifier.SMTP_TIMEOUT * 1000;
  let socket: Socket;
  try {
    socket = await openSmtpSocket({ address, port, timeoutMs, proxy: env.verifier.PROXY_URL ? parseProxyUrl(env.verifier.PROXY_URL) : undefined });
  } catch (err) {
    return {
      check,
      status: 'fail',
      detail: `could not connect to ${host} (${address}:${port})${via}: ${(err as Error).message}`,
      fix: env.verifier.PROXY_URL
        ? 'the proxy could not reach the host: check PROXY_URL and that the proxy host itself can open port 25'
        : 'outbound port 25 looks blocked here (most cloud hosts block it): ask the provider to open it, or set PROXY_URL to a SOCKS5 host that can reach port 25',
    };
  }
  try {
    const banner = await readBanner(socket, timeoutMs);
    if (banner === null) return { check, status: 'warn', detail: `connected to ${host} (${address}:${port})${via} but no banner came within ${env.verifier.SMTP_TIMEOUT} s`, fix: 'something between us and the host holds connections open (a transparent proxy or tarpit): try another host' };
    if (!banner.startsWith('220')) return { check, status: 'warn', detail: `connected to ${host} (${address}:${port})${via}, but it greeted with "${banner}"`, fix: 'the server refuses this client at connect (often a blocklisted or unnamed IP): see the blocklist and reverse DNS lines' };
    socket.write('QUIT\r\n');
    return { check, status: 'ok', detail: `connected to ${host} (${address}:${port})${via}: ${banner}` };
  } finally {
    socket.destroy();
  }
}

async function egressCheck(env: ReturnType<typeof settings>): Promise<{ line: DoctorLine; ip: string | null }> {
  const check = 'egress ip';
  const configured = env.verifier.EGRESS_IP ? normalizeIp(env.verifier.EGRESS_IP) : null;
  if (env.verifier.EGRESS_IP && !configured) return { ip: null, line: { check, status: 'fail', detail: `EGRESS_IP "${env.verifier.EGRESS_IP}" is not an IP address`, fix: 'set EGRESS_IP to the IPv4 or IPv6 address SMTP leaves from' } };
  if (env.verifier.PROXY_URL) {
    if (!configured) return { ip: null, line: { check, status: 'fail', detail: 'PROXY_URL is set, so SMTP leaves from the proxy, whose address the edge cannot see', fix: "set EGRESS_IP to the proxy host's public address" } };
    return { ip: configured, line: { check, status: 'ok', detail: `${configured} (EGRESS_IP: the SOCKS5 proxy's address)` } };
  }
  if (!env.throttle.EDGE_URL) {
    if (configured) return { ip: configured, line: { check, status: 'warn', detail: `${configured} from EGRESS_IP, not confirmed: EDGE_URL is unset`, fix: 'set EDGE_URL and MACHINE_TOKEN to confirm it with the edge (GET /v1/whoami)' } };
    return { ip: null, line: { check, status: 'fail', detail: 'unknown: neither EGRESS_IP nor EDGE_URL is set', fix: 'set EDGE_URL and MACHINE_TOKEN (the machine asks the edge), or EGRESS_IP' } };
  }
  let seen: string;
  try {
    seen = await askWhoami(env.throttle.EDGE_URL, env.throttle.MACHINE_TOKEN, 10_000);
  } catch (err) {
    return {
      ip: configured,
      line: { check, status: 'fail', detail: `the edge did not tell us: ${(err as Error).message}`, fix: /401|403/.test((err as Error).message) ? "MACHINE_TOKEN must equal the edge's MACHINE_TOKEN secret" : 'check EDGE_URL and that the Worker is deployed' },
    };
  }
  if (configured && configured !== seen) {
    return { ip: seen, line: { check, status: 'fail', detail: `EGRESS_IP is ${configured} but the edge sees this machine as ${seen}`, fix: 'unset EGRESS_IP (the machine then asks the edge) or correct it: the throttles key on it' } };
  }
  return { ip: seen, line: { check, status: 'ok', detail: `${seen} (as the edge sees it)` } };
}

async function reverseDnsCheck(ip: string, dns: Dns): Promise<{ line: DoctorLine; names: string[] }> {
  const check = 'reverse dns';
  const fix = "ask whoever owns the IP for a PTR naming HELO_NAME (Fly offers none for egress IPs: use PROXY_URL through a host that has one); without it many receivers (Postfix reject_unknown_client_hostname, Gmail, Microsoft) defer or reject";
  const ptr = await dns.ptr(ip);
  if (!('records' in ptr) || ptr.records.length === 0) {
    return { names: [], line: { check, status: 'fail', detail: `no PTR record for ${ip} (${'failure' in ptr ? failureText(ptr.failure) : 'empty'})`, fix } };
  }
  const names = ptr.records.map((n) => n.toLowerCase().replace(/\.$/, ''));
  const back = await dns.addresses(names[0]!);
  if ('records' in back && back.records.some((a) => normalizeIp(a) === ip)) {
    return { names, line: { check, status: 'ok', detail: `${ip} → ${names[0]} → ${ip} (forward-confirmed)` } };
  }
  return { names, line: { check, status: 'warn', detail: `${ip} → ${names[0]}, but ${names[0]} does not resolve back to ${ip}`, fix: `add an A/AAAA record ${names[0]} → ${ip}: receivers check that the PTR name points back (FCrDNS)` } };
}

async function heloCheck(env: ReturnType<typeof settings>, ip: string | null, ptrNames: string[], dns: Dns): Promise<DoctorLine> {
  const check = 'helo name';
  const helo = env.verifier.HELO_NAME;
  if (!helo) return { check, status: 'warn', detail: 'HELO_NAME is unset: EHLO would give the host name', fix: "set HELO_NAME to this IP's PTR name (an FQDN of yours, never a provider's)" };
  const r = await dns.addresses(helo);
  if (!('records' in r) || r.records.length === 0) {
    return { check, status: 'fail', detail: `${helo} does not resolve (${'failure' in r ? failureText(r.failure) : 'no A/AAAA'})`, fix: `add an A record ${helo}${ip ? ` → ${ip}` : ''}: Postfix reject_unknown_helo_hostname and many others refuse an EHLO name that does not resolve` };
  }
  if (!ip) return { check, status: 'warn', detail: `${helo} resolves to ${r.records.join(', ')}; the egress IP is unknown, so it could not be compared` };
  const matchesPtr = ptrNames.includes(helo.toLowerCase());
  if (r.records.some((a) => normalizeIp(a) === ip)) {
    return matchesPtr
      ? { check, status: 'ok', detail: `${helo} → ${ip}, and it is the PTR name` }
      : { check, status: 'warn', detail: `${helo} → ${ip}, but the PTR says ${ptrNames[0] ?? 'nothing'}`, fix: `make HELO_NAME and the PTR of ${ip} the same name` };
  }
  return { check, status: 'warn', detail: `${helo} resolves to ${r.records.join(', ')}, not to the egress IP ${ip}`, fix: `point ${helo} at ${ip}, or set HELO_NAME to a name that does` };
}

async function fromDomainMxCheck(domain: string, dns: Dns): Promise<DoctorLine> {
  const check = 'from domain mx';
  const mx = await dns.mx(domain);
  if ('records' in mx && mx.records.length > 0) {
    if (mx.records.every((r) => r.exchange === '' || r.exchange === '.')) {
      return { check, status: 'fail', detail: `${domain} has a null MX (RFC 7505): it takes no mail`, fix: 'use a FROM_EMAIL at a domain that receives mail: receivers check that the sender domain can take a bounce' };
    }
    return { check, status: 'ok', detail: `${domain} MX ${mx.records.sort((a, b) => a.priority - b.priority).map((r) => r.exchange).join(', ')}` };
  }
  const failure = 'failure' in mx ? mx.failure : { kind: 'nodata' as const };
  if (failure.kind === 'nxdomain') {
    return { check, status: 'fail', detail: `${domain} does not exist`, fix: 'use a FROM_EMAIL at a domain you own: Postfix reject_unknown_sender_domain and most receivers refuse MAIL FROM of a domain that does not exist' };
  }
  if (failure.kind === 'nodata') {
    const a = await dns.addresses(domain);
    if ('records' in a && a.records.length > 0) return { check, status: 'warn', detail: `${domain} has no MX, only an address (implicit MX ${a.records[0]})`, fix: `publish an MX record for ${domain}` };
    return { check, status: 'fail', detail: `${domain} has neither MX nor A/AAAA`, fix: `publish an MX record for ${domain}: receivers refuse senders whose domain cannot take mail` };
  }
  return { check, status: 'warn', detail: `could not look up ${domain} MX: ${failureText(failure)}`, fix: 'check DNS_SERVERS' };
}

function ipv4InCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const toInt = (s: string) => s.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  if (isIP(ip) !== 4 || isIP(net ?? '') !== 4 || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(ip) & mask) === (toInt(net!) & mask);
}

async function spfCheck(domain: string, ip: string | null, dns: Dns): Promise<DoctorLine> {
  const check = 'from domain spf';
  const txt = await dns.txt(domain);
  if (!('records' in txt) && txt.failure.kind !== 'nodata' && txt.failure.kind !== 'nxdomain') {
    return { check, status: 'warn', detail: `could not look up ${domain} TXT: ${failureText(txt.failure)}`, fix: 'check DNS_SERVERS' };
  }
  const spf = ('records' in txt ? txt.records : []).filter((t) => /^v=spf1(\s|$)/i.test(t));
  const suggest = `publish "v=spf1 ${ip ? `${isIP(ip) === 6 ? 'ip6' : 'ip4'}:${ip} ` : ''}-all" (or add the IP to the existing record)`;
  if (spf.length === 0) return { check, status: 'warn', detail: `${domain} has no SPF record`, fix: `${suggest}: receivers trust a sender domain that authorizes the IP it comes from` };
  if (spf.length > 1) return { check, status: 'fail', detail: `${domain} has ${spf.length} SPF records: that is a permerror (RFC 7208 4.5)`, fix: 'merge them into one v=spf1 record' };
  const record = spf[0]!;
  if (!ip) return { check, status: 'ok', detail: `${domain}: ${record}` };
  const terms = record.split(/\s+/).slice(1);
  const direct = terms.some((t) => {
    const m = /^\+?ip([46]):(.+)$/i.exec(t);
    if (!m) return false;
    return m[1] === '4' ? ipv4InCidr(ip, m[2]!) : m[2]!.split('/')[0]!.toLowerCase() === ip;
  });
  if (direct) return { check, status: 'ok', detail: `${domain} authorizes ${ip}: ${record}` };
  return { check, status: 'warn', detail: `${domain}'s SPF does not list ${ip} directly (${record}); include/a/mx terms are not evaluated here`, fix: suggest };
}

/** An IP's name under `zone` as PTR and DNSBL lookups use it: reversed octets, or reversed nibbles for IPv6. */
export function reverseName(ip: string, zone: string): string {
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.${zone}`;
  const groups = ip.split('::');
  const head = groups[0] ? groups[0].split(':') : [];
  const tail = groups.length > 1 && groups[1] ? groups[1].split(':') : [];
  const full = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail].map((g) => g.padStart(4, '0')).join('');
  return `${[...full].reverse().join('.')}.${zone}`;
}

async function dnsblCheck(ip: string, zone: string, dns: Dns): Promise<DoctorLine> {
  const check = `blocklist ${zone}`;
  const name = reverseName(ip, zone);
  const a = await dns.a(name);
  if (!('records' in a)) {
    if (a.failure.kind === 'nxdomain' || a.failure.kind === 'nodata') return { check, status: 'ok', detail: `${ip} is not listed` };
    return { check, status: 'warn', detail: `could not ask ${zone}: ${failureText(a.failure)}`, fix: 'check DNS_SERVERS (the resolver must reach the list\'s servers)' };
  }
  // 127.255.255.x (Spamhaus and others): the list refused the query, typically from a public resolver.
  if (a.records.every((r) => r.startsWith('127.255.255.'))) {
    return { check, status: 'warn', detail: `${zone} refused the query (${a.records.join(', ')}): it does not answer public or unregistered resolvers`, fix: 'query through your own recursive resolver in DNS_SERVERS, or drop the list from DNSBL_ZONES' };
  }
  const reason = await dns.txt(name);
  const why = 'records' in reason && reason.records.length > 0 ? `: ${reason.records[0]}` : '';
  return {
    check,
    status: 'fail',
    detail: `${ip} is listed (${a.records.join(', ')})${why}`,
    fix: `request delisting on ${zone}'s site; until then receivers using it reject this IP (5.7.1), which the breaker reports as blocked_by_policy`,
  };
}

function settings(source: Record<string, string | undefined>) {
  return { verifier: readEnv(verifierEnv, source), throttle: readEnv(throttleEnv, source), doctor: readEnv(doctorEnv, source) };
}

/** Runs every check; never throws for what it finds (only for bad settings). */
export async function runDoctorChecks(opts: DoctorOptions): Promise<DoctorLine[]> {
  const env = settings(opts.env);
  const servers = env.verifier.DNS_SERVERS.length > 0 ? env.verifier.DNS_SERVERS : systemNameservers();
  const dns = dnsClient(servers, env.verifier.DNS_TIMEOUT_MS);
  const lines: DoctorLine[] = [];
  lines.push(await smtpCheck(opts.smtpHost, env, dns));
  const egress = await egressCheck(env);
  lines.push(egress.line);
  const ip = egress.ip;
  const skipped = (check: string): DoctorLine => ({ check, status: 'warn', detail: 'not checked: the egress IP is unknown', fix: 'fix the egress ip line first' });
  const rdns = ip ? await reverseDnsCheck(ip, dns) : { line: skipped('reverse dns'), names: [] };
  lines.push(rdns.line);
  lines.push(await heloCheck(env, ip, rdns.names, dns));
  const fromEmail = env.verifier.FROM_EMAIL ?? (env.verifier.HELO_NAME ? `verify@${env.verifier.HELO_NAME}` : undefined);
  const fromDomain = fromEmail?.split('@').pop()?.toLowerCase();
  if (!fromDomain) {
    lines.push({ check: 'from domain mx', status: 'warn', detail: 'FROM_EMAIL and HELO_NAME are unset: MAIL FROM would be at the host name', fix: 'set FROM_EMAIL to an address at a domain you control' });
  } else {
    lines.push(await fromDomainMxCheck(fromDomain, dns));
    lines.push(await spfCheck(fromDomain, ip, dns));
  }
  const zones = opts.dnsbls ?? env.doctor.DNSBL_ZONES;
  if (ip) lines.push(...(await Promise.all(zones.map((z) => dnsblCheck(ip, z, dns)))));
  else if (zones.length > 0) lines.push(skipped('blocklists'));
  return lines;
}

export function formatDoctor(lines: DoctorLine[]): string {
  const width = Math.max(...lines.map((l) => l.check.length));
  return lines
    .map((l) => `${l.status.padEnd(4)}  ${l.check.padEnd(width)}  ${l.detail}${l.fix && l.status !== 'ok' ? `\n${' '.repeat(6 + width + 2)}→ ${l.fix}` : ''}`)
    .join('\n');
}

export async function runDoctor(argv: string[], io: { env: Record<string, string | undefined>; stdout: (s: string) => void }): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'smtp-host': { type: 'string' }, dnsbl: { type: 'string', multiple: true }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  let dnsbls: string[] | undefined;
  let lines: DoctorLine[];
  try {
    if (values.dnsbl) dnsbls = doctorEnv.DNSBL_ZONES.parse(values.dnsbl.join(','), '--dnsbl');
    if (values['smtp-host'] !== undefined) parseHostPort(values['smtp-host'], '--smtp-host', 25);
    lines = await runDoctorChecks({ env: io.env, smtpHost: values['smtp-host'], dnsbls });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  io.stdout(values.json ? `${JSON.stringify(lines)}\n` : `${formatDoctor(lines)}\n`);
  return lines.some((l) => l.status === 'fail') ? 1 : 0;
}
