/**
 * @module work/health-server
 * GET /healthz (200 when NATS and the database answer, else 503) and GET /metrics.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export async function startHealthServer(port: number, registry: Registry, healthy: () => Promise<Record<string, boolean>>): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    try {
      if (req.url === '/metrics') {
        res.setHeader('content-type', registry.contentType);
        res.end(await registry.metrics());
      } else if (req.url === '/healthz') {
        const checks = await healthy();
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
