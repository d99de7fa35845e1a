#!/usr/bin/env node
// Builds the `emailcheck` command (CLI and machine) into dist/ with esbuild: our TypeScript,
// bundled and split at the CLI's lazy `import()`s (so `help` loads none of the verifier), with
// node_modules left as imports. Run by `npm install` (prepare), by the test setup and by the
// npm scripts that start a process, so dist/ always matches the sources; nothing built is committed.
// It also makes dist/pglite-template/, the data folder new PGlite databases start from
// (machines/src/store/pglite-folder.ts), once per PGlite version: it is initdb's output, not our code's.
//   node scripts/build.mjs           build when a source is newer than dist/
//   node scripts/build.mjs --force   build anyway, and make the PGlite template again
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.built');
// Kept when dist/ is rebuilt: it depends on the PGlite version only, and takes seconds and ~600 MB to make.
const PGLITE_TEMPLATE = 'pglite-template';
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
  if (force || isStale()) {
    let esbuild;
    try {
      esbuild = await import('esbuild');
    } catch {
      return false;
    }
    mkdirSync(DIST, { recursive: true });
    for (const name of readdirSync(DIST)) if (name !== PGLITE_TEMPLATE) rmSync(join(DIST, name), { recursive: true, force: true });
    await esbuild.build({
      absWorkingDir: ROOT,
      // `verifier.js`: the verifier as a library (verify, verifyMany, ...), for benchmarks and embedders: the code production runs.
      // `pglite-folder.js`: what makes the PGlite template, run below.
      entryPoints: { main: 'cli/main.ts', verifier: 'machines/src/verify/index.ts', 'pglite-folder': 'machines/src/store/pglite-folder.ts' },
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
  }
  await buildPgliteTemplate({ force });
  return true;
}

/** Makes the PGlite template unless it is there; a failure only warns, as a machine can make one when it needs it. */
async function buildPgliteTemplate({ force }) {
  try {
    const { ensurePgliteTemplate } = await import(pathToFileURL(join(DIST, 'pglite-folder.js')).href);
    await ensurePgliteTemplate({ force });
  } catch (err) {
    console.warn(`emailcheck: the PGlite template was not made (${err instanceof Error ? err.message : String(err)}); a new PGlite database will run initdb itself, which takes ~600 MB for a moment`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // A dependencies-only install (the Dockerfile's deps stage) has no sources to build.
  if (!existsSync(join(ROOT, 'cli', 'main.ts'))) process.exit(0);
  const ok = await build({ force: process.argv.includes('--force') });
  // `npm install --omit=dev` has no esbuild: say so and leave the install working (the Dockerfile builds in its own stage).
  if (!ok) console.warn('emailcheck: esbuild is not installed (a production-only install?), so dist/ was not built; run `npm install` then `npm run build`');
  else if (!existsSync(join(DIST, 'main.js'))) process.exit(1);
}
