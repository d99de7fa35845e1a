/**
 * @module throttle/ip-throttle
 * The limiters of one egress IP, shared by every machine on it through one JetStream
 * KV key: read, decide (core.ts), write back with the revision read (compare-and-set),
 * retry on conflict. Any failure to reach the KV fails closed: no SMTP session.
 */
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV, KvEntry } from '@nats-io/kv';
import { admit, closeBreaker, decodeState, emptyState, openBreaker, throttleKey, type IpLimits, type IpThrottleState } from './core.ts';
import { ThrottleHold } from './errors.ts';

export interface IpThrottleOptions {
  kv: KV;
  egressIp: string;
  limits: IpLimits;
  /** False while the NATS connection is down: nothing is admitted then, even a slot already taken. */
  connected: () => boolean;
  /** Deadline of one KV read or write. Default 2 s. */
  opTimeoutMs?: number;
  /** Delay before work held by an unreachable KV is tried again. Default 5 s. */
  unavailableDelayMs?: number;
}

export interface Admitted {
  /** This session is the breaker's half-open probe: report its outcome. */
  probe: boolean;
  /** How long the caller waited in place for its slot. */
  waitedMs: number;
  /** Slots given up because this process woke too late to use them without a burst. */
  missedSlots: number;
}

export interface IpThrottle {
  readonly key: string;
  /** Resolves when a session to `group` carrying `recipients` RCPTs may start; throws ThrottleHold when it may not start soon. */
  acquire(group: string, signal?: AbortSignal, recipients?: number): Promise<Admitted>;
  /** A policy rejection from `group`: open its breaker for the cool-down. */
  policyRejected(group: string): Promise<void>;
  /** The probe got an ordinary answer: close the breaker. */
  probeSucceeded(group: string): Promise<void>;
  /** The current state (for tests and status). */
  read(): Promise<IpThrottleState>;
}

const MAX_CAS_ATTEMPTS = 100;

function isConflict(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export function createIpThrottle(opts: IpThrottleOptions): IpThrottle {
  const key = throttleKey(opts.egressIp);
  const opTimeoutMs = opts.opTimeoutMs ?? 2000;
  const unavailableDelayMs = opts.unavailableDelayMs ?? 5000;
  const unavailable = (detail: string) =>
    new ThrottleHold('throttle_unavailable', unavailableDelayMs, `throttle state unreachable (${detail}); no SMTP until it is back`);

  /** A KV call with our own deadline; every failure but a revision conflict means "unreachable". */
  async function kvCall<T>(what: string, call: () => Promise<T>): Promise<T> {
    if (!opts.connected()) throw unavailable('NATS disconnected');
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        call(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(unavailable(`${what} timed out`)), opTimeoutMs))),
      ]);
    } catch (err) {
      if (err instanceof ThrottleHold || isConflict(err)) throw err;
      throw unavailable(`${what}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async function load(): Promise<{ entry: KvEntry | null; state: IpThrottleState }> {
    const entry = await kvCall('read', () => opts.kv.get(key));
    const live = entry && entry.operation === 'PUT' ? entry : null;
    return { entry, state: live ? decodeState(safeJson(live)) : emptyState() };
  }

  /** Compare-and-set against the revision read; false on a conflict (someone else wrote first). */
  async function store(entry: KvEntry | null, next: IpThrottleState): Promise<boolean> {
    const body = JSON.stringify(next);
    try {
      if (entry && entry.operation === 'PUT') await kvCall('update', () => opts.kv.update(key, body, entry.revision));
      else await kvCall('create', () => opts.kv.create(key, body));
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  async function change(fn: (s: IpThrottleState, now: number) => IpThrottleState): Promise<void> {
    for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
      const { entry, state } = await load();
      if (await store(entry, fn(state, Date.now()))) return;
    }
    throw unavailable('too many concurrent updates');
  }

  return {
    key,
    async acquire(group, signal, recipients = 1) {
      const started = Date.now();
      const tolerance = opts.limits.lateToleranceMs?.(group) ?? Number.POSITIVE_INFINITY;
      let missedSlots = 0;
      for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
        const { entry, state } = await load();
        const now = Date.now();
        const d = admit(state, group, now, opts.limits, recipients);
        switch (d.kind) {
          case 'breaker_open':
            throw new ThrottleHold('breaker_open', d.delayMs, `breaker for ${group} on ${opts.egressIp} is open`);
          case 'defer':
            throw new ThrottleHold(d.limit, d.delayMs, `no ${d.limit} slot on ${opts.egressIp} for ${Math.round(d.delayMs)} ms`);
          case 'poll':
            // A little spread so the waiters of one group do not all race for the same slot.
            await sleep(d.at - now + Math.random() * 20, signal);
            if (signal?.aborted) throw unavailable('aborted');
            continue;
          case 'admit': {
            if (!(await store(entry, d.next))) continue;
            await sleep(d.at - Date.now(), signal);
            // Fail closed even for a slot already taken: NATS went away while we waited.
            if (!opts.connected()) throw unavailable('NATS disconnected while waiting for the slot');
            if (signal?.aborted) throw unavailable('aborted');
            // Woke too late (stalled process): using the slot now would crowd the next ones.
            if (Date.now() - d.at > tolerance) {
              missedSlots++;
              continue;
            }
            return { probe: d.probe, waitedMs: Date.now() - started, missedSlots };
          }
        }
      }
      throw unavailable('too many concurrent updates');
    },
    policyRejected: (group) => change((s, now) => openBreaker(s, group, now, opts.limits.cooldownMs)),
    probeSucceeded: (group) => change((s, now) => closeBreaker(s, group, now)),
    async read() {
      return (await load()).state;
    },
  };
}

function safeJson(entry: KvEntry): unknown {
  try {
    return entry.json();
  } catch {
    return null;
  }
}
