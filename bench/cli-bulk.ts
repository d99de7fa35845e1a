/**
 * npm run bench:cli — the CLI's bulk rate as a user sees it: `emailcheck check --input` of 2,000
 * addresses at concurrency 50, wall time from spawn to exit (start-up included), against the fastest
 * npm peer we can run on the same peers (deep-email-validator, also in its own process from its own
 * start) and the raw SMTP probe of bench:verify, all in the same run, against an accept-all sink.
 * deep-email-validator always connects to port 25 and resolves MX through node:dns, so the sink
 * listens on 127.0.0.1:25 (needs the right to bind it) and the MX is an address literal.
 * Target: the CLI at least the peer's rate.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, runAtConcurrency } from './measure.ts';
import { startPeers } from './peers.ts';
import { rawProbe } from './raw-probe.ts';

const N = Number(process.env.BENCH_N ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'emailcheck.js');

const peers = await startPeers({ 'bench.test': { MX: [{ preference: 10, exchange: '127.0.0.1' }], ttl: 300 } }, { smtpPort: 25 });
const dir = await mkdtemp(join(tmpdir(), 'emailcheck-bench-cli-'));

/** Runs a process to its end; resolves its wall time in seconds. */
function timed(args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { PATH: process.env.PATH ?? '', ...env } });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - started) / 1e9) : reject(new Error(`${args.slice(0, 3).join(' ')} exited ${code}`))));
  });
}

// deep-email-validator in its own process: its own DNS (node:dns, pointed at our server) and SMTP to port 25.
// Its typo check is off: mailcheck calls every .test domain a typo (ours only suggests, never rejects).
const PEER_SCRIPT = `
import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import { validate } from 'deep-email-validator';
dns.setServers([process.env.DNS_SERVER]);
const emails = readFileSync(process.env.INPUT, 'utf8').trim().split('\\n');
let next = 0, accepted = 0;
await Promise.all(Array.from({ length: Number(process.env.CONCURRENCY) }, async () => {
  while (next < emails.length) {
    const r = await validate({ email: emails[next++], sender: 'bench@bench.test', validateRegex: true, validateMx: true, validateTypo: false, validateDisposable: true, validateSMTP: true });
    if (r.valid) accepted++;
  }
}));
if (accepted !== emails.length) { console.error('deep-email-validator accepted ' + accepted + ' of ' + emails.length); process.exit(1); }
`;

try {
  let cli = 0;
  let peer = 0;
  let raw = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const input = join(dir, `round-${round}.txt`);
    const emails = Array.from({ length: N }, (_, i) => `user${round}x${i}@bench.test`);
    await writeFile(input, `${emails.join('\n')}\n`);
    const cliSeconds = await timed([BIN, 'check', '--input', input, '--json', '--concurrency', String(CONCURRENCY), '--dns-server', peers.dnsServer, '--smtp-port', '25', '--allow-private-mx', '--hello-name', 'bench.emailcheck.test']);
    const peerSeconds = await timed(['--input-type=module', '-e', PEER_SCRIPT], { DNS_SERVER: peers.dnsServer, INPUT: input, CONCURRENCY: String(CONCURRENCY) });
    const rawRun = await runAtConcurrency(N, CONCURRENCY, (i) => rawProbe('127.0.0.1', 25, `raw${round}x${i}@bench.test`));
    cli = Math.max(cli, N / cliSeconds);
    peer = Math.max(peer, N / peerSeconds);
    raw = Math.max(raw, rawRun.perSecond);
    console.log(`round ${round + 1}: emailcheck check ${fmt(N / cliSeconds)}/s (${fmt(cliSeconds, 2)} s), deep-email-validator ${fmt(N / peerSeconds)}/s (${fmt(peerSeconds, 2)} s), raw probe ${fmt(rawRun.perSecond)}/s`);
  }
  console.log(`\nbench:cli  ${N} addresses from a file, concurrency ${CONCURRENCY}, accept-all sink on 127.0.0.1:25, wall time incl. start-up, best of ${ROUNDS}`);
  console.log(`emailcheck check --input:      ${fmt(cli)} addresses/s (${fmt(cli / raw, 2)} of the raw probe)`);
  console.log(`deep-email-validator 0.1.27:   ${fmt(peer)} addresses/s (${fmt(peer / raw, 2)} of the raw probe)`);
  console.log(`ratio emailcheck/peer:         ${fmt(cli / peer, 2)} (target >= 1.00) ${cli >= peer ? 'PASS' : 'FAIL'}`);
  process.exitCode = cli >= peer ? 0 : 1;
} finally {
  peers.stop();
  await rm(dir, { recursive: true, force: true });
}
