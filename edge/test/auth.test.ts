import { describe, expect, it } from 'vitest';
import { call, createKey, freshAddress, newTenant, postJson, type ErrorJson } from './helpers.ts';

/** An address the edge answers alone (invalid syntax): auth is all these requests exercise. */
const edgeOnly = '/v1/check?email=not-an-address';

async function expectError(res: Response, status: number, code: string): Promise<ErrorJson> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as ErrorJson;
  expect(body.error.code).toBe(code);
  expect(body.error.message).not.toBe('');
  return body;
}

describe('API keys', () => {
  it('a request without a key is refused with 401 JSON', async () => {
    await expectError(await call(edgeOnly), 401, 'missing_api_key');
    await expectError(await call(edgeOnly, { headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 401, 'missing_api_key');
  });

  it('a key that was never issued is refused', async () => {
    await expectError(await call(edgeOnly, { key: 'ek_not-a-real-key' }), 401, 'invalid_api_key');
  });

  it('a disabled key is refused, an enabled one of the same tenant works', async () => {
    const tenant = newTenant();
    const disabled = await createKey(tenant, { disabled: true });
    const enabled = await createKey(tenant);
    await expectError(await call(edgeOnly, { key: disabled }), 401, 'api_key_disabled');
    expect((await call(edgeOnly, { key: enabled })).status).toBe(200);
  });

  it('a key over its per-minute limit gets 429 with Retry-After', async () => {
    const key = await createKey(newTenant(), { rate_per_minute: 3 });
    for (let i = 0; i < 3; i++) expect((await call(edgeOnly, { key })).status).toBe(200);
    const res = await call(edgeOnly, { key });
    await expectError(res, 429, 'rate_limited');
    // 3/min: the next slot opens when the first request is a minute old.
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(50);
    expect(retryAfter).toBeLessThanOrEqual(61);
  });

  it('concurrent requests never get past the limit, however they interleave', async () => {
    const key = await createKey(newTenant(), { rate_per_minute: 7 });
    const statuses = await Promise.all(Array.from({ length: 25 }, () => call(edgeOnly, { key }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(7);
    expect(statuses.filter((s) => s === 429)).toHaveLength(18);
  });

  it('a key past its daily quota gets 429 with its own code, until midnight UTC', async () => {
    const key = await createKey(newTenant(), { daily_quota: 2 });
    expect((await call(edgeOnly, { key })).status).toBe(200);
    expect((await call(edgeOnly, { key })).status).toBe(200);
    const res = await call(edgeOnly, { key });
    await expectError(res, 429, 'daily_quota_exceeded');
    const now = new Date();
    const toMidnight = (Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000;
    expect(Math.abs(Number(res.headers.get('retry-after')) - toMidnight)).toBeLessThan(5);
  });

  it('limits are per key: another key of the same tenant is not slowed down', async () => {
    const tenant = newTenant();
    const slow = await createKey(tenant, { rate_per_minute: 1 });
    const other = await createKey(tenant, { rate_per_minute: 1 });
    expect((await call(edgeOnly, { key: slow })).status).toBe(200);
    expect((await call(edgeOnly, { key: slow })).status).toBe(429);
    expect((await call(edgeOnly, { key: other })).status).toBe(200);
  });

  it('a tenant cannot read another tenant\'s check: 404, as for a check that does not exist', async () => {
    const owner = await createKey(newTenant('owner'));
    const stranger = await createKey(newTenant('stranger'));
    const res = await postJson('/v1/check', { email: freshAddress('ok-') }, { key: owner });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    expect((await call(`/v1/check/${id}`, { key: owner })).status).toBe(200);
    await expectError(await call(`/v1/check/${id}`, { key: stranger }), 404, 'not_found');
    await expectError(await call('/v1/check/chk_00000000000000000000000000000000', { key: owner }), 404, 'not_found');
  });
});

describe('GET /v1/whoami (machines)', () => {
  it('answers the caller\'s address to a machine with the machine token', async () => {
    const { env } = await import('cloudflare:test');
    const res = await call('/v1/whoami', { headers: { authorization: `Bearer ${env.MACHINE_TOKEN}`, 'cf-connecting-ip': '203.0.113.7' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ip: '203.0.113.7' });
  });

  it('refuses tenant keys and wrong tokens', async () => {
    const key = await createKey(newTenant());
    await expectError(await call('/v1/whoami', { key, headers: { 'cf-connecting-ip': '203.0.113.7' } }), 401, 'invalid_machine_token');
    await expectError(await call('/v1/whoami', { headers: { 'cf-connecting-ip': '203.0.113.7' } }), 401, 'invalid_machine_token');
  });
});
