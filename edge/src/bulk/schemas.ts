/**
 * @module bulk/schemas
 * Response bodies and query of the bulk routes; the routes build and validate with these, and
 * /openapi.json describes them.
 */
import { z } from 'zod';
import { Counts, JobStatus } from '../../../shared/messages.ts';
import { Reachability } from '../../../shared/result.ts';

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

export const BulkResultsQuery = z.object({
  cursor: z.string().min(1).max(64).optional().describe('`next_cursor` of the previous page.'),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('Results per JSON page (1 to 1000, default 100). The CSV download holds every result.'),
  verdict: Reachability.optional().describe('Only results with this `is_reachable`.'),
  format: z.enum(['json', 'csv']).optional().describe('`csv`: the whole result set as one CSV download (same as `Accept: text/csv`).'),
});
export type BulkResultsQuery = z.infer<typeof BulkResultsQuery>;
