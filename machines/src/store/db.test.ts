import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/postgres.ts';
import { openDatabase, type Store } from './db.ts';
import { migratePostgres, MIGRATIONS_FOLDER } from './migrate.ts';
import { getJobStatus } from './queries.ts';
import { storeJobChunk } from './jobs.ts';

const chunk = (jobId: string) => ({
  jobId,
  tenantId: 'tenant-a',
  chunkIndex: 0,
  chunkCount: 1,
  offset: 0,
  total: 1,
  emails: ['one@example.test'],
  createdAt: new Date().toISOString(),
});

describe('migrations', () => {
  it('are found next to the package, whatever the working directory', () => {
    expect(existsSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'))).toBe(true);
  });

  describe('on Postgres', () => {
    const dbs: TestDatabase[] = [];
    afterAll(async () => {
      for (const d of dbs) await d.drop();
    });

    it('apply on every start without error, and keep the data', async () => {
      const db = await createTestDatabase();
      dbs.push(db);
      const first = await openDatabase({ databaseUrl: db.url });
      await storeJobChunk(first, chunk('job-kept'));
      await first.close();
      const second = await openDatabase({ databaseUrl: db.url });
      expect(await getJobStatus(second, 'tenant-a', 'job-kept')).toMatchObject({ job_id: 'job-kept', total: 1 });
      await second.close();
    });

    it('machines starting at the same moment do not race each other', async () => {
      const db = await createTestDatabase();
      dbs.push(db);
      await Promise.all(Array.from({ length: 4 }, () => migratePostgres(db.url)));
      const store = await openDatabase({ databaseUrl: db.url, migrate: false });
      expect(await store.ping()).toBe(true);
      await store.close();
    });
  });

  describe('on PGlite', () => {
    let dir: string | undefined;
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('apply on every start without error, and the data folder keeps the data', async () => {
      dir = await mkdtemp(join(tmpdir(), 'emailcheck-pglite-'));
      const pgliteDir = join(dir, 'data');
      const first: Store = await openDatabase({ pgliteDir });
      expect(first.kind).toBe('pglite');
      await storeJobChunk(first, chunk('job-kept'));
      await first.close();
      const second = await openDatabase({ pgliteDir });
      expect(await getJobStatus(second, 'tenant-a', 'job-kept')).toMatchObject({ job_id: 'job-kept', total: 1 });
      await second.close();
    });

    const systemId = async (store: Store): Promise<string> =>
      String(((await store.db.execute(sql`select system_identifier::text as id from pg_control_system()`)) as { rows: { id: string }[] }).rows[0]!.id);
    const appliedMigrations = async (store: Store): Promise<number> =>
      Number(((await store.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)) as { rows: { n: number }[] }).rows[0]!.n);
    const journalEntries = (JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;

    it('makes a new folder and a memory:// database from the same template, migrated', async () => {
      dir ??= await mkdtemp(join(tmpdir(), 'emailcheck-pglite-'));
      const pgliteDir = join(dir, 'templated');
      const onDisk = await openDatabase({ pgliteDir });
      const inMemory = await openDatabase({ pgliteDir: 'memory://' });
      try {
        expect(existsSync(join(pgliteDir, 'PG_VERSION'))).toBe(true);
        // initdb gives every cluster its own identifier; copies of one template share it.
        expect(await systemId(inMemory)).toBe(await systemId(onDisk));
        expect(await appliedMigrations(onDisk)).toBe(journalEntries);
        expect(await appliedMigrations(inMemory)).toBe(journalEntries);
        await storeJobChunk(inMemory, chunk('job-in-memory'));
        expect(await getJobStatus(onDisk, 'tenant-a', 'job-in-memory')).toBeNull();
      } finally {
        await onDisk.close();
        await inMemory.close();
      }
    });

    it('unpacks again a folder that an interrupted start left without PG_VERSION', async () => {
      dir ??= await mkdtemp(join(tmpdir(), 'emailcheck-pglite-'));
      const pgliteDir = join(dir, 'interrupted');
      await mkdir(join(pgliteDir, 'base', '1'), { recursive: true });
      await writeFile(join(pgliteDir, 'base', '1', '1259'), 'half a page');
      const store = await openDatabase({ pgliteDir });
      try {
        await storeJobChunk(store, chunk('job-after-interruption'));
        expect(await getJobStatus(store, 'tenant-a', 'job-after-interruption')).toMatchObject({ total: 1 });
      } finally {
        await store.close();
      }
    });

    it('runs with laptop-sized memory settings, on a new folder and on an existing one', async () => {
      dir ??= await mkdtemp(join(tmpdir(), 'emailcheck-pglite-'));
      const pgliteDir = join(dir, 'sized');
      for (const sharedBuffersMb of [8, 24]) {
        const store = await openDatabase({ pgliteDir, pgliteSharedBuffersMb: sharedBuffersMb });
        const shown = await store.db.execute(sql`select current_setting('shared_buffers') as shared_buffers, current_setting('max_connections') as max_connections`);
        // PGlite answers execute() with { rows }.
        expect((shown as { rows: unknown[] }).rows[0]).toEqual({ shared_buffers: `${sharedBuffersMb}MB`, max_connections: '5' });
        await store.close();
      }
    });
  });
});
