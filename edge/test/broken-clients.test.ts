import { afterEach, describe, expect, it, vi } from 'vitest';
import { BASE, createKey, fetchApp, newTenant, type ErrorJson } from './helpers.ts';

/** A request body that hands out `chunks`, then fails as a client's broken connection does (or ends). */
function body(chunks: string[], end: 'error' | 'close') {
  const state = { pulled: 0, cancelled: false };
  let i = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.pulled++;
        if (i < chunks.length) controller.enqueue(new TextEncoder().encode(chunks[i++]!));
        else if (end === 'error') controller.error(new Error('Network connection lost.'));
        else controller.close();
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

const send = (path: string, init: RequestInit) => fetchApp(new Request(`${BASE}${path}`, { ...init, duplex: 'half' } as RequestInit));

afterEach(() => vi.restoreAllMocks());

describe('clients that break their requests', () => {
  it('a declared Content-Length far over MAX_BODY_BYTES is refused at once, before auth, without reading the body', async () => {
    const { stream, state } = body(['{"emails":['], 'close');
    const res = await send('/v1/bulk', { method: 'POST', body: stream, headers: { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as ErrorJson).error.code).toBe('body_too_large');
    expect(state.pulled).toBe(0);
  });

  it('an upload that breaks off mid-body is a 400 body_incomplete, not a 500, and logs no error', async () => {
    const errors = vi.spyOn(console, 'error');
    const key = await createKey(newTenant());
    for (const [path, type] of [['/v1/bulk', 'application/json'], ['/v1/bulk', 'text/csv'], ['/v1/check', 'application/json']] as const) {
      const { stream } = body(type === 'text/csv' ? ['email\na@ok.test\n'] : ['{"emails":["a@ok.'], 'error');
      const res = await send(path, { method: 'POST', body: stream, headers: { 'content-type': type, authorization: `Bearer ${key}` } });
      expect(res.status, `${path} ${type}`).toBe(400);
      expect(((await res.json()) as ErrorJson).error.code).toBe('body_incomplete');
    }
    expect(errors).not.toHaveBeenCalled();
  });

  it('a body no route reads (unknown path, no API key) is cancelled, so nothing drains a broken upload after the answer', async () => {
    for (const [path, auth] of [['/', ''], ['/v1/bulk', ''], ['/v1/nope', 'Bearer ek_unknown-key-00000000000000000000000000']] as const) {
      const { stream, state } = body(['{"emails":["a@x.test",'], 'error');
      const request = new Request(`${BASE}${path}`, { method: 'POST', body: stream, headers: { 'content-type': 'application/json', 'content-length': '596', ...(auth ? { authorization: auth } : {}) }, duplex: 'half' } as RequestInit);
      const res = await fetchApp(request);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(state.cancelled, path).toBe(true);
      expect(request.bodyUsed, path).toBe(true);
    }
  });

  it('after a broken upload, the next well-formed bulk upload is accepted', async () => {
    const key = await createKey(newTenant());
    const { stream } = body(['{"emails":["a@ok.'], 'error');
    expect((await send('/v1/bulk', { method: 'POST', body: stream, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } })).status).toBe(400);
    const ok = await send('/v1/bulk', { method: 'POST', body: JSON.stringify({ emails: [`ok-after-broken-${Date.now()}@ok.test`] }), headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } });
    expect(ok.status).toBe(202);
  });
});
