/**
 * `emailcheck doctor` against a local DNS server (PTR, A, MX, TXT/SPF, two blocklist zones) and
 * local SMTP servers. The egress IP is 192.0.2.10 (TEST-NET-1): only ever looked up, never dialled.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reverseName, runDoctorChecks, type DoctorLine } from '../cli/doctor.ts';
import { freePort } from '../cli/dev-nats.ts';
import { startDnsServer, type DnsZone, type TestDnsServer } from './support/dns-server.ts';
import { startMockMta, startScriptedSmtpServer, type MockMta, type RawServer } from './support/smtp-servers.ts';

const BIN = join(resolve(import.meta.dirname, '..'), 'bin', 'emailcheck.js');
const IP = '192.0.2.10';

/** A machine set up the way an operator should: PTR, matching HELO, MX and SPF, listed nowhere. */
function goodZone(): DnsZone {
  return {
    '10.2.0.192.in-addr.arpa': { PTR: ['mail.sender.test'] },
    'mail.sender.test': { A: [IP] },
    'sender.test': { MX: [{ preference: 10, exchange: 'mx.sender.test' }], TXT: ['google-site-verification=abc', 'v=spf1 ip4:192.0.2.0/24 -all'] },
    'mx.sender.test': { A: ['127.0.0.1'] },
    'smtp.peer.test': { A: ['127.0.0.1'] },
  };
}

let dns: TestDnsServer;
let mta: MockMta;
let rejecting: RawServer;

beforeAll(async () => {
  dns = await startDnsServer(goodZone());
  mta = await startMockMta({ name: 'mx.peer.test' });
  rejecting = await startScriptedSmtpServer({ banner: '554 5.7.1 mx.peer.test: No SMTP service here\r\n', closeAfterBanner: true });
});
afterAll(async () => {
  await Promise.allSettled([dns?.close(), mta?.close(), rejecting?.close()]);
});

const baseEnv = () => ({
  DNS_SERVERS: dns.server,
  DNS_TIMEOUT_MS: '1000',
  SMTP_TIMEOUT: '3',
  EGRESS_IP: IP,
  HELO_NAME: 'mail.sender.test',
  FROM_EMAIL: 'verify@sender.test',
  DNSBL_ZONES: 'bl.one.test,bl.two.test',
});

const byCheck = (lines: DoctorLine[]) => Object.fromEntries(lines.map((l) => [l.check, l]));

describe('emailcheck doctor', () => {
  it('a well set-up machine: every line ok except the unconfirmed EGRESS_IP', async () => {
    const lines = byCheck(await runDoctorChecks({ env: baseEnv(), smtpHost: `smtp.peer.test:${mta.port}` }));
    expect(lines['outbound smtp']).toMatchObject({ status: 'ok', detail: expect.stringMatching(/connected to smtp\.peer\.test \(127\.0\.0\.1:\d+\): 220 mx\.peer\.test/) });
    expect(lines['egress ip']).toMatchObject({ status: 'warn', detail: expect.stringContaining('EDGE_URL is unset') });
    expect(lines['reverse dns']).toMatchObject({ status: 'ok', detail: `${IP} → mail.sender.test → ${IP} (forward-confirmed)` });
    expect(lines['helo name']).toMatchObject({ status: 'ok', detail: `mail.sender.test → ${IP}, and it is the PTR name` });
    expect(lines['from domain mx']).toMatchObject({ status: 'ok', detail: 'sender.test MX mx.sender.test' });
    expect(lines['from domain spf']).toMatchObject({ status: 'ok', detail: expect.stringContaining(`authorizes ${IP}`) });
    expect(lines['blocklist bl.one.test']).toMatchObject({ status: 'ok', detail: `${IP} is not listed` });
    expect(lines['blocklist bl.two.test']).toMatchObject({ status: 'ok' });
    expect(dns.queries.some((q) => q.name === '10.2.0.192.bl.one.test' && q.type === 'A')).toBe(true);
  });

  it('no PTR, a HELO name that does not resolve, a listed IP and a sender domain without MX: each fails with what to do', async () => {
    dns.setZone({
      'sender.test': { A: ['198.51.100.7'] },
      '10.2.0.192.bl.two.test': { A: ['127.0.0.2'], TXT: ['Listed: see https://bl.two.test/query/192.0.2.10'] },
      '10.2.0.192.bl.one.test': { A: ['127.255.255.254'] },
    });
    try {
      const lines = byCheck(await runDoctorChecks({ env: baseEnv() }));
      expect(lines['outbound smtp']).toMatchObject({ status: 'warn', detail: 'not tried: no host named' });
      expect(lines['reverse dns']).toMatchObject({ status: 'fail', detail: expect.stringContaining(`no PTR record for ${IP}`), fix: expect.stringContaining('Fly offers none') });
      expect(lines['helo name']).toMatchObject({ status: 'fail', detail: expect.stringContaining('mail.sender.test does not resolve'), fix: expect.stringContaining(`mail.sender.test → ${IP}`) });
      expect(lines['from domain mx']).toMatchObject({ status: 'warn', detail: 'sender.test has no MX, only an address (implicit MX 198.51.100.7)' });
      expect(lines['from domain spf']).toMatchObject({ status: 'warn', fix: expect.stringContaining(`v=spf1 ip4:${IP} -all`) });
      expect(lines['blocklist bl.two.test']).toMatchObject({ status: 'fail', detail: `${IP} is listed (127.0.0.2): Listed: see https://bl.two.test/query/192.0.2.10` });
      expect(lines['blocklist bl.one.test']).toMatchObject({ status: 'warn', detail: expect.stringContaining('refused the query') });
    } finally {
      dns.setZone(goodZone());
    }
  });

  it('port 25 closed, or a server that refuses us in its banner', async () => {
    const closed = byCheck(await runDoctorChecks({ env: baseEnv(), smtpHost: `127.0.0.1:${await freePort()}` }));
    expect(closed['outbound smtp']).toMatchObject({ status: 'fail', fix: expect.stringContaining('PROXY_URL') });
    const refused = byCheck(await runDoctorChecks({ env: baseEnv(), smtpHost: `127.0.0.1:${rejecting.port}` }));
    expect(refused['outbound smtp']).toMatchObject({ status: 'warn', detail: expect.stringContaining('554 5.7.1') });
  });

  it('two SPF records are a permerror; a PTR that does not point back is a warning', async () => {
    const zone = goodZone();
    zone['sender.test']!.TXT = ['v=spf1 ip4:192.0.2.10 -all', 'v=spf1 include:spf.example.test ~all'];
    zone['mail.sender.test'] = { A: ['198.51.100.1'] };
    dns.setZone(zone);
    try {
      const lines = byCheck(await runDoctorChecks({ env: baseEnv() }));
      expect(lines['from domain spf']).toMatchObject({ status: 'fail', detail: expect.stringContaining('2 SPF records') });
      expect(lines['reverse dns']).toMatchObject({ status: 'warn', detail: expect.stringContaining('does not resolve back') });
      expect(lines['helo name']).toMatchObject({ status: 'warn', detail: expect.stringContaining('not to the egress IP') });
    } finally {
      dns.setZone(goodZone());
    }
  });

  it('the command: one line per check, exit 1 when one fails, 0 when none does, 2 for bad flags', async () => {
    // Not spawnSync: the DNS and SMTP servers answering it live in this process.
    const run = (args: string[], env: Record<string, string>) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolveRun) => {
        const child = spawn(process.execPath, [BIN, 'doctor', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c) => (stdout += c));
        child.stderr.on('data', (c) => (stderr += c));
        child.once('exit', (status) => resolveRun({ status, stdout, stderr }));
      });
    const good = await run(['--smtp-host', `127.0.0.1:${mta.port}`, '--dnsbl', 'bl.one.test'], baseEnv());
    expect(good.status, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toMatch(/^ok\s+outbound smtp\s+connected to 127\.0\.0\.1/m);
    expect(good.stdout).toMatch(/^ok\s+blocklist bl\.one\.test\s+192\.0\.2\.10 is not listed$/m);
    expect(good.stdout).not.toMatch(/bl\.two\.test/);

    const bad = await run(['--json'], { ...baseEnv(), HELO_NAME: 'nowhere.sender.test' });
    expect(bad.status).toBe(1);
    const lines = JSON.parse(bad.stdout) as DoctorLine[];
    expect(lines.find((l) => l.check === 'helo name')).toMatchObject({ status: 'fail' });

    const usage = await run(['--dnsbl', 'not a zone'], baseEnv());
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^emailcheck: --dnsbl: "not a zone" is not a DNS zone\n$/);
  });

  it('DNSBL names: reversed octets for IPv4, reversed nibbles for IPv6', () => {
    expect(reverseName('192.0.2.10', 'zen.spamhaus.org')).toBe('10.2.0.192.zen.spamhaus.org');
    expect(reverseName('192.0.2.10', 'in-addr.arpa')).toBe('10.2.0.192.in-addr.arpa');
    expect(reverseName('2001:db8::1', 'bl.test')).toBe(`1.0.0.0.${'0.'.repeat(20)}8.b.d.0.1.0.0.2.bl.test`);
  });
});
