import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ackLost } from '../../../test/support/lost-ack.ts';
import { CONSUMERS, STREAMS, SUBJECTS } from '../../../shared/subjects.ts';
import { startNatsServer, type NatsServerHandle } from '../../../test/support/nats-server.ts';
import { connectNats, ensureTopology } from '../nats/index.ts';
import { startRetryRelease } from './retry-release.ts';
import { createRetryScheduler, deliveriesOf } from './retry-scheduler.ts';

const log = pino({ level: 'silent' });


describe('putting a check off without holding a consumer slot', () => {
  let server: NatsServerHandle;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  beforeAll(async () => {
    server = await startNatsServer();
    ({ nc } = await connectNats(server.url, 'retry-scheduler-test'));
    ({ js, jsm } = await ensureTopology(nc, { maxDeliver: -1, ackWaitMs: 1000 }));
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  const nextBulk = async (): Promise<JsMsg> => {
    const consumer = await js.consumers.get(CONSUMERS.bulk.stream, CONSUMERS.bulk.name);
    for (let i = 0; i < 20; i++) {
      const m = await consumer.next({ expires: 1000 });
      if (m) return m;
    }
    throw new Error('no bulk message');
  };
  const retryMessages = async () => (await jsm.streams.info(STREAMS.retry.name)).state.messages;

  it('a crash between publishing the retry and acking the original leaves one retry, not two', async () => {
    const scheduler = createRetryScheduler({ js, nakMaxMs: 0, nakMaxPending: 0, log });
    await js.publish(SUBJECTS.bulk('job-crash'), JSON.stringify({ jobId: 'job-crash', tenantId: 't', index: 0, email: 'a@ok.test' }));
    const first = await nextBulk();
    await scheduler.later(ackLost(first), { delayMs: 60_000, reason: 'greylisted', untilLastTryMs: 60_000 });
    expect(await retryMessages()).toBe(1);
    // JetStream redelivers the unacked original after ack_wait; the machine that gets it decides the same.
    const again = await nextBulk();
    expect(again.info.streamSequence).toBe(first.info.streamSequence);
    expect(again.info.deliveryCount).toBe(2);
    await scheduler.later(again, { delayMs: 60_000, reason: 'greylisted', untilLastTryMs: 60_000 });
    expect(await retryMessages()).toBe(1);
    await expect.poll(async () => (await jsm.consumers.info(CONSUMERS.bulk.stream, CONSUMERS.bulk.name)).num_ack_pending).toBe(0);
    await jsm.streams.purge(STREAMS.retry.name);
  });

  it('a due retry is released once to its subject, carrying its deliveries; a short wait is a plain nak', async () => {
    const scheduler = createRetryScheduler({ js, nakMaxMs: 100, nakMaxPending: 1, log });
    await js.publish(SUBJECTS.bulk('job-rel'), JSON.stringify({ jobId: 'job-rel', tenantId: 't', index: 3, email: 'b@ok.test' }));
    const original = await nextBulk();
    const body = original.string();
    // Short: nak'ed, comes back as the same message.
    await scheduler.later(original, { delayMs: 50, reason: 'throttled', untilLastTryMs: 50 });
    const back = await nextBulk();
    expect(back.info.streamSequence).toBe(original.info.streamSequence);
    expect(await retryMessages()).toBe(0);

    const release = startRetryRelease({ js, consumer: await js.consumers.get(CONSUMERS.retry.stream, CONSUMERS.retry.name), log });
    try {
      const scheduledAt = Date.now();
      await scheduler.later(back, { delayMs: 1500, reason: 'greylisted', untilLastTryMs: 1500 });
      const released = await nextBulk();
      expect(Date.now() - scheduledAt).toBeGreaterThanOrEqual(1400);
      expect(released.info.streamSequence).toBeGreaterThan(original.info.streamSequence);
      expect(released.string()).toBe(body);
      expect(released.subject).toBe(SUBJECTS.bulk('job-rel'));
      // Two deliveries before, this is the third: the retry count of the address goes on.
      expect(deliveriesOf(released)).toBe(3);
      released.ack();
      await expect.poll(retryMessages).toBe(0);
    } finally {
      await release.stop();
    }
  });
});
