/**
 * @module auth/key-limiter
 * `KeyLimiter`: one Durable Object per API key hash, the single place a key's requests are
 * counted, so limits hold exactly however many isolates serve the key. `hit` has no await
 * between reading and updating its state, and a Durable Object runs one such call at a time.
 *
 * Per minute: GCRA (a burst of `rate` requests, then one every 60/rate s), kept in memory; an
 * evicted object forgets it, which at worst allows one fresh burst. Daily quota: a counter per
 * UTC day in the object's SQLite storage, since a day outlives any eviction.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../env.ts';

export type LimitDecision = { ok: true } | { ok: false; code: 'rate_limited' | 'daily_quota_exceeded'; retryAfterSeconds: number };

const MINUTE_MS = 60_000;

export class KeyLimiter extends DurableObject<Bindings> {
  /** GCRA theoretical arrival time of the next request, ms. */
  private tat = 0;
  private day = '';
  private usedToday = 0;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS daily (day TEXT PRIMARY KEY, used INTEGER NOT NULL)');
  }

  hit(ratePerMinute: number, dailyQuota: number | null, now = Date.now()): LimitDecision {
    const interval = MINUTE_MS / ratePerMinute;
    const tat = Math.max(this.tat, now);
    // tat - now is how far ahead of schedule the key runs; a full minute's burst is allowed.
    const ahead = tat + interval - now;
    if (ahead > MINUTE_MS) {
      return { ok: false, code: 'rate_limited', retryAfterSeconds: Math.max(1, Math.ceil((ahead - MINUTE_MS) / 1000)) };
    }
    if (dailyQuota !== null) {
      const today = new Date(now).toISOString().slice(0, 10);
      if (today !== this.day) {
        this.day = today;
        // Only today's count matters; earlier days' rows would only pile up.
        this.ctx.storage.sql.exec('DELETE FROM daily WHERE day < ?', today);
        const row = this.ctx.storage.sql.exec<{ used: number }>('SELECT used FROM daily WHERE day = ?', today).toArray()[0];
        this.usedToday = row?.used ?? 0;
      }
      if (this.usedToday >= dailyQuota) {
        const midnight = Date.parse(`${today}T00:00:00Z`) + 86_400_000;
        return { ok: false, code: 'daily_quota_exceeded', retryAfterSeconds: Math.max(1, Math.ceil((midnight - now) / 1000)) };
      }
      this.usedToday++;
      this.ctx.storage.sql.exec(
        'INSERT INTO daily (day, used) VALUES (?, ?) ON CONFLICT(day) DO UPDATE SET used = excluded.used',
        today,
        this.usedToday,
      );
    }
    this.tat = tat + interval;
    return { ok: true };
  }
}
