/**
 * @module throttle/core
 * Pure: the limiters of one egress IP, as one state value and one decision.
 *
 * - Rate limits are GCRA without burst tolerance: each admitted session takes the next
 *   slot `tat` (theoretical arrival time) and pushes it one interval on, so sessions are
 *   evenly spaced and no window edge ever sees a burst.
 * - The day count is kept with its UTC date, so a new day starts at zero and a restart
 *   (the state lives in KV) keeps it.
 * - A circuit breaker per recipient group holds the time it reopens; once that passes,
 *   exactly one caller (the one whose write wins) goes through as the probe.
 *
 * All of an IP's limiters sit in one value, so one compare-and-set admits a session
 * against every limiter at once: a slot is never taken on one limiter and lost on another.
 */

export interface IpThrottleState {
  /** Next free slot of the per-IP rate (ms since epoch); 0 when never used. */
  tat: number;
  /** UTC date (YYYY-MM-DD) that `count` belongs to. */
  day: string;
  count: number;
  /** Next free slot per recipient group with a rate of its own. */
  groups: Record<string, number>;
  /** Breakers that are open (or half-open): group → time the cool-down ends. */
  breakers: Record<string, number>;
  /** Next free recipient slot of the per-IP recipient rate: a session of k RCPTs takes k slots. */
  rtat: number;
  /** RCPT commands sent on `day`. */
  rcount: number;
  /** Next free recipient slot per recipient group with a recipient rate of its own. */
  rgroups: Record<string, number>;
}

export interface IpLimits {
  /** Spacing of sessions on the IP (ms); 0 = no rate limit. */
  ipIntervalMs: number;
  /** Sessions per UTC day; 0 = no daily limit. */
  daily: number;
  /** Spacing for a recipient group (ms); 0 = no limit of its own. */
  groupIntervalMs: (group: string) => number;
  /** Longest in-place wait for a slot; a later slot is a deferral. */
  maxWaitMs: number;
  /** Breaker cool-down (ms); 0 = no breaker. */
  cooldownMs: number;
  /**
   * How late after its slot a session may still start (see lateTolerance); a later one
   * gives the slot up and asks again. Default: no limit.
   */
  lateToleranceMs?: (group: string) => number;
  /** Spacing of RCPT commands on the IP (ms per recipient); 0/absent = no recipient rate. */
  ipRcptIntervalMs?: number;
  /** RCPT commands per UTC day; 0/absent = no daily recipient budget. */
  rcptDaily?: number;
  /** Spacing of RCPT commands to a recipient group (ms per recipient); 0 = none of its own. */
  groupRcptIntervalMs?: (group: string) => number;
}

export type Admission =
  /** Go at `at` (may be in the future: sleep until then). `probe`: the breaker's half-open trial. */
  | { kind: 'admit'; at: number; next: IpThrottleState; probe: boolean }
  /** The group's slot is taken until `at` (within the wait budget): look again then. */
  | { kind: 'poll'; at: number }
  /** Too long to wait in place: hand the work back for `delayMs`. */
  | { kind: 'defer'; delayMs: number; limit: 'ip_rate' | 'ip_daily' | 'group_rate' | 'ip_rcpt_rate' | 'ip_rcpt_daily' }
  | { kind: 'breaker_open'; delayMs: number };

/**
 * Slots are spaced this much wider than the limit: a session that starts a few ms late
 * (event loop, connect) followed by one on time must still leave every window of the
 * limit's period at or under the limit.
 */
export const SPACING_MARGIN = 0.08;

/** Interval between sessions for `limit` per `periodMs` (0 when there is no limit). */
export function intervalOf(rate: { limit: number; periodMs: number } | null | undefined): number {
  if (!rate || rate.limit <= 0) return 0;
  return (rate.periodMs / rate.limit) * (1 + SPACING_MARGIN);
}

/**
 * Slots are SPACING_MARGIN wider than the limit, so the first of any `limit + 1`
 * sessions may start up to `periodMs × SPACING_MARGIN` late before that window holds more
 * than the limit; half of that is kept for what follows the check (connect, the
 * server accepting: bench:throttle saw 40–60 ms there on a loaded 2-core box). A process
 * that stalled past it (GC, CPU contention) must not fire its overdue slots in a burst.
 */
export function lateTolerance(rate: { limit: number; periodMs: number } | null | undefined): number {
  if (!rate || rate.limit <= 0) return Number.POSITIVE_INFINITY;
  return rate.periodMs * SPACING_MARGIN * 0.5;
}

export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function msUntilNextUtcDay(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - ms;
}

export const emptyState = (): IpThrottleState => ({ tat: 0, day: '', count: 0, groups: {}, breakers: {}, rtat: 0, rcount: 0, rgroups: {} });

/** A breaker nobody probed for this long is forgotten (closed); keeps the value small. */
const FORGET_BREAKER_MS = 24 * 60 * 60 * 1000;

/** Drops slots in the past and long-expired breakers: they decide nothing any more. */
function prune(s: IpThrottleState, now: number): IpThrottleState {
  const groups: Record<string, number> = {};
  for (const [g, t] of Object.entries(s.groups)) if (t > now) groups[g] = t;
  const breakers: Record<string, number> = {};
  for (const [g, t] of Object.entries(s.breakers)) if (t > now - FORGET_BREAKER_MS) breakers[g] = t;
  const rgroups: Record<string, number> = {};
  for (const [g, t] of Object.entries(s.rgroups)) if (t > now) rgroups[g] = t;
  const day = utcDay(now);
  const today = s.day === day;
  return { tat: s.tat, day, count: today ? s.count : 0, groups, breakers, rtat: s.rtat, rcount: today ? s.rcount : 0, rgroups };
}

/**
 * May one SMTP session to `group` carrying `recipients` RCPT commands start on this IP, and
 * when? Sessions and recipients are both limited, per IP and per group: a session takes one
 * session slot and `recipients` recipient slots (it starts at its slot; the next one waits
 * for the recipients it sent), so a grouped session pays for every RCPT it carries.
 */
export function admit(state: IpThrottleState, group: string, now: number, limits: IpLimits, recipients = 1): Admission {
  const s = prune(state, now);
  const k = Math.max(1, recipients);
  let probe = false;
  const openUntil = s.breakers[group];
  if (limits.cooldownMs > 0 && openUntil !== undefined) {
    if (now < openUntil) return { kind: 'breaker_open', delayMs: openUntil - now };
    probe = true;
  }
  if (limits.daily > 0 && s.count >= limits.daily) return { kind: 'defer', delayMs: msUntilNextUtcDay(now), limit: 'ip_daily' };
  const rcptDaily = limits.rcptDaily ?? 0;
  if (rcptDaily > 0 && s.rcount + k > rcptDaily) return { kind: 'defer', delayMs: msUntilNextUtcDay(now), limit: 'ip_rcpt_daily' };

  const rcptInterval = limits.ipRcptIntervalMs ?? 0;
  const sessionSlot = limits.ipIntervalMs > 0 ? Math.max(now, s.tat) : now;
  const rcptSlot = rcptInterval > 0 ? Math.max(now, s.rtat) : now;
  const slot = Math.max(sessionSlot, rcptSlot);
  const groupInterval = limits.groupIntervalMs(group);
  const groupRcptInterval = limits.groupRcptIntervalMs?.(group) ?? 0;
  const groupFree = Math.max(groupInterval > 0 ? (s.groups[group] ?? 0) : 0, groupRcptInterval > 0 ? (s.rgroups[group] ?? 0) : 0);
  // The group's slot is later than the IP's: do not take the IP slot (it would idle the IP
  // for every other group); wait for the group's slot and compete again.
  if (groupFree > slot) {
    if (groupFree - now > limits.maxWaitMs) return { kind: 'defer', delayMs: groupFree - now, limit: 'group_rate' };
    return { kind: 'poll', at: groupFree };
  }
  if (slot - now > limits.maxWaitMs) return { kind: 'defer', delayMs: slot - now, limit: rcptSlot > sessionSlot ? 'ip_rcpt_rate' : 'ip_rate' };

  const next: IpThrottleState = {
    ...s,
    tat: limits.ipIntervalMs > 0 ? slot + limits.ipIntervalMs : s.tat,
    count: s.count + 1,
    groups: groupInterval > 0 ? { ...s.groups, [group]: slot + groupInterval } : s.groups,
    // The probe holds the breaker open for everyone else until its answer is in.
    breakers: probe ? { ...s.breakers, [group]: now + limits.cooldownMs } : s.breakers,
    rtat: rcptInterval > 0 ? slot + k * rcptInterval : s.rtat,
    rcount: s.rcount + k,
    rgroups: groupRcptInterval > 0 ? { ...s.rgroups, [group]: slot + k * groupRcptInterval } : s.rgroups,
  };
  return { kind: 'admit', at: slot, next, probe };
}

/** A policy rejection (our IP blocked by `group`): open its breaker for the cool-down. */
export function openBreaker(state: IpThrottleState, group: string, now: number, cooldownMs: number): IpThrottleState {
  const s = prune(state, now);
  return { ...s, breakers: { ...s.breakers, [group]: Math.max(s.breakers[group] ?? 0, now + cooldownMs) } };
}

/** The probe got an answer that was not a policy rejection: traffic to `group` flows again. */
export function closeBreaker(state: IpThrottleState, group: string, now: number): IpThrottleState {
  const s = prune(state, now);
  const breakers = { ...s.breakers };
  delete breakers[group];
  return { ...s, breakers };
}

/**
 * The recipient group a session counts against: the provider id from rules.json, else
 * the MX host's last two labels (mx1.example.net → example.net). Without the public
 * suffix list, `a.co.uk` and `b.co.uk` share a group: stricter, never looser.
 */
export function recipientGroup(provider: string | null, mxHost: string): string {
  if (provider) return provider;
  const labels = mxHost.toLowerCase().replace(/\.$/, '').split('.').filter(Boolean);
  return labels.slice(-2).join('.') || 'unknown';
}

/** KV keys allow only [-/_=.a-zA-Z0-9]: IPv6 colons become `_`, a zone index is dropped. */
export function throttleKey(egressIp: string): string {
  const ip = egressIp.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  return `ip.${ip.replace(/:/g, '_')}`;
}

/** Reads a stored value defensively: anything unexpected counts as empty, never as "no limit". */
export function decodeState(raw: unknown): IpThrottleState {
  const e = emptyState();
  if (!raw || typeof raw !== 'object') return e;
  const r = raw as Partial<IpThrottleState>;
  const numMap = (m: unknown): Record<string, number> =>
    Object.fromEntries(Object.entries(m && typeof m === 'object' ? m : {}).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)));
  return {
    tat: typeof r.tat === 'number' && Number.isFinite(r.tat) ? r.tat : 0,
    day: typeof r.day === 'string' ? r.day : '',
    count: typeof r.count === 'number' && r.count >= 0 ? r.count : 0,
    groups: numMap(r.groups),
    breakers: numMap(r.breakers),
    rtat: typeof r.rtat === 'number' && Number.isFinite(r.rtat) ? r.rtat : 0,
    rcount: typeof r.rcount === 'number' && r.rcount >= 0 ? r.rcount : 0,
    rgroups: numMap(r.rgroups),
  };
}
