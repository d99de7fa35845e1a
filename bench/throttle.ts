/**
 * npm run bench:throttle — 5 machine processes behind 2 egress IPs (3 + 2), per-IP limit
 * 20 sessions/s, one big job, 30 s measured at the SMTP server, which runs in a child
 * process (as a remote MX would) and tells the IPs apart by the EHLO name each machine
 * sends. The baseline is the configured limit itself:
 *   achieved = sessions of an IP in the 30 s / (30 × limit)   (target 0.9–1.0)
 *   overshoot = for each IP, max(0, most sessions in any window [t, t + 1 s) − limit),
 *               summed over IPs; every window start t is tried (target 0).
 */
import { fork } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { jobChunks } from '../shared/jobs.ts';
import { jobChunkMsgId, SUBJECTS } from '../shared/subjects.ts';
import { RCPT_THROTTLES_OFF, THROTTLE_PROVIDER_RATES_OFF } from '../test/support/machine-fixture.ts';
import { startMachineProcess, type MachineProcess } from '../test/support/machine-process.ts';
import { startNatsServer } from '../test/support/nats-server.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { fmt } from './measure.ts';
import { maxInWindow } from '../test/support/session-window.ts';
import { BENCH_ZONE } from './peers.ts';

const LIMIT = Number(process.env.BENCH_LIMIT ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const IPS = [
  { ip: '198.51.100.1', machines: 3 },
  { ip: '198.51.100.2', machines: 2 },
];
const PERIOD_MS = 1000;

interface Session {
  t: number;
  helo: string;
}

/** Child: DNS + a minimal pipelining SMTP server that logs (connect time, EHLO name). */
async function runPeers(): Promise<void> {
  const { startDnsServer } = await import('../test/support/dns-server.ts');
  const dns = await startDnsServer(BENCH_ZONE);
  const sessions: Session[] = [];
  const server = createServer((socket) => {
    const s: Session = { t: Date.now(), helo: '' };
    sessions.push(s);
    socket.write('220 mx.bench.test ESMTP\r\n');
    let buf = '';
    socket.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      let out = '';
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') {
          s.helo = line.slice(5).trim();
          out += '250-mx.bench.test\r\n250 PIPELINING\r\n';
        } else if (verb === 'QUIT') {
          socket.end(`${out}221 Bye\r\n`);
          return;
        } else out += '250 Ok\r\n';
      }
      if (out) socket.write(out);
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.on('message', () => process.send!(sessions));
  process.send!({ dnsServer: dns.server, smtpPort: (server.address() as AddressInfo).port });
}


async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['peers'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const peers = await new Promise<{ dnsServer: string; smtpPort: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { dnsServer: string; smtpPort: number }));
    child.once('exit', (code) => reject(new Error(`peers exited with ${code}`)));
  });
  // The MX is remote in production: our CPU load must not delay its clock. On this 2-core
  // box an MX sharing the CPU with 5 machines, nats-server and Postgres accepts up to ~50 ms
  // late, which alone bunches sessions at a 20/s spacing. Needs root; without it we say so.
  try {
    setPriority(child.pid!, -10);
  } catch {
    console.log('(could not raise the SMTP server\'s priority: its accept delays count as machine jitter)');
  }
  const sessionsFromPeers = () =>
    new Promise<Session[]>((resolve) => {
      child.once('message', (m) => resolve(m as Session[]));
      child.send('sessions');
    });

  const nats = await startNatsServer();
  const db = await createTestDatabase();
  const machines: MachineProcess[] = [];
  try {
    const base = {
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      DNS_SERVERS: peers.dnsServer,
      SMTP_PORT: String(peers.smtpPort),
      ALLOW_PRIVATE_MX: '1',
      CONCURRENCY: '5',
      LOG_LEVEL: 'warn',
      // One session per address: this measures the session limiter. Grouped, the whole job was ~40
      // sessions, over before the measured window began (0 sessions counted since grouping landed).
      GROUP_SESSIONS: '0',
      THROTTLE_IP_RATE: `${LIMIT}/s`,
      THROTTLE_IP_DAILY: '0',
      THROTTLE_PROVIDER_RATES: THROTTLE_PROVIDER_RATES_OFF,
      ...RCPT_THROTTLES_OFF,
    };
    const starts: Promise<MachineProcess>[] = [];
    for (const { ip, machines: n } of IPS) {
      for (let i = 0; i < n; i++) {
        starts.push(startMachineProcess({ ...base, EGRESS_IP: ip, HELO_NAME: `ip-${ip.replace(/\./g, '-')}.bench.test`, MACHINE_ID: `bench-${ip.replace(/\./g, '-')}-${i}` }, 60_000));
      }
    }
    machines.push(...(await Promise.all(starts)));

    // More work than the limits allow in the run, so the limiter is what sets the pace.
    const n = Math.ceil(LIMIT * IPS.length * (SECONDS + 10) * 1.3);
    const nc = await connect({ servers: nats.url });
    const js = jetstream(nc);
    const emails = Array.from({ length: n }, (_, i) => `user-${i}@bench.test`);
    for (const chunk of jobChunks({ jobId: 'bench-throttle', tenantId: 'bench', emails })) {
      await js.publish(SUBJECTS.jobSubmit('bench-throttle'), JSON.stringify(chunk), { msgID: jobChunkMsgId('bench-throttle', chunk.chunkIndex) });
    }
    // Warm-up (job fan-out, first connections), then the measured window.
    let first: number | undefined;
    while (first === undefined) {
      await new Promise((r) => setTimeout(r, 200));
      first = (await sessionsFromPeers())[0]?.t;
    }
    const from = first + 2000;
    const to = from + SECONDS * 1000;
    await new Promise((r) => setTimeout(r, to - Date.now() + 500));
    const sessions = await sessionsFromPeers();
    await nc.close();

    console.log(`bench:throttle  ${machines.length} machines, ${IPS.length} egress IPs (${IPS.map((i) => i.machines).join(' + ')} machines), limit ${LIMIT}/s per IP, ${SECONDS} s measured at the SMTP server`);
    let overshoot = 0;
    for (const { ip, machines: m } of IPS) {
      const helo = `ip-${ip.replace(/\./g, '-')}.bench.test`;
      const times = sessions.filter((s) => s.helo === helo && s.t >= from && s.t < to).map((s) => s.t);
      const achieved = times.length / (SECONDS * LIMIT);
      const worst = maxInWindow(times, PERIOD_MS);
      overshoot += Math.max(0, worst - LIMIT);
      if (worst > LIMIT) {
        const sorted = [...times].sort((a, b) => a - b);
        const i = sorted.findIndex((t, k) => sorted[k + worst - 1] !== undefined && sorted[k + worst - 1]! - t < PERIOD_MS);
        const w = sorted.slice(i, i + worst);
        console.log(`  worst window of ${ip}: gaps ms ${w.slice(1).map((t, k) => t - w[k]!).join(' ')}`);
        const all = sorted.slice(1).map((t, k) => t - sorted[k]!);
        console.log(`  gaps around bunched pairs (<10 ms): ${all.flatMap((g, k) => (g < 10 ? [`${all[k - 1]}|${g}|${all[k + 1]}`] : [])).join(', ')}`);
      }
      console.log(`${ip} (${m} machines): ${times.length} sessions = ${fmt(times.length / SECONDS, 2)}/s; achieved/limit ${fmt(achieved, 3)} (target 0.9–1.0); most in any 1 s window ${worst} (limit ${LIMIT})`);
    }
    const unknownHelo = sessions.filter((s) => s.t >= from && s.t < to && !IPS.some(({ ip }) => s.helo === `ip-${ip.replace(/\./g, '-')}.bench.test`)).length;
    if (unknownHelo > 0) console.log(`sessions without a recognised EHLO name: ${unknownHelo}`);
    console.log(`overshoot (sessions beyond the limit in the worst 1 s sliding window, summed over IPs): ${overshoot} (target 0)`);
  } finally {
    await Promise.all(machines.map((m) => m.kill()));
    child.kill();
    await nats.stop();
    await db.drop();
  }
}

if (process.argv[2] === 'peers') await runPeers();
else await main();
