/**
 * @module jobs
 * Splitting a bulk job into `jobs.submit.<jobId>` chunks: the edge publishes
 * O(N/chunk) messages, a machine fans each out to per-address checks.
 */
import type { JobChunkMessage, Webhook } from './messages.ts';

export const DEFAULT_CHUNK_SIZE = 250;

/**
 * A chunk's addresses and CSV rows stay under this many bytes of JSON, far below NATS's 1 MiB
 * max_payload: rows of a wide CSV export can be kilobytes each.
 */
export const CHUNK_BYTES = 512 * 1024;

export interface JobToChunk {
  jobId: string;
  tenantId: string;
  emails: readonly string[];
  /** A CSV upload's records, parallel to `emails`. */
  rows?: readonly (readonly string[])[];
  /** A CSV upload's header row: sent once, on chunk 0. */
  inputColumns?: readonly string[];
  webhook?: Webhook;
  /** Sent once, on chunk 0, like the webhook. */
  maxWaitSeconds?: number;
  createdAt?: string;
}

const encoder = new TextEncoder();
const jsonBytes = (value: unknown): number => encoder.encode(JSON.stringify(value)).byteLength;

/** At most `chunkSize` addresses per chunk, fewer when their rows would pass CHUNK_BYTES. Deterministic: a retry makes the same chunks. */
export function jobChunks(job: JobToChunk, chunkSize = DEFAULT_CHUNK_SIZE): JobChunkMessage[] {
  if (job.emails.length === 0) throw new Error('a job needs at least one address');
  const bounds: Array<[number, number]> = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < job.emails.length; i++) {
    const itemBytes = jsonBytes(job.emails[i]) + (job.rows ? jsonBytes(job.rows[i]) : 0) + 2;
    if (i > start && (i - start >= chunkSize || bytes + itemBytes > CHUNK_BYTES)) {
      bounds.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += itemBytes;
  }
  bounds.push([start, job.emails.length]);
  const createdAt = job.createdAt ?? new Date().toISOString();
  return bounds.map(([from, to], chunkIndex) => ({
    jobId: job.jobId,
    tenantId: job.tenantId,
    chunkIndex,
    chunkCount: bounds.length,
    offset: from,
    total: job.emails.length,
    emails: job.emails.slice(from, to),
    ...(job.rows ? { rows: job.rows.slice(from, to).map((r) => [...r]) } : {}),
    // Job-level data once per job, not once per chunk: the machine storing chunk 0 records it.
    ...(job.webhook && chunkIndex === 0 ? { webhook: job.webhook } : {}),
    ...(job.maxWaitSeconds && chunkIndex === 0 ? { maxWaitSeconds: job.maxWaitSeconds } : {}),
    ...(job.inputColumns && chunkIndex === 0 ? { inputColumns: [...job.inputColumns] } : {}),
    createdAt,
  }));
}
