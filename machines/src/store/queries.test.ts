import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResultsPage } from '../../../shared/messages.ts';
import type { Reachability } from '../../../shared/result.ts';
import { bulkItemMsgId } from '../../../shared/subjects.ts';
import { openTestStore, sampleResult, STORE_BACKENDS } from '../../../test/support/postgres.ts';
import type { Store } from './db.ts';
import { storeJobChunk } from './jobs.ts';
import { encodeCursor, listJobs, getCheckResult, getJobResults, getJobStatus, getJobWebhook, claimWebhooks, markWebhookDelivered } from './queries.ts';
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

  async function allPages(query: { verdict?: Reachability[]; limit: number }): Promise<JobResultsPage[]> {
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
      const items = (await allPages({ verdict: [verdict], limit: 4 })).flatMap((p) => p.items);
      const expected = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => verdictOf(i) === verdict);
      expect(expected.length).toBeGreaterThan(0);
      expect(items.map((i) => i.index)).toEqual(expected);
      expect(items.every((i) => i.result.is_reachable === verdict)).toBe(true);
    }
  });

  it('several verdicts at once: the union, in index order', async () => {
    const items = (await allPages({ verdict: ['safe', 'risky'], limit: 7 })).flatMap((p) => p.items);
    const expected = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => verdictOf(i) === 'safe' || verdictOf(i) === 'risky');
    expect(items.map((i) => i.index)).toEqual(expected);
  });

  it('the job\'s average score is the mean of its results\' scores', async () => {
    const items = (await allPages({ limit: 100 })).flatMap((p) => p.items);
    const mean = Math.round(items.reduce((n, i) => n + i.result.score, 0) / items.length);
    const status = (await getJobStatus(store, 'tenant-a', 'job-q'))!;
    expect(status.average_score).toBe(mean);
    // sampleResult gives one reason per verdict.
    expect(status.reasons).toEqual({ deliverable: status.counts.safe, catch_all: status.counts.risky, mailbox_not_found: status.counts.invalid, smtp_timeout: status.counts.unknown });
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

  it('a CSV job keeps every input field of each row and its header, returned with the results', async () => {
    await storeJobChunk(store, {
      jobId: 'job-csv', tenantId: 'tenant-a', chunkIndex: 1, chunkCount: 2, offset: 1, total: 2,
      emails: ['b@example.test'], rows: [['Bo', 'b@example.test', '=1+1']], createdAt: new Date().toISOString(),
    });
    // The header rides on chunk 0, which arrives second.
    await storeJobChunk(store, {
      jobId: 'job-csv', tenantId: 'tenant-a', chunkIndex: 0, chunkCount: 2, offset: 0, total: 2,
      emails: ['a@example.test'], rows: [['Al', 'a@example.test', '']], inputColumns: ['name', 'email', 'note'], createdAt: new Date().toISOString(),
    });
    const writer = createResultWriter(store, {});
    for (const [i, email] of ['a@example.test', 'b@example.test'].entries()) {
      await writer.write({ id: bulkItemMsgId('job-csv', i), tenantId: 'tenant-a', jobId: 'job-csv', itemIndex: i, email, result: sampleResult(email, 'safe') });
    }
    await writer.close();
    const page = await getJobResults(store, { tenantId: 'tenant-a', jobId: 'job-csv', limit: 10 });
    expect(page!.input_columns).toEqual(['name', 'email', 'note']);
    expect(page!.items.map((i) => i.input_row)).toEqual([['Al', 'a@example.test', ''], ['Bo', 'b@example.test', '=1+1']]);
    // A JSON job has neither.
    const json = await getJobResults(store, { tenantId: 'tenant-a', jobId: 'job-q', limit: 1 });
    expect(json!.input_columns).toBeUndefined();
    expect(json!.items[0]!.input_row).toBeUndefined();
  });

  it('the jobs list: the tenant\'s own jobs, newest first, in cursor pages, filtered by state', async () => {
    const base = Date.parse('2030-01-01T00:00:00.000Z');
    for (let i = 0; i < 5; i++) {
      // Two jobs share a creation time: the id breaks the tie, and paging still sees each once.
      const createdAt = new Date(base + Math.min(i, 3) * 1000).toISOString();
      await storeJobChunk(store, { jobId: `job-l${i}`, tenantId: 'tenant-l', chunkIndex: 0, chunkCount: 1, offset: 0, total: 1, emails: [`l${i}@example.test`], createdAt });
    }
    await storeJobChunk(store, { jobId: 'job-other', tenantId: 'tenant-m', chunkIndex: 0, chunkCount: 1, offset: 0, total: 1, emails: ['x@example.test'], createdAt: new Date(base).toISOString() });
    const writer = createResultWriter(store, {});
    await writer.write({ id: bulkItemMsgId('job-l1', 0), tenantId: 'tenant-l', jobId: 'job-l1', itemIndex: 0, email: 'l1@example.test', result: sampleResult('l1@example.test', 'safe') });
    await writer.close();

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listJobs(store, { tenantId: 'tenant-l', cursor, limit: 2 });
      seen.push(...page.items.map((j) => j.job_id));
      cursor = page.next_cursor ?? undefined;
      expect(++pages).toBeLessThan(10);
    } while (cursor);
    expect(seen).toEqual(['job-l4', 'job-l3', 'job-l2', 'job-l1', 'job-l0']);
    expect(pages).toBe(3);
    expect((await listJobs(store, { tenantId: 'tenant-l', state: 'finished' })).items.map((j) => j.job_id)).toEqual(['job-l1']);
    expect((await listJobs(store, { tenantId: 'tenant-l', state: 'running' })).items).toHaveLength(4);
    expect((await listJobs(store, { tenantId: 'tenant-m' })).items.map((j) => j.job_id)).toEqual(['job-other']);
    await expect(listJobs(store, { tenantId: 'tenant-l', cursor: 'bogus' })).rejects.toMatchObject({ code: 'invalid_cursor' });
  });
});
