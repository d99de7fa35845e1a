/**
 * @module score
 * A 0–100 score for a result: how likely mail sent to the address is delivered to a person who
 * reads it. `is_reachable` stays the verdict; the score orders addresses within and across
 * verdicts (a deliverable free-mail address above a role account on a catch-all domain).
 *
 * Start from the reason's base (REASON_BASE: every reason has one, the type makes sure), then
 * lower it for each risk flag the reason does not already name. Invalid is always 0.
 */
import type { Reason } from './reasons.ts';
import type { CheckResult } from './result.ts';

/** Base score per reason: what the verdict's evidence alone is worth. */
export const REASON_BASE = {
  // safe: the mailbox accepted the address
  deliverable: 95,
  deliverable_rate_limited: 90, // the server named the mailbox as receiving too fast: it exists, mail now may be deferred
  // invalid: mail will bounce
  invalid_syntax: 0,
  no_such_domain: 0,
  null_mx: 0,
  no_mail_server: 0,
  mailbox_not_found: 0,
  mailbox_disabled: 0,
  // risky
  role_account: 60, // delivered, but to a shared inbox that rarely engages
  catch_all: 55, // the domain accepts every address, so this one is not confirmed
  mailbox_full: 25, // exists, but bounces until emptied (often abandoned)
  disposable: 15, // a throwaway inbox
  // unknown: nothing said about the mailbox, so the score says how often such addresses turn out fine
  accepts_all_provider: 65, // big providers that accept every RCPT: most such addresses exist
  greylisted: 50, // a live server asking us to come back later
  cannot_verify: 45, // 252: the server takes mail for the address without saying whether it exists
  temporary_failure: 45,
  proxy_unreachable: 45, // our own path out failed: nothing learned about the address
  blocked_by_policy: 45, // about our IP, not the mailbox
  smtp_timeout: 35,
  smtp_protocol_error: 30,
  dns_timeout: 30,
  sender_rejected: 30,
  tls_required: 35, // the server wants TLS we could not give it: nothing learned about the mailbox
  dns_failure: 25,
  smtp_rejected: 20, // a 5xx we could not attribute
  smtp_unreachable: 15, // no MX host took a connection
  mx_limit_reached: 15, // every MX address we may try refused or failed: as unreachable
  relay_denied: 10, // the MX does not take mail for this domain
  private_mx_refused: 5, // the domain's MX points at a private network
  not_checked: 40, // the job was finished before this address was tried: nothing learned
  throttled: 40, // the job was finished while our own limits held it back: nothing learned
} as const satisfies Record<Reason, number>;

/** Lowered by, when the reason does not already say so. */
export const SCORE_PENALTIES = {
  disposable: 40,
  full_inbox: 30,
  catch_all: 20,
  role_account: 15,
  /** syntax.suggestion is set: probably a typo of a common provider. */
  typo_suspected: 15,
  /** Free consumer provider (is_b2c): fine to mail, a little less likely a long-lived business contact. */
  free_provider: 5,
} as const;

type Scored = Pick<CheckResult, 'is_reachable' | 'reason' | 'misc' | 'smtp' | 'syntax'>;

export function resultScore(r: Scored): number {
  if (r.is_reachable === 'invalid') return 0;
  let score: number = REASON_BASE[r.reason];
  if (r.misc.is_disposable && r.reason !== 'disposable') score -= SCORE_PENALTIES.disposable;
  if (r.smtp.has_full_inbox && r.reason !== 'mailbox_full') score -= SCORE_PENALTIES.full_inbox;
  if (r.smtp.is_catch_all && r.reason !== 'catch_all') score -= SCORE_PENALTIES.catch_all;
  if (r.misc.is_role_account && r.reason !== 'role_account') score -= SCORE_PENALTIES.role_account;
  if (r.syntax.suggestion) score -= SCORE_PENALTIES.typo_suspected;
  if (r.misc.is_b2c) score -= SCORE_PENALTIES.free_provider;
  return Math.max(0, Math.min(100, Math.round(score)));
}

/** The result with its score, computed when missing (results stored before scores existed). */
export function withScore<T extends Scored & { input: string; score?: number }>(r: T): T & { score: number } {
  if (typeof r.score === 'number') return r as T & { score: number };
  // Placed after `reason`, where the schema (and a reader) expects it.
  const { input, is_reachable, reason, ...rest } = r;
  return { input, is_reachable, reason, score: resultScore(r), ...rest } as unknown as T & { score: number };
}
