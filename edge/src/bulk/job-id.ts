/**
 * @module bulk/job-id
 * Job ids: `job_` + 128 bits, base64url (the id charset of shared/messages.ts). With an
 * Idempotency-Key the id is derived from (tenant, key), so a retried request names the same job,
 * publishes the same Nats-Msg-Ids, and JetStream drops the repeats instead of doubling the job.
 */
import { ApiError } from '../errors.ts';

const JOB_ID = /^job_[A-Za-z0-9_-]{22}$/;
/** Printable ASCII, as the IETF Idempotency-Key draft and Stripe use it. */
const IDEMPOTENCY_KEY = /^[\x21-\x7E][\x20-\x7E]{0,254}$/;

function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export const isJobId = (s: string): boolean => JOB_ID.test(s);

export function newJobId(): string {
  return `job_${base64url(crypto.getRandomValues(new Uint8Array(16)))}`;
}

/** The job id for an Idempotency-Key: the same (tenant, key) always gives the same id; other tenants' keys never collide with it. */
export async function idempotentJobId(tenant: string, idempotencyKey: string): Promise<string> {
  if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new ApiError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
  }
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`bulk\u0000${tenant}\u0000${idempotencyKey}`));
  return `job_${base64url(new Uint8Array(digest).slice(0, 16))}`;
}
