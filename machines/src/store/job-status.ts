/**
 * @module store/job-status
 * Maps a `jobs` row to the API's JobStatus shape (shared/messages.ts).
 */
import type { JobStatus } from '../../../shared/messages.ts';
import type { jobs } from './schema.ts';

export type JobRow = typeof jobs.$inferSelect;

export function toJobStatus(row: JobRow): JobStatus {
  return {
    job_id: row.id,
    state: row.status,
    total: row.total,
    done: row.done,
    counts: { safe: row.countSafe, risky: row.countRisky, invalid: row.countInvalid, unknown: row.countUnknown },
    created_at: row.createdAt.toISOString(),
    finished_at: row.finishedAt ? row.finishedAt.toISOString() : null,
    average_score: row.done > 0 ? Math.round(row.scoreSum / row.done) : null,
  };
}
