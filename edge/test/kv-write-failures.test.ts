/**
 * A finished check is answered even when Workers KV refuses the write that follows it: KV allows
 * one write per second to a key and answers 429 beyond (miniflare does not enforce it), so the
 * RESULTS binding here is the real local KV with its writes failing the way the production
 * binding fails (`KV PUT failed: 429 Too Many Requests`). The Worker is called with that binding.
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../src/index.ts';
import type { Bindings } from '../src/env.ts';
import { BASE, createKey, freshAddress, newTenant, rcptCount } from './helpers.ts';

/** The real RESULTS namespace: reads work, every write throws as KV does past its per-key write rate. */
function rateLimitedWrites(kv: KVNamespace): { binding: KVNamespace; writes: () => number } {
  let writes = 0;
  const refuse = async () => {
    writes++;
    throw new Error('KV PUT failed: 429 Too Many Requests');
  };
  const binding = new Proxy(kv, {
    get(target, prop) {
      if (prop === 'put' || prop === 'delete') return refuse;
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { binding, writes: () => writes };
}

async function post(bindings: Bindings, key: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const req = new Request(`${BASE}/v1/check`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const res = await worker.fetch(req, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe('KV writes that fail after a check', () => {
  it('a check whose result cannot be cached (429) is still answered 200 with its result', async () => {
    const { binding, writes } = rateLimitedWrites(env.RESULTS);
    const bindings = { ...(env as unknown as Bindings), RESULTS: binding };
    const tenant = newTenant();
    const key = await createKey(tenant);
    const email = freshAddress('ok-');
    const res = await post(bindings, key, { email });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ input: email, is_reachable: 'safe', cached: false });
    expect(writes()).toBe(1);
    expect((await env.RESULTS.list({ prefix: 'result:' })).keys.filter((k) => k.name.endsWith(`:${email}`))).toEqual([]);
    expect(await rcptCount(email)).toBe(1);
  });

  it('a check answered 202 whose pending marker cannot be written is still answered 202 with an id', async () => {
    const { binding, writes } = rateLimitedWrites(env.RESULTS);
    const bindings = { ...(env as unknown as Bindings), RESULTS: binding };
    const key = await createKey(newTenant());
    // Greylisted: the machine's answer takes longer than the zero wait asked for.
    const res = await post(bindings, key, { email: freshAddress('greyalways-') }, { prefer: 'wait=0' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: 'pending', id: expect.stringMatching(/^chk_/) });
    expect(writes()).toBe(1);
  });
});
