/**
 * @module work/health-server
 * GET /healthz (200 when NATS and the database answer, else 503) and GET /metrics.
 * Every probe has its own deadline (PROBE_TIMEOUT_MS, run side by side), so a stalled
 * dependency reads as down within it: Fly's health check gives up after 5 s.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** The longest one dependency probe may take before it counts as down. */
export const PROBE_TIMEOUT_MS = 2000;

export type HealthProbes = Record<string, () => Promise<boolean> | boolean>;

/** Each probe's answer, false for one that failed or did not answer within `timeoutMs`. */
export async function runProbes(probes: HealthProbes, timeoutMs = PROBE_TIMEOUT_MS): Promise<Record<string, boolean>> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
      const answer = Promise.resolve()
        .then(probe)
        .then((ok) => ok === true, () => false);
      try {
        return [name, await Promise.race([answer, late])] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}

export async function startHealthServer(port: number, registry: Registry, probes: HealthProbes, opts: { probeTimeoutMs?: number } = {}): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    try {
      if (req.url === '/metrics') {
        res.setHeader('content-type', registry.contentType);
        res.end(await registry.metrics());
      } else if (req.url === '/healthz') {
        const checks = await runProbes(probes, opts.probeTimeoutMs);
        const ok = Object.values(checks).every(Boolean);
        res.statusCode = ok ? 200 : 503;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ok, ...checks }));
      } else {
        res.statusCode = 404;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ error: { code: 'not_found', message: 'try /healthz or /metrics' } }));
      }
    } catch (err) {
      res.statusCode = 500;
      res.end(JSON.stringify({ error: { code: 'internal', message: (err as Error).message } }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
