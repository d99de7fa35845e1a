/**
 * @module work/attempts
 * How many times a check really ran to a temporary outcome (greylisted, 4xx, timeout).
 * JetStream's delivery count also counts the times the throttles handed the message back
 * without any SMTP, which would eat the retry budget of a greylisted address; this counter,
 * one KV key per message in the throttle bucket (its TTL cleans up), counts only outcomes.
 * Touched only on temporary outcomes, so ordinary checks pay nothing for it.
 */
import type { KV } from '@nats-io/kv';

export interface AttemptCounter {
  /** Counts one more temporary outcome for `id` and returns the total; null if KV did not answer. */
  next(id: string): Promise<number | null>;
}

const keyFor = (id: string) => `attempts.${Buffer.from(id).toString('base64url')}`;

export function createAttemptCounter(kv: KV, opts: { timeoutMs?: number } = {}): AttemptCounter {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const bump = async (key: string): Promise<number> => {
    // Compare-and-set: two machines seeing the same message (a redelivery after a crash) never both count 1.
    for (let i = 0; i < 10; i++) {
      const entry = await kv.get(key);
      const count = entry && entry.operation === 'PUT' ? Number(entry.string()) + 1 : 1;
      try {
        if (entry) await kv.update(key, String(count), entry.revision);
        else await kv.create(key, String(count));
        return count;
      } catch {
        // lost the race: read again
      }
    }
    throw new Error(`attempt counter ${key} kept changing`);
  };
  return {
    async next(id) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs)));
      try {
        return await Promise.race([bump(keyFor(id)).catch(() => null), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
