import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createTcpRelay, createTestDatabase, type TcpRelay, type TestDatabase } from '../../../test/support/postgres.ts';
import { openDatabase, type Store } from '../store/index.ts';
import { PROBE_TIMEOUT_MS, startHealthServer } from './health-server.ts';

describe('/healthz when the database stalls', () => {
  let db: TestDatabase;
  let relay: TcpRelay;
  let store: Store;
  let health: Awaited<ReturnType<typeof startHealthServer>>;
  beforeAll(async () => {
    db = await createTestDatabase();
    const url = new URL(db.url);
    relay = await createTcpRelay({ host: url.hostname, port: Number(url.port || 5432) });
    url.port = String(relay.port);
    store = await openDatabase({ databaseUrl: url.toString() });
    health = await startHealthServer(0, new Registry(), { nats: () => true, database: () => store.ping() });
  });
  afterAll(async () => {
    await health?.close();
    await relay?.start();
    await store?.close();
    await relay?.close();
    await db?.drop();
  });

  const healthz = async () => {
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${health.port}/healthz`, { signal: AbortSignal.timeout(15_000) });
    return { status: res.status, body: await res.json(), ms: Date.now() - started };
  };

  it('answers 503 naming the database within the probe deadline, well under Fly\'s 5 s, and 200 once it is back', async () => {
    expect(await healthz()).toMatchObject({ status: 200, body: { ok: true, nats: true, database: true } });
    // Black-holed: connections stay open, nothing comes back (no RST).
    relay.freeze();
    const stalled = await healthz();
    expect(stalled).toMatchObject({ status: 503, body: { ok: false, nats: true, database: false } });
    expect(stalled.ms).toBeGreaterThanOrEqual(PROBE_TIMEOUT_MS - 100);
    expect(stalled.ms).toBeLessThan(4500);
    await relay.start();
    await expect.poll(async () => (await healthz()).status, { timeout: 20_000, interval: 250 }).toBe(200);
  });
});
