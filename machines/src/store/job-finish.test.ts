import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobChunks } from '../../../shared/jobs.ts';
import { bulkItemMsgId } from '../../../shared/subjects.ts';
import { openTestStore, sampleResult, STORE_BACKENDS } from '../../../test/support/postgres.ts';
import type { Store } from './db.ts';
import { finishJobNow, jobsDueToFinish } from './job-finish.ts';
import { recordItemWait } from './job-waits.ts';
import { storeJobChunk } from './jobs.ts';
import { getJobResults, getJobStatus } from './queries.ts';
import { writeResultBatch } from './result-writer.ts';

const T = 'tenant-f';
const emails = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}@example.test`);
const row = (jobId: string, i: number, email: string, verdict: 'safe' | 'unknown' = 'safe') => ({
  id: bulkItemMsgId(jobId, i),
  tenantId: T,
  jobId,
  itemIndex: i,
  email,
  result: sampleResult(email, verdict),
});

describe.each(STORE_BACKENDS)('finishing a job early on %s', (kind) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await openTestStore(kind));
  });
  afterAll(() => close?.());

  it('stores every open item once, with its last temporary outcome or not_checked / throttled, and the counts add up', async () => {
    const list = emails(10, 'f');
    for (const c of jobChunks({ jobId: 'job-f', tenantId: T, emails: list }, 4)) await storeJobChunk(store, c);
    await writeResultBatch(store.db, [0, 1, 2].map((i) => row('job-f', i, list[i]!)));
    const grey = { ...sampleResult(list[3]!, 'unknown'), reason: 'greylisted' as const };
    await recordItemWait(store, { jobId: 'job-f', idx: 3, reason: 'greylisted', until: new Date(Date.now() + 3_600_000), lastAt: new Date(Date.now() + 7_200_000), lastResult: grey });
    await recordItemWait(store, { jobId: 'job-f', idx: 4, reason: 'throttled', until: new Date(Date.now() + 60_000), lastAt: new Date(Date.now() + 60_000) });
    const before = await getJobStatus(store, T, 'job-f', { untriedBoundMs: 1000 });
    expect(before?.waiting).toMatchObject({ pending_first_try: 5, retrying: 2, by_reason: { greylisted: 1, throttled: 1 } });

    expect(await finishJobNow(store, 'someone-else', 'job-f')).toBeNull();
    const out = await finishJobNow(store, T, 'job-f');
    expect(out?.finished?.jobId).toBe('job-f');
    const status = await getJobStatus(store, T, 'job-f');
    expect(status).toMatchObject({ state: 'finished', total: 10, done: 10, counts: { safe: 3, risky: 0, invalid: 0, unknown: 7 } });
    const page = await getJobResults(store, { tenantId: T, jobId: 'job-f', limit: 100 });
    expect(page!.items.map((i) => i.result.reason)).toEqual([...Array(3).fill('deliverable'), 'greylisted', 'throttled', ...Array(5).fill('not_checked')]);
    expect(page!.items.every((i, k) => i.email === list[k] && i.result.input === list[k])).toBe(true);

    // A late answer and a second finish change nothing; nothing fires twice.
    await writeResultBatch(store.db, [row('job-f', 5, list[5]!)]);
    expect((await finishJobNow(store, T, 'job-f'))?.finished).toBeUndefined();
    expect(await getJobStatus(store, T, 'job-f')).toMatchObject({ done: 10, counts: { safe: 3, unknown: 7 } });
  });

  it('a job whose intake is incomplete still adds up, and one past its finish_by is due', async () => {
    const list = emails(6, 'g');
    const [first] = jobChunks({ jobId: 'job-g', tenantId: T, emails: list, maxWaitSeconds: 1, createdAt: new Date(Date.now() - 5000).toISOString() }, 3);
    await storeJobChunk(store, first!);
    expect((await jobsDueToFinish(store)).map((j) => j.id)).toContain('job-g');
    await finishJobNow(store, T, 'job-g');
    expect(await getJobStatus(store, T, 'job-g')).toMatchObject({ state: 'finished', done: 6, counts: { unknown: 6 } });
    expect((await jobsDueToFinish(store)).map((j) => j.id)).not.toContain('job-g');
  });
});
