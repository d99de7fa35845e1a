/**
 * @module test/support/socks-proxy
 * A throw-away SOCKS5 proxy (microsocks) on a free 127.0.0.1 port, for tests of the
 * PROXY_URL path. CI installs microsocks (scripts/install-system-deps.sh).
 */
import { spawn, spawnSync } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';

export interface SocksProxyHandle {
  host: string;
  port: number;
  /** `socks5://127.0.0.1:PORT` */
  url: string;
  /** What microsocks printed, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** Starts `microsocks -i 127.0.0.1 -p PORT` and waits until it accepts connections. */
export async function startSocksProxy(
  opts: { binary?: string; readyTimeoutMs?: number; /** Require username/password auth (RFC 1929). */ auth?: { user: string; password: string } } = {},
): Promise<SocksProxyHandle> {
  const binary = opts.binary ?? process.env.MICROSOCKS_BIN ?? 'microsocks';
  if (!opts.binary && spawnSync('sh', ['-c', `command -v ${binary}`]).status !== 0) {
    throw new Error('microsocks is not installed: run scripts/install-system-deps.sh (apt-get install -y microsocks)');
  }
  const host = '127.0.0.1';
  const port = await freePort();
  const args = ['-i', host, '-p', String(port)];
  if (opts.auth) args.push('-u', opts.auth.user, '-P', opts.auth.password);
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (b: Buffer): void => {
    output = (output + b.toString()).slice(-10_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (err) => {
      collect(Buffer.from(String(err)));
      exited = true;
      resolve();
    });
  });

  const until = Date.now() + (opts.readyTimeoutMs ?? 5000);
  while (!(await canConnect(host, port))) {
    if (exited || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`microsocks did not start on ${host}:${port}: ${output || '(no output)'}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }

  return {
    host,
    port,
    url: opts.auth
      ? `socks5://${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.password)}@${host}:${port}`
      : `socks5://${host}:${port}`,
    logs: () => output,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exit;
      clearTimeout(killer);
    },
  };
}
