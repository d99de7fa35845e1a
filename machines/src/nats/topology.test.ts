import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nanos } from '@nats-io/nats-core';
import { RetentionPolicy, StorageType, type Consumer, type JsMsg } from '@nats-io/jetstream';
import { startNatsServer, type NatsServerHandle } from '../../../test/support/nats-server.ts';
import { CONSUMERS, KV_BUCKETS, STREAMS, SUBJECTS } from '../../../shared/subjects.ts';
import { connectNats, type NatsHandles } from './connect.ts';
import { ensureTopology, TopologyError, TOPOLOGY_DEFAULTS } from './topology.ts';

const base = { maxDeliver: 3, ackWaitMs: 10_000 };

let server: NatsServerHandle;
let conns: NatsHandles[];

const connectMany = async (n: number) => {
  const made = await Promise.all(Array.from({ length: n }, (_, i) => connectNats(server.url, `test-${i}`)));
  conns.push(...made);
  return made;
};

async function fetchBatch(consumer: Consumer, max: number, expires = 1000): Promise<JsMsg[]> {
  const out: JsMsg[] = [];
  for await (const m of await consumer.fetch({ max_messages: max, expires })) out.push(m);
  return out;
}

beforeEach(async () => {
  server = await startNatsServer();
  conns = [];
});

afterEach(async () => {
  await Promise.all(conns.map((c) => c.nc.close()));
  await server.stop();
});

describe('ensureTopology', () => {
  it('three machines starting at once, then again, all succeed and leave one expected topology', async () => {
    const three = await connectMany(3);
    await Promise.all(three.map((c) => ensureTopology(c.nc, { ...base, singleMaxAckPending: 50, bulkMaxAckPending: 20 })));
    await ensureTopology(three[0]!.nc, { ...base, singleMaxAckPending: 50, bulkMaxAckPending: 20 });
    await Promise.all(three.map((c) => ensureTopology(c.nc, { ...base, singleMaxAckPending: 50, bulkMaxAckPending: 20 })));

    const { jsm } = three[0]!;
    for (const spec of Object.values(STREAMS)) {
      const { config } = await jsm.streams.info(spec.name);
      expect(config.retention).toBe(RetentionPolicy.Workqueue);
      expect(config.storage).toBe(StorageType.File);
      expect(config.duplicate_window).toBe(nanos(TOPOLOGY_DEFAULTS.duplicateWindowMs));
      expect([...config.subjects].sort()).toEqual([...spec.subjects].sort());
    }
    const names = [];
    for await (const s of jsm.streams.list()) names.push(s.config.name);
    expect(names.sort()).toEqual(['JOBS', `KV_${KV_BUCKETS.catchAll}`, `KV_${KV_BUCKETS.machines}`, `KV_${KV_BUCKETS.throttle}`, 'RETRY', 'VERIFY']);

    const single = (await jsm.consumers.info(CONSUMERS.single.stream, CONSUMERS.single.name)).config;
    expect(single).toMatchObject({ ack_policy: 'explicit', filter_subject: 'verify.single', max_deliver: 3, max_ack_pending: 50, ack_wait: nanos(10_000) });
    expect(single.deliver_subject).toBeUndefined();
    const bulk = (await jsm.consumers.info(CONSUMERS.bulk.stream, CONSUMERS.bulk.name)).config;
    expect(bulk).toMatchObject({ filter_subject: 'verify.bulk.>', max_ack_pending: 20 });
    const jobs = (await jsm.consumers.info(CONSUMERS.jobs.stream, CONSUMERS.jobs.name)).config;
    expect(jobs).toMatchObject({ filter_subject: 'jobs.submit.>', max_deliver: 3 });
    // Waiting retries are never limited in number: none may wait behind another.
    const retry = (await jsm.consumers.info(CONSUMERS.retry.stream, CONSUMERS.retry.name)).config;
    expect(retry).toMatchObject({ filter_subject: 'retry.>', max_ack_pending: -1 });
    for (const stream of ['VERIFY', 'JOBS', 'RETRY']) {
      const consumers = [];
      for await (const c of jsm.consumers.list(stream)) consumers.push(c.name);
      expect(consumers.length).toBe(stream === 'VERIFY' ? 2 : 1);
    }
  });

  it('returns KV buckets with one value per key and the bucket TTLs', async () => {
    const [c] = await connectMany(1);
    const topo = await ensureTopology(c!.nc, base);
    const machines = await topo.kv.machines.status();
    const throttle = await topo.kv.throttle.status();
    expect(machines).toMatchObject({ history: 1, ttl: TOPOLOGY_DEFAULTS.machinesTtlMs });
    expect(throttle).toMatchObject({ history: 1, ttl: TOPOLOGY_DEFAULTS.throttleTtlMs });
    await topo.kv.throttle.put('ip.192_0_2_1', 'x');
    expect((await topo.kv.throttle.get('ip.192_0_2_1'))?.string()).toBe('x');
  });

  it('a machine started with new settings updates the existing consumers and buckets', async () => {
    const [c] = await connectMany(1);
    await ensureTopology(c!.nc, base);
    const topo = await ensureTopology(c!.nc, { maxDeliver: 7, ackWaitMs: 45_000, singleMaxAckPending: 9, machinesTtlMs: 12_000 });
    const single = (await c!.jsm.consumers.info(CONSUMERS.single.stream, CONSUMERS.single.name)).config;
    expect(single).toMatchObject({ max_deliver: 7, ack_wait: nanos(45_000), max_ack_pending: 9 });
    expect((await topo.kv.machines.status()).ttl).toBe(12_000);
  });

  it('brings an older VERIFY stream (fewer subjects, shorter dedupe window) up to date, keeping its messages', async () => {
    const [c] = await connectMany(1);
    await c!.jsm.streams.add({
      name: STREAMS.verify.name,
      subjects: ['verify.single'],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(60_000),
    });
    await c!.js.publish(SUBJECTS.single, 'queued before the upgrade');
    await ensureTopology(c!.nc, base);
    const info = await c!.jsm.streams.info(STREAMS.verify.name);
    expect([...info.config.subjects].sort()).toEqual(['verify.bulk.>', 'verify.single']);
    expect(info.config.duplicate_window).toBe(nanos(TOPOLOGY_DEFAULTS.duplicateWindowMs));
    expect(info.state.messages).toBe(1);
  });

  it('NATS_REPLICAS=3 against a server that is not clustered fails with what to do, and creates nothing', async () => {
    const [c] = await connectMany(1);
    const err = await ensureTopology(c!.nc, { ...base, replicas: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TopologyError);
    expect((err as Error).message).toMatch(/NATS_REPLICAS=3 but this nats-server is not clustered.*set NATS_REPLICAS=1/);
    const names = [];
    for await (const s of c!.jsm.streams.list()) names.push(s.config.name);
    expect(names).toEqual([]);
  });

  it('refuses, with a clear error, a stream of the same name that is not a work queue', async () => {
    const [c] = await connectMany(1);
    await c!.jsm.streams.add({ name: STREAMS.verify.name, subjects: [...STREAMS.verify.subjects], retention: RetentionPolicy.Limits });
    await expect(ensureTopology(c!.nc, base)).rejects.toBeInstanceOf(TopologyError);
  });
});

describe('the VERIFY stream and its consumers', () => {
  it('a message published twice with the same Nats-Msg-Id is stored once', async () => {
    const [c] = await connectMany(1);
    const { js, jsm } = await ensureTopology(c!.nc, base);
    const first = await js.publish(SUBJECTS.bulk('job1'), '{"index":0}', { msgID: 'job1:0' });
    const again = await js.publish(SUBJECTS.bulk('job1'), '{"index":0}', { msgID: 'job1:0' });
    const other = await js.publish(SUBJECTS.bulk('job1'), '{"index":1}', { msgID: 'job1:1' });
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again.seq).toBe(first.seq);
    expect(other.duplicate).toBe(false);
    expect((await jsm.streams.info(STREAMS.verify.name)).state.messages).toBe(2);
  });

  it('two machines pulling the single-check consumer each get different messages, and acked ones leave the stream', async () => {
    const [a, b] = await connectMany(2);
    const { js, jsm } = await ensureTopology(a!.nc, base);
    const total = 20;
    for (let i = 0; i < total; i++) await js.publish(SUBJECTS.single, `m${i}`, { msgID: `single-${i}` });

    const work = async (h: NatsHandles) => {
      const consumer = await h.js.consumers.get(CONSUMERS.single.stream, CONSUMERS.single.name);
      const got: string[] = [];
      for (;;) {
        const batch = await fetchBatch(consumer, 3);
        if (batch.length === 0) return got;
        for (const m of batch) {
          got.push(m.string());
          await m.ackAck();
        }
      }
    };
    const [gotA, gotB] = await Promise.all([work(a!), work(b!)]);
    const all = [...gotA, ...gotB];
    expect(all).toHaveLength(total);
    expect(new Set(all).size).toBe(total);
    expect(gotA.length).toBeGreaterThan(0);
    expect(gotB.length).toBeGreaterThan(0);
    expect((await jsm.streams.info(STREAMS.verify.name)).state.messages).toBe(0);
  });

  it('a message nak-ed with a delay comes back after the delay, not before', async () => {
    const [c] = await connectMany(1);
    const { js } = await ensureTopology(c!.nc, base);
    await js.publish(SUBJECTS.single, 'greylisted');
    const consumer = await js.consumers.get(CONSUMERS.single.stream, CONSUMERS.single.name);
    const [first] = await fetchBatch(consumer, 1);
    expect(first?.info.deliveryCount).toBe(1);
    const nakAt = Date.now();
    first!.nak(2000);

    expect(await fetchBatch(consumer, 1, 1000)).toHaveLength(0);
    const [again] = await fetchBatch(consumer, 1, 3000);
    expect(again?.string()).toBe('greylisted');
    expect(again!.info.deliveryCount).toBe(2);
    expect(Date.now() - nakAt).toBeGreaterThanOrEqual(1900);
    await again!.ackAck();
  });

  it('after max_deliver a message is not delivered again, and the last delivery says it is the last', async () => {
    const [c] = await connectMany(1);
    const { js, jsm } = await ensureTopology(c!.nc, { ...base, maxDeliver: 3 });
    await js.publish(SUBJECTS.single, 'always-temporary');
    const consumer = await js.consumers.get(CONSUMERS.single.stream, CONSUMERS.single.name);
    const counts: number[] = [];
    for (;;) {
      const batch = await fetchBatch(consumer, 1);
      if (batch.length === 0) break;
      counts.push(batch[0]!.info.deliveryCount);
      batch[0]!.nak();
    }
    expect(counts).toEqual([1, 2, 3]);
    // Unacked after the last delivery the message stays in the work queue: the worker must finish it (ack) itself.
    expect((await jsm.streams.info(STREAMS.verify.name)).state.messages).toBe(1);
    expect((await jsm.consumers.info(CONSUMERS.single.stream, CONSUMERS.single.name)).num_ack_pending).toBe(0);
  });
});
