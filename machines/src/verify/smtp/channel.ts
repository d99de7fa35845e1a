/**
 * @module verify/smtp/channel
 * One SMTP connection as a queue of replies: write command lines, read replies in
 * order with a timeout each. Owns the socket: every failure destroys it.
 */
import type { Socket } from 'node:net';
import { ReplyReader, SmtpProtocolError, type ParsedReply, type ReplyLimits } from './reply-reader.ts';

export type ChannelFailure =
  | 'timeout' // no reply within the step's time
  | 'protocol' // the reader rejected what the server sent
  | 'reset' // the socket errored (ECONNRESET, EPIPE, ...)
  | 'closed' // the server closed the connection
  | 'aborted'; // the caller gave up

export class ChannelError extends Error {
  readonly code = 'smtp_channel';
  constructor(
    readonly failure: ChannelFailure,
    message: string,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}

const CLOSED_BY_US = new ChannelError('closed', 'closed by us');

/** Anything that could split one command into two on the wire (SMTP smuggling, injected commands). */
const UNSAFE = /[\r\n\0]/;

/** Throws before anything reaches a socket: addresses are validated earlier, this is defense in depth. */
export function assertSafeCommand(command: string): void {
  if (UNSAFE.test(command)) throw new TypeError('refusing to send an SMTP command containing CR, LF or NUL');
}

interface Waiter {
  resolve: (reply: ParsedReply) => void;
  reject: (err: ChannelError) => void;
  timeoutMs: number;
}

export class SmtpChannel {
  readonly #socket: Socket;
  readonly #reader: ReplyReader;
  readonly #listeners: { data: (chunk: Buffer) => void; error: (err: Error & { code?: string }) => void; close: () => void };
  readonly #replies: ParsedReply[] = [];
  #error: ChannelError | null = null;
  #waiter: Waiter | null = null;
  /** One timer per connection, re-armed for each read that waits (a timer per read was a check's most frequent allocation). */
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerMs = 0;
  /** The socket was handed over (release): it is no longer ours to destroy. */
  #released = false;

  constructor(socket: Socket, limits?: Partial<ReplyLimits>) {
    this.#socket = socket;
    this.#reader = new ReplyReader(limits);
    this.#listeners = {
      data: (chunk) => this.#onData(chunk),
      error: (err) => this.fail('reset', `connection error (${err.code ?? err.message})`),
      close: () => {
        const detail = this.#reader.midReply ? 'connection closed in the middle of a reply' : 'connection closed by the server';
        this.fail(this.#reader.midReply ? 'protocol' : 'closed', detail);
      },
    };
    socket.on('data', this.#listeners.data);
    socket.on('error', this.#listeners.error);
    socket.on('close', this.#listeners.close);
  }

  /**
   * Hands the socket over (to the TLS handshake after STARTTLS's 220) and retires this channel.
   * Anything the server sent after that 220 is dropped unread: RFC 3207 says a client must
   * discard what it learnt before TLS, and plaintext injected there (CVE-2011-0411) must not
   * be read as a reply inside the TLS session. Null when the channel had already failed.
   */
  release(): Socket | null {
    const socket = this.#socket;
    socket.removeListener('data', this.#listeners.data);
    socket.removeListener('error', this.#listeners.error);
    socket.removeListener('close', this.#listeners.close);
    if (this.#error || socket.destroyed) {
      this.fail('closed', 'connection closed before the TLS handshake');
      return null;
    }
    this.#error = new ChannelError('closed', 'handed over to TLS');
    this.#released = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#replies.length = 0;
    return socket;
  }

  /** Sends the commands in one write (one write = one burst, which is what PIPELINING is for). */
  write(commands: string[]): void {
    for (const c of commands) assertSafeCommand(c);
    if (this.#error) return; // the next read reports it
    this.#socket.write(commands.map((c) => `${c}\r\n`).join(''), 'utf8');
  }

  /** The next reply, or ChannelError when none comes within `timeoutMs` or the connection fails. */
  read(timeoutMs: number): Promise<ParsedReply> {
    const queued = this.#replies.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#error) return Promise.reject(this.#error);
    if (this.#waiter) return Promise.reject(new ChannelError('protocol', 'internal: two concurrent reads'));
    return new Promise((resolve, reject) => {
      const ms = Math.max(0, timeoutMs);
      this.#waiter = { resolve, reject, timeoutMs: ms };
      if (this.#timer && this.#timerMs === ms) this.#timer.refresh();
      else {
        if (this.#timer) clearTimeout(this.#timer);
        this.#timer = setTimeout(this.#onTimeout, ms);
        this.#timerMs = ms;
      }
    });
  }

  /** The timer stays armed after a reply came; it only fails a read that is still waiting. */
  readonly #onTimeout = (): void => {
    const waiter = this.#waiter;
    if (!waiter) return;
    this.#waiter = null;
    waiter.reject(new ChannelError('timeout', `no reply within ${waiter.timeoutMs} ms`));
  };

  /** Marks the channel failed (first reason wins), destroys the socket and fails a pending read. */
  fail(failure: ChannelFailure, message: string): void {
    if (!this.#error) this.#error = new ChannelError(failure, message);
    if (!this.#released) this.#socket.destroy();
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const waiter = this.#waiter; // only ever set while the queue is empty
    if (waiter) {
      this.#waiter = null;
      waiter.reject(this.#error);
    }
  }

  /** Closes without a reason to report (the conversation is over). */
  destroy(): void {
    // The common path of every check: reuse one error rather than capture a stack each time.
    if (!this.#error) this.#error = CLOSED_BY_US;
    this.fail('closed', 'closed by us');
  }

  #onData(chunk: Buffer): void {
    if (this.#error) return;
    try {
      this.#replies.push(...this.#reader.push(chunk));
    } catch (err) {
      if (!(err instanceof SmtpProtocolError)) throw err;
      // Replies queued from earlier chunks are still read first, then this failure.
      this.fail('protocol', err.message);
      return;
    }
    const waiter = this.#waiter;
    const next = waiter ? this.#replies.shift() : undefined;
    if (waiter && next) {
      this.#waiter = null;
      waiter.resolve(next);
    }
  }
}
