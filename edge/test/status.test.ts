import { describe, expect, it } from 'vitest';
import { BASE, call, createKey, fetchApp, newTenant, type ErrorJson } from './helpers.ts';

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

  it('with STATUS_ACCESS=operator, only an operator key sees the machines; a tenant key gets 403', async () => {
    const operatorOnly = { STATUS_ACCESS: 'operator' };
    const ask = (key: string) => fetchApp(new Request(`${BASE}/v1/status`, { headers: { authorization: `Bearer ${key}` } }), operatorOnly);
    const tenant = await ask(await createKey(newTenant()));
    expect(tenant.status).toBe(403);
    const body = (await tenant.json()) as ErrorJson;
    expect(body.error.code).toBe('operator_key_required');
    expect(JSON.stringify(body)).not.toContain('127.0.0.1');
    const operator = await ask(await createKey(newTenant('ops'), { operator: true }));
    expect(operator.status).toBe(200);
    expect(await operator.json()).toMatchObject({ machines_alive: 1, egress_ips: ['127.0.0.1'] });
  });
});
