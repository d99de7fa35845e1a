/**
 * @module check/result-cache
 * Definitive results in KV `RESULTS`, keyed by normalized address, kept CACHE_TTL_<VERDICT>
 * seconds. `unknown` says nothing about the mailbox and is never cached.
 *
 * Per tenant by default (RESULT_CACHE_SCOPE=tenant): a hit would tell a tenant that someone else
 * checked the address, when, and what the server said. `shared` saves IP budget across tenants,
 * at that cost, and is the operator's explicit choice.
 *
 * In front of KV, each isolate keeps what it read or wrote for up to a minute: KV reads are
 * themselves cached at the edge for about that long (eventually consistent), so this changes
 * no guarantee, and a hot address then costs no KV read at all.
 */
import { parseCheckResult, type CheckResult } from '../../../shared/result.ts';
import type { EdgeConfig } from '../env.ts';

/** KV refuses expirations shorter than a minute. */
const KV_MIN_TTL = 60;

/** Whose cache entry: the tenant asking, and the address. */
export interface CacheSlot {
  tenant: string;
  normalizedEmail: string;
}

export const resultCacheKey = (slot: CacheSlot, cfg: Pick<EdgeConfig, 'RESULT_CACHE_SCOPE'>): string =>
  cfg.RESULT_CACHE_SCOPE === 'shared' ? `result:shared:${slot.normalizedEmail}` : `result:tenant:${slot.tenant}:${slot.normalizedEmail}`;

const MEMORY_TTL_MS = 60_000;
const MEMORY_MAX_ENTRIES = 5000;
const memory = new Map<string, { result: CheckResult; until: number }>();

function remember(key: string, result: CheckResult, ttlSeconds: number): void {
  if (memory.size >= MEMORY_MAX_ENTRIES) memory.delete(memory.keys().next().value!);
  memory.set(key, { result, until: Date.now() + Math.min(MEMORY_TTL_MS, ttlSeconds * 1000) });
}

export function cacheTtl(result: CheckResult, cfg: EdgeConfig): number {
  switch (result.is_reachable) {
    case 'safe':
      return cfg.CACHE_TTL_SAFE;
    case 'risky':
      return cfg.CACHE_TTL_RISKY;
    case 'invalid':
      return cfg.CACHE_TTL_INVALID;
    case 'unknown':
      return 0;
  }
}

export async function readCachedResult(kv: KVNamespace, slot: CacheSlot, cfg: EdgeConfig): Promise<CheckResult | null> {
  const key = resultCacheKey(slot, cfg);
  const near = memory.get(key);
  if (near) {
    if (near.until > Date.now()) return near.result;
    memory.delete(key);
  }
  const raw = await kv.get(key, 'json');
  if (raw === null) return null;
  // A record from before scores is scored; one from an older schema otherwise is a miss, not an error.
  const parsed = parseCheckResult(raw);
  if (!parsed.success) return null;
  const ttl = cacheTtl(parsed.data, cfg);
  if (ttl > 0) remember(key, parsed.data, ttl);
  return parsed.data;
}

/** Stores `result` if its verdict is cacheable; returns whether it did. */
export async function cacheResult(kv: KVNamespace, slot: CacheSlot, result: CheckResult, cfg: EdgeConfig): Promise<boolean> {
  const key = resultCacheKey(slot, cfg);
  const ttl = cacheTtl(result, cfg);
  if (ttl <= 0) {
    // A newer unknown must not leave an older verdict answering from this isolate.
    memory.delete(key);
    return false;
  }
  remember(key, result, ttl);
  await kv.put(key, JSON.stringify(result), { expirationTtl: Math.max(KV_MIN_TTL, ttl) });
  return true;
}

/** Whole seconds since the check ran (0 for a clock skew into the future). */
export function ageSeconds(result: CheckResult, now = Date.now()): number {
  const at = Date.parse(result.debug.checked_at);
  return Number.isFinite(at) ? Math.max(0, Math.floor((now - at) / 1000)) : 0;
}
