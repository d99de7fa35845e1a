#!/usr/bin/env node
// The CLI entry: runs the TypeScript sources through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

// `emailcheck check ... | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv.slice(2));
// Let stdout drain before exiting (large NDJSON/CSV outputs are piped).
process.stdout.write('', () => process.exit(code));
