/**
 * @module bench/measure
 * Runs N tasks at a fixed concurrency and reports the rate; peak RSS of the process.
 */
export async function runAtConcurrency(n: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<{ seconds: number; perSecond: number }> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await task(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, perSecond: n / seconds };
}

export const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;

export const fmt = (x: number, digits = 1): string => x.toFixed(digits);
