/**
 * @module throttle/check-gate
 * The throttles as one check sees them: the verifier's `beforeSmtp` hook (wait for a
 * slot, or refuse with ThrottleHold), and `after(result)`, which opens the
 * (IP, provider) breaker on a policy rejection or closes it when a probe got through.
 */
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { Rate, ThrottleEnv } from '../../../shared/config.ts';
import type { CheckResult, Reason } from '../../../shared/result.ts';
import { intervalOf, lateTolerance, recipientGroup, type IpLimits } from './core.ts';
import { ThrottleHold } from './errors.ts';
import { createIpThrottle, type IpThrottle } from './ip-throttle.ts';

export interface SmtpSessionInfo {
  mxHost: string;
  provider: string | null;
  /** RCPT commands the session will carry (a grouped session: its addresses and the probe). Default 1. */
  recipients?: number;
}

/** What `beforeSmtp` may answer instead of letting the session run: the check ends with this reason. */
export interface SmtpSkip {
  skip: Reason;
}

export interface CheckGate {
  beforeSmtp(session: SmtpSessionInfo): Promise<void | SmtpSkip>;
  after(result: CheckResult): Promise<void>;
}

export interface ThrottleEvents {
  onWait?: (waitedMs: number, missedSlots: number) => void;
  onBreakerOpened?: (group: string) => void;
}

export interface Throttle {
  readonly egressIp: string;
  readonly limiter: IpThrottle;
  /** `lastDelivery`: an open breaker ends the check (`blocked_by_policy`) instead of handing it back. */
  gate(opts: { lastDelivery: boolean }): CheckGate;
}

export function limitsFrom(env: ThrottleEnv): IpLimits {
  const groups: Record<string, Rate> = env.THROTTLE_PROVIDER_RATES;
  const rcptGroups: Record<string, Rate> = env.THROTTLE_PROVIDER_RCPT_RATES;
  return {
    ipIntervalMs: intervalOf(env.THROTTLE_IP_RATE),
    daily: env.THROTTLE_IP_DAILY,
    groupIntervalMs: (g) => intervalOf(groups[g]),
    maxWaitMs: env.THROTTLE_MAX_WAIT_MS,
    cooldownMs: env.BREAKER_COOLDOWN * 1000,
    lateToleranceMs: (g) => Math.min(lateTolerance(env.THROTTLE_IP_RATE), lateTolerance(groups[g]), lateTolerance(env.THROTTLE_IP_RCPT_RATE), lateTolerance(rcptGroups[g])),
    ipRcptIntervalMs: intervalOf(env.THROTTLE_IP_RCPT_RATE),
    rcptDaily: env.THROTTLE_IP_RCPT_DAILY,
    groupRcptIntervalMs: (g) => intervalOf(rcptGroups[g]),
  };
}

/** Every limit set to 0: no limiter, no KV traffic (benchmarks of other parts). */
export function throttlesOff(env: ThrottleEnv): boolean {
  return (
    !env.THROTTLE_IP_RATE &&
    env.THROTTLE_IP_DAILY === 0 &&
    Object.keys(env.THROTTLE_PROVIDER_RATES).length === 0 &&
    !env.THROTTLE_IP_RCPT_RATE &&
    env.THROTTLE_IP_RCPT_DAILY === 0 &&
    Object.keys(env.THROTTLE_PROVIDER_RCPT_RATES).length === 0 &&
    env.BREAKER_COOLDOWN === 0
  );
}

export function createThrottle(opts: {
  kv: KV;
  egressIp: string;
  env: ThrottleEnv;
  connected: () => boolean;
  log: Logger;
  events?: ThrottleEvents;
}): Throttle {
  const limits = limitsFrom(opts.env);
  const limiter = createIpThrottle({ kv: opts.kv, egressIp: opts.egressIp, limits, connected: opts.connected });
  const { log, events = {} } = opts;
  return {
    egressIp: opts.egressIp,
    limiter,
    gate({ lastDelivery }) {
      let group: string | null = null;
      let probe = false;
      let skipped = false;
      return {
        async beforeSmtp(session) {
          group = recipientGroup(session.provider, session.mxHost);
          try {
            const admitted = await limiter.acquire(group, undefined, session.recipients ?? 1);
            probe ||= admitted.probe;
            events.onWait?.(admitted.waitedMs, admitted.missedSlots);
          } catch (err) {
            // Nothing to wait for any more: the breaker never closed within the deliveries.
            if (err instanceof ThrottleHold && err.reason === 'breaker_open' && lastDelivery) {
              skipped = true;
              return { skip: 'blocked_by_policy' };
            }
            throw err;
          }
        },
        async after(result) {
          if (!group || skipped) return;
          try {
            if (result.reason === 'blocked_by_policy' && limits.cooldownMs > 0) {
              await limiter.policyRejected(group);
              events.onBreakerOpened?.(group);
              log.warn({ egressIp: opts.egressIp, group, mxHost: result.debug.mx_host, cooldownS: opts.env.BREAKER_COOLDOWN, reply: result.debug.smtp_replies.findLast((r) => r.code >= 400 && r.stage !== 'quit')?.text ?? null }, 'breaker opened: policy rejection');
            } else if (probe) {
              await limiter.probeSucceeded(group);
              log.info({ egressIp: opts.egressIp, group }, 'breaker closed: probe answered');
            }
          } catch (err) {
            // The breaker write failing leaves the old state; the next policy rejection tries again.
            log.warn({ err: (err as Error).message, group }, 'breaker update failed');
          }
        },
      };
    },
  };
}
