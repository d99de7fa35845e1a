/**
 * @module store/jobs
 * Stores bulk jobs from their `jobs.submit.<jobId>` chunks. Idempotent: the first
 * chunk to arrive creates the job row, a redelivered chunk changes nothing. Job-level data (the
 * webhook, max_wait_seconds) comes with chunk 0 only, which may arrive after others: it is set on the row then, in
 * the transaction that also stores chunk 0's items, so the job cannot finish before it is known.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { JobChunkMessage } from '../../../shared/messages.ts';
import { rowsOf, type Store } from './db.ts';
import { jobItems, jobs } from './schema.ts';
import { withoutNul } from './without-nul.ts';

export interface StoredChunk {
  /** This call created the job row. */
  jobCreated: boolean;
  /** Items of this chunk that were not stored before. */
  itemsInserted: number;
}

export async function storeJobChunk(store: Store, chunk: JobChunkMessage): Promise<StoredChunk> {
  if (chunk.rows && chunk.rows.length !== chunk.emails.length) {
    throw new RangeError(`chunk ${chunk.chunkIndex} of job ${chunk.jobId} has ${chunk.rows.length} CSV rows for ${chunk.emails.length} addresses`);
  }
  if (chunk.offset + chunk.emails.length > chunk.total) {
    throw new RangeError(`chunk ${chunk.chunkIndex} of job ${chunk.jobId} ends at ${chunk.offset + chunk.emails.length}, past total ${chunk.total}`);
  }
  const parsed = new Date(chunk.createdAt);
  const createdAt = Number.isNaN(parsed.getTime()) ? new Date() : parsed;
  return store.db.transaction(async (tx) => {
    const created = await tx
      .insert(jobs)
      .values({
        id: chunk.jobId,
        tenantId: chunk.tenantId,
        status: 'running',
        total: chunk.total,
        webhookUrl: chunk.webhook?.url ?? null,
        webhookSecret: chunk.webhook?.secret ?? null,
        inputColumns: chunk.inputColumns ?? null,
        createdAt,
        finishBy: chunk.maxWaitSeconds ? new Date(createdAt.getTime() + chunk.maxWaitSeconds * 1000) : null,
      })
      .onConflictDoNothing({ target: jobs.id })
      .returning({ id: jobs.id });
    if (created.length === 0 && chunk.webhook) {
      await tx
        .update(jobs)
        .set({ webhookUrl: chunk.webhook.url, webhookSecret: chunk.webhook.secret })
        .where(and(eq(jobs.id, chunk.jobId), isNull(jobs.webhookUrl)));
    }
    if (created.length === 0 && chunk.maxWaitSeconds) {
      await tx
        .update(jobs)
        .set({ finishBy: new Date(createdAt.getTime() + chunk.maxWaitSeconds * 1000) })
        .where(and(eq(jobs.id, chunk.jobId), isNull(jobs.finishBy)));
    }
    // Job-level fields ride on chunk 0, not necessarily the first to arrive.
    if (created.length === 0 && chunk.inputColumns) {
      await tx.update(jobs).set({ inputColumns: chunk.inputColumns }).where(and(eq(jobs.id, chunk.jobId), isNull(jobs.inputColumns)));
    }
    // One statement for the chunk, its items as one JSON parameter (see insertRows in result-writer.ts):
    // drizzle's builder made four parameters per item, each through its entity checks.
    const items = chunk.emails.map((email, i) => ({ job_id: chunk.jobId, idx: chunk.offset + i, email: withoutNul(email), input_row: withoutNul(chunk.rows?.[i] ?? null) }));
    const inserted = await tx.execute(sql`
      insert into ${jobItems} (job_id, idx, email, input_row)
      select r.job_id, r.idx, r.email, r.input_row
      from jsonb_to_recordset(${JSON.stringify(items)}::text::jsonb) as r(job_id text, idx integer, email text, input_row jsonb)
      on conflict do nothing
      returning idx`);
    const itemsInserted = rowsOf(inserted).length;
    return { jobCreated: created.length > 0, itemsInserted };
  });
}
