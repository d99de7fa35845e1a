/**
 * @module store/queries
 * Reads for the machines' NATS service and webhook sender. Every read names the
 * tenant: another tenant's job or check is reported exactly like a missing one (null).
 */
import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { JobList, JobResultsPage, JobStatus, Webhook } from '../../../shared/messages.ts';
import type { CheckResult, Reachability } from '../../../shared/result.ts';
import { withScore } from '../../../shared/score.ts';
import type { Store } from './db.ts';
import { StoreError, toStoreError } from './errors.ts';
import { toJobStatus } from './job-status.ts';
import { jobWaiting, type WaitingOptions } from './job-waits.ts';
import { jobItems, jobs, results, type JobState } from './schema.ts';

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

async function guarded<T>(q: () => Promise<T>): Promise<T> {
  try {
    return await q();
  } catch (err) {
    throw toStoreError(err);
  }
}

export function getJobStatus(store: Store, tenantId: string, jobId: string, waiting: WaitingOptions = { untriedBoundMs: 0 }): Promise<JobStatus | null> {
  return guarded(async () => {
    const [row] = await store.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.id, jobId), eq(jobs.tenantId, tenantId)))
      .limit(1);
    if (!row) return null;
    // The index on (job_id, item_index) keeps this to the job's own rows.
    const byReason = await store.db
      .select({ reason: results.reason, n: sql<number>`count(*)::int` })
      .from(results)
      .where(and(eq(results.jobId, jobId), eq(results.tenantId, tenantId)))
      .groupBy(results.reason);
    const reasons: Record<string, number> = {};
    for (const r of byReason.sort((a, b) => b.n - a.n || (a.reason < b.reason ? -1 : 1))) reasons[r.reason] = Number(r.n);
    return { ...toJobStatus(row, await jobWaiting(store, row, waiting)), reasons };
  });
}

/** The cursor is the last index of the previous page; opaque to callers so it can change. */
export function encodeCursor(lastIndex: number): string {
  return Buffer.from(`i${lastIndex}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const m = /^i(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n) || n > 2 ** 31 - 1) throw new StoreError('invalid_cursor', 'the cursor is not one this API returned');
  return n;
}

export interface JobResultsQuery {
  tenantId: string;
  jobId: string;
  /** `next_cursor` of the previous page. */
  cursor?: string;
  /** Clamped to 1..MAX_PAGE_SIZE; default DEFAULT_PAGE_SIZE. */
  limit?: number;
  /** Only results with one of these verdicts. */
  verdict?: readonly Reachability[];
}

/**
 * One page of a job's results in item order. Only checked items appear, so while the
 * job runs `next_cursor` can be null before the last item; poll again from the same cursor.
 * Throws StoreError `invalid_cursor` for a cursor this API did not issue.
 */
export function getJobResults(store: Store, q: JobResultsQuery): Promise<JobResultsPage | null> {
  return guarded(async () => {
    const after = q.cursor ? decodeCursor(q.cursor) : -1;
    const limit = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(q.limit ?? DEFAULT_PAGE_SIZE)));
    const [job] = await store.db
      .select({ id: jobs.id, inputColumns: jobs.inputColumns })
      .from(jobs)
      .where(and(eq(jobs.id, q.jobId), eq(jobs.tenantId, q.tenantId)))
      .limit(1);
    if (!job) return null;
    const where: SQL[] = [eq(results.jobId, q.jobId), eq(results.tenantId, q.tenantId), isNotNull(results.itemIndex), gt(results.itemIndex, after)];
    if (q.verdict && q.verdict.length > 0) where.push(inArray(results.isReachable, [...q.verdict]));
    // One extra row tells whether another page follows.
    const rows = await store.db
      .select({ index: results.itemIndex, email: results.email, result: results.result, inputRow: jobItems.inputRow })
      .from(results)
      .leftJoin(jobItems, and(eq(jobItems.jobId, results.jobId), eq(jobItems.idx, results.itemIndex)))
      .where(and(...where))
      .orderBy(asc(results.itemIndex))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const more = rows.length > limit;
    return {
      job_id: q.jobId,
      ...(job.inputColumns ? { input_columns: job.inputColumns } : {}),
      items: page.map((r) => ({ index: r.index!, email: r.email, ...(r.inputRow ? { input_row: r.inputRow } : {}), result: withScore(r.result) })),
      next_cursor: more && page.length > 0 ? encodeCursor(page[page.length - 1]!.index!) : null,
    };
  });
}

/** A single check's stored result (not a bulk item). */
export function getCheckResult(store: Store, tenantId: string, id: string): Promise<CheckResult | null> {
  return guarded(async () => {
    const [row] = await store.db
      .select({ result: results.result })
      .from(results)
      .where(and(eq(results.id, id), eq(results.tenantId, tenantId), isNull(results.jobId)))
      .limit(1);
    return row ? withScore(row.result) : null;
  });
}

/**
 * The stored result of a row (a single check's id or a bulk item's), whoever's it is: for a
 * redelivered message, whose result may already be committed by a machine whose ack was lost.
 */
export function getStoredResult(store: Store, rowId: string): Promise<CheckResult | null> {
  return guarded(async () => {
    const [row] = await store.db.select({ result: results.result }).from(results).where(eq(results.id, rowId)).limit(1);
    return row ? withScore(row.result) : null;
  });
}

export interface JobListQuery {
  tenantId: string;
  state?: JobState;
  /** `next_cursor` of the previous page. */
  cursor?: string;
  /** Clamped to 1..100; default 20. */
  limit?: number;
}

/** The jobs-list cursor: the last job's creation time (µs are not kept: ms) and id. */
export function encodeJobCursor(createdAt: Date, id: string): string {
  return Buffer.from(`j${createdAt.getTime()}.${id}`).toString('base64url');
}

export function decodeJobCursor(cursor: string): { createdAt: Date; id: string } {
  const m = /^j(\d{1,15})\.([A-Za-z0-9_-]{1,128})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new StoreError('invalid_cursor', 'the cursor is not one this API returned');
  return { createdAt: new Date(Number(m[1])), id: m[2]! };
}

/** A tenant's jobs, newest first (ties by id), optionally only those in one state. */
export function listJobs(store: Store, q: JobListQuery, waiting: WaitingOptions = { untriedBoundMs: 0 }): Promise<JobList> {
  return guarded(async () => {
    const limit = Math.min(100, Math.max(1, Math.floor(q.limit ?? 20)));
    const where: SQL[] = [eq(jobs.tenantId, q.tenantId)];
    if (q.state) where.push(eq(jobs.status, q.state));
    // Ordered and compared at ms precision, the cursor's.
    const created = sql`date_trunc('milliseconds', ${jobs.createdAt})`;
    if (q.cursor) {
      const after = decodeJobCursor(q.cursor);
      const at = sql`${after.createdAt.toISOString()}::timestamptz`;
      where.push(or(sql`${created} < ${at}`, and(sql`${created} = ${at}`, lt(jobs.id, after.id)))!);
    }
    const rows = await store.db
      .select()
      .from(jobs)
      .where(and(...where))
      .orderBy(desc(created), desc(jobs.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    // Running jobs say what they wait for here too (one small grouped read each; pages are short).
    const items = await Promise.all(page.map(async (j) => toJobStatus(j, await jobWaiting(store, j, waiting))));
    return { items, next_cursor: rows.length > limit && last ? encodeJobCursor(last.createdAt, last.id) : null };
  });
}

export interface JobWebhook {
  jobId: string;
  tenantId: string;
  webhook: Webhook;
  status: JobStatus;
  deliveredAt: string | null;
}

const toJobWebhook = (row: typeof jobs.$inferSelect): JobWebhook | null =>
  row.webhookUrl && row.webhookSecret
    ? {
        jobId: row.id,
        tenantId: row.tenantId,
        webhook: { url: row.webhookUrl, secret: row.webhookSecret },
        status: toJobStatus(row),
        deliveredAt: row.webhookDeliveredAt ? row.webhookDeliveredAt.toISOString() : null,
      }
    : null;

/** A job's webhook target and current status; null when the job has none (or does not exist). */
export function getJobWebhook(store: Store, jobId: string): Promise<JobWebhook | null> {
  return guarded(async () => {
    const [row] = await store.db.select().from(jobs).where(eq(jobs.id, jobId)).limit(1);
    return row ? toJobWebhook(row) : null;
  });
}

export interface ClaimWebhooksOptions {
  /** How long the claim holds: no other machine sends this webhook until then. */
  leaseMs: number;
  /** Only this job (right after it finished); otherwise any due job, oldest first. */
  jobId?: string;
  limit?: number;
  /** Jobs finished longer ago than this are given up on. */
  maxAgeMs?: number;
}

/**
 * Claims finished jobs whose webhook is undelivered and unclaimed (or whose claim ran out: the
 * machine died, or its delivery failed) and returns them. Atomic: two machines sweeping at the
 * same moment never claim the same job. The database's clock decides, not the machines'.
 */
export function claimWebhooks(store: Store, opts: ClaimWebhooksOptions): Promise<JobWebhook[]> {
  return guarded(async () => {
    const due: SQL[] = [
      eq(jobs.status, 'finished'),
      isNotNull(jobs.webhookUrl),
      isNull(jobs.webhookDeliveredAt),
      or(isNull(jobs.webhookClaimedUntil), lt(jobs.webhookClaimedUntil, sql`now()`))!,
    ];
    if (opts.jobId) due.push(eq(jobs.id, opts.jobId));
    if (opts.maxAgeMs) due.push(gt(jobs.finishedAt, sql`now() - ${opts.maxAgeMs} * interval '1 millisecond'`));
    const candidates = store.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(...due))
      .orderBy(asc(jobs.finishedAt))
      .limit(opts.limit ?? 100)
      .for('update', { skipLocked: true });
    const rows = await store.db
      .update(jobs)
      .set({ webhookClaimedUntil: sql`now() + ${opts.leaseMs} * interval '1 millisecond'` })
      .where(and(inArray(jobs.id, candidates), ...due))
      .returning();
    return rows.map(toJobWebhook).filter((w): w is JobWebhook => w !== null);
  });
}

/**
 * A webhook no attempt can deliver (its URL names a private address): never claimed again. Kept
 * as a claim that does not run out, so no schema change is needed; the job itself is unaffected.
 */
export function abandonWebhook(store: Store, jobId: string): Promise<boolean> {
  return guarded(async () => {
    const rows = await store.db
      .update(jobs)
      .set({ webhookClaimedUntil: sql`now() + interval '100 years'` })
      .where(and(eq(jobs.id, jobId), isNull(jobs.webhookDeliveredAt)))
      .returning({ id: jobs.id });
    return rows.length > 0;
  });
}

/** Records the delivery; false when it was already recorded (another machine got there first). */
export function markWebhookDelivered(store: Store, jobId: string): Promise<boolean> {
  return guarded(async () => {
    const rows = await store.db
      .update(jobs)
      .set({ webhookDeliveredAt: new Date() })
      .where(and(eq(jobs.id, jobId), isNull(jobs.webhookDeliveredAt)))
      .returning({ id: jobs.id });
    return rows.length > 0;
  });
}
