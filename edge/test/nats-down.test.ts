import { env } from 'cloudflare:test';
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
    const refused = (await res.json()) as ErrorJson;
    expect(refused.error.code).toBe('nats_unavailable');
    // Where NATS lives is the operator's business, not the client's.
    expect(refused.error.message).not.toContain(new URL(env.NATS_URL!).host);
    expect(refused.error.message).not.toContain(new URL(env.NATS_URL!).port);

    const status = await call('/v1/status', { key });
    expect(status.status).toBe(503);

    await control('/nats/restart');
    down = false;
    const back = await postJson('/v1/check', { email: freshAddress('ok-') }, { key });
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({ is_reachable: 'safe', cached: false });
  }, 60_000);
});
