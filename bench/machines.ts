/**
 * npm run bench:machines — a 10,000-address bulk job through JetStream, one machine
 * process and Postgres, against the verifier alone on the same addresses in the same
 * run. Target: end-to-end >= 0.7 of the verifier-alone rate; machine peak RSS < 200 MB.
 * Both sides run the built code (dist/), and both are warmed first: the verifier with 500
 * checks, the machine with a 5,000-address job (a machine lives for days; its JIT warm-up
 * and first connections are not the steady state this compares).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { startMachineProcess } from '../test/support/machine-process.ts';
import { RCPT_THROTTLES_OFF, THROTTLE_PROVIDER_RATES_OFF } from '../test/support/machine-fixture.ts';
import { startNatsServer } from '../test/support/nats-server.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { runJob } from './job-run.ts';
import { fmt, runAtConcurrency } from './measure.ts';
import { startPeers } from './peers.ts';
import { flyMachineEnv } from '../test/support/toml-table.ts';

// The verifier as production runs it (npm run bench:machines builds it first).
const built = fileURLToPath(new URL('../dist/verifier.js', import.meta.url));
const { verify, verifyOptionsFromEnv } = (await import(built)) as typeof import('../machines/src/verify/index.ts');

const N = Number(process.env.BENCH_N ?? 10_000);
const WARM_JOB = Number(process.env.BENCH_WARM_JOB ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);

const peers = await startPeers();
const nats = await startNatsServer();
const db = await createTestDatabase();
const env = peers.verifierEnv;
const emails = (tag: string) => Array.from({ length: N }, (_, i) => `user-${tag}-${i}@bench.test`);

try {
  // The verifier alone, in this process, same addresses, same concurrency.
  const options = verifyOptionsFromEnv(env);
  const alone = emails('alone');
  await runAtConcurrency(500, CONCURRENCY, (i) => verify(`warm-${i}@bench.test`, options));
  const verifierRun = await runAtConcurrency(N, CONCURRENCY, (i) => verify(alone[i]!, options));

  // The same through the whole machine path.
  // As deployed: fly.toml's NODE_OPTIONS sizes the heap to the VM.
  const machine = await startMachineProcess({
    ...env,
    NODE_OPTIONS: flyMachineEnv().NODE_OPTIONS ?? '',
    NATS_URL: nats.url,
    DATABASE_URL: db.url,
    CONCURRENCY: String(CONCURRENCY),
    MACHINE_ID: 'bench',
    // Throttles off: this measures the machine path, not the limiters (bench:throttle does).
    EGRESS_IP: '127.0.0.1',
    THROTTLE_IP_RATE: '0',
    THROTTLE_IP_DAILY: '0',
    THROTTLE_PROVIDER_RATES: THROTTLE_PROVIDER_RATES_OFF,
    ...RCPT_THROTTLES_OFF,
    BREAKER_COOLDOWN: '0',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  });
  const nc = await connect({ servers: nats.url });
  if (WARM_JOB > 0) await runJob(nc, 'bench-warm-up', Array.from({ length: WARM_JOB }, (_, i) => `warm-${i}@bench.test`));
  const started = process.hrtime.bigint();
  const status = await runJob(nc, 'bench-job', emails('job'));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${machine.child.pid}/status`, 'utf8'));
  const machineRssMb = hwm ? Number(hwm[1]) / 1024 : NaN;
  await nc.close();
  await machine.stop();
  if (process.env.BENCH_LOG_LEVEL) console.log(machine.output().split('\n').filter((l) => l.includes('fanned out') || l.includes('finished')).map((l) => { const j = JSON.parse(l); return `${j.time} ${j.msg} ${j.chunk ?? ''}`; }).join('\n'));

  const endToEnd = N / seconds;
  console.log(`bench:machines  ${N}-address job (after a ${WARM_JOB}-address warm-up job), one machine, CONCURRENCY ${CONCURRENCY}, Postgres, throttles off`);
  console.log(`verifier alone:            ${fmt(verifierRun.perSecond)} checks/s`);
  console.log(`end to end (submit→done):  ${fmt(endToEnd)} checks/s, ${fmt(seconds, 2)} s`);
  console.log(`Postgres result rows:      ${status.done} rows, ${fmt(status.done / seconds)} rows/s`);
  console.log(`ratio end-to-end/verifier: ${fmt(endToEnd / verifierRun.perSecond, 2)} (target >= 0.70)`);
  console.log(`machine peak RSS:          ${fmt(machineRssMb)} MB (target < 200; NODE_OPTIONS from fly.toml: ${flyMachineEnv().NODE_OPTIONS ?? 'none'})`);
} finally {
  peers.stop();
  await nats.stop();
  await db.drop();
}
