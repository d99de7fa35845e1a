/**
 * @module cli/check
 * `emailcheck check`: verify addresses from arguments or a list, print one result
 * per address in input order (summary lines, NDJSON or CSV). Addresses of one domain
 * share an SMTP session (verifyMany), unless GROUP_SESSIONS=0.
 */
import { parseArgs } from 'node:util';
import { ConfigError, readEnv, verifierEnv } from '../shared/config.ts';
import { resultCsvHeader, resultCsvRow } from '../shared/csv.ts';
import type { CheckResult } from '../shared/result.ts';
import { verifyMany, verifyOptionsFrom, type GroupItem } from '../machines/src/verify/index.ts';
import { readAddressInput } from './input.ts';
import { createProgress } from './progress.ts';
import { UsageError } from './usage.ts';

type Format = 'summary' | 'ndjson' | 'csv';

export interface CheckIo {
  env: Record<string, string | undefined>;
  stdout: (s: string) => void;
  stderr: NodeJS.WriteStream;
}

/** An address list can hold escape sequences: never print control characters to a terminal. */
const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function summaryLine(r: CheckResult): string {
  const parts = [printable(r.input), r.is_reachable, r.reason];
  if (r.syntax.suggestion) parts.push(`did you mean ${r.syntax.suggestion}?`);
  if (r.debug.mx_host) parts.push(`mx=${r.debug.mx_host}`);
  parts.push(`${r.debug.duration_ms}ms`);
  return parts.join('  ');
}

function parseCheckArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        input: { type: 'string', short: 'i' },
        json: { type: 'boolean' },
        format: { type: 'string' },
        concurrency: { type: 'string' },
        'dns-server': { type: 'string', multiple: true },
        'smtp-port': { type: 'string' },
        'smtp-timeout': { type: 'string' },
        'from-email': { type: 'string' },
        'hello-name': { type: 'string' },
        proxy: { type: 'string' },
        'allow-private-mx': { type: 'boolean' },
        'allow-mx-range': { type: 'string', multiple: true },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
}

/** A bad flag value is reported by the flag the user typed, not the variable it sets. */
function inFlagTerms(message: string, given: Record<string, string | undefined>): string {
  for (const [name, spec] of Object.entries(verifierEnv)) {
    if (spec.flag && given[name] !== undefined && message.startsWith(name)) {
      const hint = name === 'PROXY_URL' ? ' (expected socks5://[user:pass@]host:port)' : '';
      return `${spec.flag}${message.slice(name.length)}${hint}`;
    }
  }
  return message;
}

export async function runCheck(argv: string[], io: CheckIo): Promise<number> {
  const { values, positionals } = parseCheckArgs(argv);
  let format: Format = values.json ? 'ndjson' : 'summary';
  if (values.format !== undefined) {
    if (values.format !== 'ndjson' && values.format !== 'csv') throw new UsageError(`--format must be ndjson or csv, got "${values.format}"`);
    if (values.json && values.format === 'csv') throw new UsageError('--json and --format csv contradict each other');
    format = values.format;
  }
  let concurrency = 20;
  if (values.concurrency !== undefined) {
    concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) throw new UsageError(`--concurrency must be a whole number from 1 to 1000, got "${values.concurrency}"`);
  }

  // Flags override the environment; both go through the one env table so they are validated alike.
  const source: Record<string, string | undefined> = { ...io.env };
  const flagToEnv: Record<string, string | undefined> = {
    DNS_SERVERS: values['dns-server']?.join(','),
    SMTP_PORT: values['smtp-port'],
    SMTP_TIMEOUT: values['smtp-timeout'],
    FROM_EMAIL: values['from-email'],
    HELO_NAME: values['hello-name'],
    PROXY_URL: values.proxy,
    ALLOW_PRIVATE_MX: values['allow-private-mx'] ? '1' : undefined,
    ALLOW_MX_RANGES: values['allow-mx-range']?.join(','),
  };
  for (const [k, v] of Object.entries(flagToEnv)) if (v !== undefined) source[k] = v;
  let options;
  try {
    options = verifyOptionsFrom(readEnv(verifierEnv, source));
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(inFlagTerms(err.message, flagToEnv));
    throw err;
  }

  const emails = [...positionals];
  if (values.input !== undefined) emails.push(...(await readAddressInput(values.input)));
  if (emails.length === 0) throw new UsageError('no addresses: give EMAIL arguments or --input FILE (- for stdin)');

  const progress = createProgress(emails.length, io.stderr);
  if (format === 'csv') io.stdout(resultCsvHeader());
  let failures = 0;
  // Grouped by domain (one SMTP session for many addresses, GROUP_SESSIONS=0 turns it off); printed in input order.
  const done = new Map<number, GroupItem>();
  let nextToPrint = 0;
  await verifyMany(emails, options, {
    concurrency,
    onItem: (index, item) => {
      progress.tick();
      done.set(index, item);
      for (let next = done.get(nextToPrint); next; next = done.get(nextToPrint)) {
        done.delete(nextToPrint);
        const email = emails[nextToPrint++]!;
        if (!next.ok) {
          failures++;
          io.stderr.write(`emailcheck: checking ${JSON.stringify(email)} failed: ${(next.error as Error).message}\n`);
          continue;
        }
        const result = next.result;
        io.stdout(format === 'ndjson' ? `${JSON.stringify(result)}\n` : format === 'csv' ? resultCsvRow(result) : `${summaryLine(result)}\n`);
      }
    },
  });
  progress.finish();
  return failures > 0 ? 1 : 0;
}
