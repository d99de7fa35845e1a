/**
 * npm run bench:edge — cached single checks (`GET /v1/check?email=` with an API key, answered from
 * KV) against the trivial `GET /v1/ping` of the same Worker, both under wrangler dev on loopback
 * with autocannon at the same connections and duration, in the same run. The Worker runs in the
 * `emailcheck dev` stack (nats-server over WebSocket, a machine) so the cached entry is made by a
 * real check through the API, against a local DNS server and SMTP sink.
 * Targets: cached throughput >= 0.7 of ping's; cached p99 <= 1.5 x ping's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startDevStack } from '../cli/dev.ts';
import { freePort } from '../cli/dev-nats.ts';
import { fmt } from './measure.ts';
import { startPeers } from './peers.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const EMAIL = 'cached@bench.test';
/** BENCH_BREAKDOWN=1 also measures auth alone, to show where the cached path's time goes. */
const BREAKDOWN = process.env.BENCH_BREAKDOWN === '1';

interface Run {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  bad: number;
}

async function load(url: string, headers: Record<string, string>, duration: number): Promise<Run> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration, headers });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, bad: r.non2xx + r.errors + r.timeouts };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const combine = (runs: Run[]): Run => ({
  rps: mean(runs.map((r) => r.rps)),
  p50: mean(runs.map((r) => r.p50)),
  p99: mean(runs.map((r) => r.p99)),
  requests: runs.reduce((a, r) => a + r.requests, 0),
  bad: runs.reduce((a, r) => a + r.bad, 0),
});

const peers = await startPeers();
const dataDir = await mkdtemp(join(tmpdir(), 'emailcheck-bench-edge-'));
const logs: string[] = [];
let stack: Awaited<ReturnType<typeof startDevStack>> | undefined;
try {
  stack = await startDevStack({
    env: {
      ...process.env,
      PORT: String(await freePort()),
      DEV_DATA_DIR: dataDir,
      ...peers.verifierEnv,
    },
    onLine: (part, line) => void logs.push(`[${part}] ${line}`),
    workerLogLevel: 'warn',
  });
  const auth = { authorization: `Bearer ${stack.apiKey}` };
  const checkUrl = `${stack.url}/v1/check?email=${encodeURIComponent(EMAIL)}`;
  const pingUrl = `${stack.url}/v1/ping`;

  // One real check through NATS and the machine fills the cache; the next must come from it.
  const first = await fetch(checkUrl, { headers: auth }).then((r) => r.json() as Promise<Record<string, unknown>>);
  // The sink accepts every recipient, so the verdict is risky/catch_all: cached like any definitive one.
  if (first.is_reachable === undefined || first.is_reachable === 'unknown') throw new Error(`the seeding check gave no cacheable verdict: ${JSON.stringify(first)}`);
  const second = await fetch(checkUrl, { headers: auth }).then((r) => r.json() as Promise<Record<string, unknown>>);
  if (second.cached !== true) throw new Error(`the second check was not served from the cache: ${JSON.stringify(second)}`);

  // Where the time goes: the key check alone (an invalid address is answered at the edge, after auth).
  const authOnlyUrl = `${stack.url}/v1/check?email=not-an-address`;
  await load(pingUrl, {}, 3);
  await load(checkUrl, auth, 3);
  const ping: Run[] = [];
  const cached: Run[] = [];
  const authOnly: Run[] = [];
  // Interleaved, so drift (CPU frequency, GC, other load) hits both alike.
  for (let i = 0; i < ROUNDS; i++) {
    ping.push(await load(pingUrl, {}, DURATION));
    cached.push(await load(checkUrl, auth, DURATION));
    if (BREAKDOWN) authOnly.push(await load(authOnlyUrl, auth, DURATION));
  }
  const p = combine(ping);
  const c = combine(cached);
  const throughput = c.rps / p.rps;
  const p99 = c.p99 / p.p99;
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

  console.log(`bench:edge  wrangler dev on 127.0.0.1, autocannon ${CONNECTIONS} connections, ${ROUNDS} x ${DURATION} s per route, interleaved`);
  console.log(`GET /v1/ping (trivial route):      ${fmt(p.rps, 0)} req/s  p50 ${fmt(p.p50)} ms  p99 ${fmt(p.p99)} ms  (${p.requests} requests, ${p.bad} non-2xx/errors)`);
  console.log(`GET /v1/check (cached, API key):   ${fmt(c.rps, 0)} req/s  p50 ${fmt(c.p50)} ms  p99 ${fmt(c.p99)} ms  (${c.requests} requests, ${c.bad} non-2xx/errors)`);
  if (BREAKDOWN) {
    const a = combine(authOnly);
    console.log(`  of which auth alone (bad address): ${fmt(a.rps, 0)} req/s  p50 ${fmt(a.p50)} ms  p99 ${fmt(a.p99)} ms  (API key + limiter, no cache read)`);
  }
  console.log(`throughput ratio cached/ping:      ${fmt(throughput, 2)} (target >= 0.70) ${verdict(throughput >= 0.7)}`);
  console.log(`p99 ratio cached/ping:             ${fmt(p99, 2)} (target <= 1.50) ${verdict(p99 <= 1.5)}`);
  if (p.bad + c.bad > 0) console.log(`FAIL: ${p.bad + c.bad} requests were not 2xx (rate limit hit or errors)`);
  process.exitCode = throughput >= 0.7 && p99 <= 1.5 && p.bad + c.bad === 0 ? 0 : 1;
} catch (err) {
  console.error(`bench:edge failed: ${(err as Error).message}\n${logs.slice(-30).join('\n')}`);
  process.exitCode = 1;
} finally {
  await stack?.stop();
  peers.stop();
  await rm(dataDir, { recursive: true, force: true });
}
