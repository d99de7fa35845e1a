#!/usr/bin/env node
// Patches postgres.js 3.4.9 (run by `npm install` as our postinstall) against two upstream
// bugs that turn a dropped database connection into a crash or a hang:
//  - nextWrite() runs from setImmediate after closed() has set `socket = null` and throws an
//    uncatchable TypeError that kills the process (porsager/postgres#1154, #1208; PR #1209);
//  - terminate()/closed() cancel the pending write without forgetting it, so a reconnected
//    connection never flushes again and its queries hang (LanternOps/breeze#3225).
// Idempotent; fails loudly when a postgres.js upgrade changes the code it expects, so the
// patch is re-checked (or dropped once upstream ships a fix) instead of silently skipped.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MARK = '/* emailcheck: null-socket guard */';
// postgres.js's exports map hides package.json from require.resolve; npm installs it here.
const root = fileURLToPath(new URL('../node_modules/postgres/', import.meta.url));
if (!existsSync(root)) process.exit(0);

const edits = [
  {
    from: '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    to:
      '  function nextWrite(fn) {\n' +
      `    ${MARK}\n` +
      '    if (!socket) {\n' +
      '      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n' +
      '      chunk = nextWriteTimer = null\n' +
      "      error(Errors.connection('CONNECTION_CLOSED', options))\n" +
      '      return false\n' +
      '    }\n' +
      '    const x = socket.write(chunk, fn)',
  },
  {
    // terminate(): forget the cancelled write so the next one is scheduled again
    from: '    clearImmediate(nextWriteTimer)\n    if (socket) {',
    to: '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {',
  },
  {
    // closed(): the buffered bytes belonged to the dead socket
    from: '    clearImmediate(nextWriteTimer)\n    socket.removeListener',
    to: '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    socket.removeListener',
  },
];

let patched = 0;
for (const dir of ['src', 'cjs/src', 'cf/src']) {
  const file = join(root, dir, 'connection.js');
  if (!existsSync(file)) continue;
  let text = readFileSync(file, 'utf8');
  if (text.includes(MARK)) continue;
  for (const { from, to } of edits) {
    if (!text.includes(from)) {
      console.error(`patch-postgres: ${file} does not contain the code this patch expects; check the postgres.js upgrade`);
      process.exit(1);
    }
    text = text.replace(from, to);
  }
  writeFileSync(file, text);
  patched++;
}
if (patched) console.log(`patch-postgres: guarded ${patched} copies of postgres.js connection.js`);
