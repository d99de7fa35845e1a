/**
 * @module work/webhook
 * Job-finished webhooks: JSON body, signed with its timestamp (shared/webhook-signature.ts:
 * `Emailcheck-Signature: t=<unix>,v1=<hex>`, signed afresh for each attempt), retried with
 * exponential backoff on network errors, 408, 429 and 5xx. The URL is user input, so by default
 * it may not resolve to a private, loopback or link-local address (checked on the address
 * actually dialled). A private literal address cannot change, so its refusal is final at once
 * (`permanent`); a name that resolves privately stops the round and is tried again later.
 */
import { randomUUID } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { signWebhook, WEBHOOK_DELIVERY_HEADER, WEBHOOK_SIGNATURE_HEADER } from '../../../shared/webhook-signature.ts';
import { isPublicAddress } from '../verify/address-ranges.ts';

export const SIGNATURE_HEADER = WEBHOOK_SIGNATURE_HEADER;

export interface WebhookOptions {
  maxAttempts: number;
  /** First backoff; doubles each attempt. */
  baseDelayMs?: number;
  timeoutMs?: number;
  allowPrivate?: boolean;
  signal?: AbortSignal;
  /** `Emailcheck-Delivery`: the same for every attempt and round of one job's webhook (default: random). */
  deliveryId?: string;
}

export interface WebhookDelivery {
  delivered: boolean;
  attempts: number;
  status?: number;
  error?: string;
  /** Not delivered, and no later attempt can succeed (private target, unsupported scheme): give up. */
  permanent?: boolean;
}

/** `literal`: the URL itself names a private address, which no later attempt can change (a name's DNS can). */
const privateTarget = (message: string, literal: boolean) => Object.assign(new Error(message), { code: 'EPRIVATE', literal });

const guardedLookup =
  (allowPrivate: boolean): LookupFunction =>
  (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return (callback as (e: Error | null, a: LookupAddress[]) => void)(err, []);
      const usable = allowPrivate ? addresses : addresses.filter((a) => isPublicAddress(a.address));
      if (usable.length === 0) {
        const e = privateTarget(`webhook host ${hostname} resolves only to private addresses`, false);
        return (callback as (e: Error | null, a: LookupAddress[]) => void)(e, []);
      }
      if ((options as { all?: boolean }).all) return (callback as (e: null, a: LookupAddress[]) => void)(null, usable);
      callback(null, usable[0]!.address, usable[0]!.family);
    });
  };

function postOnce(url: URL, body: string, headers: Record<string, string>, opts: WebhookOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    if (!opts.allowPrivate && /^\[?[0-9a-f:.]+\]?$/i.test(url.hostname) && !isPublicAddress(url.hostname.replace(/^\[|\]$/g, ''))) {
      reject(privateTarget(`webhook address ${url.hostname} is private`, true));
      return;
    }
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() },
        timeout: opts.timeoutMs ?? 10_000,
        lookup: guardedLookup(opts.allowPrivate ?? false),
        signal: opts.signal,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('webhook timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

export async function deliverWebhook(target: { url: string; secret: string }, payload: unknown, opts: WebhookOptions): Promise<WebhookDelivery> {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return { delivered: false, attempts: 0, error: 'the webhook URL cannot be parsed', permanent: true };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { delivered: false, attempts: 0, error: `unsupported scheme ${url.protocol}`, permanent: true };
  const body = JSON.stringify(payload);
  const deliveryId = opts.deliveryId ?? randomUUID();
  let last: WebhookDelivery = { delivered: false, attempts: 0 };
  for (let attempt = 1; attempt <= opts.maxAttempts; attempt++) {
    // Signed per attempt: a retry minutes later must still be within the receiver's tolerance.
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'emailcheck-webhook/1',
      [WEBHOOK_DELIVERY_HEADER]: deliveryId,
      [WEBHOOK_SIGNATURE_HEADER]: await signWebhook(body, target.secret),
    };
    try {
      const status = await postOnce(url, body, headers, opts);
      if (status >= 200 && status < 300) return { delivered: true, attempts: attempt, status };
      last = { delivered: false, attempts: attempt, status, error: `HTTP ${status}` };
      if (!retryable(status)) return last;
    } catch (err) {
      last = { delivered: false, attempts: attempt, error: (err as Error).message };
      // No point in another attempt this round; a private literal address not in any round either.
      const e = err as { code?: string; literal?: boolean };
      if (e.code === 'EPRIVATE') return e.literal ? { ...last, permanent: true } : last;
      if (opts.signal?.aborted) return last;
    }
    if (attempt < opts.maxAttempts) {
      await new Promise((r) => setTimeout(r, (opts.baseDelayMs ?? 1000) * 2 ** (attempt - 1)));
    }
  }
  return last;
}
