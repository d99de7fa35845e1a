import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import { readBodyBytes } from './body.ts';

const bytes = (n: number, fill = 97) => new Uint8Array(n).fill(fill);

/** A streamed (chunked) body; `pulled` counts how many chunks the reader asked for. */
function streamedRequest(chunks: Uint8Array[], headers: Record<string, string> = {}) {
  const state = { pulled: 0, cancelled: false };
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled++;
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else controller.close();
    },
    cancel() {
      state.cancelled = true;
    },
  }, { highWaterMark: 0 });
  const request = new Request('http://edge.test/v1/bulk', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
  return { request, state };
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('reading a request body with a byte limit', () => {
  it('returns a body of several chunks whole when it fits', async () => {
    const { request } = streamedRequest([bytes(10, 1), bytes(20, 2), bytes(5, 3)]);
    const body = await readBodyBytes(request, 35);
    expect(body.byteLength).toBe(35);
    expect([body[0], body[10], body[30], body[34]]).toEqual([1, 2, 3, 3]);
  });

  it('returns an empty body as zero bytes', async () => {
    const request = new Request('http://edge.test/v1/bulk', { method: 'POST' });
    expect((await readBodyBytes(request, 10)).byteLength).toBe(0);
  });

  it('refuses a declared Content-Length over the limit before reading anything', async () => {
    const { request, state } = streamedRequest([bytes(10)], { 'content-length': '101' });
    const err = await rejection(readBodyBytes(request, 100));
    expect(err.status).toBe(413);
    expect(err.code).toBe('body_too_large');
    expect(err.message).toContain('100 bytes');
    expect(state.pulled).toBe(0);
  });

  it('stops a chunked body as soon as it passes the limit, and cancels the rest of the upload', async () => {
    const { request, state } = streamedRequest(Array.from({ length: 50 }, () => bytes(10)));
    const err = await rejection(readBodyBytes(request, 25));
    expect(err.status).toBe(413);
    expect(state.pulled).toBeLessThan(10);
    expect(state.cancelled).toBe(true);
  });

  it('counts the bytes it reads even when Content-Length claims less', async () => {
    const { request } = streamedRequest([bytes(40), bytes(40)], { 'content-length': '10' });
    expect((await rejection(readBodyBytes(request, 50))).status).toBe(413);
  });

  it('accepts a body of exactly the limit', async () => {
    const { request } = streamedRequest([bytes(25), bytes(25)]);
    expect((await readBodyBytes(request, 50)).byteLength).toBe(50);
  });
});
