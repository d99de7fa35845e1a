/**
 * @module verify/catch-all
 * Catch-all is a property of a domain, not of an address: one probe answers it for
 * every address of the domain for hours. The verifier asks a CatchAllStore before it
 * probes and tells it what a probe found; the CLI keeps it in memory, machines share one
 * in JetStream KV (machines/src/nats/catch-all-kv.ts) so the whole cluster probes once.
 */
import type { SmtpReply } from '../../../shared/result.ts';
import { classifyReply } from './replies.ts';

export interface CatchAllKnowledge {
  catchAll: boolean;
  /** When the probe answered (ms since epoch). */
  probedAt: number;
}

export interface CatchAllStore {
  /** What a probe found for `domain` within the TTL, or null (then: probe). Never throws: unknown is always safe. */
  get(domain: string): Promise<CatchAllKnowledge | null>;
  /** Remembers a probe's answer; losing it only costs a later probe, so failures are swallowed. */
  set(domain: string, knowledge: CatchAllKnowledge): Promise<void>;
}

/**
 * What a probe's reply says about the domain: accepted → catch-all; "no such mailbox" →
 * not; anything else (greylisting, policy, a full disk) says nothing that should be kept.
 */
export function probeKnowledge(probe: SmtpReply, now = Date.now()): CatchAllKnowledge | null {
  const cls = classifyReply(probe);
  if (cls === 'accepted') return { catchAll: true, probedAt: now };
  if (cls === 'no_mailbox' || cls === 'disabled') return { catchAll: false, probedAt: now };
  return null;
}

/** In-process store for the CLI and tests: TTL per entry, oldest dropped past `maxEntries`. */
export function createMemoryCatchAllStore(opts: { ttlMs: number; maxEntries?: number; now?: () => number }): CatchAllStore {
  const max = opts.maxEntries ?? 50_000;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, CatchAllKnowledge>();
  return {
    async get(domain) {
      const hit = entries.get(domain);
      if (!hit) return null;
      if (now() - hit.probedAt >= opts.ttlMs) {
        entries.delete(domain);
        return null;
      }
      return hit;
    },
    async set(domain, knowledge) {
      if (opts.ttlMs <= 0) return;
      entries.delete(domain);
      entries.set(domain, knowledge);
      if (entries.size > max) entries.delete(entries.keys().next().value!);
    },
  };
}
