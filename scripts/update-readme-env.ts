// Rewrites the env tables between the <!-- env:NAME --> markers of README.md from shared/config.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { ENV_TABLES, renderEnvTable } from '../shared/config.ts';

const path = new URL('../README.md', import.meta.url);
let readme = readFileSync(path, 'utf8');
for (const [name, spec] of Object.entries(ENV_TABLES)) {
  const re = new RegExp(`<!-- env:${name} -->[\\s\\S]*?<!-- /env:${name} -->`);
  if (!re.test(readme)) throw new Error(`README.md has no <!-- env:${name} --> section`);
  readme = readme.replace(re, `<!-- env:${name} -->\n${renderEnvTable(spec)}\n<!-- /env:${name} -->`);
}
writeFileSync(path, readme);
