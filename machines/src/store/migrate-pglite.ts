/**
 * @module store/migrate-pglite
 * Migrations for the embedded PGlite database; a module of its own so that machines on
 * Postgres never load PGlite.
 */
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePgliteDb } from 'drizzle-orm/pglite/migrator';
import { MIGRATIONS_FOLDER } from './migrate.ts';

/** PGlite is one process's own database: nothing else can race it. */
export async function migratePglite(client: PGlite, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  await migratePgliteDb(drizzlePglite({ client }), { migrationsFolder });
}
