/**
 * @module test/support/machine-process
 * Runs `emailcheck machine` as a real child process (so tests can SIGKILL it),
 * with the environment a test gives, and waits until it says it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/emailcheck.js', import.meta.url));

export interface MachineProcess {
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash, nothing drained. */
  kill(): Promise<void>;
}

export async function startMachineProcess(env: Record<string, string>, timeoutMs = 20_000): Promise<MachineProcess> {
  // MACHINE_NODE_ARGS: extra node flags for the child, e.g. --cpu-prof when profiling a benchmark.
  const nodeArgs = process.env.MACHINE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'machine'], {
    // info level: the harness waits for the "machine started" line.
    env: { ...process.env, HTTP_PORT: '0', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`machine did not start in ${timeoutMs}ms:\n${out}`)), timeoutMs);
    const onData = () => {
      if (out.includes('machine started')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`machine exited with ${code} before starting:\n${out}`));
    });
  });
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Starts one machine per env, all at once; if any fails to start, the others are stopped too (none left running). */
export async function startMachineProcesses(envs: Record<string, string>[], timeoutMs?: number): Promise<MachineProcess[]> {
  const started = await Promise.allSettled(envs.map((env) => startMachineProcess(env, timeoutMs)));
  const up = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(up.map((m) => m.kill()));
    throw failed.reason;
  }
  return up;
}
