/**
 * @module test/machine-startup
 * `emailcheck machine` without the parts it needs: it exits 1 with one line that names the part
 * (NATS, the database) and where it was looked for, with the URL's credentials left out.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../cli/dev-nats.ts';

const BIN = join(resolve(import.meta.dirname, '..'), 'bin', 'emailcheck.js');

function machine(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((res) => {
    const child = execFile(process.execPath, [BIN, 'machine'], { env: { PATH: process.env.PATH ?? '', EGRESS_IP: '127.0.0.1', HTTP_PORT: '0', LOG_LEVEL: 'silent', ...env }, timeout: 60_000 }, (_err, _out, stderr) =>
      res({ code: child.exitCode, stderr: String(stderr) }),
    );
  });
}

describe('a machine started without what it needs', () => {
  it('names NATS and its URL without the password when NATS is not there', async () => {
    const port = await freePort();
    const run = await machine({ NATS_URL: `nats://emailcheck:s3cret-pass@127.0.0.1:${port}`, PGLITE_DIR: 'memory://' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^emailcheck: NATS at nats://127\\.0\\.0\\.1:${port} is not reachable: .+\\n$`));
    expect(run.stderr).not.toContain('s3cret-pass');
    expect(run.stderr).not.toContain('emailcheck:s3cret');
  });

  it('names the database and its URL without the password when Postgres is not there', async () => {
    const port = await freePort();
    const run = await machine({ DATABASE_URL: `postgres://postgres:pw-s3cret@127.0.0.1:${port}/emailcheck`, NATS_URL: `nats://127.0.0.1:${await freePort()}` });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^emailcheck: the database \\(Postgres at postgres://127\\.0\\.0\\.1:${port}/emailcheck\\) could not be opened: .+\\n$`));
    expect(run.stderr).not.toContain('pw-s3cret');
  });
});
