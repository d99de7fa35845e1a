/**
 * @module cli/wrangler
 * Runs the project's pinned wrangler (4.72.0: the last that runs on Node 20) offline: the local
 * dev KV (`kv key put/get --local`) and `wrangler dev` in its own process group, so stopping it
 * also stops the workerd processes it spawns (they otherwise keep the port).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../machines/src/package-root.ts';

export const PROJECT_ROOT = PACKAGE_ROOT;
export const WRANGLER_CONFIG = join(PROJECT_ROOT, 'wrangler.toml');

function wranglerBin(): string {
  const require = createRequire(join(PROJECT_ROOT, 'package.json'));
  return join(dirname(require.resolve('wrangler/package.json')), 'bin', 'wrangler.js');
}

/** No banner update check, metrics, error reports or `Request.cf` download: nothing leaves the machine. */
export function offlineWranglerEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    // Colour codes would end up in our logs and in the "ready" check of the output.
    FORCE_COLOR: '0',
    NO_COLOR: '1',
  };
}

function runWrangler(args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [wranglerBin(), ...args], {
      cwd: PROJECT_ROOT,
      env: offlineWranglerEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`wrangler ${args.slice(0, 3).join(' ')} failed (${code ?? signal}): ${(err || out).trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}

/** Writes `key` into the local KV namespace bound as `binding`, in the store `wrangler dev --persist-to dir` reads. */
export async function putLocalKv(binding: string, key: string, value: string, persistTo: string): Promise<void> {
  await runWrangler(['kv', 'key', 'put', '--config', WRANGLER_CONFIG, '--binding', binding, '--local', '--persist-to', resolve(persistTo), key, value]);
}

/** The value of `key` in the local KV namespace, or null when it is absent. */
export async function getLocalKv(binding: string, key: string, persistTo: string): Promise<string | null> {
  const args = ['kv', 'key', 'get', '--config', WRANGLER_CONFIG, '--binding', binding, '--local', '--persist-to', resolve(persistTo), '--text', key];
  const out = await runWrangler(args);
  // wrangler prints "Value not found" (exit 0) for a missing key.
  return /^Value not found/m.test(out) ? null : out.replace(/\n$/, '');
}

export interface WranglerDevOptions {
  port: number;
  persistTo: string;
  /** `--var NAME:value` overrides of wrangler.toml's [vars]: on the command line, so never a secret. */
  vars: Record<string, string>;
  /**
   * Secrets for the Worker, written to `secretsFile` (mode 0600) and passed with `--env-file`: a
   * command line is visible to every local user in `ps`, a file of ours is not.
   */
  secrets?: Record<string, string>;
  /** Where `secrets` are written; required with them. */
  secretsFile?: string;
  /** Receives each line wrangler prints. */
  onLine?: (line: string) => void;
  /** Default info (one line per request); the benchmark uses warn so logging is not what it measures. */
  logLevel?: 'debug' | 'info' | 'log' | 'warn' | 'error' | 'none';
}

export interface WranglerDev {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  /** SIGTERM to the whole process group, SIGKILL after `graceMs`; resolves when wrangler exited. */
  stop(graceMs?: number): Promise<void>;
}

/** KEY='value' lines for wrangler's --env-file (dotenv: single quotes keep the value as it is). */
function envFileText(secrets: Record<string, string>): string {
  return Object.entries(secrets)
    .map(([k, v]) => {
      if (/['\r\n]/.test(v)) throw new Error(`${k} may not contain a quote or a line break`);
      return `${k}='${v}'\n`;
    })
    .join('');
}

export function startWranglerDev(opts: WranglerDevOptions): WranglerDev {
  const secretArgs: string[] = [];
  if (opts.secrets && Object.keys(opts.secrets).length > 0) {
    if (!opts.secretsFile) throw new Error('startWranglerDev: secrets need a secretsFile');
    const file = resolve(opts.secretsFile);
    writeFileSync(file, envFileText(opts.secrets), { mode: 0o600 });
    // An existing file keeps its mode on write: make sure it is ours alone.
    chmodSync(file, 0o600);
    secretArgs.push('--env-file', file);
  }
  const args = [
    wranglerBin(),
    'dev',
    '--config',
    WRANGLER_CONFIG,
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--persist-to',
    resolve(opts.persistTo),
    '--show-interactive-dev-session=false',
    '--log-level',
    opts.logLevel ?? 'info',
    ...Object.entries(opts.vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
    ...secretArgs,
  ];
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: offlineWranglerEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code, signal) => res(code ?? (signal ? 128 : null))));
  let partial = '';
  const onData = (chunk: Buffer) => {
    partial += chunk.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) opts.onLine?.(line);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // the group is already gone
    }
  };
  // If we die without stopping it, do not leave workerd holding the port.
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);
  return {
    child,
    url: `http://127.0.0.1:${opts.port}`,
    exited,
    async stop(graceMs = 5000) {
      process.removeListener('exit', onExit);
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // wrangler can exit before its workerd children: make sure none is left.
      killGroup('SIGKILL');
    },
  };
}
