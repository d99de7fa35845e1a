/**
 * @module cli/restart-budget
 * How often `emailcheck dev` restarts a part that died: at most `max` times in any `windowMs`
 * per part. A part that keeps dying (a bad config, a port taken) is then given up on, instead of
 * being restarted in a tight loop.
 */

export interface RestartBudget {
  /** Records a restart of `part` at `now`; false when it would be more than `max` in the window. */
  take(part: string, now?: number): boolean;
  /** Restarts of `part` in the window ending `now`. */
  used(part: string, now?: number): number;
}

export function restartBudget(max: number, windowMs: number): RestartBudget {
  const history = new Map<string, number[]>();
  const recent = (part: string, now: number) => {
    const kept = (history.get(part) ?? []).filter((t) => t > now - windowMs);
    history.set(part, kept);
    return kept;
  };
  return {
    take(part, now = Date.now()) {
      const times = recent(part, now);
      if (times.length >= max) return false;
      times.push(now);
      return true;
    },
    used: (part, now = Date.now()) => recent(part, now).length,
  };
}
