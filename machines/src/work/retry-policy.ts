/**
 * @module work/retry-policy
 * Pure: whether a check's outcome is stored now or retried later, and when. Each wait reason
 * has its own schedule (greylisting wants minutes, an MX refusing every connection hours);
 * after the schedule's last delay the next outcome is stored, so nothing is ever dropped.
 */
import { RETRYABLE_REASONS, type CheckResult } from '../../../shared/result.ts';
import { retryReasonOf, type RetryReason } from '../../../shared/wait-reasons.ts';
import type { RetrySchedules } from '../../../shared/config.ts';

export type RetryDecision =
  | { action: 'store' }
  | {
      action: 'retry';
      reason: RetryReason;
      delayMs: number;
      /** From now until the last try the schedule allows (this delay included). */
      untilLastTryMs: number;
    };

export interface RetryPolicy {
  schedules: RetrySchedules;
  /** Deliveries of a message held by an open breaker before the gate ends it as `blocked_by_policy`. */
  maxDeliver: number;
}

/** `attempts`: temporary outcomes of this address so far, this one included. */
export function decideRetry(result: Pick<CheckResult, 'reason'>, attempts: number, policy: RetryPolicy): RetryDecision {
  if (!RETRYABLE_REASONS.has(result.reason)) return { action: 'store' };
  const reason = retryReasonOf(result.reason);
  const left = policy.schedules[reason].slice(Math.max(0, attempts - 1));
  if (left.length === 0) return { action: 'store' };
  return { action: 'retry', reason, delayMs: left[0]!, untilLastTryMs: left.reduce((a, b) => a + b, 0) };
}

/** The longest any address can wait under the policy from its first try: the bound for items not yet tried. */
export function longestSchedule(policy: Pick<RetryPolicy, 'schedules'>): number {
  return Math.max(0, ...Object.values(policy.schedules).map((s) => s.reduce((a, b) => a + b, 0)));
}
