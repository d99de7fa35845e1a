/**
 * @module store/job-status
 * Maps a `jobs` row to the API's JobStatus shape (shared/messages.ts).
 */
import { NOTHING_WAITING, type JobStatus, type JobWaiting } from '../../../shared/messages.ts';
import type { jobs } from './schema.ts';

export type JobRow = typeof jobs.$inferSelect;

/** `waiting` is computed from the job's items (store/job-waits.ts); a finished job waits for nothing. */
export function toJobStatus(row: JobRow, waiting: JobWaiting = NOTHING_WAITING): JobStatus {
  return {
    job_id: row.id,
    state: row.status,
    total: row.total,
    done: row.done,
    counts: { safe: row.countSafe, risky: row.countRisky, invalid: row.countInvalid, unknown: row.countUnknown },
    created_at: row.createdAt.toISOString(),
    finished_at: row.finishedAt ? row.finishedAt.toISOString() : null,
    waiting,
    average_score: row.done > 0 ? Math.round(row.scoreSum / row.done) : null,
  };
}
