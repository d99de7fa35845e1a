import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInbox, headers } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineEnv, readEnv, throttleEnv } from '../../shared/config.ts';
import type { JobStatus } from '../../shared/messages.ts';
import type { CheckResult } from '../../shared/result.ts';
import { bulkItemMsgId, HEADERS, SERVICE, SUBJECTS } from '../../shared/subjects.ts';
import { startMachine, type Machine } from '../../machines/src/machine.ts';
import { verifyOptionsFromEnv } from '../../machines/src/verify/index.ts';
import { allJobResults, fastRetries, startFixture, type Fixture } from '../support/machine-fixture.ts';
import { startMachineProcess } from '../support/machine-process.ts';
import { createTcpRelay } from '../support/postgres.ts';
import { startStoppableRelay } from '../support/stoppable-relay.ts';

const inProcess = (env: Record<string, string>): Promise<Machine> =>
  startMachine({ machine: readEnv(machineEnv, env), verify: verifyOptionsFromEnv(env), throttle: readEnv(throttleEnv, env) });

/** 1,000 addresses whose verdicts the fixture's MTA decides: 400 safe, 200 risky, 400 invalid. */
function thousandAddresses(tag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const kind = i % 10;
    if (kind < 4) out.push(`ok-${tag}-${i}@ok.test`);
    else if (kind < 7) out.push(`unknown-${tag}-${i}@ok.test`);
    else if (kind === 7) out.push(`full-${tag}-${i}@ok.test`);
    else if (kind === 8) out.push(`disabled-${tag}-${i}@ok.test`);
    else out.push(`anyone-${tag}-${i}@catchall.test`);
  }
  return out;
}


describe('machines: bulk jobs through JetStream into Postgres', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture();
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
  });

  it('a 1,000-address job completes with one result each, the right counts, and one signed webhook', async () => {
    const env = fx.machineEnv({ CONCURRENCY: '25' });
    const machines = await Promise.all([inProcess({ ...env, MACHINE_ID: 'bulk-a' }), inProcess({ ...env, MACHINE_ID: 'bulk-b' })]);
    try {
      const emails = thousandAddresses('j1');
      await fx.submitJob('job-1000', 'tenant-a', emails, { url: fx.webhookUrl, secret: 'hook-secret' });
      const status = await fx.waitForJob('tenant-a', 'job-1000', 90_000);
      expect(status).toMatchObject({ total: 1000, done: 1000, state: 'finished', counts: { safe: 400, risky: 200, invalid: 400, unknown: 0 } });

      const items = await allJobResults(fx, 'tenant-a', 'job-1000');
      expect(items.map((i) => i.index)).toEqual(emails.map((_, i) => i));
      expect(items.map((i) => i.email)).toEqual(emails);
      const byPrefix = (p: string) => items.filter((i) => i.email.startsWith(p)).map((i) => i.result.reason);
      expect(new Set(byPrefix('ok-'))).toEqual(new Set(['deliverable']));
      expect(new Set(byPrefix('unknown-'))).toEqual(new Set(['mailbox_not_found']));
      expect(new Set(byPrefix('full-'))).toEqual(new Set(['mailbox_full']));
      expect(new Set(byPrefix('disabled-'))).toEqual(new Set(['mailbox_disabled']));
      expect(new Set(byPrefix('anyone-'))).toEqual(new Set(['catch_all']));

      await expect.poll(() => fx.hooks.length, { timeout: 10_000 }).toBe(1);
      await new Promise((r) => setTimeout(r, 500));
      expect(fx.hooks).toHaveLength(1);
      const hook = fx.hooks[0]!;
      const t = /^t=(\d+),v1=[0-9a-f]{64}$/.exec(String(hook.headers['emailcheck-signature']))?.[1];
      expect(t).toBeDefined();
      expect(hook.headers['emailcheck-signature']).toBe(`t=${t},v1=${createHmac('sha256', 'hook-secret').update(`${t}.${hook.body}`).digest('hex')}`);
      expect(hook.headers['emailcheck-delivery']).toBe('whd_job-1000');
      expect(JSON.parse(hook.body)).toMatchObject({ event: 'job.finished', job_id: 'job-1000', total: 1000, done: 1000 });
    } finally {
      await Promise.all(machines.map((m) => m.stop()));
    }
  }, 120_000);

  it('a redelivered item (same Nats-Msg-Id, or delivered again) does not create a second row', async () => {
    const m = await inProcess(fx.machineEnv({ MACHINE_ID: 'dedupe' }));
    try {
      await fx.submitJob('job-dup', 'tenant-a', ['ok-dup@ok.test', 'ok-dup2@ok.test']);
      await fx.waitForJob('tenant-a', 'job-dup');
      const again = { jobId: 'job-dup', tenantId: 'tenant-a', index: 0, email: 'ok-dup@ok.test' };
      const ack = await fx.js.publish(SUBJECTS.bulk('job-dup'), JSON.stringify(again), { msgID: bulkItemMsgId('job-dup', 0) });
      expect(ack.duplicate).toBe(true);
      // The same item as a fresh message: the machine checks it again, but stores nothing new.
      await fx.js.publish(SUBJECTS.bulk('job-dup'), JSON.stringify(again));
      await expect.poll(() => fx.rcptsSeen.get('ok-dup@ok.test'), { timeout: 10_000 }).toBe(2);
      await new Promise((r) => setTimeout(r, 500));
      const status = (await fx.jobStatus('tenant-a', 'job-dup')) as JobStatus;
      expect(status).toMatchObject({ total: 2, done: 2, counts: { safe: 2 } });
      expect(await allJobResults(fx, 'tenant-a', 'job-dup')).toHaveLength(2);
    } finally {
      await m.stop();
    }
  }, 60_000);

  it('a greylisted recipient is retried and ends safe; one that is always greylisted ends unknown after the last delivery', async () => {
    const m = await inProcess(fx.machineEnv({ MACHINE_ID: 'grey', RETRY_SCHEDULE: fastRetries('300ms,600ms') }));
    try {
      await fx.submitJob('job-grey', 'tenant-a', ['greyonce-a@ok.test', 'greyalways-b@ok.test']);
      const status = await fx.waitForJob('tenant-a', 'job-grey', 30_000);
      expect(status.counts).toMatchObject({ safe: 1, unknown: 1 });
      const items = await allJobResults(fx, 'tenant-a', 'job-grey');
      expect(items[0]!.result).toMatchObject({ is_reachable: 'safe', reason: 'deliverable' });
      expect(items[1]!.result).toMatchObject({ is_reachable: 'unknown', reason: 'greylisted' });
      expect(fx.rcptsSeen.get('greyonce-a@ok.test')).toBe(2);
      expect(fx.rcptsSeen.get('greyalways-b@ok.test')).toBe(3);
    } finally {
      await m.stop();
    }
  }, 60_000);

  it('a single check answers the waiting inbox after it is stored, and only its tenant can read it', async () => {
    const m = await inProcess(fx.machineEnv({ MACHINE_ID: 'single' }));
    try {
      const inbox = createInbox();
      const sub = fx.nc.subscribe(inbox, { max: 1 });
      const h = headers();
      h.set(HEADERS.replyTo, inbox);
      await fx.js.publish(SUBJECTS.single, JSON.stringify({ id: 'chk-1', tenantId: 'tenant-a', email: 'ok-single@ok.test', submittedAt: new Date().toISOString() }), { headers: h });
      let answer: { id: string; result: CheckResult } | undefined;
      for await (const msg of sub) answer = msg.json();
      expect(answer).toMatchObject({ id: 'chk-1', result: { is_reachable: 'safe', input: 'ok-single@ok.test' } });
      const stored = await fx.request<{ id: string; result: CheckResult }>(SERVICE.endpoints.checkGet, { tenantId: 'tenant-a', id: 'chk-1' });
      expect(stored.result.reason).toBe('deliverable');
      expect(await fx.request(SERVICE.endpoints.checkGet, { tenantId: 'tenant-b', id: 'chk-1' })).toMatchObject({ error: { code: 'not_found' } });
    } finally {
      await m.stop();
    }
  }, 60_000);

  it('every service endpoint keeps tenants apart and rejects malformed requests with a code', async () => {
    const m = await inProcess(fx.machineEnv({ MACHINE_ID: 'tenancy' }));
    try {
      await fx.submitJob('job-t', 'tenant-a', ['ok-t@ok.test']);
      await fx.waitForJob('tenant-a', 'job-t');
      expect(await fx.jobStatus('tenant-b', 'job-t')).toMatchObject({ error: { code: 'not_found' } });
      expect(await fx.request(SERVICE.endpoints.jobResults, { tenantId: 'tenant-b', jobId: 'job-t' })).toMatchObject({ error: { code: 'not_found' } });
      expect(await fx.request(SERVICE.endpoints.jobStatus, { jobId: 'job-t' })).toMatchObject({ error: { code: 'bad_request' } });
      expect(await fx.request(SERVICE.endpoints.jobResults, { tenantId: 'tenant-a', jobId: 'job-t', cursor: '!!' })).toMatchObject({ error: { code: 'bad_request' } });
      const reply = await fx.nc.request(SERVICE.endpoints.jobStatus, 'not json', { timeout: 5000 });
      expect(reply.json()).toMatchObject({ error: { code: 'bad_request' } });
    } finally {
      await m.stop();
    }
  }, 60_000);
});

describe('machines: webhooks that could not be delivered', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture();
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
  });

  it('a webhook refused while its machine dies is sent later by another machine, exactly once', async () => {
    // A receiver that is down (503) until opened; counts what it accepted.
    let open = false;
    const accepted: string[] = [];
    let refused = 0;
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (!open) {
          refused++;
          res.statusCode = 503;
        } else accepted.push(body);
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const env = fx.machineEnv({ WEBHOOK_MAX_ATTEMPTS: '1', WEBHOOK_RETRY_INTERVAL: '1' });
    const a = await startMachineProcess({ ...env, MACHINE_ID: 'hook-a' });
    let b: Awaited<ReturnType<typeof startMachineProcess>> | undefined;
    let c: Awaited<ReturnType<typeof startMachineProcess>> | undefined;
    try {
      await fx.submitJob('job-hook', 'tenant-h', ['ok-h1@ok.test', 'ok-h2@ok.test'], { url, secret: 's' });
      await fx.waitForJob('tenant-h', 'job-hook');
      await expect.poll(() => refused, { timeout: 10_000 }).toBeGreaterThan(0);
      await a.kill();
      open = true;
      [b, c] = await Promise.all([startMachineProcess({ ...env, MACHINE_ID: 'hook-b' }), startMachineProcess({ ...env, MACHINE_ID: 'hook-c' })]);
      await expect.poll(() => accepted.length, { timeout: 30_000, interval: 200 }).toBe(1);
      await new Promise((r) => setTimeout(r, 2500));
      expect(accepted).toHaveLength(1);
      expect(JSON.parse(accepted[0]!)).toMatchObject({ event: 'job.finished', job_id: 'job-hook', state: 'finished', total: 2 });
    } finally {
      await a.kill();
      await Promise.all([b?.stop(), c?.stop()]);
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  }, 90_000);
});

describe('machines: faults', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture({ rcptDelayMs: 15 });
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
  });

  it('kill -9 of one of two machines mid-job: the job still completes with exactly one result per address', async () => {
    const env = fx.machineEnv({ CONCURRENCY: '10', ACK_WAIT_MS: '2000' });
    const a = await startMachineProcess({ ...env, MACHINE_ID: 'victim' });
    const b = await startMachineProcess({ ...env, MACHINE_ID: 'survivor' });
    try {
      const emails = Array.from({ length: 400 }, (_, i) => (i % 2 ? `ok-k${i}@ok.test` : `unknown-k${i}@ok.test`));
      await fx.submitJob('job-kill', 'tenant-k', emails);
      await expect.poll(async () => ((await fx.jobStatus('tenant-k', 'job-kill')) as JobStatus).done ?? 0, { timeout: 30_000, interval: 50 }).toBeGreaterThan(60);
      await a.kill();
      const status = await fx.waitForJob('tenant-k', 'job-kill', 90_000);
      expect(status).toMatchObject({ total: 400, done: 400, counts: { safe: 200, invalid: 200, unknown: 0 } });
      const items = await allJobResults(fx, 'tenant-k', 'job-kill');
      expect(items.map((i) => i.index)).toEqual(emails.map((_, i) => i));
    } finally {
      await a.kill();
      expect(await b.stop()).toBe(0);
    }
  }, 150_000);

  it('Postgres unreachable for a while during a job: no result is lost, the job completes after it returns', async () => {
    const pgUrl = new URL(fx.db.url);
    const relay = await createTcpRelay({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    pgUrl.port = String(relay.port);
    const m = await inProcess(fx.machineEnv({ MACHINE_ID: 'pg-outage', DATABASE_URL: pgUrl.toString(), CONCURRENCY: '10' }));
    try {
      const emails = Array.from({ length: 300 }, (_, i) => `ok-pg${i}@ok.test`);
      await fx.submitJob('job-pg', 'tenant-p', emails);
      await expect.poll(async () => ((await fx.jobStatus('tenant-p', 'job-pg')) as JobStatus).done ?? 0, { timeout: 30_000, interval: 50 }).toBeGreaterThan(30);
      await relay.stop();
      await new Promise((r) => setTimeout(r, 3000));
      const during = (await fx.jobStatus('tenant-p', 'job-pg')) as JobStatus | { error: unknown };
      expect('state' in during ? during.state : 'unavailable').not.toBe('finished');
      await relay.start();
      const status = await fx.waitForJob('tenant-p', 'job-pg', 90_000);
      expect(status).toMatchObject({ total: 300, done: 300, counts: { safe: 300 } });
      expect(await allJobResults(fx, 'tenant-p', 'job-pg')).toHaveLength(300);
    } finally {
      await m.stop();
      await relay.close();
    }
  }, 150_000);

  it('a stalled Postgres (frozen, no RST) for several ack waits re-checks no address, and the machines stop taking checks meanwhile', async () => {
    const pgUrl = new URL(fx.db.url);
    const relay = await startStoppableRelay({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    pgUrl.port = String(relay.port);
    // The commit deadline is the writer's default (15 s), far past the ack wait: what the fault run had.
    const env = fx.machineEnv({ DATABASE_URL: pgUrl.toString(), CONCURRENCY: '10', ACK_WAIT_MS: '2000' });
    const machines = await Promise.all([inProcess({ ...env, MACHINE_ID: 'stall-a' }), inProcess({ ...env, MACHINE_ID: 'stall-b' })]);
    // Enough that the stall comes mid-job even with grouped sessions (many RCPTs per session).
    const emails = Array.from({ length: 2000 }, (_, i) => `ok-stall${i}@ok.test`);
    const rcpts = () => emails.reduce((n, e) => n + (fx.rcptsSeen.get(e) ?? 0), 0);
    try {
      await fx.submitJob('job-stall', 'tenant-s', emails);
      await expect.poll(rcpts, { timeout: 30_000, interval: 20 }).toBeGreaterThan(30);
      relay.freeze();
      // Checks already in SMTP finish; then nothing new starts while no write gets through.
      await new Promise((r) => setTimeout(r, 6000));
      const settled = rcpts();
      await new Promise((r) => setTimeout(r, 6000));
      expect(rcpts(), 'SMTP sessions while the database was stalled').toBe(settled);
      expect(settled).toBeLessThan(emails.length);
      relay.thaw();
      const status = await fx.waitForJob('tenant-s', 'job-stall', 120_000);
      expect(status).toMatchObject({ total: 2000, done: 2000, counts: { safe: 2000 } });
      // Every address was checked by SMTP exactly once: a stall costs no IP budget.
      const twice = emails.filter((e) => (fx.rcptsSeen.get(e) ?? 0) !== 1);
      expect(twice).toEqual([]);
    } finally {
      relay.thaw();
      await Promise.all(machines.map((m) => m.stop()));
      await relay.close();
    }
  }, 200_000);
});
