/**
 * @module nats/service-client
 * Asking the machines' NATS service (job status, result pages, one check by id) and turning
 * its answers into what an HTTP client should see. The one place that parses those replies.
 */
import { ServiceError } from '../../../shared/messages.ts';
import type { Bindings } from '../env.ts';
import { ApiError } from '../errors.ts';
import { hubClient } from './hub-client.ts';

/** How long a request waits for the machines' service (they answer "unavailable" after 3 s). */
export const SERVICE_TIMEOUT_MS = 5000;

/** A machine service error as the HTTP error a client should see. */
export function serviceFailure(code: string, message: string): ApiError {
  switch (code) {
    case 'not_found':
      return new ApiError(404, 'not_found', message);
    case 'bad_request':
      return new ApiError(400, 'invalid_request', message);
    case 'unavailable':
      return new ApiError(503, 'storage_unavailable', message, { 'retry-after': '5' });
    default:
      return new ApiError(502, 'machine_error', message);
  }
}

/**
 * The service's answer parsed by `parse`; null when it says not_found (the caller decides
 * what a missing job or check looks like); a mapped ApiError for any other service error.
 */
export async function askMachines<T>(env: Bindings, subject: string, request: unknown, parse: (v: unknown) => T): Promise<T | null> {
  const reply = await hubClient(env).request(subject, JSON.stringify(request), SERVICE_TIMEOUT_MS);
  let value: unknown;
  try {
    value = JSON.parse(reply);
  } catch {
    throw new ApiError(502, 'bad_machine_reply', 'a machine answered with something that is not JSON');
  }
  const failure = ServiceError.safeParse(value);
  if (failure.success) {
    if (failure.data.error.code === 'not_found') return null;
    throw serviceFailure(failure.data.error.code, failure.data.error.message);
  }
  try {
    return parse(value);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(502, 'bad_machine_reply', `a machine's answer to ${subject} does not match the schema`);
  }
}
