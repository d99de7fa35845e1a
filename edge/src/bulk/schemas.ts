/**
 * @module bulk/schemas
 * Response bodies and query of the bulk routes; the routes build and validate with these, and
 * /openapi.json describes them.
 */
import { z } from 'zod';
import { Counts, JOB_STATES, JobStatus } from '../../../shared/messages.ts';
import { REACHABILITY, type Reachability } from '../../../shared/result.ts';

export const BulkLinks = z.object({
  self: z.string().describe('Progress: `GET` this path.'),
  finish: z.string().describe('`POST` here to finish the job now.'),
  results: z.string().describe('Results as JSON pages.'),
  results_csv: z.string().describe('Results as one CSV download.'),
});

export const BulkAccepted = z.object({
  job_id: z.string(),
  status: z.literal('queued'),
  total: z.number().int().describe('Addresses in the job (after duplicates were removed).'),
  received: z.number().int().describe('Non-blank addresses in the request (blank rows and a CSV header row are not counted).'),
  duplicates_removed: z.number().int().describe('Later copies of an address already in the job (same normalized address).'),
  invalid_syntax: z.number().int().describe('Of `total`, addresses already invalid by syntax; their results are `invalid` / `invalid_syntax`.'),
  webhook: z.boolean().describe('Whether a job.finished webhook will be sent.'),
  max_wait_seconds: z.number().int().nullable().describe('The job is finished this long after `created_at` at the latest (null: when every address has its final answer).'),
  created_at: z.string(),
  links: BulkLinks,
});
export type BulkAccepted = z.infer<typeof BulkAccepted>;

export const BulkJobStatus = JobStatus.extend({
  state: z
    .enum(['queued', ...JobStatus.shape.state.options])
    .describe('`queued`: accepted, not yet picked up by a machine; `running`; `finished`: every address has a result (its final answer, or the `unknown` it was stored with when the job was finished early).'),
  counts: Counts.describe('Results so far, by verdict.'),
  links: BulkLinks,
});
export type BulkJobStatus = z.infer<typeof BulkJobStatus>;

const VERDICT_LIST = new RegExp(`^(${REACHABILITY.join('|')})(,(${REACHABILITY.join('|')}))*$`);

/** `safe,risky` → ['safe', 'risky'] (each once). */
const VerdictList = z
  .string()
  .regex(VERDICT_LIST, `a comma-separated list of ${REACHABILITY.join(', ')}`)
  .transform((s) => [...new Set(s.split(','))] as Reachability[]);

export const BulkResultsQuery = z.object({
  cursor: z.string().min(1).max(64).optional().describe('`next_cursor` of the previous page.'),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('Results per JSON page (1 to 1000, default 100). The CSV download holds every result.'),
  verdict: VerdictList.optional().describe('Only results with one of these `is_reachable` values, comma-separated: `safe` or `safe,risky`.'),
  format: z.enum(['json', 'csv']).optional().describe('`csv`: the whole result set as one CSV download (same as `Accept: text/csv`).'),
});
export type BulkResultsQuery = z.infer<typeof BulkResultsQuery>;

export const BulkListQuery = z.object({
  state: z.enum(JOB_STATES).optional().describe('Only jobs in this state (`running` or `finished`). A job still `queued` at the edge is listed once a machine has stored it, within a second or so.'),
  cursor: z.string().min(1).max(128).optional().describe('`next_cursor` of the previous page.'),
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('Jobs per page (1 to 100, default 20).'),
});

export const BulkJobList = z.object({
  items: z.array(BulkJobStatus).describe('The tenant\'s jobs, newest first.'),
  next_cursor: z.string().nullable().describe('Pass as `cursor` for the next (older) page; null on the last.'),
});
export type BulkJobList = z.infer<typeof BulkJobList>;
