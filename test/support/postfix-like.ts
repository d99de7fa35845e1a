/**
 * @module test/support/postfix-like
 * A loopback MTA that enforces what stock Postfix enforces on one session, with
 * Postfix's own reply texts (smtpd.c / smtpd_chat.c):
 * - every 4xx/5xx reply counts as an error; once a session has `softErrorLimit` (10)
 *   errors, every reply waits `errorSleepMs` (1 s) first; at `hardErrorLimit` (20) the next
 *   command gets `421 4.7.0 <host> Error: too many errors` and the connection closes;
 * - past `recipientLimit` accepted recipients: `452 4.5.3 Error: too many recipients`;
 * - optionally the connection drops (no reply) at the Nth RCPT of a session;
 * - recipients answer by a lookup (existing, unknown with Postfix's 5.1.1 text, catch-all).
 * Commands are answered strictly in order, pipelined or not. Counts sessions and RCPTs.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';

export type Mailbox = 'ok' | 'unknown' | 'greylist' | 'disabled';

export interface PostfixLikeOptions {
  host?: string;
  port?: number;
  /** myhostname. Default mx.postfix.test. */
  name?: string;
  /** How a recipient is answered (full address, as given). Default: unknown. */
  mailbox?: (rcpt: string) => Mailbox;
  softErrorLimit?: number;
  hardErrorLimit?: number;
  errorSleepMs?: number;
  /** smtpd_recipient_limit (Postfix default 1000). */
  recipientLimit?: number;
  /** Drop the connection when the Nth RCPT of a session arrives (no reply to it). */
  dropAtRcpt?: number;
  pipelining?: boolean;
}

export interface PostfixSession {
  rcpts: string[];
  errors: number;
  /** Replies that were delayed by the soft error limit. */
  sleeps: number;
  /** True when the session ended with 421 too many errors. */
  tooManyErrors: boolean;
  tooManyRecipients: number;
  dropped: boolean;
}

export interface PostfixLike {
  host: string;
  port: number;
  readonly sessions: PostfixSession[];
  /** RCPT commands received over all sessions. */
  readonly rcpts: number;
  close(): Promise<void>;
}

export async function startPostfixLike(opts: PostfixLikeOptions = {}): Promise<PostfixLike> {
  const name = opts.name ?? 'mx.postfix.test';
  const soft = opts.softErrorLimit ?? 10;
  const hard = opts.hardErrorLimit ?? 20;
  const sleepMs = opts.errorSleepMs ?? 1000;
  const limit = opts.recipientLimit ?? 1000;
  const mailbox = opts.mailbox ?? (() => 'unknown' as const);
  const sessions: PostfixSession[] = [];
  const sockets = new Set<Socket>();
  let rcptTotal = 0;

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const s: PostfixSession = { rcpts: [], errors: 0, sleeps: 0, tooManyErrors: false, tooManyRecipients: 0, dropped: false };
    sessions.push(s);
    let accepted = 0;
    let mail = false;
    let partial = '';
    const queue: string[] = [];
    let busy = false;
    let closed = false;

    const reply = async (line: string): Promise<void> => {
      // smtpd_chat_reply: "Slow down clients that make errors."
      if (s.errors >= soft) {
        s.sleeps++;
        await new Promise((r) => setTimeout(r, sleepMs));
      }
      if (/^[45]/.test(line)) s.errors++;
      if (!socket.destroyed) socket.write(`${line}\r\n`);
    };

    const handle = async (line: string): Promise<void> => {
      if (s.errors >= hard) {
        s.tooManyErrors = true;
        socket.end(`421 4.7.0 ${name} Error: too many errors\r\n`);
        closed = true;
        return;
      }
      const verb = line.split(/[\s:]/, 1)[0]!.toUpperCase();
      switch (verb) {
        case 'EHLO':
          return void socket.write(`250-${name}\r\n${opts.pipelining === false ? '' : '250-PIPELINING\r\n'}250-SIZE 10240000\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n`);
        case 'HELO':
          return reply(`250 ${name}`);
        case 'MAIL':
          mail = true;
          accepted = 0;
          return reply('250 2.1.0 Ok');
        case 'RCPT': {
          const rcpt = /<([^>]*)>/.exec(line)?.[1] ?? '';
          s.rcpts.push(rcpt);
          rcptTotal++;
          if (opts.dropAtRcpt !== undefined && s.rcpts.length >= opts.dropAtRcpt) {
            s.dropped = true;
            closed = true;
            socket.destroy();
            return;
          }
          if (!mail) return reply('503 5.5.1 Error: need MAIL command');
          if (accepted >= limit) {
            s.tooManyRecipients++;
            return reply('452 4.5.3 Error: too many recipients');
          }
          switch (mailbox(rcpt)) {
            case 'ok':
              accepted++;
              return reply('250 2.1.5 Ok');
            case 'unknown':
              return reply(`550 5.1.1 <${rcpt}>: Recipient address rejected: User unknown in virtual mailbox table`);
            case 'disabled':
              return reply(`550 5.2.1 <${rcpt}>: Recipient address rejected: Mailbox disabled`);
            case 'greylist':
              return reply(`450 4.2.0 <${rcpt}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.test.html`);
          }
          return;
        }
        case 'RSET':
          mail = false;
          return reply('250 2.0.0 Ok');
        case 'NOOP':
          return reply('250 2.0.0 Ok');
        case 'QUIT':
          closed = true;
          socket.end('221 2.0.0 Bye\r\n');
          return;
        default:
          return reply('502 5.5.2 Error: command not recognized');
      }
    };

    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      while (queue.length > 0 && !closed && !socket.destroyed) await handle(queue.shift()!);
      busy = false;
    };

    socket.write(`220 ${name} ESMTP Postfix\r\n`);
    socket.on('data', (chunk: Buffer) => {
      partial += chunk.toString('utf8');
      const lines = partial.split(/\r?\n/);
      partial = lines.pop() ?? '';
      queue.push(...lines);
      void pump();
    });
  });
  server.on('error', () => {});
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, host, resolve));
  return {
    host,
    port: (server.address() as AddressInfo).port,
    sessions,
    get rcpts() {
      return rcptTotal;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
