/**
 * @module work/write-health
 * Whether this machine's result writes are getting through. A machine whose writes fail or stall
 * (a database that is down, or black-holed: connections hang, no error for many seconds) should
 * stop taking new checks: each one would spend an SMTP session on our IP and then wait in a queue
 * it cannot store, or be checked again elsewhere if its message expired.
 */

export interface WriteHealth {
  /** Follows one write: a failure marks writes failing until a later write succeeds. */
  track<T>(write: Promise<T>): Promise<T>;
  /** No failure since the last success, and no write pending for longer than `stallMs`. */
  healthy(): boolean;
}

export function createWriteHealth(opts: { stallMs: number; now?: () => number }): WriteHealth {
  const now = opts.now ?? Date.now;
  const pending = new Set<{ since: number }>();
  let failing = false;
  return {
    track(write) {
      const entry = { since: now() };
      pending.add(entry);
      return write.then(
        (v) => {
          pending.delete(entry);
          failing = false;
          return v;
        },
        (err: unknown) => {
          pending.delete(entry);
          failing = true;
          throw err;
        },
      );
    },
    healthy() {
      if (failing) return false;
      // A Set iterates in insertion order, so the first pending write is the oldest: asked before every
      // fetch and every take, this must not walk hundreds of pending writes.
      const oldest = pending.values().next().value;
      return !oldest || oldest.since >= now() - opts.stallMs;
    },
  };
}
