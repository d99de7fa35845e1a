/**
 * @module verify/smtp/conversation
 * One SMTP connection to one MX address: banner → EHLO (HELO fallback) → STARTTLS and EHLO
 * again when offered (RFC 3207) → MAIL FROM → RCPTs → QUIT, pipelined when the server
 * advertises PIPELINING. A single check sends the address, the catch-all probe and QUIT in
 * one write; a grouped session sends its recipients in chunks under its caps, then the probe
 * if any was accepted, and stops at a session-level reply. Which host and
 * address to try is session.ts's business.
 */
import type { SmtpReply, SmtpStage } from '../../../../shared/result.ts';
import type { MxHost, SessionCaps, SmtpFailure, SmtpSessionOutcome, SmtpSessionRequest } from '../types.ts';
import { ChannelError, SmtpChannel } from './channel.ts';
import type { AddressAttempt } from './mx-walk.ts';
import type { ParsedReply } from './reply-reader.ts';
import type { TLSSocket } from 'node:tls';
import { openSmtpSocket, TlsHandshakeError, TransportError, upgradeToTls, type SocksProxy } from './transport.ts';

/** The 221 to QUIT is a courtesy: never wait longer than this for it. */
const QUIT_WAIT_MS = 1000;


export interface Context {
  req: SmtpSessionRequest;
  outcome: SmtpSessionOutcome;
  proxy: SocksProxy | undefined;
  setChannel: (ch: SmtpChannel | null) => void;
}

const is2xx = (r: ParsedReply): boolean => r.code >= 200 && r.code < 300;

/** Keyword of each EHLO extension line ("SIZE 35882577" → "SIZE"); the first line is the greeting. */
function extensionsOf(ehlo: ParsedReply): Set<string> {
  const out = new Set<string>();
  for (let i = 1; i < ehlo.lines.length; i++) {
    const line = ehlo.lines[i]!.trim();
    const space = line.search(/\s/);
    out.add((space === -1 ? line : line.slice(0, space)).toUpperCase());
  }
  return out;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** A single check's session has no caps of its own. */
const UNCAPPED: SessionCaps = { maxRecipients: Number.POSITIVE_INFINITY, maxRejected: Number.POSITIVE_INFINITY, pipelineChunk: Number.POSITIVE_INFINITY };

/**
 * A reply to RCPT that speaks for the session, not for the recipient: 421 (closing, e.g.
 * Postfix's `421 4.7.0 Error: too many errors`), and "too many recipients", which RFC 5321
 * 4.5.3.1.10 says is 452 and tells clients to read RFC 821's 552 the same way.
 */
export function sessionLevelReply(r: { code: number; enhanced: string | null; text: string }): 'closing' | 'too_many_recipients' | null {
  if (r.code === 421) return 'closing';
  if ((r.code === 452 || r.code === 552) && (r.enhanced === '4.5.3' || r.enhanced === '5.5.3' || /too many recipients/i.test(r.text))) return 'too_many_recipients';
  return null;
}

/** What we were doing, for one-line failure details. */
const DOING: Record<SmtpStage, string> = {
  connect: 'connecting',
  banner: 'waiting for the banner',
  ehlo: 'waiting for the EHLO reply',
  helo: 'waiting for the HELO reply',
  starttls: 'waiting for the STARTTLS reply',
  mail: 'waiting for the MAIL FROM reply',
  rcpt: 'waiting for the RCPT TO reply',
  probe: 'waiting for the catch-all probe RCPT TO reply',
  rset: 'waiting for the RSET reply',
  quit: 'waiting for the QUIT reply',
};

/** One RCPT to send: a recipient, or the catch-all probe. */
interface Slot {
  address: string;
  probe: boolean;
}

/**
 * One address. With STARTTLS opportunistic, a failed TLS handshake is retried once on the
 * same address in plaintext, as Postfix does at `smtp_tls_security_level = may` (a server
 * that insists on TLS then says so, and that reads as `tls_required`, not as a block).
 */
export async function tryAddress(ctx: Context, host: MxHost, address: string): Promise<AddressAttempt> {
  const first = await converse(ctx, host, address, ctx.req.starttls !== 'off');
  if (first.kind !== 'tls_failed') return first;
  const plain = await converse(ctx, host, address, false);
  return plain.kind === 'tls_failed' ? { kind: 'failed', failure: 'protocol', detail: plain.detail } : plain;
}

/** How one connection ended: as for the walk, or a failed TLS handshake (retry in plaintext). */
type ConversationEnd = AddressAttempt | { kind: 'tls_failed'; detail: string };

function noteTls(outcome: SmtpSessionOutcome, offered: boolean, used: TLSSocket | null): void {
  const handshake_failures = outcome.tls?.handshake_failures ?? 0;
  const cipher = used?.getCipher();
  outcome.tls = { offered, used: used !== null, protocol: used?.getProtocol() ?? null, cipher: cipher?.name ?? null, handshake_failures };
}

async function converse(ctx: Context, host: MxHost, address: string, tryTls: boolean): Promise<ConversationEnd> {
  const { req, outcome } = ctx;
  const grouped = req.rcpts !== undefined;
  const caps = grouped ? (req.caps ?? UNCAPPED) : UNCAPPED;
  const where = `${host.exchange} [${address}]:${req.port}`;
  /** Time for the next step: the step timeout, cut short by the check's deadline. */
  const stepMs = (): number => Math.min(req.stepTimeoutMs, req.deadline - Date.now());

  let socket;
  try {
    const ms = stepMs();
    if (ms <= 0) return { kind: 'failed', failure: 'timeout', detail: `${where}: check deadline reached before connecting` };
    socket = await openSmtpSocket({ address, port: req.port, timeoutMs: ms, proxy: ctx.proxy, signal: req.signal });
  } catch (err) {
    if (!(err instanceof TransportError)) throw err;
    // Proxy errors name the proxy, not the MX: its message already says where.
    return { kind: 'failed', failure: err.failure, detail: err.failure === 'proxy' ? err.message : `${where}: ${err.message.replace(/^\S+:\d+: /, '')}` };
  }

  let ch = new SmtpChannel(socket);
  ctx.setChannel(ch);
  let stage: SmtpStage = 'banner';
  let final = false; // set once MAIL FROM is on the wire
  const read = (): Promise<ParsedReply> => {
    const ms = stepMs();
    if (ms <= 0) return Promise.reject(new ChannelError('timeout', 'check deadline reached'));
    return ch.read(ms);
  };
  const record = (s: SmtpStage, r: ParsedReply): SmtpReply => {
    const reply: SmtpReply = { stage: s, host: host.exchange, code: r.code, enhanced: r.enhanced, text: r.text };
    outcome.replies.push(reply);
    return reply;
  };
  /** QUIT already went out, pipelined behind the RCPTs. */
  let quitSent = false;
  const quit = async (awaitReply: boolean): Promise<void> => {
    try {
      if (!quitSent) ch.write(['QUIT']);
      quitSent = true;
      if (!awaitReply) return;
      const ms = Math.min(QUIT_WAIT_MS, stepMs());
      if (ms > 0) record('quit', await ch.read(ms));
    } catch (err) {
      if (!(err instanceof ChannelError)) throw err;
    }
  };
  const rejected = async (r: ParsedReply, s: SmtpStage): Promise<AddressAttempt> => {
    await quit(true);
    return { kind: 'rejected', detail: `${where}: ${s} rejected: ${r.code} ${r.text.split('\n', 1)[0]}` };
  };

  try {
    const banner = await read();
    record('banner', banner);
    if (!is2xx(banner)) return await rejected(banner, 'banner');

    /** EHLO (HELO fallback): the server's extensions, or the rejection that ends this address. */
    const greet = async (): Promise<Set<string> | AddressAttempt> => {
      stage = 'ehlo';
      ch.write([`EHLO ${req.helloName}`]);
      const ehlo = await read();
      record('ehlo', ehlo);
      if (is2xx(ehlo)) return extensionsOf(ehlo);
      if (ehlo.code < 500) return await rejected(ehlo, 'ehlo');
      // 500/502/504/550 to EHLO: an old or minimal server; RFC 5321 4.1.4 says fall back to HELO.
      stage = 'helo';
      ch.write([`HELO ${req.helloName}`]);
      const helo = await read();
      record('helo', helo);
      if (!is2xx(helo)) return await rejected(helo, 'helo');
      return new Set<string>();
    };
    const greeted = await greet();
    if (!(greeted instanceof Set)) return greeted;
    let extensions = greeted;
    const offered = extensions.has('STARTTLS');
    let secure: TLSSocket | null = null;
    if (offered && tryTls) {
      stage = 'starttls';
      ch.write(['STARTTLS']);
      const reply = record('starttls', await read());
      // Not 220 (e.g. 454 4.7.0 TLS not available due to local problem): RFC 3207 lets the session go on in plaintext.
      if (reply.code === 220) {
        const raw = ch.release();
        try {
          if (!raw) throw new TlsHandshakeError('handshake', 'connection closed before the TLS handshake');
          // No await between release and the handshake: the TLS socket takes the stream over in this tick.
          secure = await upgradeToTls(raw, { servername: host.exchange, timeoutMs: Math.max(1, stepMs()), signal: req.signal });
        } catch (err) {
          if (!(err instanceof TlsHandshakeError)) throw err;
          noteTls(outcome, offered, null);
          outcome.tls!.handshake_failures++;
          const detail = `${where}: ${err.message}`;
          if (err.failure === 'aborted') return { kind: 'failed', failure: 'aborted', detail };
          if (Date.now() >= req.deadline) return { kind: 'failed', failure: 'timeout', detail: `${where}: TLS handshake: check deadline reached` };
          return { kind: 'tls_failed', detail };
        }
        ch = new SmtpChannel(secure);
        ctx.setChannel(ch);
        // RFC 3207 4.2: forget what the server said before TLS and ask again.
        const again = await greet();
        if (!(again instanceof Set)) return again;
        extensions = again;
      }
    }
    noteTls(outcome, offered, secure);
    outcome.connected = true;

    const recipients = [req.rcpt, ...(req.rcpts ?? [])];
    const probe: Slot[] = req.probeRcpt === null ? [] : [{ address: req.probeRcpt, probe: true }];
    const mine: Slot[] = recipients.map((a) => ({ address: a, probe: false }));
    // The probe after the address(es). Grouped: alone, last, and only when some address was
    // accepted (when every one is rejected, whether the domain is catch-all changes no verdict).
    const slots = [...mine, ...probe];

    const utf8 = extensions.has('SMTPUTF8') && NON_ASCII.test(req.fromEmail + recipients.join('') + (req.probeRcpt ?? ''));
    const mailCmd = `MAIL FROM:<${req.fromEmail}>${utf8 ? ' SMTPUTF8' : ''}`;
    const pipelining = extensions.has('PIPELINING');
    final = true;
    if (grouped) outcome.answers ??= new Map();

    let sent = 0;
    let rejectedCount = 0;
    let accepted = false;
    let probeSkipped = false;
    /** The next RCPTs to put on the wire: never more than the rejected budget left, so a cap is never overshot. */
    const nextChunk = (): Slot[] => {
      const probePending = grouped && probe.length > 0;
      if (probePending && sent === mine.length) {
        if (accepted && rejectedCount < caps.maxRejected && sent < caps.maxRecipients) return probe;
        probeSkipped = !accepted;
        return [];
      }
      const room = Math.min(
        pipelining ? caps.pipelineChunk : 1,
        caps.maxRecipients - sent,
        // Keep one rejection in hand for the probe.
        caps.maxRejected - rejectedCount - (probePending ? 1 : 0),
        (probePending ? mine.length : slots.length) - sent,
      );
      return room > 0 ? slots.slice(sent, sent + room) : [];
    };

    stage = 'mail';
    let chunk = pipelining ? nextChunk() : [];
    // RFC 2920: MAIL FROM and the first RCPTs in one write; the replies come back in order.
    // A single check has nothing to send after its RCPTs, so QUIT goes in the same write
    // (RFC 2920 3.1 allows it as the last command of a group): one round trip less.
    quitSent = pipelining && !grouped;
    ch.write([mailCmd, ...chunk.map((s) => `RCPT TO:<${s.address}>`), ...(quitSent ? ['QUIT'] : [])]);
    const mail = await read();
    outcome.mail = record('mail', mail);
    if (!is2xx(mail)) {
      // The RCPT replies that follow would be "need MAIL command": meaningless, so not read.
      await quit(!pipelining);
      return { kind: 'final' };
    }
    // The first pipelined chunk went out with MAIL FROM; every other chunk is written here.
    let onWire = pipelining;
    if (!pipelining) chunk = nextChunk();

    while (chunk.length > 0) {
      if (!onWire) ch.write(chunk.map((s) => `RCPT TO:<${s.address}>`));
      onWire = false;
      sent += chunk.length;
      for (const slot of chunk) {
        stage = slot.probe ? 'probe' : 'rcpt';
        const reply = record(stage, await read());
        const cut = grouped ? sessionLevelReply(reply) : null;
        if (cut) {
          outcome.cut = { kind: cut, reply };
          // 421: the server is gone. 452 4.5.3: the replies still in flight say the same.
          await quit(false);
          return { kind: 'final' };
        }
        if (reply.code >= 400) rejectedCount++;
        else if (reply.code < 300 && !slot.probe) accepted = true;
        if (slot.probe) outcome.probe = reply;
        else {
          outcome.answers?.set(slot.address, reply);
          if (slot.address === req.rcpt) outcome.rcpt = reply;
        }
      }
      // A 5xx for the real address makes the catch-all question moot.
      if (!grouped && !pipelining && outcome.rcpt && outcome.rcpt.code >= 500) break;
      chunk = pipelining && grouped ? nextChunk() : pipelining ? [] : nextChunk();
    }
    if (grouped && sent + (probeSkipped ? 1 : 0) < slots.length) outcome.cut = { kind: 'rejected_cap' };
    stage = 'quit';
    await quit(true);
    return { kind: 'final' };
  } catch (err) {
    if (!(err instanceof ChannelError)) throw err;
    const failure = channelFailure(err, stage);
    const deadlineHit = err.failure === 'timeout' && Date.now() >= req.deadline;
    const detail = `${where}: ${DOING[stage]}: ${deadlineHit ? 'check deadline reached' : err.message}`;
    if (!final) return { kind: 'failed', failure, detail };
    if (grouped && (outcome.answers?.size || outcome.probe)) outcome.cut = { kind: 'dropped', failure, detail };
    // Past MAIL FROM: this host's answers are final; a failure counts only if no RCPT answer came.
    else if (!outcome.rcpt) {
      outcome.failure = failure;
      outcome.failureDetail = detail;
    }
    return { kind: 'final' };
  } finally {
    ch.destroy();
    ctx.setChannel(null);
  }
}

function channelFailure(err: ChannelError, stage: SmtpStage): SmtpFailure {
  switch (err.failure) {
    case 'timeout':
      return 'timeout';
    case 'aborted':
      return 'aborted';
    case 'protocol':
      return 'protocol';
    case 'reset':
    case 'closed':
      // Dropped before saying hello: the host is not talking to us. Later: an unexpected close.
      return stage === 'banner' ? 'refused' : 'protocol';
  }
}
