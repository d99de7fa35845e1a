/**
 * @module work/webhook-dispatch
 * Who sends a finished job's webhook, and when, so none is lost and none goes out twice at once:
 * the machine that finished the job claims it first (a lease in Postgres) and sends it; a sweep on
 * every machine, at start and then periodically, claims the ones whose lease ran out (the machine
 * died mid-delivery, or every attempt failed) and sends them again, until delivered or too old.
 * Delivery is at-least-once: a receiver dedupes by `job_id` (or the `Emailcheck-Delivery` id, the
 * same for every attempt of a job). One that can never succeed (a private literal address) is
 * abandoned at its first refusal instead of being retried for a day.
 */
import type { Logger } from 'pino';
import { abandonWebhook, claimWebhooks, markWebhookDelivered, type JobWebhook, type Store } from '../store/index.ts';
import { deliverWebhook, type WebhookDelivery } from './webhook.ts';

export interface WebhookDispatchOptions {
  store: Store;
  log: Logger;
  maxAttempts: number;
  /** Time between delivery rounds of a webhook that is not delivered yet. */
  retryIntervalMs: number;
  allowPrivate: boolean;
  /** First backoff inside a round; doubles each attempt (deliverWebhook's default 1 s). */
  baseDelayMs?: number;
  /** Jobs finished longer ago than this are given up on. Default 24 h. */
  giveUpAfterMs?: number;
  onDelivery?: (out: WebhookDelivery) => void;
}

export interface WebhookDispatch {
  /** A job just finished on this machine: send its webhook now. */
  jobFinished(jobId: string): void;
  stop(): void;
}

const ATTEMPT_TIMEOUT_MS = 10_000;

export function startWebhookDispatch(o: WebhookDispatchOptions): WebhookDispatch {
  // The lease covers a whole round (every attempt, its timeout and backoff), so no other
  // machine starts a second round while this one may still succeed; then the retry interval.
  const base = o.baseDelayMs ?? 1000;
  const roundMs = o.maxAttempts * ATTEMPT_TIMEOUT_MS + base * (2 ** Math.max(0, o.maxAttempts - 1) - 1);
  const leaseMs = roundMs + o.retryIntervalMs;
  let stopped = false;

  const send = async (w: JobWebhook) => {
    const out = await deliverWebhook(w.webhook, { event: 'job.finished', ...w.status }, {
      maxAttempts: o.maxAttempts,
      baseDelayMs: base,
      timeoutMs: ATTEMPT_TIMEOUT_MS,
      allowPrivate: o.allowPrivate,
      deliveryId: `whd_${w.jobId}`,
    });
    o.onDelivery?.(out);
    if (out.permanent) {
      o.log.warn({ jobId: w.jobId, error: out.error }, 'webhook refused for good; not retried');
      await abandonWebhook(o.store, w.jobId).catch((err) => o.log.warn({ jobId: w.jobId, err: (err as Error).message }, 'webhook refusal not recorded; it will be tried again'));
      return;
    }
    if (out.delivered) await markWebhookDelivered(o.store, w.jobId).catch((err) => o.log.warn({ jobId: w.jobId, err: (err as Error).message }, 'webhook delivered but not recorded; it may be sent again'));
    else o.log.warn({ jobId: w.jobId, attempts: out.attempts, error: out.error, retryInS: Math.round(leaseMs / 1000) }, 'webhook not delivered; will try again');
  };

  const claimAndSend = async (filter: { jobId?: string }) => {
    if (stopped) return;
    try {
      const claimed = await claimWebhooks(o.store, { leaseMs, maxAgeMs: o.giveUpAfterMs ?? 24 * 3600_000, limit: 20, ...filter });
      await Promise.all(claimed.map((w) => send(w).catch((err) => o.log.warn({ jobId: w.jobId, err: (err as Error).message }, 'webhook send failed'))));
    } catch (err) {
      // The database is away: the sweep tries again later.
      o.log.warn({ err: (err as Error).message }, 'webhook claim failed');
    }
  };

  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      await claimAndSend({});
    } finally {
      sweeping = false;
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), Math.max(250, Math.min(60_000, o.retryIntervalMs / 2)));
  timer.unref();

  return {
    jobFinished: (jobId) => void claimAndSend({ jobId }),
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
