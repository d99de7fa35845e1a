/**
 * @module nats/heartbeat
 * Each machine's heartbeat in KV `machines` (id, egress IP, in-flight, version), and the list of live ones.
 */
import type { KV } from '@nats-io/kv';
import { heartbeatKey, type MachineHeartbeat } from '../../../shared/heartbeat.ts';

// The schema, key names and the reader live in shared/ (the edge's /v1/status reads them too).
export { heartbeatKey, listMachines, MachineHeartbeat, type LiveMachine } from '../../../shared/heartbeat.ts';

export interface MachineInfo {
  machineId: string;
  /** Null until the machine has learnt it (it does no SMTP before). */
  egressIp: string | null;
  inFlight: number;
  version: string;
  startedAt: string;
}

export interface Heartbeat {
  /** The KV key this machine writes. */
  key: string;
  /** Puts a heartbeat now (the timer also does, every interval). */
  beat(): Promise<void>;
  /** Stops beating and deletes the key, so the machine leaves the list at once. */
  stop(): Promise<void>;
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
