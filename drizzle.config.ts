/**
 * @module drizzle.config
 * drizzle-kit settings: `npx drizzle-kit generate` writes SQL migrations to drizzle/
 * from machines/src/store/schema.ts; the machines apply them at start.
 */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './machines/src/store/schema.ts',
  out: './drizzle',
});
