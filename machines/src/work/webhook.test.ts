import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhookSignature, WEBHOOK_DELIVERY_HEADER, WEBHOOK_TOLERANCE_SECONDS } from '../../../shared/webhook-signature.ts';
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
  it('the receiver can check the HMAC-SHA256 signature of the timestamp and the exact body', async () => {
    const { url, received } = await receiver([204]);
    const before = Math.floor(Date.now() / 1000);
    const out = await deliverWebhook({ url, secret: 's3cret' }, { job_id: 'j1', total: 3 }, { maxAttempts: 3, allowPrivate: true, deliveryId: 'whd_j1' });
    expect(out).toMatchObject({ delivered: true, attempts: 1, status: 204 });
    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers[SIGNATURE_HEADER]));
    expect(m).not.toBeNull();
    const t = Number(m![1]);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(m![2]).toBe(createHmac('sha256', 's3cret').update(`${t}.${body}`).digest('hex'));
    expect(headers[WEBHOOK_DELIVERY_HEADER]).toBe('whd_j1');
    expect(JSON.parse(body)).toEqual({ job_id: 'j1', total: 3 });
    expect(await verifyWebhookSignature(String(headers[SIGNATURE_HEADER]), body, 's3cret')).toEqual({ ok: true, timestamp: t });
  });

  it('a captured delivery replayed later than the tolerance, or with another body or secret, fails verification', async () => {
    const { url, received } = await receiver([200]);
    await deliverWebhook({ url, secret: 's3cret' }, { job_id: 'j2' }, { maxAttempts: 1, allowPrivate: true });
    const { headers, body } = received[0]!;
    const header = String(headers[SIGNATURE_HEADER]);
    const t = Number(/t=(\d+)/.exec(header)![1]);
    expect((await verifyWebhookSignature(header, body, 's3cret', { nowSeconds: t + WEBHOOK_TOLERANCE_SECONDS + 1 })).ok).toBe(false);
    expect(await verifyWebhookSignature(header, body, 's3cret', { nowSeconds: t + WEBHOOK_TOLERANCE_SECONDS + 1 })).toEqual({ ok: false, reason: 'too_old' });
    expect(await verifyWebhookSignature(header, body.replace('j2', 'j3'), 's3cret')).toEqual({ ok: false, reason: 'mismatch' });
    expect(await verifyWebhookSignature(header, body, 'other')).toEqual({ ok: false, reason: 'mismatch' });
    // Moving the timestamp forward breaks the signature: it covers t.
    expect(await verifyWebhookSignature(header.replace(`t=${t}`, `t=${t + 1000}`), body, 's3cret', { nowSeconds: t + 1000 })).toEqual({ ok: false, reason: 'mismatch' });
    expect(await verifyWebhookSignature(`sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`, body, 's3cret')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('a private literal address is refused at the first attempt, for good; a name that resolves privately only ends the round', async () => {
    const { url, received } = await receiver([200]);
    for (const literal of [url, url.replace('127.0.0.1', '[::1]'), 'http://10.1.2.3:9/hook', 'http://[fe80::1]/hook']) {
      const out = await deliverWebhook({ url: literal, secret: 'k' }, { a: 1 }, { maxAttempts: 8, baseDelayMs: 10 });
      expect(out, literal).toMatchObject({ delivered: false, attempts: 1, permanent: true });
    }
    const byName = await deliverWebhook({ url: url.replace('127.0.0.1', 'localhost'), secret: 'k' }, { a: 1 }, { maxAttempts: 8, baseDelayMs: 10 });
    expect(byName).toMatchObject({ delivered: false, attempts: 1 });
    expect(byName.permanent).toBeFalsy();
    expect(received).toHaveLength(0);
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
