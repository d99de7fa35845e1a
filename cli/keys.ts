/**
 * @module cli/keys
 * `emailcheck keys create|disable`: makes an API key and the KV entry the Worker reads it from.
 * The key itself is printed once and never stored: KV holds only its SHA-256 (shared/api-keys.ts).
 */
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ApiKeyRecord, apiKeyKvKey, generateApiKey, hashApiKey } from '../shared/api-keys.ts';
import { ConfigError, devEnv, readEnv } from '../shared/config.ts';
import { UsageError } from './usage.ts';
import { getLocalKv, putLocalKv } from './wrangler.ts';

/** The KV binding of API keys in wrangler.toml. */
export const KEYS_BINDING = 'KEYS';

export interface KeysIo {
  env: Record<string, string | undefined>;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/** Where `wrangler dev` of the dev stack keeps its local KV and Durable Objects. */
export const wranglerPersistDir = (dataDir: string): string => resolve(dataDir, 'wrangler');

export function devDataDir(env: Record<string, string | undefined>): string {
  try {
    return readEnv(devEnv, env).DEV_DATA_DIR;
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

/** POSIX shell single-quoting, so the printed command can be pasted as is. */
const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

export function productionPutCommand(kvKey: string, value: string): string {
  return `npx wrangler kv key put --binding ${KEYS_BINDING} --remote ${shellQuote(kvKey)} ${shellQuote(value)}`;
}

/** Stores `record` for `key` in the local dev KV (the store `emailcheck dev` runs the Worker on). */
export async function storeLocalKey(key: string, record: ApiKeyRecord, dataDir: string): Promise<string> {
  const kvKey = apiKeyKvKey(await hashApiKey(key));
  await putLocalKv(KEYS_BINDING, kvKey, JSON.stringify(record), wranglerPersistDir(dataDir));
  return kvKey;
}

function parse<const O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
}

function positiveInt(flag: string, raw: string | undefined, fallback: number | null): number | null {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) throw new UsageError(`${flag} must be a whole number of at least 1, got "${raw}"`);
  return Number(raw);
}

const FLAG_OF: Record<string, string> = { tenant: '--tenant', name: '--name', rate_per_minute: '--rate-per-minute', daily_quota: '--daily-quota' };

async function create(argv: string[], io: KeysIo): Promise<number> {
  const { values, positionals } = parse(argv, {
    tenant: { type: 'string' },
    name: { type: 'string' },
    'rate-per-minute': { type: 'string' },
    'daily-quota': { type: 'string' },
    operator: { type: 'boolean' },
    local: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`"keys create" takes no arguments, got "${positionals[0]}"`);
  if (values.tenant === undefined) throw new UsageError('keys create needs --tenant TENANT');
  if (values.name === undefined) throw new UsageError('keys create needs --name NAME');
  const parsed = ApiKeyRecord.safeParse({
    tenant: values.tenant,
    name: values.name,
    rate_per_minute: positiveInt('--rate-per-minute', values['rate-per-minute'], 600),
    daily_quota: positiveInt('--daily-quota', values['daily-quota'], null),
    disabled: false,
    ...(values.operator ? { operator: true } : {}),
    created_at: new Date().toISOString(),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${FLAG_OF[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`);
  }
  if (/[\u0000-\u001f\u007f]/.test(parsed.data.name)) throw new UsageError('--name must not contain control characters');
  const record = parsed.data;
  const key = generateApiKey();
  const kvKey = apiKeyKvKey(await hashApiKey(key));
  const value = JSON.stringify(record);
  const dataDir = values.local ? devDataDir(io.env) : null;
  if (dataDir) await storeLocalKey(key, record, dataDir);

  if (values.json) {
    io.stdout(`${JSON.stringify({ key, kv_key: kvKey, kv_value: record, local: dataDir !== null })}\n`);
  } else {
    // stdout is the key alone, so `KEY=$(emailcheck keys create ...)` works; the rest is for the operator.
    io.stdout(`${key}\n`);
    io.stderr(
      [
        `Keep this key now: it is not stored anywhere, only its SHA-256.`,
        `KV entry (binding ${KEYS_BINDING}):`,
        `  key:   ${kvKey}`,
        `  value: ${value}`,
        `Store it in production with:`,
        `  ${productionPutCommand(kvKey, value)}`,
        ...(dataDir ? [`Written to the local dev KV in ${wranglerPersistDir(dataDir)} (what \`npm start\` serves).`] : []),
        '',
      ].join('\n'),
    );
  }
  return 0;
}

async function disable(argv: string[], io: KeysIo): Promise<number> {
  const { values, positionals } = parse(argv, { local: { type: 'boolean' } });
  const [given, extra] = positionals;
  if (!given) throw new UsageError('keys disable needs the key (ek_...) or its SHA-256 hex');
  if (extra !== undefined) throw new UsageError(`keys disable takes one key, got also "${extra}"`);
  const hash = /^[0-9a-f]{64}$/.test(given) ? given : await hashApiKey(given);
  const kvKey = apiKeyKvKey(hash);
  if (!values.local) {
    // Production KV cannot be read from here without credentials: show the two steps instead.
    io.stderr(
      [
        `Read the entry, set "disabled": true, and write it back:`,
        `  npx wrangler kv key get --binding ${KEYS_BINDING} --remote --text ${shellQuote(kvKey)}`,
        `  npx wrangler kv key put --binding ${KEYS_BINDING} --remote ${shellQuote(kvKey)} '<the JSON with "disabled": true>'`,
        `(or use --local for the dev stack's KV)`,
        '',
      ].join('\n'),
    );
    return 0;
  }
  const persistTo = wranglerPersistDir(devDataDir(io.env));
  const raw = await getLocalKv(KEYS_BINDING, kvKey, persistTo);
  if (raw === null) throw new UsageError(`no key ${kvKey} in the local dev KV (${persistTo})`);
  const record = ApiKeyRecord.parse(JSON.parse(raw));
  await putLocalKv(KEYS_BINDING, kvKey, JSON.stringify({ ...record, disabled: true }), persistTo);
  io.stderr(`Disabled ${kvKey} (tenant ${record.tenant}, "${record.name}") in the local dev KV; the Worker may accept it for up to KEY_CACHE_SECONDS more.\n`);
  return 0;
}

export async function runKeys(argv: string[], io: KeysIo): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'create':
      return create(rest, io);
    case 'disable':
      return disable(rest, io);
    case undefined:
      throw new UsageError('keys needs a sub-command: create or disable');
    default:
      throw new UsageError(`unknown keys sub-command "${sub}" (create or disable)`);
  }
}
