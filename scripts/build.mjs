#!/usr/bin/env node
// Builds the `emailcheck` command (CLI and machine) into dist/ with esbuild: our TypeScript,
// bundled and split at the CLI's lazy `import()`s (so `help` loads none of the verifier), with
// node_modules left as imports. Run by `npm install` (prepare), by the test setup and by the
// npm scripts that start a process, so dist/ always matches the sources; nothing built is committed.
//   node scripts/build.mjs           build when a source is newer than dist/
//   node scripts/build.mjs --force   build anyway
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.built');
const SOURCES = ['cli', 'machines/src', 'shared', 'package.json', 'scripts/build.mjs'];

function newestMtime(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** True when dist/ is missing or older than a source file. */
export function isStale() {
  const built = statSync(STAMP, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return SOURCES.some((s) => newestMtime(join(ROOT, s)) > built);
}

/** Builds dist/ (when stale, or always with `force`); resolves false when esbuild is not installed. */
export async function build({ force = false } = {}) {
  if (!force && !isStale()) return true;
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return false;
  }
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  await esbuild.build({
    absWorkingDir: ROOT,
    // `verifier.js`: the verifier as a library (verify, verifyMany, ...), for benchmarks and embedders: the code production runs.
    entryPoints: { main: 'cli/main.ts', verifier: 'machines/src/verify/index.ts' },
    outdir: DIST,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.10',
    // Dependencies are bundled too (resolving and loading zod's or drizzle's hundred files is most of a
    // start-up), except these: PGlite finds its WASM and pino its workers next to themselves, postgres.js
    // is patched in node_modules by our postinstall, and the domain lists are JSON that Node parses
    // faster than the same data as JavaScript (and shared/misc.ts loads them only when first needed).
    external: ['@electric-sql/pglite', 'pino', 'postgres', 'disposable-email-domains', 'email-providers'],
    // Bundled CommonJS (socks, prom-client, ...) calls require() for Node's built-in modules.
    banner: { js: "import { createRequire as __emailcheckCreateRequire } from 'node:module'; const require = __emailcheckCreateRequire(import.meta.url);" },
    sourcemap: 'linked',
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
  });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // A dependencies-only install (the Dockerfile's deps stage) has no sources to build.
  if (!existsSync(join(ROOT, 'cli', 'main.ts'))) process.exit(0);
  const ok = await build({ force: process.argv.includes('--force') });
  // `npm install --omit=dev` has no esbuild: say so and leave the install working (the Dockerfile builds in its own stage).
  if (!ok) console.warn('emailcheck: esbuild is not installed (a production-only install?), so dist/ was not built; run `npm install` then `npm run build`');
  else if (!existsSync(join(DIST, 'main.js'))) process.exit(1);
}
