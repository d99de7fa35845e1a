/**
 * @module durable-retry
 * A Durable Object reset by a deploy (or, under vitest, a reload of the Worker's modules) fails
 * calls made through stubs of the old code with `retryable` ("...invalidating this Durable Object.
 * Please retry"). Cloudflare's advice: call again once on a new stub. Only for calls that are safe
 * to repeat.
 */

export const retryableDurableError = (err: unknown): boolean => {
  const e = err as { retryable?: boolean; overloaded?: boolean; message?: string } | null;
  return !!e && !e.overloaded && (e.retryable === true || /invalidating this Durable Object|code was updated/i.test(e.message ?? ''));
};

/** Runs `work` on a stub from `stub()`, and once more on a fresh one if the object was reset. */
export async function withDurableRetry<S, T>(stub: () => S, work: (s: S) => Promise<T>): Promise<T> {
  try {
    return await work(stub());
  } catch (err) {
    if (!retryableDurableError(err)) throw err;
    return await work(stub());
  }
}
