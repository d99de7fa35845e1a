/**
 * @module store/job-finish
 * Finishing a job before every item has its final answer (`POST /v1/bulk/:id/finish`, or the
 * submit option `max_wait_seconds`): every item without a result gets one now, its last
 * temporary outcome (greylisted, unreachable, ...) or `unknown` / `not_checked` (`throttled`
 * for one our own limits held back), through the same idempotent batch write as checks. A
 * check that answers later finds its row taken and changes nothing; counts add up because
 * only inserted rows are counted; the write that moves the job to finished fires its webhook.
 */
import { and, asc, eq, gt, isNotNull, lte, notExists, sql } from 'drizzle-orm';
import { uncheckedResult } from '../../../shared/syntax-result.ts';
import { bulkItemMsgId } from '../../../shared/subjects.ts';
import type { Store } from './db.ts';
import { toStoreError } from './errors.ts';
import type { JobRow } from './job-status.ts';
import { writeResultBatch, type FinishedJob, type ResultRow } from './result-writer.ts';
import { jobItems, jobs, results } from './schema.ts';

const PAGE = 500;

export interface FinishOutcome {
  job: JobRow;
  /** Set when this call moved the job to finished (its webhook is due). */
  finished?: FinishedJob;
}

/** Finishes a tenant's job now; null when the tenant has no such job. Idempotent, and resumable after a crash (finish_by stays set). */
export async function finishJobNow(store: Store, tenantId: string, jobId: string): Promise<FinishOutcome | null> {
  let row: JobRow | undefined;
  try {
    [row] = await store.db
      .update(jobs)
      .set({ finishBy: sql`least(coalesce(${jobs.finishBy}, now()), now())` })
      .where(and(eq(jobs.id, jobId), eq(jobs.tenantId, tenantId), eq(jobs.status, 'running')))
      .returning();
    if (!row) [row] = await store.db.select().from(jobs).where(and(eq(jobs.id, jobId), eq(jobs.tenantId, tenantId))).limit(1);
  } catch (err) {
    throw toStoreError(err);
  }
  if (!row) return null;
  if (row.status !== 'running') return { job: row };
  return finishRunningJob(store, row);
}

/** Jobs whose `finish_by` has passed (max_wait_seconds, or a finish interrupted by a crash), oldest first. */
export async function jobsDueToFinish(store: Store, limit = 10): Promise<JobRow[]> {
  try {
    return await store.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.status, 'running'), isNotNull(jobs.finishBy), lte(jobs.finishBy, sql`now()`)))
      .orderBy(asc(jobs.finishBy))
      .limit(limit);
  } catch (err) {
    throw toStoreError(err);
  }
}

// Finishes under way in this process: a sweep joins a finish request's work instead of repeating it.
const underWay = new Map<string, Promise<FinishOutcome>>();

export function finishRunningJob(store: Store, job: JobRow): Promise<FinishOutcome> {
  const running = underWay.get(job.id);
  if (running) return running.then((out) => ({ job: out.job }));
  const work = finishItems(store, job).finally(() => underWay.delete(job.id));
  underWay.set(job.id, work);
  return work;
}

async function finishItems(store: Store, job: JobRow): Promise<FinishOutcome> {
  let finished: FinishedJob | undefined;
  let after = -1;
  const checkedAt = new Date().toISOString();
  try {
    for (;;) {
      // Every index of the job, stored item or not (a job whose intake is not complete still adds up).
      const open = await store.db
        .select({ idx: sql<number>`g.idx`.mapWith(Number), email: jobItems.email, waitReason: jobItems.waitReason, lastResult: jobItems.lastResult })
        .from(sql`generate_series(0, ${job.total - 1}) as g(idx)`)
        .leftJoin(jobItems, and(eq(jobItems.jobId, job.id), eq(jobItems.idx, sql`g.idx`)))
        .where(
          and(
            gt(sql`g.idx`, after),
            notExists(store.db.select({ one: sql`1` }).from(results).where(and(eq(results.jobId, job.id), eq(results.itemIndex, sql`g.idx`)))),
          ),
        )
        .orderBy(sql`g.idx`)
        .limit(PAGE);
      if (open.length === 0) break;
      const rows: ResultRow[] = open.map((o) => {
        const email = o.email ?? '';
        return {
          id: bulkItemMsgId(job.id, o.idx),
          tenantId: job.tenantId,
          jobId: job.id,
          itemIndex: o.idx,
          email,
          result: o.lastResult ?? uncheckedResult(email, o.waitReason === 'throttled' ? 'throttled' : 'not_checked', checkedAt),
        };
      });
      const outcome = await writeResultBatch(store.db, rows);
      finished ??= outcome.finishedJobs.find((j) => j.jobId === job.id);
      after = open[open.length - 1]!.idx;
    }
    const [now] = await store.db.select().from(jobs).where(eq(jobs.id, job.id)).limit(1);
    return { job: now ?? job, finished };
  } catch (err) {
    throw toStoreError(err);
  }
}
