import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobChunks } from '../../../shared/jobs.ts';
import type { JobChunkMessage } from '../../../shared/messages.ts';
import { openTestStore, STORE_BACKENDS } from '../../../test/support/postgres.ts';
import type { Store } from './db.ts';
import { storeJobChunk } from './jobs.ts';
import { getJobStatus, getJobWebhook } from './queries.ts';
import { jobItems } from './schema.ts';

const emails = Array.from({ length: 25 }, (_, i) => `user${i}@example.test`);

function chunksOf(jobId: string, size: number, webhook?: JobChunkMessage['webhook']): JobChunkMessage[] {
  const out: JobChunkMessage[] = [];
  for (let offset = 0; offset < emails.length; offset += size) {
    out.push({
      jobId,
      tenantId: 'tenant-a',
      chunkIndex: out.length,
      chunkCount: Math.ceil(emails.length / size),
      offset,
      total: emails.length,
      emails: emails.slice(offset, offset + size),
      webhook,
      createdAt: '2025-01-02T03:04:05.000Z',
    });
  }
  return out;
}

describe.each(STORE_BACKENDS)('job storage on %s', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
  });
  afterAll(() => close?.());

  it('a job sent in three chunks, one delivered twice, has its total and every item once', async () => {
    const [a, b, c] = chunksOf('job-3', 10, { url: 'https://hooks.example.test/done', secret: 's3cret' });
    const first = await storeJobChunk(store, b!);
    const again = await storeJobChunk(store, b!);
    await storeJobChunk(store, c!);
    await storeJobChunk(store, a!);

    expect(first).toEqual({ jobCreated: true, itemsInserted: 10 });
    expect(again).toEqual({ jobCreated: false, itemsInserted: 0 });
    const items = await store.db.select().from(jobItems).where(eq(jobItems.jobId, 'job-3')).orderBy(asc(jobItems.idx));
    expect(items.map((i) => i.email)).toEqual(emails);
    expect(items.map((i) => i.idx)).toEqual(emails.map((_, i) => i));
    expect(await getJobStatus(store, 'tenant-a', 'job-3', { untriedBoundMs: 0, now: new Date('2025-01-02T04:00:00Z') })).toEqual({
      job_id: 'job-3',
      state: 'running',
      total: 25,
      done: 0,
      counts: { safe: 0, risky: 0, invalid: 0, unknown: 0 },
      created_at: '2025-01-02T03:04:05.000Z',
      finished_at: null,
      // Nothing tried yet: every item pends its first try, and could finish now at the earliest bound.
      waiting: {
        pending_first_try: 25,
        retrying: 0,
        by_reason: { greylisted: 0, unreachable: 0, timeout: 0, throttled: 0, other: 0 },
        next_retry_at: null,
        latest_finish_at: '2025-01-02T04:00:00.000Z',
      },
      average_score: null,
      reasons: {},
    });
    expect(await getJobWebhook(store, 'job-3')).toMatchObject({ webhook: { url: 'https://hooks.example.test/done', secret: 's3cret' }, deliveredAt: null });
  });

  it('the webhook travels in chunk 0 only, and is stored even when chunk 0 arrives last', async () => {
    const url = `https://hooks.example.test/${'x'.repeat(2000)}`;
    const chunks = jobChunks({ jobId: 'job-once', tenantId: 'tenant-a', emails, webhook: { url, secret: 's' } }, 10);
    expect(chunks.map((c) => c.webhook !== undefined)).toEqual([true, false, false]);
    // The job's bytes on NATS grow by one copy of the URL, not one per chunk.
    const bytes = (list: JobChunkMessage[]) => list.reduce((n, c) => n + JSON.stringify(c).length, 0);
    const without = jobChunks({ jobId: 'job-once', tenantId: 'tenant-a', emails }, 10);
    expect(bytes(chunks) - bytes(without)).toBeLessThan(url.length + 100);
    for (const c of [...chunks].reverse()) await storeJobChunk(store, c);
    expect(await getJobWebhook(store, 'job-once')).toMatchObject({ webhook: { url, secret: 's' } });
  });

  it('a chunk reaching past the job total is refused', async () => {
    const [bad] = chunksOf('job-bad', 25);
    await expect(storeJobChunk(store, { ...bad!, total: 5 })).rejects.toThrow(/past total/);
    expect(await getJobStatus(store, 'tenant-a', 'job-bad')).toBeNull();
  });

  it('items keep their order, CSV row and text; a NUL in an address or a field is stored as U+FFFD, not refused', async () => {
    const chunk: JobChunkMessage = {
      jobId: 'job-nul',
      tenantId: 'tenant-a',
      chunkIndex: 0,
      chunkCount: 1,
      offset: 0,
      total: 3,
      emails: ['first@example.test', 'bad\0byte@example.test', 'Ünïcode@example.test'],
      rows: [['first@example.test', 'Ann'], ['bad\0byte@example.test', 'x\0y'], ['Ünïcode@example.test', '"quoted, field"']],
      createdAt: '2025-01-02T03:04:05.000Z',
    };
    expect(await storeJobChunk(store, chunk)).toEqual({ jobCreated: true, itemsInserted: 3 });
    expect(await storeJobChunk(store, chunk)).toEqual({ jobCreated: false, itemsInserted: 0 });
    const items = await store.db.select({ idx: jobItems.idx, email: jobItems.email, inputRow: jobItems.inputRow }).from(jobItems).where(eq(jobItems.jobId, 'job-nul')).orderBy(asc(jobItems.idx));
    expect(items).toEqual([
      { idx: 0, email: 'first@example.test', inputRow: ['first@example.test', 'Ann'] },
      { idx: 1, email: 'bad\uFFFDbyte@example.test', inputRow: ['bad\uFFFDbyte@example.test', 'x\uFFFDy'] },
      { idx: 2, email: 'Ünïcode@example.test', inputRow: ['Ünïcode@example.test', '"quoted, field"'] },
    ]);
  });
});
