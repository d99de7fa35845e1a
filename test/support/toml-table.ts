/**
 * @module test/support/toml-table
 * The `key = value` lines of one table of a simple TOML file (fly.toml): enough to read what the
 * deploy files set, for the tests that keep them in line with the code and for the benchmarks
 * that run a machine as it is deployed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `[name]` or `[[name]]`, or '' for the top level; comments dropped, quotes removed. */
export function tomlTable(text: string, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(line);
    if (header) {
      current = header[1]!;
      continue;
    }
    const kv = /^([A-Za-z0-9_.-]+)\s*=\s*(.+)$/.exec(line);
    if (kv && current === name) out[kv[1]!] = kv[2]!.replace(/^"(.*)"$/, '$1');
  }
  return out;
}

/** The [env] a machine gets from fly.toml. */
export function flyMachineEnv(): Record<string, string> {
  return tomlTable(readFileSync(fileURLToPath(new URL('../../fly.toml', import.meta.url)), 'utf8'), 'env');
}
