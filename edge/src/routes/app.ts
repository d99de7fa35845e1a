/**
 * @module routes/app
 * The dashboard, on the API's own origin: `GET /app` (the page), `/app/app.js`, `/app/app.css`.
 * No authentication here: the page signs in with an API key in the browser and calls the public
 * API with it. Every asset is served by this Worker (no CDN), so the page CSP can be `'self'`.
 */
import { Hono } from 'hono';
import { APP_JS } from '../app/app-script.ts';
import { APP_CSS } from '../app/app-style.ts';
import { appPage } from '../app/page.ts';
import type { AppEnv } from '../env.ts';

// The page changes with the deployment's limits only; assets may be cached briefly, never stale for long.
const ASSET_CACHE = 'public, max-age=300';

export const appRoutes = new Hono<AppEnv>()
  .get('/app', (c) => c.html(appPage(c.get('config')), 200, { 'cache-control': 'no-cache' }))
  .get('/app/app.js', (c) => c.body(APP_JS, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': ASSET_CACHE }))
  .get('/app/app.css', (c) => c.body(APP_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': ASSET_CACHE }));
