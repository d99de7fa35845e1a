/**
 * @module test/cli
 * The `emailcheck` command as a user runs it: `node bin/emailcheck.js check ...` in a
 * child process, against the local DNS server and loopback SMTP servers only.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULT_CSV_COLUMNS } from '../shared/csv.ts';
import { COMMAND_USAGE } from '../cli/usage.ts';
import { CheckResultSchema, type CheckResult } from '../shared/result.ts';
import { startDnsServer, type TestDnsServer } from './support/dns-server.ts';
import { startMockMta, type MockMta } from './support/smtp-servers.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'emailcheck.js');
/** Every round trip of the slow MX is delayed this long, so its checks finish after later, faster ones. */
const SLOW_MS = 400;

let dns: TestDnsServer;
let mta: MockMta; // 127.0.0.1: fast, per-mailbox answers
let slow: SmtpSink; // 127.0.0.2: same port, every reply delayed
let dir: string;

beforeAll(async () => {
  dns = await startDnsServer({
    'example.test': { MX: [{ preference: 10, exchange: 'mx.example.test' }] },
    'mx.example.test': { A: ['127.0.0.1'] },
    'slow.test': { MX: [{ preference: 10, exchange: 'mx.slow.test' }] },
    'mx.slow.test': { A: ['127.0.0.2'] },
    // gmial.com is absent on purpose: NXDOMAIN here, never resolved on the internet.
  });
  // The sink only listens on a free port; the mock MTA then takes the same port on another loopback address.
  slow = await startSmtpSink({
    host: '127.0.0.2',
    rcptDelayMs: SLOW_MS,
    rcptReply: (rcpt) => (/^slow\d+@/.test(rcpt) ? '250 2.1.5 Ok\r\n' : `550 5.1.1 <${rcpt}>: Recipient address rejected: User unknown\r\n`),
  });
  mta = await startMockMta({
    host: '127.0.0.1',
    port: slow.port,
    mailboxes: { 'alice@example.test': 'ok', 'bob@example.test': 'ok', 'carol@example.test': 'ok' },
  });
  dir = await mkdtemp(join(tmpdir(), 'emailcheck-cli-'));
});

afterAll(async () => {
  await Promise.all([dns?.close(), mta?.close(), slow?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI with a clean environment (nothing inherited that could point it at real DNS). */
function run(args: string[], opts: { stdin?: string | Buffer; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', MX_CACHE_TTL: '0', ...opts.env }, timeout: opts.timeoutMs ?? 20_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        done({ code, stdout, stderr });
      },
    );
    if (opts.stdin !== undefined) child.stdin!.end(opts.stdin);
    else child.stdin!.end();
  });
}

/** The flags that point a check at the local servers. */
const local = () => ['--dns-server', dns.server, '--smtp-port', String(mta.port), '--allow-private-mx', '--hello-name', 'cli.test'];

const ndjson = (stdout: string): CheckResult[] =>
  stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => CheckResultSchema.parse(JSON.parse(l)));

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe('emailcheck check', () => {
  it('prints one readable summary line per address by default, with a typo suggestion', async () => {
    const r = await run(['check', 'alice@example.test', 'nobody@example.test', 'x@gmial.com', ...local()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^alice@example\.test {2}safe {2}deliverable {2}mx=mx\.example\.test {2}\d+ms$/);
    expect(lines[1]).toMatch(/^nobody@example\.test {2}invalid {2}mailbox_not_found {2}mx=mx\.example\.test {2}\d+ms$/);
    expect(lines[2]).toMatch(/^x@gmial\.com {2}invalid {2}no_such_domain {2}did you mean x@gmail\.com\? {2}\d+ms$/);
    // Our HELO name reached the server, and the typo domain was asked of our DNS server only.
    expect(mta.sessions.some((s) => s.ehlo === 'cli.test')).toBe(true);
    expect(dns.queries.some((q) => q.name === 'gmial.com')).toBe(true);
  });

  it('--json prints one result per line that matches the published schema', async () => {
    const r = await run(['check', '--json', 'alice@example.test', 'nobody@example.test', ...local()]);
    expect(r.code).toBe(0);
    const results = ndjson(r.stdout);
    expect(results.map((x) => [x.input, x.is_reachable, x.reason])).toEqual([
      ['alice@example.test', 'safe', 'deliverable'],
      ['nobody@example.test', 'invalid', 'mailbox_not_found'],
    ]);
  });

  it('--json with --input keeps input order under --concurrency 5 even when earlier addresses answer slower', async () => {
    const inputs = [
      'slow1@slow.test',
      'alice@example.test',
      'slow2@slow.test',
      'nobody@example.test',
      'bob@example.test',
      'not an address',
      'slow3@slow.test',
      'carol@example.test',
      'ghost@slow.test',
      'dave@example.test',
    ];
    const list = await file('order.txt', `${inputs.join('\n')}\n`);
    const r = await run(['check', '--json', '--input', list, '--concurrency', '5', ...local()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const results = ndjson(r.stdout);
    expect(results.map((x) => x.input)).toEqual(inputs);
    // The slow sink accepts slowN@ and rejects everything else, including the random catch-all probe.
    expect(results.map((x) => x.reason)).toEqual([
      'deliverable',
      'deliverable',
      'deliverable',
      'mailbox_not_found',
      'deliverable',
      'invalid_syntax',
      'deliverable',
      'deliverable',
      'mailbox_not_found',
      'mailbox_not_found',
    ]);
    // The slow MX really was slower, so finishing order differed from input order.
    const slowest = Math.min(...results.filter((x) => x.input.startsWith('slow')).map((x) => x.debug.duration_ms));
    const fast = results.filter((x) => x.debug.mx_host === 'mx.example.test').map((x) => x.debug.duration_ms);
    expect(slowest).toBeGreaterThanOrEqual(SLOW_MS);
    expect(Math.max(...fast)).toBeLessThan(slowest);
  });

  it('--format csv prints a header and one row per address', async () => {
    const r = await run(['check', '--format', 'csv', 'alice@example.test', 'nobody@example.test', 'bad', ...local()]);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\r\n').filter((l) => l !== '');
    expect(rows[0]).toBe(RESULT_CSV_COLUMNS.join(','));
    expect(rows).toHaveLength(4);
    expect(rows.slice(1).map((row) => row.split(',').slice(0, 3))).toEqual([
      ['alice@example.test', 'safe', 'deliverable'],
      ['nobody@example.test', 'invalid', 'mailbox_not_found'],
      ['bad', 'invalid', 'invalid_syntax'],
    ]);
  });

  it('--input reads a CSV whose first column is the address, skipping an `email,name` header', async () => {
    const csv = await file('people.csv', 'email,name\r\nalice@example.test,Alice\r\n"nobody@example.test","Nobody, Jr"\r\n');
    const r = await run(['check', '--json', '--input', csv, ...local()]);
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout).map((x) => [x.input, x.reason])).toEqual([
      ['alice@example.test', 'deliverable'],
      ['nobody@example.test', 'mailbox_not_found'],
    ]);
  });

  it('--input - reads addresses from stdin', async () => {
    const r = await run(['check', '--json', '--input', '-', ...local()], { stdin: 'alice@example.test\nnobody@example.test\n' });
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout).map((x) => x.input)).toEqual(['alice@example.test', 'nobody@example.test']);
  });

  it('skips blank lines, and reports a non-UTF-8 line as invalid instead of dropping it', async () => {
    const bytes = Buffer.concat([
      Buffer.from('alice@example.test\n\n'),
      Buffer.from([0x62, 0xff, 0x62]),
      Buffer.from('@example.test\n   \r\nnobody@example.test\n'),
    ]);
    const list = await file('mixed.txt', bytes);
    const connectionsBefore = mta.connections;
    const r = await run(['check', '--json', '--input', list, ...local()]);
    expect(r.code).toBe(0);
    const results = ndjson(r.stdout);
    expect(results.map((x) => [x.input, x.reason])).toEqual([
      ['alice@example.test', 'deliverable'],
      ['b\uFFFDb@example.test', 'invalid_syntax'],
      ['nobody@example.test', 'mailbox_not_found'],
    ]);
    // Only the two valid addresses reached the MX, in one session they shared (plus the catch-all probe).
    expect(mta.connections - connectionsBefore).toBe(1);
    expect(mta.sessions.at(-1)!.rcpts.filter((a) => a === 'alice@example.test' || a === 'nobody@example.test')).toHaveLength(2);
    expect(mta.sessions.at(-1)!.rcpts).toHaveLength(3);
  });

  it('--input checks the addresses of a domain in one shared session, and GROUP_SESSIONS=0 gives each its own, with the same verdicts in input order', async () => {
    const list = await file('grouped.txt', 'alice@example.test\nnobody@example.test\nbob@example.test\n');
    const before = mta.connections;
    const grouped = await run(['check', '--json', '--input', list, ...local()]);
    const groupedSessions = mta.connections - before;
    const alone = await run(['check', '--json', '--input', list, ...local()], { env: { GROUP_SESSIONS: '0' } });
    expect(grouped.code).toBe(0);
    expect(groupedSessions).toBe(1);
    expect(mta.connections - before - groupedSessions).toBe(3);
    const verdicts = (r: Run) => ndjson(r.stdout).map((x) => [x.input, x.reason, x.smtp.is_catch_all]);
    expect(verdicts(grouped)).toEqual(verdicts(alone));
    expect(verdicts(grouped).map((v) => v[0])).toEqual(['alice@example.test', 'nobody@example.test', 'bob@example.test']);
    expect(ndjson(grouped.stdout)[0]!.debug.session).toMatchObject({ shared: true });
  });

  it('exits 0 when every address was checked, even if all are invalid', async () => {
    const r = await run(['check', 'nobody@example.test', 'not-an-address', ...local()]);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n').map((l) => l.split('  ')[1])).toEqual(['invalid', 'invalid']);
  });
});

describe.concurrent('usage errors exit 2 with one line on stderr and no stack trace', () => {
  it.each([
    ['an unknown flag', () => ['check', '--bogus', 'alice@example.test', ...local()]],
    ['--concurrency 0', () => ['check', '--concurrency', '0', 'alice@example.test', ...local()]],
    ['--format xml', () => ['check', '--format', 'xml', 'alice@example.test', ...local()]],
    ['no addresses', () => ['check', ...local()]],
    ['--input of a file that does not exist', () => ['check', '--input', '/nonexistent', ...local()]],
    ['--input of a directory', () => ['check', '--input', dir, ...local()]],
    ['--smtp-port 99999', () => ['check', 'alice@example.test', ...local(), '--smtp-port', '99999']],
    ['--proxy http://x', () => ['check', 'alice@example.test', '--proxy', 'http://x', ...local()]],
    ['no command at all (what bare `npx emailcheck` runs)', () => []],
  ])('%s', async (_what, args) => {
    const connectionsBefore = mta.connections;
    const r = await run(args());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^emailcheck: \S.*\n$/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/^ {4}at /m);
    expect(mta.connections).toBe(connectionsBefore);
  });
});

describe('emailcheck help', () => {
  it('prints the usage and exits 0', async () => {
    const r = await run(['help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('emailcheck check [EMAIL...]');
    expect(r.stderr).toBe('');
  });
});

describe('emailcheck check: hostile and awkward input', () => {
  it('summary lines never print raw control characters from the input', async () => {
    const r = await run(['check', '\u001b[31mred\u001b[0m@example.test', ...local()]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/\u001b/);
    expect(r.stdout).toContain('\\u001b[31mred');
  });

  it('a header row after blank lines is still a header', async () => {
    const list = await file('lead.txt', '\n\nE-mail Address\nalice@example.test\n');
    const r = await run(['check', '--json', '--input', list, ...local()]);
    expect(ndjson(r.stdout).map((x) => x.input)).toEqual(['alice@example.test']);
  });

  it('a bad flag value is reported by the flag, with what is expected', async () => {
    const port = await run(['check', 'a@example.test', '--smtp-port', '99999']);
    expect(port.code).toBe(2);
    expect(port.stderr.trim()).toBe('emailcheck: --smtp-port must be between 1 and 65535, got 99999');
    const proxy = await run(['check', 'a@example.test', '--proxy', 'http://x']);
    expect(proxy.stderr).toMatch(/^emailcheck: --proxy: .*socks5:\/\//);
  });
});

describe('emailcheck COMMAND --help', () => {
  it.each(Object.keys(COMMAND_USAGE))('%s answers --help and -h with its usage on stdout and exit 0, running nothing', async (command) => {
    for (const flag of ['--help', '-h']) {
      // `check` with addresses and `machine` without NATS would fail if they ran: help must come first.
      const r = await run([command, ...(command === 'check' ? ['alice@example.test'] : []), flag]);
      expect(r.code, `${command} ${flag}`).toBe(0);
      expect(r.stdout).toBe(`${COMMAND_USAGE[command as keyof typeof COMMAND_USAGE]}\n`);
      expect(r.stdout).toMatch(new RegExp(`^emailcheck ${command}: .+\\n\\nUsage:\\n  emailcheck ${command}`));
      expect(r.stderr).toBe('');
    }
  });

  it('emailcheck help COMMAND shows that command; an unknown one is a usage error', async () => {
    expect((await run(['help', 'plan'])).stdout).toBe(`${COMMAND_USAGE.plan}\n`);
    const bad = await run(['help', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('emailcheck: unknown command "nope" (try "emailcheck help")\n');
  });

  it('-h after "--" is an operand, not a request for help', async () => {
    const r = await run(['check', '--json', ...local(), '--', '-h']);
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout).map((x) => [x.input, x.reason])).toEqual([['-h', 'invalid_syntax']]);
  });
});
