/**
 * npm run bench:verify — the verifier against a minimal raw SMTP probe, same sink,
 * same process, same concurrency. Target: the verifier reaches >= 0.8 of the raw rate.
 * The DNS server and the SMTP sink run in a child process, as remote peers would. The verifier
 * is the built one (dist/verifier.js), the code the CLI and the machines run.
 */
import { fileURLToPath } from 'node:url';
import { fmt, peakRssMb, runAtConcurrency } from './measure.ts';
import { startPeers } from './peers.ts';
import { rawProbe } from './raw-probe.ts';

// The verifier as production runs it: the esbuild output (`npm run bench:verify` builds it first), not the sources through tsx.
const built = fileURLToPath(new URL('../dist/verifier.js', import.meta.url));
const { verify, verifyOptionsFromEnv } = (await import(built)) as typeof import('../machines/src/verify/index.ts');

const N = Number(process.env.BENCH_N ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const peers = await startPeers();
const options = verifyOptionsFromEnv(peers.verifierEnv);
const address = (round: number, i: number) => `user${round}x${i}@bench.test`;
let notDeliverable = 0;
const runRaw = (round: number) => runAtConcurrency(N, CONCURRENCY, (i) => rawProbe('127.0.0.1', peers.smtpPort, address(round, i)));
const runOurs = (round: number) =>
  runAtConcurrency(N, CONCURRENCY, async (i) => {
    const r = await verify(address(round, i), options);
    if (!r.smtp.is_deliverable) notDeliverable++;
  });

// Warm up both paths (JIT, sockets) before measuring.
await runAtConcurrency(200, CONCURRENCY, (i) => rawProbe('127.0.0.1', peers.smtpPort, address(-1, i)));
await runAtConcurrency(200, CONCURRENCY, (i) => verify(address(-2, i), options));

let raw = 0;
let ours = 0;
for (let round = 0; round < ROUNDS; round++) {
  // Alternate the order so neither side always runs second.
  let r: number;
  let o: number;
  if (round % 2 === 0) {
    r = (await runRaw(round)).perSecond;
    o = (await runOurs(round)).perSecond;
  } else {
    o = (await runOurs(round)).perSecond;
    r = (await runRaw(round)).perSecond;
  }
  raw = Math.max(raw, r);
  ours = Math.max(ours, o);
  console.log(`round ${round + 1}: raw probe ${fmt(r)} checks/s, verifier ${fmt(o)} checks/s`);
}

console.log(`\nbench:verify  ${N} distinct addresses, concurrency ${CONCURRENCY}, best of ${ROUNDS} rounds`);
console.log(`raw SMTP probe (connect, banner, EHLO, MAIL, RCPT, QUIT): ${fmt(raw)} checks/s`);
console.log(`verifier (syntax, misc, DNS, EHLO, pipelined MAIL+RCPT+probe, QUIT): ${fmt(ours)} checks/s`);
console.log(`ratio verifier/raw: ${fmt(ours / raw, 2)} (target >= 0.80)`);
console.log(`peak RSS: ${fmt(peakRssMb())} MB`);
if (notDeliverable > 0) console.log(`WARNING: ${notDeliverable} checks were not deliverable at an accept-all sink`);
peers.stop();
