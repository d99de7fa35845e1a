/**
 * NATS_REPLICAS on a real 3-node JetStream cluster: a topology made at R1 is scaled in place to
 * R3 (messages and consumers kept), a second start changes nothing, and an impossible count says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsCluster, type NatsClusterHandle } from '../../../test/support/nats-cluster.ts';
import { CONSUMERS, KV_BUCKETS, STREAMS, SUBJECTS } from '../../../shared/subjects.ts';
import { connectNats, type NatsHandles } from './connect.ts';
import { ensureTopology, TopologyError } from './topology.ts';

const base = { maxDeliver: 3, ackWaitMs: 10_000 };
/** Every stream the topology made (KV buckets included), so one added later is covered too. */
async function allStreams(): Promise<string[]> {
  const names: string[] = [];
  for await (const si of h.jsm.streams.list()) names.push(si.config.name);
  return names.sort();
}

let cluster: NatsClusterHandle;
let h: NatsHandles;

beforeAll(async () => {
  cluster = await startNatsCluster();
  h = await connectNats(cluster.url, 'replicas-test');
}, 60_000);

afterAll(async () => {
  await h?.nc.close();
  await cluster?.stop();
});

describe('NATS_REPLICAS on a 3-node cluster', () => {
  it('scales an R1 topology to R3 in place, keeping queued messages and consumers; the next start changes nothing', async () => {
    await ensureTopology(h.nc, base);
    const streams = await allStreams();
    expect(streams).toEqual(expect.arrayContaining([STREAMS.verify.name, STREAMS.jobs.name, `KV_${KV_BUCKETS.throttle}`, `KV_${KV_BUCKETS.machines}`]));
    for (const name of streams) expect((await h.jsm.streams.info(name)).config.num_replicas).toBe(1);
    await h.js.publish(SUBJECTS.single, 'queued at R1', { msgID: 'r1-queued' });
    const topo = await ensureTopology(h.nc, { ...base, replicas: 3 });
    await topo.kv.machines.put('m1', 'alive');

    for (const name of streams) {
      const info = await h.jsm.streams.info(name);
      expect(info.config.num_replicas).toBe(3);
      expect(info.cluster?.replicas).toHaveLength(2);
    }
    for (const stream of streams) {
      for await (const ci of h.jsm.consumers.list(stream)) expect(ci.cluster?.replicas, `${stream}/${ci.name}`).toHaveLength(2);
    }
    expect(await allStreams()).toEqual(streams);
    expect((await h.jsm.consumers.info(CONSUMERS.single.stream, CONSUMERS.single.name)).num_pending).toBe(1);
    expect((await topo.kv.machines.get('m1'))?.string()).toBe('alive');

    const before = (await h.jsm.streams.info(STREAMS.verify.name)).created;
    await ensureTopology(h.nc, { ...base, replicas: 3 });
    expect((await h.jsm.streams.info(STREAMS.verify.name)).created).toBe(before);
  }, 60_000);

  it('more replicas than servers fails with what to do', async () => {
    const err = await ensureTopology(h.nc, { ...base, replicas: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TopologyError);
    expect((err as Error).message).toMatch(/NATS_REPLICAS=5 but the cluster has too few JetStream servers/);
    expect((await h.jsm.streams.info(STREAMS.verify.name)).config.num_replicas).toBe(3);
  }, 30_000);
});
