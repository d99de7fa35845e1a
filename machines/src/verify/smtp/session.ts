/**
 * @module verify/smtp/session
 * The SMTP session of one check (or one group of same-domain addresses): MX hosts in
 * order until one reaches MAIL FROM; what is said on each connection is conversation.ts.
 */
import type { SmtpFailure, SmtpSessionOutcome, SmtpSessionRequest } from '../types.ts';
import { assertSafeCommand, type SmtpChannel } from './channel.ts';
import { tryAddress, type Context } from './conversation.ts';
import { parseProxyUrl, TransportError, type SocksProxy } from './transport.ts';

/**
 * Talks to `req.hosts` in order and returns every reply plus the final answers to
 * MAIL FROM and the RCPTs. Never rejects for network reasons (those are `failure`);
 * it rejects only when a command would contain CR/LF/NUL or `beforeConnect` throws.
 */
export async function runSmtpSession(req: SmtpSessionRequest): Promise<SmtpSessionOutcome> {
  for (const part of [req.helloName, req.fromEmail, req.rcpt, ...(req.rcpts ?? []), req.probeRcpt ?? '']) assertSafeCommand(part);
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
    // The last reason an attempt ended without reaching MAIL FROM; a reply-level rejection clears it.
    let last: { failure: SmtpFailure; detail: string } | null = null;
    for (const host of req.hosts) {
      const stop = stopReason(req);
      if (stop) return fail(stop.failure, stop.detail);
      await req.beforeConnect?.(host);
      outcome.mxHost = host.exchange;
      if (host.addresses.length === 0) last = { failure: 'refused', detail: `${host.exchange}: no address to connect to` };
      for (const address of host.addresses) {
        const stop = stopReason(req);
        if (stop) return fail(stop.failure, stop.detail);
        const attempt = await tryAddress(ctx, host, address);
        if (attempt.kind === 'final') {
          // An earlier host's rejection is not what happened to this conversation.
          if (!outcome.failure) delete outcome.failureDetail;
          return outcome;
        }
        if (attempt.kind === 'rejected') {
          last = null;
          outcome.failureDetail = attempt.detail;
          continue;
        }
        last = attempt;
        // The proxy is the same for every host, and an abort is for the whole check.
        if (attempt.failure === 'proxy' || attempt.failure === 'aborted') return fail(attempt.failure, attempt.detail);
      }
    }
    if (last) return fail(last.failure, last.detail);
    if (req.hosts.length === 0) return fail('refused', 'no MX host to connect to');
    return outcome;
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
  }
}

function stopReason(req: SmtpSessionRequest): { failure: SmtpFailure; detail: string } | null {
  if (req.signal?.aborted) return { failure: 'aborted', detail: 'check aborted' };
  if (Date.now() >= req.deadline) return { failure: 'timeout', detail: 'check deadline reached before an MX host answered' };
  return null;
}
