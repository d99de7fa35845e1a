/**
 * @module test/deploy-files
 * fly.toml and the Dockerfile agree with the code they deploy: the command, the health port,
 * a kill timeout that covers the drain, and image contents that exist. No docker or flyctl
 * here, so this is what can be checked without them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineEnv, readEnv } from '../shared/config.ts';
import { tomlTable } from './support/toml-table.ts';

const ROOT = resolve(import.meta.dirname, '..');
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');
const flyToml = read('fly.toml');
const dockerfile = read('Dockerfile');

describe('fly.toml', () => {
  const top = tomlTable(flyToml, '');
  const env = tomlTable(flyToml, 'env');
  // What a machine started with fly.toml's [env] actually reads.
  const machine = readEnv(machineEnv, env);

  it('runs `emailcheck machine` in the machine process group, as the Dockerfile does', () => {
    expect(tomlTable(flyToml, 'processes').machine).toBe('node bin/emailcheck.js machine');
    expect(dockerfile).toMatch(/^CMD \["node", "bin\/emailcheck\.js", "machine"\]$/m);
    expect(existsSync(join(ROOT, 'bin', 'emailcheck.js'))).toBe(true);
  });

  it('sizes V8\'s heap to the VM, the same in the Dockerfile', () => {
    const oldMb = Number(/--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS ?? '')?.[1]);
    // The young generation is two semi-spaces on top of the old space (V8's default when unset: 16 MB each).
    const semiMb = Number(/--max-semi-space-size=(\d+)/.exec(env.NODE_OPTIONS ?? '')?.[1] ?? 16);
    const vmMb = Number(/^(\d+)mb$/.exec(tomlTable(flyToml, 'vm').memory ?? '')?.[1]);
    expect(oldMb).toBeGreaterThan(0);
    expect(oldMb + 2 * semiMb).toBeLessThanOrEqual(vmMb * 0.75);
    // Quoted in the Dockerfile when it holds several flags.
    const value = env.NODE_OPTIONS ?? '';
    expect(dockerfile).toContain(value.includes(' ') ? `NODE_OPTIONS="${value}"` : `NODE_OPTIONS=${value}`);
  });

  it('stops with SIGTERM and waits longer than the drain', () => {
    expect(top.kill_signal).toBe('SIGTERM');
    const killTimeoutS = Number(top.kill_timeout);
    expect(killTimeoutS).toBeLessThanOrEqual(300); // Fly's maximum
    // The drain gives in-flight checks SHUTDOWN_GRACE_MS, then flushes writes and closes: leave 10 s for that.
    expect(killTimeoutS * 1000).toBeGreaterThanOrEqual(machine.SHUTDOWN_GRACE_MS + 10_000);
  });

  it('health check and metrics read the port the machine serves them on', () => {
    expect(machine.HTTP_PORT).toBeGreaterThan(0);
    expect(tomlTable(flyToml, 'checks.healthz')).toMatchObject({ type: 'http', port: String(machine.HTTP_PORT), path: '/healthz' });
    expect(tomlTable(flyToml, 'metrics')).toMatchObject({ port: String(machine.HTTP_PORT), path: '/metrics' });
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${machine.HTTP_PORT}$`, 'm'));
  });

  it('publishes no service to the internet and keeps secrets out of [env]', () => {
    expect(flyToml).not.toMatch(/^\s*\[http_service\]|^\s*\[\[services\]\]/m);
    for (const secret of ['NATS_URL', 'DATABASE_URL', 'MACHINE_TOKEN', 'EDGE_URL', 'EGRESS_IP', 'PROXY_URL']) expect(env).not.toHaveProperty(secret);
  });
});

describe('Dockerfile', () => {
  const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].map((m) => m[1]!.trim().split(/\s+/).slice(0, -1)).flat();
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('copies only paths that exist and that .dockerignore lets into the build context', () => {
    expect(copies.length).toBeGreaterThan(0);
    for (const path of copies) {
      expect(existsSync(join(ROOT, path)), path).toBe(true);
      expect(ignored, path).not.toContain(path);
    }
  });

  it('copies scripts/ before the production npm ci, so the postinstall patch runs in the shipped node_modules', () => {
    const install = dockerfile.search(/^RUN .*npm (ci|install) --omit=dev/m);
    expect(install).toBeGreaterThan(-1);
    const stage = dockerfile.lastIndexOf('\nFROM ', install);
    const scripts = dockerfile.lastIndexOf('COPY scripts', install);
    expect(scripts).toBeGreaterThan(stage);
    expect(dockerfile).toMatch(/^COPY --from=deps \/app\/node_modules \.\/node_modules$/m);
  });

  it('ships the built bundle and what it reads at run time, and no TypeScript tooling', () => {
    for (const dir of ['bin', 'drizzle', 'package.json']) expect(copies).toContain(dir);
    // dist/ is built inside the image (it is never committed), then copied into the runtime stage.
    expect(dockerfile).toMatch(/^RUN node scripts\/build\.mjs/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(pkg.dependencies).not.toHaveProperty('tsx');
    expect(pkg.devDependencies).toHaveProperty('tsx');
    expect(pkg.devDependencies.esbuild).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('runs as a non-root user and stops with SIGTERM', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^STOPSIGNAL SIGTERM$/m);
  });
});

describe('DEPLOY.md nats-server configs', () => {
  const deploy = read('DEPLOY.md');
  // Every fenced block that is a nats-server config (it has a jetstream block).
  const configs = [...deploy.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === '').map((m) => m[2]!).filter((b) => /^jetstream \{/m.test(b));

  it('has the single-server config and the 3-node cluster config with a WebSocket listener', () => {
    expect(configs.length).toBeGreaterThanOrEqual(2);
    const cluster = configs.find((c) => /\ncluster \{/.test(c));
    expect(cluster).toMatch(/routes: \[(\s+"nats-route:\/\/[a-z]+\.emailcheck-nats\.internal:6222"){3}\s+\]/);
    expect(cluster).toMatch(/\nwebsocket \{/);
  });

  it('each one is valid for the nats-server 2.9 the tests run (nats-server -t)', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'emailcheck-deploy-conf-'));
    try {
      for (const [i, conf] of configs.entries()) {
        const file = join(dir, `nats-${i}.conf`);
        writeFileSync(file, conf);
        const r = spawnSync(process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server', ['-c', file, '-t'], {
          env: { ...process.env, FLY_REGION: 'fra', NATS_WS_TOKEN: 'token-for-the-check' },
          encoding: 'utf8',
        });
        expect(r.status, `${r.stdout}${r.stderr}\n${conf}`).toBe(0);
        expect(`${r.stdout}${r.stderr}`).toMatch(/configuration file .* is valid/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
