/**
 * @module verify/smtp/transport
 * Opens the TCP connection to one MX address: directly with node:net, or through a
 * SOCKS5 proxy (`PROXY_URL`). Always by IP address (we resolved it ourselves); a
 * failure says whose fault it was: the MX ('refused', 'timeout') or the proxy ('proxy').
 * After STARTTLS, `upgradeToTls` runs the TLS handshake over that same socket.
 */
import { isIP, Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export type TransportFailure = 'refused' | 'timeout' | 'proxy' | 'aborted';

export class TransportError extends Error {
  readonly code = 'smtp_transport';
  constructor(
    readonly failure: TransportFailure,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface SocksProxy {
  host: string;
  port: number;
  userId?: string;
  password?: string;
}

/** `socks5://[user:pass@]host:port` (also `socks5h://`, `socks://`). Throws TransportError('proxy') when malformed. */
export function parseProxyUrl(raw: string): SocksProxy {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TransportError('proxy', 'PROXY_URL is not a URL (expected socks5://[user:pass@]host:port)');
  }
  if (!['socks5:', 'socks5h:', 'socks:'].includes(url.protocol)) {
    throw new TransportError('proxy', `PROXY_URL scheme ${url.protocol} is not supported (expected socks5://)`);
  }
  const port = Number(url.port || 1080);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TransportError('proxy', 'PROXY_URL needs a host and a port (socks5://host:port)');
  }
  const proxy: SocksProxy = { host, port };
  if (url.username) proxy.userId = decodeURIComponent(url.username);
  if (url.password) proxy.password = decodeURIComponent(url.password);
  return proxy;
}

export interface OpenSocketOptions {
  /** An IP address: never a name, so nothing is resolved here. */
  address: string;
  port: number;
  timeoutMs: number;
  proxy?: SocksProxy;
  signal?: AbortSignal;
}

/** Errno codes that mean "this host will not talk to us" (move on to the next one), as opposed to a timeout. */
const REFUSED_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL', 'EPIPE']);

function errnoOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
}

/**
 * A connected TCP socket to `address:port` (through the proxy when given), with
 * no-delay on and an 'error' listener attached so a late error never goes unhandled.
 * On failure the socket is destroyed and a TransportError says why.
 */
export async function openSmtpSocket(opts: OpenSocketOptions): Promise<Socket> {
  if (!isIP(opts.address)) throw new TransportError('refused', `"${opts.address}" is not an IP address; refusing to resolve it here`);
  if (!opts.proxy) {
    return connectTcp(opts.address, opts.port, opts.timeoutMs, opts.signal, (failure, detail) => {
      return new TransportError(failure, `${opts.address}:${opts.port}: ${detail}`);
    });
  }
  const proxy = opts.proxy;
  const started = Date.now();
  // Our own TCP connection to the proxy first, so "proxy down" and "MX refused" cannot be confused.
  const socket = await connectTcp(proxy.host, proxy.port, opts.timeoutMs, opts.signal, (failure, detail) => {
    if (failure === 'aborted') return new TransportError('aborted', detail);
    return new TransportError('proxy', `SOCKS5 proxy ${proxy.host}:${proxy.port}: ${detail}`);
  });
  return socksHandshake(socket, proxy, opts, Math.max(1, opts.timeoutMs - (Date.now() - started)));
}

function connectTcp(
  host: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  fail: (failure: TransportFailure, detail: string) => TransportError,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(fail('aborted', 'aborted before connecting'));
    const socket = new Socket();
    const done = (err: TransportError | null): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('connect', onConnect);
      socket.removeListener('error', onError);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve(socket);
    };
    const onConnect = (): void => done(null);
    const onError = (err: Error): void => {
      const errno = errnoOf(err);
      if (errno === 'ETIMEDOUT') done(fail('timeout', `connect timed out (${errno})`));
      else done(fail('refused', REFUSED_ERRNOS.has(errno) ? `connection failed (${errno})` : `connection failed (${err.message})`));
    };
    const onAbort = (): void => done(fail('aborted', 'aborted while connecting'));
    const timer = setTimeout(() => done(fail('timeout', `no TCP connection within ${timeoutMs} ms`)), timeoutMs);
    // Stays for the socket's whole life: errors after hand-over are read by the owner's own listener.
    socket.on('error', () => {});
    socket.once('connect', onConnect);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.setNoDelay(true);
    socket.connect({ host, port });
  });
}

/** SOCKS5 reply codes that are about the MX, not the proxy (RFC 1928 6: 3 network, 4 host unreachable, 5 refused, 6 TTL expired). */
function socksRejectionFailure(message: string): TransportFailure {
  if (/TTLExpired/.test(message)) return 'timeout';
  if (/ConnectionRefused|HostUnreachable|NetworkUnreachable/.test(message)) return 'refused';
  return 'proxy';
}

async function socksHandshake(socket: Socket, proxy: SocksProxy, opts: OpenSocketOptions, timeoutMs: number): Promise<Socket> {
  let ours: TransportError | null = null;
  const stop = (err: TransportError): void => {
    ours ??= err;
    socket.destroy();
  };
  const onAbort = (): void => stop(new TransportError('aborted', 'aborted during the SOCKS5 handshake'));
  const timer = setTimeout(
    // The proxy is up (we reached it); a slow handshake is usually the proxy waiting on the MX.
    () => stop(new TransportError('timeout', `${opts.address}:${opts.port} via SOCKS5 ${proxy.host}:${proxy.port}: no connection within ${opts.timeoutMs} ms`)),
    timeoutMs,
  );
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // Loaded on first use: most runs have no proxy, and the module (with ip-address) is a good part of a CLI start.
    const { SocksClient } = await import('socks');
    await SocksClient.createConnection({
      command: 'connect',
      destination: { host: opts.address, port: opts.port },
      proxy: { host: proxy.host, port: proxy.port, type: 5, userId: proxy.userId, password: proxy.password },
      existing_socket: socket,
      // The library's own timer is a fallback; ours fires first and says why.
      timeout: timeoutMs + 1000,
    });
    return socket;
  } catch (err) {
    socket.destroy();
    if (ours) throw ours;
    const message = err instanceof Error ? err.message : String(err);
    const failure = socksRejectionFailure(message);
    const whose = failure === 'proxy' ? `SOCKS5 proxy ${proxy.host}:${proxy.port}` : `${opts.address}:${opts.port} via SOCKS5 ${proxy.host}:${proxy.port}`;
    throw new TransportError(failure, `${whose}: ${message}`);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

export class TlsHandshakeError extends Error {
  readonly code = 'smtp_tls';
  constructor(
    /** `handshake`: the peers could not agree (or the server dropped us); `timeout`: no handshake within the step time. */
    readonly failure: 'handshake' | 'timeout' | 'aborted',
    message: string,
  ) {
    super(message);
    this.name = 'TlsHandshakeError';
  }
}

export interface UpgradeOptions {
  /** The MX host name for SNI; an IP address (or a name ending in a dot) is not sent, as RFC 6066 3 forbids literals. */
  servername: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * The TLS client handshake over an already connected socket (direct or SOCKS5), after the
 * server's 220 to STARTTLS. Opportunistic, as MTAs do on port 25 (Postfix `may`): the
 * certificate is not checked, since MX certificates are often self-signed or for another
 * name, and an unauthenticated TLS session still beats plaintext. On failure both sockets are destroyed.
 */
export function upgradeToTls(socket: Socket, opts: UpgradeOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      socket.destroy();
      return reject(new TlsHandshakeError('aborted', 'aborted before the TLS handshake'));
    }
    const name = opts.servername.replace(/\.$/, '');
    const tls = tlsConnect({
      socket,
      ...(name && !isIP(name) ? { servername: name } : {}),
      rejectUnauthorized: false,
      // Old MX hosts still speak TLS 1.0/1.1; any TLS is better than none, and a failure falls back to plaintext anyway.
      minVersion: 'TLSv1',
    });
    const done = (err: TlsHandshakeError | null): void => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      tls.removeListener('secureConnect', onSecure);
      tls.removeListener('error', onError);
      tls.removeListener('close', onClose);
      if (err) {
        tls.destroy();
        socket.destroy();
        reject(err);
      } else resolve(tls);
    };
    const onSecure = (): void => done(null);
    const onError = (err: Error & { code?: string }): void => done(new TlsHandshakeError('handshake', `TLS handshake failed (${err.code ?? err.message})`));
    const onClose = (): void => done(new TlsHandshakeError('handshake', 'connection closed during the TLS handshake'));
    const onAbort = (): void => done(new TlsHandshakeError('aborted', 'aborted during the TLS handshake'));
    const timer = setTimeout(() => done(new TlsHandshakeError('timeout', `no TLS handshake within ${opts.timeoutMs} ms`)), Math.max(1, opts.timeoutMs));
    // Stays for the socket's whole life, as on the TCP socket: the channel reads errors with its own listener.
    tls.on('error', () => {});
    tls.once('secureConnect', onSecure);
    tls.once('error', onError);
    tls.once('close', onClose);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
