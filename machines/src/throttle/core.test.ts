import { describe, expect, it } from 'vitest';
import { parseRate } from '../../../shared/config.ts';
import { admit, closeBreaker, emptyState, intervalOf, openBreaker, recipientGroup, throttleKey, type IpLimits, type IpThrottleState } from './core.ts';
import { maxInWindow } from '../../../test/support/session-window.ts';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);

function limits(over: Partial<IpLimits> = {}): IpLimits {
  return { ipIntervalMs: 0, daily: 0, groupIntervalMs: () => 0, maxWaitMs: 60_000, cooldownMs: 0, ...over };
}

/** Admits `n` sessions as fast as callers ask (all at `now`), returning their slots. */
function drain(n: number, l: IpLimits, group = 'g', now = T0, start: IpThrottleState = emptyState()) {
  let s = start;
  const slots: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = admit(s, group, now, l);
    if (d.kind !== 'admit') return { slots, state: s, stopped: d };
    slots.push(d.at);
    s = d.next;
  }
  return { slots, state: s, stopped: null };
}


describe('throttle core: per-IP rate', () => {
  it('60/min hands out evenly spaced slots: never more than 60 in any minute, and no burst at the start', () => {
    const l = limits({ ipIntervalMs: intervalOf(parseRate('60/min', 'r')), maxWaitMs: 10 * 60_000 });
    const { slots } = drain(200, l);
    expect(slots).toHaveLength(200);
    expect(maxInWindow(slots, 60_000)).toBeLessThanOrEqual(60);
    // No two sessions closer than the spacing, not even the first ones.
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(1000);
    // ... and not much wider either: the limit is used (slots are 8% wider than 60/min).
    expect(maxInWindow(slots, 60_000)).toBeGreaterThanOrEqual(55);
  });

  it('after an idle hour the IP gets one slot now, not a burst of saved-up ones', () => {
    const l = limits({ ipIntervalMs: intervalOf(parseRate('20/s', 'r')) });
    const first = drain(3, l);
    const later = drain(3, l, 'g', T0 + 3_600_000, first.state);
    expect(later.slots[0]).toBe(T0 + 3_600_000);
    expect(later.slots[1]! - later.slots[0]!).toBeGreaterThanOrEqual(50);
  });

  it('a slot further away than the wait budget is a deferral, and takes nothing', () => {
    const l = limits({ ipIntervalMs: 1000, maxWaitMs: 2500 });
    const { slots, stopped, state } = drain(10, l);
    expect(slots).toEqual([T0, T0 + 1000, T0 + 2000]);
    expect(stopped).toMatchObject({ kind: 'defer', limit: 'ip_rate', delayMs: 3000 });
    expect(state.tat).toBe(T0 + 3000);
  });

  it('0 disables: every session is admitted at once', () => {
    expect(parseRate('0', 'r')).toBeNull();
    const { slots } = drain(100, limits({ ipIntervalMs: intervalOf(parseRate('0', 'r')) }));
    expect(new Set(slots)).toEqual(new Set([T0]));
  });

  it('rates read as N/s, N/min, N/h; anything else is a config error naming the variable', () => {
    expect(parseRate('20/s', 'X')).toEqual({ limit: 20, periodMs: 1000 });
    expect(parseRate('60 / min', 'X')).toEqual({ limit: 60, periodMs: 60_000 });
    expect(parseRate('500/h', 'X')).toEqual({ limit: 500, periodMs: 3_600_000 });
    expect(() => parseRate('fast', 'THROTTLE_IP_RATE')).toThrow(/THROTTLE_IP_RATE/);
    expect(() => parseRate('10/week', 'THROTTLE_IP_RATE')).toThrow(/THROTTLE_IP_RATE/);
  });
});

describe('throttle core: per-IP day budget', () => {
  it('stops at the daily limit until the next UTC day, then starts from zero', () => {
    const l = limits({ daily: 5 });
    const today = drain(10, l);
    expect(today.slots).toHaveLength(5);
    const midnight = Date.UTC(2026, 10, 24);
    expect(today.stopped).toEqual({ kind: 'defer', limit: 'ip_daily', delayMs: midnight - T0 });
    const tomorrow = drain(10, l, 'g', midnight + 1, today.state);
    expect(tomorrow.slots).toHaveLength(5);
  });
});

describe('throttle core: per-provider rate', () => {
  const l = limits({ ipIntervalMs: 100, groupIntervalMs: (g) => (g === 'gmail' ? 1000 : 0), maxWaitMs: 5000 });

  it('a provider with its own rate waits for its slot while other providers use the IP', () => {
    let s = emptyState();
    const a = admit(s, 'gmail', T0, l);
    expect(a).toMatchObject({ kind: 'admit', at: T0 });
    s = (a as { next: IpThrottleState }).next;
    // Gmail's next slot is 1 s away: poll, and the IP's slot is not taken for it.
    expect(admit(s, 'gmail', T0, l)).toEqual({ kind: 'poll', at: T0 + 1000 });
    const other = admit(s, 'example.net', T0, l);
    expect(other).toMatchObject({ kind: 'admit', at: T0 + 100 });
  });

  it('a provider slot beyond the wait budget is a deferral', () => {
    const strict = { ...l, maxWaitMs: 500 };
    const first = admit(emptyState(), 'gmail', T0, strict);
    expect(admit((first as { next: IpThrottleState }).next, 'gmail', T0, strict)).toEqual({ kind: 'defer', limit: 'group_rate', delayMs: 1000 });
  });
});

describe('throttle core: circuit breaker', () => {
  const l = limits({ cooldownMs: 60_000 });

  it('a policy rejection holds that provider for the cool-down; others keep flowing', () => {
    const s = openBreaker(emptyState(), 'blocked.test', T0, 60_000);
    expect(admit(s, 'blocked.test', T0 + 1000, l)).toEqual({ kind: 'breaker_open', delayMs: 59_000 });
    expect(admit(s, 'ok.test', T0 + 1000, l)).toMatchObject({ kind: 'admit', probe: false });
  });

  it('after the cool-down exactly one probe goes through; a good answer closes it', () => {
    const s = openBreaker(emptyState(), 'blocked.test', T0, 60_000);
    const probe = admit(s, 'blocked.test', T0 + 60_000, l);
    expect(probe).toMatchObject({ kind: 'admit', probe: true });
    const during = (probe as { next: IpThrottleState }).next;
    expect(admit(during, 'blocked.test', T0 + 60_001, l).kind).toBe('breaker_open');
    const closed = closeBreaker(during, 'blocked.test', T0 + 60_500);
    expect(admit(closed, 'blocked.test', T0 + 60_501, l)).toMatchObject({ kind: 'admit', probe: false });
  });

  it('with the breaker off (cool-down 0) nothing is held', () => {
    const s = openBreaker(emptyState(), 'blocked.test', T0, 60_000);
    expect(admit(s, 'blocked.test', T0 + 1, limits())).toMatchObject({ kind: 'admit' });
  });
});

describe('throttle keys and groups', () => {
  it('IPv6 egress addresses become valid KV keys, one per IP', () => {
    for (const ip of ['2001:db8::1', '[2001:DB8::1]', 'fe80::1%eth0', '192.0.2.7']) expect(throttleKey(ip)).toMatch(/^[-/_=.a-zA-Z0-9]+$/);
    expect(throttleKey('[2001:DB8::1]')).toBe(throttleKey('2001:db8::1'));
    expect(throttleKey('192.0.2.7')).not.toBe(throttleKey('192.0.2.8'));
  });

  it('recipients are grouped by provider, else by the MX host domain', () => {
    expect(recipientGroup('gmail', 'gmail-smtp-in.l.google.com')).toBe('gmail');
    expect(recipientGroup(null, 'mx1.Example.NET.')).toBe('example.net');
    expect(recipientGroup(null, 'mx2.example.net')).toBe('example.net');
  });
});

describe('throttle core: recipients per IP and per provider', () => {
  const perMinute = (n: number) => intervalOf(parseRate(`${n}/min`, 'r'));

  it('a session carrying 10 RCPTs takes 10 recipient slots: the next session waits for all of them', () => {
    const l = limits({ ipIntervalMs: perMinute(60), ipRcptIntervalMs: perMinute(120), maxWaitMs: 10 * 60_000 });
    const first = admit(emptyState(), 'g', T0, l, 10);
    expect(first).toMatchObject({ kind: 'admit', at: T0 });
    if (first.kind !== 'admit') return;
    const second = admit(first.next, 'g', T0, l, 1);
    expect(second.kind).toBe('admit');
    // 10 recipients at 120/min (+8%) is 5.4 s, longer than one session slot (1.08 s).
    if (second.kind === 'admit') expect(second.at - T0).toBeCloseTo(10 * perMinute(120), 0);
  });

  it('one-RCPT sessions are bound by the session rate, grouped ones by the recipient rate: either way the RCPTs per minute stay under the limit', () => {
    const l = limits({ ipIntervalMs: perMinute(60), ipRcptIntervalMs: perMinute(120), maxWaitMs: 60 * 60_000 });
    for (const k of [1, 2, 25]) {
      let s = emptyState();
      const rcptTimes: number[] = [];
      for (let i = 0; i < 40; i++) {
        const d = admit(s, 'g', T0, l, k);
        if (d.kind !== 'admit') throw new Error(d.kind);
        for (let j = 0; j < k; j++) rcptTimes.push(d.at);
        s = d.next;
      }
      // A session's RCPTs go out together: a window may see one session's worth above the limit, never more.
      expect(maxInWindow(rcptTimes, 60_000)).toBeLessThanOrEqual(120 + k);
    }
  });

  it('the daily recipient budget defers a session that would pass it until the next UTC day', () => {
    const l = limits({ rcptDaily: 100 });
    const a = admit(emptyState(), 'g', T0, l, 60);
    expect(a.kind).toBe('admit');
    if (a.kind !== 'admit') return;
    expect(a.next.rcount).toBe(60);
    const b = admit(a.next, 'g', T0, l, 50);
    expect(b).toMatchObject({ kind: 'defer', limit: 'ip_rcpt_daily' });
    expect(admit(a.next, 'g', T0, l, 40).kind).toBe('admit');
    // A new day starts at zero.
    expect(admit(a.next, 'g', T0 + 24 * 3_600_000, l, 50).kind).toBe('admit');
  });

  it('a provider\'s recipient rate holds its sessions without idling the IP for others', () => {
    const l = limits({ ipRcptIntervalMs: perMinute(600), groupRcptIntervalMs: (g) => (g === 'gmail' ? perMinute(60) : 0), maxWaitMs: 10_000 });
    const a = admit(emptyState(), 'gmail', T0, l, 20);
    if (a.kind !== 'admit') throw new Error(a.kind);
    expect(admit(a.next, 'gmail', T0, l, 1)).toMatchObject({ kind: 'defer', limit: 'group_rate' });
    const other = admit(a.next, 'example.net', T0, l, 1);
    expect(other.kind).toBe('admit');
    if (other.kind === 'admit') expect(other.at - T0).toBeLessThan(3000);
  });

  it('a stored state from before recipient limits reads as zero recipients, not as no limit', async () => {
    const { decodeState } = await import('./core.ts');
    expect(decodeState({ tat: 5, day: '2026-11-23', count: 3, groups: {}, breakers: {} })).toMatchObject({ rtat: 0, rcount: 0, rgroups: {} });
  });
});
