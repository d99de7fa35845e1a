/** Most events in any window [t, t + periodMs): what a rate limit of N per period must keep ≤ N. */
export function maxInWindow(times: number[], periodMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= periodMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}
