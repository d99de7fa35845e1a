/**
 * @module cli/dev
 * `emailcheck dev` (`npm start`): the whole stack on 127.0.0.1 — its own nats-server (JetStream +
 * WebSocket), one machine process, and the Worker under wrangler dev — with a dev API key in the
 * Worker's local KV. Prints the URL and the key when every part answers; Ctrl-C stops them all.
 * A part that dies once the stack is up is restarted, with a log line, at most 5 times a minute;
 * one that dies more often (or during start-up) stops the others and the command exits non-zero naming it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ApiKeyRecord } from '../shared/api-keys.ts';
import { generateApiKey } from '../shared/api-keys.ts';
import { ConfigError, devEnv, readEnv } from '../shared/config.ts';
import { findNatsServer, MissingBinaryError, portAccepts, startDevNats } from './dev-nats.ts';
import { storeLocalKey, wranglerPersistDir } from './keys.ts';
import { UsageError } from './usage.ts';
import { restartBudget } from './restart-budget.ts';
import { PROJECT_ROOT, startWranglerDev, type WranglerDev, type WranglerDevOptions } from './wrangler.ts';

const BIN = join(PROJECT_ROOT, 'bin', 'emailcheck.js');
/** Restarts of one part in any minute before `emailcheck dev` gives up on the stack. */
const RESTARTS_PER_MINUTE = 5;
const DEV_TENANT = 'dev';
/** Generous, so local load tests exercise the limiter without hitting it. */
const DEV_RATE_PER_MINUTE = 1_000_000;

export interface DevStackOptions {
  /** Where settings come from; the verifier's variables (DNS_SERVERS, SMTP_PORT, ...) reach the machine as they are. */
  env: Record<string, string | undefined>;
  /** Each line a part prints, prefixed with the part's name. */
  onLine?: (part: Part, line: string) => void;
  readyTimeoutMs?: number;
  /** Aborting it during start-up stops what already runs and rejects. */
  signal?: AbortSignal;
  workerLogLevel?: WranglerDevOptions['logLevel'];
}

export type Part = 'nats-server' | 'machine' | 'worker';

export interface DevStack {
  url: string;
  apiKey: string;
  tenant: string;
  natsUrl: string;
  natsWsUrl: string;
  dataDir: string;
  /** Resolves when a part exits without being asked to, with its name and exit code. */
  died: Promise<{ part: Part; code: number | null }>;
  /** Stops the Worker and the machine (which drains), then nats-server. */
  stop(): Promise<void>;
}

class PartDiedError extends Error {}
export class StartAborted extends Error {}

/** The dev key: DEV_API_KEY, else one generated on the first run and kept in the data folder. */
async function devApiKey(given: string | undefined, dataDir: string): Promise<string> {
  if (given) return given;
  const file = join(dataDir, 'dev-api-key');
  const kept = await readFile(file, 'utf8').catch(() => '');
  if (kept.trim()) return kept.trim();
  const key = generateApiKey();
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

function spawnMachine(env: NodeJS.ProcessEnv): ChildProcess {
  // Own process group: Ctrl-C reaches only us, and we stop the machine before its nats-server.
  return spawn(process.execPath, [BIN, 'machine'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

function lines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (c: Buffer) => {
      partial += c.toString('utf8');
      const all = partial.split('\n');
      partial = all.pop() ?? '';
      for (const l of all) if (l.trim()) onLine(l);
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pingOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v1/ping`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

export async function startDevStack(opts: DevStackOptions): Promise<DevStack> {
  let dev;
  try {
    dev = readEnv(devEnv, opts.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const natsBin = findNatsServer(opts.env);
  const onLine = opts.onLine ?? (() => {});
  const readyTimeoutMs = opts.readyTimeoutMs ?? 90_000;
  // Relative to the working directory, like PGLITE_DIR; `npm start` runs in the project root.
  const dataDir = resolve(dev.DEV_DATA_DIR);
  const url = `http://127.0.0.1:${dev.PORT}`;
  if (await portAccepts(dev.PORT)) throw new UsageError(`port ${dev.PORT} on 127.0.0.1 is already in use (another \`npm start\`?); set PORT to a free one`);
  await mkdir(dataDir, { recursive: true });

  const apiKey = await devApiKey(dev.DEV_API_KEY, dataDir);
  const record: ApiKeyRecord = {
    tenant: DEV_TENANT,
    name: 'dev key (emailcheck dev)',
    rate_per_minute: DEV_RATE_PER_MINUTE,
    daily_quota: null,
    disabled: false,
    // The person running the stack is its operator.
    operator: true,
    created_at: new Date().toISOString(),
  };
  // Written before wrangler dev opens the store, while nats-server starts.
  const [natsStart, keyStored] = await Promise.allSettled([startDevNats(natsBin, join(dataDir, 'nats')), storeLocalKey(apiKey, record, dataDir)]);
  if (keyStored.status === 'rejected') {
    if (natsStart.status === 'fulfilled') await natsStart.value.stop();
    throw new Error(`could not store the dev API key in the local KV: ${(keyStored.reason as Error).message}`);
  }
  if (natsStart.status === 'rejected') throw natsStart.reason;
  let nats = natsStart.value;
  const machineToken = opts.env.MACHINE_TOKEN || randomBytes(24).toString('base64url');
  let stopping = false;
  let worker: WranglerDev | null = null;
  let machine: ChildProcess | null = null;
  let machineExited: Promise<number | null> = Promise.resolve(null);
  // If this process ends without stopAll (a second Ctrl-C, a crash), leave no part running.
  const killGroups = () => {
    for (const pid of [machine?.pid, nats.child.pid]) {
      try {
        if (pid) process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killGroups);

  const stopAll = async () => {
    stopping = true;
    await Promise.all([
      worker?.stop(),
      (async () => {
        if (!machine || machine.exitCode !== null || machine.signalCode !== null) return;
        machine.kill('SIGTERM');
        // The machine drains (SHUTDOWN_GRACE_MS), which it cannot do once nats-server is gone.
        const natsGone = nats.child.exitCode !== null || nats.child.signalCode !== null;
        const timer = setTimeout(() => machine?.kill('SIGKILL'), natsGone ? 3000 : 30_000);
        await machineExited;
        clearTimeout(timer);
      })(),
    ]);
    await nats.stop();
    process.removeListener('exit', killGroups);
  };

  let reportDeath!: (d: { part: Part; code: number | null }) => void;
  const died = new Promise<{ part: Part; code: number | null }>((res) => (reportDeath = res));
  // Once the stack is up, a part that dies is started again (one bad request must not take the
  // whole stack down), at most RESTARTS_PER_MINUTE times a minute; past that, or during start-up, it ends the stack.
  let ready = false;
  const budget = restartBudget(RESTARTS_PER_MINUTE, 60_000);
  const watch = (part: Part, exited: Promise<number | null>, restart: () => Promise<void>) =>
    void exited.then(async (code) => {
      if (stopping) return;
      if (!ready || !budget.take(part)) {
        if (ready) onLine(part, `emailcheck dev: the ${part} exited (code ${code}) ${RESTARTS_PER_MINUTE} times within a minute; giving up on it`);
        reportDeath({ part, code });
        return;
      }
      onLine(part, `emailcheck dev: the ${part} exited (code ${code}); restarting it (${budget.used(part)} of at most ${RESTARTS_PER_MINUTE} restarts a minute)`);
      try {
        await restart();
      } catch (err) {
        onLine(part, `emailcheck dev: restarting the ${part} failed: ${(err as Error).message}`);
        if (!stopping) reportDeath({ part, code });
      }
    });
  const watchNats = () =>
    watch('nats-server', nats.exited, async () => {
      nats = await nats.restart();
      watchNats();
    });
  watchNats();

  const startWorker = () => {
    const w = startWranglerDev({
      port: dev.PORT,
      persistTo: wranglerPersistDir(dataDir),
      vars: { NATS_URL: nats.wsUrl },
      // Not --var: a command line is readable by every local user (ps).
      secrets: { MACHINE_TOKEN: machineToken },
      secretsFile: join(dataDir, 'worker-secrets.env'),
      onLine: (l) => onLine('worker', l),
      logLevel: opts.workerLogLevel,
    });
    worker = w;
    watch('worker', w.exited, async () => {
      // Whatever the dead wrangler left (workerd children) must not hold the port.
      await w.stop(0);
      if (!stopping) startWorker();
    });
  };

  try {
    startWorker();

    let deadPart: { part: Part; code: number | null } | null = null;
    void died.then((d) => (deadPart = d));
    const deadline = Date.now() + readyTimeoutMs;
    const waitFor = async (ready: () => boolean | Promise<boolean>, what: string) => {
      while (!(await ready())) {
        if (opts.signal?.aborted) throw new StartAborted('stopped before the stack was ready');
        if (deadPart) {
          const d = deadPart as { part: Part; code: number | null };
          throw new PartDiedError(`${d.part} exited (${d.code}) before the stack was ready${d.part === 'nats-server' ? `:\n${nats.logs()}` : ''}`);
        }
        if (Date.now() > deadline) throw new Error(`the stack was not ready within ${readyTimeoutMs / 1000} s: ${what}`);
        await sleep(100);
      }
    };
    await waitFor(() => pingOk(url), `the Worker did not answer ${url}/v1/ping`);

    // Started once the Worker answers, so its first /v1/whoami (egress IP) succeeds.
    const machineEnv: NodeJS.ProcessEnv = {
      ...opts.env,
      NATS_URL: nats.url,
      PGLITE_DIR: join(dataDir, 'pglite'),
      MACHINE_ID: opts.env.MACHINE_ID || 'dev',
      HTTP_PORT: opts.env.HTTP_PORT || '0',
      // The machine learns its egress IP from the local Worker's /v1/whoami, as it would from the real edge.
      EDGE_URL: url,
      MACHINE_TOKEN: machineToken,
      // The readiness check waits for the "machine started" line.
      LOG_LEVEL: /^(debug|trace)$/.test(opts.env.LOG_LEVEL ?? '') ? opts.env.LOG_LEVEL : 'info',
    };
    let machineStarted = false;
    const startMachine = () => {
      const m = spawnMachine(machineEnv);
      machine = m;
      machineExited = new Promise((res) => m.once('exit', (code, signal) => res(code ?? (signal ? 128 : null))));
      watch('machine', machineExited, async () => {
        if (!stopping) startMachine();
      });
      lines(m, (l) => {
        if (l.includes('"machine started"')) machineStarted = true;
        onLine('machine', l);
      });
    };
    startMachine();
    await waitFor(() => machineStarted, 'the machine did not log "machine started"');
    ready = true;
  } catch (err) {
    await stopAll();
    throw err;
  }

  return {
    url,
    apiKey,
    tenant: DEV_TENANT,
    natsUrl: nats.url,
    natsWsUrl: nats.wsUrl,
    dataDir,
    died,
    stop: stopAll,
  };
}

function banner(stack: DevStack): string {
  return [
    '',
    `emailcheck dev stack ready`,
    `  API      ${stack.url}   (docs: ${stack.url}/docs)`,
    `  API key  ${stack.apiKey}   (tenant "${stack.tenant}")`,
    `  NATS     ${stack.natsUrl}, WebSocket ${stack.natsWsUrl}`,
    `  data     ${stack.dataDir}`,
    `  try      curl -s -H 'Authorization: Bearer ${stack.apiKey}' '${stack.url}/v1/check?email=someone@example.com'`,
    `Ctrl-C stops everything.`,
    '',
  ].join('\n');
}

export async function runDev(argv: string[]): Promise<number> {
  if (argv.length > 0) throw new UsageError(`"dev" takes no arguments (settings come from the environment: PORT, DEV_API_KEY, ...), got "${argv[0]}"`);
  const log = (part: Part, line: string) => void process.stderr.write(`[${part}] ${line}\n`);
  let signalled: NodeJS.Signals | null = null;
  let wake: ((s: NodeJS.Signals) => void) | null = null;
  const aborter = new AbortController();
  const onSignal = (s: NodeJS.Signals) => {
    if (signalled) {
      // A second Ctrl-C does not wait for the drain: the exit handlers SIGKILL every part.
      process.stderr.write('emailcheck dev: killing every part now\n');
      process.exit(130);
    }
    signalled = s;
    aborter.abort();
    wake?.(s);
  };
  // SIGHUP too: a closed terminal must not leave the parts (each in its own process group) behind.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSignal);
  try {
    let stack: DevStack;
    try {
      stack = await startDevStack({ env: process.env, onLine: log, signal: aborter.signal });
    } catch (err) {
      if (err instanceof MissingBinaryError) {
        process.stderr.write(`emailcheck dev: ${err.message}\n`);
        return 1;
      }
      if (err instanceof StartAborted) return 0;
      throw err;
    }
    const outcome = await new Promise<{ signal: NodeJS.Signals } | { part: Part; code: number | null }>((res) => {
      if (signalled) return res({ signal: signalled });
      process.stdout.write(banner(stack));
      wake = (s) => res({ signal: s });
      void stack.died.then(res);
    });
    if ('signal' in outcome) {
      process.stderr.write('emailcheck dev: stopping...\n');
      await stack.stop();
      return 0;
    }
    process.stderr.write(`emailcheck dev: the ${outcome.part} exited (code ${outcome.code}); stopping the rest\n`);
    await stack.stop();
    return 1;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}
