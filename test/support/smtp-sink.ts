/**
 * @module test/support/smtp-sink
 * A fast SMTP sink for benchmarks: accepts every recipient, advertises PIPELINING,
 * answers pipelined commands in order. Counts sessions and RCPTs.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';

export interface SmtpSink {
  port: number;
  sessions: number;
  rcpts: number;
  /** Date.now() of each accepted connection, in order (throttle tests measure spacing). */
  sessionTimes: number[];
  /** RCPT commands each connection carried, in the order of sessionTimes. */
  sessionRcpts: number[];
  close(): Promise<void>;
}

/** `rcptReply` gets the address inside RCPT TO:<...> and returns the whole reply line(s), CRLF-terminated. */
export async function startSmtpSink(opts: { host?: string; port?: number; rcptReply?: (rcpt: string) => string; rcptDelayMs?: number } = {}): Promise<SmtpSink> {
  const stats = { sessions: 0, rcpts: 0 };
  const sessionTimes: number[] = [];
  const sessionRcpts: number[] = [];
  const server: Server = createServer((socket) => {
    stats.sessions++;
    sessionTimes.push(Date.now());
    const session = sessionRcpts.push(0) - 1;
    socket.setNoDelay(true);
    socket.write('220 sink.test ESMTP ready\r\n');
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      let out = '';
      let nl: number;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') out += '250-sink.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n';
        else if (verb === 'HELO') out += '250 sink.test\r\n';
        else if (verb === 'MAIL') out += '250 2.1.0 Ok\r\n';
        else if (verb === 'RCPT') {
          stats.rcpts++;
          sessionRcpts[session]!++;
          const rcpt = /<([^>]*)>/.exec(line)?.[1] ?? '';
          out += opts.rcptReply ? opts.rcptReply(rcpt) : '250 2.1.5 Ok\r\n';
        } else if (verb === 'RSET' || verb === 'NOOP') out += '250 2.0.0 Ok\r\n';
        else if (verb === 'QUIT') {
          socket.end(`${out}221 2.0.0 Bye\r\n`);
          return;
        } else out += '502 5.5.2 Error: command not recognized\r\n';
      }
      if (!out) return;
      if (opts.rcptDelayMs) setTimeout(() => socket.writable && socket.write(out), opts.rcptDelayMs);
      else socket.write(out);
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get sessions() {
      return stats.sessions;
    },
    get rcpts() {
      return stats.rcpts;
    },
    sessionTimes,
    sessionRcpts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
