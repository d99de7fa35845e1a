/**
 * The postgres.js driver under a dropped connection. 3.4.9 crashes the whole process
 * (TypeError from a setImmediate) or hangs queries forever; scripts/patch-postgres.mjs
 * (our postinstall) fixes both. These tests fail if the patch is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { createTcpRelay, type TcpRelay } from '../../../test/support/postgres.ts';

describe('postgres.js when the database connection drops', () => {
  let relay: TcpRelay;
  let sql: postgres.Sql;
  beforeAll(async () => {
    relay = await createTcpRelay({ host: '127.0.0.1', port: 5432 });
    sql = postgres(`postgres://postgres@127.0.0.1:${relay.port}/test`, { max: 2, onnotice: () => {}, connect_timeout: 2 });
  });
  afterAll(async () => {
    await sql?.end({ timeout: 1 });
    await relay?.close();
  });

  it('a query on a reserved connection whose socket is gone fails with an error instead of crashing the process', async () => {
    const crashes: unknown[] = [];
    const onCrash = (err: unknown) => crashes.push(err);
    process.on('uncaughtException', onCrash);
    try {
      const reserved = await sql.reserve();
      expect((await reserved`select 1 as one`)[0]).toEqual({ one: 1 });
      await relay.stop();
      await new Promise((r) => setTimeout(r, 100));
      const outcome = await Promise.race([
        reserved`select 2 as two`.then(() => 'answered', (e: Error & { code?: string }) => e.code ?? e.message),
        new Promise((r) => setTimeout(() => r('hung'), 5000)),
      ]);
      expect(outcome).toBe('CONNECTION_CLOSED');
      reserved.release();
      await new Promise((r) => setTimeout(r, 50));
      expect(crashes).toEqual([]);
    } finally {
      process.off('uncaughtException', onCrash);
      await relay.start();
    }
  });

  it('the pool answers again once the database is back (at most one more closed-connection error first)', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(await sql`select 3 as three`.then((r) => JSON.stringify(r[0]), (e: Error & { code?: string }) => e.code ?? e.message));
    }
    expect(outcomes.slice(1)).toEqual(Array(3).fill('{"three":3}'));
    expect(['{"three":3}', 'CONNECTION_CLOSED']).toContain(outcomes[0]);
  });
});
