/**
 * @module verify/smtp/session
 * The SMTP conversation of one check: MX addresses in order (mx-walk.ts) until one
 * reaches MAIL FROM, then banner → EHLO (HELO fallback) → MAIL FROM → RCPT TO the address → RCPT TO
 * the catch-all probe → QUIT, pipelined when the server advertises PIPELINING.
 */
import type { SmtpReply, SmtpStage } from '../../../../shared/result.ts';
import type { MxHost, SmtpFailure, SmtpSessionOutcome, SmtpSessionRequest } from '../types.ts';
import { assertSafeCommand, ChannelError, SmtpChannel } from './channel.ts';
import type { ParsedReply } from './reply-reader.ts';
import { openSmtpSocket, parseProxyUrl, TransportError, type SocksProxy } from './transport.ts';
import { walkMxAddresses, type AddressAttempt } from './mx-walk.ts';

/** The 221 to QUIT is a courtesy: never wait longer than this for it. */
const QUIT_WAIT_MS = 1000;

const is2xx = (r: ParsedReply): boolean => r.code >= 200 && r.code < 300;

/** Keyword of each EHLO extension line ("SIZE 35882577" → "SIZE"); the first line is the greeting. */
function extensionsOf(ehlo: ParsedReply): Set<string> {
  return new Set(ehlo.lines.slice(1).map((l) => l.trim().split(/\s+/, 1)[0]!.toUpperCase()));
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Talks to `req.hosts` in order and returns every reply plus the final answers to
 * MAIL FROM and the RCPTs. Never rejects for network reasons (those are `failure`);
 * it rejects only when a command would contain CR/LF/NUL or `beforeConnect` throws.
 */
export async function runSmtpSession(req: SmtpSessionRequest): Promise<SmtpSessionOutcome> {
  for (const part of [req.helloName, req.fromEmail, req.rcpt, req.probeRcpt ?? '']) assertSafeCommand(part);
  const outcome: SmtpSessionOutcome = { mxHost: null, connected: false, replies: [] };
  const fail = (failure: SmtpFailure, detail: string): SmtpSessionOutcome => ({ ...outcome, failure, failureDetail: detail });

  let proxy: SocksProxy | undefined;
  try {
    proxy = req.proxyUrl ? parseProxyUrl(req.proxyUrl) : undefined;
  } catch (err) {
    if (err instanceof TransportError) return fail('proxy', err.message);
    throw err;
  }

  let current: SmtpChannel | null = null;
  const onAbort = (): void => current?.fail('aborted', 'check aborted');
  req.signal?.addEventListener('abort', onAbort, { once: true });
  const ctx: Context = {
    req,
    outcome,
    proxy,
    setChannel: (ch) => {
      current = ch;
    },
  };
  try {
    const walk = await walkMxAddresses(
      { hosts: req.hosts, maxAddresses: req.maxAddresses, deadline: req.deadline, signal: req.signal, beforeConnect: req.beforeConnect },
      (host, address) => tryAddress(ctx, host, address),
    );
    outcome.mxHost = walk.mxHost;
    outcome.attempts = walk.attempts;
    if (walk.limitReached) outcome.addressLimitReached = true;
    if (walk.final) return outcome;
    if (walk.failure) return fail(walk.failure, walk.detail ?? walk.failure);
    // Every attempt ended in a reply-level rejection: the replies say why.
    if (walk.detail !== undefined) outcome.failureDetail = walk.detail;
    return outcome;
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
  }
}

interface Context {
  req: SmtpSessionRequest;
  outcome: SmtpSessionOutcome;
  proxy: SocksProxy | undefined;
  setChannel: (ch: SmtpChannel | null) => void;
}

/** What we were doing, for one-line failure details. */
const DOING: Record<SmtpStage, string> = {
  connect: 'connecting',
  banner: 'waiting for the banner',
  ehlo: 'waiting for the EHLO reply',
  helo: 'waiting for the HELO reply',
  mail: 'waiting for the MAIL FROM reply',
  rcpt: 'waiting for the RCPT TO reply',
  probe: 'waiting for the catch-all probe RCPT TO reply',
  rset: 'waiting for the RSET reply',
  quit: 'waiting for the QUIT reply',
};

async function tryAddress(ctx: Context, host: MxHost, address: string): Promise<AddressAttempt> {
  const { req, outcome } = ctx;
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

  const ch = new SmtpChannel(socket);
  ctx.setChannel(ch);
  let stage: SmtpStage = 'banner';
  let final = false; // set once MAIL FROM is on the wire
  const read = async (): Promise<ParsedReply> => {
    const ms = stepMs();
    if (ms <= 0) throw new ChannelError('timeout', 'check deadline reached');
    return ch.read(ms);
  };
  const record = (s: SmtpStage, r: ParsedReply): SmtpReply => {
    const reply: SmtpReply = { stage: s, host: host.exchange, code: r.code, enhanced: r.enhanced, text: r.text };
    outcome.replies.push(reply);
    return reply;
  };
  const quit = async (awaitReply: boolean): Promise<void> => {
    try {
      ch.write(['QUIT']);
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

    stage = 'ehlo';
    ch.write([`EHLO ${req.helloName}`]);
    const ehlo = await read();
    record('ehlo', ehlo);
    let extensions = new Set<string>();
    if (is2xx(ehlo)) extensions = extensionsOf(ehlo);
    else if (ehlo.code >= 500) {
      // 500/502/504/550 to EHLO: an old or minimal server; RFC 5321 4.1.4 says fall back to HELO.
      stage = 'helo';
      ch.write([`HELO ${req.helloName}`]);
      const helo = await read();
      record('helo', helo);
      if (!is2xx(helo)) return await rejected(helo, 'helo');
    } else return await rejected(ehlo, 'ehlo');
    outcome.connected = true;

    const utf8 = NON_ASCII.test(req.fromEmail + req.rcpt + (req.probeRcpt ?? '')) && extensions.has('SMTPUTF8');
    const mailCmd = `MAIL FROM:<${req.fromEmail}>${utf8 ? ' SMTPUTF8' : ''}`;
    const rcptCmd = `RCPT TO:<${req.rcpt}>`;
    const probeCmd = req.probeRcpt === null ? null : `RCPT TO:<${req.probeRcpt}>`;
    final = true;

    if (extensions.has('PIPELINING')) {
      // RFC 2920: one write, one round trip; the replies come back in order.
      stage = 'mail';
      ch.write(probeCmd ? [mailCmd, rcptCmd, probeCmd] : [mailCmd, rcptCmd]);
      const mail = await read();
      outcome.mail = record('mail', mail);
      if (!is2xx(mail)) {
        // The RCPT replies that follow would be "need MAIL command": meaningless, so not read.
        await quit(false);
        return { kind: 'final' };
      }
      stage = 'rcpt';
      outcome.rcpt = record('rcpt', await read());
      if (probeCmd) {
        stage = 'probe';
        outcome.probe = record('probe', await read());
      }
    } else {
      stage = 'mail';
      ch.write([mailCmd]);
      const mail = await read();
      outcome.mail = record('mail', mail);
      if (!is2xx(mail)) {
        await quit(true);
        return { kind: 'final' };
      }
      stage = 'rcpt';
      ch.write([rcptCmd]);
      const rcpt = await read();
      outcome.rcpt = record('rcpt', rcpt);
      // A 5xx for the real address makes the catch-all question moot.
      if (probeCmd && rcpt.code < 500) {
        stage = 'probe';
        ch.write([probeCmd]);
        outcome.probe = record('probe', await read());
      }
    }
    stage = 'quit';
    await quit(true);
    return { kind: 'final' };
  } catch (err) {
    if (!(err instanceof ChannelError)) throw err;
    const failure = channelFailure(err, stage);
    const deadlineHit = err.failure === 'timeout' && Date.now() >= req.deadline;
    const detail = `${where}: ${DOING[stage]}: ${deadlineHit ? 'check deadline reached' : err.message}`;
    if (!final) return { kind: 'failed', failure, detail };
    // Past MAIL FROM: this host's answers are final; a failure counts only if no RCPT answer came.
    if (!outcome.rcpt) {
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
