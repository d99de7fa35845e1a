/**
 * @module throttle
 * JetStream-enforced throttles of a machine: per egress IP rate and day budget, per
 * (IP, provider) rate and circuit breaker, all in the KV bucket `throttle`; and how a
 * machine learns its egress IP.
 */
export { admit, openBreaker, closeBreaker, recipientGroup, throttleKey, intervalOf, utcDay, SPACING_MARGIN, type IpLimits, type IpThrottleState, type Admission } from './core.ts';
export { ThrottleHold, type HoldReason } from './errors.ts';
export { createIpThrottle, type IpThrottle } from './ip-throttle.ts';
export { createThrottle, limitsFrom, throttlesOff, type Throttle, type CheckGate, type SmtpSkip, type SmtpSessionInfo } from './check-gate.ts';
export { resolveEgressIp, askWhoami, normalizeIp } from './egress-ip.ts';
