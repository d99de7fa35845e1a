import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../../../test/support/nats-server.ts';
import { startDispatcher } from './dispatcher.ts';

describe('the dispatcher', () => {
  let server: NatsServerHandle;
  let nc: NatsConnection;
  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  it('keeps buffered messages alive while every worker is busy longer than the ack wait, so none is run twice', async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'DISPATCH', subjects: ['dispatch.>'] });
    await jsm.consumers.add('DISPATCH', { durable_name: 'd', ack_policy: AckPolicy.Explicit, ack_wait: 1_000_000_000 });
    const js = jetstream(nc);
    for (let i = 0; i < 3; i++) await js.publish('dispatch.x', String(i));

    const handled: { body: string; deliveries: number; machine: string }[] = [];
    const consumer = () => js.consumers.get('DISPATCH', 'd');
    // Machine A: one slow worker (like one held by a throttle wait); its other messages sit in its buffer for ~5 s.
    const a = startDispatcher({
      feeds: [{ name: 'x', consumer: await consumer(), capacity: 3 }],
      concurrency: 1,
      ackWaitMs: 1000,
      handle: async (msg, _feed, release) => {
        handled.push({ body: msg.string(), deliveries: msg.info.deliveryCount, machine: 'a' });
        const keep = setInterval(() => msg.working(), 300);
        await new Promise((r) => setTimeout(r, 2500));
        clearInterval(keep);
        msg.ack();
        release();
      },
    });
    await expect.poll(() => handled.length, { timeout: 5000 }).toBe(1);
    // Machine B, idle: it would get whatever JetStream redelivers from A's buffer.
    const b = startDispatcher({
      feeds: [{ name: 'x', consumer: await consumer(), capacity: 3 }],
      concurrency: 3,
      ackWaitMs: 1000,
      handle: async (msg, _feed, release) => {
        handled.push({ body: msg.string(), deliveries: msg.info.deliveryCount, machine: 'b' });
        msg.ack();
        release();
      },
    });
    await expect.poll(() => handled.filter((h) => h.machine === 'a').length, { timeout: 15_000 }).toBe(3);
    await Promise.all([a.stop(1000), b.stop(1000)]);
    expect(handled.map((h) => h.body).sort()).toEqual(['0', '1', '2']);
    expect(handled.every((h) => h.deliveries === 1)).toBe(true);
  }, 30_000);
});
