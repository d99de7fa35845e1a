/**
 * @module work/job-finisher
 * Finishes jobs whose `finish_by` passed (submit option `max_wait_seconds`, or a finish request
 * whose machine died half-way): every machine sweeps every few seconds; two finishing the same
 * job at once is safe (the writes are idempotent and only one moves it to finished).
 */
import type { Logger } from 'pino';
import { finishRunningJob, jobsDueToFinish, type FinishedJob, type Store } from '../store/index.ts';

export function startJobFinisher(opts: { store: Store; intervalMs: number; log: Logger; onFinished: (job: FinishedJob) => void }): { stop(): void } {
  let busy = false;
  const sweep = async () => {
    if (busy) return;
    busy = true;
    try {
      for (const job of await jobsDueToFinish(opts.store)) {
        const out = await finishRunningJob(opts.store, job);
        if (out.finished) {
          opts.log.info({ jobId: job.id }, 'job finished at its max wait');
          opts.onFinished(out.finished);
        }
      }
    } catch (err) {
      opts.log.warn({ err: (err as Error).message }, 'finishing due jobs failed; next sweep tries again');
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void sweep(), opts.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
