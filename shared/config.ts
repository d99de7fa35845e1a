/**
 * @module config
 * The one table of environment variables: name, type, default, meaning. Every
 * process reads its settings through `readEnv`, and the README's table is printed
 * from the same entries (`npm run env:table`), so code and docs cannot drift.
 */

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

export const env = {
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
  SMTP_MAX_MX: env.int(3, 'How many MX hosts a check tries when connections fail.', { min: 1, max: 20 }),
  FROM_EMAIL: env.string(undefined, 'Reverse path of MAIL FROM. Use an address at a domain you control.', {
    flag: '--from-email',
    defaultDoc: 'verify@ + HELO_NAME',
  }),
  HELO_NAME: env.string(undefined, 'Our own FQDN for EHLO/HELO; should match the egress IP\'s reverse DNS. Never a provider\'s name.', {
    flag: '--hello-name',
    defaultDoc: 'the host name',
  }),
  PROXY_URL: env.string(undefined, 'SOCKS5 proxy for SMTP: `socks5://[user:pass@]host:port`.', { flag: '--proxy', pattern: /^socks5h?:\/\// }),
  ALLOW_PRIVATE_MX: env.bool(false, 'Allow MX hosts on private, loopback, link-local or multicast addresses (local test harnesses only).', {
    flag: '--allow-private-mx',
  }),
  CATCH_ALL_PROBE: env.bool(true, 'Probe a random address at the domain to detect catch-all servers (provider rules may still skip it).'),
  EGRESS_IP: env.string(undefined, 'Public IP our SMTP connections leave from; recorded in results and keys the throttles.'),
} satisfies EnvSpec;

export type VerifierEnv = EnvValues<typeof verifierEnv>;

/** Settings of a machine process (`emailcheck machine`), on top of the verifier's. */
export const machineEnv = {
  NATS_URL: env.string('nats://127.0.0.1:4222', 'NATS server(s) with JetStream, comma-separated.'),
  DATABASE_URL: env.string(undefined, 'Postgres URL (postgres.js). Unset: embedded PGlite in PGLITE_DIR.'),
  PGLITE_DIR: env.string('.data/pglite', 'Data folder of the embedded PGlite database when DATABASE_URL is unset (`memory://` keeps nothing).'),
  MACHINE_ID: env.string(undefined, 'Name of this machine in heartbeats and logs.', { defaultDoc: 'host name + pid', pattern: /^[A-Za-z0-9_-]{1,64}$/ }),
  CONCURRENCY: env.int(5, 'Checks in flight on this machine at once.', { min: 1, max: 1000 }),
  HTTP_PORT: env.int(9464, 'Port of /healthz and /metrics (Prometheus); 0 turns it off.', { min: 0, max: 65535 }),
  MAX_DELIVER: env.int(5, 'Deliveries of a check message before a temporary outcome is stored as final `unknown`.', { min: 1, max: 100 }),
  RETRY_DELAY_MS: env.int(60_000, 'Delay before the first retry of a temporary outcome (greylisting, 4xx); doubles each time.', { min: 0 }),
  ACK_WAIT_MS: env.int(60_000, 'JetStream ack wait; a machine that dies holding a message gives it back after this.', { min: 1000 }),
  WEBHOOK_MAX_ATTEMPTS: env.int(8, 'Attempts to deliver a job\'s webhook (exponential backoff from 1 s).', { min: 1, max: 50 }),
  ALLOW_PRIVATE_WEBHOOKS: env.bool(false, 'Let job webhooks go to private, loopback or link-local addresses (local setups and tests only).'),
  SHUTDOWN_GRACE_MS: env.int(20_000, 'On SIGTERM: how long in-flight checks may finish before they are handed back (nak).', { min: 0 }),
  LOG_LEVEL: env.string('info', 'pino log level: fatal, error, warn, info, debug, trace, silent.', { pattern: /^(fatal|error|warn|info|debug|trace|silent)$/ }),
} satisfies EnvSpec;

export type MachineEnv = EnvValues<typeof machineEnv>;

/** All tables, for the README. */
export const ENV_TABLES: Record<string, EnvSpec> = { verifier: verifierEnv, machine: machineEnv };

export function renderEnvTable(spec: EnvSpec): string {
  const rows = Object.entries(spec).map(([name, v]) => {
    const def = v.defaultDoc ?? (v.default === undefined ? '(unset)' : Array.isArray(v.default) ? v.default.join(',') || '(empty)' : String(v.default));
    return `| \`${name}\` | ${v.flag ? `\`${v.flag}\`` : ''} | ${v.kind} | ${def} | ${v.description} |`;
  });
  return ['| variable | CLI flag | type | default | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
