/**
 * @module work/metrics
 * Prometheus metrics of a machine, on its own registry (several machines can run
 * in one test process).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CheckResult } from '../../../shared/result.ts';

export function createMetrics(machineId: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ machine: machineId });
  const checks = new Counter({ name: 'emailcheck_checks_total', help: 'Checks stored, by kind, verdict and reason', labelNames: ['kind', 'verdict', 'reason'], registers: [registry] });
  const retries = new Counter({ name: 'emailcheck_retries_total', help: 'Checks handed back for a later retry, by reason', labelNames: ['reason'], registers: [registry] });
  const duration = new Histogram({ name: 'emailcheck_check_duration_seconds', help: 'Duration of one verification', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 45], registers: [registry] });
  const inFlight = new Gauge({ name: 'emailcheck_in_flight', help: 'Checks being worked on', registers: [registry] });
  const dbErrors = new Counter({ name: 'emailcheck_db_write_errors_total', help: 'Failed result batch writes (retried)', registers: [registry] });
  const throttleHolds = new Counter({ name: 'emailcheck_throttle_holds_total', help: 'Checks handed back by the throttles before SMTP, by reason (ip_rate, ip_daily, ip_rcpt_rate, ip_rcpt_daily, group_rate, breaker_open, throttle_unavailable)', labelNames: ['reason'], registers: [registry] });
  const throttleWait = new Histogram({ name: 'emailcheck_throttle_wait_seconds', help: 'Time a check waited in place for its throttle slot', buckets: [0, 0.05, 0.25, 1, 2.5, 5, 10, 20], registers: [registry] });
  const missedSlots = new Counter({ name: 'emailcheck_throttle_missed_slots_total', help: 'Throttle slots given up because the process woke too late to use them without a burst (a sign of CPU starvation)', registers: [registry] });
  const breakerOpens = new Counter({ name: 'emailcheck_breaker_opened_total', help: 'Circuit breakers opened by a policy rejection, by recipient group', labelNames: ['group'], registers: [registry] });
  const scheduled = new Counter({ name: 'emailcheck_retries_scheduled_total', help: 'Checks put off (retries and holds), by how: nak (short, keeps its consumer slot) or retry_stream (leaves the queue until due)', labelNames: ['via'], registers: [registry] });
  const released = new Counter({ name: 'emailcheck_retries_released_total', help: 'Checks released from the RETRY stream when due', registers: [registry] });
  const webhooks = new Counter({ name: 'emailcheck_webhooks_total', help: 'Job webhooks, by outcome', labelNames: ['outcome'], registers: [registry] });
  return {
    registry,
    inFlight,
    result(r: CheckResult, kind: 'single' | 'bulk') {
      checks.inc({ kind, verdict: r.is_reachable, reason: r.reason });
      duration.observe(r.debug.duration_ms / 1000);
    },
    retry: (r: CheckResult) => retries.inc({ reason: r.reason }),
    dbError: () => dbErrors.inc(),
    throttleHold: (reason: string) => throttleHolds.inc({ reason }),
    throttleWait: (ms: number, missed: number) => {
      throttleWait.observe(ms / 1000);
      if (missed > 0) missedSlots.inc(missed);
    },
    breakerOpened: (group: string) => breakerOpens.inc({ group }),
    retryScheduled: (via: 'nak' | 'retry_stream') => scheduled.inc({ via }),
    retryReleased: () => released.inc(),
    webhook: (outcome: 'delivered' | 'failed') => webhooks.inc({ outcome }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
