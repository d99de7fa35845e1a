/**
 * @module store/schema
 * Postgres tables of the machines (jobs, their items, results), in Drizzle's pg-core;
 * `npx drizzle-kit generate` turns changes here into the SQL migrations in drizzle/.
 */
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { CheckResult, Reachability, Reason } from '../../../shared/result.ts';
import type { WaitReason } from '../../../shared/wait-reasons.ts';
import type { JOB_STATES } from '../../../shared/messages.ts';

export type JobState = (typeof JOB_STATES)[number];

export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    status: text('status').$type<JobState>().notNull().default('running'),
    total: integer('total').notNull(),
    done: integer('done').notNull().default(0),
    countSafe: integer('count_safe').notNull().default(0),
    countRisky: integer('count_risky').notNull().default(0),
    countInvalid: integer('count_invalid').notNull().default(0),
    countUnknown: integer('count_unknown').notNull().default(0),
    /** Sum of the stored results' scores: the job's average score is scoreSum / done. */
    scoreSum: integer('score_sum').notNull().default(0),
    /** Header of an uploaded CSV, when it had one: the download repeats these columns first. */
    inputColumns: jsonb('input_columns').$type<string[]>(),
    webhookUrl: text('webhook_url'),
    webhookSecret: text('webhook_secret'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    webhookDeliveredAt: timestamp('webhook_delivered_at', { withTimezone: true, mode: 'date' }),
    /** A machine delivering the webhook holds it until then; after that any machine may (it died, or delivery failed). */
    webhookClaimedUntil: timestamp('webhook_claimed_until', { withTimezone: true, mode: 'date' }),
    /** Finish the job at this time (submit option `max_wait_seconds`, or `POST /v1/bulk/:id/finish`): what waits then is stored as `unknown`. */
    finishBy: timestamp('finish_by', { withTimezone: true, mode: 'date' }),
  },
  // The jobs list walks one tenant's jobs newest first.
  (t) => [
    index('jobs_tenant_id_idx').on(t.tenantId),
    index('jobs_tenant_created_idx').on(t.tenantId, t.createdAt.desc(), t.id.desc()),
    // Every machine looks for running jobs past their finish_by every few seconds.
    index('jobs_finish_due_idx').on(t.finishBy).where(sql`${t.status} = 'running' and ${t.finishBy} is not null`),
  ],
);

export const jobItems = pgTable(
  'job_items',
  {
    jobId: text('job_id').notNull(),
    idx: integer('idx').notNull(),
    email: text('email').notNull(),
    /** What the item waits for since its last try (null: not tried yet); stale once it has a result. */
    waitReason: text('wait_reason').$type<WaitReason>(),
    /** When its next try is due. */
    waitUntil: timestamp('wait_until', { withTimezone: true, mode: 'date' }),
    /** The latest time it gets a final result if every retry stays temporary. */
    waitLastAt: timestamp('wait_last_at', { withTimezone: true, mode: 'date' }),
    /** Its last temporary outcome: what a job finished early stores for it. */
    lastResult: jsonb('last_result').$type<CheckResult>(),
    /** Every field of the item's row in an uploaded CSV, in order; null for a JSON list. */
    inputRow: jsonb('input_row').$type<string[]>(),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.idx] }),
    // Job status counts the waiting items of one job.
    index('job_items_waiting_idx').on(t.jobId).where(sql`${t.waitReason} is not null`),
  ],
);

export const results = pgTable(
  'results',
  {
    /** `bulkItemMsgId(jobId, index)` for a job item, the check id for a single check: one row per check, ever. */
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    jobId: text('job_id'),
    itemIndex: integer('item_index'),
    email: text('email').notNull(),
    isReachable: text('is_reachable').$type<Reachability>().notNull(),
    reason: text('reason').$type<Reason>().notNull(),
    result: jsonb('result').$type<CheckResult>().notNull(),
    checkedAt: timestamp('checked_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  // Result pages walk one job in index order from a cursor.
  (t) => [index('results_job_id_item_index_idx').on(t.jobId, t.itemIndex).where(sql`${t.jobId} is not null`)],
);

export const schema = { jobs, jobItems, results };
export type Schema = typeof schema;
