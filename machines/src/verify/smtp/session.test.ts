import { afterEach, describe, expect, it } from 'vitest';
import {
  GMAIL_STYLE,
  refusedPort,
  startMockMta,
  startScriptedSmtpServer,
  startSilentServer,
  wireReply,
  type MockMtaOptions,
  type RawServer,
} from '../../../../test/support/smtp-servers.ts';
import { runSmtpSession } from './index.ts';
import { FROM, HELLO, mx, RCPT, sessionRequest } from '../../../../test/support/smtp-request.ts';

const PROBE = 'zq8x7c6v5b4n@example.test';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function mta(opts: MockMtaOptions = {}) {
  const server = await startMockMta(opts);
  cleanups.push(() => server.close());
  return server;
}

async function scripted(opts: Parameters<typeof startScriptedSmtpServer>[0]) {
  const server = await startScriptedSmtpServer(opts);
  cleanups.push(() => server.close());
  return server;
}



async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A scripted server that talks until RCPT and then never answers it. */
function stallAtRcpt(): Parameters<typeof startScriptedSmtpServer>[0] {
  return {
    banner: wireReply(220, 'mx.example.test ESMTP'),
    replies: { EHLO: wireReply(250, 'mx.example.test', 'PIPELINING'), MAIL: wireReply(250, '2.1.0 Ok'), RCPT: () => null },
  };
}

describe('runSmtpSession against a realistic MTA', () => {
  it('an existing mailbox is accepted with 250 2.1.5', async () => {
    const server = await mta({ mailboxes: { [RCPT]: 'ok' } });
    const out = await runSmtpSession(sessionRequest(server.port));
    expect(out.failure).toBeUndefined();
    expect(out.connected).toBe(true);
    expect(out.mxHost).toBe('mx1.example.test');
    expect(out.mail).toMatchObject({ stage: 'mail', code: 250, enhanced: '2.1.0' });
    expect(out.rcpt).toEqual({ stage: 'rcpt', host: 'mx1.example.test', code: 250, enhanced: '2.1.5', text: '2.1.5 Ok' });
    expect(out.probe).toBeUndefined();
    expect(out.replies.map((r) => r.stage)).toEqual(['banner', 'ehlo', 'mail', 'rcpt', 'quit']);
    expect(out.replies[0]!.text).toMatch(/^mx\.example\.test ESMTP/);
    const seen = server.sessions[0]!;
    expect(seen.ehlo).toBe(HELLO);
    expect(seen.mailFrom).toBe(FROM);
    expect(seen.rcpts).toEqual([RCPT]);
    expect(seen.commands.at(-1)).toBe('QUIT');
  });

  it('an unknown mailbox gets Postfix\'s 550 5.1.1 text, unchanged', async () => {
    const server = await mta();
    const out = await runSmtpSession(sessionRequest(server.port));
    expect(out.rcpt).toMatchObject({
      code: 550,
      enhanced: '5.1.1',
      text: `5.1.1 <${RCPT}>: Recipient address rejected: User unknown in local recipient table`,
    });
    expect(out.failure).toBeUndefined();
  });

  it.each([
    ['full452', 452, '4.2.2', '4.2.2 Mailbox full'],
    ['full552', 552, '5.2.2', '5.2.2 Mailbox full'],
    ['disabled', 550, '5.2.1', '5.2.1 Mailbox disabled, not accepting messages'],
    ['blocked', 554, '5.7.1', '5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org'],
  ] as const)('a %s mailbox is reported as %i %s', async (behaviour, code, enhanced, text) => {
    const server = await mta({ mailboxes: { [RCPT]: behaviour } });
    const out = await runSmtpSession(sessionRequest(server.port));
    expect(out.rcpt).toMatchObject({ stage: 'rcpt', code, enhanced, text });
  });

  it('a catch-all domain accepts the random probe address too', async () => {
    const server = await mta({ catchAll: true });
    const out = await runSmtpSession(sessionRequest(server.port, { probeRcpt: PROBE }));
    expect(out.rcpt).toMatchObject({ code: 250 });
    expect(out.probe).toMatchObject({ stage: 'probe', code: 250, enhanced: '2.1.5' });
    expect(server.sessions[0]!.rcpts).toEqual([RCPT, PROBE]);
  });

  it('a domain that is not catch-all rejects the probe while accepting the address', async () => {
    const server = await mta({ mailboxes: { [RCPT]: 'ok' } });
    const out = await runSmtpSession(sessionRequest(server.port, { probeRcpt: PROBE }));
    expect(out.rcpt).toMatchObject({ code: 250 });
    expect(out.probe).toMatchObject({ code: 550, enhanced: '5.1.1' });
  });

  it('a greylisted recipient gets postgrey\'s 450 4.2.0, then is accepted when checked again', async () => {
    const server = await mta({ mailboxes: { [RCPT]: 'greylistOnce' } });
    const first = await runSmtpSession(sessionRequest(server.port));
    expect(first.rcpt).toMatchObject({ code: 450, enhanced: '4.2.0' });
    expect(first.rcpt!.text).toContain('Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.test.html');
    const second = await runSmtpSession(sessionRequest(server.port));
    expect(second.rcpt).toMatchObject({ code: 250 });
    expect(server.connections).toBe(2);
  });

  it('behaviour can change between checks', async () => {
    const server = await mta({ mailboxes: { [RCPT]: 'ok' } });
    expect((await runSmtpSession(sessionRequest(server.port))).rcpt?.code).toBe(250);
    server.setMailbox(RCPT, 'disabled');
    expect((await runSmtpSession(sessionRequest(server.port))).rcpt?.enhanced).toBe('5.2.1');
  });

  it('pipelines MAIL FROM and both RCPTs in one write when PIPELINING is advertised', async () => {
    const server = await mta({ catchAll: true });
    await runSmtpSession(sessionRequest(server.port, { probeRcpt: PROBE }));
    const seen = server.sessions[0]!;
    expect(seen.pipelined).toBe(true);
    // A single check has nothing after its RCPTs: QUIT rides in the same burst (RFC 2920 3.1).
    expect(seen.bursts).toContainEqual([`MAIL FROM:<${FROM}>`, `RCPT TO:<${RCPT}>`, `RCPT TO:<${PROBE}>`, "QUIT"]);
  });

  it('sends one command at a time when PIPELINING is not advertised', async () => {
    const server = await mta({ catchAll: true, pipelining: false });
    const out = await runSmtpSession(sessionRequest(server.port, { probeRcpt: PROBE }));
    expect(out.probe?.code).toBe(250);
    const seen = server.sessions[0]!;
    expect(seen.pipelined).toBe(false);
    expect(seen.bursts.every((b) => b.length === 1)).toBe(true);
    expect(seen.rcpts).toEqual([RCPT, PROBE]);
  });

  it('without pipelining, skips the probe when the address itself got a 5xx', async () => {
    const server = await mta({ pipelining: false });
    const out = await runSmtpSession(sessionRequest(server.port, { probeRcpt: PROBE }));
    expect(out.rcpt?.code).toBe(550);
    expect(out.probe).toBeUndefined();
    expect(server.sessions[0]!.rcpts).toEqual([RCPT]);
  });

  it('asks for SMTPUTF8 in MAIL FROM when the address is not ASCII and the server offers it', async () => {
    const server = await mta({ catchAll: true });
    const out = await runSmtpSession(sessionRequest(server.port, { rcpt: 'jürgen@example.test' }));
    expect(out.rcpt?.code).toBe(250);
    expect(server.sessions[0]!.commands).toContain(`MAIL FROM:<${FROM}> SMTPUTF8`);
    expect(server.sessions[0]!.rcpts).toEqual(['jürgen@example.test']);
  });

  it.each([true, false])('a rejected MAIL FROM ends the conversation without a RCPT answer (pipelining %s)', async (pipelining) => {
    const server = await mta({ catchAll: true, pipelining });
    server.setMailFromReply({ code: 553, text: '5.7.1 <verify@verifier.example.test>: Sender address rejected: not owned by user' });
    const out = await runSmtpSession(sessionRequest(server.port, { probeRcpt: PROBE }));
    expect(out.mail).toMatchObject({ code: 553, enhanced: '5.7.1' });
    expect(out.rcpt).toBeUndefined();
    expect(out.probe).toBeUndefined();
    expect(out.failure).toBeUndefined();
    expect(out.replies.some((r) => r.stage === 'rcpt')).toBe(false);
    if (!pipelining) expect(server.sessions[0]!.rcpts).toEqual([]);
  });
});

describe('runSmtpSession across MX hosts', () => {
  it('a refused first host is followed by the next, lower-preference host', async () => {
    const server = await mta({ mailboxes: { [RCPT]: 'ok' } });
    const tried: string[] = [];
    // Same port, another loopback address where nothing listens.
    const out = await runSmtpSession(
      sessionRequest(server.port, {
        hosts: [mx('mx1.example.test', '127.0.0.2', 10), mx('mx2.example.test', '127.0.0.1', 20)],
        beforeConnect: async (h) => {
          tried.push(h.exchange);
        },
      }),
    );
    expect(tried).toEqual(['mx1.example.test', 'mx2.example.test']);
    expect(out.mxHost).toBe('mx2.example.test');
    expect(out.rcpt).toMatchObject({ host: 'mx2.example.test', code: 250 });
    expect(out.failure).toBeUndefined();
  });

  it('tries every address of a host before the next host', async () => {
    const server = await mta({ mailboxes: { [RCPT]: 'ok' } });
    const out = await runSmtpSession(sessionRequest(server.port, { hosts: [{ exchange: 'mx1.example.test', preference: 10, addresses: ['127.0.0.2', '127.0.0.1'] }] }));
    expect(out.rcpt?.code).toBe(250);
  });

  it('counts addresses, not hosts: a limit of 3 stops inside the second host, and no later host is throttled for', async () => {
    const server = await mta({ mailboxes: { [RCPT]: 'ok' } });
    const tried: string[] = [];
    const out = await runSmtpSession(
      sessionRequest(server.port, {
        maxAddresses: 3,
        hosts: [
          { exchange: 'mx1.example.test', preference: 10, addresses: ['127.0.0.2', '127.0.0.3'] },
          { exchange: 'mx2.example.test', preference: 20, addresses: ['127.0.0.4', '127.0.0.5'] },
          mx('mx3.example.test', '127.0.0.1', 30),
        ],
        beforeConnect: async (h) => {
          tried.push(h.exchange);
        },
      }),
    );
    expect(tried).toEqual(['mx1.example.test', 'mx2.example.test']);
    expect(out.attempts!.map((a) => [a.address, a.outcome])).toEqual([
      ['127.0.0.2', 'refused'],
      ['127.0.0.3', 'refused'],
      ['127.0.0.4', 'refused'],
      ['127.0.0.5', 'not_tried'],
    ]);
    expect(out.addressLimitReached).toBe(true);
    expect(out.failure).toBe('refused');
    expect(out.failureDetail).toContain('address limit');
    expect(server.connections).toBe(0);
  });

  it('every address tried with none left is not the limit: the last failure stands', async () => {
    const port = await refusedPort();
    const out = await runSmtpSession(sessionRequest(port, { maxAddresses: 2, hosts: [mx('mx1.example.test', '127.0.0.1'), mx('mx2.example.test', '127.0.0.2', 20)] }));
    expect(out.addressLimitReached).toBeUndefined();
    expect(out.failure).toBe('refused');
    expect(out.attempts!.map((a) => a.outcome)).toEqual(['refused', 'refused']);
  });

  it('a refused port with no other host is a refused failure', async () => {
    const port = await refusedPort();
    const out = await runSmtpSession(sessionRequest(port));
    expect(out.failure).toBe('refused');
    expect(out.failureDetail).toMatch(/mx1\.example\.test \[127\.0\.0\.1\]:\d+: .*ECONNREFUSED/);
    expect(out.connected).toBe(false);
    expect(out.replies).toEqual([]);
  });

  it('a banner that never comes times out after the step timeout, and the next host is used', async () => {
    const server = await mta({ mailboxes: { [RCPT]: 'ok' } });
    const silent = await startSilentServer({ host: '127.0.0.2', port: server.port });
    cleanups.push(() => silent.close());
    const started = Date.now();
    const out = await runSmtpSession(
      sessionRequest(server.port, { stepTimeoutMs: 500, hosts: [mx('mx1.example.test', '127.0.0.2'), mx('mx2.example.test', '127.0.0.1', 20)] }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(silent.connections).toBe(1);
    expect(out.rcpt).toMatchObject({ host: 'mx2.example.test', code: 250 });
    await waitFor(() => silent.openConnections === 0);
  });

  it('a banner that never comes, with no other host, is a timeout failure', async () => {
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    const started = Date.now();
    const out = await runSmtpSession(sessionRequest(silent.port, { stepTimeoutMs: 500 }));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(out.failure).toBe('timeout');
    expect(out.failureDetail).toContain('waiting for the banner');
    await waitFor(() => silent.openConnections === 0);
  });

  it('a 554 banner is recorded and the next host is tried', async () => {
    const server = await mta({ mailboxes: { [RCPT]: 'ok' } });
    const refusing = await scripted({ host: '127.0.0.2', port: server.port, banner: wireReply(554, 'mx1.example.test No SMTP service here') });
    const out = await runSmtpSession(sessionRequest(server.port, { hosts: [mx('mx1.example.test', '127.0.0.2'), mx('mx2.example.test', '127.0.0.1', 20)] }));
    expect(out.replies[0]).toEqual({ stage: 'banner', host: 'mx1.example.test', code: 554, enhanced: null, text: 'mx1.example.test No SMTP service here' });
    expect(out.rcpt).toMatchObject({ host: 'mx2.example.test', code: 250 });
    expect(out.failureDetail).toBeUndefined();
    expect(refusing.sessions[0]!.ehlo).toBeNull();
  });

  it('a 554 banner on the only host is a reply-level rejection, not a transport failure', async () => {
    const refusing = await scripted({ banner: wireReply(554, '5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org'), closeAfterBanner: true });
    const out = await runSmtpSession(sessionRequest(refusing.port));
    expect(out.connected).toBe(false);
    expect(out.failure).toBeUndefined();
    expect(out.failureDetail).toContain('banner rejected: 554');
    expect(out.replies[0]).toMatchObject({ stage: 'banner', code: 554, enhanced: '5.7.1' });
    expect(out.rcpt).toBeUndefined();
  });

  it('a 421 "too busy" answer to EHLO moves on to the next host', async () => {
    const server = await mta({ mailboxes: { [RCPT]: 'ok' } });
    await scripted({
      host: '127.0.0.2',
      port: server.port,
      banner: wireReply(220, 'mx1.example.test ESMTP'),
      replies: { EHLO: wireReply(421, '4.7.0 mx1.example.test Error: too many connections from 127.0.0.1') },
    });
    const out = await runSmtpSession(sessionRequest(server.port, { hosts: [mx('mx1.example.test', '127.0.0.2'), mx('mx2.example.test', '127.0.0.1', 20)] }));
    expect(out.replies.filter((r) => r.host === 'mx1.example.test').map((r) => [r.stage, r.code])).toContainEqual(['ehlo', 421]);
    expect(out.rcpt).toMatchObject({ host: 'mx2.example.test', code: 250 });
  });

  it('once a host reaches MAIL FROM its answers are final: no other host is tried', async () => {
    const first = await mta({ host: '127.0.0.2', mailboxes: { [RCPT]: 'greylist' } });
    const second = await mta({ host: '127.0.0.1', port: first.port, mailboxes: { [RCPT]: 'ok' } });
    const out = await runSmtpSession(sessionRequest(first.port, { hosts: [mx('mx1.example.test', '127.0.0.2'), mx('mx2.example.test', '127.0.0.1', 20)] }));
    expect(out.rcpt).toMatchObject({ host: 'mx1.example.test', code: 450 });
    expect(second.connections).toBe(0);
  });
});

describe('runSmtpSession with unusual servers', () => {
  it('parses Gmail-style multi-line replies and pipelines when PIPELINING is among them', async () => {
    const server = await scripted({
      banner: GMAIL_STYLE.banner,
      replies: { EHLO: GMAIL_STYLE.ehlo, MAIL: GMAIL_STYLE.mail, RCPT: GMAIL_STYLE.noSuchUser, QUIT: GMAIL_STYLE.quit },
    });
    const out = await runSmtpSession(sessionRequest(server.port));
    const ehlo = out.replies.find((r) => r.stage === 'ehlo')!;
    expect(ehlo.code).toBe(250);
    expect(ehlo.text.split('\n')).toEqual(['mx.example.test at your service, [127.0.0.1]', 'SIZE 157286400', '8BITMIME', 'ENHANCEDSTATUSCODES', 'PIPELINING', 'CHUNKING', 'SMTPUTF8']);
    expect(out.rcpt).toMatchObject({ code: 550, enhanced: '5.1.1' });
    expect(out.rcpt!.text.split('\n')).toHaveLength(3);
    expect(out.rcpt!.text).toContain("5.1.1 double-checking the recipient's email address for typos or");
    expect(server.sessions[0]!.pipelined).toBe(true);
    expect(out.replies.at(-1)).toMatchObject({ stage: 'quit', code: 221 });
  });

  it('falls back to HELO when EHLO is answered with 502', async () => {
    const server = await scripted({
      banner: wireReply(220, 'old.example.test SMTP'),
      replies: {
        EHLO: wireReply(502, '5.5.2 Error: command not recognized'),
        HELO: wireReply(250, 'old.example.test'),
        MAIL: wireReply(250, '2.1.0 Ok'),
        RCPT: wireReply(250, '2.1.5 Ok'),
      },
    });
    const out = await runSmtpSession(sessionRequest(server.port, { probeRcpt: PROBE }));
    expect(out.connected).toBe(true);
    expect(out.replies.map((r) => `${r.stage} ${r.code}`)).toEqual(['banner 220', 'ehlo 502', 'helo 250', 'mail 250', 'rcpt 250', 'probe 250', 'quit 221']);
    const seen = server.sessions[0]!;
    expect(seen.helo).toBe(HELLO);
    // No EHLO extensions, so no PIPELINING: one command per write.
    expect(seen.pipelined).toBe(false);
  });

  it('a server that answers with HTTP garbage is a protocol failure, quickly', async () => {
    const server = await scripted({ banner: 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n' });
    const started = Date.now();
    const out = await runSmtpSession(sessionRequest(server.port, { stepTimeoutMs: 5000 }));
    expect(Date.now() - started).toBeLessThan(2500);
    expect(out.failure).toBe('protocol');
    expect(out.failureDetail).toContain('not an SMTP reply line: "HTTP/1.1 400 Bad Request"');
    await waitFor(() => server.openConnections === 0);
  });

  it('a 100 KB line without a newline is a protocol failure, without waiting for the rest', async () => {
    const server = await scripted({ banner: 'x'.repeat(100_000) });
    const started = Date.now();
    const out = await runSmtpSession(sessionRequest(server.port, { stepTimeoutMs: 5000 }));
    expect(Date.now() - started).toBeLessThan(2500);
    expect(out.failure).toBe('protocol');
    expect(out.failureDetail).toContain('longer than 2048 bytes');
    await waitFor(() => server.openConnections === 0);
  });

  it('garbage in the middle of a multi-line EHLO reply is a protocol failure', async () => {
    const server = await scripted({ banner: wireReply(220, 'mx.example.test ESMTP'), replies: { EHLO: '250-mx.example.test\r\n550 surprise\r\n' } });
    const out = await runSmtpSession(sessionRequest(server.port));
    expect(out.failure).toBe('protocol');
    expect(out.failureDetail).toContain('waiting for the EHLO reply');
    expect(out.connected).toBe(false);
  });

  it('a connection closed after MAIL FROM is a protocol failure with the replies so far', async () => {
    const server = await scripted({
      banner: wireReply(220, 'mx.example.test ESMTP'),
      replies: { EHLO: wireReply(250, 'mx.example.test'), MAIL: wireReply(250, '2.1.0 Ok'), RCPT: () => null },
    });
    // Close every connection as soon as the RCPT arrives.
    const out = runSmtpSession(sessionRequest(server.port));
    await waitFor(() => server.sessions[0]?.rcpts.length === 1);
    await server.close();
    const result = await out;
    expect(result.failure).toBe('protocol');
    expect(result.mail?.code).toBe(250);
    expect(result.rcpt).toBeUndefined();
  });

  it('the check deadline cuts a step short even when the step timeout is longer', async () => {
    const server = await scripted(stallAtRcpt());
    const started = Date.now();
    const out = await runSmtpSession(sessionRequest(server.port, { stepTimeoutMs: 10_000, deadline: Date.now() + 600 }));
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(500);
    expect(took).toBeLessThan(2500);
    expect(out.failure).toBe('timeout');
    expect(out.failureDetail).toContain('waiting for the RCPT TO reply');
    expect(out.failureDetail).toContain('check deadline reached');
    expect(out.mail?.code).toBe(250);
    expect(out.rcpt).toBeUndefined();
  });

  it('a deadline already past connects to nothing', async () => {
    const server = await mta();
    const out = await runSmtpSession(sessionRequest(server.port, { deadline: Date.now() - 1 }));
    expect(out.failure).toBe('timeout');
    expect(server.connections).toBe(0);
  });

  it('the caller\'s signal aborts a waiting conversation', async () => {
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    const out = await runSmtpSession(sessionRequest(silent.port, { stepTimeoutMs: 5000, signal: controller.signal, hosts: [mx('mx1.example.test'), mx('mx2.example.test')] }));
    expect(Date.now() - started).toBeLessThan(2500);
    expect(out.failure).toBe('aborted');
    expect(silent.connections).toBe(1);
    await waitFor(() => silent.openConnections === 0);
  });

  it('never sends a command containing CR or LF: it throws before connecting', async () => {
    const server = await mta({ catchAll: true });
    await expect(runSmtpSession(sessionRequest(server.port, { rcpt: 'alice@example.test>\r\nDATA' }))).rejects.toThrow(/CR, LF or NUL/);
    await expect(runSmtpSession(sessionRequest(server.port, { helloName: 'a\0b' }))).rejects.toThrow(/CR, LF or NUL/);
    expect(server.connections).toBe(0);
  });

  it('a throwing beforeConnect (throttle) aborts the stage before any connection', async () => {
    const server = await mta({ catchAll: true });
    await expect(
      runSmtpSession(sessionRequest(server.port, { beforeConnect: () => Promise.reject(new Error('throttled')) })),
    ).rejects.toThrow('throttled');
    expect(server.connections).toBe(0);
  });

  it('leaves no connection open on the server after a normal conversation', async () => {
    const server: RawServer = await scripted({
      banner: wireReply(220, 'mx.example.test ESMTP'),
      replies: { EHLO: wireReply(250, 'mx.example.test'), MAIL: wireReply(250, '2.1.0 Ok'), RCPT: wireReply(250, '2.1.5 Ok'), QUIT: () => null },
    });
    const started = Date.now();
    const out = await runSmtpSession(sessionRequest(server.port, { stepTimeoutMs: 5000 }));
    // The 221 never comes; we wait a short while, not a whole step.
    expect(Date.now() - started).toBeLessThan(2500);
    expect(out.rcpt?.code).toBe(250);
    await waitFor(() => server.openConnections === 0);
  });
});
