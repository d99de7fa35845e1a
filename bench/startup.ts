/**
 * npm run bench:startup — what every process start costs: wall time and peak RSS of
 * `emailcheck check --json not-an-email` (no network) and `emailcheck help`, against `node -e 0`
 * measured in the same run; then the RSS of an idle machine on Postgres and on PGlite, and the peak RSS
 * of a machine's first start on a new PGlite data folder (its whole process tree, polled from /proc).
 * Targets: the check <= 0.25 s and <= 90 MB; idle machine <= 100 MB on Postgres, <= 300 MB on PGlite;
 * first start on PGlite <= 300 MB.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMachineProcess } from '../test/support/machine-process.ts';
import { startNatsServer } from '../test/support/nats-server.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { fmt } from './measure.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
/** How long a machine sits idle after "machine started" before its RSS is read. */
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 5000);
const BIN = fileURLToPath(new URL('../bin/emailcheck.js', import.meta.url));
// Reports the child's own peak RSS on fd 3 as it exits; loaded before anything else, the same for every command.
const REPORT_RSS = `data:text/javascript,import { writeSync } from 'node:fs'; process.on('exit', () => { try { writeSync(3, String(process.resourceUsage().maxRSS)); } catch {} });`;

interface Sample {
  seconds: number;
  rssMb: number;
}

function runOnce(args: string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', REPORT_RSS, ...args], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
    let rss = '';
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (c) => (rss += c));
    child.once('error', reject);
    child.once('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}`));
      else resolve({ seconds, rssMb: Number(rss) / 1024 });
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function measure(args: string[]): Promise<Sample> {
  await runOnce(args); // warm the page cache
  const samples: Sample[] = [];
  // Interleaving would be fairer under load, but one command after another keeps each one's cache warm.
  for (let i = 0; i < RUNS; i++) samples.push(await runOnce(args));
  return { seconds: median(samples.map((s) => s.seconds)), rssMb: median(samples.map((s) => s.rssMb)) };
}

/** Current and peak RSS of a machine that has been idle for IDLE_MS after starting. */
async function idleMachineRss(env: Record<string, string>): Promise<{ rssMb: number; peakMb: number }> {
  const machine = await startMachineProcess({ MACHINE_ID: 'bench-startup', EGRESS_IP: '127.0.0.1', LOG_LEVEL: 'warn', ...env });
  try {
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const status = await readFile(`/proc/${machine.child.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } finally {
    await machine.stop();
  }
}

/** Pids of every process below `pid`, from the kernel's per-thread child lists. */
function descendants(pid: number): number[] {
  const found: number[] = [];
  const visit = (p: number) => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return; // exited meanwhile
    }
    for (const tid of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8');
      } catch {}
      for (const c of children.split(' ').filter(Boolean).map(Number)) {
        found.push(c);
        visit(c);
      }
    }
  };
  visit(pid);
  return found;
}

const rssKb = (pid: number): number => {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

/**
 * Peak of the summed RSS of the processes this one starts while `start` runs, other than those already
 * running before it (nats-server): a machine and whatever it spawns, sampled every 5 ms.
 */
async function treePeakMb<T>(start: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  const before = new Set(descendants(process.pid));
  let peakKb = 0;
  const sample = () => {
    const kb = descendants(process.pid)
      .filter((p) => !before.has(p))
      .reduce((sum, p) => sum + rssKb(p), 0);
    peakKb = Math.max(peakKb, kb);
  };
  const timer = setInterval(sample, 5);
  try {
    const result = await start();
    sample();
    return { result, peakMb: peakKb / 1024 };
  } finally {
    clearInterval(timer);
  }
}

/** Peak RSS of a machine's process tree from spawn to "machine started", on a data folder it has to create. */
async function firstStartPeak(env: Record<string, string>): Promise<{ peakMb: number; ownPeakMb: number }> {
  const { result: machine, peakMb } = await treePeakMb(() => startMachineProcess({ MACHINE_ID: 'bench-startup', EGRESS_IP: '127.0.0.1', LOG_LEVEL: 'warn', ...env }, 120_000));
  try {
    const status = await readFile(`/proc/${machine.child.pid}/status`, 'utf8');
    return { peakMb, ownPeakMb: Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024 };
  } finally {
    await machine.stop();
  }
}

const node0 = await measure(['-e', '0']);
const check = await measure([BIN, 'check', '--json', 'not-an-email']);
const help = await measure([BIN, 'help']);

console.log(`bench:startup  median of ${RUNS} runs each, wall time from spawn to exit, peak RSS`);
const row = (name: string, s: Sample, target = '') =>
  console.log(`${name.padEnd(40)} ${fmt(s.seconds, 3)} s (${fmt(s.seconds / node0.seconds, 2)}x node)  ${fmt(s.rssMb)} MB (${fmt(s.rssMb / node0.rssMb, 2)}x node)${target}`);
row('node -e 0 (baseline)', node0);
row('emailcheck check --json not-an-email', check, '  target <= 0.250 s, <= 90 MB');
row('emailcheck help', help);

const nats = await startNatsServer();
const db = await createTestDatabase();
const pgliteDir = await mkdtemp(join(tmpdir(), 'emailcheck-bench-pglite-'));
try {
  const onPostgres = await idleMachineRss({ NATS_URL: nats.url, DATABASE_URL: db.url });
  console.log(`${'idle machine, Postgres'.padEnd(40)} ${fmt(onPostgres.rssMb)} MB RSS (peak ${fmt(onPostgres.peakMb)} MB, ${fmt(onPostgres.rssMb / node0.rssMb, 2)}x node)  target <= 100 MB`);
  const first = await firstStartPeak({ NATS_URL: nats.url, PGLITE_DIR: join(pgliteDir, 'data') });
  console.log(`${'first start, PGlite (new data folder)'.padEnd(40)} ${fmt(first.peakMb)} MB peak RSS, process tree (machine alone ${fmt(first.ownPeakMb)} MB)  target <= 300 MB`);
  const onPglite = await idleMachineRss({ NATS_URL: nats.url, PGLITE_DIR: join(pgliteDir, 'data') });
  console.log(`${'idle machine, PGlite'.padEnd(40)} ${fmt(onPglite.rssMb)} MB RSS (peak ${fmt(onPglite.peakMb)} MB, ${fmt(onPglite.rssMb / node0.rssMb, 2)}x node)  target <= 300 MB`);
} finally {
  await nats.stop();
  await db.drop();
  await rm(pgliteDir, { recursive: true, force: true });
}
