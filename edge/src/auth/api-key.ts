/**
 * @module auth/api-key
 * Tenant authentication: `Authorization: Bearer <key>`, looked up in KV `KEYS` by its SHA-256,
 * then the key's per-minute limit and daily quota in its KeyLimiter. Sets `tenant` and `caller`.
 *
 * KV is read by hash, never by the key, so the lookup time says nothing about the secret.
 * Records are kept in isolate memory for KEY_CACHE_SECONDS: KV itself is eventually consistent
 * (up to a minute), and a cached check must not pay a KV read for its key.
 */
import type { MiddlewareHandler } from 'hono';
import { ApiKeyRecord, apiKeyKvKey, hashApiKey } from '../../../shared/api-keys.ts';
import type { AppEnv } from '../env.ts';
import { withDurableRetry } from '../durable-retry.ts';
import { ApiError } from '../errors.ts';

const MAX_CACHED_KEYS = 10_000;
const cache = new Map<string, { record: ApiKeyRecord | null; until: number }>();

/** Unknown keys are remembered briefly too, so a flood of bad keys does not become a flood of KV reads. */
const UNKNOWN_KEY_CACHE_MS = 2000;

export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header ?? '');
  return m ? m[1]! : null;
}

async function lookup(kv: KVNamespace, hash: string, cacheSeconds: number): Promise<ApiKeyRecord | null> {
  const now = Date.now();
  const hit = cache.get(hash);
  if (hit && hit.until > now) return hit.record;
  const raw = await kv.get(apiKeyKvKey(hash), 'json');
  const parsed = raw === null ? null : ApiKeyRecord.safeParse(raw);
  if (parsed && !parsed.success) console.error(`malformed API key record ${apiKeyKvKey(hash)}: ${parsed.error.message}`);
  const record = parsed?.success ? parsed.data : null;
  if (cacheSeconds > 0) {
    if (cache.size >= MAX_CACHED_KEYS) cache.clear();
    cache.set(hash, { record, until: now + (record ? cacheSeconds * 1000 : Math.min(UNKNOWN_KEY_CACHE_MS, cacheSeconds * 1000)) });
  }
  return record;
}

export const requireApiKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = bearerToken(c.req.header('authorization'));
  if (!key) throw new ApiError(401, 'missing_api_key', 'send your API key as "Authorization: Bearer <key>"', { 'www-authenticate': 'Bearer' });
  const hash = await hashApiKey(key);
  const record = await lookup(c.env.KEYS, hash, c.get('config').KEY_CACHE_SECONDS);
  if (!record) throw new ApiError(401, 'invalid_api_key', 'this API key is not valid', { 'www-authenticate': 'Bearer error="invalid_token"' });
  if (record.disabled) throw new ApiError(401, 'api_key_disabled', 'this API key has been disabled', { 'www-authenticate': 'Bearer error="invalid_token"' });

  // A limiter reset by a deploy loses at most the hit it was counting; one more try on a new stub.
  const decision = await withDurableRetry(
    () => c.env.KEY_LIMITER.get(c.env.KEY_LIMITER.idFromName(hash)),
    async (limiter) => await limiter.hit(record.rate_per_minute, record.daily_quota),
  );
  if (!decision.ok) {
    const message =
      decision.code === 'rate_limited'
        ? `this key allows ${record.rate_per_minute} requests per minute; retry in ${decision.retryAfterSeconds} s`
        : `this key's daily quota of ${record.daily_quota} requests is used up; it resets at 00:00 UTC`;
    throw new ApiError(429, decision.code, message, { 'retry-after': String(decision.retryAfterSeconds) });
  }
  c.set('tenant', record.tenant);
  c.set('caller', { tenant: record.tenant, keyHash: hash, key: record });
  await next();
};
