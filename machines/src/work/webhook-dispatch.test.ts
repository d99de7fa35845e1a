import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkItemMsgId } from '../../../shared/subjects.ts';
import { openTestStore, sampleResult } from '../../../test/support/postgres.ts';
import { createResultWriter, storeJobChunk, type Store } from '../store/index.ts';
import { jobs } from '../store/schema.ts';
import { startWebhookDispatch } from './webhook-dispatch.ts';
import type { WebhookDelivery } from './webhook.ts';

describe('webhook dispatch', () => {
  let store: Store;
  let close: () => Promise<void>;
  let server: Server;
  let hits = 0;
  beforeAll(async () => {
    ({ store, close } = await openTestStore('pglite'));
    server = createServer((_req, res) => {
      hits++;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await close();
  });

  async function finishedJob(jobId: string, url: string): Promise<void> {
    await storeJobChunk(store, { jobId, tenantId: 't', chunkIndex: 0, chunkCount: 1, offset: 0, total: 1, emails: ['a@example.test'], webhook: { url, secret: 'sec' }, createdAt: new Date().toISOString() });
    const writer = createResultWriter(store);
    await writer.write({ id: bulkItemMsgId(jobId, 0), tenantId: 't', jobId, itemIndex: 0, email: 'a@example.test', result: sampleResult('a@example.test', 'safe') });
    await writer.close();
  }

  it('a webhook to a private literal address is tried once and never claimed again', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    await finishedJob('job-private', url);
    const deliveries: WebhookDelivery[] = [];
    const dispatch = startWebhookDispatch({ store, log: pino({ level: 'silent' }), maxAttempts: 8, baseDelayMs: 10, retryIntervalMs: 1000, allowPrivate: false, onDelivery: (d) => deliveries.push(d) });
    try {
      await expect.poll(() => deliveries.length, { timeout: 10_000 }).toBe(1);
      expect(deliveries[0]).toMatchObject({ delivered: false, attempts: 1, permanent: true });
      // Recorded as given up: claimed until long after the 24 h any retry could run.
      await expect
        .poll(async () => {
          const [row] = await store.db.select({ until: jobs.webhookClaimedUntil }).from(jobs).where(eq(jobs.id, 'job-private'));
          return (row?.until?.getTime() ?? 0) - Date.now();
        })
        .toBeGreaterThan(365 * 86_400_000);
      expect(hits).toBe(0);
    } finally {
      dispatch.stop();
    }
  });
});
