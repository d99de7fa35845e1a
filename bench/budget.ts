/**
 * npm run bench:budget — what a realistic list costs each egress IP. A B2B-like list
 * (BENCH_N addresses, default 2,000, over 160 domains with Zipf-distributed sizes, 15%
 * missing users, every 8th domain catch-all) against a local MTA that enforces stock Postfix's
 * limits and counts sessions and RCPTs, checked one session per address (GROUP_SESSIONS=0,
 * no catch-all memory: Reacher's cost) and grouped, in the same run. Then a smaller list
 * (BENCH_MACHINE_N, default 100) through a machine process with the default throttles,
 * GROUP_SESSIONS=0 vs grouped, wall time each.
 * Targets: <= 0.15 sessions and <= 1.10 RCPT per address, every verdict identical.
 */
import { connect } from '@nats-io/transport-node';
import type { CheckResult } from '../shared/result.ts';
import { createMemoryCatchAllStore, verifyMany, verifyOptionsFromEnv, type GroupItem } from '../machines/src/verify/index.ts';
import { startDnsServer, type DnsZone } from '../test/support/dns-server.ts';
import { startMachineProcess } from '../test/support/machine-process.ts';
import { startNatsServer } from '../test/support/nats-server.ts';
import { startPostfixLike, type Mailbox } from '../test/support/postfix-like.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { runJob } from './job-run.ts';
import { fmt } from './measure.ts';

const N = Number(process.env.BENCH_N ?? 2000);
const DOMAINS = Number(process.env.BENCH_DOMAINS ?? 160);
const MACHINE_N = Number(process.env.BENCH_MACHINE_N ?? 100);
const MISSING = 0.15;

/** Deterministic pseudo-random numbers, so every run checks the same list. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const domainName = (rank: number) => `d${rank}.budget.test`;
const isCatchAll = (rank: number) => rank % 8 === 5;

/** `n` addresses whose domains follow Zipf (s = 1) over `domains` ranks; MISSING of them no longer exist. */
function realisticList(n: number, domains: number, seed: number): string[] {
  const rnd = prng(seed);
  const weights = Array.from({ length: domains }, (_, r) => 1 / (r + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of weights) cumulative.push((acc += w / total));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = rnd();
    const rank = cumulative.findIndex((c) => x <= c);
    const local = rnd() < MISSING ? `gone.${seed}.${i}` : `user.${seed}.${i}`;
    out.push(`${local}@${domainName(rank < 0 ? domains - 1 : rank)}`);
  }
  return out;
}

/** Existing users are `user.*`; catch-all domains take anything; everything else (the probe too) is unknown. */
function mailbox(rcpt: string): Mailbox {
  const [local = '', domain = ''] = rcpt.split('@');
  const rank = Number(/^d(\d+)\./.exec(domain)?.[1] ?? -1);
  if (isCatchAll(rank)) return 'ok';
  return local.startsWith('user.') ? 'ok' : 'unknown';
}

const zone: DnsZone = {};
for (let r = 0; r < DOMAINS; r++) {
  zone[domainName(r)] = { MX: [{ preference: 10, exchange: `mx.${domainName(r)}` }], ttl: 300 };
  zone[`mx.${domainName(r)}`] = { A: ['127.0.0.1'], ttl: 300 };
}
const dns = await startDnsServer(zone);
const mta = await startPostfixLike({ mailbox, name: 'mx.budget.test' });
const env = {
  DNS_SERVERS: dns.server,
  SMTP_PORT: String(mta.port),
  ALLOW_PRIVATE_MX: '1',
  HELO_NAME: 'bench.emailcheck.test',
  FROM_EMAIL: 'verify@bench.emailcheck.test',
};

const verdict = (r: CheckResult) => JSON.stringify([r.is_reachable, r.reason, r.smtp]);
const results = (items: GroupItem[]) =>
  items.map((i) => {
    if (!i.ok) throw i.error;
    return i.result;
  });

async function measure<T>(run: () => Promise<T>) {
  const s0 = mta.sessions.length;
  const r0 = mta.rcpts;
  const started = process.hrtime.bigint();
  const value = await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sessions = mta.sessions.slice(s0);
  return { value, seconds, sessions: sessions.length, rcpts: mta.rcpts - r0, sleeps: sessions.reduce((n, s) => n + s.sleeps, 0), dropped: sessions.filter((s) => s.tooManyErrors).length };
}

try {
  const list = realisticList(N, DOMAINS, 1);
  const domainsUsed = new Set(list.map((a) => a.split('@')[1])).size;
  const missing = list.filter((a) => a.startsWith('gone.')).length;
  const catchAll = list.filter((a) => isCatchAll(Number(/@d(\d+)\./.exec(a)![1]))).length;

  const ungrouped = await measure(async () => results(await verifyMany(list, verifyOptionsFromEnv({ ...env, GROUP_SESSIONS: '0', CATCH_ALL_TTL: '0' }), { concurrency: 20 })));
  const options = { ...verifyOptionsFromEnv(env), catchAll: createMemoryCatchAllStore({ ttlMs: 6 * 3_600_000 }) };
  const grouped = await measure(async () => results(await verifyMany(list, options, { concurrency: 20 })));
  const identical = grouped.value.filter((r, i) => verdict(r) === verdict(ungrouped.value[i]!)).length;

  console.log(`bench:budget  ${N} addresses over ${domainsUsed} domains (Zipf), ${fmt((missing / N) * 100)}% missing users, ${fmt((catchAll / N) * 100)}% at catch-all domains`);
  console.log(`stock-Postfix MTA (soft error limit 10 with 1 s sleeps, 421 at 20 errors, 452 4.5.3 past 1000 recipients)`);
  const row = (name: string, m: typeof grouped) =>
    console.log(`${name.padEnd(28)} sessions/address ${fmt(m.sessions / N, 3)}  RCPT/address ${fmt(m.rcpts / N, 3)}  (${m.sessions} sessions, ${m.rcpts} RCPTs, ${m.sleeps} error sleeps, ${m.dropped} dropped for errors, ${fmt(m.seconds, 2)} s)`);
  row('one session per address:', ungrouped);
  row('grouped:', grouped);
  console.log(`verdicts identical to the ungrouped run: ${identical} of ${N}`);
  console.log(`targets: sessions/address <= 0.15 (${grouped.sessions / N <= 0.15 ? 'met' : 'MISSED'}), RCPT/address <= 1.10 (${grouped.rcpts / N <= 1.1 ? 'met' : 'MISSED'}), verdicts identical (${identical === N ? 'met' : 'MISSED'})`);

  // Through a machine with the default throttles (60 sessions/min, 120 RCPT/min per IP), same run.
  if (MACHINE_N <= 0) process.exit(0);
  const nats = await startNatsServer();
  const db = await createTestDatabase();
  const nc = await connect({ servers: nats.url });
  try {
    const machineList = realisticList(MACHINE_N, 20, 2);
    const throughMachine = async (jobId: string, extra: Record<string, string>) => {
      const machine = await startMachineProcess({
        ...env,
        NATS_URL: nats.url,
        DATABASE_URL: db.url,
        MACHINE_ID: jobId,
        HTTP_PORT: '0',
        LOG_LEVEL: 'error',
        ...extra,
      });
      try {
        return await measure(() => runJob(nc, jobId, machineList, { pollMs: 200 }));
      } finally {
        await machine.stop();
      }
    };
    // Each run has its own egress IP, so its throttle budget starts fresh; the ungrouped one keeps no catch-all answers.
    const off = await throughMachine('budget-off', { EGRESS_IP: '192.0.2.101', GROUP_SESSIONS: '0', CATCH_ALL_TTL: '0' });
    const on = await throughMachine('budget-on', { EGRESS_IP: '192.0.2.102' });
    console.log(`\nthrough a machine, default throttles (THROTTLE_IP_RATE 60/min, THROTTLE_IP_RCPT_RATE 120/min), ${MACHINE_N} addresses over 20 domains:`);
    const mrow = (name: string, m: typeof on) =>
      console.log(`${name.padEnd(28)} ${fmt(m.seconds, 1)} s  (${m.sessions} sessions, ${m.rcpts} RCPTs; ${m.value.counts.safe} safe, ${m.value.counts.risky} risky, ${m.value.counts.invalid} invalid, ${m.value.counts.unknown} unknown)`);
    mrow('GROUP_SESSIONS=0:', off);
    mrow('grouped:', on);
    console.log(`wall time grouped / GROUP_SESSIONS=0: ${fmt(on.seconds / off.seconds, 2)} (${fmt(off.seconds / on.seconds, 2)}x faster)`);
  } finally {
    await nc.close();
    await nats.stop();
    await db.drop();
  }
} finally {
  await mta.close();
  await dns.close();
}
