import { describe, expect, it } from 'vitest';
import { machineEnv, readEnv } from '../../../shared/config.ts';
import { decideRetry, longestSchedule } from './retry-policy.ts';

const schedules = { greylisted: [360_000, 720_000], unreachable: [1_800_000], timeout: [1000, 2000, 4000], other: [] };
const policy = { schedules, maxDeliver: 5 };

describe('retry policy', () => {
  it('each reason follows its own schedule: greylisting minutes, an unreachable MX much longer', () => {
    expect(decideRetry({ reason: 'greylisted' }, 1, policy)).toEqual({ action: 'retry', reason: 'greylisted', delayMs: 360_000, untilLastTryMs: 1_080_000 });
    expect(decideRetry({ reason: 'greylisted' }, 2, policy)).toEqual({ action: 'retry', reason: 'greylisted', delayMs: 720_000, untilLastTryMs: 720_000 });
    expect(decideRetry({ reason: 'smtp_unreachable' }, 1, policy)).toMatchObject({ reason: 'unreachable', delayMs: 1_800_000 });
    expect(decideRetry({ reason: 'dns_timeout' }, 3, policy)).toMatchObject({ reason: 'timeout', delayMs: 4000 });
  });

  it('past the last delay the temporary outcome is stored instead of dropped', () => {
    expect(decideRetry({ reason: 'greylisted' }, 3, policy)).toEqual({ action: 'store' });
    expect(decideRetry({ reason: 'smtp_unreachable' }, 2, policy)).toEqual({ action: 'store' });
    // An empty schedule: stored at the first temporary outcome.
    expect(decideRetry({ reason: 'temporary_failure' }, 1, policy)).toEqual({ action: 'store' });
  });

  it('definitive outcomes are stored at once', () => {
    for (const reason of ['deliverable', 'mailbox_not_found', 'catch_all', 'invalid_syntax', 'no_such_domain'] as const) {
      expect(decideRetry({ reason }, 1, policy)).toEqual({ action: 'store' });
    }
  });

  it('the longest schedule bounds the wait of an item not tried yet', () => {
    expect(longestSchedule(policy)).toBe(1_800_000);
  });

  it('RETRY_SCHEDULE replaces the default schedules reason by reason, with units', () => {
    const def = readEnv(machineEnv, {}).RETRY_SCHEDULE;
    expect(def.greylisted[0]).toBeGreaterThanOrEqual(5 * 60_000);
    expect(def.unreachable[0]).toBeGreaterThan(15 * 60_000);
    const env = readEnv(machineEnv, { RETRY_SCHEDULE: 'greylisted=300ms,2s; other=' }).RETRY_SCHEDULE;
    expect(env.greylisted).toEqual([300, 2000]);
    expect(env.other).toEqual([]);
    expect(env.unreachable).toEqual(def.unreachable);
    expect(() => readEnv(machineEnv, { RETRY_SCHEDULE: 'greylist=5m' })).toThrow(/RETRY_SCHEDULE/);
    expect(() => readEnv(machineEnv, { RETRY_SCHEDULE: 'timeout=5 minutes' })).toThrow(/not a duration/);
  });
});
