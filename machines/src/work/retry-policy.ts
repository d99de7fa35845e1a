/**
 * @module work/retry-policy
 * Pure: whether a check's outcome is stored now or retried later (nak with delay).
 * Temporary outcomes are retried with a doubling delay; the last delivery stores
 * whatever it got, so nothing is ever dropped.
 */
import { RETRYABLE_REASONS, type CheckResult } from '../../../shared/result.ts';

export type RetryDecision = { action: 'store' } | { action: 'retry'; delayMs: number };

export interface RetryPolicy {
  maxDeliver: number;
  baseDelayMs: number;
  maxDelayMs?: number;
}

export function decideRetry(result: Pick<CheckResult, 'reason'>, deliveryCount: number, policy: RetryPolicy): RetryDecision {
  if (!RETRYABLE_REASONS.has(result.reason)) return { action: 'store' };
  if (deliveryCount >= policy.maxDeliver) return { action: 'store' };
  return { action: 'retry', delayMs: retryDelay(deliveryCount, policy) };
}

/** Delay before delivery number `deliveryCount + 1`: base, 2×base, 4×base, ... capped. */
export function retryDelay(deliveryCount: number, policy: RetryPolicy): number {
  const cap = policy.maxDelayMs ?? 30 * 60_000;
  return Math.min(cap, policy.baseDelayMs * 2 ** Math.max(0, deliveryCount - 1));
}
