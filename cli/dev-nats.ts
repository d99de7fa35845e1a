/**
 * @module cli/dev-nats
 * The dev stack's own nats-server: JetStream and a WebSocket listener (the Worker's way in) on
 * free 127.0.0.1 ports and its own store folder, never 4222, so a NATS already running on the
 * developer's machine is neither disturbed nor used by accident.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, connect as tcpConnect } from 'node:net';
import { delimiter, join, resolve } from 'node:path';

export class MissingBinaryError extends Error {}

export const NATS_INSTALL_HINT = [
  'nats-server was not found on PATH. Install it, then run this again:',
  '  Debian/Ubuntu: sudo apt-get install nats-server   (it lands in /usr/sbin: make sure that is on PATH)',
  '  macOS:         brew install nats-server',
  '  other:         a release binary from https://github.com/nats-io/nats-server/releases',
  'or point NATS_SERVER_BIN at the binary.',
].join('\n');

/** `NATS_SERVER_BIN`, else the first executable `nats-server` on PATH. */
export function findNatsServer(env: Record<string, string | undefined>): string {
  const candidates = env.NATS_SERVER_BIN ? [env.NATS_SERVER_BIN] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'nats-server'));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  throw new MissingBinaryError(NATS_INSTALL_HINT);
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:port. */
export function portAccepts(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = tcpConnect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

export interface DevNats {
  child: ChildProcess;
  /** `nats://127.0.0.1:PORT`, for the machine. */
  url: string;
  /** `ws://127.0.0.1:PORT`, for the Worker. */
  wsUrl: string;
  exited: Promise<number | null>;
  logs(): string;
  stop(graceMs?: number): Promise<void>;
  /** Starts it again on the same ports and store (after it died), so its clients reconnect to the same URLs. */
  restart(timeoutMs?: number): Promise<DevNats>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function healthy(monitorPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${monitorPort}/healthz`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

async function launch(binary: string, dir: string, timeoutMs: number): Promise<DevNats | 'address-in-use'> {
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [client, ws, monitor] = [...ports] as [number, number, number];
  const configFile = join(dir, 'nats.conf');
  await writeFile(
    configFile,
    [
      `listen: "127.0.0.1:${client}"`,
      `http: "127.0.0.1:${monitor}"`,
      `jetstream { store_dir: ${JSON.stringify(join(dir, 'jetstream'))} }`,
      `websocket { listen: "127.0.0.1:${ws}"\n  no_tls: true }`,
      '',
    ].join('\n'),
  );
  return run(binary, configFile, { client, ws, monitor }, timeoutMs);
}

async function run(binary: string, configFile: string, ports: { client: number; ws: number; monitor: number }, timeoutMs: number): Promise<DevNats | 'address-in-use'> {
  const { client, ws, monitor } = ports;
  // Own process group: Ctrl-C reaches only `emailcheck dev`, which stops the parts in order.
  const child = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let lines: string[] = [];
  const collect = (c: Buffer) => {
    lines.push(...c.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 200) lines = lines.slice(-200);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((res) => {
    child.once('exit', (code, signal) => res((exitCode = code ?? (signal ? 128 : null))));
    child.once('error', (err) => {
      lines.push(`spawn error: ${err.message}`);
      res((exitCode = 127));
    });
  });
  const handle: DevNats = {
    child,
    url: `nats://127.0.0.1:${client}`,
    wsUrl: `ws://127.0.0.1:${ws}`,
    exited,
    logs: () => lines.join('\n'),
    async stop(graceMs = 5000) {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async restart(restartTimeoutMs = timeoutMs) {
      const again = await run(binary, configFile, ports, restartTimeoutMs);
      if (again === 'address-in-use') throw new Error(`nats-server: port ${client}, ${ws} or ${monitor} was taken while it was down`);
      return again;
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      if (/address already in use/i.test(handle.logs())) return 'address-in-use';
      throw new Error(`nats-server exited (${exitCode}) before it was ready:\n${handle.logs()}`);
    }
    // /healthz is 200 only once JetStream has recovered its streams from the store.
    if ((await portAccepts(client)) && (await healthy(monitor))) return handle;
    await sleep(50);
  }
  await handle.stop(0);
  throw new Error(`nats-server was not ready within ${timeoutMs} ms:\n${handle.logs()}`);
}

/** Starts nats-server with its store in `dir` (kept across runs); retries when a probed port was taken meanwhile. */
export async function startDevNats(binary: string, dir: string, timeoutMs = 15_000): Promise<DevNats> {
  const abs = resolve(dir);
  await mkdir(abs, { recursive: true });
  for (let attempt = 1; attempt <= 5; attempt++) {
    const out = await launch(binary, abs, timeoutMs);
    if (out !== 'address-in-use') return out;
  }
  throw new Error('nats-server: could not bind free ports on 127.0.0.1 after 5 tries');
}
