/**
 * @module check/edge-verdict
 * What the edge can decide alone, without DNS or SMTP: an address whose syntax is invalid
 * (control characters included) is `invalid` / `invalid_syntax`, answered in the same result
 * shape a machine would store. Everything else needs a machine.
 */
import type { CheckResult } from '../../../shared/result.ts';
import { checkSyntax, type SyntaxCheck } from '../../../shared/syntax.ts';

export interface EdgeDecision {
  syntax: SyntaxCheck;
  /** Set when the verdict is already known here. */
  result: CheckResult | null;
}

export function decideAtEdge(email: string, now = new Date()): EdgeDecision {
  const syntax = checkSyntax(email);
  if (syntax.is_valid_syntax && syntax.asciiDomain) return { syntax, result: null };
  return {
    syntax,
    result: {
      input: email,
      is_reachable: 'invalid',
      reason: 'invalid_syntax',
      syntax: {
        address: syntax.address,
        username: syntax.username,
        domain: syntax.domain,
        is_valid_syntax: false,
        normalized_email: syntax.normalized_email,
        suggestion: syntax.suggestion,
      },
      mx: { accepts_mail: false, records: [] },
      misc: { is_disposable: false, is_role_account: false, is_b2c: false, gravatar_url: null },
      smtp: { can_connect_smtp: false, has_full_inbox: false, is_catch_all: false, is_deliverable: false, is_disabled: false },
      debug: { egress_ip: null, mx_host: null, provider: null, duration_ms: 0, smtp_replies: [], checked_at: now.toISOString() },
    },
  };
}
