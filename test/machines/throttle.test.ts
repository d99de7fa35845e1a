/**
 * Throttles across real machine processes: nats-server, Postgres, local DNS and SMTP
 * servers that record when each session starts. Per-second limits keep it fast; the same
 * code serves per-minute and per-day limits.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Kvm } from '@nats-io/kv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../shared/messages.ts';
import { ensureTopology } from '../../machines/src/nats/index.ts';
import { heartbeatKey } from '../../shared/heartbeat.ts';
import { KV_BUCKETS } from '../../shared/subjects.ts';
import { allJobResults, DOMAINS, fastRetries, startFixture, type Fixture } from '../support/machine-fixture.ts';
import { startMachineProcess, type MachineProcess } from '../support/machine-process.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { maxInWindow } from '../support/session-window.ts';


const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** How late a session may reach the sink after the throttle granted its slot, on a loaded 2-core CI. */
const LAG_MS = 150;

/** A stand-in for the edge's `GET /v1/whoami`: Bearer token in, `{ ip }` out; fails its first `failFirst` calls. */
async function startWhoami(opts: { token: string; ip: string; failFirst: number }) {
  const calls: { at: number; status: number }[] = [];
  const server: Server = createServer((req, res) => {
    let status = 200;
    if (req.url !== '/v1/whoami') status = 404;
    else if (req.headers.authorization !== `Bearer ${opts.token}`) status = 401;
    else if (calls.filter((c) => c.status === 503).length < opts.failFirst) status = 503;
    calls.push({ at: Date.now(), status });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(status === 200 ? JSON.stringify({ ip: opts.ip }) : JSON.stringify({ error: { code: 'unavailable', message: 'try later' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}


describe('machines: JetStream-enforced throttles per egress IP', () => {
  let fx: Fixture;
  /** A second MX, on 127.0.0.2, whose owner has our IP on a blocklist. */
  let blockedMx: SmtpSink;
  const running: MachineProcess[] = [];

  const machines = async (n: number, env: (i: number) => Record<string, string>) => {
    // One session per address (GROUP_SESSIONS=0): these tests count and space sessions per check; grouped ones are in grouped.test.ts.
    const started = await Promise.all(Array.from({ length: n }, (_, i) => startMachineProcess(fx.machineEnv({ GROUP_SESSIONS: '0', ...env(i) }))));
    running.push(...started);
    return started;
  };
  const stopAll = async (list: MachineProcess[]) => {
    await Promise.all(list.map((m) => m.stop()));
  };

  beforeAll(async () => {
    fx = await startFixture();
    // Same port as the fixture's MX (SMTP_PORT is one setting), another loopback address.
    blockedMx = await startSmtpSink({
      host: '127.0.0.2',
      port: fx.smtp.port,
      // Postfix with a Spamhaus DNSBL check, word for word.
      rcptReply: () => '554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/127.0.0.1\r\n',
    });
    const zone: Parameters<typeof fx.dns.setZone>[0] = {};
    for (const d of DOMAINS) {
      zone[d] = { MX: [{ preference: 10, exchange: `mx.${d}` }] };
      zone[`mx.${d}`] = { A: ['127.0.0.1'] };
    }
    zone['blocked.test'] = { MX: [{ preference: 10, exchange: 'mx.blocked.test' }] };
    zone['mx.blocked.test'] = { A: ['127.0.0.2'] };
    fx.dns.setZone(zone);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(running.map((m) => m.kill()));
    await blockedMx?.close();
    await fx?.close();
  });

  it('three machines sharing one egress IP at 5/s: never more than 5 SMTP sessions in any second, evenly spaced', async () => {
    const ms = await machines(3, (i) => ({ MACHINE_ID: `shared-${i}`, EGRESS_IP: '192.0.2.1', THROTTLE_IP_RATE: '5/s', CONCURRENCY: '5' }));
    try {
      const from = fx.smtp.sessionTimes.length;
      const emails = Array.from({ length: 30 }, (_, i) => `ok-shared-${i}@ok.test`);
      await fx.submitJob('job-shared', 'tenant-t', emails);
      const status = await fx.waitForJob('tenant-t', 'job-shared', 60_000);
      expect(status.counts.safe).toBe(30);

      const times = fx.smtp.sessionTimes.slice(from);
      expect(times).toHaveLength(30);
      // The sink records a session when it arrives, up to LAG_MS after its slot was granted on a
      // loaded machine; so a window LAG_MS shorter than the period holds at most one period's budget.
      expect(maxInWindow(times, 1000 - LAG_MS)).toBeLessThanOrEqual(5);
      // No burst: slots are 200 ms apart, so no three sessions fall within 200 ms (with up to LAG_MS of lag).
      expect(maxInWindow(times, 200)).toBeLessThanOrEqual(2);
      // And the budget is used: the typical spacing is 1/5 s, not much more (the median shrugs off a stall).
      expect(median(gaps(times))).toBeLessThan(250);
    } finally {
      await stopAll(ms);
    }
  }, 90_000);

  it('three machines with three different egress IPs at 5/s each: three budgets, not one', async () => {
    const ms = await machines(3, (i) => ({ MACHINE_ID: `own-${i}`, EGRESS_IP: `192.0.2.${10 + i}`, THROTTLE_IP_RATE: '5/s', CONCURRENCY: '5' }));
    try {
      const from = fx.smtp.sessionTimes.length;
      const emails = Array.from({ length: 90 }, (_, i) => `ok-own-${i}@ok.test`);
      await fx.submitJob('job-own', 'tenant-t', emails);
      const status = await fx.waitForJob('tenant-t', 'job-own', 60_000);
      expect(status.counts.safe).toBe(90);

      const times = fx.smtp.sessionTimes.slice(from);
      expect(times).toHaveLength(90);
      // One shared IP tops out at 5 in any second (test above); three IPs are three budgets: never
      // more than 15 in a second (less the recording lag, as above), and in the busiest second at
      // least twice what one budget allows (a best second, so a stall of a loaded CI does not count).
      expect(maxInWindow(times, 1000 - LAG_MS)).toBeLessThanOrEqual(15);
      expect(maxInWindow(times, 1000)).toBeGreaterThanOrEqual(10);
    } finally {
      await stopAll(ms);
    }
  }, 90_000);

  it('a 554 5.7.1 "client host blocked" opens that provider\'s breaker: its addresses wait and end unknown, another provider\'s complete meanwhile', async () => {
    const [m] = await machines(1, () => ({
      MACHINE_ID: 'breaker',
      EGRESS_IP: '192.0.2.20',
      THROTTLE_IP_RATE: '50/s',
      BREAKER_COOLDOWN: '2',
      MAX_DELIVER: '3',
      RETRY_SCHEDULE: fastRetries('200ms,400ms'),
      CONCURRENCY: '2',
    }));
    try {
      const from = { ok: fx.smtp.sessionTimes.length, blocked: blockedMx.sessionTimes.length };
      const emails: string[] = [];
      for (let i = 0; i < 10; i++) emails.push(`someone-${i}@blocked.test`, `ok-brk-${i}@ok.test`, `ok-brk-b${i}@ok.test`);
      await fx.submitJob('job-breaker', 'tenant-t', emails);
      const status = await fx.waitForJob('tenant-t', 'job-breaker', 60_000);
      expect(status.counts).toMatchObject({ safe: 20, unknown: 10 });

      const items = await allJobResults(fx, 'tenant-t', 'job-breaker');
      const blocked = items.filter((i) => i.email.endsWith('@blocked.test'));
      const ok = items.filter((i) => i.email.endsWith('@ok.test'));
      expect(new Set(blocked.map((i) => `${i.result.is_reachable}/${i.result.reason}`))).toEqual(new Set(['unknown/blocked_by_policy']));
      expect(new Set(ok.map((i) => i.result.reason))).toEqual(new Set(['deliverable']));

      // The breaker kept us away from the MX that blocks us: far fewer sessions than its
      // 10 addresses × 3 deliveries (the first ones in flight, then one probe per cool-down).
      const blockedSessions = blockedMx.sessionTimes.length - from.blocked;
      expect(blockedSessions).toBeGreaterThan(0);
      expect(blockedSessions).toBeLessThan(8);
      // Meanwhile the other provider flowed: all its addresses were done before the blocked ones were.
      const lastOk = Math.max(...ok.map((i) => Date.parse(i.result.debug.checked_at)));
      const lastBlocked = Math.max(...blocked.map((i) => Date.parse(i.result.debug.checked_at)));
      expect(lastOk).toBeLessThan(lastBlocked);
      expect(fx.smtp.sessionTimes.length - from.ok).toBe(20);
      expect(m!.output()).toMatch(/breaker opened: policy rejection/);
      expect(m!.output()).toContain('"group":"blocked.test"');
    } finally {
      await stopAll([m!]);
    }
  }, 90_000);

  it('a restart does not reset the day\'s count for the IP', async () => {
    const env = { MACHINE_ID: 'daily', EGRESS_IP: '192.0.2.30', THROTTLE_IP_RATE: '0', THROTTLE_IP_DAILY: '6', CONCURRENCY: '3' };
    const from = fx.smtp.sessionTimes.length;
    let [m] = await machines(1, () => env);
    await fx.submitJob('job-daily-1', 'tenant-t', Array.from({ length: 4 }, (_, i) => `ok-day1-${i}@ok.test`));
    await fx.waitForJob('tenant-t', 'job-daily-1', 30_000);
    expect(fx.smtp.sessionTimes.length - from).toBe(4);
    await m!.stop();

    [m] = await machines(1, () => env);
    try {
      await fx.submitJob('job-daily-2', 'tenant-t', Array.from({ length: 5 }, (_, i) => `ok-day2-${i}@ok.test`));
      // 4 used before the restart, so 2 are left today, not 6.
      await expect.poll(() => fx.smtp.sessionTimes.length - from, { timeout: 15_000 }).toBe(6);
      await new Promise((r) => setTimeout(r, 2000));
      expect(fx.smtp.sessionTimes.length - from).toBe(6);
      const status = (await fx.jobStatus('tenant-t', 'job-daily-2')) as JobStatus;
      expect(status).toMatchObject({ done: 2, state: 'running' });

      const kv = await new Kvm(fx.js).open(KV_BUCKETS.throttle);
      const entry = await kv.get('ip.192.0.2.30');
      expect(entry?.json()).toMatchObject({ day: new Date().toISOString().slice(0, 10), count: 6 });
    } finally {
      await stopAll([m!]);
    }
  }, 90_000);

  it('without EGRESS_IP a machine asks the edge\'s /v1/whoami, retrying, and starts no SMTP before it knows its IP', async () => {
    const whoami = await startWhoami({ token: 'machine-secret', ip: '203.0.113.77', failFirst: 2 });
    const from = fx.smtp.sessionTimes.length;
    // Work is waiting before the machine starts (the streams exist when any machine ran before).
    await ensureTopology(fx.nc, { maxDeliver: -1, ackWaitMs: 5000 });
    await fx.submitJob('job-whoami', 'tenant-t', Array.from({ length: 5 }, (_, i) => `ok-who-${i}@ok.test`));
    const [m] = await machines(1, () => ({ MACHINE_ID: 'whoami', EGRESS_IP: '', EDGE_URL: whoami.url, MACHINE_TOKEN: 'machine-secret', THROTTLE_IP_RATE: '20/s' }));
    try {
      await fx.waitForJob('tenant-t', 'job-whoami', 30_000);
      const learnedAt = whoami.calls.find((c) => c.status === 200)!.at;
      expect(whoami.calls.map((c) => c.status)).toEqual([503, 503, 200]);
      const sessions = fx.smtp.sessionTimes.slice(from);
      expect(sessions).toHaveLength(5);
      expect(Math.min(...sessions)).toBeGreaterThan(learnedAt);

      const items = await allJobResults(fx, 'tenant-t', 'job-whoami');
      expect(new Set(items.map((i) => i.result.debug.egress_ip))).toEqual(new Set(['203.0.113.77']));
      const kvm = new Kvm(fx.js);
      expect((await (await kvm.open(KV_BUCKETS.throttle)).get('ip.203.0.113.77'))?.json()).toMatchObject({ count: 5 });
      expect((await (await kvm.open(KV_BUCKETS.machines)).get(heartbeatKey('whoami')))?.json()).toMatchObject({ egressIp: '203.0.113.77' });
    } finally {
      await stopAll([m!]);
      await whoami.close();
    }
  }, 60_000);

  it('with neither EGRESS_IP nor EDGE_URL a machine refuses to start, with a one-line message', async () => {
    const bin = fileURLToPath(new URL('../../bin/emailcheck.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'machine'], { env: { ...process.env, ...fx.machineEnv({ EGRESS_IP: '', EDGE_URL: '' }) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/EGRESS_IP.*EDGE_URL/);
  }, 30_000);

  it('NATS stopped: no SMTP session starts, and the job completes once it is back', async () => {
    const [m] = await machines(1, () => ({ MACHINE_ID: 'nats-down', EGRESS_IP: '192.0.2.40', THROTTLE_IP_RATE: '4/s', CONCURRENCY: '5' }));
    try {
      const from = fx.smtp.sessionTimes.length;
      const emails = Array.from({ length: 30 }, (_, i) => `ok-down-${i}@ok.test`);
      await fx.submitJob('job-down', 'tenant-t', emails);
      await expect.poll(() => fx.smtp.sessionTimes.length - from, { timeout: 15_000, interval: 20 }).toBeGreaterThanOrEqual(3);

      await fx.nats.shutdown();
      const down = fx.smtp.sessionTimes.length;
      // Workers hold reserved slots up to ~1 s ahead and more messages are buffered: at 4/s,
      // failing open would show about 12 sessions in these 3 s.
      await new Promise((r) => setTimeout(r, 3000));
      expect(fx.smtp.sessionTimes.length).toBe(down);
      expect(m!.output()).toMatch(/throttle state unreachable/);

      await fx.nats.restart();
      const status = await fx.waitForJob('tenant-t', 'job-down', 60_000);
      expect(status).toMatchObject({ done: 30, counts: { safe: 30 } });
    } finally {
      await stopAll([m!]);
    }
  }, 120_000);
});
