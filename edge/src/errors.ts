/**
 * @module errors
 * The edge's one error shape, `{ error: { code, message } }`, and the exception routes throw
 * to produce it. `app.onError` turns anything thrown into this shape; nothing answers HTML or 500
 * for bad input.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { ConfigError } from '../../shared/config.ts';

export const ErrorBody = z.object({
  error: z.object({
    code: z.string().describe('What a program switches on, e.g. `invalid_json`, `rate_limited`, `nats_unavailable`.'),
    message: z.string().describe('What a person can act on.'),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const errorBody = (code: string, message: string): ErrorBody => ({ error: { code, message } });

/** Thrown by routes and middleware; `onError` answers it as JSON with its status and headers. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** More fields of `error` a client can act on (e.g. the `job_id` to resume). */
    readonly details: Record<string, string | number> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const apiError = (status: ContentfulStatusCode, code: string, message: string, headers?: Record<string, string>): ApiError =>
  new ApiError(status, code, message, headers);

/** An error response now, for handlers that return rather than throw. */
export function errorResponse(c: Context, status: ContentfulStatusCode, code: string, message: string, headers?: Record<string, string>): Response {
  return c.json(errorBody(code, scrubMessage(message, bindingSecrets(c.env as Parameters<typeof bindingSecrets>[0]))), status, headers);
}

/** Codes for the statuses Hono's own HTTPExceptions carry (body limit, bad JSON from validators, ...). */
const STATUS_CODES: Partial<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'body_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/**
 * What of the infrastructure an error message must not show a client: URLs (they carry user info,
 * host names and ports), `host:port` and IP:port pairs, and the literal values of the secrets
 * given. Replaced by a neutral word, so the message still reads.
 */
export function scrubMessage(message: string, secrets: readonly (string | undefined)[] = []): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 4) out = out.replaceAll(s, '[secret]');
  return out
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s,;'"<>)]*/gi, '[address]')
    .replace(/\[[0-9a-f.%]*:[0-9a-f:.%]*\](?::\d{1,5})?/gi, '[address]')
    .replace(/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b/g, '[address]')
    .replace(/\b(?:localhost|(?=[a-z0-9.-]*[a-z])[a-z0-9-]+(?:\.[a-z0-9-]+)+):\d{1,5}\b/gi, '[address]');
}

/** The secrets among the bindings, whose values no error message may repeat. */
export const bindingSecrets = (env: { NATS_TOKEN?: string; NATS_USER?: string; NATS_PASS?: string; MACHINE_TOKEN?: string } | undefined) =>
  env ? [env.NATS_TOKEN, env.NATS_PASS, env.MACHINE_TOKEN, env.NATS_USER] : [];

/**
 * Any thrown value as the JSON error response; unexpected errors are a 500 `internal` without
 * internals. Every message passes `scrubMessage` here, the one place error bodies are made.
 */
export function toErrorResponse(err: unknown, secrets: readonly (string | undefined)[] = []): Response {
  const json = (status: number, body: ErrorBody, headers: Record<string, string> = {}) =>
    jsonResponse(status, { error: { ...body.error, message: scrubMessage(body.error.message, secrets) } }, headers);
  if (err instanceof ApiError) return json(err.status, { error: { ...err.details, code: err.code, message: err.message } }, err.headers);
  if (err instanceof HTTPException) {
    const code = STATUS_CODES[err.status] ?? (err.status >= 500 ? 'internal' : 'bad_request');
    return json(err.status, errorBody(code, err.message || code.replaceAll('_', ' ')));
  }
  // A malformed var is the operator's to fix: say which one.
  if (err instanceof ConfigError) return json(500, errorBody(err.code, err.message));
  console.error('unhandled error', err);
  return json(500, errorBody('internal', 'the edge could not answer this request'));
}

function jsonResponse(status: number, body: ErrorBody, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=UTF-8', ...headers } });
}
