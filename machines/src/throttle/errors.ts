/**
 * @module throttle/errors
 * Why a check did not start its SMTP session now. Thrown from the verifier's
 * `beforeSmtp` hook; the check handler hands the message back with `nak(delayMs)`.
 */
export type HoldReason =
  /** The IP's (or a provider's) rate or daily budget has no slot soon enough. */
  | 'ip_rate'
  | 'ip_daily'
  | 'group_rate'
  /** The IP's recipient (RCPT) rate or daily recipient budget has no room soon enough. */
  | 'ip_rcpt_rate'
  | 'ip_rcpt_daily'
  /** The (IP, provider) breaker is open after a policy rejection. */
  | 'breaker_open'
  /** The limiter state (NATS KV) could not be read or written: fail closed. */
  | 'throttle_unavailable';

export class ThrottleHold extends Error {
  readonly code = 'throttle_hold';
  constructor(
    readonly reason: HoldReason,
    readonly delayMs: number,
    message: string,
  ) {
    super(message);
    this.name = 'ThrottleHold';
  }
}
