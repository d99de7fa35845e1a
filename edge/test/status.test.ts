import { describe, expect, it } from 'vitest';
import { call, createKey, newTenant } from './helpers.ts';

describe('GET /v1/status', () => {
  it('lists the live machine with its egress IP, from its heartbeat', async () => {
    const key = await createKey(newTenant());
    const res = await call('/v1/status', { key });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { machines_alive: number; egress_ips: string[]; in_flight: number; machines: { id: string; egress_ip: string | null }[] };
    expect(body.machines_alive).toBe(1);
    expect(body.egress_ips).toEqual(['127.0.0.1']);
    expect(body.in_flight).toBeGreaterThanOrEqual(0);
    expect(body.machines[0]!.egress_ip).toBe('127.0.0.1');
  });

  it('needs a tenant key', async () => {
    expect((await call('/v1/status')).status).toBe(401);
  });
});
