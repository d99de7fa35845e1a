/**
 * @module test/nats-failures
 * The edge's reading of NATS errors (edge/src/nats/failures.ts) against the errors a real
 * nats-server and nats.js produce, so a nats.js upgrade that changes them shows up here.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsFailure } from '../edge/src/nats/failures.ts';
import { startNatsServer, type NatsServerHandle } from './support/nats-server.ts';

let nats: NatsServerHandle;
beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(async () => {
  await nats?.stop();
});

const failureOf = (work: Promise<unknown>) =>
  work.then(
    () => 'succeeded',
    (err: unknown) => natsFailure(err),
  );

describe('natsFailure: what a NATS call ran into', () => {
  it('a request nobody subscribes to, and a JetStream publish no stream takes, are no_responders', async () => {
    const nc = await connect({ servers: nats.url });
    try {
      expect(await failureOf(nc.request('nobody.listens', 'x', { timeout: 2000 }))).toBe('no_responders');
      expect(await failureOf(jetstream(nc).publish('no.stream.here', 'x', { timeout: 2000 }))).toBe('no_responders');
    } finally {
      await nc.close();
    }
  });

  it('a responder that never answers is a timeout', async () => {
    const nc = await connect({ servers: nats.url });
    try {
      nc.subscribe('silent.service', { callback: () => {} });
      await nc.flush();
      expect(await failureOf(nc.request('silent.service', 'x', { timeout: 200 }))).toBe('timeout');
    } finally {
      await nc.close();
    }
  });

  it('a request on a closed connection, or cut off by the close, is closed', async () => {
    const nc = await connect({ servers: nats.url });
    nc.subscribe('slow.service', { callback: () => {} });
    await nc.flush();
    const cutOff = failureOf(nc.request('slow.service', 'x', { timeout: 10_000 }));
    await nc.close();
    expect(await cutOff).toBe('closed');
    expect(await failureOf(nc.request('slow.service', 'x', { timeout: 1000 }))).toBe('closed');
  });

  it('a JetStream API refusal that is not about availability is other (e.g. a stream that does not exist)', async () => {
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      expect(await failureOf(jsm.streams.info('NO_SUCH_STREAM'))).toBe('other');
    } finally {
      await nc.close();
    }
  });

  it('anything that is not a NATS error is other', () => {
    expect(natsFailure(new Error('no responders timeout 503 connection closed'))).toBe('other');
    expect(natsFailure('a string')).toBe('other');
  });
});
