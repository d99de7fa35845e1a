/**
 * @module test/support/nats-server
 * A throw-away nats-server with JetStream (and optionally WebSocket) on free 127.0.0.1 ports,
 * which tests can kill, stop and restart on the same ports and store dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServerHandle {
  /** `nats://127.0.0.1:PORT` */
  url: string;
  /** `ws://127.0.0.1:WSPORT` when started with `websocket: true`. */
  wsUrl?: string;
  /** `http://127.0.0.1:MPORT` (monitoring: /healthz, /jsz, /varz). */
  monitorUrl: string;
  port: number;
  storeDir: string;
  /** The server's recent log lines, for failure messages. */
  logs(): string;
  /** Graceful shutdown and removal of the temp dir (store included). */
  stop(): Promise<void>;
  /** SIGKILL, like a crash; the store dir stays, so `restart()` brings the data back. */
  kill(): void;
  /** Graceful shutdown that keeps the store dir ("NATS is down"); `restart()` brings it back. */
  shutdown(): Promise<void>;
  /** Stops the server if it runs, then starts it again on the same ports and store dir. */
  restart(): Promise<void>;
  /** SIGSTOP: the process hangs with its sockets open (no RST), as a frozen or black-holed server. */
  freeze(): void;
  /** SIGCONT after `freeze`. */
  thaw(): void;
}

export interface NatsServerOptions {
  websocket?: boolean;
  /** Path to the binary; defaults to $NATS_SERVER_BIN or /usr/sbin/nats-server. */
  binary?: string;
  /** How long to wait for the server to be ready. Default 10 s. */
  readyTimeoutMs?: number;
  /** Require this token from clients (the `authorization` block). */
  token?: string;
  /** Run as one node of a JetStream cluster (see test/support/nats-cluster.ts). */
  cluster?: ClusterNodeOptions;
}

/** A node's place in a cluster: its name, ports fixed in advance (the other nodes' routes name them). */
export interface ClusterNodeOptions {
  clusterName: string;
  serverName: string;
  ports: { client: number; monitor: number; ws: number; cluster: number };
  /** Cluster ports of every node (its own included, as nats-server accepts). */
  routePorts: number[];
}

const DEFAULT_BINARY = '/usr/sbin/nats-server';
const LOG_LINES = 1000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Distinct free ports (the OS could hand the same one out twice after a close). */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function healthy(monitorUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${monitorUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class AddressInUse extends Error {}

export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const binary = opts.binary ?? process.env.NATS_SERVER_BIN ?? DEFAULT_BINARY;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;
  const dir = await mkdtemp(join(tmpdir(), 'emailcheck-nats-'));
  const storeDir = join(dir, 'jetstream');
  const configFile = join(dir, 'nats.conf');

  let ports = { client: 0, monitor: 0, ws: 0 };
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let logLines: string[] = [];
  const onProcessExit = () => child?.kill('SIGKILL');

  const writeConfig = () =>
    writeFile(
      configFile,
      [
        `listen: "127.0.0.1:${ports.client}"`,
        `http: "127.0.0.1:${ports.monitor}"`,
        `jetstream {`,
        `  store_dir: ${JSON.stringify(storeDir)}`,
        `  max_memory_store: 256MB`,
        `  max_file_store: 2GB`,
        `}`,
        ...(opts.token ? [`authorization { token: ${JSON.stringify(opts.token)} }`] : []),
        ...(opts.websocket ? [`websocket {`, `  listen: "127.0.0.1:${ports.ws}"`, `  no_tls: true`, `}`] : []),
        ...(opts.cluster
          ? [
              `server_name: ${JSON.stringify(opts.cluster.serverName)}`,
              `cluster {`,
              `  name: ${JSON.stringify(opts.cluster.clusterName)}`,
              `  listen: "127.0.0.1:${opts.cluster.ports.cluster}"`,
              `  routes: [${opts.cluster.routePorts.map((p) => JSON.stringify(`nats-route://127.0.0.1:${p}`)).join(', ')}]`,
              `}`,
            ]
          : []),
        '',
      ].join('\n'),
    );

  const launch = async (): Promise<void> => {
    logLines = [];
    const proc = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let exitCode: number | string | null = null;
    exited = new Promise<void>((resolve) => {
      proc.once('exit', (code, signal) => {
        exitCode = code ?? signal ?? 'unknown';
        if (child === proc) child = null;
        resolve();
      });
      proc.once('error', (err) => {
        logLines.push(`spawn error: ${err.message}`);
        exitCode = 'spawn-error';
        if (child === proc) child = null;
        resolve();
      });
    });
    const collect = (chunk: Buffer) => {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (logLines.length > LOG_LINES) logLines.splice(0, logLines.length - LOG_LINES);
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);

    const monitorUrl = `http://127.0.0.1:${ports.monitor}`;
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (exitCode !== null) {
        const text = logLines.join('\n');
        if (/address already in use/i.test(text)) throw new AddressInUse(text);
        throw new Error(`nats-server exited (${exitCode}) before it was ready:\n${text}`);
      }
      // /healthz is only 200 once JetStream has recovered its streams, which matters after a restart.
      if ((await tcpAccepts(ports.client)) && (await healthy(monitorUrl))) return;
      await sleep(25);
    }
    proc.kill('SIGKILL');
    await exited;
    throw new Error(`nats-server was not ready within ${readyTimeoutMs} ms:\n${logLines.join('\n')}`);
  };

  const terminate = async (signal: NodeJS.Signals) => {
    const proc = child;
    if (!proc) return;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  // Free ports can be taken between our probe and the server's bind: pick new ones and retry
  // (a cluster node's ports are fixed by the cluster, which retries as a whole).
  for (let attempt = 1; ; attempt++) {
    const [client, monitor, ws] = opts.cluster ? [opts.cluster.ports.client, opts.cluster.ports.monitor, opts.cluster.ports.ws] : await freePorts(3);
    ports = { client: client!, monitor: monitor!, ws: ws! };
    await writeConfig();
    try {
      await launch();
      break;
    } catch (err) {
      if (err instanceof AddressInUse && attempt < 5 && !opts.cluster) continue;
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }
  process.once('exit', onProcessExit);

  return {
    url: `nats://127.0.0.1:${ports.client}`,
    wsUrl: opts.websocket ? `ws://127.0.0.1:${ports.ws}` : undefined,
    monitorUrl: `http://127.0.0.1:${ports.monitor}`,
    port: ports.client,
    storeDir,
    logs: () => logLines.join('\n'),
    kill() {
      child?.kill('SIGKILL');
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
    async shutdown() {
      await terminate('SIGTERM');
    },
    async restart() {
      await terminate('SIGTERM');
      await exited;
      // The same ports must come back, so a port still held (TIME_WAIT is fine, a squatter is not) is retried briefly.
      for (let attempt = 1; ; attempt++) {
        try {
          await launch();
          return;
        } catch (err) {
          if (!(err instanceof AddressInUse) || attempt >= 20) throw err;
          await sleep(100);
        }
      }
    },
    async stop() {
      process.removeListener('exit', onProcessExit);
      await terminate('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
