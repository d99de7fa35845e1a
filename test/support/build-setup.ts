/**
 * @module test/support/build-setup
 * Vitest global setup: tests run `bin/emailcheck.js`, which runs the bundle in dist/, so bring
 * dist/ up to date with the sources first (scripts/build.mjs rebuilds only when a source is newer).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function buildOnce(): void {
  const script = fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url));
  const run = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`scripts/build.mjs failed (${run.status}): ${run.stderr || run.stdout}`);
}
