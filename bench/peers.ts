/**
 * @module bench/peers
 * Runs the benchmark's network peers (DNS server, SMTP sink) in a child process, as
 * they are in production (remote), so their CPU is not billed to what is measured.
 * As a script it starts them and prints one JSON line with their addresses.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Peers {
  dnsServer: string;
  smtpPort: number;
  stop(): void;
}

/** `smtpPort`: the sink's port (default: a free one; 25 for peers that cannot be told another). */
export async function startPeers(zone: Record<string, unknown>, opts: { smtpPort?: number } = {}): Promise<Peers> {
  const child = fork(fileURLToPath(import.meta.url), [JSON.stringify(zone), String(opts.smtpPort ?? 0)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const info = await new Promise<{ dnsServer: string; smtpPort: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { dnsServer: string; smtpPort: number }));
    child.once('exit', (code) => reject(new Error(`bench peers exited with ${code}`)));
  });
  return { ...info, stop: () => void child.kill() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { startDnsServer } = await import('../test/support/dns-server.ts');
  const { startSmtpSink } = await import('../test/support/smtp-sink.ts');
  const dns = await startDnsServer(JSON.parse(process.argv[2] ?? '{}'));
  const sink = await startSmtpSink({ port: Number(process.argv[3] ?? 0) });
  process.send!({ dnsServer: dns.server, smtpPort: sink.port });
}
