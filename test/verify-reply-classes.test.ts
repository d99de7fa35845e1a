/**
 * @module test/verify-reply-classes
 * `verify()` end to end on the reply classes real servers send that are easy to get wrong:
 * a recipient over its receiving rate (it exists), 252 (it proves nothing), refusals about
 * our reverse path (sender_rejected) against refusals about our IP or HELO (blocked_by_policy),
 * a locked account, a rate limit on us dressed as 5.1.1. Each MX is a loopback server that
 * answers byte for byte as the named MTA does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckResultSchema, type CheckResult } from '../shared/result.ts';
import { verify, verifyOptionsFromEnv } from '../machines/src/verify/index.ts';
import { startDnsServer, type DnsZone, type TestDnsServer } from './support/dns-server.ts';
import { GMAIL_STYLE, startScriptedSmtpServer, wireReply, type RawServer, type ScriptedAnswer } from './support/smtp-servers.ts';

const FROM = 'probe@verifier.example.test';

/** Postfix at stock settings: smtpd_delay_reject = yes, so client, HELO and sender restrictions answer at RCPT. */
const POSTFIX = {
  banner: wireReply(220, 'mx.example.test ESMTP Postfix (Debian/GNU)'),
  ehlo: wireReply(250, 'mx.example.test', 'PIPELINING', 'SIZE 10240000', 'VRFY', 'ETRN', 'ENHANCEDSTATUSCODES', '8BITMIME', 'DSN', 'SMTPUTF8', 'CHUNKING'),
  mail: wireReply(250, '2.1.0 Ok'),
  ok: wireReply(250, '2.1.5 Ok'),
};

/** One MX per case, each on its own 127.0.0.x; the RCPT answer for the address under test and for anything else (the probe). */
interface Case {
  domain: string;
  ip: string;
  style?: 'gmail' | 'postfix';
  mail?: string;
  rcpt: ScriptedAnswer;
}

/** `hit` for the listed users, `other` for everyone else (the catch-all probe included). */
const rcptFor = (users: string[], hit: string, other: string): ScriptedAnswer => (line) =>
  users.some((u) => line.toLowerCase().includes(`<${u}@`)) ? hit : other;

const CASES: Case[] = [
  {
    // Gmail's multi-line 450 4.2.1 to RCPT (in reply to RCPT TO, from a Postfix log): the user exists and is flooded.
    domain: 'flooded.test',
    ip: '127.0.0.41',
    style: 'gmail',
    rcpt: rcptFor(
      ['alice', 'info'],
      wireReply(
        450,
        '4.2.1 The user you are trying to contact is receiving mail at a rate that',
        '4.2.1 prevents additional messages from being delivered. Please resend your',
        '4.2.1 message at a later time. If the user is able to receive mail at that',
        '4.2.1 time, your message will be delivered. For more information, please',
        '4.2.1 visit',
        '4.2.1  https://support.google.com/mail/?p=ReceivingRate i5-v6si6014457oii.19 - gsmtp',
      ),
      GMAIL_STYLE.noSuchUser,
    ),
  },
  {
    // Gmail's permanent variant, 550 5.2.1 ReceivingRatePerm: still a rate on an existing user, not "disabled".
    domain: 'flooded-perm.test',
    ip: '127.0.0.42',
    style: 'gmail',
    rcpt: rcptFor(
      ['alice'],
      wireReply(
        550,
        '5.2.1 The user you are trying to contact is receiving mail at a rate that',
        '5.2.1 prevents additional messages from being delivered. For more',
        '5.2.1 information, please visit',
        '5.2.1 https://support.google.com/mail/?p=ReceivingRatePerm p131si8414989oif.118 - gsmtp',
      ),
      GMAIL_STYLE.noSuchUser,
    ),
  },
  {
    domain: 'noverify.test',
    ip: '127.0.0.43',
    rcpt: () => wireReply(252, '2.1.5 Cannot VRFY user, but will accept message and attempt delivery'),
  },
  {
    // Postfix reject_unknown_sender_domain, answered at RCPT (smtpd_delay_reject = yes).
    domain: 'unknown-sender.test',
    ip: '127.0.0.44',
    rcpt: () => wireReply(450, `4.1.8 <${FROM}>: Sender address rejected: Domain not found`),
  },
  {
    // Exim sender callout: the quoted "Unrouteable address" is about our sender, not the mailbox.
    domain: 'callout.test',
    ip: '127.0.0.45',
    rcpt: () => wireReply(550, `Verification failed for <${FROM}>`, 'Unrouteable address', 'Sender verify failed'),
  },
  {
    // Postfix smtpd_delay_reject = no: check_client_access refuses at MAIL FROM.
    domain: 'client-refused.test',
    ip: '127.0.0.46',
    mail: wireReply(554, '5.7.1 <verifier.example.test[127.0.0.1]>: Client host rejected: Access denied'),
    rcpt: () => wireReply(503, '5.5.1 Error: need MAIL command'),
  },
  {
    // Postfix reject_sender_login_mismatch at MAIL FROM: about our reverse path.
    domain: 'sender-refused.test',
    ip: '127.0.0.47',
    mail: wireReply(553, `5.7.1 <${FROM}>: Sender address rejected: not owned by user verifier`),
    rcpt: () => wireReply(503, '5.5.1 Error: need MAIL command'),
  },
  {
    // Gmail's SPF hard-fail of our MAIL FROM domain, a 5.7.26 full of "blocked" and "spam".
    domain: 'spf-fail.test',
    ip: '127.0.0.48',
    style: 'gmail',
    rcpt: () =>
      wireReply(
        550,
        '5.7.26 The MAIL FROM domain [verifier.example.test] has an SPF record with a',
        '5.7.26 hard fail policy (-all) but it fails to pass SPF checks with the ip:',
        '5.7.26 [127.0.0.1]. To best protect our users from spam and phishing,',
        '5.7.26 the message has been blocked. For instructions on setting up',
        '5.7.26 authentication, go to',
        '5.7.26 https://support.google.com/mail/answer/81126#authentication 2-222222630d46 - gsmtp',
      ),
  },
  {
    // Orange: the recipient's account is blocked; "blocked" is about the mailbox here.
    domain: 'locked.test',
    ip: '127.0.0.49',
    rcpt: rcptFor(['alice'], wireReply(550, '5.5.0 Le compte du destinataire est bloque. The recipient account is blocked. LPN007_426'), wireReply(550, '5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]')),
  },
  {
    // GoDaddy: a rate limit on our IP sent as 550 5.1.1.
    domain: 'throttled.test',
    ip: '127.0.0.50',
    rcpt: () => wireReply(550, '5.1.1 <alice@throttled.test>  - 127.0.0.1 has sent to too many recipients this hour. IB607  <http://x.co/rlbounce>'),
  },
];

let dns: TestDnsServer;
let port = 0;
const servers: RawServer[] = [];

beforeAll(async () => {
  const zone: DnsZone = {};
  for (const c of CASES) {
    zone[c.domain] = { MX: [{ preference: 10, exchange: `mx.${c.domain}` }] };
    zone[`mx.${c.domain}`] = { A: [c.ip] };
  }
  dns = await startDnsServer(zone);
  for (const c of CASES) {
    const style = c.style === 'gmail' ? { banner: GMAIL_STYLE.banner, ehlo: GMAIL_STYLE.ehlo, mail: GMAIL_STYLE.mail } : POSTFIX;
    const server = await startScriptedSmtpServer({
      host: c.ip,
      port,
      banner: style.banner,
      replies: { EHLO: style.ehlo, MAIL: c.mail ?? style.mail, RCPT: c.rcpt, RSET: wireReply(250, '2.0.0 Ok') },
    });
    port = server.port;
    servers.push(server);
  }
});

afterAll(async () => {
  await Promise.all([...servers, dns].map((s) => s?.close()));
});

async function check(email: string): Promise<CheckResult> {
  const options = verifyOptionsFromEnv({
    DNS_SERVERS: dns.server,
    SMTP_PORT: String(port),
    SMTP_TIMEOUT: '5',
    CHECK_DEADLINE: '20',
    HELO_NAME: 'verifier.example.test',
    FROM_EMAIL: FROM,
    ALLOW_PRIVATE_MX: '1',
    MX_CACHE_TTL: '0',
  });
  return CheckResultSchema.parse(await verify(email, options));
}

describe('a recipient over its receiving rate exists', () => {
  it("Gmail's multi-line 450 4.2.1 is deliverable, with the rate limit named in the reason", async () => {
    const r = await check('alice@flooded.test');
    expect(r).toMatchObject({ is_reachable: 'safe', reason: 'deliverable_rate_limited' });
    expect(r.smtp).toMatchObject({ is_deliverable: true, is_disabled: false, is_catch_all: false });
  });

  it("Gmail's 550 5.2.1 ReceivingRatePerm is deliverable too, never disabled or invalid", async () => {
    const r = await check('alice@flooded-perm.test');
    expect(r).toMatchObject({ is_reachable: 'safe', reason: 'deliverable_rate_limited' });
    expect(r.smtp.is_disabled).toBe(false);
  });

  it('a role account over its rate is still risky as a role account', async () => {
    expect(await check('info@flooded.test')).toMatchObject({ is_reachable: 'risky', reason: 'role_account' });
  });
});

describe('252 is not proof of a mailbox', () => {
  it('"252 Cannot VRFY user, but will accept" is unknown/cannot_verify, not deliverable', async () => {
    const r = await check('alice@noverify.test');
    expect(r).toMatchObject({ is_reachable: 'unknown', reason: 'cannot_verify' });
    expect(r.smtp.is_deliverable).toBe(false);
  });
});

describe('who was refused: our reverse path (sender_rejected) or our IP/HELO (blocked_by_policy)', () => {
  it("Postfix's 450 4.1.8 Sender address rejected at RCPT is sender_rejected", async () => {
    expect(await check('alice@unknown-sender.test')).toMatchObject({ is_reachable: 'unknown', reason: 'sender_rejected' });
  });

  it("Exim's sender callout failure quoting 'Unrouteable address' is sender_rejected, never invalid", async () => {
    expect(await check('alice@callout.test')).toMatchObject({ is_reachable: 'unknown', reason: 'sender_rejected' });
  });

  it("Gmail's 5.7.26 SPF hard fail of our MAIL FROM domain is sender_rejected", async () => {
    expect(await check('alice@spf-fail.test')).toMatchObject({ is_reachable: 'unknown', reason: 'sender_rejected' });
  });

  it('Client host rejected at MAIL FROM is blocked_by_policy', async () => {
    const r = await check('alice@client-refused.test');
    expect(r).toMatchObject({ is_reachable: 'unknown', reason: 'blocked_by_policy' });
    expect(r.debug.smtp_replies.find((x) => x.stage === 'mail')).toMatchObject({ code: 554, enhanced: '5.7.1' });
  });

  it('Sender address rejected at MAIL FROM is sender_rejected, though its code is 5.7.1', async () => {
    expect(await check('alice@sender-refused.test')).toMatchObject({ is_reachable: 'unknown', reason: 'sender_rejected' });
  });

  it("GoDaddy's rate limit on our IP, sent as 550 5.1.1, is blocked_by_policy, never invalid", async () => {
    expect(await check('alice@throttled.test')).toMatchObject({ is_reachable: 'unknown', reason: 'blocked_by_policy' });
  });
});

describe('a locked account is disabled, whatever the words', () => {
  it('"The recipient account is blocked" (Orange) is invalid/mailbox_disabled, while the unknown probe is no mailbox', async () => {
    const r = await check('alice@locked.test');
    expect(r).toMatchObject({ is_reachable: 'invalid', reason: 'mailbox_disabled' });
    expect(r.smtp.is_disabled).toBe(true);
    expect(await check('bob@locked.test')).toMatchObject({ is_reachable: 'invalid', reason: 'mailbox_not_found' });
  });
});
