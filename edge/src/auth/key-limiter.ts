/**
 * @module auth/key-limiter
 * `KeyLimiter`: one Durable Object per API key hash, the single place a key's requests are
 * counted, so limits hold exactly however many isolates serve the key. `hit` has no await
 * between reading and updating its state, and a Durable Object runs one such call at a time.
 *
 * Per minute: a sliding window, at most `rate` accepted requests in any 60 seconds, counted in
 * 100 ms buckets (a bucket that reaches into the window counts whole, so the limit is never
 * exceeded; a request may be refused up to 0.1 s early). Daily quota: a counter per UTC day.
 * Both live in the object's storage, not only its memory: workerd drops an idle object after
 * seconds, and a limit kept in memory alone would then start over (5/min let 25 through in 60 s).
 */
import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../env.ts';

export type LimitDecision = { ok: true } | { ok: false; code: 'rate_limited' | 'daily_quota_exceeded'; retryAfterSeconds: number };

const MINUTE_MS = 60_000;
const BUCKET_MS = 100;
const BUCKET_PREFIX = 'm:';
const UNCONFIRMED = { allowUnconfirmed: true } as const;
/** How long counts stay in memory only. */
const FLUSH_MS = 100;

export class KeyLimiter extends DurableObject<Bindings> {
  private day = '';
  private usedToday = 0;
  /**
   * The per-minute buckets (`m:<bucket>` → count in storage), mirrored: read once when the object
   * starts, written back at most every FLUSH_MS. A write per request, even unconfirmed, halved a
   * key's throughput (a confirmed one held it to ~165 requests/s); workerd evicts an object only
   * after seconds of idleness, long after the last flush, so an eviction forgets nothing.
   */
  private readonly buckets = new Map<number, number>();
  private inWindow = 0;
  private readonly dirty = new Set<number>();
  private readonly gone: string[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS daily (day TEXT PRIMARY KEY, used INTEGER NOT NULL)');
    void ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.list<number>({ prefix: BUCKET_PREFIX });
      const entries = [...stored].map(([k, n]) => [Number(k.slice(BUCKET_PREFIX.length)), n] as const).sort((a, b) => a[0] - b[0]);
      for (const [bucket, n] of entries) {
        this.buckets.set(bucket, n);
        this.inWindow += n;
      }
    });
  }

  hit(ratePerMinute: number, dailyQuota: number | null, now = Date.now()): LimitDecision {
    const sql = this.ctx.storage.sql;
    // Buckets whose last millisecond is more than a minute ago are out of every window from now on.
    const oldest = Math.floor((now - MINUTE_MS) / BUCKET_MS) + 1;
    const pruned: string[] = [];
    for (const [bucket, n] of this.buckets) {
      // Map order is insertion order, which is time order here.
      if (bucket >= oldest) break;
      this.buckets.delete(bucket);
      this.inWindow -= n;
      pruned.push(`${BUCKET_PREFIX}${bucket}`);
    }
    this.gone.push(...pruned);
    if (this.inWindow >= ratePerMinute) {
      // Wait until enough of the oldest requests have left the window for one more.
      let excess = this.inWindow - ratePerMinute + 1;
      let freeAt = now;
      for (const [bucket, n] of this.buckets) {
        excess -= n;
        freeAt = (bucket + 1) * BUCKET_MS + MINUTE_MS;
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
    const bucket = Math.floor(now / BUCKET_MS);
    const n = (this.buckets.get(bucket) ?? 0) + 1;
    // A request stamped earlier than the newest bucket (clock skew between calls) still counts, in order.
    if (!this.buckets.has(bucket) && [...this.buckets.keys()].some((b) => b > bucket)) {
      const entries = [...this.buckets.entries(), [bucket, n] as [number, number]].sort((x, y) => x[0] - y[0]);
      this.buckets.clear();
      for (const [b, c] of entries) this.buckets.set(b, c);
    } else {
      this.buckets.set(bucket, n);
    }
    this.inWindow++;
    this.dirty.add(bucket);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
    return { ok: true };
  }

  private flush(): void {
    this.flushTimer = null;
    const entries: Record<string, number> = {};
    for (const b of this.dirty) {
      const n = this.buckets.get(b);
      if (n !== undefined) entries[`${BUCKET_PREFIX}${b}`] = n;
    }
    this.dirty.clear();
    const gone = this.gone.splice(0);
    for (let i = 0; i < gone.length; i += 128) void this.ctx.storage.delete(gone.slice(i, i + 128), UNCONFIRMED);
    if (Object.keys(entries).length > 0) void this.ctx.storage.put(entries, UNCONFIRMED);
  }
}
