/**
 * @module http/body
 * Reading request bodies within MAX_BODY_BYTES, with the errors a client can act on:
 * 415 for the wrong content type, 413 for too large, 400 for bad JSON or a bad shape.
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

const tooLarge = (max: number) => new ApiError(413, 'body_too_large', `the request body is larger than ${max} bytes`);

/** The body as text, refusing more than `maxBytes` whether or not Content-Length says so. */
export async function readBodyText(c: Context<AppEnv>, maxBytes = c.get('config').MAX_BODY_BYTES): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const body = c.req.raw.body;
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const ch of chunks) {
    all.set(ch, at);
    at += ch.byteLength;
  }
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
