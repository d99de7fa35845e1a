/**
 * @module heartbeat
 * Machine heartbeats in KV `machines` (id, egress IP, in-flight, version): the schema the
 * machines write and the reader the edge's `/v1/status` and the CLI use.
 */
import type { KV } from '@nats-io/kv';
import { z } from 'zod';

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

const KEY_PREFIX = 'machines.';
const MISSED_BEATS = 3;

/** KV keys allow few characters and `.` separates tokens: anything else in an id becomes `_`. */
export function heartbeatKey(machineId: string): string {
  const safe = machineId.replace(/[^A-Za-z0-9_-]/g, '_');
  if (!safe) throw new Error('machineId is empty');
  return `${KEY_PREFIX}${safe}`;
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
