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

  it('once the oldest pending write finishes, the next oldest is the one that counts', async () => {
    let now = 0;
    const health = createWriteHealth({ stallMs: 1000, now: () => now });
    let finishA!: () => void;
    let finishB!: () => void;
    const a = health.track(new Promise<void>((r) => (finishA = r)));
    now = 500;
    const b = health.track(new Promise<void>((r) => (finishB = r)));
    now = 1200;
    expect(health.healthy()).toBe(false); // a has waited 1200 ms
    finishA();
    await a;
    expect(health.healthy()).toBe(true); // b has waited 700 ms
    now = 1600;
    expect(health.healthy()).toBe(false); // b has waited 1100 ms
    finishB();
    await b;
    expect(health.healthy()).toBe(true);
  });
});
