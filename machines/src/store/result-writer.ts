/**
 * @module store/result-writer
 * Batched, idempotent result writes. Rows that arrive while a batch commits are
 * grouped into the next one (one transaction each); `write` settles only once its
 * batch has committed or failed, so the caller acks or naks its NATS message on it.
 */
import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import type { Webhook, JobStatus } from '../../../shared/messages.ts';
import type { CheckResult, Reachability } from '../../../shared/result.ts';
import { withScore } from '../../../shared/score.ts';
import { rowsOf, type Database, type Store } from './db.ts';
import { withoutNul } from './without-nul.ts';
import { StoreError, toStoreError } from './errors.ts';
import { toJobStatus } from './job-status.ts';
import { jobs, results } from './schema.ts';

export interface ResultRow {
  /** `bulkItemMsgId(jobId, index)` for a job item; the check id for a single check. */
  id: string;
  tenantId: string;
  /** Set together with `itemIndex` for a bulk job item; absent for a single check. */
  jobId?: string | null;
  itemIndex?: number | null;
  email: string;
  result: CheckResult;
}

/** A job whose last result was committed by this batch: its webhook is due now. */
export interface FinishedJob {
  jobId: string;
  tenantId: string;
  status: JobStatus;
  webhook: Webhook | null;
}

export interface WriteOutcome {
  /** False when a row with this id was already stored (a redelivery): nothing changed. */
  inserted: boolean;
  /** Set on exactly one write: the one whose commit finished the job. */
  finishedJob?: FinishedJob;
}

export interface BatchOutcome {
  insertedIds: Set<string>;
  finishedJobs: FinishedJob[];
}

const COUNT_COLUMN = {
  safe: jobs.countSafe,
  risky: jobs.countRisky,
  invalid: jobs.countInvalid,
  unknown: jobs.countUnknown,
} as const;

/**
 * Writes rows in one transaction: results inserted unless their id exists, job counters
 * bumped for the new ones only, jobs that reached their total marked finished.
 */
export async function writeResultBatch(db: Database, rows: readonly ResultRow[]): Promise<BatchOutcome> {
  try {
    return await writeBatch(db, rows);
  } catch (err) {
    throw toStoreError(err);
  }
}

async function writeBatch(db: Database, rows: readonly ResultRow[]): Promise<BatchOutcome> {
  const unique = new Map<string, ResultRow>();
  for (const r of rows) if (!unique.has(r.id)) unique.set(r.id, r);
  if (unique.size === 0) return { insertedIds: new Set(), finishedJobs: [] };
  // A fixed order of ids and jobs keeps concurrent batches (other machines) from deadlocking.
  const values = [...unique.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const insertResults = (q: Database) => insertRows(q, values);
  // Single checks touch no job row: one INSERT is atomic by itself, and BEGIN/COMMIT would be two
  // more round trips that each waiting edge pays.
  if (values.every((v) => (v.jobId ?? null) === null)) {
    const inserted = await insertResults(db);
    return { insertedIds: new Set(inserted.map((r) => r.id)), finishedJobs: [] };
  }

  return db.transaction(async (tx) => {
    const inserted = await insertResults(tx);

    const perJob = new Map<string, { n: number; scoreSum: number; counts: Record<Reachability, number> }>();
    for (const r of inserted) {
      if (!r.jobId) continue;
      let g = perJob.get(r.jobId);
      if (!g) perJob.set(r.jobId, (g = { n: 0, scoreSum: 0, counts: { safe: 0, risky: 0, invalid: 0, unknown: 0 } }));
      g.n++;
      g.scoreSum += resultScoreOf(unique.get(r.id)!.result);
      g.counts[r.isReachable]++;
    }
    const jobIds = [...perJob.keys()].sort();
    for (const jobId of jobIds) {
      const g = perJob.get(jobId)!;
      await tx
        .update(jobs)
        .set({
          done: sql`${jobs.done} + ${g.n}`,
          scoreSum: sql`${jobs.scoreSum} + ${g.scoreSum}`,
          countSafe: sql`${COUNT_COLUMN.safe} + ${g.counts.safe}`,
          countRisky: sql`${COUNT_COLUMN.risky} + ${g.counts.risky}`,
          countInvalid: sql`${COUNT_COLUMN.invalid} + ${g.counts.invalid}`,
          countUnknown: sql`${COUNT_COLUMN.unknown} + ${g.counts.unknown}`,
        })
        .where(eq(jobs.id, jobId));
    }
    // Only the transaction that moves a job from running to finished sees it here.
    const finished =
      jobIds.length === 0
        ? []
        : await tx
            .update(jobs)
            .set({ status: 'finished', finishedAt: sql`now()` })
            .where(and(inArray(jobs.id, jobIds), eq(jobs.status, 'running'), gte(jobs.done, jobs.total)))
            .returning();
    return {
      insertedIds: new Set(inserted.map((r) => r.id)),
      finishedJobs: finished.map((j) => ({
        jobId: j.id,
        tenantId: j.tenantId,
        status: toJobStatus(j),
        webhook: j.webhookUrl && j.webhookSecret ? { url: j.webhookUrl, secret: j.webhookSecret } : null,
      })),
    };
  });
}

/** The result's score; one stored by an older machine without it is scored here. */
const resultScoreOf = (result: CheckResult): number => withScore(result).score;

/**
 * One INSERT for the whole batch, its rows as one JSON parameter read by jsonb_to_recordset.
 * Drizzle's insert builder made a parameter per column per row (9 x 200), each through its
 * entity checks and mapping, and postgres.js prepared a new statement for every batch size:
 * together most of a bulk machine's CPU. This statement's text never changes.
 */
async function insertRows(q: Database, rows: readonly ResultRow[]): Promise<{ id: string; jobId: string | null; isReachable: Reachability }[]> {
  const toJson = (clean: <T>(v: T) => T): string =>
    JSON.stringify(
      rows.map((r) => ({
        id: r.id,
        tenant_id: r.tenantId,
        job_id: r.jobId ?? null,
        item_index: r.itemIndex ?? null,
        email: clean(r.email),
        is_reachable: r.result.is_reachable,
        reason: r.result.reason,
        result: clean(r.result),
        checked_at: checkedAt(r.result).toISOString(),
      })),
    );
  // JSON writes U+0000 as \u0000, which jsonb refuses: look for it in the text, and clean the rows only when it is there.
  let payload = toJson((v) => v);
  if (payload.includes('\\u0000')) payload = toJson(withoutNul);
  // ::text first: the parameter goes over as the string it is (neither driver re-encodes it as JSON).
  const res = await q.execute(sql`
    insert into ${results} (id, tenant_id, job_id, item_index, email, is_reachable, reason, result, checked_at)
    select r.id, r.tenant_id, r.job_id, r.item_index, r.email, r.is_reachable, r.reason, r.result, r.checked_at
    from jsonb_to_recordset(${payload}::text::jsonb) as r(id text, tenant_id text, job_id text, item_index integer, email text, is_reachable text, reason text, result jsonb, checked_at timestamptz)
    on conflict (id) do nothing
    returning id, job_id, is_reachable`);
  return rowsOf<{ id: string; job_id: string | null; is_reachable: Reachability }>(res).map((r) => ({ id: r.id, jobId: r.job_id, isReachable: r.is_reachable }));
}

function checkedAt(result: CheckResult): Date {
  const d = new Date(result.debug.checked_at);
  return Number.isNaN(d.getTime()) ? new Date() : d;
}

export interface ResultWriterOptions {
  /** Most rows in one transaction (default 200). */
  maxBatch?: number;
  /**
   * How long a row waits for companions before its batch starts. Default 0: a batch starts as soon
   * as the rows of this turn of the event loop are in, and rows that come while it commits form the
   * next one (group commit), so an idle machine writes a single check at once and a busy one still
   * writes in large batches.
   */
  maxDelayMs?: number;
  /**
   * A batch not committed by then is reported failed (its writes reject as
   * `db_unavailable`) and the writer moves on: a server that stops answering without
   * closing the connection must not stall every later write. Default 15 s.
   */
  commitTimeoutMs?: number;
  /** Called once per job finished by a committed batch (as well as on its WriteOutcome), even one that committed after its deadline. */
  onJobFinished?: (job: FinishedJob) => void;
}

export interface ResultWriter {
  /** Resolves after the row's batch committed; rejects if it failed (nothing of it was stored). */
  write(row: ResultRow): Promise<WriteOutcome>;
  /** Commits everything written so far; failures reach the writes' own promises, not this one. */
  flush(): Promise<void>;
  /** Flushes, then refuses further writes. */
  close(): Promise<void>;
}

interface Pending {
  row: ResultRow;
  resolve: (o: WriteOutcome) => void;
  reject: (e: unknown) => void;
}

export class WriterClosedError extends Error {
  readonly code = 'writer_closed';
  constructor() {
    super('the result writer is closed');
    this.name = 'WriterClosedError';
  }
}

export function createResultWriter(store: Store, opts: ResultWriterOptions = {}): ResultWriter {
  const maxBatch = Math.max(1, opts.maxBatch ?? 200);
  const maxDelayMs = Math.max(0, opts.maxDelayMs ?? 0);
  const commitTimeoutMs = Math.max(1, opts.commitTimeoutMs ?? 15_000);
  let pending: Pending[] = [];
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  let closed = false;

  const start = () => {
    if (timer) {
      if (maxDelayMs === 0) clearImmediate(timer as NodeJS.Immediate);
      else clearTimeout(timer as NodeJS.Timeout);
      timer = null;
    }
    if (running || pending.length === 0) return;
    const batch = pending.slice(0, maxBatch);
    pending = pending.slice(maxBatch);
    running = commitWithDeadline(batch).finally(() => {
      running = null;
      // Rows that queued during the commit have already waited long enough.
      if (pending.length > 0) start();
    });
  };

  // If the late commit does succeed, the redelivered rows find their ids taken: still counted once.
  const commitWithDeadline = (batch: Pending[]) =>
    new Promise<void>((done) => {
      const deadline = setTimeout(() => {
        const err = new StoreError('db_unavailable', `the database did not commit a batch within ${commitTimeoutMs} ms`);
        for (const p of batch) p.reject(err);
        done();
      }, commitTimeoutMs);
      void commit(batch).finally(() => {
        clearTimeout(deadline);
        done();
      });
    });

  const commit = async (batch: Pending[]): Promise<void> => {
    let outcome: BatchOutcome;
    try {
      outcome = await writeResultBatch(store.db, batch.map((p) => p.row));
    } catch (err) {
      // One row the database refuses must not hold back the others: write them one by one.
      if (batch.length > 1 && err instanceof StoreError && err.code === 'db_bad_data') {
        for (const p of batch) await commit([p]);
        return;
      }
      for (const p of batch) p.reject(err);
      return;
    }
    const seen = new Set<string>();
    const outcomes = batch.map((p) => {
      const inserted = outcome.insertedIds.has(p.row.id) && !seen.has(p.row.id);
      seen.add(p.row.id);
      return { inserted } as WriteOutcome;
    });
    for (const job of outcome.finishedJobs) {
      let last = -1;
      batch.forEach((p, i) => {
        if (outcomes[i]!.inserted && p.row.jobId === job.jobId) last = i;
      });
      if (last >= 0) outcomes[last]!.finishedJob = job;
      try {
        opts.onJobFinished?.(job);
      } catch {
        // A failing listener must not turn a committed batch into rejected writes.
      }
    }
    batch.forEach((p, i) => p.resolve(outcomes[i]!));
  };

  const write = (row: ResultRow): Promise<WriteOutcome> => {
    if (closed) return Promise.reject(new WriterClosedError());
    if ((row.jobId == null) !== (row.itemIndex == null)) {
      return Promise.reject(new TypeError(`result ${row.id}: jobId and itemIndex go together`));
    }
    return new Promise<WriteOutcome>((resolve, reject) => {
      pending.push({ row, resolve, reject });
      if (running) return; // picked up when the current batch ends
      if (pending.length >= maxBatch) start();
      else if (!timer) timer = maxDelayMs === 0 ? setImmediate(start) : setTimeout(start, maxDelayMs);
    });
  };

  const flush = async () => {
    while (running || pending.length > 0) {
      start();
      await running;
    }
  };

  return {
    write,
    flush,
    close: async () => {
      closed = true;
      await flush();
    },
  };
}
