/**
 * @module test/machines/grouped
 * The bulk path with grouped sessions: a job's same-domain items share SMTP sessions on a
 * machine, each item still gets its own row, and catch-all answers are shared by machines
 * through JetStream KV (with the bucket's TTL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kvm } from '@nats-io/kv';
import { machineEnv, readEnv, throttleEnv } from '../../shared/config.ts';
import { KV_BUCKETS } from '../../shared/subjects.ts';
import { startMachine, type Machine } from '../../machines/src/machine.ts';
import { createKvCatchAllStore } from '../../machines/src/nats/index.ts';
import { verifyOptionsFromEnv } from '../../machines/src/verify/index.ts';
import { allJobResults, startFixture, type Fixture } from '../support/machine-fixture.ts';

const inProcess = (env: Record<string, string>): Promise<Machine> =>
  startMachine({ machine: readEnv(machineEnv, env), verify: verifyOptionsFromEnv(env), throttle: readEnv(throttleEnv, env) });

/** A list as people upload them: the domains interleaved, some missing users, a catch-all domain. */
function list(tag: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => (i % 3 === 2 ? `anyone-${tag}-${i}@catchall.test` : i % 5 === 1 ? `unknown-${tag}-${i}@ok.test` : `ok-${tag}-${i}@ok.test`));
}

describe('machines: grouped sessions on the bulk path', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await startFixture();
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
  });

  it('THROTTLE_IP_RCPT_RATE paces grouped sessions by the RCPTs they carry: after a session of k RCPTs the next waits k slots', async () => {
    const interval = (1000 / 40) * 1.08; // 40/s, slots 8% wider
    const machine = await inProcess(fx.machineEnv({ MACHINE_ID: 'rcpt-rate', EGRESS_IP: '192.0.2.77', THROTTLE_IP_RCPT_RATE: '40/s', CATCH_ALL_TTL: '0' }));
    try {
      const from = fx.smtp.sessionTimes.length;
      const emails = Array.from({ length: 120 }, (_, i) => `ok-rr-${i}@ok.test`);
      await fx.submitJob('rcpt-rate', 'tenant-r', emails);
      expect(await fx.waitForJob('tenant-r', 'rcpt-rate', 60_000)).toMatchObject({ done: 120, counts: { safe: 120 } });
      const times = fx.smtp.sessionTimes.slice(from);
      const rcpts = fx.smtp.sessionRcpts.slice(from);
      expect(rcpts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(120);
      expect(Math.max(...rcpts)).toBeGreaterThan(10); // grouped, not one per address
      const order = times.map((t, i) => ({ t, k: rcpts[i]! })).sort((a, b) => a.t - b.t);
      // A few ms of connect jitter aside, no session starts before the previous one's RCPTs are paid for.
      for (let i = 1; i < order.length; i++) expect(order[i]!.t - order[i - 1]!.t).toBeGreaterThanOrEqual(order[i - 1]!.k * interval - 50);
    } finally {
      await machine.stop();
    }
  }, 90_000);

  it('a job\'s same-domain items share sessions, every item gets its own result, identical to GROUP_SESSIONS=0 at a fraction of the sessions and RCPTs', async () => {
    const run = async (jobId: string, extra: Record<string, string>) => {
      const machine = await inProcess(fx.machineEnv({ MACHINE_ID: jobId, ...extra }));
      try {
        const s0 = fx.smtp.sessions;
        const r0 = fx.smtp.rcpts;
        const emails = list(jobId, 300);
        await fx.submitJob(jobId, 'tenant-g', emails);
        const status = await fx.waitForJob('tenant-g', jobId, 90_000);
        expect(status).toMatchObject({ total: 300, done: 300, state: 'finished' });
        const items = await allJobResults(fx, 'tenant-g', jobId);
        expect(items.map((i) => i.index)).toEqual(emails.map((_, i) => i));
        return { sessions: fx.smtp.sessions - s0, rcpts: fx.smtp.rcpts - r0, items };
      } finally {
        await machine.stop();
      }
    };
    // CATCH_ALL_TTL=0 for both: the grouped saving here is the session's alone (the KV cache is the next test's).
    const ungrouped = await run('g-off', { GROUP_SESSIONS: '0', CATCH_ALL_TTL: '0' });
    const grouped = await run('g-on', { CATCH_ALL_TTL: '0' });
    const verdicts = (r: typeof grouped) => r.items.map((i) => [i.email.replace(/-g-o(n|ff)-/, '-'), i.result.reason, i.result.smtp]);
    expect(verdicts(grouped)).toEqual(verdicts(ungrouped));
    expect(ungrouped.sessions).toBe(300);
    expect(ungrouped.rcpts).toBe(600);
    expect(grouped.sessions).toBeLessThan(60);
    expect(grouped.rcpts).toBeLessThan(400);
    expect(grouped.items.some((i) => i.result.debug.session?.shared)).toBe(true);
  }, 120_000);

  it('two machines share catch-all answers through KV: the second probes no domain the first already probed', async () => {
    const env = fx.machineEnv({ CATCH_ALL_TTL: '3600' });
    const a = await inProcess({ ...env, MACHINE_ID: 'ca-a' });
    try {
      await fx.submitJob('ca-1', 'tenant-c', ['ok-ca1-1@ok.test', 'anyone-ca1-2@catchall.test']);
      await fx.waitForJob('tenant-c', 'ca-1');
    } finally {
      await a.stop();
    }
    const b = await inProcess({ ...env, MACHINE_ID: 'ca-b' });
    try {
      const r0 = fx.smtp.rcpts;
      await fx.submitJob('ca-2', 'tenant-c', ['ok-ca2-1@ok.test', 'ok-ca2-2@ok.test', 'anyone-ca2-3@catchall.test']);
      await fx.waitForJob('tenant-c', 'ca-2');
      // Three addresses, three RCPTs: no probe on either domain.
      expect(fx.smtp.rcpts - r0).toBe(3);
      const items = await allJobResults(fx, 'tenant-c', 'ca-2');
      expect(items.map((i) => [i.result.reason, i.result.debug.session?.catch_all])).toEqual([
        ['deliverable', 'cache'],
        ['deliverable', 'cache'],
        ['catch_all', 'cache'],
      ]);
    } finally {
      await b.stop();
    }
  }, 60_000);

  it('the shared store forgets an answer older than CATCH_ALL_TTL, and its bucket carries that TTL', async () => {
    const kv = await new Kvm(fx.nc).open(KV_BUCKETS.catchAll);
    expect((await kv.status()).ttl).toBe(3_600_000);
    let now = Date.now();
    const store = createKvCatchAllStore({ kv, ttlMs: 60_000, now: () => now });
    const other = createKvCatchAllStore({ kv: await new Kvm(fx.nc).open(KV_BUCKETS.catchAll), ttlMs: 60_000, now: () => now });
    await store.set('expiry.test', { catchAll: true, probedAt: now });
    expect(await other.get('expiry.test')).toEqual({ catchAll: true, probedAt: now });
    now += 61_000;
    expect(await other.get('expiry.test')).toBeNull();
  });
});
