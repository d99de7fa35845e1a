import { describe, expect, it } from 'vitest';
import { ApiError, toErrorResponse } from '../src/errors.ts';
import { hubFailure } from '../src/nats/hub-client.ts';
import { BASE, call, createKey, fetchApp, newTenant, type ErrorJson } from './helpers.ts';

const fetchWith = (bindings: Record<string, unknown>, path: string) => fetchApp(new Request(`${BASE}${path}`), bindings);

describe('security headers', () => {
  it('every API response, errors included, says nosniff, may not be framed and allows no content', async () => {
    const key = await createKey(newTenant());
    for (const res of [await call('/v1/ping'), await call('/v1/status'), await call('/nope'), await call('/v1/status', { key })]) {
      expect(res.headers.get('x-content-type-options'), res.url).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      await res.arrayBuffer();
    }
  });

  it('/docs runs under a CSP without inline script or style, its script and style come from this origin', async () => {
    const page = await call('/docs');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    // Every script has a src and no body; no <style> element, no inline handlers.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<script[^>]*>[^<]+<\/script>/);
    expect(html).not.toMatch(/<style/);
    expect(html).not.toMatch(/\son[a-z]+=/);
    const js = await call('/docs/docs.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain("fetch('/openapi.json')");
    const css = await call('/docs/docs.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(css.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('error bodies carry no credentials, hosts or ports of the infrastructure', () => {
  it('a malformed NATS_URL with credentials is named, without the URL', async () => {
    const res = await fetchWith({ NATS_URL: 'http://edge:hunter2@nats.internal.example:4222' }, '/v1/ping');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'invalid_config' } });
    expect(text).toContain('NATS_URL');
    for (const leak of ['hunter2', 'edge:', 'nats.internal', '4222']) expect(text).not.toContain(leak);
  });

  it('a hub failure naming a URL with user info, an IP:port or a secret is scrubbed', async () => {
    const hub = hubFailure(new Error('nats_unavailable: NATS at ws://user:pass@127.0.0.1:19198, wss://nats.example.net:443 is not reachable (connect to 10.0.0.5:4223 failed, [fd00::1]:4222)'));
    const text = await toErrorResponse(hub).text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'nats_unavailable' } });
    for (const leak of ['user:pass', '127.0.0.1', '19198', 'nats.example.net', '10.0.0.5', 'fd00::1', '4222']) expect(text).not.toContain(leak);
    const secret = await toErrorResponse(new ApiError(503, 'nats_unavailable', 'authorization violation for token s3cr3t-token-value'), ['s3cr3t-token-value']).text();
    expect(secret).not.toContain('s3cr3t-token-value');
    // What a client sent and needs to see stays.
    const own = await toErrorResponse(new ApiError(400, 'invalid_request', 'emails[3]: expected string; line 12: bad')).json();
    expect((own as ErrorJson).error.message).toBe('emails[3]: expected string; line 12: bad');
  });
});
