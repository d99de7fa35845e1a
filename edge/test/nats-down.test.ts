import { env } from 'cloudflare:test';
import { afterAll, describe, expect, it } from 'vitest';
import { withDurableRetry } from '../src/durable-retry.ts';
import { call, control, createKey, freshAddress, newTenant, postJson, type ErrorJson } from './helpers.ts';

describe('when NATS is unreachable', () => {
  let down = false;
  afterAll(async () => {
    if (down) await control('/nats/restart');
  }, 60_000);

  it('cached and edge-decided checks still answer, others get 503 JSON quickly; it recovers when NATS is back', async () => {
    const key = await createKey(newTenant());
    const cachedEmail = freshAddress('ok-');
    expect((await postJson('/v1/check', { email: cachedEmail }, { key })).status).toBe(200);

    await control('/nats/shutdown');
    down = true;

    const cached = await postJson('/v1/check', { email: cachedEmail }, { key });
    expect(cached.status).toBe(200);
    expect(await cached.json()).toMatchObject({ cached: true, is_reachable: 'safe' });

    const syntaxOnly = await postJson('/v1/check', { email: 'no-at-sign' }, { key });
    expect(syntaxOnly.status).toBe(200);

    const started = Date.now();
    const res = await postJson('/v1/check', { email: freshAddress('ok-') }, { key });
    expect(Date.now() - started).toBeLessThan(6000);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const refused = (await res.json()) as ErrorJson;
    expect(refused.error.code).toBe('nats_unavailable');
    // Where NATS lives is the operator's business, not the client's.
    expect(refused.error.message).not.toContain(new URL(env.NATS_URL!).host);
    expect(refused.error.message).not.toContain(new URL(env.NATS_URL!).port);

    const status = await call('/v1/status', { key });
    expect(status.status).toBe(503);

    // The hub answers an outage as a value, not a rejected RPC call (which workerd logs as an uncaught error with a stack).
    // (A stub of an object created by an earlier test file fails once after the module reload: retried, as the Worker does.)
    const machines = await withDurableRetry(() => env.NATS_HUB.get(env.NATS_HUB.idFromName('hub-0')), async (hub) => await hub.machines());
    expect(machines).toMatchObject({ ok: false, error: expect.stringMatching(/^nats_unavailable: /) });

    await control('/nats/restart');
    down = false;
    const back = await postJson('/v1/check', { email: freshAddress('ok-') }, { key });
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({ is_reachable: 'safe', cached: false });
  }, 60_000);
});

describe('when NATS is frozen (SIGSTOP: connections stay open, nothing answers)', () => {
  let frozen = false;
  afterAll(async () => {
    if (frozen) await control('/nats/thaw');
  }, 60_000);

  it('status and reads answer 503 nats_unavailable within seconds, naming NATS, and recover after it resumes', async () => {
    const key = await createKey(newTenant());
    // Requests go to a random hub shard: open every shard's connection first, so the frozen server
    // is met on live connections (as in production), not only by new connection attempts.
    for (let i = 0; i < 40; i++) expect((await call('/v1/status', { key })).status).toBe(200);
    await control('/nats/freeze');
    frozen = true;

    let started = Date.now();
    const status = await call('/v1/status', { key });
    // The machines listing has its own deadline (5 s), like every other hub call.
    expect(Date.now() - started).toBeLessThan(12_000);
    expect(status.status).toBe(503);
    expect(((await status.json()) as ErrorJson).error.code).toBe('nats_unavailable');

    started = Date.now();
    const read = await call('/v1/check/chk_00000000000000000000000000000000', { key });
    expect(Date.now() - started).toBeLessThan(12_000);
    // It is NATS that does not answer, not the machines: not 504 machines_timeout.
    expect(read.status).toBe(503);
    const body = (await read.json()) as ErrorJson;
    expect(body.error.code).toBe('nats_unavailable');
    expect(body.error.message).toMatch(/NATS/);

    await control('/nats/thaw');
    frozen = false;
    await expect.poll(async () => (await call('/v1/status', { key })).status, { timeout: 30_000, interval: 500 }).toBe(200);
  }, 90_000);
});

describe('a bulk upload cut off by a NATS outage', () => {
  let down = false;
  afterAll(async () => {
    if (down) await control('/nats/restart');
  }, 60_000);

  it('answers 503 intake_incomplete with the job id and a key; the same request with that key completes the same job', async () => {
    const key = await createKey(newTenant('cut'));
    const run = Date.now().toString(36);
    // 16 chunks of 250: NATS dies once a few are in JOBS, while the rest are being published.
    const emails = Array.from({ length: 4000 }, (_, i) => `ok-cut${run}-${i}@ok.test`);
    await control('/nats/kill-after-chunks?n=3');
    down = true;
    const cut = await postJson('/v1/bulk', { emails }, { key });
    expect(cut.status).toBe(503);
    const body = (await cut.json()) as ErrorJson & { error: { job_id: string; idempotency_key: string } };
    expect(body.error.code).toBe('intake_incomplete');
    expect(body.error.job_id).toMatch(/^job_/);
    expect(body.error.message).toContain(body.error.job_id);
    expect(cut.headers.get('idempotency-key')).toBe(body.error.idempotency_key);

    await control('/nats/restart');
    down = false;
    const resumed = await postJson('/v1/bulk', { emails }, { key, headers: { 'idempotency-key': body.error.idempotency_key } });
    expect(resumed.status).toBe(202);
    expect(await resumed.json()).toMatchObject({ job_id: body.error.job_id, total: 4000 });
    // One job, whole: every address once, none from a second job.
    await expect
      .poll(async () => ((await (await call(`/v1/bulk/${body.error.job_id}`, { key })).json()) as { state: string; done: number; total: number }), { timeout: 120_000, interval: 1000 })
      .toMatchObject({ state: 'finished', done: 4000, total: 4000 });
  }, 180_000);
});
