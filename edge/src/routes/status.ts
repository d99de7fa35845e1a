/**
 * @module routes/status
 * `GET /v1/status`: live machines, their egress IPs and checks in flight, from the heartbeats.
 * Any tenant key may read it unless STATUS_ACCESS=operator keeps it to operator keys.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import { hubClient } from '../nats/hub-client.ts';
import type { StatusResponse } from '../schemas.ts';
import type { z } from 'zod';

export const statusRoutes = new Hono<AppEnv>().get('/', async (c) => {
  if (c.get('config').STATUS_ACCESS === 'operator' && c.get('caller').key.operator !== true) {
    throw new ApiError(403, 'operator_key_required', 'this deployment shows /v1/status to operator keys only (STATUS_ACCESS=operator)');
  }
  const live = await hubClient(c.env).machines();
  const body: z.infer<typeof StatusResponse> = {
    machines_alive: live.length,
    egress_ips: [...new Set(live.map((m) => m.egressIp).filter((ip): ip is string => ip !== null))].sort(),
    in_flight: live.reduce((n, m) => n + m.inFlight, 0),
    machines: live.map((m) => ({
      id: m.machineId,
      egress_ip: m.egressIp,
      in_flight: m.inFlight,
      version: m.version,
      started_at: m.startedAt,
      last_seen: m.seenAt,
    })),
  };
  return c.json(body);
});
