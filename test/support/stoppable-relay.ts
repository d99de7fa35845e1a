/**
 * @module test/support/stoppable-relay
 * A TCP relay in a process of its own, for database faults as they happen: `freeze()` is SIGSTOP
 * (connections stay open, nothing is read or answered, no RST: a black-holed or stalled server;
 * the kernel keeps what was sent, so SIGCONT lets it flow on), `kill()` is SIGKILL (every
 * connection reset at once). The in-process relay of postgres.ts cannot stall its own event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface StoppableRelay {
  port: number;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

const RELAY = `
const net = require('node:net');
const [host, port] = [process.argv[1], Number(process.argv[2])];
const server = net.createServer((client) => {
  const upstream = net.connect(port, host);
  client.pipe(upstream).pipe(client);
  const cut = () => { client.destroy(); upstream.destroy(); };
  client.on('error', cut).on('close', cut);
  upstream.on('error', cut).on('close', cut);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

export async function startStoppableRelay(target: { host: string; port: number }): Promise<StoppableRelay> {
  const child: ChildProcess = spawn(process.execPath, ['-e', RELAY, target.host, String(target.port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`relay exited (${code}) before listening`)));
  });
  return {
    port,
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    async close() {
      process.removeListener('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
