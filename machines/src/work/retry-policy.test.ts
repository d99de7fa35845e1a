import { describe, expect, it } from 'vitest';
import { decideRetry } from './retry-policy.ts';

const policy = { maxDeliver: 4, baseDelayMs: 1000 };

describe('retry policy', () => {
  it('a greylisted check is retried with a doubling delay', () => {
    expect(decideRetry({ reason: 'greylisted' }, 1, policy)).toEqual({ action: 'retry', delayMs: 1000 });
    expect(decideRetry({ reason: 'greylisted' }, 2, policy)).toEqual({ action: 'retry', delayMs: 2000 });
    expect(decideRetry({ reason: 'smtp_unreachable' }, 3, policy)).toEqual({ action: 'retry', delayMs: 4000 });
  });

  it('the last delivery stores the temporary outcome instead of dropping it', () => {
    expect(decideRetry({ reason: 'greylisted' }, 4, policy)).toEqual({ action: 'store' });
  });

  it('definitive outcomes are stored at once', () => {
    for (const reason of ['deliverable', 'mailbox_not_found', 'catch_all', 'invalid_syntax', 'no_such_domain'] as const) {
      expect(decideRetry({ reason }, 1, policy)).toEqual({ action: 'store' });
    }
  });

  it('the delay is capped', () => {
    expect(decideRetry({ reason: 'temporary_failure' }, 3, { maxDeliver: 50, baseDelayMs: 60_000, maxDelayMs: 90_000 })).toEqual({ action: 'retry', delayMs: 90_000 });
  });
});
