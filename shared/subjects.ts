/**
 * @module subjects
 * The one place for NATS names: streams, subjects, consumers, KV buckets, headers
 * and service endpoints. Both the edge and the machines import these.
 */

export const STREAMS = {
  /** Work-queue of per-address checks: `verify.single` and `verify.bulk.<jobId>`. */
  verify: { name: 'VERIFY', subjects: ['verify.single', 'verify.bulk.>'] },
  /** Work-queue of bulk job chunks published by the edge. */
  jobs: { name: 'JOBS', subjects: ['jobs.submit.>'] },
  /**
   * Checks put off for longer than a short nak: `retry.<original subject>`, released to the original
   * subject when due. Kept out of VERIFY so a long wait never holds a slot of the bulk consumer's max_ack_pending.
   */
  retry: { name: 'RETRY', subjects: ['retry.>'] },
} as const;

export const SUBJECTS = {
  single: 'verify.single',
  bulk: (jobId: string) => `verify.bulk.${jobId}`,
  jobSubmit: (jobId: string) => `jobs.submit.${jobId}`,
  /** Where a check message waits for its retry, by the subject it is released to. */
  retry: (subject: string) => `retry.${subject}`,
} as const;

/** Durable pull consumers shared by every machine. */
export const CONSUMERS = {
  single: { stream: STREAMS.verify.name, name: 'verify-single', filter: 'verify.single' },
  bulk: { stream: STREAMS.verify.name, name: 'verify-bulk', filter: 'verify.bulk.>' },
  jobs: { stream: STREAMS.jobs.name, name: 'jobs-submit', filter: 'jobs.submit.>' },
  /** Takes waiting retries, holds each (nak with its remaining delay) and releases it when due. */
  retry: { stream: STREAMS.retry.name, name: 'retry-release', filter: 'retry.>' },
} as const;

export const KV_BUCKETS = {
  throttle: 'throttle',
  machines: 'machines',
  /** Catch-all probe answers per domain, shared by every machine (bucket TTL = CATCH_ALL_TTL). */
  catchAll: 'catchall',
} as const;

export const HEADERS = {
  /** On a `verify.single` message: the inbox the edge waits on for the result. */
  replyTo: 'Emailcheck-Reply-To',
  /** JetStream de-duplication (Nats-Msg-Id): a retried publish is not a second check. */
  msgId: 'Nats-Msg-Id',
  /** On a check released from RETRY: deliveries of the same check before this message (JetStream counts restart). */
  deliveries: 'Emailcheck-Deliveries',
} as const;

/** The machines' NATS service (queue group), answering the edge. */
export const SERVICE = {
  name: 'emailcheck',
  queue: 'emailcheck-machines',
  endpoints: {
    jobStatus: 'emailcheck.job.status',
    jobFinish: 'emailcheck.job.finish',
    jobList: 'emailcheck.job.list',
    jobResults: 'emailcheck.job.results',
    checkGet: 'emailcheck.check.get',
  },
} as const;

/** Message id for a per-address bulk message: the same job item always dedupes to one check. */
export const bulkItemMsgId = (jobId: string, index: number) => `${jobId}:${index}`;
export const jobChunkMsgId = (jobId: string, chunkIndex: number) => `${jobId}:chunk:${chunkIndex}`;
