/**
 * @module test/dev-stack
 * `emailcheck dev` (what `npm start` runs) as a developer runs it: a child process that brings
 * up nats-server, a machine and the Worker under wrangler dev, pointed at a local DNS server and
 * a mock MTA through the verifier's environment. Ctrl-C must leave nothing behind.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, portAccepts } from '../cli/dev-nats.ts';
import { runDoctorChecks } from '../cli/doctor.ts';
import { startDnsServer, type TestDnsServer } from './support/dns-server.ts';
import { startMockMta, type MockMta } from './support/smtp-servers.ts';

const BIN = join(resolve(import.meta.dirname, '..'), 'bin', 'emailcheck.js');
const DEV_API_KEY = 'ek_dev-stack-test-key-0123456789abcdefghijklmnopq';
const MACHINE_TOKEN = 'dev-stack-test-machine-token-5f0c2a9e71';

interface DevRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function runDev(env: Record<string, string>): DevRun {
  const child = spawn(process.execPath, [BIN, 'dev'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Ctrl-C, as a developer would; SIGKILL only if it does not stop (that would leave its parts running). */
async function interrupt(run: DevRun, timeoutMs = 30_000): Promise<number | null> {
  if (run.child.exitCode !== null) return run.child.exitCode;
  run.child.kill('SIGINT');
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  const code = await run.exited;
  clearTimeout(timer);
  return code;
}

/** Generous: the first start creates the PGlite database, which takes a while on a loaded 2-core machine. */
const READY_MS = 120_000;

async function untilReady(run: DevRun, timeoutMs = READY_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void run.exited.then(() => (exited = true));
  while (!run.stdout().includes('dev stack ready')) {
    if (exited) throw new Error(`emailcheck dev exited before it was ready:\n${run.stderr()}`);
    if (Date.now() > deadline) throw new Error(`emailcheck dev was not ready within ${timeoutMs} ms:\n${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A TCP listener that only counts who connects: stands in for a developer's own NATS. */
async function countingListener(port: number): Promise<{ server: Server; connections: () => number }> {
  let n = 0;
  const server = createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(port, '127.0.0.1', () => res());
  });
  return { server, connections: () => n };
}

/** Sends headers declaring a 596-byte body, 23 bytes of it, then drops the connection. */
function brokenUpload(port: number, path: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 596\r\n\r\n{"emails":["a@x.test",`);
      setTimeout(() => socket.destroy(), 300);
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve());
  });
}

/** Processes whose command line mentions `needle` (workerd and nats-server carry their ports and config path). */
function processesMentioning(needle: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes(needle) && !l.includes('ps -eo'));
}

describe('emailcheck dev (npm start)', () => {
  let dns: TestDnsServer;
  let mta: MockMta;
  let dataDir: string;
  let devsNats: Awaited<ReturnType<typeof countingListener>>;
  let nats4222: Awaited<ReturnType<typeof countingListener>> | null = null;
  let env: Record<string, string>;

  beforeAll(async () => {
    mta = await startMockMta({ mailboxes: { 'alice@mail.test': 'ok', 'bob@mail.test': 'unknown' } });
    dns = await startDnsServer({
      'mail.test': { MX: [{ preference: 10, exchange: 'mx.mail.test' }] },
      'mx.mail.test': { A: ['127.0.0.1'] },
      // What `emailcheck doctor` looks up for the egress IP the Worker sees (127.0.0.1 under wrangler dev).
      '1.0.0.127.in-addr.arpa': { PTR: ['dev-stack.test'] },
      'dev-stack.test': { A: ['127.0.0.1'], MX: [{ preference: 10, exchange: 'mx.mail.test' }], TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
    });
    dataDir = await mkdtemp(join(tmpdir(), 'emailcheck-dev-'));
    devsNats = await countingListener(await freePort());
    // A NATS on 4222, as on many developer machines: take the port if it is free to see whether anything connects.
    if (!(await portAccepts(4222))) nats4222 = await countingListener(4222).catch(() => null);
    env = {
      DEV_API_KEY,
      MACHINE_TOKEN,
      DEV_DATA_DIR: dataDir,
      // The developer's own NATS_URL must not leak into the stack's machine.
      NATS_URL: `nats://127.0.0.1:${(devsNats.server.address() as { port: number }).port}`,
      DNS_SERVERS: dns.server,
      SMTP_PORT: String(mta.port),
      ALLOW_PRIVATE_MX: '1',
      HELO_NAME: 'dev-stack.test',
      FROM_EMAIL: 'verify@dev-stack.test',
    };
  });

  afterAll(async () => {
    devsNats?.server.close();
    nats4222?.server.close();
    await Promise.all([dns?.close(), mta?.close()]);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('checks an address through the Worker, NATS and the machine against local mail servers, and Ctrl-C stops every part', async () => {
    const port = await freePort();
    const run = runDev({ ...env, PORT: String(port) });
    try {
      await untilReady(run);
      const banner = run.stdout();
      expect(banner).toContain(`http://127.0.0.1:${port}`);
      expect(banner).toContain(DEV_API_KEY);
      const natsPorts = [...banner.matchAll(/(?:nats|ws):\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
      // Secrets reach the parts through their environment or a file of ours, never a command line `ps` shows.
      expect(processesMentioning(MACHINE_TOKEN)).toEqual([]);
      expect(natsPorts).toHaveLength(2);
      expect(natsPorts).not.toContain(4222);

      const check = async (email: string, key = DEV_API_KEY) => {
        const res = await fetch(`http://127.0.0.1:${port}/v1/check`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ email }),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const alice = await check('alice@mail.test');
      expect(alice.status, run.stderr()).toBe(200);
      expect(alice.body).toMatchObject({ input: 'alice@mail.test', is_reachable: 'safe', reason: 'deliverable', cached: false });
      const bob = await check('bob@mail.test');
      expect(bob.body).toMatchObject({ is_reachable: 'invalid', reason: 'mailbox_not_found' });
      // The answers came from our MTA, with the verifier settings passed through.
      const rcpts = mta.sessions.flatMap((s) => s.rcpts);
      expect(rcpts).toEqual(expect.arrayContaining(['alice@mail.test', 'bob@mail.test']));
      expect(mta.sessions.every((s) => s.ehlo === 'dev-stack.test' && s.mailFrom === 'verify@dev-stack.test')).toBe(true);

      const again = await check('alice@mail.test');
      expect(again.body).toMatchObject({ is_reachable: 'safe', cached: true });
      expect((await check('alice@mail.test', 'ek_not-a-key-of-this-stack-000000000000000')).status).toBe(401);

      // A client that declares a body and breaks off after a few bytes (here to an unknown route,
      // unauthenticated) once made wrangler dev exit: the Worker stays up, nothing restarts.
      for (const path of ['/', '/v1/bulk']) await brokenUpload(port, path);
      await new Promise((r) => setTimeout(r, 1500));
      expect((await check('carol@mail.test')).status).toBe(200);
      expect(run.stderr()).not.toMatch(/exited \(code/);

      // `emailcheck doctor` learns the egress IP from this Worker's /v1/whoami, as a machine does.
      const doctorEnv = { ...env, EDGE_URL: `http://127.0.0.1:${port}`, DNSBL_ZONES: 'bl.dev-stack.test' };
      const doctor = Object.fromEntries((await runDoctorChecks({ env: doctorEnv })).map((l) => [l.check, l]));
      expect(doctor['egress ip']).toMatchObject({ status: 'ok', detail: '127.0.0.1 (as the edge sees it)' });
      expect(doctor['reverse dns']).toMatchObject({ status: 'ok', detail: '127.0.0.1 → dev-stack.test → 127.0.0.1 (forward-confirmed)' });
      expect(doctor['helo name']).toMatchObject({ status: 'ok' });
      expect(doctor['blocklist bl.dev-stack.test']).toMatchObject({ status: 'ok' });
      const wrongToken = (await runDoctorChecks({ env: { ...doctorEnv, MACHINE_TOKEN: 'not-the-token' } })).find((l) => l.check === 'egress ip');
      expect(wrongToken).toMatchObject({ status: 'fail', fix: expect.stringContaining('MACHINE_TOKEN') });

      expect(await interrupt(run)).toBe(0);
      for (const p of [port, ...natsPorts]) expect(await portAccepts(p), `port ${p} still open`).toBe(false);
      expect(processesMentioning(`127.0.0.1:${port}`)).toEqual([]);
      expect(processesMentioning(dataDir)).toEqual([]);
      expect(devsNats.connections()).toBe(0);
      if (nats4222) expect(nats4222.connections()).toBe(0);
    } finally {
      await interrupt(run);
    }
  }, 180_000);

  it('a part that dies is restarted with a log line, and the stack answers again', async () => {
    const port = await freePort();
    const run = runDev({ ...env, PORT: String(port) }); // the same data folder: the second start reuses the stores
    const check = async (email: string, query = '') => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/v1/check${query}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${DEV_API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ email }),
          signal: AbortSignal.timeout(15_000),
        });
        await res.arrayBuffer();
        return res.status;
      } catch {
        return 0;
      }
    };
    try {
      await untilReady(run);
      // The Worker (wrangler dev and its workerd) dies, as one broken upload once made it do.
      // bin/wrangler.js, which we start: it runs the CLI in a child of its own.
      const wrangler = processesMentioning(dataDir).filter((l) => l.includes('bin/wrangler.js') && l.includes(' dev '));
      expect(wrangler).toHaveLength(1);
      process.kill(Number(wrangler[0]!.trim().split(/\s+/)[0]), 'SIGKILL');
      await expect.poll(() => run.stderr(), { timeout: 10_000 }).toMatch(/the worker exited \(code \d+\); restarting it/);
      await expect.poll(() => check('alice@mail.test'), { timeout: 90_000, interval: 500 }).toBe(200);

      const nats = processesMentioning(join(dataDir, 'nats'));
      expect(nats).toHaveLength(1);
      process.kill(Number(nats[0]!.trim().split(/\s+/)[0]), 'SIGKILL');
      await expect.poll(() => run.stderr(), { timeout: 10_000 }).toMatch(/the nats-server exited \(code \d+\); restarting it/);
      // Past the cache: the check goes through NATS and the machine, which reconnect to the same ports.
      await expect.poll(() => check('alice@mail.test', '?fresh=1'), { timeout: 60_000, interval: 500 }).toBe(200);
      expect(run.child.exitCode).toBeNull();
      expect(await interrupt(run)).toBe(0);
      expect(await portAccepts(port)).toBe(false);
      expect(processesMentioning(dataDir)).toEqual([]);
    } finally {
      await interrupt(run);
    }
  }, 240_000);

  it('without nats-server on PATH: says how to install it and exits non-zero', async () => {
    const run = runDev({ ...env, PATH: '/nonexistent', NATS_SERVER_BIN: '' });
    expect(await run.exited).not.toBe(0);
    expect(run.stderr()).toMatch(/nats-server was not found on PATH/);
    expect(run.stderr()).toMatch(/apt-get install nats-server/);
    expect(run.stderr()).toMatch(/brew install nats-server/);
    expect(run.stdout()).toBe('');
  });
});
