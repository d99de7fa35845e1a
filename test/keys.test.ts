/**
 * @module test/keys
 * `emailcheck keys create|disable` as an operator runs it, and proof that `--local` writes into
 * the very store the dev stack's Worker (wrangler dev --persist-to) authenticates against.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyRecord } from '../shared/api-keys.ts';
import { freePort } from '../cli/dev-nats.ts';
import { runKeys, wranglerPersistDir } from '../cli/keys.ts';
import { UsageError } from '../cli/usage.ts';
import { startWranglerDev, type WranglerDev } from '../cli/wrangler.ts';

const BIN = join(resolve(import.meta.dirname, '..'), 'bin', 'emailcheck.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function emailcheck(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('emailcheck keys create', () => {
  it('prints a new key alone on stdout and the KV entry holding only its hash', async () => {
    const run = await emailcheck(['keys', 'create', '--tenant', 'acme', '--name', "Bob's CRM", '--rate-per-minute', '120', '--daily-quota', '5000']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const key = lines[0]!;
    expect(key).toMatch(/^ek_[A-Za-z0-9_-]{43}$/);

    const kvKey = `apikey:${sha256(key)}`;
    expect(run.stderr).toContain(`key:   ${kvKey}`);
    expect(run.stderr).not.toContain(key);
    const value = /value: (\{.*\})/.exec(run.stderr)?.[1];
    const record = ApiKeyRecord.parse(JSON.parse(value!));
    expect(record).toMatchObject({ tenant: 'acme', name: "Bob's CRM", rate_per_minute: 120, daily_quota: 5000, disabled: false });
    // The production command must survive the quote in the name when pasted into a shell.
    expect(run.stderr).toContain(`npx wrangler kv key put --binding KEYS --remote '${kvKey}' '${value!.replaceAll("'", `'\\''`)}'`);
  });

  it('two keys for the same tenant and name differ', async () => {
    const [a, b] = await Promise.all([
      emailcheck(['keys', 'create', '--tenant', 'acme', '--name', 'n', '--json']),
      emailcheck(['keys', 'create', '--tenant', 'acme', '--name', 'n', '--json']),
    ]);
    const ka = JSON.parse(a.stdout) as { key: string; kv_key: string; kv_value: ApiKeyRecord };
    const kb = JSON.parse(b.stdout) as { key: string; kv_key: string };
    expect(ka.key).not.toBe(kb.key);
    expect(ka.kv_key).toBe(`apikey:${sha256(ka.key)}`);
    expect(ka.kv_value).toMatchObject({ rate_per_minute: 600, daily_quota: null });
  });

  it('bad usage: one line on stderr, exit 2', async () => {
    const run = await emailcheck(['keys', 'create', '--tenant', 'a b', '--name', 'n']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^emailcheck: --tenant: /)]);
  });

  it.each([
    [['create', '--name', 'n'], /--tenant/],
    [['create', '--tenant', 'acme'], /--name/],
    [['create', '--tenant', 'a b', '--name', 'n'], /--tenant/],
    [['create', '--tenant', 'acme', '--name', 'n', '--rate-per-minute', '0'], /--rate-per-minute/],
    [['create', '--tenant', 'acme', '--name', 'n', '--daily-quota', 'lots'], /--daily-quota/],
    [['create', '--tenant', 'acme', '--name', 'n', '--colour', 'red'], /--colour/],
    [['create', '--tenant', 'acme', '--name', 'a\nb'], /--name/],
    [['create', '--tenant', 'acme', '--name', 'n', 'extra'], /extra/],
    [['disable'], /key/],
    [['rotate'], /rotate/],
    [[], /create/],
  ])('keys %j is a usage error naming what is wrong', async (args, mention) => {
    const out: string[] = [];
    const io = { env: {}, stdout: (s: string) => void out.push(s), stderr: (s: string) => void out.push(s) };
    const err = await runKeys(args, io).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(mention);
    expect((err as Error).message).not.toContain('\n');
    expect(out).toEqual([]);
  });
});

describe('emailcheck keys create --local', () => {
  let dataDir: string;
  let worker: WranglerDev;
  let output = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'emailcheck-keys-'));
  });
  afterAll(async () => {
    await worker?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('the dev Worker accepts a key written with --local, and refuses it once disabled', async () => {
    const env = { DEV_DATA_DIR: dataDir };
    const created = await emailcheck(['keys', 'create', '--tenant', 'local-test', '--name', 'dev', '--local'], env);
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    expect(created.stderr).toContain(wranglerPersistDir(dataDir));

    const port = await freePort();
    // The same store and flags `emailcheck dev` uses; no NATS: an invalid address is answered at the edge.
    worker = startWranglerDev({
      port,
      persistTo: wranglerPersistDir(dataDir),
      vars: { NATS_URL: 'ws://127.0.0.1:9', KEY_CACHE_SECONDS: '0' },
      onLine: (l) => (output += `${l}\n`),
    });
    const check = (bearer: string) =>
      fetch(`${worker.url}/v1/check?email=${encodeURIComponent('not an address')}`, { headers: { authorization: `Bearer ${bearer}` } });
    const deadline = Date.now() + 45_000;
    for (;;) {
      const up = await fetch(`${worker.url}/v1/ping`).then((r) => r.ok, () => false);
      if (up) break;
      if (Date.now() > deadline) throw new Error(`wrangler dev did not answer:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const accepted = await check(key);
    expect(accepted.status, output).toBe(200);
    expect(await accepted.json()).toMatchObject({ is_reachable: 'invalid', reason: 'invalid_syntax' });
    const stranger = await check(`ek_${'x'.repeat(43)}`);
    expect(stranger.status).toBe(401);
    await stranger.arrayBuffer();

    const disabled = await emailcheck(['keys', 'disable', key, '--local'], env);
    expect(disabled.code, disabled.stderr).toBe(0);
    const refused = await check(key);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: expect.any(String) } });
  }, 120_000);
});
