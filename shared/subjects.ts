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
} as const;

export const SUBJECTS = {
  single: 'verify.single',
  bulk: (jobId: string) => `verify.bulk.${jobId}`,
  jobSubmit: (jobId: string) => `jobs.submit.${jobId}`,
} as const;

/** Durable pull consumers shared by every machine. */
export const CONSUMERS = {
  single: { stream: STREAMS.verify.name, name: 'verify-single', filter: 'verify.single' },
  bulk: { stream: STREAMS.verify.name, name: 'verify-bulk', filter: 'verify.bulk.>' },
  jobs: { stream: STREAMS.jobs.name, name: 'jobs-submit', filter: 'jobs.submit.>' },
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
} as const;

/** The machines' NATS service (queue group), answering the edge. */
export const SERVICE = {
  name: 'emailcheck',
  queue: 'emailcheck-machines',
  endpoints: {
    jobStatus: 'emailcheck.job.status',
    jobList: 'emailcheck.job.list',
    jobResults: 'emailcheck.job.results',
    checkGet: 'emailcheck.check.get',
  },
} as const;

/** Message id for a per-address bulk message: the same job item always dedupes to one check. */
export const bulkItemMsgId = (jobId: string, index: number) => `${jobId}:${index}`;
export const jobChunkMsgId = (jobId: string, chunkIndex: number) => `${jobId}:chunk:${chunkIndex}`;
