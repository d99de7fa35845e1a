import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { startNatsServer, type NatsServerHandle } from '../../../test/support/nats-server.ts';
import { CONSUMERS, STREAMS, SUBJECTS } from '../../../shared/subjects.ts';
import { connectNats, parseServers, type NatsHandles } from './connect.ts';
import { ensureTopology } from './topology.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(opts?: { websocket?: boolean }): Promise<NatsServerHandle> {
  const s = await startNatsServer(opts);
  cleanups.push(() => s.stop());
  return s;
}

async function connect(s: NatsServerHandle): Promise<NatsHandles> {
  const h = await connectNats(s.url, 'connect-test', { reconnectTimeWaitMs: 100 });
  cleanups.push(() => h.nc.close());
  return h;
}

/** Resolves on the connection's next "reconnect" status (start listening before the outage). */
function nextReconnect(nc: NatsConnection): Promise<void> {
  return (async () => {
    for await (const s of nc.status()) if (s.type === 'reconnect') return;
  })();
}

describe('connectNats', () => {
  it('reads a comma-separated NATS_URL as several servers', () => {
    expect(parseServers('nats://127.0.0.1:4222, nats://127.0.0.1:4223,')).toEqual(['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223']);
    expect(() => parseServers(' , ')).toThrow(/no server/);
  });

  it('fails at once when nothing listens (unless told to wait)', async () => {
    const s = await server();
    const url = s.url;
    await s.shutdown();
    await expect(connectNats(url, 'nobody-home')).rejects.toThrow();
  });

  it('queued work survives a NATS restart and the same connection carries on', async () => {
    const s = await server();
    const h = await connect(s);
    const { js } = await ensureTopology(h.nc, { maxDeliver: 3, ackWaitMs: 10_000 });
    for (let i = 0; i < 3; i++) await js.publish(SUBJECTS.single, `before-${i}`, { msgID: `r${i}` });

    const reconnected = nextReconnect(h.nc);
    await s.restart();
    await reconnected;

    expect((await h.jsm.streams.info(STREAMS.verify.name)).state.messages).toBe(3);
    // The dedupe window survives too: a retried publish after the restart is still recognised.
    expect((await js.publish(SUBJECTS.single, 'before-0', { msgID: 'r0' })).duplicate).toBe(true);
    const consumer = await js.consumers.get(CONSUMERS.single.stream, CONSUMERS.single.name);
    const got: string[] = [];
    for await (const m of await consumer.fetch({ max_messages: 3, expires: 2000 })) {
      got.push(m.string());
      m.ack();
    }
    expect(got.sort()).toEqual(['before-0', 'before-1', 'before-2']);
  });

  it('while NATS is down a publish fails with an error instead of hanging, and works again once it is back', async () => {
    const s = await server();
    const h = await connect(s);
    const { js } = await ensureTopology(h.nc, { maxDeliver: 3, ackWaitMs: 10_000 });
    const reconnected = nextReconnect(h.nc);
    s.kill();

    const started = Date.now();
    await expect(js.publish(SUBJECTS.single, 'during-outage', { timeout: 500 })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);

    await s.restart();
    await reconnected;
    const ack = await js.publish(SUBJECTS.single, 'after-outage');
    expect(ack.stream).toBe(STREAMS.verify.name);
  });
});

describe('the test NATS server', () => {
  it('accepts the edge\'s WebSocket client (wsconnect) next to TCP clients', async () => {
    const s = await server({ websocket: true });
    expect(s.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const h = await connect(s);
    h.nc.subscribe('edge.ping', {
      callback: (_err, m) => {
        m.respond(`pong:${m.string()}`);
      },
    });
    await h.nc.flush();

    // Node 20 has no global WebSocket (wsconnect needs one); Node 20.10+ provides it behind a flag, so run the client there.
    const flags = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'undefined' ? ['--experimental-websocket'] : [];
    const script = `
      import { wsconnect } from '@nats-io/nats-core';
      const nc = await wsconnect({ servers: ${JSON.stringify(s.wsUrl)}, name: 'edge-test' });
      const reply = await nc.request('edge.ping', 'hello', { timeout: 3000 });
      console.log(reply.string());
      await nc.close();
    `;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [...flags, '--no-warnings', '--input-type=module', '-e', script], { cwd: repoRoot, timeout: 15_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim()),
      ),
    );
    expect(out).toBe('pong:hello');
  });
});

describe('connectNats with credentials', () => {
  it('logs in with a token the server requires, and is refused without it', async () => {
    const s = await startNatsServer({ token: 's3cret-token' });
    cleanups.push(() => s.stop());
    await expect(connectNats(s.url, 'no-token')).rejects.toThrow(/authoriz/i);
    const h = await connectNats(s.url, 'with-token', { token: 's3cret-token' });
    cleanups.push(() => h.nc.close());
    expect((await h.jsm.getAccountInfo()).streams).toBeGreaterThanOrEqual(0);
  });
});
