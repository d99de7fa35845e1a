/**
 * @module routes/whoami
 * `GET /v1/whoami` for machines: the caller's IP as Cloudflare sees it, so a machine learns its
 * egress IP (Fly gives no variable for it). Machine token, not a tenant key.
 */
import { Hono } from 'hono';
import { requireMachineToken } from '../auth/machine-token.ts';
import type { AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';

export const whoamiRoutes = new Hono<AppEnv>().get('/', requireMachineToken, (c) => {
  // CF-Connecting-IP is set by Cloudflare (and by wrangler dev); the others only matter behind a local proxy.
  const ip =
    c.req.header('cf-connecting-ip') ??
    c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ??
    c.req.header('x-real-ip');
  if (!ip) throw new ApiError(503, 'ip_unknown', 'the edge does not know the caller\'s address');
  return c.json({ ip });
});
