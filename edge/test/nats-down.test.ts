import { afterAll, describe, expect, it } from 'vitest';
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
    expect(((await res.json()) as ErrorJson).error.code).toBe('nats_unavailable');

    const status = await call('/v1/status', { key });
    expect(status.status).toBe(503);

    await control('/nats/restart');
    down = false;
    const back = await postJson('/v1/check', { email: freshAddress('ok-') }, { key });
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({ is_reachable: 'safe', cached: false });
  }, 60_000);
});
