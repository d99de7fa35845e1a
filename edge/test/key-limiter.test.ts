import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

const limiter = (name: string) => env.KEY_LIMITER.get(env.KEY_LIMITER.idFromName(`${name}-${crypto.randomUUID()}`));
const T0 = Date.parse('2026-11-23T10:00:00Z');

describe('per-key limits (KeyLimiter)', () => {
  it('allows a minute\'s burst, then one request per 60/rate seconds: no second burst at a window edge', async () => {
    const key = limiter('gcra');
    for (let i = 0; i < 60; i++) expect((await key.hit(60, null, T0)).ok).toBe(true);
    expect(await key.hit(60, null, T0)).toEqual({ ok: false, code: 'rate_limited', retryAfterSeconds: 1 });
    // One second later exactly one more fits, not another 60.
    expect((await key.hit(60, null, T0 + 1000)).ok).toBe(true);
    expect((await key.hit(60, null, T0 + 1000)).ok).toBe(false);
    // A quiet minute refills the whole burst.
    let allowed = 0;
    for (let i = 0; i < 70; i++) if ((await key.hit(60, null, T0 + 62_000)).ok) allowed++;
    expect(allowed).toBe(60);
  });

  it('refused requests do not use up the allowance', async () => {
    const key = limiter('refused');
    expect((await key.hit(1, null, T0)).ok).toBe(true);
    for (let i = 0; i < 5; i++) expect((await key.hit(1, null, T0 + 30_000)).ok).toBe(false);
    expect((await key.hit(1, null, T0 + 60_000)).ok).toBe(true);
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
