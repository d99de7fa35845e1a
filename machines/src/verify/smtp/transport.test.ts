import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedPort, startMockMta, startSilentServer, type MockMta } from '../../../../test/support/smtp-servers.ts';
import { startSocksProxy, type SocksProxyHandle } from '../../../../test/support/socks-proxy.ts';
import { runSmtpSession } from './index.ts';
import { mx, RCPT, sessionRequest } from '../../../../test/support/smtp-request.ts';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { SELF_SIGNED_MX } from '../../../../test/support/test-tls.ts';
import { openSmtpSocket, parseProxyUrl, TlsHandshakeError, TransportError, upgradeToTls } from './transport.ts';




describe('parseProxyUrl', () => {
  it('reads host, port and credentials', () => {
    expect(parseProxyUrl('socks5://us%40er:p%3Ass@127.0.0.1:1081')).toEqual({ host: '127.0.0.1', port: 1081, userId: 'us@er', password: 'p:ss' });
    expect(parseProxyUrl('socks5://[::1]:1080')).toEqual({ host: '::1', port: 1080 });
  });

  it.each(['http://127.0.0.1:3128', 'not a url', 'socks5://:1080'])('rejects %s as a proxy failure', (raw) => {
    expect(() => parseProxyUrl(raw)).toThrow(TransportError);
  });
});

describe('openSmtpSocket', () => {
  it('refuses to connect to a name instead of an IP address', async () => {
    await expect(openSmtpSocket({ address: 'mx.example.test', port: 25, timeoutMs: 100 })).rejects.toMatchObject({ failure: 'refused' });
  });
});

describe('upgradeToTls', () => {
  /** A TLS server with a self-signed certificate that records the SNI name each client sent. */
  async function tlsServer(): Promise<{ port: number; names: (string | false | null)[]; close: () => Promise<void> }> {
    const names: (string | false | null)[] = [];
    const server = createTlsServer({ key: SELF_SIGNED_MX.key, cert: SELF_SIGNED_MX.cert }, (s: TLSSocket) => {
      names.push(s.servername);
      s.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, names, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  it('accepts a self-signed certificate, sends the MX name as SNI, and no SNI for an address literal', async () => {
    const server = await tlsServer();
    try {
      for (const servername of ['mx.example.test.', '192.0.2.1']) {
        const raw = await openSmtpSocket({ address: '127.0.0.1', port: server.port, timeoutMs: 5000 });
        const tls = await upgradeToTls(raw, { servername, timeoutMs: 5000 });
        expect(tls.getProtocol()).toMatch(/^TLSv1\.[23]$/);
        tls.end();
      }
      await expect.poll(() => server.names).toEqual(['mx.example.test', false]);
    } finally {
      await server.close();
    }
  });

  it('a peer that does not speak TLS is a handshake failure, and the socket is destroyed', async () => {
    const silent = await startSilentServer(); // no banner, and 502 to whatever arrives: the ClientHello included
    const raw = await openSmtpSocket({ address: '127.0.0.1', port: silent.port, timeoutMs: 5000 });
    try {
      const err = await upgradeToTls(raw, { servername: 'mx.example.test', timeoutMs: 300 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TlsHandshakeError);
      expect(err).toMatchObject({ failure: 'handshake' });
      expect(raw.destroyed).toBe(true);
    } finally {
      await silent.close();
    }
  });
});

describe('SMTP through a SOCKS5 proxy (microsocks)', () => {
  let proxy: SocksProxyHandle;
  let authProxy: SocksProxyHandle;
  let server: MockMta;

  beforeAll(async () => {
    proxy = await startSocksProxy();
    authProxy = await startSocksProxy({ auth: { user: 'checker', password: 's3cret' } });
    server = await startMockMta({ mailboxes: { [RCPT]: 'ok' } });
  });
  afterAll(async () => {
    await proxy?.stop();
    await authProxy?.stop();
    await server?.close();
  });

  it('a check through the proxy reaches the MX and gets its answers', async () => {
    const before = server.connections;
    const out = await runSmtpSession(sessionRequest(server.port, { proxyUrl: proxy.url, probeRcpt: 'zz9@example.test' }));
    expect(out.failure).toBeUndefined();
    expect(out.rcpt).toMatchObject({ code: 250, enhanced: '2.1.5' });
    expect(out.probe).toMatchObject({ code: 550, enhanced: '5.1.1' });
    expect(server.connections).toBe(before + 1);
    expect(server.sessions.at(-1)!.pipelined).toBe(true);
  });

  it('works with a proxy that requires a username and password', async () => {
    const out = await runSmtpSession(sessionRequest(server.port, { proxyUrl: authProxy.url }));
    expect(out.rcpt?.code).toBe(250);
  });

  it('wrong proxy credentials are a proxy failure', async () => {
    const bad = authProxy.url.replace('s3cret', 'wrong');
    const out = await runSmtpSession(sessionRequest(server.port, { proxyUrl: bad }));
    expect(out.failure).toBe('proxy');
    expect(out.rcpt).toBeUndefined();
  });

  it('an MX that refuses behind the proxy moves on to the next host, not a proxy failure', async () => {
    const out = await runSmtpSession(
      sessionRequest(server.port, { proxyUrl: proxy.url, hosts: [mx('mx1.example.test', '127.0.0.2'), mx('mx2.example.test', '127.0.0.1', 20)] }),
    );
    expect(out.rcpt).toMatchObject({ host: 'mx2.example.test', code: 250 });
  });

  it('an MX that refuses behind the proxy, with no other host, is a refused failure', async () => {
    const port = await refusedPort();
    const out = await runSmtpSession(sessionRequest(port, { proxyUrl: proxy.url }));
    expect(out.failure).toBe('refused');
    expect(out.failureDetail).toContain('ConnectionRefused');
  });

  it('a banner timeout behind the proxy is a timeout', async () => {
    const silent = await startSilentServer();
    try {
      const out = await runSmtpSession(sessionRequest(silent.port, { proxyUrl: proxy.url, stepTimeoutMs: 400 }));
      expect(out.failure).toBe('timeout');
      expect(silent.connections).toBe(1);
    } finally {
      await silent.close();
    }
  });

  it('a proxy that is down is a proxy failure, quickly, and no other host is tried', async () => {
    const deadPort = await refusedPort();
    const tried: string[] = [];
    const before = server.connections;
    const started = Date.now();
    const out = await runSmtpSession(
      sessionRequest(server.port, {
        proxyUrl: `socks5://127.0.0.1:${deadPort}`,
        stepTimeoutMs: 5000,
        hosts: [mx('mx1.example.test'), mx('mx2.example.test', '127.0.0.1', 20)],
        beforeConnect: async (h) => {
          tried.push(h.exchange);
        },
      }),
    );
    expect(Date.now() - started).toBeLessThan(2500);
    expect(out.failure).toBe('proxy');
    expect(out.failureDetail).toContain(`SOCKS5 proxy 127.0.0.1:${deadPort}`);
    expect(tried).toEqual(['mx1.example.test']);
    expect(server.connections).toBe(before);
  });

  it('a malformed PROXY_URL is a proxy failure, not a crash', async () => {
    const out = await runSmtpSession(sessionRequest(server.port, { proxyUrl: 'http://127.0.0.1:3128' }));
    expect(out.failure).toBe('proxy');
  });
});
