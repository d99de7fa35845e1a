/**
 * @module verify/options
 * Node-side defaults of the verifier's settings: the env table (shared/config.ts)
 * turned into VerifyOptions, with run-time defaults (resolv.conf servers, host name).
 */
import { Resolver } from 'node:dns';
import { hostname } from 'node:os';
import { readEnv, verifierEnv, type VerifierEnv } from '../../../shared/config.ts';
import { createMemoryCatchAllStore } from './catch-all.ts';
import { createMxCache } from './mx-cache.ts';
import type { VerifyOptions } from './types.ts';

/** The nameservers of /etc/resolv.conf, as `host:port`; used explicitly, never through getaddrinfo. */
export function systemNameservers(): string[] {
  return new Resolver().getServers().map((s) => (/^\[|^[^:]+:\d+$/.test(s) ? s : s.includes(':') ? `[${s}]:53` : `${s}:53`));
}

export function verifyOptionsFrom(values: VerifierEnv): VerifyOptions {
  const helloName = values.HELO_NAME ?? hostname();
  return {
    dnsServers: values.DNS_SERVERS.length > 0 ? values.DNS_SERVERS : systemNameservers(),
    dnsTimeoutMs: values.DNS_TIMEOUT_MS,
    smtpPort: values.SMTP_PORT,
    smtpTimeoutMs: values.SMTP_TIMEOUT * 1000,
    deadlineMs: values.CHECK_DEADLINE * 1000,
    maxMxAddresses: values.SMTP_MAX_MX,
    fromEmail: values.FROM_EMAIL ?? `verify@${helloName}`,
    helloName,
    proxyUrl: values.PROXY_URL,
    starttls: values.STARTTLS,
    allowPrivateMx: values.ALLOW_PRIVATE_MX,
    allowMxRanges: values.ALLOW_MX_RANGES,
    catchAllProbe: values.CATCH_ALL_PROBE,
    egressIp: values.EGRESS_IP,
    mxCache: values.MX_CACHE_TTL > 0 ? createMxCache({ ttlMs: values.MX_CACHE_TTL * 1000 }) : undefined,
    // In-process; a machine replaces it with the cluster-wide KV store.
    catchAll: values.CATCH_ALL_TTL > 0 ? createMemoryCatchAllStore({ ttlMs: values.CATCH_ALL_TTL * 1000 }) : undefined,
    catchAllTtlMs: values.CATCH_ALL_TTL * 1000,
    groupSessions: values.GROUP_SESSIONS,
  };
}

export const verifyOptionsFromEnv = (source: Record<string, string | undefined> = process.env): VerifyOptions =>
  verifyOptionsFrom(readEnv(verifierEnv, source));
