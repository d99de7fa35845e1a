/**
 * @module edge
 * The Worker: Hono app plus the Durable Object classes wrangler binds (NatsHub, KeyLimiter).
 * Unauthenticated: /v1/ping, /openapi.json, /docs, the /app dashboard (it signs in with an API key in the browser). Machine token: /v1/whoami. Everything else
 * under /v1 needs a tenant API key. Every error is `{ error: { code, message } }`.
 */
import { Hono } from 'hono';
import { requireApiKey } from './auth/api-key.ts';
import { edgeConfig, type AppEnv } from './env.ts';
import { ApiError, bindingSecrets, toErrorResponse } from './errors.ts';
import { declaredTooLarge } from './http/body.ts';
import { allowedMethods } from './http/method-not-allowed.ts';
import { securityHeaders } from './http/secure-headers.ts';
import { appRoutes } from './routes/app.ts';
import bulkRoutes from './routes/bulk.ts';
import { checkRoutes } from './routes/check.ts';
import { openApiRoutes } from './routes/openapi.ts';
import { statusRoutes } from './routes/status.ts';
import { whoamiRoutes } from './routes/whoami.ts';

export { NatsHub } from './nats/hub.ts';
export { KeyLimiter } from './auth/key-limiter.ts';

// `strict: false`: `/v1/status/` is `/v1/status`, not a 405 that lists the method it was called with.
const app = new Hono<AppEnv>({ strict: false });

// A body no route read (a 404, a 401 before the upload) is cancelled, not left for someone to
// drain: under wrangler dev its drain middleware read it after the client had broken off, threw
// "Network connection lost" as an uncaught error, and wrangler dev exited.
app.use('*', async (c, next) => {
  try {
    await next();
  } finally {
    const req = c.req.raw;
    if (req.body && !req.bodyUsed) await req.body.cancel().catch(() => {});
  }
});
app.use('*', securityHeaders);
app.use('*', async (c, next) => {
  const cfg = edgeConfig(c.env);
  c.set('config', cfg);
  // Refused before auth and before a byte of the body is read: a declared size over the limit is
  // enough to know, and waiting for the body would let one client hold the request open.
  if (declaredTooLarge(c.req.raw, cfg.MAX_BODY_BYTES)) {
    throw new ApiError(413, 'body_too_large', `the request body is larger than ${cfg.MAX_BODY_BYTES} bytes`);
  }
  await next();
});

// The benchmark's baseline: same Worker, same middleware stack up to here, no auth, no I/O.
app.get('/v1/ping', (c) => c.json({ ok: true as const }));
app.route('/', openApiRoutes);
app.route('/', appRoutes);
app.route('/v1/whoami', whoamiRoutes);

// `/x/*` also matches `/x` itself: one registration per prefix, or the key is counted twice.
app.use('/v1/check/*', requireApiKey);
app.use('/v1/bulk/*', requireApiKey);
app.use('/v1/status', requireApiKey);

app.route('/v1/check', checkRoutes);
app.route('/v1/bulk', bulkRoutes);
app.route('/v1/status', statusRoutes);

const allowed = allowedMethods(app);
app.notFound((c) => {
  const path = new URL(c.req.url).pathname;
  const methods = allowed(path);
  if (methods.length > 0) {
    return toErrorResponse(new ApiError(405, 'method_not_allowed', `${path} takes ${methods.join(', ')}, not ${c.req.method}`, { allow: methods.join(', ') }));
  }
  return toErrorResponse(new ApiError(404, 'not_found', `no route for ${c.req.method} ${path}`));
});
app.onError((err, c) => toErrorResponse(err, bindingSecrets(c.env)));

export { app };
export default app;
