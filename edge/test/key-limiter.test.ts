import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { KeyLimiter } from '../src/auth/key-limiter.ts';

const limiter = (name: string) => env.KEY_LIMITER.get(env.KEY_LIMITER.idFromName(`${name}-${crypto.randomUUID()}`));

/**
 * Resets the object as workerd does when it evicts an idle one (after 10-15 s): its memory is gone,
 * its storage stays, and the next request starts a new instance on it.
 */
async function evict(stub: ReturnType<typeof limiter>): Promise<void> {
  await runInDurableObject(stub, (_instance: KeyLimiter, state) => {
    state.abort('evicted by the test');
  }).catch(() => {});
}

/** Most requests accepted in any 60-second window (half-open), from accepted times. */
function busiestMinute(times: number[]): number {
  let most = 0;
  for (const start of times) most = Math.max(most, times.filter((t) => t >= start && t < start + 60_000).length);
  return most;
}
const T0 = Date.parse('2026-11-23T10:00:00Z');

describe('per-key limits (KeyLimiter)', () => {
  it('allows a minute\'s burst, then nothing until the burst leaves the 60-second window: no second burst at a window edge', async () => {
    const key = limiter('window');
    for (let i = 0; i < 60; i++) expect((await key.hit(60, null, T0)).ok).toBe(true);
    expect(await key.hit(60, null, T0)).toEqual({ ok: false, code: 'rate_limited', retryAfterSeconds: 61 });
    expect(await key.hit(60, null, T0 + 30_000)).toEqual({ ok: false, code: 'rate_limited', retryAfterSeconds: 31 });
    expect((await key.hit(60, null, T0 + 59_999)).ok).toBe(false);
    // Once the burst is a minute old, the whole allowance is back.
    let allowed = 0;
    for (let i = 0; i < 70; i++) if ((await key.hit(60, null, T0 + 60_100)).ok) allowed++;
    expect(allowed).toBe(60);
  });

  it('bursts with gaps never get more than the limit into any 60 seconds, even when the object is evicted between them', async () => {
    // The attack: a 5/min key, bursts of 8 every 15 s; an evicted object had forgotten its count.
    for (const evicted of [false, true]) {
      const name = `${evicted ? 'bursts-evicted' : 'bursts'}-${crypto.randomUUID()}`;
      const stub = () => env.KEY_LIMITER.get(env.KEY_LIMITER.idFromName(name));
      const accepted: number[] = [];
      for (let at = T0; at < T0 + 180_000; at += 15_000) {
        // workerd evicts only an idle object (10-15 s without requests): idle a little, then evict.
        if (evicted) {
          await new Promise((r) => setTimeout(r, 300));
          await evict(stub());
        }
        const key = stub();
        const burst = await Promise.all(Array.from({ length: 8 }, () => key.hit(5, null, at)));
        for (const d of burst) if (d.ok) accepted.push(at);
      }
      expect(busiestMinute(accepted), evicted ? 'evicted' : 'resident').toBe(5);
      // 3 minutes of asking: one full allowance per window, not per burst.
      expect(accepted.length).toBeLessThanOrEqual(15);
      expect(accepted.length).toBeGreaterThanOrEqual(10);
    }
  });

  it('requests spread over the minute count as much as a burst', async () => {
    const key = limiter('spread');
    for (let i = 0; i < 10; i++) expect((await key.hit(10, null, T0 + i * 5000)).ok).toBe(true);
    expect((await key.hit(10, null, T0 + 50_000)).ok).toBe(false);
    // The first request leaves the window 60 s after it was made: one more fits, not two.
    expect((await key.hit(10, null, T0 + 60_100)).ok).toBe(true);
    expect((await key.hit(10, null, T0 + 60_100)).ok).toBe(false);
  });

  it('refused requests do not use up the allowance', async () => {
    const key = limiter('refused');
    expect((await key.hit(1, null, T0)).ok).toBe(true);
    for (let i = 0; i < 5; i++) expect((await key.hit(1, null, T0 + 30_000)).ok).toBe(false);
    expect((await key.hit(1, null, T0 + 60_100)).ok).toBe(true);
  });

  it('the daily quota resets at midnight UTC and says how long until then', async () => {
    const key = limiter('daily');
    const lateEvening = Date.parse('2026-11-23T23:59:00Z');
    expect((await key.hit(1000, 2, lateEvening)).ok).toBe(true);
    expect((await key.hit(1000, 2, lateEvening + 1000)).ok).toBe(true);
    expect(await key.hit(1000, 2, lateEvening + 2000)).toEqual({ ok: false, code: 'daily_quota_exceeded', retryAfterSeconds: 58 });
    expect((await key.hit(1000, 2, Date.parse('2026-11-24T00:00:01Z'))).ok).toBe(true);
  });
});
