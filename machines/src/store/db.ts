/**
 * @module store/db
 * Opens the machines' database: Postgres through postgres.js when a URL is given,
 * otherwise an embedded PGlite. Both are one Drizzle `Database` type to the rest of
 * the code, and both are migrated before `openDatabase` resolves.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { migratePostgres } from './migrate.ts';
import { DEFAULT_PGLITE_SHARED_BUFFERS_MB, pgliteStartParams, pgliteTemplateBlob, unpackPgliteTemplate, withPgliteTemplate } from './pglite-folder.ts';
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

async function openPglite(dir: string, opts: OpenDatabaseOptions): Promise<Store> {
  const inMemory = dir.startsWith('memory://');
  // Loaded only when used: the embedded Postgres costs ~40 MB of RSS just by being imported.
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle: drizzlePglite } = await import('drizzle-orm/pglite');
  const startParams = pgliteStartParams(PGlite.defaultStartParams, opts.pgliteSharedBuffersMb ?? DEFAULT_PGLITE_SHARED_BUFFERS_MB);
  // A new database starts from the template (store/pglite-folder.ts), never from PGlite's own initdb.
  let loadDataDir: Blob | undefined;
  if (inMemory) loadDataDir = await withPgliteTemplate(pgliteTemplateBlob);
  else if (!existsSync(join(dir, 'PG_VERSION'))) await withPgliteTemplate((template) => unpackPgliteTemplate(template, dir));
  const client = await PGlite.create(dir, { startParams, ...(loadDataDir ? { loadDataDir } : {}) });
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
