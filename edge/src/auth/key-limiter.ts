/**
 * @module auth/key-limiter
 * `KeyLimiter`: one Durable Object per API key hash, the single place a key's requests are
 * counted, so limits hold exactly however many isolates serve the key. `hit` has no await
 * between reading and updating its state, and a Durable Object runs one such call at a time.
 *
 * Per minute: a sliding window, at most `rate` accepted requests in any 60 seconds, counted in
 * 100 ms buckets (a bucket that reaches into the window counts whole, so the limit is never
 * exceeded; a request may be refused up to 0.1 s early). Daily quota: a counter per UTC day.
 * Both live in the object's SQLite storage, not its memory: workerd drops an idle object after
 * seconds, and a limit kept in memory would then start over (5/min let 25 through in 60 s).
 */
import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../env.ts';

export type LimitDecision = { ok: true } | { ok: false; code: 'rate_limited' | 'daily_quota_exceeded'; retryAfterSeconds: number };

const MINUTE_MS = 60_000;
const BUCKET_MS = 100;

export class KeyLimiter extends DurableObject<Bindings> {
  private day = '';
  private usedToday = 0;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS daily (day TEXT PRIMARY KEY, used INTEGER NOT NULL)');
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS minute (bucket INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
  }

  hit(ratePerMinute: number, dailyQuota: number | null, now = Date.now()): LimitDecision {
    const sql = this.ctx.storage.sql;
    // Buckets whose last millisecond is more than a minute ago are out of every window from now on.
    const oldest = Math.floor((now - MINUTE_MS) / BUCKET_MS) + 1;
    sql.exec('DELETE FROM minute WHERE bucket < ?', oldest);
    const buckets = sql.exec<{ bucket: number; n: number }>('SELECT bucket, n FROM minute ORDER BY bucket').toArray();
    let inWindow = 0;
    for (const b of buckets) inWindow += b.n;
    if (inWindow >= ratePerMinute) {
      // Wait until enough of the oldest requests have left the window for one more.
      let excess = inWindow - ratePerMinute + 1;
      let freeAt = now;
      for (const b of buckets) {
        excess -= b.n;
        freeAt = (b.bucket + 1) * BUCKET_MS + MINUTE_MS;
        if (excess <= 0) break;
      }
      return { ok: false, code: 'rate_limited', retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now) / 1000)) };
    }
    if (dailyQuota !== null) {
      const today = new Date(now).toISOString().slice(0, 10);
      if (today !== this.day) {
        this.day = today;
        // Only today's count matters; earlier days' rows would only pile up.
        sql.exec('DELETE FROM daily WHERE day < ?', today);
        const row = sql.exec<{ used: number }>('SELECT used FROM daily WHERE day = ?', today).toArray()[0];
        this.usedToday = row?.used ?? 0;
      }
      if (this.usedToday >= dailyQuota) {
        const midnight = Date.parse(`${today}T00:00:00Z`) + 86_400_000;
        return { ok: false, code: 'daily_quota_exceeded', retryAfterSeconds: Math.max(1, Math.ceil((midnight - now) / 1000)) };
      }
      this.usedToday++;
      sql.exec('INSERT INTO daily (day, used) VALUES (?, ?) ON CONFLICT(day) DO UPDATE SET used = excluded.used', today, this.usedToday);
    }
    sql.exec('INSERT INTO minute (bucket, n) VALUES (?, 1) ON CONFLICT(bucket) DO UPDATE SET n = n + 1', Math.floor(now / BUCKET_MS));
    return { ok: true };
  }
}
