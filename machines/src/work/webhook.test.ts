import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { deliverWebhook, SIGNATURE_HEADER } from './webhook.ts';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function receiver(statuses: number[]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = statuses[Math.min(received.length - 1, statuses.length - 1)]!;
      res.end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

describe('webhook delivery', () => {
  it('the receiver can check the HMAC-SHA256 signature of the exact body', async () => {
    const { url, received } = await receiver([204]);
    const out = await deliverWebhook({ url, secret: 's3cret' }, { job_id: 'j1', total: 3 }, { maxAttempts: 3, allowPrivate: true });
    expect(out).toMatchObject({ delivered: true, attempts: 1, status: 204 });
    expect(received).toHaveLength(1);
    const expected = `sha256=${createHmac('sha256', 's3cret').update(received[0]!.body).digest('hex')}`;
    expect(received[0]!.headers[SIGNATURE_HEADER]).toBe(expected);
    expect(JSON.parse(received[0]!.body)).toEqual({ job_id: 'j1', total: 3 });
  });

  it('a 503 then a 200 is retried until delivered', async () => {
    const { url, received } = await receiver([503, 503, 200]);
    const out = await deliverWebhook({ url, secret: 'k' }, { a: 1 }, { maxAttempts: 5, baseDelayMs: 10, allowPrivate: true });
    expect(out).toMatchObject({ delivered: true, attempts: 3 });
    expect(received).toHaveLength(3);
  });

  it('a 400 is not retried', async () => {
    const { url, received } = await receiver([400]);
    const out = await deliverWebhook({ url, secret: 'k' }, { a: 1 }, { maxAttempts: 5, baseDelayMs: 10, allowPrivate: true });
    expect(out).toMatchObject({ delivered: false, attempts: 1, status: 400 });
    expect(received).toHaveLength(1);
  });

  it('a webhook pointing at a loopback address is refused unless allowed', async () => {
    const { url, received } = await receiver([200]);
    const out = await deliverWebhook({ url, secret: 'k' }, { a: 1 }, { maxAttempts: 3, baseDelayMs: 10 });
    expect(out.delivered).toBe(false);
    expect(received).toHaveLength(0);
    const byName = await deliverWebhook({ url: url.replace('127.0.0.1', 'localhost'), secret: 'k' }, { a: 1 }, { maxAttempts: 2, baseDelayMs: 10 });
    expect(byName.delivered).toBe(false);
    expect(byName.attempts).toBe(1);
    expect(received).toHaveLength(0);
  });
});
