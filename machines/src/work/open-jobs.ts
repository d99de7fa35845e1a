/**
 * @module work/open-jobs
 * Whether a bulk job still takes results, asked before a check spends SMTP on one of its items.
 * One read per job and machine every few seconds; when the database does not answer the job
 * counts as open (the check runs, and a late result of a finished job changes nothing anyway).
 */
import { eq } from 'drizzle-orm';
import { jobs, type Store } from '../store/index.ts';

export function createOpenJobs(store: Store, ttlMs = 5000): (jobId: string) => Promise<boolean> {
  const cache = new Map<string, { open: Promise<boolean>; at: number }>();
  return (jobId) => {
    const now = Date.now();
    const hit = cache.get(jobId);
    if (hit && now - hit.at < ttlMs) return hit.open;
    if (cache.size > 10_000) cache.clear();
    const open = store.db
      .select({ status: jobs.status })
      .from(jobs)
      .where(eq(jobs.id, jobId))
      .limit(1)
      .then(([row]) => row?.status !== 'finished', () => true);
    cache.set(jobId, { open, at: now });
    return open;
  };
}
