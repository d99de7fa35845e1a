/**
 * @module verify/verdict
 * Pure: turns what the stages found into `is_reachable` + `reason` and the
 * Reacher-style `smtp` block. A policy rejection is about us, never the mailbox.
 */
import { REASON_VERDICT, type Reachability, type Reason } from '../../../shared/reasons.ts';
import type { MiscResult, SmtpResult } from '../../../shared/result.ts';
import { NO_SMTP } from '../../../shared/syntax-result.ts';
import type { ProviderRule } from './providers.ts';

export { NO_SMTP };
import { classifyReply } from './replies.ts';
import type { MxLookup, ReplyClass, SmtpSessionOutcome } from './types.ts';

export interface Verdict {
  is_reachable: Reachability;
  reason: Reason;
}


export const verdictOf = (reason: Reason): Verdict => ({ is_reachable: REASON_VERDICT[reason], reason });

/** A DNS outcome that ends the check before SMTP, or null when there are hosts to talk to. */
export function mxVerdict(mx: MxLookup): Verdict | null {
  switch (mx.kind) {
    case 'ok':
      return null;
    case 'nxdomain':
      return verdictOf('no_such_domain');
    case 'null_mx':
      return verdictOf('null_mx');
    case 'no_mail_server':
      return verdictOf('no_mail_server');
    case 'private_mx_refused':
      return verdictOf('private_mx_refused');
    case 'servfail':
      return verdictOf('dns_failure');
    case 'timeout':
      return verdictOf('dns_timeout');
  }
}

const CLASS_REASON: Record<Exclude<ReplyClass, 'accepted'>, Reason> = {
  cannot_verify: 'cannot_verify',
  rate_limited: 'deliverable_rate_limited',
  no_mailbox: 'mailbox_not_found',
  disabled: 'mailbox_disabled',
  full: 'mailbox_full',
  greylisted: 'greylisted',
  temporary: 'temporary_failure',
  policy: 'blocked_by_policy',
  sender: 'sender_rejected',
  relay_denied: 'relay_denied',
  tls_required: 'tls_required',
  unknown: 'smtp_rejected',
};

/** Why no RCPT answer came: the last rejection we saw (banner, EHLO, MAIL FROM), else the transport failure. */
function noRcptReason(outcome: SmtpSessionOutcome): Reason {
  if (outcome.failure === 'proxy') return 'proxy_unreachable';
  const lastRejection = [...outcome.replies].reverse().find((r) => r.code >= 400 && r.stage !== 'quit');
  if (lastRejection) {
    const cls = classifyReply(lastRejection);
    if (cls === 'policy') return 'blocked_by_policy';
    if (cls === 'sender') return 'sender_rejected';
    if (cls === 'greylisted') return 'greylisted';
    if (cls === 'tls_required') return 'tls_required';
    if (cls === 'relay_denied') return 'relay_denied';
  }
  // Every address up to the limit failed or turned us away before MAIL FROM, more were left: MTAs stop there too.
  if (outcome.addressLimitReached) return 'mx_limit_reached';
  if (lastRejection) {
    if (lastRejection.stage === 'mail') return lastRejection.code < 500 ? 'temporary_failure' : 'sender_rejected';
    if (lastRejection.code < 500) return 'temporary_failure';
    if (outcome.failure === undefined) return 'smtp_rejected';
  }
  switch (outcome.failure) {
    case 'timeout':
    case 'aborted':
      return 'smtp_timeout';
    case 'protocol':
      return 'smtp_protocol_error';
    case 'refused':
    case undefined:
      return 'smtp_unreachable';
  }
}

export interface SmtpVerdict extends Verdict {
  smtp: SmtpResult;
}

/**
 * Verdict from the SMTP conversation, before the misc flags (disposable, role) are applied.
 * `catchAll`: the domain's status when already known (cache, or the group's probe); else the outcome's probe says.
 */
export function smtpVerdict(outcome: SmtpSessionOutcome, provider: ProviderRule | null, catchAll?: boolean): SmtpVerdict {
  const smtp: SmtpResult = { ...NO_SMTP, can_connect_smtp: outcome.connected };
  if (!outcome.rcpt) return { ...verdictOf(noRcptReason(outcome)), smtp };

  const rcptClass = classifyReply(outcome.rcpt);
  // A mailbox over its receiving rate exists: deliverable, with the condition in the reason.
  smtp.is_deliverable = rcptClass === 'accepted' || rcptClass === 'rate_limited';
  smtp.has_full_inbox = rcptClass === 'full';
  smtp.is_disabled = rcptClass === 'disabled';
  smtp.is_catch_all = catchAll ?? (outcome.probe !== undefined && classifyReply(outcome.probe) === 'accepted');

  if (rcptClass !== 'accepted') return { ...verdictOf(CLASS_REASON[rcptClass]), smtp };
  if (smtp.is_catch_all) return { ...verdictOf('catch_all'), smtp };
  if (provider?.acceptsAll) return { ...verdictOf('accepts_all_provider'), smtp };
  return { ...verdictOf('deliverable'), smtp };
}

/** A deliverable address is still risky when it is disposable or a role account. */
export function applyMisc(verdict: Verdict, misc: MiscResult): Verdict {
  if (verdict.reason !== 'deliverable' && verdict.reason !== 'deliverable_rate_limited') return verdict;
  if (misc.is_disposable) return verdictOf('disposable');
  if (misc.is_role_account) return verdictOf('role_account');
  return verdict;
}
