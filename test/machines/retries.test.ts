import { createInbox, headers } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../shared/messages.ts';
import type { CheckResult } from '../../shared/result.ts';
import { bulkItemMsgId, CONSUMERS, HEADERS, SERVICE, STREAMS, SUBJECTS } from '../../shared/subjects.ts';
import { TOPOLOGY_DEFAULTS } from '../../machines/src/nats/topology.ts';
import { OPEN_JOB_TTL_MS } from '../../machines/src/work/open-jobs.ts';
import { allJobResults, fastRetries, startFixture, THROTTLE_PROVIDER_RATES_OFF, type Fixture } from '../support/machine-fixture.ts';
import { startMachineProcess, type MachineProcess } from '../support/machine-process.ts';

const finishJob = (fx: Fixture, tenantId: string, jobId: string) => fx.request<JobStatus | { error: { code: string } }>(SERVICE.endpoints.jobFinish, { tenantId, jobId });
const status = async (fx: Fixture, tenantId: string, jobId: string) => (await fx.jobStatus(tenantId, jobId)) as JobStatus;

/** A single check through verify.single, answered on an inbox. */
async function singleCheck(fx: Fixture, id: string, email: string, timeoutMs = 20_000): Promise<CheckResult> {
  const inbox = createInbox();
  const sub = fx.nc.subscribe(inbox, { max: 1, timeout: timeoutMs });
  const h = headers();
  h.set(HEADERS.replyTo, inbox);
  await fx.js.publish(SUBJECTS.single, JSON.stringify({ id, tenantId: 'tenant-r', email, submittedAt: new Date().toISOString() }), { headers: h });
  for await (const m of sub) return m.json<{ result: CheckResult }>().result;
  throw new Error(`no answer for ${id}`);
}

describe('retries that hold no slot of the bulk consumer', () => {
  let fx: Fixture;
  let machine: MachineProcess | undefined;
  beforeAll(async () => {
    fx = await startFixture();
  }, 60_000);
  // Each test starts its own machine: one left running by a failed test would take the next test's work.
  afterEach(async () => {
    await machine?.stop();
    machine = undefined;
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('a job with more greylisted items than max_ack_pending waits in RETRY while other jobs and single checks keep flowing; finishing it stores them unknown, once', async () => {
    const held = TOPOLOGY_DEFAULTS.bulkMaxAckPending + 200;
    // Greylisting waits an hour here: far longer than the test, so every held item stays held.
    machine = await startMachineProcess(fx.machineEnv({ MACHINE_ID: 'retry-a', CONCURRENCY: '25', RETRY_SCHEDULE: `${fastRetries('200ms')};greylisted=1h,2h` }));
    const grey = Array.from({ length: held }, (_, i) => `greyalways-r${i}@ok.test`);
    await fx.submitJob('job-held', 'tenant-r', grey, { url: fx.webhookUrl, secret: 'held-secret' }, 250);
    await expect.poll(async () => (await status(fx, 'tenant-r', 'job-held')).waiting?.retrying, { timeout: 60_000, interval: 500 }).toBe(held);

    // Every held item left the bulk consumer: its pending set is free for everyone else.
    const jsm = await jetstreamManager(fx.nc);
    expect((await jsm.consumers.info(CONSUMERS.bulk.stream, CONSUMERS.bulk.name)).num_ack_pending).toBeLessThan(50);
    expect((await jsm.streams.info(STREAMS.retry.name)).state.messages).toBe(held);

    const waiting = (await status(fx, 'tenant-r', 'job-held')).waiting;
    expect(waiting).toMatchObject({ pending_first_try: 0, retrying: held, by_reason: { greylisted: held, unreachable: 0, timeout: 0, throttled: 0, other: 0 } });
    const next = Date.parse(waiting.next_retry_at!);
    expect(next).toBeGreaterThan(Date.now() + 50 * 60_000);
    // One hour, then two more hours for the last try.
    expect(Date.parse(waiting.latest_finish_at!)).toBeGreaterThan(next + 110 * 60_000);

    // Another tenant's job and a single check, submitted behind the held one, finish now.
    const other = Array.from({ length: 100 }, (_, i) => `ok-flow${i}@ok.test`);
    await fx.submitJob('job-flowing', 'tenant-s', other);
    expect((await singleCheck(fx, 'chk-flow', 'ok-single-flow@ok.test')).reason).toBe('deliverable');
    expect(await fx.waitForJob('tenant-s', 'job-flowing', 60_000)).toMatchObject({ done: 100, counts: { safe: 100 } });

    // Finishing: another tenant cannot, the owner can; what waited is stored with its reason.
    expect(await finishJob(fx, 'tenant-s', 'job-held')).toMatchObject({ error: { code: 'not_found' } });
    const finished = (await finishJob(fx, 'tenant-r', 'job-held')) as JobStatus;
    expect(finished).toMatchObject({ state: 'finished', total: held, done: held, counts: { safe: 0, risky: 0, invalid: 0, unknown: held }, waiting: { pending_first_try: 0, retrying: 0, next_retry_at: null, latest_finish_at: null } });
    const items = await allJobResults(fx, 'tenant-r', 'job-held');
    expect(items).toHaveLength(held);
    expect(new Set(items.map((i) => i.result.reason))).toEqual(new Set(['greylisted']));
    // Finishing again changes nothing.
    expect(await finishJob(fx, 'tenant-r', 'job-held')).toMatchObject({ state: 'finished', done: held, counts: { unknown: held } });

    await expect.poll(() => fx.hooks.filter((h) => h.body.includes('"job-held"')).length, { timeout: 15_000 }).toBe(1);

    // A late delivery of a finished item is acked without SMTP and changes nothing (machines believe a job open for OPEN_JOB_TTL_MS).
    await new Promise((r) => setTimeout(r, OPEN_JOB_TTL_MS + 500));
    const rcptsBefore = fx.rcptsSeen.get('greyalways-r0@ok.test');
    await fx.js.publish(SUBJECTS.bulk('job-held'), JSON.stringify({ jobId: 'job-held', tenantId: 'tenant-r', index: 0, email: 'greyalways-r0@ok.test' }), { msgID: `${bulkItemMsgId('job-held', 0)}:late` });
    await expect.poll(async () => (await jsm.streams.info(STREAMS.verify.name)).state.messages, { timeout: 15_000 }).toBe(0);
    expect(fx.rcptsSeen.get('greyalways-r0@ok.test')).toBe(rcptsBefore);
    expect(await status(fx, 'tenant-r', 'job-held')).toMatchObject({ done: held, counts: { unknown: held } });
    await new Promise((r) => setTimeout(r, 1000));
    expect(fx.hooks.filter((h) => h.body.includes('"job-held"'))).toHaveLength(1);
  }, 180_000);

  it('a due retry is released from RETRY and tried again, and counts towards the same schedule', async () => {
    // greyonce: 450 first, 250 after. A 6 s wait is longer than a short nak, so it goes through RETRY.
    machine = await startMachineProcess(fx.machineEnv({ MACHINE_ID: 'retry-b', RETRY_SCHEDULE: `${fastRetries('200ms')};greylisted=6s,6s`, RETRY_NAK_MAX_MS: '1000' }));
    await fx.submitJob('job-release', 'tenant-r', ['greyonce-rel@ok.test', 'greyalways-rel@ok.test', 'ok-rel@ok.test']);
    await expect.poll(async () => (await status(fx, 'tenant-r', 'job-release')).waiting?.by_reason.greylisted, { timeout: 20_000, interval: 200 }).toBe(2);
    const done = await fx.waitForJob('tenant-r', 'job-release', 60_000);
    expect(done.counts).toMatchObject({ safe: 2, unknown: 1 });
    const items = await allJobResults(fx, 'tenant-r', 'job-release');
    expect(items.map((i) => i.result.reason)).toEqual(['deliverable', 'greylisted', 'deliverable']);
    expect(fx.rcptsSeen.get('greyonce-rel@ok.test')).toBe(2);
    // One try, then one per delay of the schedule: the count survives republishing.
    expect(fx.rcptsSeen.get('greyalways-rel@ok.test')).toBe(3);
  }, 120_000);

  it('max_wait_seconds finishes a job on time: throttle-held and greylisted items end unknown with their reason, counts add up, one webhook', async () => {
    machine = await startMachineProcess(
      fx.machineEnv({
        MACHINE_ID: 'retry-c',
        // One session an hour to the catch-all domain: once a first job used it, catch-all items are held by our own limit.
        THROTTLE_PROVIDER_RATES: `${THROTTLE_PROVIDER_RATES_OFF},catchall.test=1/h`,
        RETRY_SCHEDULE: `${fastRetries('200ms')};greylisted=1h`,
      }),
    );
    const emails = [
      ...Array.from({ length: 10 }, (_, i) => `ok-mw${i}@ok.test`),
      ...Array.from({ length: 5 }, (_, i) => `greyalways-mw${i}@ok.test`),
      ...Array.from({ length: 5 }, (_, i) => `anyone-mw${i}@catchall.test`),
    ];
    await fx.submitJob('job-slot', 'tenant-r', ['anyone-slot@catchall.test']);
    await fx.waitForJob('tenant-r', 'job-slot', 20_000);
    const submitted = Date.now();
    await fx.submitJob('job-maxwait', 'tenant-r', emails, { url: fx.webhookUrl, secret: 'mw' }, 100, { maxWaitSeconds: 8 });
    await expect.poll(async () => (await status(fx, 'tenant-r', 'job-maxwait')).waiting?.by_reason, { timeout: 7000, interval: 200 }).toMatchObject({ greylisted: 5, throttled: 5 });
    const running = await status(fx, 'tenant-r', 'job-maxwait');
    expect(running.state).toBe('running');
    // The policy would wait an hour; max_wait_seconds caps the job's latest finish.
    expect(Date.parse(running.waiting.latest_finish_at!)).toBeLessThanOrEqual(submitted + 9000);

    const done = await fx.waitForJob('tenant-r', 'job-maxwait', 30_000);
    expect(Date.now() - submitted).toBeGreaterThanOrEqual(8000);
    expect(done).toMatchObject({ total: 20, done: 20, counts: { safe: 10, risky: 0, invalid: 0, unknown: 10 } });
    const reasons = (await allJobResults(fx, 'tenant-r', 'job-maxwait')).map((i) => i.result.reason);
    expect(reasons.filter((r) => r === 'greylisted')).toHaveLength(5);
    expect(reasons.filter((r) => r === 'throttled')).toHaveLength(5);
    await expect.poll(() => fx.hooks.filter((h) => h.body.includes('"job-maxwait"')).length, { timeout: 15_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 1000));
    expect(fx.hooks.filter((h) => h.body.includes('"job-maxwait"'))).toHaveLength(1);
  }, 120_000);
});
