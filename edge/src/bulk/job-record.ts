/**
 * @module bulk/job-record
 * What the edge remembers of a job it accepted, in KV `RESULTS` under `bulkjob:<tenant>:<jobId>`.
 * Two uses: a job whose chunks still wait in JOBS is unknown to the machines, so progress reads
 * `queued` from here instead of 404; and a request retried with the same Idempotency-Key gets the
 * first answer back without publishing again (or 422 if the body differs). Written once, after
 * every chunk was acknowledged by JetStream, so a record means the whole job is in the stream.
 */
import type { BulkAccepted } from './schemas.ts';

/** Idempotency-Key replays and the `queued` answer hold for this long. */
export const JOB_RECORD_TTL_SECONDS = 7 * 24 * 60 * 60;

export interface JobRecord {
  accepted: BulkAccepted;
  /** SHA-256 (hex) of the job's addresses and webhook: a reused Idempotency-Key with another body is refused. '' without a key. */
  fingerprint: string;
}

export const jobRecordKey = (tenant: string, jobId: string): string => `bulkjob:${tenant}:${jobId}`;

/**
 * The record, or null. A KV failure reads as null too: the record is a convenience (a retry is
 * then deduplicated by JetStream instead), never a reason to fail the request.
 */
export async function readJobRecord(kv: KVNamespace, tenant: string, jobId: string): Promise<JobRecord | null> {
  try {
    const raw = await kv.get<JobRecord>(jobRecordKey(tenant, jobId), 'json');
    return raw && typeof raw.fingerprint === 'string' && raw.accepted ? raw : null;
  } catch (err) {
    console.error(`reading ${jobRecordKey(tenant, jobId)} failed`, err);
    return null;
  }
}

/**
 * Stores the record; a failure is logged, not thrown: the job is already in JOBS. (KV allows one
 * write per key per second, which two concurrent retries of one Idempotency-Key can exceed.)
 */
export async function writeJobRecord(kv: KVNamespace, tenant: string, record: JobRecord): Promise<void> {
  try {
    await kv.put(jobRecordKey(tenant, record.accepted.job_id), JSON.stringify(record), { expirationTtl: JOB_RECORD_TTL_SECONDS });
  } catch (err) {
    console.error(`writing ${jobRecordKey(tenant, record.accepted.job_id)} failed`, err);
  }
}

/** Hex SHA-256 of what makes two submissions the same job. */
export async function jobFingerprint(emails: readonly string[], webhook: { url: string; secret: string } | undefined, extra: unknown = null): Promise<string> {
  const text = JSON.stringify([emails, webhook?.url ?? null, webhook?.secret ?? null, ...(extra === null ? [] : [extra])]);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  let hex = '';
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, '0');
  return hex;
}
