/**
 * npm run bench:single — uncached single checks (`POST /v1/check`, a new address each time) through
 * the whole local stack (`emailcheck dev`: the Worker under wrangler dev, NATS over WebSocket, one
 * machine, PGlite or DATABASE_URL's Postgres), one at a time, against the verifier alone on the same
 * peers in this process, and `GET /v1/ping` of the same Worker, all in the same run.
 * Target: the stack adds <= 15 ms (median) over the verifier's own time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevStack } from '../cli/dev.ts';
import { freePort } from '../cli/dev-nats.ts';
import { verify, verifyOptionsFromEnv } from '../machines/src/verify/index.ts';
import { RCPT_THROTTLES_OFF, THROTTLE_PROVIDER_RATES_OFF } from '../test/support/machine-fixture.ts';
import { fmt } from './measure.ts';
import { startPeers } from './peers.ts';

const N = Number(process.env.BENCH_N ?? 60);
const WARMUP = 10;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const msSince = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e6;

const peers = await startPeers();
const verifierEnv = peers.verifierEnv;
const dataDir = await mkdtemp(join(tmpdir(), 'emailcheck-bench-single-'));
const logs: string[] = [];
let stack: Awaited<ReturnType<typeof startDevStack>> | undefined;
try {
  stack = await startDevStack({
    env: {
      ...process.env,
      ...verifierEnv,
      PORT: String(await freePort()),
      DEV_DATA_DIR: dataDir,
      // Throttles off: this measures the path, not the limiters (60 sessions a minute would pace it).
      THROTTLE_IP_RATE: '0',
      THROTTLE_IP_DAILY: '0',
      THROTTLE_PROVIDER_RATES: THROTTLE_PROVIDER_RATES_OFF,
      ...RCPT_THROTTLES_OFF,
    },
    onLine: (part, line) => void logs.push(`[${part}] ${line}`),
    workerLogLevel: 'warn',
  });
  const headers = { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' };
  let seq = 0;
  const checkOnce = async (): Promise<{ wallMs: number; verifyMs: number }> => {
    const email = `single-${process.pid}-${seq++}@bench.test`;
    const started = process.hrtime.bigint();
    const res = await fetch(`${stack!.url}/v1/check`, { method: 'POST', headers, body: JSON.stringify({ email }) });
    const body = (await res.json()) as { cached?: boolean; debug?: { duration_ms: number }; status?: string };
    const wallMs = msSince(started);
    if (res.status !== 200 || body.cached || !body.debug) throw new Error(`expected a fresh 200 result for ${email}, got ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    return { wallMs, verifyMs: body.debug.duration_ms };
  };
  const pingOnce = async (): Promise<number> => {
    const started = process.hrtime.bigint();
    await (await fetch(`${stack!.url}/v1/ping`)).arrayBuffer();
    return msSince(started);
  };
  const options = verifyOptionsFromEnv(verifierEnv);
  const verifyOnce = async (): Promise<number> => {
    const started = process.hrtime.bigint();
    await verify(`alone-${seq++}@bench.test`, options);
    return msSince(started);
  };

  for (let i = 0; i < WARMUP; i++) {
    await checkOnce();
    await pingOnce();
    await verifyOnce();
  }
  const wall: number[] = [];
  const inMachine: number[] = [];
  const ping: number[] = [];
  const alone: number[] = [];
  // Interleaved one at a time, so drift and other load hit all three alike.
  for (let i = 0; i < N; i++) {
    const c = await checkOnce();
    wall.push(c.wallMs);
    inMachine.push(c.wallMs - c.verifyMs);
    ping.push(await pingOnce());
    alone.push(await verifyOnce());
  }
  const added = median(wall) - median(alone);
  console.log(`bench:single  ${N} uncached POST /v1/check one at a time, local stack (${process.env.DATABASE_URL ? 'Postgres' : 'PGlite'}), median ms`);
  console.log(`GET /v1/ping (HTTP to the Worker):     ${fmt(median(ping), 2)} ms`);
  console.log(`verifier alone (in this process):      ${fmt(median(alone), 2)} ms`);
  console.log(`POST /v1/check through the stack:      ${fmt(median(wall), 2)} ms (${fmt(median(wall) / median(alone), 2)}x the verifier alone)`);
  console.log(`  beyond the machine's own verify time: ${fmt(median(inMachine), 2)} ms per check (wall - debug.duration_ms)`);
  console.log(`added by the stack:                    ${fmt(added, 2)} ms (target <= 15) ${added <= 15 ? 'PASS' : 'FAIL'}`);
  process.exitCode = added <= 15 ? 0 : 1;
} catch (err) {
  console.error(`bench:single failed: ${(err as Error).message}\n${logs.slice(-30).join('\n')}`);
  process.exitCode = 1;
} finally {
  await stack?.stop();
  peers.stop();
  await rm(dataDir, { recursive: true, force: true });
}
