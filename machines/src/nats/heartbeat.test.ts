import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KV } from '@nats-io/kv';
import { startNatsServer, type NatsServerHandle } from '../../../test/support/nats-server.ts';
import { connectNats, type NatsHandles } from './connect.ts';
import { ensureTopology } from './topology.ts';
import { heartbeatKey, listMachines, startHeartbeat, type MachineInfo } from './heartbeat.ts';

let server: NatsServerHandle;
let conn: NatsHandles;
let kv: KV;

beforeAll(async () => {
  server = await startNatsServer();
  conn = await connectNats(server.url, 'heartbeat-test');
  kv = (await ensureTopology(conn.nc, { maxDeliver: 3, ackWaitMs: 10_000 })).kv.machines;
});

afterAll(async () => {
  await conn.nc.close();
  await server.stop();
});

const machine = (machineId: string, over: Partial<MachineInfo> = {}): MachineInfo => ({
  machineId,
  egressIp: '192.0.2.10',
  inFlight: 0,
  version: '0.1.0',
  startedAt: '2025-01-01T00:00:00.000Z',
  ...over,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('machine heartbeats', () => {
  it('running machines are listed with their egress IP, load and version; a stopped one leaves the list', async () => {
    const a = startHeartbeat(kv, () => machine('machine-a', { inFlight: 2 }), 200);
    const b = startHeartbeat(kv, () => machine('machine-b', { egressIp: null }), 200);
    await Promise.all([a.beat(), b.beat()]);

    const live = await listMachines(kv);
    expect(live.map((m) => m.machineId)).toEqual(['machine-a', 'machine-b']);
    expect(live[0]).toMatchObject({ egressIp: '192.0.2.10', inFlight: 2, version: '0.1.0', intervalMs: 200 });
    expect(live[1]!.egressIp).toBeNull();

    await a.stop();
    expect((await listMachines(kv)).map((m) => m.machineId)).toEqual(['machine-b']);
    await b.stop();
    expect(await listMachines(kv)).toEqual([]);
  });

  it('the heartbeat repeats and carries the current in-flight count', async () => {
    let inFlight = 1;
    const hb = startHeartbeat(kv, () => machine('machine-c', { inFlight }), 100);
    await hb.beat();
    const first = (await listMachines(kv)).find((m) => m.machineId === 'machine-c');
    inFlight = 4;
    await sleep(350);
    const later = (await listMachines(kv)).find((m) => m.machineId === 'machine-c');
    await hb.stop();
    expect(first?.inFlight).toBe(1);
    expect(later?.inFlight).toBe(4);
    expect(Date.parse(later!.seenAt)).toBeGreaterThan(Date.parse(first!.seenAt));
  });

  it('a machine that stopped beating without saying goodbye drops out after three missed beats', async () => {
    const hb = startHeartbeat(kv, () => machine('machine-d'), 1000);
    await hb.beat();
    expect((await listMachines(kv)).map((m) => m.machineId)).toContain('machine-d');
    expect((await listMachines(kv, { now: Date.now() + 3500 })).map((m) => m.machineId)).not.toContain('machine-d');
    await hb.stop();
  });

  it('a machine id with characters KV keys do not allow still gets one key of its own', async () => {
    expect(heartbeatKey('fly machine.1/ams')).toBe('machines.fly_machine_1_ams');
    const hb = startHeartbeat(kv, () => machine('fly machine.1/ams'), 200);
    await hb.beat();
    expect((await kv.get('machines.fly_machine_1_ams'))?.json()).toMatchObject({ machineId: 'fly machine.1/ams' });
    expect((await listMachines(kv)).map((m) => m.machineId)).toContain('fly machine.1/ams');
    await hb.stop();
  });

  it('garbage under the machines prefix is ignored, not fatal', async () => {
    await kv.put('machines.garbage', 'not json');
    await kv.put('machines.wrong-shape', JSON.stringify({ machineId: 'x' }));
    expect((await listMachines(kv)).map((m) => m.machineId)).not.toContain('x');
    await kv.delete('machines.garbage');
    await kv.delete('machines.wrong-shape');
  });
});
