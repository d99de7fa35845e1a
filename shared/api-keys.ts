/**
 * @module api-keys
 * API keys: how one is made, hashed and stored. KV holds only `apikey:<sha256 hex>` → record,
 * never the key itself, so a leaked KV dump grants nothing. Web-standard crypto only (edge and CLI).
 */
import { z } from 'zod';

/** Same charset as the tenant ids in NATS messages (shared/messages.ts). */
const TENANT = /^[A-Za-z0-9_-]+$/;

export const ApiKeyRecord = z.object({
  tenant: z.string().min(1).max(128).regex(TENANT, 'tenant ids are [A-Za-z0-9_-]'),
  name: z.string().min(1).max(200),
  /** Requests per minute: at most this many in any 60 seconds (a sliding window, kept in the key's Durable Object storage). */
  rate_per_minute: z.number().int().min(1),
  /** Requests per UTC day; null: no daily quota. */
  daily_quota: z.number().int().min(1).nullable(),
  disabled: z.boolean(),
  /** An operator's key: may read what concerns the deployment, not a tenant (`/v1/status` under STATUS_ACCESS=operator). */
  operator: z.boolean().optional(),
  created_at: z.iso.datetime(),
});
export type ApiKeyRecord = z.infer<typeof ApiKeyRecord>;

export const API_KEY_PREFIX = 'ek_';

function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** A new key: `ek_` + 32 random bytes, base64url (43 characters). Shown to its owner once. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Hex SHA-256 of the key: what KV and the rate limiter know a key by. */
export async function hashApiKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  let hex = '';
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, '0');
  return hex;
}

export const apiKeyKvKey = (hash: string): string => `apikey:${hash}`;
