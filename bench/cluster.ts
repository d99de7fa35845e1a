/**
 * npm run bench:cluster — the same bulk job (BENCH_N addresses, default 5,000) through two machine
 * processes and Postgres, once on one nats-server with everything at R1 and once on a 3-node
 * JetStream cluster with everything at R3 (NATS_REPLICAS=3), in the same run, alternating
 * BENCH_ROUNDS times (default 2). Prints each wall time and the ratio R3/R1: what replication
 * costs the job (every publish and ack is a Raft round across three servers).
 */
import { connect } from '@nats-io/transport-node';
import { startMachineProcesses } from '../test/support/machine-process.ts';
import { testMachineEnv } from '../test/support/machine-fixture.ts';
import { startNatsCluster } from '../test/support/nats-cluster.ts';
import { startNatsServer } from '../test/support/nats-server.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { runJob } from './job-run.ts';
import { fmt } from './measure.ts';
import { startPeers } from './peers.ts';

const N = Number(process.env.BENCH_N ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 25);

const peers = await startPeers();

/** Wall time from the first chunk published to the job reported finished. */
async function timeJob(replicas: 1 | 3, round: number): Promise<number> {
  const cluster = replicas === 3 ? await startNatsCluster() : null;
  const single = cluster ? null : await startNatsServer();
  const natsUrl = cluster ? cluster.url : single!.url;
  const db = await createTestDatabase();
  // The tests' machine environment (private MX allowed, throttles off): this measures JetStream, not the limiters.
  const env = testMachineEnv(
    { natsUrl, databaseUrl: db.url, dnsServer: peers.dnsServer, smtpPort: peers.smtpPort },
    { NATS_REPLICAS: String(replicas), CONCURRENCY: String(CONCURRENCY), HELO_NAME: 'bench.emailcheck.test', LOG_LEVEL: 'warn' },
  );
  const machines = await startMachineProcesses(['a', 'b'].map((m) => ({ ...env, MACHINE_ID: `bench-${m}` })), 120_000);
  const nc = await connect({ servers: natsUrl.split(',') });
  try {
    const jobId = `bench-r${replicas}-${round}`;
    const emails = Array.from({ length: N }, (_, i) => `user-${jobId}-${i}@bench.test`);
    const started = process.hrtime.bigint();
    const status = await runJob(nc, jobId, emails);
    if (status.done !== N) throw new Error(`job finished with ${status.done} of ${N} results`);
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    await nc.close();
    await Promise.all(machines.map((m) => m.stop()));
    await (cluster ?? single!).stop();
    await db.drop();
  }
}

try {
  const r1: number[] = [];
  const r3: number[] = [];
  // Alternating, so drift (other load on the machine) hits both alike.
  for (let round = 0; round < ROUNDS; round++) {
    r1.push(await timeJob(1, round));
    r3.push(await timeJob(3, round));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`bench:cluster  ${N}-address job, two machines (CONCURRENCY ${CONCURRENCY} each), Postgres, throttles off, ${ROUNDS} rounds alternating`);
  console.log(`R1, one nats-server:       ${r1.map((s) => fmt(s, 2)).join(' s, ')} s  (mean ${fmt(mean(r1), 2)} s, ${fmt(N / mean(r1))} checks/s)`);
  console.log(`R3, 3-node cluster:        ${r3.map((s) => fmt(s, 2)).join(' s, ')} s  (mean ${fmt(mean(r3), 2)} s, ${fmt(N / mean(r3))} checks/s)`);
  console.log(`ratio wall time R3/R1:     ${fmt(mean(r3) / mean(r1), 2)}`);
} finally {
  peers.stop();
}
