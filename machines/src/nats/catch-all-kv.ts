/**
 * @module nats/catch-all-kv
 * The verifier's CatchAllStore for machines: one JetStream KV bucket (`catchall`) whose
 * bucket TTL is CATCH_ALL_TTL (NATS 2.9 has no per-key TTL), so every machine of the
 * cluster reuses a probe any of them made. The stored time is checked too, since a bucket
 * TTL changed by another machine's settings must not stretch ours. Never throws: a KV that
 * cannot be reached only costs a probe.
 */
import type { KV } from '@nats-io/kv';
import type { CatchAllKnowledge, CatchAllStore } from '../verify/index.ts';

/** KV keys allow [-/_=.a-zA-Z0-9]: an ASCII (punycode) domain already fits; anything else is not cached. */
const KEY_SAFE = /^[a-z0-9.-]{1,253}$/;

export function catchAllKey(domain: string): string | null {
  const d = domain.toLowerCase().replace(/\.$/, '');
  return KEY_SAFE.test(d) && !d.startsWith('.') && !d.includes('..') ? `d.${d}` : null;
}

export function createKvCatchAllStore(opts: { kv: KV; ttlMs: number; opTimeoutMs?: number; now?: () => number }): CatchAllStore {
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.opTimeoutMs ?? 1000;
  const bounded = <T>(p: Promise<T>): Promise<T | null> => {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([p, new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs)))]).finally(() => clearTimeout(timer));
  };
  return {
    async get(domain) {
      const key = catchAllKey(domain);
      if (!key || opts.ttlMs <= 0) return null;
      try {
        const entry = await bounded(opts.kv.get(key));
        if (!entry || entry.operation !== 'PUT') return null;
        const v = entry.json<Partial<CatchAllKnowledge>>();
        if (typeof v.catchAll !== 'boolean' || typeof v.probedAt !== 'number') return null;
        return now() - v.probedAt < opts.ttlMs ? { catchAll: v.catchAll, probedAt: v.probedAt } : null;
      } catch {
        return null;
      }
    },
    async set(domain, knowledge) {
      const key = catchAllKey(domain);
      if (!key || opts.ttlMs <= 0) return;
      await bounded(opts.kv.put(key, JSON.stringify(knowledge))).catch(() => undefined);
    },
  };
}
