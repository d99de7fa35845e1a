/**
 * @module test/verify-starttls
 * STARTTLS as MTAs do it, end to end through `verify()`/`verifyMany()`: an MX that requires
 * TLS (Postfix `smtpd_tls_security_level = encrypt`: 530 5.7.0 to MAIL FROM in plaintext) with a
 * self-signed certificate, one that offers STARTTLS but breaks the handshake, one without
 * STARTTLS; directly and through a SOCKS5 proxy (microsocks); single and grouped sessions.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckResultSchema, type CheckResult } from '../shared/result.ts';
import { verify, verifyMany, verifyOptionsFromEnv } from '../machines/src/verify/index.ts';
import { startDnsServer, type TestDnsServer } from './support/dns-server.ts';
import { startMockMta, startScriptedSmtpServer, wireReply, type MockMta, type RawServer } from './support/smtp-servers.ts';
import { startSocksProxy } from './support/socks-proxy.ts';
import { SELF_SIGNED_MX } from './support/test-tls.ts';

let dns: TestDnsServer;
let tlsMta: MockMta; // requires STARTTLS, 127.0.0.61
let plainMta: MockMta; // no STARTTLS, 127.0.0.64
let brokenTls: RawServer; // offers STARTTLS, the handshake fails; takes mail in plaintext, 127.0.0.62
let brokenTlsRequired: RawServer; // offers STARTTLS, the handshake fails; 530 to MAIL FROM in plaintext, 127.0.0.63

const EHLO_WITH_STARTTLS = wireReply(250, 'mx.example.test', 'PIPELINING', 'SIZE 10240000', 'STARTTLS', 'ENHANCEDSTATUSCODES', '8BITMIME');

/** Answers STARTTLS with 220, then answers the ClientHello's bytes as if they were commands: no handshake can succeed. */
const brokenTlsServer = (port: number, host: string, mail: string) =>
  startScriptedSmtpServer({
    host,
    port,
    banner: wireReply(220, 'mx.example.test ESMTP Postfix'),
    replies: {
      EHLO: EHLO_WITH_STARTTLS,
      STARTTLS: wireReply(220, '2.0.0 Ready to start TLS'),
      MAIL: mail,
      RCPT: (line) => (/<alice@/i.test(line) ? wireReply(250, '2.1.5 Ok') : wireReply(550, '5.1.1 <x>: Recipient address rejected: User unknown in local recipient table')),
    },
  });

/**
 * A hand-rolled STARTTLS MX for what smtp-server will not do: `inject` answers STARTTLS with
 * its 220 plus a forged reply in the same write (the CVE-2011-0411 response injection), then
 * speaks TLS; `stall` answers 220 and never starts the handshake. Plaintext sessions take mail.
 */
interface HandRolledMx {
  readonly connections: number;
  readonly secureRcpts: string[];
  close(): Promise<void>;
}

function startHandRolledMx(host: string, port: number, mode: 'inject' | 'stall'): Promise<HandRolledMx> {
  let connections = 0;
  const secureRcpts: string[] = [];
  const sockets = new Set<Socket>();
  const speak = (stream: Socket, secure: boolean, onStartTls: () => void): void => {
    let partial = '';
    const onData = (chunk: Buffer): void => {
      partial += chunk.toString('latin1');
      const lines = partial.split('\r\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const verb = line.split(/[\s:]/, 1)[0]!.toUpperCase();
        if (verb === 'EHLO') stream.write(secure ? '250-mx.example.test\r\n250 PIPELINING\r\n' : '250-mx.example.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n');
        else if (verb === 'STARTTLS' && !secure) {
          stream.removeListener('data', onData);
          return onStartTls();
        } else if (verb === 'MAIL') stream.write('250 2.1.0 Ok\r\n');
        else if (verb === 'RCPT') {
          if (secure) secureRcpts.push(line);
          stream.write(/<alice@/i.test(line) ? '250 2.1.5 Ok\r\n' : '550 5.1.1 <x>: Recipient address rejected: User unknown in local recipient table\r\n');
        } else if (verb === 'QUIT') return void stream.end('221 2.0.0 Bye\r\n');
        else stream.write('502 5.5.2 Error: command not recognized\r\n');
      }
    };
    stream.on('data', onData);
  };
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.write('220 mx.example.test ESMTP Postfix\r\n');
    speak(socket, false, () => {
      if (mode === 'stall') return void socket.write('220 2.0.0 Ready to start TLS\r\n');
      socket.write('220 2.0.0 Ready to start TLS\r\n554 5.7.1 injected before the handshake\r\n');
      const tls = new TLSSocket(socket, { isServer: true, key: SELF_SIGNED_MX.key, cert: SELF_SIGNED_MX.cert });
      tls.on('error', () => tls.destroy());
      speak(tls, true, () => {});
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      expect((server.address() as AddressInfo).port).toBe(port);
      resolve({
        get connections() {
          return connections;
        },
        secureRcpts,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

let injecting: HandRolledMx; // 127.0.0.65
let stalling: HandRolledMx; // 127.0.0.66

beforeAll(async () => {
  tlsMta = await startMockMta({ host: '127.0.0.61', starttls: SELF_SIGNED_MX, requireTls: true, mailboxes: { 'alice@tls.test': 'ok', 'bob@tls.test': 'ok', 'carol@tls.test': 'ok' } });
  const port = tlsMta.port;
  plainMta = await startMockMta({ host: '127.0.0.64', port, mailboxes: { 'alice@plain.test': 'ok' } });
  brokenTls = await brokenTlsServer(port, '127.0.0.62', wireReply(250, '2.1.0 Ok'));
  brokenTlsRequired = await brokenTlsServer(port, '127.0.0.63', wireReply(530, '5.7.0 Must issue a STARTTLS command first'));
  injecting = await startHandRolledMx('127.0.0.65', port, 'inject');
  stalling = await startHandRolledMx('127.0.0.66', port, 'stall');
  const mx = (name: string) => ({ MX: [{ preference: 10, exchange: name }] });
  dns = await startDnsServer({
    'tls.test': mx('mx.tls.test'),
    'mx.tls.test': { A: ['127.0.0.61'] },
    'badtls.test': mx('mx.badtls.test'),
    'mx.badtls.test': { A: ['127.0.0.62'] },
    'badtls-required.test': mx('mx.badtls-required.test'),
    'mx.badtls-required.test': { A: ['127.0.0.63'] },
    'plain.test': mx('mx.plain.test'),
    'mx.plain.test': { A: ['127.0.0.64'] },
    'inject.test': mx('mx.inject.test'),
    'mx.inject.test': { A: ['127.0.0.65'] },
    'stall.test': mx('mx.stall.test'),
    'mx.stall.test': { A: ['127.0.0.66'] },
  });
});

afterAll(async () => {
  await Promise.all([tlsMta?.close(), plainMta?.close(), brokenTls?.close(), brokenTlsRequired?.close(), injecting?.close(), stalling?.close(), dns?.close()]);
});

function options(env: Record<string, string> = {}) {
  return verifyOptionsFromEnv({
    DNS_SERVERS: dns.server,
    SMTP_PORT: String(tlsMta.port),
    SMTP_TIMEOUT: '5',
    CHECK_DEADLINE: '30',
    HELO_NAME: 'verifier.example.test',
    FROM_EMAIL: 'verify@verifier.example.test',
    ALLOW_PRIVATE_MX: '1',
    MX_CACHE_TTL: '0',
    CATCH_ALL_TTL: '0',
    ...env,
  });
}

const check = async (email: string, env?: Record<string, string>): Promise<CheckResult> => CheckResultSchema.parse(await verify(email, options(env)));
const stages = (r: CheckResult) => r.debug.smtp_replies.map((x) => `${x.stage} ${x.code}`);

describe('an MX that requires STARTTLS (Postfix smtpd_tls_security_level = encrypt)', () => {
  it('is checked over TLS: STARTTLS, EHLO again, then MAIL and RCPT inside TLS, with SNI and a self-signed certificate', async () => {
    const seen = tlsMta.rcpts.length;
    const r = await check('alice@tls.test');
    expect(r).toMatchObject({ is_reachable: 'safe', reason: 'deliverable' });
    expect(stages(r)).toEqual(['banner 220', 'ehlo 250', 'starttls 220', 'ehlo 250', 'mail 250', 'rcpt 250', 'probe 550', 'quit 221']);
    expect(r.debug.tls).toMatchObject({ offered: true, used: true, handshake_failures: 0 });
    expect(r.debug.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(r.debug.tls?.cipher).toBeTruthy();
    // RFC 3207 4.2: the post-TLS EHLO no longer lists STARTTLS, and we did not send it twice.
    expect(r.debug.smtp_replies[3]!.text).not.toMatch(/STARTTLS/);
    const rcpts = tlsMta.rcpts.slice(seen);
    expect(rcpts.map((x) => x.address)).toEqual(['alice@tls.test', expect.stringMatching(/@tls\.test$/)]);
    expect(rcpts.every((x) => x.secure && x.servername === 'mx.tls.test')).toBe(true);
  });

  it('with STARTTLS=off answers unknown/tls_required, not blocked_by_policy (our IP is fine)', async () => {
    const r = await check('alice@tls.test', { STARTTLS: 'off' });
    expect(r).toMatchObject({ is_reachable: 'unknown', reason: 'tls_required', smtp: { can_connect_smtp: true } });
    expect(r.debug.tls).toEqual({ offered: true, used: false, protocol: null, cipher: null, handshake_failures: 0 });
    expect(stages(r)).not.toContain('starttls 220');
    expect(r.debug.smtp_replies.find((x) => x.stage === 'mail')).toMatchObject({ code: 530, enhanced: '5.7.0' });
  });

  it('a grouped session carries every recipient after one TLS upgrade', async () => {
    const connections = tlsMta.connections;
    const seen = tlsMta.rcpts.length;
    const list = ['alice@tls.test', 'bob@tls.test', 'x1@tls.test', 'carol@tls.test'];
    const items = await verifyMany(list, options());
    const rs = items.map((i) => {
      if (!i.ok) throw i.error;
      return CheckResultSchema.parse(i.result);
    });
    expect(rs.map((r) => r.reason)).toEqual(['deliverable', 'deliverable', 'mailbox_not_found', 'deliverable']);
    expect(tlsMta.connections).toBe(connections + 1);
    const rcpts = tlsMta.rcpts.slice(seen);
    expect(rcpts).toHaveLength(5); // the probe and four recipients
    expect(rcpts.every((x) => x.secure)).toBe(true);
    for (const r of rs) expect(r.debug.tls).toMatchObject({ offered: true, used: true, handshake_failures: 0 });
  });

  it('is checked over TLS through a SOCKS5 proxy too, grouped and single', async () => {
    const proxy = await startSocksProxy();
    try {
      const seen = tlsMta.rcpts.length;
      const r = await check('alice@tls.test', { PROXY_URL: proxy.url });
      expect(r, proxy.logs()).toMatchObject({ is_reachable: 'safe', reason: 'deliverable', debug: { tls: { used: true } } });
      const items = await verifyMany(['bob@tls.test', 'carol@tls.test', 'x2@tls.test'], options({ PROXY_URL: proxy.url }));
      const reasons = items.map((i) => (i.ok ? i.result.reason : String(i.error)));
      expect(reasons).toEqual(['deliverable', 'deliverable', 'mailbox_not_found']);
      const rcpts = tlsMta.rcpts.slice(seen);
      expect(rcpts.length).toBe(2 + 4);
      expect(rcpts.every((x) => x.secure)).toBe(true);
    } finally {
      await proxy.stop();
    }
  });
});

describe('a TLS handshake that fails', () => {
  it('is retried once in plaintext on the same address, as Postfix does with opportunistic TLS', async () => {
    const before = brokenTls.connections;
    const r = await check('alice@badtls.test');
    expect(r).toMatchObject({ is_reachable: 'safe', reason: 'deliverable' });
    expect(r.debug.tls).toEqual({ offered: true, used: false, protocol: null, cipher: null, handshake_failures: 1 });
    expect(brokenTls.connections).toBe(before + 2);
    const [tlsTry, plain] = brokenTls.sessions.slice(before);
    expect(tlsTry!.commands).toContain('STARTTLS');
    expect(plain!.commands).not.toContain('STARTTLS');
    expect(plain!.rcpts[0]).toBe('alice@badtls.test');
    // One address tried in the walk: the plaintext retry is part of it.
    expect(r.debug.mx_attempts).toHaveLength(1);
  });

  it('then meets a server that insists on TLS: unknown/tls_required, with the failure counted', async () => {
    const r = await check('alice@badtls-required.test');
    expect(r).toMatchObject({ is_reachable: 'unknown', reason: 'tls_required' });
    expect(r.debug.tls?.handshake_failures).toBe(1);
  });

  it('through a SOCKS5 proxy falls back the same way', async () => {
    const proxy = await startSocksProxy();
    try {
      const r = await check('alice@badtls.test', { PROXY_URL: proxy.url });
      expect(r, proxy.logs()).toMatchObject({ reason: 'deliverable', debug: { tls: { used: false, handshake_failures: 1 } } });
    } finally {
      await proxy.stop();
    }
  });
});

describe('what happens around the handshake', () => {
  it('discards a reply injected after the 220 to STARTTLS (CVE-2011-0411): only what comes inside TLS counts', async () => {
    const r = await check('alice@inject.test');
    expect(r).toMatchObject({ is_reachable: 'safe', reason: 'deliverable', debug: { tls: { used: true, handshake_failures: 0 } } });
    expect(r.debug.smtp_replies.map((x) => x.text).join('\n')).not.toMatch(/injected/);
    expect(stages(r)).toEqual(['banner 220', 'ehlo 250', 'starttls 220', 'ehlo 250', 'mail 250', 'rcpt 250', 'probe 550', 'quit 221']);
    expect(injecting.secureRcpts[0]).toMatch(/<alice@inject\.test>/);
  });

  it('a server that never starts the handshake costs one step timeout, then the plaintext retry answers', async () => {
    const before = stalling.connections;
    const r = await check('alice@stall.test', { SMTP_TIMEOUT: '1' });
    expect(r).toMatchObject({ is_reachable: 'safe', reason: 'deliverable', debug: { tls: { used: false, handshake_failures: 1 } } });
    expect(stalling.connections).toBe(before + 2);
  });

  it('the whole-check deadline holds during a stalled handshake: no plaintext retry past it', async () => {
    const before = stalling.connections;
    const r = await check('alice@stall.test', { SMTP_TIMEOUT: '60', CHECK_DEADLINE: '2' });
    expect(r).toMatchObject({ is_reachable: 'unknown', reason: 'smtp_timeout' });
    expect(r.debug.duration_ms).toBeLessThan(30_000);
    expect(stalling.connections).toBe(before + 1);
  });
});

describe('an MX without STARTTLS', () => {
  it('is checked in plaintext, and the result says TLS was neither offered nor used', async () => {
    const r = await check('alice@plain.test');
    expect(r).toMatchObject({ is_reachable: 'safe', reason: 'deliverable' });
    expect(r.debug.tls).toEqual({ offered: false, used: false, protocol: null, cipher: null, handshake_failures: 0 });
    expect(stages(r)).not.toContain('starttls 220');
  });
});
