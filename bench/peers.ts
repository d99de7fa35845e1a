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
  /** What a verifier (or a machine) needs to check addresses at these peers. */
  verifierEnv: Record<string, string>;
  stop(): void;
}

/** bench.test, its MX on 127.0.0.1. Records carry a 300 s TTL as real zones do; the verifier's resolver caches by TTL like any stub resolver. */
export const BENCH_ZONE = { 'bench.test': { MX: [{ preference: 10, exchange: 'mx.bench.test' }], ttl: 300 }, 'mx.bench.test': { A: ['127.0.0.1'], ttl: 300 } };

/** `smtpPort`: the sink's port (default: a free one; 25 for peers that cannot be told another). */
export async function startPeers(zone: Record<string, unknown> = BENCH_ZONE, opts: { smtpPort?: number } = {}): Promise<Peers> {
  const child = fork(fileURLToPath(import.meta.url), [JSON.stringify(zone), String(opts.smtpPort ?? 0)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const info = await new Promise<{ dnsServer: string; smtpPort: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { dnsServer: string; smtpPort: number }));
    child.once('exit', (code) => reject(new Error(`bench peers exited with ${code}`)));
  });
  const verifierEnv = { DNS_SERVERS: info.dnsServer, SMTP_PORT: String(info.smtpPort), ALLOW_PRIVATE_MX: '1', HELO_NAME: 'bench.emailcheck.test' };
  return { ...info, verifierEnv, stop: () => void child.kill() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { startDnsServer } = await import('../test/support/dns-server.ts');
  const { startSmtpSink } = await import('../test/support/smtp-sink.ts');
  const dns = await startDnsServer(JSON.parse(process.argv[2] ?? '{}'));
  const sink = await startSmtpSink({ port: Number(process.argv[3] ?? 0) });
  process.send!({ dnsServer: dns.server, smtpPort: sink.port });
}
