import { describe, expect, it } from 'vitest';
import { createWriteHealth } from './write-health.ts';

describe('write health', () => {
  it('a failed write makes writes unhealthy until one succeeds; a write pending past stallMs does too', async () => {
    let now = 0;
    const health = createWriteHealth({ stallMs: 1000, now: () => now });
    expect(health.healthy()).toBe(true);
    await health.track(Promise.reject(new Error('db_unavailable'))).catch(() => {});
    expect(health.healthy()).toBe(false);
    await health.track(Promise.resolve(1));
    expect(health.healthy()).toBe(true);

    let finish!: () => void;
    const hanging = health.track(new Promise<void>((r) => (finish = r)));
    now = 999;
    expect(health.healthy()).toBe(true);
    now = 1001;
    expect(health.healthy()).toBe(false);
    finish();
    await hanging;
    expect(health.healthy()).toBe(true);
  });
});
