/**
 * A redelivered check whose result is already committed (its machine lost the ack: killed, its
 * NATS node gone, a database stall past ack_wait) is acked without another SMTP session.
 */
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { createInbox, headers, type NatsConnection } from '@nats-io/nats-core';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ackLost } from '../../../test/support/lost-ack.ts';
import { readEnv, verifierEnv } from '../../../shared/config.ts';
import { CONSUMERS, HEADERS, SUBJECTS } from '../../../shared/subjects.ts';
import { startDnsServer, type TestDnsServer } from '../../../test/support/dns-server.ts';
import { mailZone, mtaReply } from '../../../test/support/machine-fixture.ts';
import { startNatsServer, type NatsServerHandle } from '../../../test/support/nats-server.ts';
import { startSmtpSink, type SmtpSink } from '../../../test/support/smtp-sink.ts';
import { connectNats, ensureTopology } from '../nats/index.ts';
import { createResultWriter, getStoredResult, openDatabase, type ResultWriter, type Store } from '../store/index.ts';
import { verify, verifyOptionsFrom } from '../verify/index.ts';
import { handleBulkItem, handleSingleCheck, type CheckHandlerDeps } from './check-handler.ts';
import { createRetryScheduler } from './retry-scheduler.ts';

const log = pino({ level: 'silent' });


describe('a redelivered check that is already stored', () => {
  let server: NatsServerHandle;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let dns: TestDnsServer;
  let sink: SmtpSink;
  let store: Store;
  let writer: ResultWriter;
  const rcpts = new Map<string, number>();

  beforeAll(async () => {
    server = await startNatsServer();
    ({ nc } = await connectNats(server.url, 'redelivery-test'));
    ({ js } = await ensureTopology(nc, { maxDeliver: -1, ackWaitMs: 1000 }));
    dns = await startDnsServer(mailZone());
    sink = await startSmtpSink({ rcptReply: mtaReply(rcpts) });
    store = await openDatabase({ pgliteDir: 'memory://' });
    writer = createResultWriter(store);
  });
  afterAll(async () => {
    await writer?.close();
    await store?.close();
    await nc?.close();
    await server?.stop();
    await sink?.close();
    await dns?.close();
  });

  const deps = (lookup: boolean): CheckHandlerDeps => {
    const options = verifyOptionsFrom(
      readEnv(verifierEnv, { DNS_SERVERS: dns.server, SMTP_PORT: String(sink.port), ALLOW_PRIVATE_MX: '1', HELO_NAME: 'verifier.example.test', SMTP_TIMEOUT: '5' }),
    );
    return {
      nc,
      verify: (email) => verify(email, options),
      writer,
      retry: { schedules: { greylisted: [], unreachable: [], timeout: [], other: [] }, maxDeliver: 5 },
      retries: createRetryScheduler({ js, nakMaxMs: 0, nakMaxPending: 0, log }),
      log,
      stopping: () => false,
      ...(lookup ? { storedResult: (id: string) => getStoredResult(store, id) } : {}),
    };
  };

  const next = async (c: { stream: string; name: string }): Promise<JsMsg> => {
    const consumer = await js.consumers.get(c.stream, c.name);
    for (let i = 0; i < 20; i++) {
      const m = await consumer.next({ expires: 1000 });
      if (m) return m;
    }
    throw new Error('no message');
  };
  const pending = async (c: { stream: string; name: string }) => (await (await js.consumers.get(c.stream, c.name)).info()).num_ack_pending;

  it('a bulk item is acked without SMTP; without the lookup it costs a second session (the budget this saves)', async () => {
    for (const [lookup, index] of [
      [true, 0],
      [false, 1],
    ] as const) {
      const email = `ok-redeliver${index}@ok.test`;
      await js.publish(SUBJECTS.bulk('job-redeliver'), JSON.stringify({ jobId: 'job-redeliver', tenantId: 't', index, email }));
      const first = await next(CONSUMERS.bulk);
      await handleBulkItem(ackLost(first), deps(lookup));
      expect(rcpts.get(email)).toBe(1);
      const again = await next(CONSUMERS.bulk);
      expect(again.info.redelivered).toBe(true);
      await handleBulkItem(again, deps(lookup));
      expect(rcpts.get(email)).toBe(lookup ? 1 : 2);
      await expect.poll(() => pending(CONSUMERS.bulk)).toBe(0);
    }
  });

  it('a single check is acked without SMTP and its stored result answered again to the waiting edge', async () => {
    const email = 'ok-single-redeliver@ok.test';
    const inbox = createInbox();
    const replies: string[] = [];
    const sub = nc.subscribe(inbox, { callback: (_err, m) => void replies.push(m.string()) });
    const h = headers();
    h.set(HEADERS.replyTo, inbox);
    await js.publish(SUBJECTS.single, JSON.stringify({ id: 'chk_redeliver', tenantId: 't', email, submittedAt: new Date().toISOString() }), { headers: h });
    const first = await next(CONSUMERS.single);
    await handleSingleCheck(ackLost(first), deps(true));
    const again = await next(CONSUMERS.single);
    expect(again.info.redelivered).toBe(true);
    await handleSingleCheck(again, deps(true));
    expect(rcpts.get(email)).toBe(1);
    await expect.poll(() => replies.length).toBe(2);
    const [a, b] = replies.map((r) => JSON.parse(r) as { id: string; result: { is_reachable: string; debug: { checked_at: string } } });
    expect(b!.id).toBe('chk_redeliver');
    expect(b!.result.is_reachable).toBe('safe');
    expect(b!.result.debug.checked_at).toBe(a!.result.debug.checked_at);
    await expect.poll(() => pending(CONSUMERS.single)).toBe(0);
    sub.unsubscribe();
  });
});
