/**
 * @module throttle/egress-ip
 * The public address this machine's SMTP sessions leave from. Fly gives no variable for
 * it, so: `EGRESS_IP` when set, else ask the edge (`GET EDGE_URL/v1/whoami`, which answers
 * the caller's address as Cloudflare sees it), retrying with backoff until it answers.
 * The throttles key on it, so a machine does no SMTP before it is known.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
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

/** A GET over node:http(s), so the address family can be chosen (fetch cannot). */
function httpGet(url: URL, opts: { family: 0 | 4; headers: Record<string, string>; timeoutMs: number; signal?: AbortSignal }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'GET', family: opts.family, headers: opts.headers, timeout: opts.timeoutMs, signal: opts.signal }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (text.length < 64 * 1024) text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url.href} did not answer in ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * One whoami round trip: the address, or an Error saying what went wrong. Over IPv4 first:
 * SMTP to most MX hosts leaves over IPv4, and machines sharing an IP must all key their
 * throttles on the same address, not some on the IPv6 one. IPv6 only when IPv4 cannot connect.
 */
export async function askWhoami(edgeUrl: string, token: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  const url = new URL('/v1/whoami', edgeUrl.endsWith('/') ? edgeUrl : `${edgeUrl}/`);
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  let res: { status: number; text: string };
  try {
    res = await httpGet(url, { family: 4, headers, timeoutMs, signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    res = await httpGet(url, { family: 0, headers, timeoutMs, signal });
  }
  const { status, text } = res;
  if (status < 200 || status > 299) throw new Error(`${url.href} answered ${status}: ${text.slice(0, 200)}`);
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
