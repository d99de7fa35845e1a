/**
 * @module config
 * The one table of environment variables: name, type, default, meaning. Every
 * process reads its settings through `readEnv`, and the README's table is printed
 * from the same entries (`npm run env:table`), so code and docs cannot drift.
 */
import { parseCidr, type CidrRange } from './ip-address.ts';
import { RETRY_REASONS, type RetryReason } from './wait-reasons.ts';

export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Parse<T> = (raw: string, name: string) => T;

export interface EnvVar<T> {
  kind: 'string' | 'int' | 'bool' | 'list' | 'url';
  default: T;
  /** How the default reads in docs when it is computed at run time. */
  defaultDoc?: string;
  description: string;
  /** The CLI flag that sets the same thing, if any. */
  flag?: string;
  parse: Parse<T>;
}

const intVar =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (raw: string, name: string): number => {
    if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
    const n = Number(raw.trim());
    if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
    return n;
  };

export function parseBool(raw: string, name: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  throw new ConfigError(`${name} must be 1/0, true/false, yes/no or on/off, got "${raw}"`);
}

/** A `host:port` pair; IPv6 hosts in brackets (`[::1]:53`). Port defaults to `defaultPort`. */
export function parseHostPort(raw: string, name: string, defaultPort: number): string {
  const s = raw.trim();
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+))(?::(\d{1,5}))?$/.exec(s);
  if (!m) throw new ConfigError(`${name}: "${raw}" is not host:port`);
  const host = m[1] ?? m[2]!;
  const port = m[3] ? Number(m[3]) : defaultPort;
  if (port < 1 || port > 65535) throw new ConfigError(`${name}: port ${port} is out of range`);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** How our SMTP client uses STARTTLS (see STARTTLS below). */
export const STARTTLS_MODES = ['opportunistic', 'off'] as const;
export type StartTlsMode = (typeof STARTTLS_MODES)[number];

export const env = {
  cidrList(description: string, opts: { flag?: string } = {}): EnvVar<CidrRange[]> {
    return {
      kind: 'list',
      default: [],
      description,
      flag: opts.flag,
      parse: (raw, name) =>
        raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map((s) => {
            const range = parseCidr(s);
            if (!range) throw new ConfigError(`${name}: "${s}" is not a CIDR range (e.g. 10.20.0.0/16 or fd00:25::/64, host bits zero)`);
            return range;
          }),
    };
  },
  int(def: number, description: string, opts: { min?: number; max?: number; flag?: string } = {}): EnvVar<number> {
    return { kind: 'int', default: def, description, flag: opts.flag, parse: intVar(opts.min ?? 0, opts.max) };
  },
  bool(def: boolean, description: string, opts: { flag?: string } = {}): EnvVar<boolean> {
    return { kind: 'bool', default: def, description, flag: opts.flag, parse: parseBool };
  },
  string<T extends string | undefined>(def: T, description: string, opts: { flag?: string; defaultDoc?: string; pattern?: RegExp } = {}): EnvVar<string | T> {
    return {
      kind: 'string',
      default: def,
      description,
      flag: opts.flag,
      defaultDoc: opts.defaultDoc,
      parse: (raw, name) => {
        const v = raw.trim();
        if (opts.pattern && !opts.pattern.test(v)) throw new ConfigError(`${name}: "${raw}" is not valid`);
        return v;
      },
    };
  },
  /** One of `values` (case-insensitive), typed as their union. */
  choice<const T extends readonly [string, ...string[]]>(values: T, def: T[number], description: string, opts: { flag?: string } = {}): EnvVar<T[number]> {
    return {
      kind: 'string',
      default: def,
      description,
      flag: opts.flag,
      parse: (raw, name) => {
        const v = raw.trim().toLowerCase();
        if (!(values as readonly string[]).includes(v)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
        return v as T[number];
      },
    };
  },
  hostPortList(def: string[], defaultPort: number, description: string, opts: { flag?: string; defaultDoc?: string } = {}): EnvVar<string[]> {
    return {
      kind: 'list',
      default: def,
      description,
      flag: opts.flag,
      defaultDoc: opts.defaultDoc,
      parse: (raw, name) =>
        raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map((s) => parseHostPort(s, name, defaultPort)),
    };
  },
};

export type EnvSpec = Record<string, EnvVar<unknown>>;
export type EnvValues<S extends EnvSpec> = { [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never };

/** Reads every variable of `spec` from `source`; empty strings count as unset. Throws ConfigError with a one-line message. */
export function readEnv<S extends EnvSpec>(spec: S, source: Record<string, string | undefined>): EnvValues<S> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(spec)) {
    const raw = source[name];
    out[name] = raw === undefined || raw.trim() === '' ? v.default : v.parse(raw, name);
  }
  return out as EnvValues<S>;
}

/** Settings of the verifier, shared by the CLI and the machines. */
export const verifierEnv = {
  DNS_SERVERS: env.hostPortList([], 53, 'DNS resolvers used for every lookup of a check (MX, A, AAAA), comma-separated `host:port`. Never falls back to getaddrinfo.', {
    flag: '--dns-server',
    defaultDoc: 'the nameservers in /etc/resolv.conf',
  }),
  DNS_TIMEOUT_MS: env.int(5000, 'Timeout of one DNS query, in milliseconds (two tries per server).', { min: 100 }),
  MX_CACHE_TTL: env.int(300, 'Seconds a definitive MX answer for a domain is reused by later checks (SERVFAIL/timeouts never are; NXDOMAIN at most 60 s); 0 turns the cache off.', { min: 0, max: 86_400 }),
  SMTP_PORT: env.int(25, 'TCP port of the MX hosts.', { min: 1, max: 65535, flag: '--smtp-port' }),
  SMTP_TIMEOUT: env.int(10, 'Timeout of each SMTP step (connect, banner, each reply), in seconds.', { min: 1, max: 600, flag: '--smtp-timeout' }),
  CHECK_DEADLINE: env.int(45, 'Deadline of one whole check (DNS and every MX tried), in seconds.', { min: 1, max: 3600 }),
  SMTP_MAX_MX: env.int(5, 'How many MX *addresses* a check tries when connections fail or are turned away before MAIL FROM, over all MX hosts in preference order (as Postfix smtp_mx_address_limit, Exim hosts_max_try). MX names that do not resolve cost nothing. All tried and more left: `mx_limit_reached`.', { min: 1, max: 20 }),
  FROM_EMAIL: env.string(undefined, 'Reverse path of MAIL FROM. Use an address at a domain you control.', {
    flag: '--from-email',
    defaultDoc: 'verify@ + HELO_NAME',
  }),
  HELO_NAME: env.string(undefined, 'Our own FQDN for EHLO/HELO; should match the egress IP\'s reverse DNS. Never a provider\'s name.', {
    flag: '--hello-name',
    defaultDoc: 'the host name',
  }),
  STARTTLS: env.choice(
    STARTTLS_MODES,
    'opportunistic',
    '`opportunistic`: when EHLO offers STARTTLS, upgrade to TLS and EHLO again (RFC 3207), without checking the MX certificate, as Postfix `smtp_tls_security_level = may`; a failed handshake is retried once in plaintext on the same address. `off`: never (servers that require TLS then answer `tls_required`).',
  ),
  PROXY_URL: env.string(undefined, 'SOCKS5 proxy for SMTP: `socks5://[user:pass@]host:port`.', { flag: '--proxy', pattern: /^socks5h?:\/\// }),
  ALLOW_PRIVATE_MX: env.bool(false, 'Allow MX hosts on any address that is not public (private, loopback, link-local, documentation, multicast): local test harnesses only. ALLOW_MX_RANGES allows chosen ranges instead.', {
    flag: '--allow-private-mx',
  }),
  ALLOW_MX_RANGES: env.cidrList(
    'MX addresses in these ranges are connected to although they are not public, comma-separated CIDR (e.g. an internal relay at `10.20.0.0/16`, a lab at `fd00:25::/64`); every other non-public address stays refused.',
    { flag: '--allow-mx-range' },
  ),
  CATCH_ALL_PROBE: env.bool(true, 'Probe a random address at the domain to detect catch-all servers (provider rules may still skip it).'),
  CATCH_ALL_TTL: env.int(21_600, 'Seconds a domain\'s catch-all probe answer is reused by every later check of the domain (machines share it cluster-wide in JetStream KV); 0: probe every check.', { min: 0, max: 7 * 86_400 }),
  GROUP_SESSIONS: env.bool(true, 'Check the addresses of one domain in one SMTP session (one EHLO and MAIL FROM, a RCPT each, caps per session from rules.json); 0: one session per address.'),
  EGRESS_IP: env.string(undefined, 'Public IP our SMTP connections leave from; recorded in results and keys the throttles.'),
} satisfies EnvSpec;

export type VerifierEnv = EnvValues<typeof verifierEnv>;

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** `300ms`, `30s`, `5m`, `2h` (a bare number is milliseconds). */
export function parseDuration(raw: string, name: string): number {
  const m = /^(\d+)\s*(ms|s|m|min|h)?$/.exec(raw.trim());
  if (!m) throw new ConfigError(`${name}: "${raw}" is not a duration such as 300ms, 30s, 5m or 2h`);
  return Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']!;
}

export type RetrySchedules = Record<RetryReason, number[]>;

/** `reason=delay,...;...` merged over `defaults` reason by reason. */
function retryScheduleVar(defaults: string, description: string): EnvVar<RetrySchedules> {
  const parse = (raw: string, name: string): RetrySchedules => {
    const out: Partial<RetrySchedules> = {};
    for (const part of [defaults, raw].join(';').split(';')) {
      if (!part.trim()) continue;
      const m = /^\s*([a-z]+)\s*=\s*(.*)$/.exec(part);
      const reason = m?.[1] as keyof RetrySchedules | undefined;
      if (!m || !reason || !(RETRY_REASONS as readonly string[]).includes(reason)) {
        throw new ConfigError(`${name}: "${part.trim()}" is not reason=delay,... with reason one of ${RETRY_REASONS.join(', ')}`);
      }
      out[reason] = m[2]!.trim() === '' ? [] : m[2]!.split(',').map((d) => parseDuration(d, `${name} (${reason})`));
    }
    return out as RetrySchedules;
  };
  return { kind: 'list', default: parse('', 'default'), defaultDoc: defaults, description, parse };
}

/** Settings of a machine process (`emailcheck machine`), on top of the verifier's. */
export const machineEnv = {
  NATS_URL: env.string('nats://127.0.0.1:4222', 'NATS server(s) with JetStream, comma-separated.'),
  NATS_TOKEN: env.string(undefined, 'NATS auth token (secret), if the server wants one.'),
  NATS_USER: env.string(undefined, 'NATS user name (secret), with NATS_PASS.'),
  NATS_PASS: env.string(undefined, 'NATS password (secret), with NATS_USER.'),
  NATS_REPLICAS: env.int(1, 'Replicas of every JetStream stream and KV bucket the machines create: 1 for one server, 3 for a 3-node cluster. Existing ones are scaled to it at start (a cluster is needed above 1).', { min: 1, max: 5 }),
  DATABASE_URL: env.string(undefined, 'Postgres URL (postgres.js). Unset: embedded PGlite in PGLITE_DIR.'),
  PGLITE_DIR: env.string('.data/pglite', 'Data folder of the embedded PGlite database when DATABASE_URL is unset (`memory://` keeps nothing).'),
  PGLITE_SHARED_BUFFERS_MB: env.int(16, 'shared_buffers of the embedded PGlite, in MB (Postgres\'s default is 128 MB); with its other memory settings sized for one process on a laptop.', { min: 1, max: 1024 }),
  MACHINE_ID: env.string(undefined, 'Name of this machine in heartbeats and logs.', { defaultDoc: 'host name + pid', pattern: /^[A-Za-z0-9_-]{1,64}$/ }),
  CONCURRENCY: env.int(5, 'Checks in flight on this machine at once.', { min: 1, max: 1000 }),
  GROUP_FETCH: env.int(100, 'Bulk messages a machine fetches at once when GROUP_SESSIONS is on; the same-domain ones of a fetch share one SMTP session (each still acked alone).', { min: 1, max: 1000 }),
  HTTP_PORT: env.int(9464, 'Port of /healthz and /metrics (Prometheus); 0 turns it off.', { min: 0, max: 65535 }),
  MAX_DELIVER: env.int(5, 'Deliveries of a check message held back by an open breaker before it is stored as `blocked_by_policy` instead of waiting again (a hold by rate limits never ends a check).', { min: 1, max: 100 }),
  RETRY_SCHEDULE: retryScheduleVar(
    'greylisted=6m,12m,30m,1h;unreachable=30m,2h,6h;timeout=5m,30m,2h;other=1m,5m,15m,1h',
    'Delays between the tries of an address whose outcome was temporary, per wait reason (`greylisted`, `unreachable`: no MX host accepted a connection, `timeout`, `other` 4xx/DNS failures), `reason=delay,delay,...` entries separated by `;` (units ms, s, m, h) replacing the defaults one by one; one try more than delays, then the outcome is stored as final `unknown`; `reason=` retries never.',
  ),
  RETRY_NAK_MAX_MS: env.int(5000, 'Waits up to this (milliseconds) are handed back to JetStream with nak(delay) and keep their slot of the consumer\'s max_ack_pending; longer ones (and any past RETRY_NAK_MAX_PENDING) leave the queue for the RETRY stream and are released when due.', { min: 0 }),
  RETRY_NAK_MAX_PENDING: env.int(20, 'Most short nak(delay) waits one machine keeps outstanding at once; more go through the RETRY stream, so held items never fill max_ack_pending.', { min: 0 }),
  ACK_WAIT_MS: env.int(60_000, 'JetStream ack wait; a machine that dies holding a message gives it back after this.', { min: 1000 }),
  WEBHOOK_MAX_ATTEMPTS: env.int(8, 'Attempts to deliver a job\'s webhook (exponential backoff from 1 s).', { min: 1, max: 50 }),
  WEBHOOK_RETRY_INTERVAL: env.int(300, 'Seconds before a webhook not delivered (every attempt failed, or its machine died) is tried again by any machine; given up 24 h after the job finished.', { min: 1, max: 86_400 }),
  ALLOW_PRIVATE_WEBHOOKS: env.bool(false, 'Let job webhooks go to private, loopback or link-local addresses (local setups and tests only).'),
  SHUTDOWN_GRACE_MS: env.int(20_000, 'On SIGTERM: how long in-flight checks may finish before they are handed back (nak).', { min: 0 }),
  LOG_LEVEL: env.string('info', 'pino log level: fatal, error, warn, info, debug, trace, silent.', { pattern: /^(fatal|error|warn|info|debug|trace|silent)$/ }),
} satisfies EnvSpec;

export type MachineEnv = EnvValues<typeof machineEnv>;

/** Settings of the edge Worker, from wrangler.toml `[vars]` and secrets (a plain record, read per isolate). */
export const edgeEnv = {
  NATS_URL: env.string('ws://127.0.0.1:4223', 'NATS WebSocket URL(s) the Worker connects to (`wss://` in production), comma-separated: every node of a cluster, or one name that reaches them all.', { pattern: /^wss?:\/\/[^\s,]+(?:\s*,\s*wss?:\/\/[^\s,]+)*$/ }),
  NATS_TOKEN: env.string(undefined, 'NATS auth token (secret), if the server wants one.'),
  NATS_USER: env.string(undefined, 'NATS user name (secret), with NATS_PASS.'),
  NATS_PASS: env.string(undefined, 'NATS password (secret), with NATS_USER.'),
  NATS_CONNECT_TIMEOUT_MS: env.int(2500, 'How long the Worker tries to reach NATS before answering 503 `nats_unavailable`.', { min: 100, max: 30_000 }),
  NATS_FAILOVER_MS: env.int(10_000, 'On a NATS cluster: how long a JetStream publish is retried while a stream elects a new leader (its old one died) before answering 503 `nats_unavailable`.', { min: 0, max: 60_000 }),
  NATS_HUB_SHARDS: env.int(4, 'Durable Objects (each one NATS connection) that requests are spread over.', { min: 1, max: 64 }),
  MACHINE_TOKEN: env.string(undefined, 'Secret bearer token machines use for `GET /v1/whoami`; unset: whoami answers 401.'),
  CHECK_WAIT_MS: env.int(10_000, 'How long `POST /v1/check` waits for a machine before answering 202 with an id to poll.', { min: 0, max: 120_000 }),
  CACHE_TTL_SAFE: env.int(604_800, 'Seconds a `safe` result stays in the KV cache (0: not cached; KV needs at least 60).', { min: 0 }),
  CACHE_TTL_RISKY: env.int(259_200, 'Seconds a `risky` result stays in the KV cache (0: not cached).', { min: 0 }),
  CACHE_TTL_INVALID: env.int(604_800, 'Seconds an `invalid` result stays in the KV cache (0: not cached). `unknown` is never cached.', { min: 0 }),
  KEY_CACHE_SECONDS: env.int(30, 'Seconds a Worker isolate reuses an API key record read from KV (disabling a key takes effect within this, plus KV propagation).', { min: 0, max: 3600 }),
  RESULT_CACHE_SCOPE: env.string('tenant', 'Whose checks a cached result answers: `tenant` (each tenant its own cache) or `shared` (one cache for all tenants: saves SMTP sessions, but a hit tells a tenant that someone else checked the address, when, and what the server replied).', {
    pattern: /^(tenant|shared)$/,
  }) as EnvVar<'tenant' | 'shared'>,
  STATUS_ACCESS: env.string('any', 'Who may read `GET /v1/status` (machine ids, versions, egress IPs): `any` API key, or only `operator` keys (`emailcheck keys create --operator`); others get 403.', {
    pattern: /^(any|operator)$/,
  }) as EnvVar<'any' | 'operator'>,
  MAX_BULK_EMAILS: env.int(100_000, 'Most addresses in one bulk job (more: 413).', { min: 1 }),
  MAX_BODY_BYTES: env.int(10_485_760, 'Largest request body accepted, in bytes (more: 413).', { min: 1024 }),
} satisfies EnvSpec;

export type EdgeEnv = EnvValues<typeof edgeEnv>;

/** Settings of the local whole stack (`npm start` = `emailcheck dev`) and `emailcheck keys create --local`. */
export const devEnv = {
  PORT: env.int(8787, 'Port of the Worker under wrangler dev, on 127.0.0.1.', { min: 1, max: 65535 }),
  DEV_API_KEY: env.string(undefined, 'API key the dev stack stores in its local KV and prints.', {
    defaultDoc: 'generated once, kept in DEV_DATA_DIR',
    pattern: /^[\x21-\x7e]{16,256}$/,
  }),
  DEV_DATA_DIR: env.string('.data/dev', 'Folder (from the working directory) of the dev stack\'s state, kept across runs: nats-server store, PGlite, the Worker\'s local KV and Durable Objects, the generated dev key.'),
} satisfies EnvSpec;

export type DevEnv = EnvValues<typeof devEnv>;

/** A rate limit: `limit` events per `periodMs`. */
export interface Rate {
  limit: number;
  periodMs: number;
}

const RATE_UNITS: Record<string, number> = { s: 1000, sec: 1000, min: 60_000, h: 3_600_000, hour: 3_600_000, d: 86_400_000, day: 86_400_000 };

/** `60/min`, `20/s`, `500/h`, `1000/day`; `0` is no limit (null). */
export function parseRate(raw: string, name: string): Rate | null {
  const v = raw.trim();
  if (v === '0') return null;
  const m = /^(\d+)\s*\/\s*([a-z]+)$/.exec(v);
  const periodMs = m ? RATE_UNITS[m[2]!] : undefined;
  if (!m || periodMs === undefined) throw new ConfigError(`${name}: "${raw}" is not a rate such as 60/min, 20/s, 500/h or 0`);
  const limit = Number(m[1]);
  return limit === 0 ? null : { limit, periodMs };
}

/** `group=rate,...` entries merged over the defaults; `group=0` removes a default. */
/** A rate variable (`N/s`, `N/min`, `N/h`; `0` turns it off) with a typed default. */
function rateVar(limit: number, periodMs: number, defaultDoc: string, description: string): EnvVar<Rate | null> {
  return { kind: 'string', default: { limit, periodMs }, defaultDoc, description, parse: parseRate } satisfies EnvVar<Rate | null>;
}

function providerRatesVar(defaults: string, description: string): EnvVar<Record<string, Rate>> {
  const parse = (raw: string, name: string): Record<string, Rate> => {
    const out: Record<string, Rate> = {};
    for (const part of [defaults, raw].join(',').split(',')) {
      if (!part.trim()) continue;
      const m = /^\s*([a-z0-9][a-z0-9.-]*)\s*=\s*(.+)$/i.exec(part);
      if (!m) throw new ConfigError(`${name}: "${part.trim()}" is not group=rate (e.g. gmail=30/min)`);
      const rate = parseRate(m[2]!, `${name} (${m[1]})`);
      if (rate) out[m[1]!.toLowerCase()] = rate;
      else delete out[m[1]!.toLowerCase()];
    }
    return out;
  };
  return { kind: 'list', default: parse('', 'default'), defaultDoc: defaults, description, parse };
}

/** Throttles of a machine process: keyed by its egress IP and shared through the JetStream KV `throttle`. */
export const throttleEnv = {
  THROTTLE_IP_RATE: rateVar(60, 60_000, '60/min', 'SMTP sessions per egress IP, evenly spaced (no bursts at window edges), shared by every machine on the IP: `N/s`, `N/min`, `N/h`; `0` turns it off.'),
  THROTTLE_IP_DAILY: env.int(10_000, 'SMTP sessions per egress IP per UTC day (the count lives in KV, so restarts keep it); 0 turns it off.', { min: 0 }),
  THROTTLE_PROVIDER_RATES: providerRatesVar(
    'gmail=30/min,microsoft-consumer=20/min,microsoft365=30/min,yahoo=20/min,icloud=20/min,gmx=20/min,yandex=20/min,mailru=20/min',
    'SMTP sessions per egress IP per recipient provider (provider ids from rules.json; an MX domain such as `example.net` for others), comma-separated `group=rate`; entries replace the defaults one by one, `group=0` removes one.',
  ),
  THROTTLE_IP_RCPT_RATE: rateVar(
    120,
    60_000,
    '120/min',
    'RCPT commands per egress IP (what a receiving MTA counts besides sessions), shared by every machine on the IP; a session carrying k recipients takes k slots. Default: what Reacher spends at 60 checks/min × 2 RCPT. `0` turns it off.',
  ),
  THROTTLE_IP_RCPT_DAILY: env.int(20_000, 'RCPT commands per egress IP per UTC day (kept in KV with the session count); 0 turns it off.', { min: 0 }),
  THROTTLE_PROVIDER_RCPT_RATES: providerRatesVar(
    'gmail=60/min,microsoft-consumer=40/min,microsoft365=60/min,yahoo=40/min,icloud=40/min,gmx=40/min,yandex=40/min,mailru=40/min',
    'RCPT commands per egress IP per recipient provider (ids as in THROTTLE_PROVIDER_RATES), comma-separated `group=rate`; entries replace the defaults one by one, `group=0` removes one.',
  ),
  THROTTLE_MAX_WAIT_MS: env.int(15_000, 'Longest a check waits in place for a throttle slot (it counts against CHECK_DEADLINE); a longer wait hands the message back with nak(delay).', { min: 0 }),
  BREAKER_COOLDOWN: env.int(900, 'Seconds SMTP to a provider pauses on an egress IP after a policy rejection (blocklist, 5.7.x, rDNS); one probe is let through after it; 0 turns the breaker off.', { min: 0 }),
  EDGE_URL: env.string(undefined, 'Base URL of the edge Worker; when EGRESS_IP is unset the machine asks `EDGE_URL/v1/whoami` for its egress IP at start.', { pattern: /^https?:\/\// }),
  MACHINE_TOKEN: env.string(undefined, 'Bearer token for `GET /v1/whoami` (the same secret as the edge\'s MACHINE_TOKEN).'),
} satisfies EnvSpec;
export type ThrottleEnv = EnvValues<typeof throttleEnv>;

/** Settings of `emailcheck doctor`, on top of the verifier's and the throttles' (EDGE_URL, MACHINE_TOKEN). */
export const doctorEnv = {
  DNSBL_ZONES: {
    kind: 'list',
    default: ['zen.spamhaus.org', 'bl.spamcop.net', 'b.barracudacentral.org', 'psbl.surriel.com', 'bl.mailspike.net'],
    description: 'DNS blocklists `emailcheck doctor` looks the egress IP up in, comma-separated zones (asked through DNS_SERVERS).',
    flag: '--dnsbl',
    parse: (raw: string, name: string): string[] => {
      const zones = raw.split(',').map((z) => z.trim().toLowerCase().replace(/\.$/, '')).filter(Boolean);
      const bad = zones.find((z) => !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/.test(z));
      if (bad !== undefined) throw new ConfigError(`${name}: "${bad}" is not a DNS zone`);
      return zones;
    },
  } satisfies EnvVar<string[]>,
} satisfies EnvSpec;

export type DoctorEnv = EnvValues<typeof doctorEnv>;

/** All tables, for the README. */
export const ENV_TABLES: Record<string, EnvSpec> = { verifier: verifierEnv, machine: machineEnv, edge: edgeEnv, dev: devEnv, throttle: throttleEnv, doctor: doctorEnv };

export function renderEnvTable(spec: EnvSpec): string {
  const rows = Object.entries(spec).map(([name, v]) => {
    const def = v.defaultDoc ?? (v.default === undefined ? '(unset)' : Array.isArray(v.default) ? v.default.join(',') || '(empty)' : String(v.default));
    return `| \`${name}\` | ${v.flag ? `\`${v.flag}\`` : ''} | ${v.kind} | ${def} | ${v.description} |`;
  });
  return ['| variable | CLI flag | type | default | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
