import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobChunkMessage } from '../../../shared/messages.ts';
import type { Reachability } from '../../../shared/result.ts';
import { bulkItemMsgId } from '../../../shared/subjects.ts';
import { createTcpRelay, createTestDatabase, openTestStore, sampleResult, STORE_BACKENDS, type TcpRelay, type TestDatabase } from '../../../test/support/postgres.ts';
import { openDatabase, type Store } from './db.ts';
import { StoreError } from './errors.ts';
import { storeJobChunk } from './jobs.ts';
import { getCheckResult, getJobStatus } from './queries.ts';
import { createResultWriter, type FinishedJob, type ResultRow, type WriteOutcome } from './result-writer.ts';
import { results } from './schema.ts';

const TENANT = 'tenant-a';

/** 50% safe, 20% risky, 20% invalid, 10% unknown: uneven, so swapped counters show. */
const verdictOf = (i: number): Reachability => (i % 10 < 5 ? 'safe' : i % 10 < 7 ? 'risky' : i % 10 < 9 ? 'invalid' : 'unknown');

async function createJob(store: Store, jobId: string, total: number): Promise<void> {
  const chunk: JobChunkMessage = {
    jobId,
    tenantId: TENANT,
    chunkIndex: 0,
    chunkCount: 1,
    offset: 0,
    total,
    emails: Array.from({ length: total }, (_, i) => `user${i}@example.test`),
    webhook: { url: 'https://hooks.example.test/jobs', secret: 'k' },
    createdAt: new Date().toISOString(),
  };
  await storeJobChunk(store, chunk);
}

const itemRow = (jobId: string, i: number): ResultRow => ({
  id: bulkItemMsgId(jobId, i),
  tenantId: TENANT,
  jobId,
  itemIndex: i,
  email: `user${i}@example.test`,
  result: sampleResult(`user${i}@example.test`, verdictOf(i)),
});

describe.each(STORE_BACKENDS)('result writer on %s', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
  });
  afterAll(() => close?.());

  it('1,000 concurrent writes all commit, the job finishes exactly once, with the right counts', async () => {
    await createJob(store, 'job-1k', 1000);
    const finished: FinishedJob[] = [];
    const writer = createResultWriter(store, { maxBatch: 200, maxDelayMs: 20, onJobFinished: (j) => finished.push(j) });
    const outcomes = await Promise.all(Array.from({ length: 1000 }, (_, i) => writer.write(itemRow('job-1k', i))));
    await writer.close();

    expect(outcomes.every((o) => o.inserted)).toBe(true);
    const finishers = outcomes.filter((o) => o.finishedJob);
    expect(finishers).toHaveLength(1);
    expect(finished).toHaveLength(1);
    expect(finishers[0]!.finishedJob).toMatchObject({
      jobId: 'job-1k',
      tenantId: TENANT,
      webhook: { url: 'https://hooks.example.test/jobs', secret: 'k' },
      status: { state: 'finished', done: 1000, total: 1000, counts: { safe: 500, risky: 200, invalid: 200, unknown: 100 } },
    });
    const status = await getJobStatus(store, TENANT, 'job-1k');
    expect(status).toMatchObject({ state: 'finished', done: 1000, counts: { safe: 500, risky: 200, invalid: 200, unknown: 100 } });
    expect(status!.finished_at).not.toBeNull();
    const [{ n }] = (await store.db.select({ n: sql<number>`count(*)::int` }).from(results).where(eq(results.jobId, 'job-1k'))) as [{ n: number }];
    expect(n).toBe(1000);
  });

  it('a redelivered result changes nothing: not counted twice, the job does not finish again', async () => {
    await createJob(store, 'job-dup', 3);
    const writer = createResultWriter(store, { maxDelayMs: 1 });
    const first = await writer.write(itemRow('job-dup', 0));
    // The same row twice in one batch, and again in a later batch.
    const [a, b] = await Promise.all([writer.write(itemRow('job-dup', 1)), writer.write(itemRow('job-dup', 1))]);
    const again = await writer.write(itemRow('job-dup', 0));
    expect(first.inserted).toBe(true);
    expect([a.inserted, b.inserted].sort()).toEqual([false, true]);
    expect(again).toEqual({ inserted: false });
    expect(await getJobStatus(store, TENANT, 'job-dup')).toMatchObject({ state: 'running', done: 2, counts: { safe: 2, risky: 0, invalid: 0, unknown: 0 } });

    const last = await writer.write(itemRow('job-dup', 2));
    const lastAgain = await writer.write(itemRow('job-dup', 2));
    await writer.close();
    expect(last.finishedJob?.status.done).toBe(3);
    expect(lastAgain).toEqual({ inserted: false });
    expect(await getJobStatus(store, TENANT, 'job-dup')).toMatchObject({ state: 'finished', done: 3 });
  });

  it('two machines writing the same items at once count each item once', async () => {
    await createJob(store, 'job-race', 400);
    const one = createResultWriter(store, { maxBatch: 50, maxDelayMs: 2 });
    const two = createResultWriter(store, { maxBatch: 70, maxDelayMs: 3 });
    const all: Promise<WriteOutcome>[] = [];
    for (let i = 0; i < 400; i++) {
      all.push(one.write(itemRow('job-race', i)), two.write(itemRow('job-race', 399 - i)));
    }
    const outcomes = await Promise.all(all);
    await Promise.all([one.close(), two.close()]);
    expect(outcomes.filter((o) => o.inserted)).toHaveLength(400);
    expect(outcomes.filter((o) => o.finishedJob)).toHaveLength(1);
    expect(await getJobStatus(store, TENANT, 'job-race')).toMatchObject({ state: 'finished', done: 400, counts: { safe: 200, risky: 80, invalid: 80, unknown: 40 } });
  });

  it('a single check is stored as a JSON object and read back whole', async () => {
    const writer = createResultWriter(store);
    const result = sampleResult('alice@example.test', 'invalid');
    const outcome = await writer.write({ id: 'chk_single1', tenantId: TENANT, email: 'alice@example.test', result });
    await writer.close();
    expect(outcome).toEqual({ inserted: true });
    expect(await getCheckResult(store, TENANT, 'chk_single1')).toEqual(result);
    const [row] = await store.db
      .select({ type: sql<string>`jsonb_typeof(${results.result})`, reason: sql<string>`${results.result}->>'reason'`, isReachable: results.isReachable })
      .from(results)
      .where(eq(results.id, 'chk_single1'));
    expect(row).toEqual({ type: 'object', reason: 'mailbox_not_found', isReachable: 'invalid' });
  });

  it('an input with a NUL character is stored (Postgres text cannot hold U+0000) without failing its batch', async () => {
    const writer = createResultWriter(store, { maxDelayMs: 5 });
    const nasty = 'bad\u0000name@example.test';
    const [bad, good] = await Promise.all([
      writer.write({ id: 'chk_nul', tenantId: TENANT, email: nasty, result: sampleResult(nasty, 'invalid') }),
      writer.write({ id: 'chk_fine', tenantId: TENANT, email: 'fine@example.test', result: sampleResult('fine@example.test', 'safe') }),
    ]);
    await writer.close();
    expect(bad.inserted && good.inserted).toBe(true);
    expect((await getCheckResult(store, TENANT, 'chk_nul'))?.input).toBe('bad\uFFFDname@example.test');
  });

  it('a row the database refuses fails alone; the rest of its batch is stored', async () => {
    await createJob(store, 'job-split', 2);
    const writer = createResultWriter(store, { maxDelayMs: 5 });
    // An index beyond Postgres' integer range: data the database will never take.
    const [bad, good] = await Promise.allSettled([writer.write({ ...itemRow('job-split', 0), itemIndex: 3_000_000_000 }), writer.write(itemRow('job-split', 1))]);
    await writer.close();
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).toMatchObject({ code: 'db_bad_data' });
    expect(good).toMatchObject({ status: 'fulfilled', value: { inserted: true } });
    expect(await getJobStatus(store, TENANT, 'job-split')).toMatchObject({ state: 'running', done: 1 });
  });

  it('a closed writer refuses writes', async () => {
    const writer = createResultWriter(store);
    await writer.close();
    await expect(writer.write(itemRow('job-none', 0))).rejects.toMatchObject({ code: 'writer_closed' });
  });
});

describe('result writer while Postgres goes away', () => {
  let db: TestDatabase;
  let relay: TcpRelay;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase();
    const target = new URL(db.url);
    relay = await createTcpRelay({ host: target.hostname, port: Number(target.port || 5432) });
    const viaRelay = new URL(db.url);
    viaRelay.port = String(relay.port);
    store = await openDatabase({ databaseUrl: viaRelay.toString() });
  });
  afterAll(async () => {
    await store?.close().catch(() => {});
    await relay?.close();
    await db?.drop();
  });

  it('writes fail while the database is unreachable and succeed once it is back, losing nothing', async () => {
    await createJob(store, 'job-outage', 30);
    const writer = createResultWriter(store, { maxBatch: 10, maxDelayMs: 5 });
    const before = await Promise.all(Array.from({ length: 10 }, (_, i) => writer.write(itemRow('job-outage', i))));
    expect(before.every((o) => o.inserted)).toBe(true);

    await relay.stop();
    const during = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => writer.write(itemRow('job-outage', 10 + i))));
    expect(during.every((s) => s.status === 'rejected')).toBe(true);
    const reason = (during[0] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(StoreError);
    expect(reason.code).toBe('db_unavailable');
    expect(await store.ping()).toBe(false);

    await relay.start();
    // The consumer naks the failed messages; their redeliveries arrive with the rest.
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => writer.write(itemRow('job-outage', 10 + i))));
    await writer.close();
    expect(after.every((o) => o.inserted)).toBe(true);
    expect(after.filter((o) => o.finishedJob)).toHaveLength(1);
    expect(await getJobStatus(store, TENANT, 'job-outage')).toMatchObject({ state: 'finished', done: 30, counts: { safe: 15, risky: 6, invalid: 6, unknown: 3 } });
  });

  it('a server that stops answering fails the batch after the commit deadline instead of stalling every later write', async () => {
    await createJob(store, 'job-silent', 4);
    const finished: FinishedJob[] = [];
    const writer = createResultWriter(store, { maxDelayMs: 1, commitTimeoutMs: 300, onJobFinished: (j) => finished.push(j) });
    expect(await writer.write(itemRow('job-silent', 0))).toEqual({ inserted: true });

    relay.freeze();
    const started = Date.now();
    await expect(writer.write(itemRow('job-silent', 1))).rejects.toMatchObject({ code: 'db_unavailable' });
    await expect(writer.write(itemRow('job-silent', 2))).rejects.toMatchObject({ code: 'db_unavailable' });
    expect(Date.now() - started).toBeLessThan(5_000);

    // Back: the frozen connections are cut, the pool reconnects. A timed-out batch may
    // still commit once the server answers, so the redelivered rows may find themselves
    // already stored: either way each is counted once.
    await relay.stop();
    await relay.start();
    await Promise.all([1, 2, 3].map((i) => writer.write(itemRow('job-silent', i))));
    await writer.close();
    expect(await getJobStatus(store, TENANT, 'job-silent')).toMatchObject({ state: 'finished', done: 4, counts: { safe: 4 } });
    expect(finished.map((j) => j.jobId)).toEqual(['job-silent']);
  });
});
