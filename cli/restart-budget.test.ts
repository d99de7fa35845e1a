import { describe, expect, it } from 'vitest';
import { restartBudget } from './restart-budget.ts';

describe('restart budget of emailcheck dev', () => {
  it('allows max restarts of a part in any window, then none until the oldest is out of it', () => {
    const budget = restartBudget(3, 60_000);
    expect([0, 1000, 2000].map((t) => budget.take('worker', t))).toEqual([true, true, true]);
    expect(budget.take('worker', 59_000)).toBe(false);
    // Another part has its own budget.
    expect(budget.take('machine', 59_000)).toBe(true);
    expect(budget.take('worker', 60_001)).toBe(true);
    expect(budget.used('worker', 60_001)).toBe(3);
  });
});
