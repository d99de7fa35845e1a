/**
 * @module bulk/body
 * Reads a request body up to a byte limit. Content-Length is checked first (a cheap refusal),
 * and bytes are counted while reading, so a chunked or lying body cannot get past the limit.
 */
import { ApiError } from '../errors.ts';

export function bodyTooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'body_too_large', `the request body is larger than ${maxBytes} bytes; split the list into several jobs`);
}

/** The whole body, or ApiError 413 `body_too_large` as soon as it passes `maxBytes`. */
export async function readBodyWithLimit(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) throw bodyTooLarge(maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Stop the upload here rather than draining the rest of it.
      await reader.cancel().catch(() => {});
      throw bodyTooLarge(maxBytes);
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
