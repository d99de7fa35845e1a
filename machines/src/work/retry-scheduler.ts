/**
 * @module work/retry-scheduler
 * The one way a check message is put off until later: a temporary outcome's retry or a hold
 * by our own limits (rate, daily cap, breaker). JetStream keeps a message nak'ed with a delay in
 * the consumer's pending set (nats-server `processNak`), so it holds one of `max_ack_pending`
 * slots until it is due: enough held items would stall the bulk consumer for every tenant. So
 * only short waits, and only a few per machine, are nak'ed; every other one leaves the queue:
 * published to `retry.<subject>` (Nats-Msg-Id from the message's stream sequence, so a
 * redelivered message that decides the same again is deduplicated), and only then acked. A crash
 * between the two leaves the original to be redelivered: at least once, never lost.
 */
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CheckResult } from '../../../shared/result.ts';
import { HEADERS, SUBJECTS } from '../../../shared/subjects.ts';
import type { WaitReason } from '../../../shared/wait-reasons.ts';
import type { ItemWait } from '../store/index.ts';

export interface Wait {
  delayMs: number;
  reason: WaitReason;
  /** From now until the last try the retry policy allows for this item. */
  untilLastTryMs: number;
  /** The temporary outcome that caused the wait (absent for a hold). */
  result?: CheckResult;
  /** The job item, for the job's status. */
  item?: { jobId: string; index: number };
}

export interface RetryScheduler {
  /** Settles `msg` (nak, or publish to RETRY then ack) so it is tried again after `wait.delayMs`. */
  later(msg: JsMsg, wait: Wait): Promise<void>;
}

/** A check message waiting in RETRY: what to publish where, and when. */
export const RetryEnvelope = z.object({
  subject: z.string().min(1),
  data: z.string(),
  dueAt: z.number(),
  /** Deliveries of this check so far (carried across republishes). */
  deliveries: z.number().int().nonnegative(),
  reason: z.string(),
  replyTo: z.string().optional(),
});
export type RetryEnvelope = z.infer<typeof RetryEnvelope>;

/** Deliveries of the check this message carries, across its republishes through RETRY. */
export function deliveriesOf(msg: JsMsg): number {
  const before = Number(msg.headers?.get(HEADERS.deliveries) ?? 0);
  return (Number.isSafeInteger(before) && before > 0 ? before : 0) + msg.info.deliveryCount;
}

export interface RetrySchedulerOptions {
  js: JetStreamClient;
  /** Waits up to this are nak'ed with the delay. */
  nakMaxMs: number;
  /** Most such naks outstanding on this machine at once. */
  nakMaxPending: number;
  /** Records the wait of a job item (best effort: the job status is informational, the message is what counts). */
  record?: (w: ItemWait) => Promise<void>;
  log: Logger;
  onScheduled?: (via: 'nak' | 'retry_stream') => void;
}

export function createRetryScheduler(opts: RetrySchedulerOptions): RetryScheduler {
  // Due times of this machine's outstanding short naks.
  let naks: number[] = [];
  const outstanding = (now: number) => (naks = naks.filter((t) => t > now)).length;

  return {
    async later(msg, wait) {
      const now = Date.now();
      const delayMs = Math.max(0, Math.round(wait.delayMs));
      const dueAt = now + delayMs;
      if (wait.item && opts.record) {
        // Not awaited: a slow database must not hold the message past its ack wait.
        void opts
          .record({ jobId: wait.item.jobId, idx: wait.item.index, reason: wait.reason, until: new Date(dueAt), lastAt: new Date(now + Math.max(delayMs, wait.untilLastTryMs)), lastResult: wait.result })
          .catch((err) => opts.log.warn({ err: (err as Error).message, jobId: wait.item?.jobId }, 'item wait not recorded'));
      }
      if (delayMs <= opts.nakMaxMs && outstanding(now) < opts.nakMaxPending) {
        naks.push(dueAt);
        msg.nak(delayMs);
        opts.onScheduled?.('nak');
        return;
      }
      const envelope: RetryEnvelope = {
        subject: msg.subject,
        data: msg.string(),
        dueAt,
        deliveries: deliveriesOf(msg),
        reason: wait.reason,
        replyTo: msg.headers?.get(HEADERS.replyTo) || undefined,
      };
      try {
        await opts.js.publish(SUBJECTS.retry(msg.subject), JSON.stringify(envelope), { msgID: `${msg.info.stream}:${msg.info.streamSequence}` });
      } catch (err) {
        // RETRY not reachable: the nak holds a slot, but loses nothing.
        opts.log.warn({ err: (err as Error).message }, 'retry not published; handed back with nak');
        msg.nak(delayMs);
        return;
      }
      msg.ack();
      opts.onScheduled?.('retry_stream');
    },
  };
}

/** Builds the message a due envelope is released as. */
export function releaseHeaders(env: RetryEnvelope) {
  const h = natsHeaders();
  h.set(HEADERS.deliveries, String(env.deliveries));
  if (env.replyTo) h.set(HEADERS.replyTo, env.replyTo);
  return h;
}
