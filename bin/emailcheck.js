#!/usr/bin/env node
// The CLI entry: runs the JavaScript that scripts/build.mjs bundled into dist/ (built by `npm install`).

// `emailcheck check ... | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const entry = new URL('../dist/main.js', import.meta.url);
let main;
try {
  ({ main } = await import(entry.href));
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes(entry.pathname)) throw err;
  process.stderr.write('emailcheck: not built (dist/main.js is missing): run `npm install` or `npm run build`\n');
  process.exit(1);
}
const code = await main(process.argv.slice(2));
// Let stdout drain before exiting (large NDJSON/CSV outputs are piped).
process.stdout.write('', () => process.exit(code));
