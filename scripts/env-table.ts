// Prints the README's environment tables from shared/config.ts (the one place they are defined).
import { ENV_TABLES, renderEnvTable } from '../shared/config.ts';

for (const [name, spec] of Object.entries(ENV_TABLES)) {
  process.stdout.write(`<!-- env:${name} -->\n${renderEnvTable(spec)}\n<!-- /env:${name} -->\n\n`);
}
