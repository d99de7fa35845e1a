/**
 * @module store/db
 * Opens the machines' database: Postgres through postgres.js when a URL is given,
 * otherwise an embedded PGlite. Both are one Drizzle `Database` type to the rest of
 * the code, and both are migrated before `openDatabase` resolves.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { PACKAGE_ROOT } from '../package-root.ts';
import { migratePostgres } from './migrate.ts';
import { schema, type Schema } from './schema.ts';

export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export interface Store {
  kind: 'postgres' | 'pglite';
  db: Database;
  /** True when a trivial query answers (health checks). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Postgres URL; unset means embedded PGlite. */
  databaseUrl?: string;
  /** PGlite data folder; `memory://` keeps nothing. Default `.data/pglite` (relative to cwd). */
  pgliteDir?: string;
  /** Apply migrations before resolving (default true). */
  migrate?: boolean;
  /** postgres.js pool size (default 10). */
  maxConnections?: number;
  /** PGlite's shared_buffers in MB (default 16). */
  pgliteSharedBuffersMb?: number;
}

export const DEFAULT_PGLITE_DIR = '.data/pglite';
export const DEFAULT_PGLITE_SHARED_BUFFERS_MB = 16;

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Store> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts) : openPglite(opts.pgliteDir ?? DEFAULT_PGLITE_DIR, opts);
}

async function openPostgres(url: string, opts: OpenDatabaseOptions): Promise<Store> {
  if (opts.migrate !== false) await migratePostgres(url);
  // postgres.js reconnects lazily per query: while the server is away queries reject
  // (ECONNREFUSED, CONNECTION_CLOSED), and the pool works again once it is back.
  const client = postgres(url, {
    max: opts.maxConnections ?? 10,
    onnotice: () => {},
    connect_timeout: 10,
    idle_timeout: 60,
    max_lifetime: 30 * 60,
  });
  const db: Database = drizzlePostgres({ client, schema });
  return {
    kind: 'postgres',
    db,
    ping: () => pingDb(db),
    close: () => client.end({ timeout: 5 }),
  };
}

/**
 * PGlite's own start parameters plus memory settings for one process on a laptop. Its defaults are a
 * server's (shared_buffers 128 MB, shared memory for 100 connections): ~290 MB of RSS idle, where
 * these hold ~170 MB. Single-user mode serves one connection; a few spare keep Postgres's checks happy.
 */
function pgliteStartParams(defaults: readonly string[], sharedBuffersMb: number): string[] {
  return [...defaults, '-c', `shared_buffers=${sharedBuffersMb}MB`, '-c', 'max_connections=5', '-c', 'wal_buffers=1MB'];
}

/**
 * Creates a PGlite data folder in a short-lived child process. initdb runs a second WASM module and a
 * second Postgres instance next to the first, ~700 MB of RSS that the process then keeps: done here,
 * that memory goes away with the child, and the machine only ever opens an existing folder.
 */
async function initPgliteDir(dir: string, startParams: string[]): Promise<void> {
  const pgliteCjs = createRequire(join(PACKAGE_ROOT, 'package.json')).resolve('@electric-sql/pglite');
  const script = `require(${JSON.stringify(pgliteCjs)}).PGlite.create(${JSON.stringify(dir)}, { startParams: ${JSON.stringify(startParams)} }).then((db) => db.close()).catch((err) => { console.error(err && err.message ? err.message : String(err)); process.exit(1); });`;
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { timeout: 120_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`could not create the PGlite database in ${dir}: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}

async function openPglite(dir: string, opts: OpenDatabaseOptions): Promise<Store> {
  const inMemory = dir.startsWith('memory://');
  if (!inMemory) await mkdir(dir, { recursive: true });
  // Loaded only when used: the embedded Postgres costs ~40 MB of RSS just by being imported.
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle: drizzlePglite } = await import('drizzle-orm/pglite');
  const startParams = pgliteStartParams(PGlite.defaultStartParams, opts.pgliteSharedBuffersMb ?? DEFAULT_PGLITE_SHARED_BUFFERS_MB);
  // memory:// has no folder to hand over, so it runs initdb in this process (tests, throw-away runs).
  if (!inMemory && !existsSync(join(dir, 'PG_VERSION'))) await initPgliteDir(dir, startParams);
  const client = await PGlite.create(dir, { startParams });
  try {
    if (opts.migrate !== false) await (await import('./migrate-pglite.ts')).migratePglite(client);
  } catch (err) {
    await client.close();
    throw err;
  }
  const db: Database = drizzlePglite({ client, schema });
  return {
    kind: 'pglite',
    db,
    ping: () => pingDb(db),
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}

async function pingDb(db: Database): Promise<boolean> {
  try {
    await db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}

/** The rows of `db.execute`: postgres.js answers with them, PGlite with `{ rows }`. */
export function rowsOf<T>(res: unknown): T[] {
  return (Array.isArray(res) ? res : (res as { rows: T[] }).rows) as T[];
}
