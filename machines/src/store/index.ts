/**
 * @module store
 * Public surface of the machines' storage: open/migrate the database, store jobs,
 * write results in batches, read status and result pages per tenant.
 */
export { openDatabase, DEFAULT_PGLITE_DIR, type Database, type Store, type OpenDatabaseOptions } from './db.ts';
export { migratePostgres, MIGRATIONS_FOLDER } from './migrate.ts';
export { StoreError, toStoreError, type StoreErrorCode } from './errors.ts';
export { storeJobChunk, type StoredChunk } from './jobs.ts';
export {
  createResultWriter,
  writeResultBatch,
  WriterClosedError,
  type ResultRow,
  type ResultWriter,
  type ResultWriterOptions,
  type WriteOutcome,
  type FinishedJob,
  type BatchOutcome,
} from './result-writer.ts';
export {
  getJobStatus,
  getStoredResult,
  getJobResults,
  listJobs,
  encodeJobCursor,
  decodeJobCursor,
  type JobListQuery,
  getCheckResult,
  getJobWebhook,
  claimWebhooks,
  markWebhookDelivered,
  abandonWebhook,
  encodeCursor,
  decodeCursor,
  MAX_PAGE_SIZE,
  DEFAULT_PAGE_SIZE,
  type JobResultsQuery,
  type JobWebhook,
  type ClaimWebhooksOptions,
} from './queries.ts';
export { recordItemWait, jobWaiting, type ItemWait, type WaitingOptions } from './job-waits.ts';
export { finishJobNow, finishRunningJob, jobsDueToFinish, type FinishOutcome } from './job-finish.ts';
export { toJobStatus, type JobRow } from './job-status.ts';
export { jobs, jobItems, results, schema, type Schema, type JobState } from './schema.ts';
