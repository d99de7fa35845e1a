/**
 * @module nats/topology
 * Creates or updates the JetStream streams, durable pull consumers and KV buckets every
 * machine uses; safe to run from many machines starting at the same moment.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import { nanos } from '@nats-io/nats-core';
import {
  AckPolicy,
  DeliverPolicy,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerUpdateConfig,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
  type StreamUpdateConfig,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { CONSUMERS, KV_BUCKETS, STREAMS } from '../../../shared/subjects.ts';

export interface TopologyOptions {
  /** Window in which a repeated `Nats-Msg-Id` is dropped. Default 2 h. */
  duplicateWindowMs?: number;
  /** Deliveries of one message before the consumer stops redelivering it. */
  maxDeliver: number;
  /** How long a delivered message may stay unacked before it is redelivered. */
  ackWaitMs: number;
  /** Cap on unacked single checks across all machines. Default 1000. */
  singleMaxAckPending?: number;
  /** Cap on unacked bulk items across all machines. Default 1000. */
  bulkMaxAckPending?: number;
  /** Cap on unacked job chunks across all machines. Default 100. */
  jobsMaxAckPending?: number;
  /** Heartbeats vanish this long after a machine's last put. Default 30 s. */
  machinesTtlMs?: number;
  /** Limiter state vanishes this long after its last update (KV has no per-key TTL on 2.9). Default 2 days. */
  throttleTtlMs?: number;
  /** Stream and KV replicas (1 for a single server, 3 in a cluster). Default 1. */
  replicas?: number;
  /** Catch-all probe answers vanish this long after they were stored (CATCH_ALL_TTL). Default 6 h. */
  catchAllTtlMs?: number;
}

export interface Topology {
  js: JetStreamClient;
  jsm: JetStreamManager;
  kv: { throttle: KV; machines: KV; catchAll: KV };
}

export const TOPOLOGY_DEFAULTS = {
  duplicateWindowMs: 2 * 60 * 60 * 1000,
  singleMaxAckPending: 1000,
  bulkMaxAckPending: 1000,
  jobsMaxAckPending: 100,
  machinesTtlMs: 30_000,
  throttleTtlMs: 2 * 24 * 60 * 60 * 1000,
  catchAllTtlMs: 6 * 60 * 60 * 1000,
  replicas: 1,
} as const;

/** Raised when the server holds a stream or consumer that cannot be changed into what we need. */
export class TopologyError extends Error {
  readonly code = 'topology_conflict';
}

type StreamSpec = (typeof STREAMS)[keyof typeof STREAMS];
type ConsumerSpec = (typeof CONSUMERS)[keyof typeof CONSUMERS];

export async function ensureTopology(nc: NatsConnection, opts: TopologyOptions): Promise<Topology> {
  const o = { ...TOPOLOGY_DEFAULTS, ...stripUndefined(opts) };
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);

  for (const spec of Object.values(STREAMS)) {
    await ensureStream(jsm, {
      name: spec.name,
      subjects: [...spec.subjects],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(o.duplicateWindowMs),
      num_replicas: o.replicas,
    }, spec);
  }

  const maxAckPending: Record<keyof typeof CONSUMERS, number> = {
    single: o.singleMaxAckPending,
    bulk: o.bulkMaxAckPending,
    jobs: o.jobsMaxAckPending,
    // Unlimited: every waiting retry sits here, nak'ed until due, and none may wait behind another.
    retry: -1,
  };
  for (const [key, spec] of Object.entries(CONSUMERS) as [keyof typeof CONSUMERS, ConsumerSpec][]) {
    await ensureConsumer(jsm, spec, {
      durable_name: spec.name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      replay_policy: ReplayPolicy.Instant,
      filter_subject: spec.filter,
      ack_wait: nanos(o.ackWaitMs),
      max_deliver: o.maxDeliver,
      max_ack_pending: maxAckPending[key],
    });
  }

  const kvm = new Kvm(js);
  const throttle = await ensureBucket(kvm, jsm, KV_BUCKETS.throttle, o.throttleTtlMs, o.replicas);
  const machines = await ensureBucket(kvm, jsm, KV_BUCKETS.machines, o.machinesTtlMs, o.replicas);
  const catchAll = await ensureBucket(kvm, jsm, KV_BUCKETS.catchAll, o.catchAllTtlMs, o.replicas);
  return { js, jsm, kv: { throttle, machines, catchAll } };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

async function infoOrNull<T>(get: () => Promise<T>): Promise<T | null> {
  try {
    return await get();
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  // 10059 stream not found, 10014 consumer not found.
  return code === 10059 || code === 10014 || /not found/i.test((err as Error)?.message ?? '');
}

/**
 * Another machine may create the same thing between our lookup and our create; then the
 * create fails ("already in use"/"already exists") and we converge by reading and updating.
 */
async function createOrAdopt<T>(create: () => Promise<T>, lookup: () => Promise<T | null>): Promise<{ info: T; created: boolean }> {
  try {
    return { info: await create(), created: true };
  } catch (err) {
    const info = await lookup();
    if (info) return { info, created: false };
    throw err;
  }
}

async function ensureStream(jsm: JetStreamManager, want: Partial<StreamConfig> & { name: string; subjects: string[] }, spec: StreamSpec): Promise<StreamInfo> {
  const lookup = () => infoOrNull(() => jsm.streams.info(spec.name));
  let info = await lookup();
  if (!info) {
    const add = () => jsm.streams.add(want).catch((err: unknown) => {
      throw want.num_replicas && want.num_replicas > 1 ? replicasError(err, spec.name, want.num_replicas) : err;
    });
    const r = await createOrAdopt(add, lookup);
    if (r.created) return r.info;
    info = r.info;
  }
  const have = info.config;
  if (have.retention !== want.retention || have.storage !== want.storage) {
    throw new TopologyError(
      `stream ${spec.name} exists with retention=${have.retention} storage=${have.storage}; ` +
        `need ${want.retention}/${want.storage}, which an update cannot change: delete the stream or migrate it`,
    );
  }
  const delta: Partial<StreamUpdateConfig> = {};
  if (!sameSet(have.subjects ?? [], want.subjects)) delta.subjects = want.subjects;
  if (have.duplicate_window !== want.duplicate_window) delta.duplicate_window = want.duplicate_window;
  if (want.num_replicas !== undefined && have.num_replicas !== want.num_replicas) delta.num_replicas = want.num_replicas;
  if (Object.keys(delta).length === 0) return info;
  return updateStream(jsm, spec.name, delta, have.num_replicas);
}

/**
 * Stream updates, with the server's refusals of a replica count turned into what to do about it.
 * Streams and KV buckets scale between R1 and R3 in place (2.9 moves the data; consumers follow
 * their stream), but only on a clustered server with enough peers.
 */
async function updateStream(jsm: JetStreamManager, name: string, delta: Partial<StreamUpdateConfig>, haveReplicas: number): Promise<StreamInfo> {
  let info: StreamInfo;
  try {
    info = await jsm.streams.update(name, delta);
  } catch (err) {
    if (delta.num_replicas !== undefined) throw replicasError(err, name, delta.num_replicas, haveReplicas);
    throw err;
  }
  return delta.num_replicas === undefined ? info : waitForReplicas(jsm, name, delta.num_replicas);
}

/**
 * After a replica change the stream elects a leader on its new peer set; until it has one, API
 * calls on it and its consumers (which follow their stream's replica count) time out.
 */
async function waitForReplicas(jsm: JetStreamManager, name: string, replicas: number, timeoutMs = 30_000): Promise<StreamInfo> {
  const until = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const info = await jsm.streams.info(name);
      const peers = info.cluster?.replicas ?? [];
      if (info.cluster?.leader && peers.length === replicas - 1 && peers.every((p) => p.current)) return info;
      last = `leader ${info.cluster?.leader ?? 'none'}, ${peers.filter((p) => p.current).length}/${replicas - 1} followers current`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > until) throw new TopologyError(`stream ${name} did not settle at ${replicas} replicas within ${timeoutMs} ms (${last})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function replicasError(err: unknown, name: string, want: number, have?: number): Error {
  const code = (err as { code?: unknown })?.code;
  const text = (err as Error)?.message ?? String(err);
  // 10074 replicas > 1 not supported in non-clustered mode; 10023 insufficient resources (fewer peers than replicas).
  if (code === 10074 || /non-clustered/i.test(text)) {
    return new TopologyError(`NATS_REPLICAS=${want} but this nats-server is not clustered (${name}: ${text}): set NATS_REPLICAS=1 or point NATS_URL at a JetStream cluster`);
  }
  if (code === 10023 || /insufficient resources|no suitable peers/i.test(text)) {
    return new TopologyError(`NATS_REPLICAS=${want} but the cluster has too few JetStream servers for ${name} (${text}): start more servers or lower NATS_REPLICAS`);
  }
  const from = have === undefined ? '' : ` from ${have}`;
  return new TopologyError(`could not set ${name} to ${want} replicas${from} (${text})`);
}

async function ensureConsumer(jsm: JetStreamManager, spec: ConsumerSpec, want: Partial<ConsumerConfig>): Promise<ConsumerInfo> {
  const lookup = () => infoOrNull(() => jsm.consumers.info(spec.stream, spec.name));
  let info = await lookup();
  if (!info) {
    const r = await createOrAdopt(() => jsm.consumers.add(spec.stream, want), lookup);
    info = r.info;
  }
  const have = info.config;
  if (have.ack_policy !== AckPolicy.Explicit || have.deliver_subject) {
    throw new TopologyError(`consumer ${spec.stream}/${spec.name} exists but is not an explicit-ack pull consumer: delete it`);
  }
  // Compared field by field: a concurrent create with the same config lands here too and changes nothing.
  const delta: Partial<ConsumerUpdateConfig> = {};
  if (have.ack_wait !== want.ack_wait) delta.ack_wait = want.ack_wait;
  if (have.max_deliver !== want.max_deliver) delta.max_deliver = want.max_deliver;
  if (have.max_ack_pending !== want.max_ack_pending) delta.max_ack_pending = want.max_ack_pending;
  if (have.filter_subject !== want.filter_subject) delta.filter_subject = want.filter_subject;
  if (Object.keys(delta).length === 0) return info;
  return jsm.consumers.update(spec.stream, spec.name, delta);
}

async function ensureBucket(kvm: Kvm, jsm: JetStreamManager, name: string, ttlMs: number, replicas: number): Promise<KV> {
  const create = () => kvm.create(name, { history: 1, ttl: ttlMs, replicas });
  let kv: KV;
  try {
    kv = await create();
  } catch {
    // Lost a create race (the bucket appeared between the client's lookup and its create): now it opens.
    kv = await create().catch((err: unknown) => {
      throw replicas > 1 ? replicasError(err, `KV ${name}`, replicas) : err;
    });
  }
  // `create` opens an existing bucket as it is; bring its TTL and replicas to what this version wants.
  const status = await kv.status();
  const delta: Partial<StreamUpdateConfig> = {};
  if (status.ttl !== ttlMs) {
    // The server refuses a duplicate window longer than max_age; KV's own default is 2 min, clamped the same way.
    delta.max_age = nanos(ttlMs);
    delta.duplicate_window = nanos(Math.min(ttlMs, 120_000));
  }
  if (status.replicas !== replicas) delta.num_replicas = replicas;
  if (Object.keys(delta).length > 0) await updateStream(jsm, status.streamInfo.config.name, delta, status.replicas);
  return kv;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
