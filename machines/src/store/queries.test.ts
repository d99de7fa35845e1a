import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResultsPage } from '../../../shared/messages.ts';
import type { Reachability } from '../../../shared/result.ts';
import { bulkItemMsgId } from '../../../shared/subjects.ts';
import { openTestStore, sampleResult, STORE_BACKENDS } from '../../../test/support/postgres.ts';
import type { Store } from './db.ts';
import { storeJobChunk } from './jobs.ts';
import { encodeCursor, getCheckResult, getJobResults, getJobStatus, getJobWebhook, claimWebhooks, markWebhookDelivered } from './queries.ts';
import { createResultWriter } from './result-writer.ts';

const TOTAL = 57;
const verdictOf = (i: number): Reachability => (['safe', 'risky', 'invalid', 'unknown'] as const)[i % 3 === 0 ? 2 : i % 7 === 0 ? 1 : i % 11 === 0 ? 3 : 0];

describe.each(STORE_BACKENDS)('reading jobs and results on %s', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
    await storeJobChunk(store, {
      jobId: 'job-q',
      tenantId: 'tenant-a',
      chunkIndex: 0,
      chunkCount: 1,
      offset: 0,
      total: TOTAL,
      emails: Array.from({ length: TOTAL }, (_, i) => `u${i}@example.test`),
      webhook: { url: 'https://hooks.example.test/q', secret: 'sec' },
      createdAt: new Date().toISOString(),
    });
    const writer = createResultWriter(store, { maxBatch: 16 });
    // Written out of order, as concurrent workers finish them.
    const order = Array.from({ length: TOTAL }, (_, i) => (i * 23) % TOTAL);
    await Promise.all(
      order.map((i) =>
        writer.write({ id: bulkItemMsgId('job-q', i), tenantId: 'tenant-a', jobId: 'job-q', itemIndex: i, email: `u${i}@example.test`, result: sampleResult(`u${i}@example.test`, verdictOf(i)) }),
      ),
    );
    await writer.write({ id: 'chk_a1', tenantId: 'tenant-a', email: 'solo@example.test', result: sampleResult('solo@example.test', 'safe') });
    await writer.close();
  });
  afterAll(() => close?.());

  async function allPages(query: { verdict?: Reachability; limit: number }): Promise<JobResultsPage[]> {
    const pages: JobResultsPage[] = [];
    let cursor: string | undefined;
    do {
      const page = await getJobResults(store, { tenantId: 'tenant-a', jobId: 'job-q', cursor, ...query });
      expect(page).not.toBeNull();
      pages.push(page!);
      cursor = page!.next_cursor ?? undefined;
      expect(pages.length).toBeLessThan(100);
    } while (cursor);
    return pages;
  }

  it('paging with the cursor returns every item exactly once, in index order', async () => {
    const pages = await allPages({ limit: 10 });
    expect(pages).toHaveLength(6);
    expect(pages.slice(0, 5).every((p) => p.items.length === 10)).toBe(true);
    const items = pages.flatMap((p) => p.items);
    expect(items.map((i) => i.index)).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
    expect(items[42]).toEqual({ index: 42, email: 'u42@example.test', result: sampleResult('u42@example.test', verdictOf(42), new Date(items[42]!.result.debug.checked_at)) });
    expect(pages.at(-1)!.next_cursor).toBeNull();
  });

  it('a page exactly as long as what is left says there is nothing after it', async () => {
    const page = await getJobResults(store, { tenantId: 'tenant-a', jobId: 'job-q', limit: TOTAL });
    expect(page!.items).toHaveLength(TOTAL);
    expect(page!.next_cursor).toBeNull();
  });

  it('the verdict filter returns only that verdict, every one of them', async () => {
    for (const verdict of ['safe', 'risky', 'invalid', 'unknown'] as const) {
      const items = (await allPages({ verdict, limit: 4 })).flatMap((p) => p.items);
      const expected = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => verdictOf(i) === verdict);
      expect(expected.length).toBeGreaterThan(0);
      expect(items.map((i) => i.index)).toEqual(expected);
      expect(items.every((i) => i.result.is_reachable === verdict)).toBe(true);
    }
  });

  it('a cursor the API did not issue is refused', async () => {
    await expect(getJobResults(store, { tenantId: 'tenant-a', jobId: 'job-q', cursor: 'not-a-cursor', limit: 10 })).rejects.toMatchObject({ code: 'invalid_cursor' });
    const fromMiddle = await getJobResults(store, { tenantId: 'tenant-a', jobId: 'job-q', cursor: encodeCursor(50), limit: 100 });
    expect(fromMiddle!.items.map((i) => i.index)).toEqual([51, 52, 53, 54, 55, 56]);
  });

  it('another tenant sees neither the job, its results nor its checks', async () => {
    expect(await getJobStatus(store, 'tenant-a', 'job-q')).toMatchObject({ state: 'finished', done: TOTAL });
    expect(await getJobStatus(store, 'tenant-b', 'job-q')).toBeNull();
    expect(await getJobResults(store, { tenantId: 'tenant-b', jobId: 'job-q', limit: 10 })).toBeNull();
    expect(await getCheckResult(store, 'tenant-a', 'chk_a1')).toMatchObject({ input: 'solo@example.test', is_reachable: 'safe' });
    expect(await getCheckResult(store, 'tenant-b', 'chk_a1')).toBeNull();
    expect(await getJobStatus(store, 'tenant-a', 'job-missing')).toBeNull();
    expect(await getCheckResult(store, 'tenant-a', 'chk_missing')).toBeNull();
  });

  it('a finished job\'s webhook is claimed by one machine at a time, again after the claim runs out, and never once delivered', async () => {
    // Five machines sweeping at once: exactly one gets the job.
    const claims = await Promise.all(Array.from({ length: 5 }, () => claimWebhooks(store, { leaseMs: 400 })));
    expect(claims.flat().map((w) => w.jobId)).toEqual(['job-q']);
    expect(claims.flat()[0]).toMatchObject({ tenantId: 'tenant-a', webhook: { url: 'https://hooks.example.test/q', secret: 'sec' }, deliveredAt: null, status: { state: 'finished' } });
    expect(await claimWebhooks(store, { leaseMs: 400 })).toEqual([]);
    // The claimant died or its delivery failed: once the lease is over, another machine may send it.
    await new Promise((r) => setTimeout(r, 600));
    expect((await claimWebhooks(store, { leaseMs: 60_000, jobId: 'job-q' })).map((w) => w.jobId)).toEqual(['job-q']);
    expect(await markWebhookDelivered(store, 'job-q')).toBe(true);
    expect(await markWebhookDelivered(store, 'job-q')).toBe(false);
    expect((await getJobWebhook(store, 'job-q'))!.deliveredAt).not.toBeNull();
    await new Promise((r) => setTimeout(r, 10));
    expect(await claimWebhooks(store, { leaseMs: 1 })).toEqual([]);
  });

});
