/**
 * @module syntax-result
 * The result of an address that fails before any DNS or SMTP: the same for the edge (which
 * answers it without a round trip) and the machines' verifier, so the two cannot drift.
 */
import { REASON_VERDICT } from './reasons.ts';
import type { CheckResult, MiscResult, SmtpResult, SyntaxResult } from './result.ts';
import { resultScore } from './score.ts';
import { checkSyntax, type SyntaxCheck } from './syntax.ts';

export const NO_MISC: MiscResult = { is_disposable: false, is_role_account: false, is_b2c: false, gravatar_url: null };
export const NO_SMTP: SmtpResult = { can_connect_smtp: false, has_full_inbox: false, is_catch_all: false, is_deliverable: false, is_disabled: false };

/** The `syntax` block of a result. */
export function syntaxSection(s: SyntaxCheck): SyntaxResult {
  return {
    address: s.address,
    username: s.username,
    domain: s.domain,
    is_valid_syntax: s.is_valid_syntax,
    normalized_email: s.normalized_email,
    suggestion: s.suggestion,
  };
}

/** True when the address cannot be checked further (bad syntax, or a domain that is not a DNS name). */
export const failsSyntax = (s: SyntaxCheck): boolean => !s.is_valid_syntax || !s.asciiDomain;

/** `invalid` / `invalid_syntax`, with nothing looked up. */
export function invalidSyntaxResult(
  input: string,
  s: SyntaxCheck,
  debug: { egress_ip: string | null; checked_at: string; duration_ms: number },
): CheckResult {
  return {
    input,
    is_reachable: REASON_VERDICT.invalid_syntax,
    reason: 'invalid_syntax',
    score: 0,
    syntax: { ...syntaxSection(s), is_valid_syntax: false },
    mx: { accepts_mail: false, records: [] },
    misc: NO_MISC,
    smtp: NO_SMTP,
    debug: { ...debug, mx_host: null, provider: null, smtp_replies: [] },
  };
}

/** `unknown` for an address a finished-early job never got an answer for (`not_checked`, `throttled`). */
export function uncheckedResult(input: string, reason: 'not_checked' | 'throttled', checkedAt: string): CheckResult {
  const result: CheckResult = {
    input,
    is_reachable: REASON_VERDICT[reason],
    reason,
    score: 0,
    syntax: syntaxSection(checkSyntax(input)),
    mx: { accepts_mail: false, records: [] },
    misc: NO_MISC,
    smtp: NO_SMTP,
    debug: { egress_ip: null, mx_host: null, provider: null, duration_ms: 0, smtp_replies: [], checked_at: checkedAt },
  };
  return { ...result, score: resultScore(result) };
}
