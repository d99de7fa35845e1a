import { describe, expect, it } from 'vitest';
import { REASON_VERDICT, REASONS, type CheckResult, type Reason } from './result.ts';
import { parseCheckResult } from './result.ts';
import { REASON_BASE, resultScore, withScore } from './score.ts';
import { invalidSyntaxResult } from './syntax-result.ts';
import { checkSyntax } from './syntax.ts';

type Flags = { disposable?: boolean; role?: boolean; b2c?: boolean; catchAll?: boolean; full?: boolean; suggestion?: string };

function result(reason: Reason, f: Flags = {}): Omit<CheckResult, 'score'> {
  return {
    input: 'a@example.invalid',
    is_reachable: REASON_VERDICT[reason],
    reason,
    syntax: { address: 'a@example.invalid', username: 'a', domain: 'example.invalid', is_valid_syntax: true, normalized_email: 'a@example.invalid', suggestion: f.suggestion ?? null },
    mx: { accepts_mail: true, records: [] },
    misc: { is_disposable: !!f.disposable, is_role_account: !!f.role, is_b2c: !!f.b2c, gravatar_url: null },
    smtp: { can_connect_smtp: true, has_full_inbox: !!f.full, is_catch_all: !!f.catchAll, is_deliverable: reason === 'deliverable', is_disabled: false },
    debug: { egress_ip: null, mx_host: null, provider: null, duration_ms: 0, smtp_replies: [], checked_at: new Date(0).toISOString() },
  };
}

describe('score', () => {
  it('has a base for every reason, and every verdict keeps its band: safe above risky and unknown, invalid at 0', () => {
    for (const reason of REASONS) {
      expect(REASON_BASE[reason], reason).toBeTypeOf('number');
      const s = resultScore(result(reason));
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(100);
      if (REASON_VERDICT[reason] === 'invalid') expect(s, reason).toBe(0);
      if (REASON_VERDICT[reason] !== 'safe' && REASON_VERDICT[reason] !== 'invalid') expect(s, reason).toBeLessThan(resultScore(result('deliverable')));
    }
    expect(Object.keys(REASON_BASE).sort()).toEqual([...REASONS].sort());
  });

  it('a deliverable address scores highest; each risk flag lowers it', () => {
    const clean = resultScore(result('deliverable'));
    expect(clean).toBeGreaterThanOrEqual(90);
    expect(resultScore(result('deliverable', { b2c: true }))).toBeLessThan(clean);
    expect(resultScore(result('deliverable', { suggestion: 'a@gmail.com' }))).toBeLessThan(clean);
    const role = resultScore(result('role_account', { role: true }));
    expect(role).toBeLessThan(clean);
    expect(resultScore(result('role_account', { role: true, catchAll: true }))).toBeLessThan(role);
    // The flag the reason names is not counted twice.
    expect(resultScore(result('catch_all', { catchAll: true }))).toBe(REASON_BASE.catch_all);
    expect(resultScore(result('disposable', { disposable: true }))).toBe(REASON_BASE.disposable);
  });

  it('an unknown that may heal (greylisted) scores above one that rarely does (no MX host reachable)', () => {
    expect(resultScore(result('greylisted'))).toBeGreaterThan(resultScore(result('smtp_unreachable')));
  });

  it('withScore keeps a stored score, fills a missing one, and puts it after reason', () => {
    const filled = withScore(result('catch_all'));
    expect(filled.score).toBe(REASON_BASE.catch_all);
    expect(Object.keys(filled).slice(0, 4)).toEqual(['input', 'is_reachable', 'reason', 'score']);
    expect(withScore({ ...result('catch_all'), score: 7 }).score).toBe(7);
  });

  it('the invalid-syntax result carries score 0', () => {
    expect(invalidSyntaxResult('nope', checkSyntax('nope'), { egress_ip: null, checked_at: '', duration_ms: 0 }).score).toBe(0);
  });

  it('a stored result from before scores existed parses with its score; one of another shape still fails', () => {
    const old = result('deliverable', { b2c: true });
    const parsed = parseCheckResult(JSON.parse(JSON.stringify(old)));
    expect(parsed.success).toBe(true);
    expect(parsed.data?.score).toBe(resultScore(old));
    expect(parseCheckResult({ ...old, reason: 'no_such_reason' }).success).toBe(false);
    expect(parseCheckResult(null).success).toBe(false);
  });
});
