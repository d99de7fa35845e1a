/**
 * publishAcked against a real nats-server: every message is stored before it resolves, a
 * repeated id is stored once, and a refusal or a missing PubAck fails the call instead of
 * passing for success.
 */
import { DiscardPolicy, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../../../test/support/nats-server.ts';
import { connectNats, type NatsHandles } from './connect.ts';
import { publishAcked, PublishAckError } from './publish-acked.ts';

let server: NatsServerHandle;
let h: NatsHandles;

beforeAll(async () => {
  server = await startNatsServer();
  h = await connectNats(server.url, 'publish-acked-test');
  const jsm = await jetstreamManager(h.nc);
  await jsm.streams.add({ name: 'ACKED', subjects: ['acked.>'], duplicate_window: 60_000_000_000 });
  await jsm.streams.add({ name: 'SMALL', subjects: ['small.>'], max_msgs: 3, discard: DiscardPolicy.New });
}, 30_000);

afterAll(async () => {
  await h?.nc.close();
  await server?.stop();
});

const messages = (subject: string, n: number, prefix = 'm') => Array.from({ length: n }, (_, i) => ({ subject, data: JSON.stringify({ i }), msgId: `${prefix}-${i}` }));

describe('publishAcked', () => {
  it('resolves once every message is in the stream, more messages than the window', async () => {
    await publishAcked(h.nc, messages('acked.a', 1000), { window: 64, timeoutMs: 10_000 });
    const info = await (await jetstreamManager(h.nc)).streams.info('ACKED');
    expect(info.state.messages).toBe(1000);
  });

  it('publishing the same ids again stores nothing twice and still resolves (the stream answers duplicate)', async () => {
    await publishAcked(h.nc, messages('acked.b', 50, 'dup'), { window: 16, timeoutMs: 10_000 });
    await publishAcked(h.nc, messages('acked.b', 50, 'dup'), { window: 16, timeoutMs: 10_000 });
    const jsm = await jetstreamManager(h.nc);
    const info = await jsm.streams.info('ACKED', { subjects_filter: 'acked.b' });
    expect(info.state.subjects?.['acked.b']).toBe(50);
  });

  it('a subject no stream takes fails with the server\'s no-responders answer', async () => {
    await expect(publishAcked(h.nc, messages('nowhere.x', 3), { window: 8, timeoutMs: 5000 })).rejects.toThrow(PublishAckError);
    await expect(publishAcked(h.nc, messages('nowhere.x', 3), { window: 8, timeoutMs: 5000 })).rejects.toThrow(/no stream answered \(503/);
  });

  it('a stream that refuses a message (full, discard new) fails the call with its reason', async () => {
    await expect(publishAcked(h.nc, messages('small.x', 10), { window: 2, timeoutMs: 5000 })).rejects.toThrow(/stream refused the message: maximum messages exceeded/);
  });

  it('no PubAck at all (a plain subscriber takes the subject and never answers) fails after the timeout', async () => {
    const silent = h.nc.subscribe('silent.x', { callback: () => {} });
    await h.nc.flush();
    const started = Date.now();
    try {
      await expect(publishAcked(h.nc, messages('silent.x', 5), { window: 8, timeoutMs: 300 })).rejects.toThrow(/no PubAck within 300 ms \(5 of 5 unconfirmed\)/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      silent.unsubscribe();
    }
  });
});
