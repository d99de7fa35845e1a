import { describe, expect, it } from 'vitest';
import { JobChunkMessage } from '../../../shared/messages.ts';
import { ApiError } from '../errors.ts';
import { idempotentJobId, isJobId, newJobId } from './job-id.ts';

const validAsMessageId = (jobId: string) =>
  JobChunkMessage.safeParse({ jobId, tenantId: 't', chunkIndex: 0, chunkCount: 1, offset: 0, total: 1, emails: ['a@example.test'], createdAt: 'x' }).success;

describe('bulk job ids', () => {
  it('are new on every request without an Idempotency-Key, and valid in NATS messages', () => {
    const ids = new Set(Array.from({ length: 1000 }, newJobId));
    expect(ids.size).toBe(1000);
    for (const id of [...ids].slice(0, 20)) {
      expect(isJobId(id)).toBe(true);
      expect(validAsMessageId(id)).toBe(true);
    }
  });

  it('are the same for a retried request with the same Idempotency-Key and tenant', async () => {
    const first = await idempotentJobId('tenant-a', 'order-42');
    expect(await idempotentJobId('tenant-a', 'order-42')).toBe(first);
    expect(isJobId(first)).toBe(true);
    expect(validAsMessageId(first)).toBe(true);
  });

  it('differ between tenants using the same Idempotency-Key, and between keys', async () => {
    const a = await idempotentJobId('tenant-a', 'order-42');
    expect(await idempotentJobId('tenant-b', 'order-42')).not.toBe(a);
    expect(await idempotentJobId('tenant-a', 'order-43')).not.toBe(a);
    // The separator keeps ("ab", "c") and ("a", "bc") apart.
    expect(await idempotentJobId('ab', 'c')).not.toBe(await idempotentJobId('a', 'bc'));
  });

  it('refuse an Idempotency-Key that is empty, too long or not printable ASCII', async () => {
    for (const key of ['', ' leading-space', 'x'.repeat(256), 'naïve', 'a\r\nb']) {
      const err = await idempotentJobId('tenant-a', key).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe('invalid_idempotency_key');
    }
  });
});
