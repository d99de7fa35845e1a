/**
 * @module throttle/egress-ip
 * The public address this machine's SMTP sessions leave from. Fly gives no variable for
 * it, so: `EGRESS_IP` when set, else ask the edge (`GET EDGE_URL/v1/whoami`, which answers
 * the caller's address as Cloudflare sees it), retrying with backoff until it answers.
 * The throttles key on it, so a machine does no SMTP before it is known.
 */
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { ConfigError } from '../../../shared/config.ts';

export interface EgressIpOptions {
  egressIp?: string;
  edgeUrl?: string;
  machineToken?: string;
  /** SMTP through a SOCKS5 proxy leaves from the proxy's address, which whoami cannot see. */
  proxyUrl?: string;
  log: Logger;
  /** Stops the retries (machine shutting down). */
  signal?: AbortSignal;
  /** First retry delay; doubles up to maxDelayMs. Defaults 1 s and 30 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** One request's timeout. Default 10 s. */
  requestTimeoutMs?: number;
}

export function normalizeIp(raw: string): string | null {
  const ip = raw.trim().replace(/^\[|\]$/g, '');
  return isIP(ip) ? ip.toLowerCase() : null;
}

/** One whoami round trip: the address, or an Error saying what went wrong. */
export async function askWhoami(edgeUrl: string, token: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  const url = new URL('/v1/whoami', edgeUrl.endsWith('/') ? edgeUrl : `${edgeUrl}/`);
  const timeout = AbortSignal.timeout(timeoutMs);
  const res = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url.href} answered ${res.status}: ${text.slice(0, 200)}`);
  let ip: string | null = null;
  try {
    const body = JSON.parse(text) as { ip?: unknown };
    ip = typeof body.ip === 'string' ? normalizeIp(body.ip) : null;
  } catch {
    // handled below
  }
  if (!ip) throw new Error(`${url.href} answered without an IP address: ${text.slice(0, 200)}`);
  return ip;
}

export async function resolveEgressIp(opts: EgressIpOptions): Promise<string> {
  if (opts.egressIp) {
    const ip = normalizeIp(opts.egressIp);
    if (!ip) throw new ConfigError(`EGRESS_IP must be an IPv4 or IPv6 address, got "${opts.egressIp}"`);
    return ip;
  }
  if (opts.proxyUrl) {
    throw new ConfigError("PROXY_URL is set: SMTP leaves from the proxy's address, so set EGRESS_IP to it (the edge would only see this machine's own address)");
  }
  if (!opts.edgeUrl) {
    throw new ConfigError('the egress IP is unknown: set EGRESS_IP, or EDGE_URL (and MACHINE_TOKEN) so the machine can ask the edge');
  }
  let delay = opts.baseDelayMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      const ip = await askWhoami(opts.edgeUrl, opts.machineToken, opts.requestTimeoutMs ?? 10_000, opts.signal);
      opts.log.info({ egressIp: ip, attempt }, 'egress IP learned from the edge');
      return ip;
    } catch (err) {
      if (opts.signal?.aborted) throw new Error('stopped before the egress IP was known');
      opts.log.warn({ err: (err as Error).message, attempt, retryInMs: delay }, 'egress IP not known yet; no SMTP until it is');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, opts.maxDelayMs ?? 30_000);
    }
  }
}
