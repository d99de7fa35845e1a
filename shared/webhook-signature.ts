/**
 * @module webhook-signature
 * How a job webhook is signed, and how a receiver checks it (Stripe's and Svix's scheme):
 * `Emailcheck-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the job's secret>`.
 * The timestamp is signed with the body, so a captured delivery cannot be replayed later: a
 * receiver refuses a `t` further than WEBHOOK_TOLERANCE_SECONDS from its clock. Each delivery of
 * a job carries the same `Emailcheck-Delivery` id (dedupe on it, or on `job_id`). Web Crypto only:
 * the machines sign with it and any receiver on Node, Deno, Bun or a Worker can verify with it.
 */

import { constantTimeEqual } from './constant-time.ts';

export const WEBHOOK_SIGNATURE_HEADER = 'emailcheck-signature';
export const WEBHOOK_DELIVERY_HEADER = 'emailcheck-delivery';
/** What a receiver should allow between `t` and its own clock (5 minutes, as Stripe). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text)));
  let hex = '';
  for (const b of mac) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** The header value for `body` sent at `timestampSeconds`. */
export async function signWebhook(body: string, secret: string, timestampSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
  return `t=${timestampSeconds},v1=${await hmacHex(secret, `${timestampSeconds}.${body}`)}`;
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'mismatch' | 'too_old' | 'in_future' };

/** What a receiver does: parse the header, recompute the HMAC over `t.body`, compare, check `t`. */
export async function verifyWebhookSignature(
  header: string | null | undefined,
  body: string,
  secret: string,
  opts: { toleranceSeconds?: number; nowSeconds?: number } = {},
): Promise<SignatureCheck> {
  const parts = new Map<string, string[]>();
  for (const item of (header ?? '').split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const k = item.slice(0, eq).trim();
    parts.set(k, [...(parts.get(k) ?? []), item.slice(eq + 1).trim()]);
  }
  const t = parts.get('t')?.[0];
  const signatures = parts.get('v1') ?? [];
  if (!t || !/^\d{1,12}$/.test(t) || signatures.length === 0) return { ok: false, reason: 'malformed' };
  const expected = await hmacHex(secret, `${t}.${body}`);
  if (!signatures.some((s) => constantTimeEqual(s, expected))) return { ok: false, reason: 'mismatch' };
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = opts.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  const ts = Number(t);
  if (now - ts > tolerance) return { ok: false, reason: 'too_old' };
  if (ts - now > tolerance) return { ok: false, reason: 'in_future' };
  return { ok: true, timestamp: ts };
}
