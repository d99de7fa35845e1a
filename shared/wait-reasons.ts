/**
 * @module wait-reasons
 * What an unfinished job item waits for, and which retry schedule a temporary outcome follows.
 * Kept apart from result.ts (no zod) because config.ts parses schedules by these names.
 */
import type { Reason } from './result.ts';

/** What an unfinished job item waits for (job status `waiting.by_reason`). */
export const WAIT_REASONS = ['greylisted', 'unreachable', 'timeout', 'throttled', 'other'] as const;
export type WaitReason = (typeof WAIT_REASONS)[number];
/** Wait reasons that follow a retry schedule (a throttle hold waits as long as the throttle says). */
export type RetryReason = Exclude<WaitReason, 'throttled'>;
export const RETRY_REASONS = ['greylisted', 'unreachable', 'timeout', 'other'] as const satisfies readonly RetryReason[];

/** The wait reason (and retry schedule) of a temporary outcome. */
export function retryReasonOf(reason: Reason): RetryReason {
  switch (reason) {
    case 'greylisted':
      return 'greylisted';
    case 'smtp_unreachable':
    case 'proxy_unreachable':
      return 'unreachable';
    case 'smtp_timeout':
    case 'dns_timeout':
      return 'timeout';
    default:
      return 'other';
  }
}
