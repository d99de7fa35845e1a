/**
 * @module messages
 * Message bodies on NATS (JSON), validated on receipt with these schemas.
 */
import { z } from 'zod';
import { CheckResultSchema, Reachability } from './result.ts';

const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9_-]+$/, 'ids are [A-Za-z0-9_-]');

/** `verify.single`: one address checked for an API caller. */
export const SingleCheckMessage = z.object({
  id,
  tenantId: id,
  email: z.string().max(1024),
  submittedAt: z.string(),
});
export type SingleCheckMessage = z.infer<typeof SingleCheckMessage>;

/** Job-level data travels once per job (in chunk 0), but a URL is still bounded: it lives in Postgres and in a NATS message. */
export const WEBHOOK_URL_MAX_LENGTH = 2048;
export const Webhook = z.object({ url: z.url().max(WEBHOOK_URL_MAX_LENGTH), secret: z.string().min(1).max(256) });
export type Webhook = z.infer<typeof Webhook>;

/** `jobs.submit.<jobId>`: a slice of a bulk job; `offset` is the index of emails[0] in the job. */
export const JobChunkMessage = z.object({
  jobId: id,
  tenantId: id,
  chunkIndex: z.number().int().nonnegative(),
  chunkCount: z.number().int().positive(),
  offset: z.number().int().nonnegative(),
  total: z.number().int().positive(),
  emails: z.array(z.string().max(1024)).min(1),
  /** For a CSV upload: each address's whole record (every field, in order), parallel to `emails`. */
  rows: z.array(z.array(z.string())).optional(),
  webhook: Webhook.optional(),
  /** Finish the job this long after `createdAt`: what still waits is stored as final `unknown` with its reason. */
  maxWaitSeconds: z.number().int().positive().optional(),
  /** For a CSV upload with a header row: its fields, repeated first in the results CSV. */
  inputColumns: z.array(z.string()).optional(),
  createdAt: z.string(),
});
export type JobChunkMessage = z.infer<typeof JobChunkMessage>;

/** `verify.bulk.<jobId>`: one address of a bulk job. */
export const BulkItemMessage = z.object({
  jobId: id,
  tenantId: id,
  index: z.number().int().nonnegative(),
  email: z.string().max(1024),
});
export type BulkItemMessage = z.infer<typeof BulkItemMessage>;

export const JOB_STATES = ['running', 'finished'] as const;
export const Counts = z.object({ safe: z.number(), risky: z.number(), invalid: z.number(), unknown: z.number() });

const count = z.number().int().nonnegative();

/** What a running job's unfinished items wait for (all zero and null once it is finished). */
export const JobWaiting = z.object({
  pending_first_try: count.describe('Items not yet checked (queued, or being checked now).'),
  retrying: count.describe('Items waiting for a retry after a temporary outcome or a hold by our own sending limits.'),
  by_reason: z
    .object({ greylisted: count, unreachable: count, timeout: count, throttled: count, other: count })
    .describe('`retrying` split by what the items wait for: greylisting, no MX host accepting connections, timeouts, our own limits (rate, daily cap, breaker), other temporary failures.'),
  next_retry_at: z.string().nullable().describe('When the earliest waiting retry is due (may be in the past while it waits for a free slot).'),
  latest_finish_at: z.string().nullable().describe('The latest time the job finishes if every retry stays temporary until its schedule ends, capped by `max_wait_seconds`.'),
});
export type JobWaiting = z.infer<typeof JobWaiting>;

export const NOTHING_WAITING: JobWaiting = {
  pending_first_try: 0,
  retrying: 0,
  by_reason: { greylisted: 0, unreachable: 0, timeout: 0, throttled: 0, other: 0 },
  next_retry_at: null,
  latest_finish_at: null,
};

export const JobStatus = z.object({
  job_id: z.string(),
  state: z.enum(JOB_STATES),
  total: z.number().int(),
  done: z.number().int(),
  counts: Counts,
  created_at: z.string(),
  finished_at: z.string().nullable(),
  waiting: JobWaiting,
  average_score: z.number().int().min(0).max(100).nullable().describe('Mean `score` of the results so far (null before the first).'),
  reasons: z.record(z.string(), z.number().int()).optional().describe('Results so far by `reason` (only reasons that occur); in the status of one job, not in lists or webhooks.'),
});
export type JobStatus = z.infer<typeof JobStatus>;

// Service requests: every one names the tenant; a tenant never sees another's data.
export const JobStatusRequest = z.object({ tenantId: id, jobId: id });
/** Finish a job now: what still waits is stored as final `unknown` with its reason. */
export const JobFinishRequest = z.object({ tenantId: id, jobId: id });
export const JobResultsRequest = z.object({
  tenantId: id,
  jobId: id,
  /** Opaque cursor from the previous page's `next_cursor`. */
  cursor: z.string().max(64).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  /** Only results with one of these verdicts. */
  verdict: z.array(Reachability).min(1).max(4).optional(),
});
export const JobListRequest = z.object({
  tenantId: id,
  state: z.enum(JOB_STATES).optional(),
  /** Opaque cursor from the previous page's `next_cursor`. */
  cursor: z.string().max(128).optional(),
  limit: z.number().int().min(1).max(100).default(20),
});
export const JobList = z.object({ items: z.array(JobStatus), next_cursor: z.string().nullable() });
export type JobList = z.infer<typeof JobList>;
export const CheckGetRequest = z.object({ tenantId: id, id });

export const ResultItem = z.object({
  index: z.number().int(),
  email: z.string(),
  /** The item's record of an uploaded CSV (every field), when the job came from one. */
  input_row: z.array(z.string()).nullable().optional(),
  result: CheckResultSchema,
});
export const JobResultsPage = z.object({
  job_id: z.string(),
  /** Header of the uploaded CSV, when it had one. */
  input_columns: z.array(z.string()).nullable().optional(),
  items: z.array(ResultItem),
  next_cursor: z.string().nullable(),
});
export type JobResultsPage = z.infer<typeof JobResultsPage>;

/** Error body of a service reply; `code` is what a program switches on. */
export const ServiceError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ServiceError = z.infer<typeof ServiceError>;
