/**
 * @module verify/smtp/reply-reader
 * Turns the bytes an SMTP server sends into whole replies (RFC 5321 4.2): lines
 * split across chunks, multi-line replies, bare LF, bounded line and reply sizes.
 * Pure: no sockets, no timers.
 */
import { Buffer, isAscii } from 'node:buffer';
import { parseEnhancedCode } from '../replies.ts';

export interface ReplyLimits {
  /** Longest line, without its line end. RFC 5321 says 512; real servers send longer, so be lenient but bounded. */
  maxLineBytes: number;
  /** Largest whole reply (all its lines). */
  maxReplyBytes: number;
  maxReplyLines: number;
}

export const DEFAULT_REPLY_LIMITS: ReplyLimits = {
  maxLineBytes: 2048,
  maxReplyBytes: 64 * 1024,
  maxReplyLines: 200,
};


/** One complete reply: the basic code, the RFC 3463 code if the text starts with one, the lines' texts joined with "\n". */
export interface ParsedReply {
  code: number;
  enhanced: string | null;
  text: string;
  /** Each line's text (code and separator stripped). */
  lines: string[];
}

/** The server broke the protocol: garbage, a line or reply too long, mixed codes in one reply. */
export class SmtpProtocolError extends Error {
  readonly code = 'smtp_protocol';
  constructor(message: string) {
    super(message);
    this.name = 'SmtpProtocolError';
  }
}

const LF = 0x0a;
const CR = 0x0d;
const DIGIT_0 = 0x30;
const SPACE = 0x20;
const DASH = 0x2d;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** UTF-8 when the bytes are valid UTF-8 (SMTPUTF8 servers), else latin1: never throws. */
export function decodeLine(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

/** Describes a line for an error message without dumping kilobytes of garbage into logs. */
function preview(line: string): string {
  const shown = line.length > 60 ? `${line.slice(0, 60)}…` : line;
  return JSON.stringify(shown);
}

/**
 * Feed it chunks as they arrive; it returns the replies they complete. After it
 * throws SmtpProtocolError the connection is unusable: close it.
 */
export class ReplyReader {
  readonly #limits: ReplyLimits;
  /** Bytes of the line being received (no LF seen yet). */
  #partial: Uint8Array[] = [];
  #partialBytes = 0;
  /** The reply being assembled (continuation lines seen so far). */
  #code: number | null = null;
  #lines: string[] = [];
  #replyBytes = 0;
  #broken: SmtpProtocolError | null = null;

  constructor(limits: Partial<ReplyLimits> = {}) {
    this.#limits = { ...DEFAULT_REPLY_LIMITS, ...limits };
  }

  /** True while a reply or a line has started but not finished (a close now means a truncated reply). */
  get midReply(): boolean {
    return this.#partialBytes > 0 || this.#code !== null;
  }

  push(chunk: Uint8Array): ParsedReply[] {
    if (this.#broken) throw this.#broken;
    try {
      return this.#push(chunk);
    } catch (err) {
      if (err instanceof SmtpProtocolError) this.#broken = err;
      throw err;
    }
  }

  #push(chunk: Uint8Array): ParsedReply[] {
    const replies: ParsedReply[] = [];
    // Nearly every chunk is whole ASCII lines: read them as one string (a UTF-8 or split line takes the byte path).
    if (this.#partialBytes === 0 && isAscii(chunk)) return this.#pushAscii(chunk, replies);
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      if (lf === -1) {
        this.#appendPartial(chunk.subarray(start));
        break;
      }
      this.#appendPartial(chunk.subarray(start, lf));
      start = lf + 1;
      const reply = this.#line(this.#takeLine());
      if (reply) replies.push(reply);
    }
    return replies;
  }

  #pushAscii(chunk: Uint8Array, replies: ParsedReply[]): ParsedReply[] {
    const text = (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)).toString('latin1');
    let start = 0;
    while (start < text.length) {
      const lf = text.indexOf('\n', start);
      if (lf === -1) {
        this.#appendPartial(chunk.subarray(start));
        break;
      }
      const end = lf > start && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
      if (end - start > this.#limits.maxLineBytes) throw new SmtpProtocolError(`reply line longer than ${this.#limits.maxLineBytes} bytes`);
      const reply = this.#lineText(text.slice(start, end), end - start);
      start = lf + 1;
      if (reply) replies.push(reply);
    }
    return replies;
  }

  #appendPartial(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    // +1: a CR that belongs to the line end may still be in here.
    if (this.#partialBytes + bytes.length > this.#limits.maxLineBytes + 1) {
      throw new SmtpProtocolError(`reply line longer than ${this.#limits.maxLineBytes} bytes`);
    }
    this.#partial.push(bytes);
    this.#partialBytes += bytes.length;
  }

  #takeLine(): Uint8Array {
    let line: Uint8Array;
    if (this.#partial.length === 1) line = this.#partial[0]!;
    else {
      line = new Uint8Array(this.#partialBytes);
      let at = 0;
      for (const part of this.#partial) {
        line.set(part, at);
        at += part.length;
      }
    }
    this.#partial = [];
    this.#partialBytes = 0;
    // CRLF and bare LF both end a line: real servers send either.
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    if (line.length > this.#limits.maxLineBytes) {
      throw new SmtpProtocolError(`reply line longer than ${this.#limits.maxLineBytes} bytes`);
    }
    return line;
  }

  #line(bytes: Uint8Array): ParsedReply | null {
    return this.#lineText(decodeLine(bytes), bytes.length);
  }

  /** One line: "250" alone, "250 text" (the last line) or "250-text" (RFC 5321 4.2: Reply-code [ SP textstring ] CRLF). */
  #lineText(line: string, byteLength: number): ParsedReply | null {
    const c0 = line.charCodeAt(0) - DIGIT_0;
    const c1 = line.charCodeAt(1) - DIGIT_0;
    const c2 = line.charCodeAt(2) - DIGIT_0;
    const sep = line.length > 3 ? line.charCodeAt(3) : SPACE;
    if (!(c0 >= 2 && c0 <= 5 && c1 >= 0 && c1 <= 9 && c2 >= 0 && c2 <= 9) || (sep !== SPACE && sep !== DASH)) {
      throw new SmtpProtocolError(`not an SMTP reply line: ${preview(line)}`);
    }
    const code = c0 * 100 + c1 * 10 + c2;
    if (this.#code !== null && code !== this.#code) {
      throw new SmtpProtocolError(`reply code changed from ${this.#code} to ${code} inside a multi-line reply`);
    }
    this.#code = code;
    this.#lines.push(line.length > 4 ? line.slice(4) : '');
    this.#replyBytes += byteLength + 2;
    if (this.#lines.length > this.#limits.maxReplyLines) {
      throw new SmtpProtocolError(`reply longer than ${this.#limits.maxReplyLines} lines`);
    }
    if (this.#replyBytes > this.#limits.maxReplyBytes) {
      throw new SmtpProtocolError(`reply larger than ${this.#limits.maxReplyBytes} bytes`);
    }
    if (sep === DASH) return null;

    const lines = this.#lines;
    this.#code = null;
    this.#lines = [];
    this.#replyBytes = 0;
    const text = lines.length === 1 ? lines[0]! : lines.join('\n');
    // RFC 2034 puts the code on every line; some servers only on the last one.
    const enhanced = parseEnhancedCode(lines[0]!, code) ?? parseEnhancedCode(lines[lines.length - 1]!, code);
    return { code, enhanced, text, lines };
  }
}
