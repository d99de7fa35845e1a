/**
 * @module verify/smtp/session
 * The SMTP session of one check (or of a group of same-domain addresses): MX addresses in
 * order (mx-walk.ts) until one reaches MAIL FROM; what is said on each connection is conversation.ts.
 */
import type { SmtpFailure, SmtpSessionOutcome, SmtpSessionRequest } from '../types.ts';
import { assertSafeCommand, type SmtpChannel } from './channel.ts';
import { tryAddress, type Context } from './conversation.ts';
import { walkMxAddresses } from './mx-walk.ts';
import { parseProxyUrl, TransportError, type SocksProxy } from './transport.ts';

/**
 * Talks to `req.hosts` in order and returns every reply plus the final answers to
 * MAIL FROM and the RCPTs. Never rejects for network reasons (those are `failure`);
 * it rejects only when a command would contain CR/LF/NUL or `beforeConnect` throws.
 */
export async function runSmtpSession(req: SmtpSessionRequest): Promise<SmtpSessionOutcome> {
  assertSafeCommand(req.helloName);
  assertSafeCommand(req.fromEmail);
  assertSafeCommand(req.rcpt);
  for (const rcpt of req.rcpts ?? []) assertSafeCommand(rcpt);
  if (req.probeRcpt) assertSafeCommand(req.probeRcpt);
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

