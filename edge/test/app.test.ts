import { describe, expect, it } from 'vitest';
import { call } from './helpers.ts';

describe('the /app dashboard', () => {
  it('is one page on the API origin whose script and style are its own files, under a CSP with no inline code', async () => {
    const res = await call('/app');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/);
    const html = await res.text();
    expect(html).toContain('<script src="/app/app.js" defer></script>');
    expect(html).toContain('<link rel="stylesheet" href="/app/app.css">');
    // No inline script or style, no third-party origin.
    expect(html).not.toMatch(/<script>(?!<\/script>)|<style|style="|on(click|load|submit)=/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    // This deployment's limits, for the page to check a file before sending it.
    expect(html).toContain('data-max-emails="100000"');
    expect(html).toContain('data-max-bytes="10485760"');

    const js = await call('/app/app.js');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain("sessionStorage.getItem(KEY_STORAGE)");
    const css = await call('/app/app.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect((await call('/docs')).status).toBe(200);
    expect(await (await call('/docs')).text()).toContain('href="/app"');
  });

  it('needs no key to load (it signs in in the browser); the API behind it still does', async () => {
    expect((await call('/app/app.js')).status).toBe(200);
    expect((await call('/v1/bulk')).status).toBe(401);
    expect((await call('/app/nothing.js')).status).toBe(404);
  });
});
