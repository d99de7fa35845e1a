/**
 * @module store/job-waits
 * What a running job's unfinished items wait for: recorded per item each time one is
 * put off (a temporary outcome, a hold by our own limits), summed up for the job status.
 */
import { and, count, eq, isNotNull, max, min, notExists, sql } from 'drizzle-orm';
import { NOTHING_WAITING, type JobWaiting } from '../../../shared/messages.ts';
import type { CheckResult } from '../../../shared/result.ts';
import { WAIT_REASONS, type WaitReason } from '../../../shared/wait-reasons.ts';
import type { Store } from './db.ts';
import { toStoreError } from './errors.ts';
import type { JobRow } from './job-status.ts';
import { jobItems, results } from './schema.ts';

export interface ItemWait {
  jobId: string;
  idx: number;
  reason: WaitReason;
  /** When the next try is due. */
  until: Date;
  /** The latest time the item is finished if every retry stays temporary. */
  lastAt: Date;
  /** The temporary outcome that caused the wait (absent for a hold: the item keeps its previous one). */
  lastResult?: CheckResult;
}

export async function recordItemWait(store: Store, w: ItemWait): Promise<void> {
  try {
    await store.db
      .update(jobItems)
      .set({
        waitReason: w.reason,
        waitUntil: w.until,
        waitLastAt: w.lastAt,
        ...(w.lastResult ? { lastResult: w.lastResult } : {}),
      })
      .where(and(eq(jobItems.jobId, w.jobId), eq(jobItems.idx, w.idx)));
  } catch (err) {
    throw toStoreError(err);
  }
}

export interface WaitingOptions {
  /** The longest an item not tried yet may take under the retry policy (bounds `latest_finish_at`). */
  untriedBoundMs: number;
  now?: Date;
}

/** The `waiting` block of a job's status; all zero once it is finished. */
export async function jobWaiting(store: Store, job: JobRow, opts: WaitingOptions): Promise<JobWaiting> {
  if (job.status !== 'running') return NOTHING_WAITING;
  const rows = await store.db
    .select({ reason: jobItems.waitReason, n: count(), nextAt: min(jobItems.waitUntil), lastAt: max(jobItems.waitLastAt) })
    .from(jobItems)
    .where(
      and(
        eq(jobItems.jobId, job.id),
        isNotNull(jobItems.waitReason),
        notExists(store.db.select({ one: sql`1` }).from(results).where(and(eq(results.jobId, jobItems.jobId), eq(results.itemIndex, jobItems.idx)))),
      ),
    )
    .groupBy(jobItems.waitReason);
  const byReason = Object.fromEntries(WAIT_REASONS.map((r) => [r, 0])) as JobWaiting['by_reason'];
  let retrying = 0;
  let next: number | null = null;
  let last: number | null = null;
  for (const r of rows) {
    if (!r.reason || !(r.reason in byReason)) continue;
    byReason[r.reason] += r.n;
    retrying += r.n;
    const n = r.nextAt ? new Date(r.nextAt).getTime() : null;
    const l = r.lastAt ? new Date(r.lastAt).getTime() : null;
    if (n !== null && (next === null || n < next)) next = n;
    if (l !== null && (last === null || l > last)) last = l;
  }
  const pending = Math.max(0, job.total - job.done - retrying);
  const now = (opts.now ?? new Date()).getTime();
  if (pending > 0) last = Math.max(last ?? 0, now + opts.untriedBoundMs);
  const finishBy = job.finishBy?.getTime() ?? null;
  if (finishBy !== null) last = last === null ? finishBy : Math.min(last, Math.max(finishBy, now));
  return {
    pending_first_try: pending,
    retrying,
    by_reason: byReason,
    next_retry_at: next === null ? null : new Date(next).toISOString(),
    latest_finish_at: last === null ? null : new Date(last).toISOString(),
  };
}
