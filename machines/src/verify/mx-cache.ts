/**
 * @module verify/mx-cache
 * Where mail for a domain goes, remembered for a while: bulk lists repeat domains,
 * and one MX+A+AAAA round per address would be most of a check's DNS traffic.
 * Only definitive answers are kept; SERVFAIL and timeouts are always asked again.
 */
import type { MxLookup } from './types.ts';

export interface MxCache {
  get(domain: string): MxLookup | undefined;
  set(domain: string, value: MxLookup): void;
}

export function createMxCache(opts: { ttlMs: number; maxEntries?: number; now?: () => number }): MxCache {
  const max = opts.maxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, { value: MxLookup; expires: number }>();
  return {
    get(domain) {
      const hit = entries.get(domain);
      if (!hit) return undefined;
      if (hit.expires <= now()) {
        entries.delete(domain);
        return undefined;
      }
      return hit.value;
    },
    set(domain, value) {
      if (opts.ttlMs <= 0 || value.kind === 'servfail' || value.kind === 'timeout') return;
      // A missing domain may be registered any minute: remember NXDOMAIN for a shorter time.
      const ttl = value.kind === 'nxdomain' ? Math.min(opts.ttlMs, 60_000) : opts.ttlMs;
      entries.delete(domain);
      entries.set(domain, { value, expires: now() + ttl });
      // Map keeps insertion order: the first key is the oldest entry.
      if (entries.size > max) entries.delete(entries.keys().next().value!);
    },
  };
}
