/**
 * @module jobs
 * Splitting a bulk job into `jobs.submit.<jobId>` chunks: the edge publishes
 * O(N/chunk) messages, a machine fans each out to per-address checks.
 */
import type { JobChunkMessage, Webhook } from './messages.ts';

export const DEFAULT_CHUNK_SIZE = 250;

export function jobChunks(job: { jobId: string; tenantId: string; emails: readonly string[]; webhook?: Webhook; maxWaitSeconds?: number; createdAt?: string }, chunkSize = DEFAULT_CHUNK_SIZE): JobChunkMessage[] {
  if (job.emails.length === 0) throw new Error('a job needs at least one address');
  const chunkCount = Math.ceil(job.emails.length / chunkSize);
  const createdAt = job.createdAt ?? new Date().toISOString();
  return Array.from({ length: chunkCount }, (_, chunkIndex) => ({
    jobId: job.jobId,
    tenantId: job.tenantId,
    chunkIndex,
    chunkCount,
    offset: chunkIndex * chunkSize,
    total: job.emails.length,
    emails: job.emails.slice(chunkIndex * chunkSize, (chunkIndex + 1) * chunkSize),
    // Job-level data once per job, not once per chunk: the machine storing chunk 0 records it.
    ...(job.webhook && chunkIndex === 0 ? { webhook: job.webhook } : {}),
    ...(job.maxWaitSeconds && chunkIndex === 0 ? { maxWaitSeconds: job.maxWaitSeconds } : {}),
    createdAt,
  }));
}
