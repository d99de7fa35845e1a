/**
 * @module schemas
 * The request and response bodies of the edge's own routes: the routes validate with these and
 * /openapi.json is generated from them.
 */
import { z } from 'zod';
import { CheckResultSchema } from '../../shared/result.ts';

export const CheckId = z.string().min(1).max(128).regex(/^[A-Za-z0-9_-]+$/);

export const CheckRequest = z.object({
  email: z.string().max(1024).describe('The address to check, as the user typed it.'),
});

export const CheckQuery = z.object({
  email: z.string().max(1024),
  fresh: z.enum(['0', '1', 'true', 'false']).optional().describe('`1`: do not answer from the cache (the new result still refreshes it).'),
});

export const CheckResponse = CheckResultSchema.extend({
  id: z.string().nullable().describe('Check id (null when the edge answered alone or from the cache).'),
  cached: z.boolean().describe('Whether the result came from the cache.'),
  age_seconds: z.number().int().nonnegative().describe('Seconds since the check ran.'),
});
export type CheckResponse = z.infer<typeof CheckResponse>;

export const CheckPending = z.object({
  id: z.string(),
  status: z.literal('pending'),
  location: z.string().describe('Poll this path for the result.'),
});

export const Whoami = z.object({ ip: z.string().describe('The caller\'s IP address as the edge sees it.') });

export const StatusMachine = z.object({
  id: z.string(),
  egress_ip: z.string().nullable(),
  in_flight: z.number().int(),
  version: z.string(),
  started_at: z.string(),
  last_seen: z.string(),
});

export const StatusResponse = z.object({
  machines_alive: z.number().int(),
  egress_ips: z.array(z.string()),
  in_flight: z.number().int(),
  machines: z.array(StatusMachine),
});

export const Ping = z.object({ ok: z.literal(true) });
