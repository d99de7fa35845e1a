/**
 * @module edge/test/setup/global-setup
 * The world the Worker tests run against, started once in Node for the whole `edge` project,
 * all on 127.0.0.1: a nats-server with JetStream and WebSocket, a Postgres database, a DNS server
 * whose MX hosts point at a local SMTP server answering like real MTAs (see mtaReply in
 * test/support/machine-fixture.ts: ok-* 250, unknown-* 550 5.1.1, greyalways-* 450, ...,
 * anything @catchall.test 250), one real machine process, and a small control server.
 *
 * Provided to tests (`inject(name)` in vitest.config.ts / `import { inject } from 'vitest'`):
 * - `natsWsUrl`: ws://127.0.0.1:PORT, the Worker's NATS_URL binding
 * - `natsUrl`: nats://127.0.0.1:PORT (the machine's)
 * - `controlUrl`: http://127.0.0.1:PORT of the control server:
 *     GET  /rcpts?address=A  → { count }: RCPT TO commands the SMTP server saw for A
 *     POST /nats/shutdown    → stops nats-server (same ports and data kept)
 *     POST /nats/restart     → starts it again and waits until the machine is serving again
 *     POST /nats/freeze      → SIGSTOP: sockets stay open, nothing answers
 *     POST /nats/kill-after-chunks?n=N → kill -9 of nats-server once N job chunks reached JOBS
 *     POST /nats/thaw        → SIGCONT, then waits until the machine is serving again
 *     GET  /machine/output   → the machine's log so far (text)
 * - `machineToken`: the MACHINE_TOKEN binding
 * - `mailDomains`: domains the DNS server answers with a working MX (ok.test, catchall.test)
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';
import { connect } from '@nats-io/transport-node';
import { SERVICE, SUBJECTS } from '../../../shared/subjects.ts';
import { startDnsServer } from '../../../test/support/dns-server.ts';
import { DOMAINS, fastRetries, mailZone, mtaReply, testMachineEnv } from '../../../test/support/machine-fixture.ts';
import { startMachineProcess } from '../../../test/support/machine-process.ts';
import { startNatsServer } from '../../../test/support/nats-server.ts';
import { startSmtpSink } from '../../../test/support/smtp-sink.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    natsWsUrl: string;
    natsUrl: string;
    controlUrl: string;
    machineToken: string;
    mailDomains: string[];
  }
}

export const MACHINE_TOKEN = 'machine-token-for-tests';

/** The machine answers its service again (after a NATS restart it must reconnect first). */
async function machineServing(natsUrl: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const nc = await connect({ servers: natsUrl, reconnect: false });
      try {
        await nc.request(SERVICE.endpoints.checkGet, JSON.stringify({ tenantId: 'probe', id: 'probe' }), { timeout: 1000 });
        return;
      } finally {
        await nc.close();
      }
    } catch (err) {
      if (Date.now() > until) throw new Error(`machine not serving after ${timeoutMs} ms: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * test/support/postgres.ts in a child Node: this file is loaded with the Worker project's resolve
 * conditions, under which `postgres` resolves to its cloudflare:sockets build.
 */
function postgresAdmin(action: 'create' | 'drop', name = ''): string {
  const script =
    action === 'create'
      ? `const db = await createTestDatabase(); process.stdout.write(JSON.stringify({ url: db.url, name: db.name })); process.exit(0);`
      : `const sql = postgres(ADMIN_URL, { max: 1, onnotice: () => {} }); await sql.unsafe('drop database if exists "${name}" with (force)'); await sql.end();`;
  return execFileSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', `import postgres from 'postgres'; import { ADMIN_URL, createTestDatabase } from './test/support/postgres.ts'; ${script}`],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
}

const ROOT = new URL('../../../', import.meta.url).pathname;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const nats = await startNatsServer({ websocket: true });
  const db = JSON.parse(postgresAdmin('create')) as { url: string; name: string };
  const dns = await startDnsServer(mailZone());
  const rcptsSeen = new Map<string, number>();
  const smtp = await startSmtpSink({ rcptReply: mtaReply(rcptsSeen) });
  const machine = await startMachineProcess(
    testMachineEnv(
      { natsUrl: nats.url, databaseUrl: db.url, dnsServer: dns.server, smtpPort: smtp.port },
      // A temporary answer is retried once, quickly, then stored as unknown.
      { CONCURRENCY: '20', RETRY_SCHEDULE: fastRetries('100ms'), SHUTDOWN_GRACE_MS: '2000', LOG_LEVEL: 'warn' },
    ),
  );

  const control: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const route = `${req.method} ${url.pathname}`;
    void (async () => {
      try {
        if (route === 'GET /rcpts') return reply(200, { count: rcptsSeen.get(url.searchParams.get('address') ?? '') ?? 0 });
        if (route === 'POST /nats/shutdown') {
          await nats.shutdown();
          return reply(200, { ok: true });
        }
        if (route === 'POST /nats/restart') {
          await nats.restart();
          await machineServing(nats.url, 30_000);
          return reply(200, { ok: true });
        }
        if (route === 'POST /nats/kill-after-chunks') {
          const n = Number(url.searchParams.get('n') ?? '1');
          const nc = await connect({ servers: nats.url, reconnect: false });
          let seen = 0;
          nc.subscribe(SUBJECTS.jobSubmit('*'), {
            callback: () => {
              if (++seen === n) {
                nats.kill();
                void nc.close().catch(() => {});
              }
            },
          });
          await nc.flush();
          return reply(200, { ok: true });
        }
        if (route === 'POST /nats/freeze') {
          nats.freeze();
          return reply(200, { ok: true });
        }
        if (route === 'POST /nats/thaw') {
          nats.thaw();
          await machineServing(nats.url, 30_000);
          return reply(200, { ok: true });
        }
        if (route === 'GET /machine/output') return reply(200, machine.output());
        reply(404, { error: 'no such control route' });
      } catch (err) {
        reply(500, { error: (err as Error).message });
      }
    })();
  });
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));

  project.provide('natsWsUrl', nats.wsUrl!);
  project.provide('natsUrl', nats.url);
  project.provide('controlUrl', `http://127.0.0.1:${(control.address() as AddressInfo).port}`);
  project.provide('machineToken', MACHINE_TOKEN);
  project.provide('mailDomains', [...DOMAINS]);

  return async () => {
    await new Promise<void>((r) => control.close(() => r()));
    await machine.stop();
    await Promise.allSettled([smtp.close(), dns.close()]);
    await nats.stop();
    postgresAdmin('drop', db.name);
  };
}
