/**
 * @module check/edge-verdict
 * What the edge can decide alone, without DNS or SMTP: an address whose syntax is invalid
 * (control characters included) is `invalid` / `invalid_syntax`, answered in the same result
 * shape a machine would store. Everything else needs a machine.
 */
import type { CheckResult } from '../../../shared/result.ts';
import { failsSyntax, invalidSyntaxResult } from '../../../shared/syntax-result.ts';
import { checkSyntax, type SyntaxCheck } from '../../../shared/syntax.ts';

export interface EdgeDecision {
  syntax: SyntaxCheck;
  /** Set when the verdict is already known here. */
  result: CheckResult | null;
}

export function decideAtEdge(email: string, now = new Date()): EdgeDecision {
  const syntax = checkSyntax(email);
  if (!failsSyntax(syntax)) return { syntax, result: null };
  return { syntax, result: invalidSyntaxResult(email, syntax, { egress_ip: null, checked_at: now.toISOString(), duration_ms: 0 }) };
}
