/**
 * @module http/body
 * Reading request bodies within MAX_BODY_BYTES, with the errors a client can act on:
 * 415 for the wrong content type, 413 for too large, 400 for bad JSON or a bad shape, 400
 * `body_incomplete` for an upload that broke off. Each body is read once, as a stream: nothing
 * here clones a request or reads a used body again.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';

/** The media type of the request, lowercase, without parameters ('' when absent). */
export function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

export function requireMediaType(c: Context, accepted: readonly string[]): string {
  const type = mediaType(c);
  if (!accepted.includes(type)) {
    throw new ApiError(415, 'unsupported_media_type', `send the body as ${accepted.join(' or ')}${type ? `, not ${type}` : ' (Content-Type is missing)'}`);
  }
  return type;
}

const tooLarge = (max: number, hint = '') => new ApiError(413, 'body_too_large', `the request body is larger than ${max} bytes${hint}`);

/** The client stopped sending (aborted, or the connection broke) before its body was complete: its doing, not ours. */
export const bodyIncomplete = () => new ApiError(400, 'body_incomplete', 'the request body ended before it was complete (the upload was aborted or the connection broke); send it again');

/** True when the declared Content-Length alone already passes `maxBytes`. */
export function declaredTooLarge(request: Request, maxBytes: number): boolean {
  const declared = request.headers.get('content-length');
  return declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes;
}

/**
 * The whole body, or 413 `body_too_large` as soon as it passes `maxBytes`: Content-Length is
 * checked first (a cheap refusal) and bytes are counted while reading, so a chunked or lying
 * body cannot get past the limit. `hint` ends the 413 message (what the client should do).
 */
export async function readBodyBytes(request: Request, maxBytes: number, hint = ''): Promise<Uint8Array> {
  if (declaredTooLarge(request, maxBytes)) throw tooLarge(maxBytes, hint);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      throw bodyIncomplete();
    }
    const { done, value } = chunk;
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Stop the upload here rather than draining the rest of it.
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes, hint);
    }
    parts.push(value);
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The body as UTF-8 text within `maxBytes`; 400 `invalid_encoding` when it is not UTF-8. */
export async function readBodyText(c: Context<AppEnv>, maxBytes = c.get('config').MAX_BODY_BYTES): Promise<string> {
  const all = await readBodyBytes(c.req.raw, maxBytes);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(all);
  } catch {
    throw new ApiError(400, 'invalid_encoding', 'the request body is not valid UTF-8');
  }
}

/** Describes zod issues in one line: `email: expected string`. */
export function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}

/** A JSON body (Content-Type application/json) validated by `schema`. */
export async function readJson<S extends z.ZodType>(c: Context<AppEnv>, schema: S, maxBytes?: number): Promise<z.infer<S>> {
  requireMediaType(c, ['application/json']);
  const text = await readBodyText(c, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'the request body is not valid JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError(400, 'invalid_request', issuesText(parsed.error));
  return parsed.data;
}
