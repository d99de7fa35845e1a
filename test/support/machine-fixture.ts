/**
 * @module test/support/machine-fixture
 * The world a machine test needs, all on 127.0.0.1: nats-server with JetStream, a
 * fresh Postgres database, a DNS server whose MX hosts point at a local SMTP server
 * that answers by recipient like real MTAs do, and a webhook receiver.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { readEnv, throttleEnv } from '../../shared/config.ts';
import { jobChunks } from '../../shared/jobs.ts';
import type { JobResultsPage, JobStatus, Webhook } from '../../shared/messages.ts';
import { jobChunkMsgId, SERVICE, SUBJECTS } from '../../shared/subjects.ts';
import { startDnsServer, type DnsZone } from './dns-server.ts';
import { startNatsCluster } from './nats-cluster.ts';
import { startNatsServer } from './nats-server.ts';
import { createTestDatabase } from './postgres.ts';
import { startSmtpSink } from './smtp-sink.ts';

export const DOMAINS = ['ok.test', 'catchall.test'] as const;

/** RETRY_SCHEDULE with the same delays for every reason (tests cannot wait minutes for a greylist). */
export const fastRetries = (delays: string): string => ['greylisted', 'unreachable', 'timeout', 'other'].map((r) => `${r}=${delays}`).join(';');

/** THROTTLE_PROVIDER_RATES that removes every default provider rate. */
export const THROTTLE_PROVIDER_RATES_OFF = Object.keys(readEnv(throttleEnv, {}).THROTTLE_PROVIDER_RATES).map((g) => `${g}=0`).join(',');

/** The recipient (RCPT) limits, per IP and per provider, all off. */
export const RCPT_THROTTLES_OFF = {
  THROTTLE_IP_RCPT_RATE: '0',
  THROTTLE_IP_RCPT_DAILY: '0',
  THROTTLE_PROVIDER_RCPT_RATES: Object.keys(readEnv(throttleEnv, {}).THROTTLE_PROVIDER_RCPT_RATES).map((g) => `${g}=0`).join(','),
} as const;

/**
 * Recipients decide the answer, with the texts real MTAs send:
 * ok-*: 250; unknown-*: Postfix 550 5.1.1; full-*: 452 4.2.2; disabled-*: 550 5.2.1;
 * greyonce-*: postgrey 450 on the first RCPT, then 250; greyalways-*: always 450;
 * anything at catchall.test: 250; any other local part (the catch-all probe): 550 5.1.1.
 */
export function mtaReply(seen: Map<string, number>) {
  return (rcpt: string): string => {
    const n = (seen.get(rcpt) ?? 0) + 1;
    seen.set(rcpt, n);
    const [local = '', domain = ''] = rcpt.split('@');
    if (domain === 'catchall.test' || local.startsWith('ok-')) return '250 2.1.5 Ok\r\n';
    if (local.startsWith('full-')) return '452 4.2.2 Mailbox full\r\n';
    if (local.startsWith('disabled-')) return '550 5.2.1 Mailbox disabled, not accepting messages\r\n';
    const grey = `450 4.2.0 <${rcpt}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/${domain}.html\r\n`;
    if (local.startsWith('greyonce-')) return n === 1 ? grey : '250 2.1.5 Ok\r\n';
    if (local.startsWith('greyalways-')) return grey;
    return `550 5.1.1 <${rcpt}>: Recipient address rejected: User unknown in local recipient table\r\n`;
  };
}

export interface WebhookHit {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A machine's environment against local peers: private MX and webhooks allowed, short timeouts,
 * a fixed EGRESS_IP and the throttles off (they have their own tests and would pace checks at 1/s).
 */
export function testMachineEnv(
  peers: { natsUrl: string; databaseUrl: string; dnsServer: string; smtpPort: number },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NATS_URL: peers.natsUrl,
    DATABASE_URL: peers.databaseUrl,
    DNS_SERVERS: peers.dnsServer,
    SMTP_PORT: String(peers.smtpPort),
    ALLOW_PRIVATE_MX: '1',
    ALLOW_PRIVATE_WEBHOOKS: '1',
    HELO_NAME: 'machine.emailcheck.test',
    FROM_EMAIL: 'verify@emailcheck.test',
    SMTP_TIMEOUT: '5',
    CHECK_DEADLINE: '15',
    HTTP_PORT: '0',
    LOG_LEVEL: 'error',
    RETRY_SCHEDULE: fastRetries('200ms,400ms,800ms,1600ms'),
    ACK_WAIT_MS: '5000',
    SHUTDOWN_GRACE_MS: '3000',
    EGRESS_IP: '127.0.0.1',
    THROTTLE_IP_RATE: '0',
    THROTTLE_IP_DAILY: '0',
    THROTTLE_PROVIDER_RATES: THROTTLE_PROVIDER_RATES_OFF,
    ...RCPT_THROTTLES_OFF,
    BREAKER_COOLDOWN: '0',
    ...extra,
  };
}

/** DNS for DOMAINS: each has one MX, `mx.<domain>`, on 127.0.0.1 (where the SMTP sink listens). */
export function mailZone(): DnsZone {
  const zone: DnsZone = {};
  for (const d of DOMAINS) {
    zone[d] = { MX: [{ preference: 10, exchange: `mx.${d}` }] };
    zone[`mx.${d}`] = { A: ['127.0.0.1'] };
  }
  return zone;
}

/**
 * `cluster: true` puts a 3-node JetStream cluster (test/support/nats-cluster.ts) where the single
 * nats-server would be: `nats` is then its first node, `natsUrl` lists all three.
 */
export async function startFixture(opts: { rcptDelayMs?: number; cluster?: boolean } = {}) {
  const cluster = opts.cluster ? await startNatsCluster() : null;
  const nats = cluster ? cluster.nodes[0]! : await startNatsServer();
  const natsUrl = cluster ? cluster.url : nats.url;
  const db = await createTestDatabase();
  const dns = await startDnsServer(mailZone());
  const rcptsSeen = new Map<string, number>();
  const smtp = await startSmtpSink({ rcptReply: mtaReply(rcptsSeen), rcptDelayMs: opts.rcptDelayMs });
  const hooks: WebhookHit[] = [];
  const hookServer: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body });
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  const webhookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`;
  // On a cluster the test's own connection must outlive any one node.
  const nc: NatsConnection = await connect(cluster ? { servers: natsUrl.split(','), maxReconnectAttempts: -1, reconnectTimeWait: 250 } : { servers: natsUrl });
  const js: JetStreamClient = jetstream(nc);

  /** What a machine process needs in its environment to live in this world. */
  const machineEnv = (extra: Record<string, string> = {}): Record<string, string> =>
    testMachineEnv({ natsUrl, databaseUrl: db.url, dnsServer: dns.server, smtpPort: smtp.port }, extra);

  async function submitJob(jobId: string, tenantId: string, emails: string[], webhook?: Webhook, chunkSize = 100, opts: { maxWaitSeconds?: number } = {}) {
    for (const chunk of jobChunks({ jobId, tenantId, emails, webhook, maxWaitSeconds: opts.maxWaitSeconds }, chunkSize)) {
      await js.publish(SUBJECTS.jobSubmit(jobId), JSON.stringify(chunk), { msgID: jobChunkMsgId(jobId, chunk.chunkIndex) });
    }
  }

  async function request<T>(subject: string, body: unknown): Promise<T> {
    const reply = await nc.request(subject, JSON.stringify(body), { timeout: 5000 });
    return reply.json<T>();
  }

  const jobStatus = (tenantId: string, jobId: string) => request<JobStatus | { error: { code: string } }>(SERVICE.endpoints.jobStatus, { tenantId, jobId });

  async function waitForJob(tenantId: string, jobId: string, timeoutMs = 60_000): Promise<JobStatus> {
    const until = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < until) {
      last = await jobStatus(tenantId, jobId).catch((e) => ({ error: { code: String(e) } }));
      if (last && typeof last === 'object' && 'state' in last && (last as JobStatus).state === 'finished') return last as JobStatus;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`job ${jobId} did not finish in ${timeoutMs}ms; last status ${JSON.stringify(last)}`);
  }

  return {
    nats,
    cluster,
    natsUrl,
    db,
    dns,
    smtp,
    rcptsSeen,
    hooks,
    webhookUrl,
    nc,
    js,
    machineEnv,
    submitJob,
    request,
    jobStatus,
    waitForJob,
    async close() {
      await nc.close().catch(() => undefined);
      await new Promise<void>((r) => hookServer.close(() => r()));
      await smtp.close();
      await dns.close();
      await (cluster ?? nats).stop();
      await db.drop();
    },
  };
}
export type Fixture = Awaited<ReturnType<typeof startFixture>>;

/** Every result of a job, following the service's cursors. */
export async function allJobResults(fx: Fixture, tenantId: string, jobId: string): Promise<JobResultsPage['items']> {
  const items: JobResultsPage['items'] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await fx.request<JobResultsPage>(SERVICE.endpoints.jobResults, { tenantId, jobId, cursor, limit: 500 });
    items.push(...page.items);
    if (!page.next_cursor) return items;
    cursor = page.next_cursor;
  }
}
