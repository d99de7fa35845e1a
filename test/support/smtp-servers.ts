/**
 * @module test/support/smtp-servers
 * Loopback SMTP servers that answer like real MTAs: a mock MTA on `smtp-server` with
 * real-world reply texts (Postfix, postgrey, Spamhaus), and raw `node:net` servers
 * for the faults a well-behaved library cannot produce (silence, garbage, huge lines).
 * Every server records what arrived on the wire, so tests can assert on it.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/** Where a test server listens. Tests pass another 127.x address with the same port to build several "MX hosts" for one check. */
export interface ListenOptions {
  /** Default 127.0.0.1. Any 127.0.0.0/8 address works on Linux. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
}

/** What one client connection sent, as seen on the wire. */
export interface WireSession {
  /** Every command line, in order. */
  commands: string[];
  /** The command lines grouped by the TCP chunk that completed them: a pipelining client puts MAIL and RCPTs in one. */
  bursts: string[][];
  ehlo: string | null;
  helo: string | null;
  mailFrom: string | null;
  rcpts: string[];
  /** True when a MAIL FROM and a RCPT TO arrived in the same chunk. */
  readonly pipelined: boolean;
}

/** Splits a byte stream into command lines per chunk and pulls out EHLO/HELO/MAIL/RCPT. */
class WireRecorder implements WireSession {
  commands: string[] = [];
  bursts: string[][] = [];
  ehlo: string | null = null;
  helo: string | null = null;
  mailFrom: string | null = null;
  rcpts: string[] = [];
  #partial = '';

  get pipelined(): boolean {
    return this.bursts.some((b) => b.some((c) => /^MAIL FROM:/i.test(c)) && b.some((c) => /^RCPT TO:/i.test(c)));
  }

  /** Returns the complete lines this chunk finished. */
  push(chunk: Buffer): string[] {
    this.#partial += chunk.toString('utf8');
    const parts = this.#partial.split(/\r?\n/);
    this.#partial = parts.pop() ?? '';
    if (parts.length === 0) return parts;
    this.bursts.push(parts);
    for (const line of parts) {
      this.commands.push(line);
      let m: RegExpExecArray | null;
      if ((m = /^EHLO\s+(\S+)/i.exec(line))) this.ehlo = m[1]!;
      else if ((m = /^HELO\s+(\S+)/i.exec(line))) this.helo = m[1]!;
      else if ((m = /^MAIL FROM:\s*<([^>]*)>/i.exec(line))) this.mailFrom = m[1]!;
      else if ((m = /^RCPT TO:\s*<([^>]*)>/i.exec(line))) this.rcpts.push(m[1]!);
    }
    return parts;
  }
}

function listen(server: Server, opts: ListenOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Builds a reply as it goes on the wire: `250-first`, …, `250 last`, CRLF after each. */
export function wireReply(code: number, ...lines: string[]): string {
  const all = lines.length ? lines : [''];
  return all.map((l, i) => `${code}${i < all.length - 1 ? '-' : ' '}${l}`.trimEnd()).join('\r\n') + '\r\n';
}

// ---------------------------------------------------------------------------
// Mock MTA on smtp-server
// ---------------------------------------------------------------------------

export type MailboxBehaviour =
  | 'ok'
  | 'unknown'
  | 'full452'
  | 'full552'
  | 'disabled'
  | 'greylist'
  /** Greylisted on the first RCPT for this address, accepted from the second on (what postgrey does after its delay). */
  | 'greylistOnce'
  | 'blocked';

/** The reply a real MTA gives for each behaviour: basic code and the exact text after it. */
export function mailboxReply(behaviour: Exclude<MailboxBehaviour, 'greylistOnce'>, rcpt: string, clientIp: string): { code: number; text: string } {
  switch (behaviour) {
    case 'ok':
      return { code: 250, text: '2.1.5 Ok' };
    case 'unknown': // Postfix, local_recipient_maps
      return { code: 550, text: `5.1.1 <${rcpt}>: Recipient address rejected: User unknown in local recipient table` };
    case 'full452':
      return { code: 452, text: '4.2.2 Mailbox full' };
    case 'full552':
      return { code: 552, text: '5.2.2 Mailbox full' };
    case 'disabled':
      return { code: 550, text: '5.2.1 Mailbox disabled, not accepting messages' };
    case 'greylist': // postgrey via Postfix
      return { code: 450, text: `4.2.0 <${rcpt}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.test.html` };
    case 'blocked': // Postfix reject_rbl_client
      return { code: 554, text: `5.7.1 Service unavailable; Client host [${clientIp}] blocked using zen.spamhaus.org` };
  }
}

export interface MockMtaOptions extends ListenOptions {
  /** The name in the banner and EHLO greeting. Default mx.example.test. */
  name?: string;
  /** Text after "<name> ESMTP" in the banner. */
  banner?: string;
  /** Per-recipient behaviour (addresses compared case-insensitively). Others: `catchAll` ? 'ok' : 'unknown'. */
  mailboxes?: Record<string, MailboxBehaviour>;
  /** Accept every recipient not listed in `mailboxes`. */
  catchAll?: boolean;
  /** Advertise PIPELINING (default true). */
  pipelining?: boolean;
  /** Offer STARTTLS with this key and certificate (default: no STARTTLS, as before). */
  starttls?: { key: string; cert: string };
  /** Answer MAIL FROM outside TLS as Postfix at `smtpd_tls_security_level = encrypt` does: `530 5.7.0 Must issue a STARTTLS command first`. */
  requireTls?: boolean;
}

/** One RCPT as the server saw it, and whether it came inside TLS (the wire recorder sees only ciphertext then). */
export interface RcptSeen {
  address: string;
  secure: boolean;
  /** The SNI name the client sent, when it did. */
  servername: string | null;
}

export interface MockMta {
  host: string;
  port: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Connections still open right now (a client that leaks sockets keeps this above 0). */
  readonly openConnections: number;
  /** One entry per connection, in order. */
  readonly sessions: WireSession[];
  /** Every RCPT, in order, with its TLS state. */
  readonly rcpts: RcptSeen[];
  /** Changes a recipient's behaviour for the next RCPTs. */
  setMailbox(address: string, behaviour: MailboxBehaviour): void;
  setCatchAll(on: boolean): void;
  /** Rejects MAIL FROM with this reply (e.g. `{ code: 553, text: '5.7.1 Sender address rejected' }`), or accepts it again with null. */
  setMailFromReply(reply: { code: number; text: string } | null): void;
  close(): Promise<void>;
}

type ReplyError = Error & { responseCode?: number };

function replyError(code: number, text: string): ReplyError {
  const err: ReplyError = new Error(text);
  err.responseCode = code;
  return err;
}

const STARTS_WITH_ENHANCED = /^[245]\.\d{1,3}\.\d{1,3} /;

/**
 * smtp-server prepends its own RFC 3463 code to every reply and says "Accepted" where
 * Postfix says "Ok". This puts real-world texts on the wire instead: a text that brings
 * its own enhanced code is sent as is.
 */
class RealisticSmtpServer extends SMTPServer {
  constructor(
    options: SMTPServerOptions,
    private readonly onSocket: (socket: Socket) => void,
  ) {
    super(options);
  }

  override connect(socket: Socket, socketOptions?: Parameters<SMTPServer['connect']>[1]): void {
    this.onSocket(socket);
    super.connect(socket, socketOptions);
    const connection = [...this.connections].at(-1) as SMTPConnection | undefined;
    if (!connection) return;
    const send = connection.send.bind(connection);
    connection.send = (code, data, context) => {
      if (typeof data === 'string' && STARTS_WITH_ENHANCED.test(data)) return send(code, data, false);
      if (code === 250 && data === 'Accepted') return send(code, 'Ok', context);
      return send(code, data, context);
    };
  }
}

/** A realistic MTA on 127.0.0.1 (smtp-server): per-recipient answers with real texts, catch-all mode, recorded sessions. */
export async function startMockMta(opts: MockMtaOptions = {}): Promise<MockMta> {
  const mailboxes = new Map<string, MailboxBehaviour>();
  for (const [k, v] of Object.entries(opts.mailboxes ?? {})) mailboxes.set(k.toLowerCase(), v);
  let catchAll = opts.catchAll ?? false;
  let mailFromReply: { code: number; text: string } | null = null;
  const greylisted = new Set<string>();
  const sessions: WireRecorder[] = [];
  const sockets = new Set<Socket>();
  const rcpts: RcptSeen[] = [];

  const server = new RealisticSmtpServer(
    {
      name: opts.name ?? 'mx.example.test',
      banner: opts.banner,
      authOptional: true,
      disabledCommands: opts.starttls ? ['AUTH'] : ['STARTTLS', 'AUTH'],
      hideSTARTTLS: !opts.starttls,
      ...(opts.starttls ? { key: opts.starttls.key, cert: opts.starttls.cert } : {}),
      hidePIPELINING: opts.pipelining === false,
      // Postfix advertises RFC 2034 codes and puts one on every reply ("250 2.1.5 Ok").
      hideENHANCEDSTATUSCODES: false,
      disableReverseLookup: true, // no DNS from tests, not even PTR
      logger: false,
      onMailFrom(_address, session, callback) {
        if (opts.requireTls && !session.secure) return callback(replyError(530, '5.7.0 Must issue a STARTTLS command first'));
        if (mailFromReply) return callback(replyError(mailFromReply.code, mailFromReply.text));
        callback();
      },
      onRcptTo(address, session, callback) {
        const rcpt = address.address;
        rcpts.push({ address: rcpt, secure: session.secure, servername: (session as { servername?: string }).servername ?? null });
        const key = rcpt.toLowerCase();
        let behaviour = mailboxes.get(key) ?? (catchAll ? 'ok' : 'unknown');
        if (behaviour === 'greylistOnce') {
          behaviour = greylisted.has(key) ? 'ok' : 'greylist';
          greylisted.add(key);
        }
        if (behaviour === 'ok') return callback();
        const reply = mailboxReply(behaviour, rcpt, session.remoteAddress);
        callback(replyError(reply.code, reply.text));
      },
    },
    (socket) => {
      const recorder = new WireRecorder();
      sessions.push(recorder);
      sockets.add(socket);
      socket.on('data', (chunk: Buffer) => recorder.push(chunk));
      socket.once('close', () => sockets.delete(socket));
    },
  );
  server.on('error', () => {});
  const host = opts.host ?? '127.0.0.1';
  const port = await listen(server.server, opts);

  return {
    host,
    port,
    get connections() {
      return sessions.length;
    },
    get openConnections() {
      return sockets.size;
    },
    sessions,
    rcpts,
    setMailbox(address, behaviour) {
      mailboxes.set(address.toLowerCase(), behaviour);
    },
    setCatchAll(on) {
      catchAll = on;
    },
    setMailFromReply(reply) {
      mailFromReply = reply;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------
// Raw node:net servers for faults
// ---------------------------------------------------------------------------

export interface RawServer {
  host: string;
  port: number;
  readonly connections: number;
  /** Connections still open right now (a client that leaks sockets keeps this above 0). */
  readonly openConnections: number;
  readonly sessions: WireSession[];
  close(): Promise<void>;
}

/** What the scripted server answers to one command line: wire text (CRLFs included), or null to stay silent. */
export type ScriptedAnswer = (command: string, session: WireSession) => string | null;

export interface ScriptedServerOptions extends ListenOptions {
  /** Sent on connect, as is (no CRLF added). null: never send a banner. */
  banner: string | null;
  /**
   * Answers by command verb (EHLO, HELO, MAIL, RCPT, QUIT, ...): wire text or a function. Unlisted verbs get 502.
   * A function's null: no answer, and none to anything after it (the server is stuck on that command).
   */
  replies?: Partial<Record<string, string | ScriptedAnswer>>;
  /** Close the connection right after the banner (what a "554 No SMTP service here" server often does). */
  closeAfterBanner?: boolean;
}

/**
 * A server that says exactly what the test scripts, byte for byte: multi-line replies,
 * garbage, over-long lines, silence. Answers pipelined commands in order.
 */
export async function startScriptedSmtpServer(opts: ScriptedServerOptions): Promise<RawServer> {
  const sessions: WireRecorder[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    const recorder = new WireRecorder();
    sessions.push(recorder);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (opts.banner !== null) socket.write(opts.banner);
    if (opts.closeAfterBanner) {
      socket.end();
      return;
    }
    // A command left unanswered holds every later one: a server answers pipelined commands in order (RFC 2920).
    let stuck = false;
    socket.on('data', (chunk: Buffer) => {
      let out = '';
      for (const line of recorder.push(chunk)) {
        if (stuck) continue;
        const verb = line.split(/[\s:]/, 1)[0]!.toUpperCase();
        const script = opts.replies?.[verb];
        const answer = typeof script === 'function' ? script(line, recorder) : (script ?? (verb === 'QUIT' ? wireReply(221, '2.0.0 Bye') : wireReply(502, '5.5.2 Error: command not recognized')));
        if (answer !== null) out += answer;
        else if (verb !== 'QUIT') stuck = true;
        if (verb === 'QUIT') {
          socket.end(out);
          return;
        }
      }
      if (out && !socket.destroyed) socket.write(out);
    });
  });
  const host = opts.host ?? '127.0.0.1';
  const port = await listen(server, opts);
  return rawHandle(server, host, port, sessions, sockets);
}

function rawHandle(server: Server, host: string, port: number, sessions: WireSession[], sockets: Set<Socket>): RawServer {
  return {
    host,
    port,
    get connections() {
      return sessions.length;
    },
    get openConnections() {
      return sockets.size;
    },
    sessions,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Accepts connections and never says a word (a tarpit, or an MTA stuck before its banner). */
export function startSilentServer(opts: ListenOptions = {}): Promise<RawServer> {
  return startScriptedSmtpServer({ ...opts, banner: null, replies: {} });
}

/** A port on 127.0.0.1 where nothing listens (bound, then closed): connecting is refused. */
export async function refusedPort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  const port = await listen(server, { host });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Gmail-style EHLO and a Gmail-style three-line 5.1.1 rejection, as they come on the wire. */
export const GMAIL_STYLE = {
  banner: wireReply(220, 'mx.example.test ESMTP a1-20020a170906000000b00000000000si123456ejc.42 - gsmtp'),
  ehlo: wireReply(250, 'mx.example.test at your service, [127.0.0.1]', 'SIZE 157286400', '8BITMIME', 'ENHANCEDSTATUSCODES', 'PIPELINING', 'CHUNKING', 'SMTPUTF8'),
  mail: wireReply(250, '2.1.0 OK a1-20020a170906000000b00000000000si123456ejc.42 - gsmtp'),
  noSuchUser: wireReply(
    550,
    "5.1.1 The email account that you tried to reach does not exist. Please try",
    '5.1.1 double-checking the recipient\'s email address for typos or',
    '5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser a1-20020a170906000000b00000000000si123456ejc.42 - gsmtp',
  ),
  accepted: wireReply(250, '2.1.5 OK a1-20020a170906000000b00000000000si123456ejc.42 - gsmtp'),
  quit: wireReply(221, '2.0.0 closing connection a1-20020a170906000000b00000000000si123456ejc.42 - gsmtp'),
} as const;
