import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../../../test/support/nats-server.ts';
import { connectNats, ensureTopology } from '../nats/index.ts';
import { createAttemptCounter } from './attempts.ts';

describe('the count of temporary outcomes per message', () => {
  let server: NatsServerHandle;
  let nc: NatsConnection;
  let kv: KV;
  beforeAll(async () => {
    server = await startNatsServer();
    ({ nc } = await connectNats(server.url, 'attempts-test'));
    kv = (await ensureTopology(nc, { maxDeliver: -1, ackWaitMs: 5000 })).kv.throttle;
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  it('counts up per message id, ids with any characters kept apart', async () => {
    const counter = createAttemptCounter(kv);
    expect(await counter.next('job-1:7')).toBe(1);
    expect(await counter.next('job-1:7')).toBe(2);
    expect(await counter.next('job-1:8')).toBe(1);
    expect(await counter.next('chk_abc')).toBe(1);
  });

  it('machines counting the same message at once get different numbers', async () => {
    const counters = Array.from({ length: 5 }, () => createAttemptCounter(kv));
    const got = await Promise.all(counters.map((c) => c.next('job-2:0')));
    expect([...got].sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('answers null within its timeout when NATS is gone (the caller falls back to the delivery count)', async () => {
    await server.shutdown();
    const started = Date.now();
    expect(await createAttemptCounter(kv, { timeoutMs: 1000 }).next('job-3:0')).toBeNull();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
