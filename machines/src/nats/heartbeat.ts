/**
 * @module nats/heartbeat
 * Each machine's heartbeat in KV `machines` (id, egress IP, in-flight, version), and the list of live ones.
 */
import type { KV } from '@nats-io/kv';
import { z } from 'zod';

export interface MachineInfo {
  machineId: string;
  /** Null until the machine has learnt it (it does no SMTP before). */
  egressIp: string | null;
  inFlight: number;
  version: string;
  startedAt: string;
}

export const MachineHeartbeat = z.object({
  machineId: z.string().min(1),
  egressIp: z.string().nullable(),
  inFlight: z.number().int().nonnegative(),
  version: z.string(),
  startedAt: z.string(),
  /** The writer's clock at the put. */
  at: z.string(),
  /** How often this machine beats: a reader calls it gone after 3 missed beats. */
  intervalMs: z.number().positive(),
});
export type MachineHeartbeat = z.infer<typeof MachineHeartbeat>;

/** A live machine, with the server's time of its last heartbeat. */
export type LiveMachine = MachineHeartbeat & { seenAt: string };

export interface Heartbeat {
  /** The KV key this machine writes. */
  key: string;
  /** Puts a heartbeat now (the timer also does, every interval). */
  beat(): Promise<void>;
  /** Stops beating and deletes the key, so the machine leaves the list at once. */
  stop(): Promise<void>;
}

const KEY_PREFIX = 'machines.';
const MISSED_BEATS = 3;

/** KV keys allow few characters and `.` separates tokens: anything else in an id becomes `_`. */
export function heartbeatKey(machineId: string): string {
  const safe = machineId.replace(/[^A-Za-z0-9_-]/g, '_');
  if (!safe) throw new Error('machineId is empty');
  return `${KEY_PREFIX}${safe}`;
}

export function startHeartbeat(
  kv: KV,
  info: () => MachineInfo,
  intervalMs: number,
  opts: { onError?: (err: unknown) => void } = {},
): Heartbeat {
  const key = heartbeatKey(info().machineId);
  let stopped = false;
  let inFlight: Promise<void> | null = null;

  const beat = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    // A slow put is not doubled up by the next tick.
    if (inFlight) return inFlight;
    const body: MachineHeartbeat = { ...info(), at: new Date().toISOString(), intervalMs };
    inFlight = kv
      .put(key, JSON.stringify(body))
      .then(
        () => {},
        (err: unknown) => opts.onError?.(err),
      )
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };

  void beat();
  const timer = setInterval(() => void beat(), intervalMs);
  // The heartbeat alone must not keep a finished process alive.
  timer.unref();

  return {
    key,
    beat,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (inFlight) await inFlight;
      // Best effort: if NATS is unreachable the bucket TTL removes the key anyway.
      await kv.delete(key).catch((err: unknown) => opts.onError?.(err));
    },
  };
}

/** Machines whose last heartbeat is younger than 3 of their intervals, sorted by id. */
export async function listMachines(kv: KV, opts: { now?: number } = {}): Promise<LiveMachine[]> {
  const now = opts.now ?? Date.now();
  const keys: string[] = [];
  for await (const k of await kv.keys(`${KEY_PREFIX}>`)) keys.push(k);
  const entries = await Promise.all(keys.map((k) => kv.get(k)));
  const live: LiveMachine[] = [];
  for (const e of entries) {
    // Deleted between listing and reading, or a delete/purge marker.
    if (!e || e.operation !== 'PUT') continue;
    let parsed;
    try {
      parsed = MachineHeartbeat.safeParse(e.json());
    } catch {
      continue;
    }
    if (!parsed.success) continue;
    // Server timestamps: one clock for every machine's entries.
    if (now - e.created.getTime() > MISSED_BEATS * parsed.data.intervalMs) continue;
    live.push({ ...parsed.data, seenAt: e.created.toISOString() });
  }
  return live.sort((a, b) => a.machineId.localeCompare(b.machineId));
}
