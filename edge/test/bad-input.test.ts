import { describe, expect, it } from 'vitest';
import { call, createKey, newTenant, postJson, type ErrorJson } from './helpers.ts';

async function errorOf(res: Response): Promise<{ status: number; code: string }> {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as ErrorJson;
  expect(typeof body.error.message).toBe('string');
  return { status: res.status, code: body.error.code };
}

describe('bad input gets a 4xx JSON error, never a 500', () => {
  it('malformed JSON', async () => {
    const key = await createKey(newTenant());
    const res = await call('/v1/check', { key, method: 'POST', body: '{"email": ', headers: { 'content-type': 'application/json' } });
    expect(await errorOf(res)).toEqual({ status: 400, code: 'invalid_json' });
  });

  it('JSON of the wrong shape', async () => {
    const key = await createKey(newTenant());
    expect(await errorOf(await postJson('/v1/check', { mail: 'a@ok.test' }, { key }))).toEqual({ status: 400, code: 'invalid_request' });
    expect(await errorOf(await postJson('/v1/check', ['a@ok.test'], { key }))).toEqual({ status: 400, code: 'invalid_request' });
    expect(await errorOf(await postJson('/v1/check', { email: 42 }, { key }))).toEqual({ status: 400, code: 'invalid_request' });
  });

  it('a body that is not JSON is 415', async () => {
    const key = await createKey(newTenant());
    const form = await call('/v1/check', { key, method: 'POST', body: 'email=a@ok.test', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(await errorOf(form)).toEqual({ status: 415, code: 'unsupported_media_type' });
    const none = await call('/v1/check', { key, method: 'POST', body: '{"email":"a@ok.test"}' });
    expect((await errorOf(none)).status).toBe(415);
  });

  it('an oversized body is 413', async () => {
    const key = await createKey(newTenant());
    const res = await postJson('/v1/check', { email: 'a@ok.test', padding: 'x'.repeat(100_000) }, { key });
    expect(await errorOf(res)).toEqual({ status: 413, code: 'body_too_large' });
  });

  it('a missing email parameter is 400', async () => {
    const key = await createKey(newTenant());
    expect(await errorOf(await call('/v1/check', { key }))).toEqual({ status: 400, code: 'invalid_request' });
  });

  it('unknown routes are 404 JSON, with or without a key; a known route with the wrong method is 405 with Allow', async () => {
    const key = await createKey(newTenant());
    expect(await errorOf(await call('/v2/check', { key }))).toEqual({ status: 404, code: 'not_found' });
    expect(await errorOf(await call('/'))).toEqual({ status: 404, code: 'not_found' });
    const del = await call('/v1/check', { key, method: 'DELETE' });
    expect(del.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(await errorOf(del)).toEqual({ status: 405, code: 'method_not_allowed' });
    const put = await call('/v1/bulk/job_x/results', { key, method: 'PUT' });
    expect(put.headers.get('allow')).toBe('GET, HEAD');
    expect(await errorOf(put)).toEqual({ status: 405, code: 'method_not_allowed' });
    expect(await errorOf(await call('/v1/ping', { method: 'POST' }))).toEqual({ status: 405, code: 'method_not_allowed' });
  });

  it('a trailing slash on a known route is that route (auth included), never a 405 naming the method it was called with', async () => {
    const key = await createKey(newTenant());
    expect((await call('/v1/status/', { key })).status).toBe(200);
    expect(await errorOf(await call('/v1/status/'))).toEqual({ status: 401, code: 'missing_api_key' });
    expect((await call('/v1/ping/')).status).toBe(200);
    const wrong = await call('/v1/status/', { key, method: 'POST' });
    expect(await errorOf(wrong)).toEqual({ status: 405, code: 'method_not_allowed' });
  });
});
