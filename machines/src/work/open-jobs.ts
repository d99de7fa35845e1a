/**
 * @module work/open-jobs
 * Whether a bulk job still takes results, asked before a check spends SMTP on one of its items.
 * One read per open job and machine every two seconds; when the database does not answer the job
 * counts as open (the check runs, and a late result of a finished job changes nothing anyway).
 */
import { eq } from 'drizzle-orm';
import { jobs, type Store } from '../store/index.ts';

/** How long "still open" is believed: a job finished meanwhile costs at most this much SMTP on its late items. */
export const OPEN_JOB_TTL_MS = 2000;

/** An open job is asked again after `ttlMs`; a finished one never (finished is final). */
export function createOpenJobs(store: Store, ttlMs = OPEN_JOB_TTL_MS): (jobId: string) => Promise<boolean> {
  const cache = new Map<string, { open: Promise<boolean>; at: number; finished?: boolean }>();
  return (jobId) => {
    const now = Date.now();
    const hit = cache.get(jobId);
    if (hit && (hit.finished || now - hit.at < ttlMs)) return hit.open;
    if (cache.size > 10_000) cache.clear();
    const open = store.db
      .select({ status: jobs.status })
      .from(jobs)
      .where(eq(jobs.id, jobId))
      .limit(1)
      .then(([row]) => row?.status !== 'finished', () => true);
    const entry: { open: Promise<boolean>; at: number; finished?: boolean } = { open, at: now };
    void open.then((o) => (entry.finished = !o));
    cache.set(jobId, entry);
    return open;
  };
}
