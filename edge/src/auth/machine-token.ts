/**
 * @module auth/machine-token
 * Machines (not tenants) authenticate with MACHINE_TOKEN, compared in constant time.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import { bearerToken } from './api-key.ts';
import { constantTimeEqual } from '../../../shared/constant-time.ts';

export const requireMachineToken: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = c.get('config').MACHINE_TOKEN;
  const token = bearerToken(c.req.header('authorization'));
  // No configured token means no machine can authenticate, rather than any can.
  if (!expected || !token || !constantTimeEqual(token, expected)) {
    throw new ApiError(401, 'invalid_machine_token', 'this route needs "Authorization: Bearer <MACHINE_TOKEN>"', { 'www-authenticate': 'Bearer' });
  }
  await next();
};
