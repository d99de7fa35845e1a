/**
 * @module nats/hub-client
 * How routes reach NATS: a NatsHub stub for a shard, with its RPC failures turned into
 * ApiErrors (503 `nats_unavailable` / `machines_unavailable`, 504 `machines_timeout`).
 */
import type { LiveMachine } from '../../../shared/heartbeat.ts';
import type { SingleCheckMessage } from '../../../shared/messages.ts';
import { edgeConfig, type Bindings } from '../env.ts';
import { withDurableRetry } from '../durable-retry.ts';
import { ApiError } from '../errors.ts';
import { HUB_ERROR_CODES, type HubErrorCode, type NatsHub, type PublishOptions, type SingleCheckOutcome, type HubOutcome } from './hub.ts';

const STATUS: Record<HubErrorCode, 503 | 504> = { nats_unavailable: 503, machines_unavailable: 503, machines_timeout: 504 };

/** The HTTP error for whatever a hub call threw. */
export function hubFailure(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const text = err instanceof Error ? err.message : String(err);
  const m = /^(\w+): ([\s\S]*)$/.exec(text);
  const code = m?.[1] as HubErrorCode | undefined;
  if (code && HUB_ERROR_CODES.includes(code)) return new ApiError(STATUS[code], code, m![2]!, { 'retry-after': '5' });
  // The object itself failed (reset, overloaded): NATS is out of reach for this request.
  return new ApiError(503, 'nats_unavailable', `the NATS hub failed: ${text}`, { 'retry-after': '5' });
}

/** Every hub call is safe to repeat (reads, or publishes deduplicated by Nats-Msg-Id), so a reset object is tried once more. */
async function call<T>(stub: () => HubStub, work: (hub: HubStub) => Promise<HubOutcome<T>>): Promise<T> {
  let out: HubOutcome<T>;
  try {
    out = await withDurableRetry(stub, work);
  } catch (err) {
    throw hubFailure(err);
  }
  if (!out.ok) throw hubFailure(new Error(out.error));
  return out.value;
}

type HubStub = DurableObjectStub<NatsHub>;

export interface HubClient {
  publishJetStream(subject: string, data: string, opts?: PublishOptions): Promise<{ seq: number; duplicate: boolean }>;
  request(subject: string, data: string, timeoutMs: number): Promise<string>;
  /** Same `coalesceKey`, same running check (see NatsHub.checkSingle); give the same `shardKey` to the client. */
  checkSingle(msg: SingleCheckMessage, waitMs: number, coalesceKey?: string): Promise<SingleCheckOutcome>;
  machines(): Promise<LiveMachine[]>;
}

/**
 * A client on one hub shard. `shardKey` picks the shard (same key, same connection); without it a
 * random shard spreads the load.
 */
export function hubClient(env: Bindings, shardKey?: string): HubClient {
  const shards = edgeConfig(env).NATS_HUB_SHARDS;
  const shard = shardKey === undefined ? Math.floor(Math.random() * shards) : fnv1a(shardKey) % shards;
  const stub = () => env.NATS_HUB.get(env.NATS_HUB.idFromName(`hub-${shard}`));
  return {
    publishJetStream: (subject, data, opts) => call(stub, async (hub) => (await hub.publishJetStream(subject, data, opts)) as HubOutcome<{ seq: number; duplicate: boolean }>),
    request: (subject, data, timeoutMs) => call(stub, async (hub) => (await hub.request(subject, data, timeoutMs)) as HubOutcome<string>),
    // RPC stubs type results as disposable unions; the values are plain data.
    checkSingle: (msg, waitMs, coalesceKey) => call(stub, async (hub) => (await hub.checkSingle(msg, waitMs, coalesceKey)) as HubOutcome<SingleCheckOutcome>),
    machines: () => call(stub, async (hub) => (await hub.machines()) as HubOutcome<LiveMachine[]>),
  };
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
