/**
 * @module test/verify
 * `verify()` end to end: the real local DNS server and real loopback SMTP servers,
 * options built from env the way the CLI and machines build them. Each MX host gets
 * its own 127.0.0.x address on one shared port, so each can behave differently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckResultSchema, type CheckResult } from '../shared/result.ts';
import { verify, verifyOptionsFromEnv } from '../machines/src/verify/index.ts';
import { startDnsServer, type DnsZone, type TestDnsServer } from './support/dns-server.ts';
import {
  GMAIL_STYLE,
  startMockMta,
  startScriptedSmtpServer,
  startSilentServer,
  wireReply,
  type MockMta,
  type RawServer,
} from './support/smtp-servers.ts';
import { startSocksProxy } from './support/socks-proxy.ts';

const HELLO = 'verifier.example.test';
const FROM = 'probe@verifier.example.test';

const zone: DnsZone = {
  'example.test': { MX: [{ preference: 10, exchange: 'mx.example.test' }] },
  'mx.example.test': { A: ['127.0.0.1'] },
  'catchall.test': { MX: [{ preference: 10, exchange: 'mx.catchall.test' }] },
  'mx.catchall.test': { A: ['127.0.0.2'] },
  'tarpit.test': { MX: [{ preference: 10, exchange: 'mx.tarpit.test' }] },
  'mx.tarpit.test': { A: ['127.0.0.3'] },
  // 127.0.0.4 has no listener on the shared port: the first MX refuses, the second (127.0.0.1) works.
  'failover.test': {
    MX: [
      { preference: 20, exchange: 'backup.failover.test' },
      { preference: 10, exchange: 'down.failover.test' },
    ],
  },
  'down.failover.test': { A: ['127.0.0.4'] },
  'backup.failover.test': { A: ['127.0.0.1'] },
  // MX fallback as MTAs do it (Postfix smtp_mx_address_limit = 5): 127.0.0.20-29 have no listener on the shared port.
  'refused-first.test': {
    MX: [
      { preference: 10, exchange: 'mx1.refused-first.test' },
      { preference: 20, exchange: 'mx2.refused-first.test' },
      { preference: 30, exchange: 'mx3.refused-first.test' },
      { preference: 40, exchange: 'mx4.refused-first.test' },
    ],
  },
  'mx1.refused-first.test': { A: ['127.0.0.20'] },
  'mx2.refused-first.test': { A: ['127.0.0.21'] },
  'mx3.refused-first.test': { A: ['127.0.0.22'] },
  'mx4.refused-first.test': { A: ['127.0.0.1'] },
  'ghost-mx.test': {
    MX: [
      { preference: 5, exchange: 'old1.ghost-mx.test' },
      { preference: 10, exchange: 'old2.ghost-mx.test' },
      { preference: 15, exchange: 'old3.ghost-mx.test' },
      { preference: 20, exchange: 'old4.ghost-mx.test' },
      { preference: 25, exchange: 'old5.ghost-mx.test' },
      { preference: 30, exchange: 'old6.ghost-mx.test' },
      { preference: 50, exchange: 'mx.ghost-mx.test' },
    ],
  },
  'old6.ghost-mx.test': {}, // exists, no A/AAAA (NODATA); old1-5 are NXDOMAIN
  'mx.ghost-mx.test': { A: ['127.0.0.1'] },
  // Six dead addresses (two hosts of three) ahead of a working host: past the limit, as Postfix and Exim give up.
  'dead-farm.test': {
    MX: [
      { preference: 10, exchange: 'a.dead-farm.test' },
      { preference: 20, exchange: 'b.dead-farm.test' },
      { preference: 30, exchange: 'mx.dead-farm.test' },
    ],
  },
  'a.dead-farm.test': { A: ['127.0.0.23', '127.0.0.24', '127.0.0.25'] },
  'b.dead-farm.test': { A: ['127.0.0.26', '127.0.0.27', '127.0.0.28'] },
  'mx.dead-farm.test': { A: ['127.0.0.1'] },
  'tied-dead.test': {
    MX: [
      { preference: 10, exchange: 'dead.tied-dead.test' },
      { preference: 10, exchange: 'live.tied-dead.test' },
    ],
  },
  'dead.tied-dead.test': { A: ['127.0.0.29'] },
  'live.tied-dead.test': { A: ['127.0.0.1'] },
  // A silent host (timeout), then a refusing one, then a name that does not resolve: all three said apart.
  'all-dead.test': {
    MX: [
      { preference: 10, exchange: 'silent.all-dead.test' },
      { preference: 20, exchange: 'refusing.all-dead.test' },
      { preference: 30, exchange: 'gone.all-dead.test' },
    ],
  },
  'silent.all-dead.test': { A: ['127.0.0.3'] },
  'refusing.all-dead.test': { A: ['127.0.0.20'] },
  'gmailstyle.test': { MX: [{ preference: 5, exchange: 'mx.gmailstyle.test' }] },
  'mx.gmailstyle.test': { A: ['127.0.0.5'] },
  'policy-banner.test': { MX: [{ preference: 10, exchange: 'mx.policy-banner.test' }] },
  'mx.policy-banner.test': { A: ['127.0.0.6'] },
  // A provider's domain, answered by OUR server only: checks what we call ourselves when talking to "Gmail".
  'gmail.com': { MX: [{ preference: 5, exchange: 'gmail-smtp-in.l.google.com' }] },
  'gmail-smtp-in.l.google.com': { A: ['127.0.0.7'] },
  'nullmx.test': { MX: [{ preference: 0, exchange: '.' }], A: ['127.0.0.1'] },
  'servfail.test': { rcode: 'SERVFAIL' },
  'silent-dns.test': { drop: true },
  // gmial.com is deliberately absent: NXDOMAIN from our server, never asked of the internet.
};

let dns: TestDnsServer;
let mta: MockMta; // 127.0.0.1
let catchAll: MockMta; // 127.0.0.2
let tarpit: RawServer; // 127.0.0.3
let gmailStyle: RawServer; // 127.0.0.5
let policyBanner: RawServer; // 127.0.0.6
let fakeGmail: MockMta; // 127.0.0.7
let port: number;

beforeAll(async () => {
  dns = await startDnsServer(zone);
  mta = await startMockMta({
    host: '127.0.0.1',
    mailboxes: {
      'alice@example.test': 'ok',
      'info@example.test': 'ok',
      'nobody@example.test': 'unknown',
      'full@example.test': 'full452',
      'overquota@example.test': 'full552',
      'gone@example.test': 'disabled',
      'grey@example.test': 'greylist',
      'blocked@example.test': 'blocked',
      'alice@failover.test': 'ok',
      'alice@refused-first.test': 'ok',
      'alice@ghost-mx.test': 'ok',
      'alice@dead-farm.test': 'ok',
      'alice@tied-dead.test': 'ok',
    },
  });
  port = mta.port;
  catchAll = await startMockMta({ host: '127.0.0.2', port, catchAll: true });
  tarpit = await startSilentServer({ host: '127.0.0.3', port });
  gmailStyle = await startScriptedSmtpServer({
    host: '127.0.0.5',
    port,
    banner: GMAIL_STYLE.banner,
    replies: {
      EHLO: GMAIL_STYLE.ehlo,
      MAIL: GMAIL_STYLE.mail,
      RCPT: (line) => (/<alice@/i.test(line) ? GMAIL_STYLE.accepted : GMAIL_STYLE.noSuchUser),
      RSET: wireReply(250, '2.1.5 Flushed'),
      QUIT: GMAIL_STYLE.quit,
    },
  });
  // Postfix postscreen / reject_rbl_client at connect time: the banner itself is the rejection.
  policyBanner = await startScriptedSmtpServer({
    host: '127.0.0.6',
    port,
    banner: wireReply(554, '5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org'),
    replies: { EHLO: wireReply(554, '5.7.1 go away'), HELO: wireReply(554, '5.7.1 go away') },
  });
  fakeGmail = await startMockMta({ host: '127.0.0.7', port, name: 'mx.google.example.test', mailboxes: { 'someone@gmail.com': 'ok' } });
});

afterAll(async () => {
  await Promise.all([mta, catchAll, tarpit, gmailStyle, policyBanner, fakeGmail, dns].map((s) => s?.close()));
});

/** The options the CLI and machines would build from this env: our DNS server, our SMTP port, no MX cache. */
function options(env: Record<string, string> = {}) {
  return verifyOptionsFromEnv({
    DNS_SERVERS: dns.server,
    DNS_TIMEOUT_MS: '1000',
    SMTP_PORT: String(port),
    SMTP_TIMEOUT: '5',
    CHECK_DEADLINE: '20',
    HELO_NAME: HELLO,
    FROM_EMAIL: FROM,
    ALLOW_PRIVATE_MX: '1',
    MX_CACHE_TTL: '0',
    ...env,
  });
}

/** Runs a check and holds the result to the published schema. */
async function check(email: string, env: Record<string, string> = {}): Promise<CheckResult> {
  return CheckResultSchema.parse(await verify(email, options(env)));
}

const askedFor = (name: string) => dns.queries.filter((q) => q.name === name);

describe('a mailbox the server accepts', () => {
  it('is reported safe and deliverable, with the MX host that answered', async () => {
    const r = await check('alice@example.test');
    expect(r).toMatchObject({ input: 'alice@example.test', is_reachable: 'safe', reason: 'deliverable' });
    expect(r.smtp).toEqual({ can_connect_smtp: true, has_full_inbox: false, is_catch_all: false, is_deliverable: true, is_disabled: false });
    expect(r.mx).toEqual({ accepts_mail: true, records: ['mx.example.test'] });
    expect(r.debug.mx_host).toBe('mx.example.test');
    expect(r.debug.smtp_replies.some((x) => x.stage === 'rcpt' && x.code === 250)).toBe(true);
  });

  it('is greeted with our configured HELO name and MAIL FROM', async () => {
    const before = mta.sessions.length;
    await check('alice@example.test');
    const session = mta.sessions[before]!;
    expect(session.ehlo ?? session.helo).toBe(HELLO);
    expect(session.mailFrom).toBe(FROM);
    expect(session.rcpts[0]).toBe('alice@example.test');
  });

  it('at a provider such as Gmail, we still introduce ourselves by our own name, never the provider\'s', async () => {
    const before = fakeGmail.sessions.length;
    const r = await check('someone@gmail.com');
    expect(r.is_reachable).toBe('safe');
    expect(r.debug.provider).toBe('gmail');
    const session = fakeGmail.sessions[before]!;
    const greeting = session.ehlo ?? session.helo;
    expect(greeting).toBe(HELLO);
    expect(greeting).not.toMatch(/gmail|google/i);
    expect(session.mailFrom).toBe(FROM);
    // Gmail is not catch-all: the provider rule skips the probe, so only the address under test is asked.
    expect(session.rcpts).toEqual(['someone@gmail.com']);
  });

  it('a role account (info@) that is accepted is risky, not safe', async () => {
    const r = await check('info@example.test');
    expect(r).toMatchObject({ is_reachable: 'risky', reason: 'role_account' });
    expect(r.misc.is_role_account).toBe(true);
    expect(r.smtp.is_deliverable).toBe(true);
  });
});

describe('a mailbox the server rejects or defers', () => {
  it('550 5.1.1 user unknown is invalid: mailbox_not_found', async () => {
    const r = await check('nobody@example.test');
    expect(r).toMatchObject({ is_reachable: 'invalid', reason: 'mailbox_not_found' });
    expect(r.smtp.can_connect_smtp).toBe(true);
    expect(r.smtp.is_deliverable).toBe(false);
    expect(r.debug.smtp_replies.find((x) => x.stage === 'rcpt')).toMatchObject({ code: 550, enhanced: '5.1.1' });
  });

  it.each([
    ['452 4.2.2', 'full@example.test'],
    ['552 5.2.2', 'overquota@example.test'],
  ])('%s mailbox full is risky: mailbox_full', async (_reply, email) => {
    const r = await check(email);
    expect(r).toMatchObject({ is_reachable: 'risky', reason: 'mailbox_full' });
    expect(r.smtp.has_full_inbox).toBe(true);
    expect(r.smtp.is_deliverable).toBe(false);
  });

  it('550 5.2.1 mailbox disabled is invalid: mailbox_disabled', async () => {
    const r = await check('gone@example.test');
    expect(r).toMatchObject({ is_reachable: 'invalid', reason: 'mailbox_disabled' });
    expect(r.smtp.is_disabled).toBe(true);
  });

  it('a server that accepts any address is risky: catch_all', async () => {
    const before = catchAll.sessions.length;
    const r = await check('whoever@catchall.test');
    expect(r).toMatchObject({ is_reachable: 'risky', reason: 'catch_all' });
    expect(r.smtp.is_catch_all).toBe(true);
    expect(r.smtp.is_deliverable).toBe(true);
    // The probe is a second, random recipient at the same domain.
    const rcpts = catchAll.sessions[before]!.rcpts;
    expect(rcpts[0]).toBe('whoever@catchall.test');
    expect(rcpts[1]).toMatch(/^[a-z0-9]{16}@catchall\.test$/);
  });

  it('450 greylisting is unknown: greylisted', async () => {
    const r = await check('grey@example.test');
    expect(r).toMatchObject({ is_reachable: 'unknown', reason: 'greylisted' });
    expect(r.smtp.is_deliverable).toBe(false);
  });

  it('554 5.7.1 "blocked using zen.spamhaus.org" at RCPT is about our IP: unknown, never invalid', async () => {
    const r = await check('blocked@example.test');
    expect(r).toMatchObject({ is_reachable: 'unknown', reason: 'blocked_by_policy' });
    expect(r.debug.smtp_replies.find((x) => x.stage === 'rcpt')?.text).toMatch(/zen\.spamhaus\.org/);
  });

  it('a 554 5.7.1 blocklist banner is about our IP too: unknown/blocked_by_policy', async () => {
    const r = await check('alice@policy-banner.test');
    expect(r).toMatchObject({ is_reachable: 'unknown', reason: 'blocked_by_policy' });
    expect(policyBanner.connections).toBeGreaterThan(0);
  });

  it('Gmail-style multi-line replies are read whole: a three-line 5.1.1 is invalid, a one-line 250 safe', async () => {
    const nobody = await check('nobody@gmailstyle.test');
    expect(nobody).toMatchObject({ is_reachable: 'invalid', reason: 'mailbox_not_found' });
    const rcpt = nobody.debug.smtp_replies.find((x) => x.stage === 'rcpt')!;
    expect(rcpt).toMatchObject({ code: 550, enhanced: '5.1.1' });
    expect(rcpt.text.split('\n')).toHaveLength(3);
    expect(rcpt.text).toContain('https://support.google.com/mail/?p=NoSuchUser');
    const ehlo = nobody.debug.smtp_replies.find((x) => x.stage === 'ehlo')!;
    expect(ehlo.text.split('\n')).toContain('PIPELINING');

    const alice = await check('alice@gmailstyle.test');
    expect(alice).toMatchObject({ is_reachable: 'safe', reason: 'deliverable' });
    expect(gmailStyle.sessions.at(-1)!.ehlo).toBe(HELLO);
  });
});

describe('a mail server we cannot talk to', () => {
  it('one that never sends a banner is unknown/smtp_timeout within the step timeout', async () => {
    const before = tarpit.connections;
    const started = Date.now();
    const r = await check('alice@tarpit.test', { SMTP_TIMEOUT: '1' });
    const elapsed = Date.now() - started;
    expect(r).toMatchObject({ is_reachable: 'unknown', reason: 'smtp_timeout' });
    expect(r.smtp.can_connect_smtp).toBe(false);
    expect(tarpit.connections).toBe(before + 1);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(3000);
  });

  it('a refused first MX falls through to the working lower-preference MX', async () => {
    const before = mta.connections;
    const r = await check('alice@failover.test');
    expect(r).toMatchObject({ is_reachable: 'safe', reason: 'deliverable' });
    expect(r.debug.mx_host).toBe('backup.failover.test');
    expect(r.mx.records).toEqual(['down.failover.test', 'backup.failover.test']);
    expect(mta.connections).toBe(before + 1);
  });
});

describe('MX fallback as MTAs do it: addresses counted, not names (SMTP_MAX_MX, default 5)', () => {
  const outcomes = (r: CheckResult) => (r.debug.mx_attempts ?? []).map((a) => [a.host, a.outcome]);

  it('three refusing MX hosts before a working one: deliverable, as any MTA would deliver', async () => {
    const before = mta.connections;
    const r = await check('alice@refused-first.test');
    expect(r).toMatchObject({ is_reachable: 'safe', reason: 'deliverable' });
    expect(r.debug.mx_host).toBe('mx4.refused-first.test');
    expect(outcomes(r)).toEqual([
      ['mx1.refused-first.test', 'refused'],
      ['mx2.refused-first.test', 'refused'],
      ['mx3.refused-first.test', 'refused'],
      ['mx4.refused-first.test', 'answered'],
    ]);
    expect(mta.connections).toBe(before + 1);
  });

  it('MX names that do not resolve cost nothing: six of them before a working one is still deliverable', async () => {
    const r = await check('alice@ghost-mx.test');
    expect(r).toMatchObject({ is_reachable: 'safe', reason: 'deliverable' });
    expect(outcomes(r)).toEqual([
      ...[1, 2, 3, 4, 5, 6].map((i) => [`old${i}.ghost-mx.test`, 'unresolvable']),
      ['mx.ghost-mx.test', 'answered'],
    ]);
    expect(r.debug.mx_attempts![0]!.detail).toMatch(/NXDOMAIN/);
    expect(r.debug.mx_attempts![5]!.detail).toMatch(/no A or AAAA/);
  });

  it('more dead addresses than the limit before a working host: unknown, with the limit named', async () => {
    const before = mta.connections;
    const r = await check('alice@dead-farm.test');
    expect(r).toMatchObject({ is_reachable: 'unknown', reason: 'mx_limit_reached' });
    expect(r.smtp.can_connect_smtp).toBe(false);
    expect(outcomes(r)).toEqual([
      ...[0, 1, 2].map(() => ['a.dead-farm.test', 'refused']),
      ['b.dead-farm.test', 'refused'],
      ['b.dead-farm.test', 'refused'],
      ['b.dead-farm.test', 'not_tried'],
    ]);
    expect(r.debug.mx_attempts!.map((a) => a.address)).toEqual(['127.0.0.23', '127.0.0.24', '127.0.0.25', '127.0.0.26', '127.0.0.27', '127.0.0.28']);
    expect(r.debug.mx_attempts!.at(-1)!.detail).toContain('address limit (5)');
    expect(mta.connections).toBe(before);
  });

  it('a larger SMTP_MAX_MX reaches the working host behind the same six dead addresses', async () => {
    const r = await check('alice@dead-farm.test', { SMTP_MAX_MX: '7' });
    expect(r).toMatchObject({ is_reachable: 'safe', reason: 'deliverable' });
    expect(r.debug.mx_attempts).toHaveLength(7);
  });

  it('equal-preference MX hosts with one dead: always deliverable, whichever is drawn first', async () => {
    const firstTried = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await check('alice@tied-dead.test');
      expect(r).toMatchObject({ is_reachable: 'safe', reason: 'deliverable' });
      expect(r.debug.mx_host).toBe('live.tied-dead.test');
      const attempts = r.debug.mx_attempts!;
      expect(attempts.at(-1)).toMatchObject({ host: 'live.tied-dead.test', outcome: 'answered' });
      if (attempts.length === 2) expect(attempts[0]).toMatchObject({ host: 'dead.tied-dead.test', outcome: 'refused' });
      firstTried.add(attempts[0]!.host);
    }
    // RFC 5321 5.1: ties are shuffled; 20 draws all landing the same way is about 1 in 500,000.
    expect([...firstTried].sort()).toEqual(['dead.tied-dead.test', 'live.tied-dead.test']);
  });

  it('when every MX fails the result says how each did: timed out, refused, unresolvable', async () => {
    const r = await check('alice@all-dead.test', { SMTP_TIMEOUT: '1' });
    expect(r).toMatchObject({ is_reachable: 'unknown', reason: 'smtp_unreachable' });
    expect(outcomes(r)).toEqual([
      ['silent.all-dead.test', 'timeout'],
      ['refusing.all-dead.test', 'refused'],
      ['gone.all-dead.test', 'unresolvable'],
    ]);
  });
});

describe('what DNS says about the domain', () => {
  it('a null MX (RFC 7505) is invalid/null_mx and no SMTP connection is made', async () => {
    const before = mta.connections;
    const r = await check('alice@nullmx.test');
    expect(r).toMatchObject({ is_reachable: 'invalid', reason: 'null_mx' });
    expect(r.mx.accepts_mail).toBe(false);
    expect(r.smtp.can_connect_smtp).toBe(false);
    expect(mta.connections).toBe(before);
  });

  it('NXDOMAIN is invalid/no_such_domain', async () => {
    const r = await check('alice@no-such-domain.test');
    expect(r).toMatchObject({ is_reachable: 'invalid', reason: 'no_such_domain' });
    expect(askedFor('no-such-domain.test').length).toBeGreaterThan(0);
  });

  it('SERVFAIL is unknown/dns_failure, not invalid', async () => {
    const r = await check('alice@servfail.test');
    expect(r).toMatchObject({ is_reachable: 'unknown', reason: 'dns_failure' });
  });

  it('a resolver that never answers is unknown/dns_timeout, quickly with a small DNS_TIMEOUT_MS', async () => {
    const started = Date.now();
    const r = await check('alice@silent-dns.test', { DNS_TIMEOUT_MS: '150' });
    expect(r).toMatchObject({ is_reachable: 'unknown', reason: 'dns_timeout' });
    expect(askedFor('silent-dns.test').length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('an MX on 127.0.0.1 is refused without ALLOW_PRIVATE_MX: unknown/private_mx_refused, no SMTP connection', async () => {
    const before = mta.connections;
    const r = await check('alice@example.test', { ALLOW_PRIVATE_MX: '0' });
    expect(r).toMatchObject({ is_reachable: 'unknown', reason: 'private_mx_refused' });
    expect(r.mx.records).toEqual(['mx.example.test']);
    expect(r.smtp.can_connect_smtp).toBe(false);
    expect(mta.connections).toBe(before);
  });

  it('a Gmail typo gets a suggestion; the typo domain is asked of our server only and is NXDOMAIN there', async () => {
    const r = await check('x@gmial.com');
    expect(r.syntax.suggestion).toBe('x@gmail.com');
    expect(r).toMatchObject({ is_reachable: 'invalid', reason: 'no_such_domain' });
    expect(askedFor('gmial.com').length).toBeGreaterThan(0);
  });
});

describe('SMTP through a SOCKS5 proxy (microsocks)', () => {
  it('works through the proxy, and gives unknown/proxy_unreachable quickly once the proxy is gone', async () => {
    const proxy = await startSocksProxy();
    try {
      const before = mta.connections;
      const r = await check('alice@example.test', { PROXY_URL: proxy.url });
      expect(r, proxy.logs()).toMatchObject({ is_reachable: 'safe', reason: 'deliverable' });
      expect(mta.connections).toBe(before + 1);
    } finally {
      await proxy.stop();
    }
    const before = mta.connections;
    const started = Date.now();
    const r = await check('alice@example.test', { PROXY_URL: proxy.url });
    expect(r).toMatchObject({ is_reachable: 'unknown', reason: 'proxy_unreachable' });
    expect(Date.now() - started).toBeLessThan(2000);
    // The MX itself is up: the failure must not fall back to a direct connection.
    expect(mta.connections).toBe(before);
  });
});

describe('bad input never touches the network', () => {
  let quietDns: TestDnsServer;
  let quietMta: MockMta;
  const quietOptions = () =>
    verifyOptionsFromEnv({
      DNS_SERVERS: quietDns.server,
      SMTP_PORT: String(quietMta.port),
      HELO_NAME: HELLO,
      FROM_EMAIL: FROM,
      ALLOW_PRIVATE_MX: '1',
      MX_CACHE_TTL: '0',
    });

  beforeAll(async () => {
    const to = (mx: string) => ({ MX: [{ preference: 10, exchange: mx }] });
    quietDns = await startDnsServer({
      'b.test': to('mx.b.test'),
      'y.test': to('mx.b.test'),
      'b.t': to('mx.b.test'),
      'mx.b.test': { A: ['127.0.0.1'] },
    });
    quietMta = await startMockMta({ catchAll: true });
  });
  afterAll(async () => {
    await Promise.all([quietDns?.close(), quietMta?.close()]);
  });

  it.each([
    ['an empty string', ''],
    ['a 10,000-character address', `${'a'.repeat(10_000 - '@b.test'.length)}@b.test`],
    ['CR/LF smuggling a second RCPT', 'a@b.test\r\nRCPT TO:<x@y.test>'],
    ['a NUL byte', 'a\u0000@b.test'],
    ['text decoded from non-UTF-8 bytes', new TextDecoder().decode(Buffer.from([0x61, 0xff, 0x40, 0x62, 0x2e, 0x74]))],
  ])('%s is invalid/invalid_syntax with no DNS query and no SMTP connection', async (_what, email) => {
    const r = CheckResultSchema.parse(await verify(email, quietOptions()));
    expect(r).toMatchObject({ input: email, is_reachable: 'invalid', reason: 'invalid_syntax' });
    expect(r.syntax.is_valid_syntax).toBe(false);
    expect(r.smtp.can_connect_smtp).toBe(false);
    expect(quietDns.queries).toEqual([]);
    expect(quietMta.connections).toBe(0);
  });

  // Last on purpose: proves the two servers above would have seen a check that got through.
  it('while a valid address to the same servers is resolved and connected', async () => {
    const r = CheckResultSchema.parse(await verify('a@b.test', quietOptions()));
    expect(r.is_reachable).toBe('risky');
    expect(quietDns.queries.length).toBeGreaterThan(0);
    expect(quietMta.connections).toBe(1);
  });
});
