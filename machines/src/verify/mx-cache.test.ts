import { describe, expect, it } from 'vitest';
import { createMxCache } from './mx-cache.ts';
import type { MxLookup } from './types.ts';

const ok: MxLookup = { kind: 'ok', hosts: [{ exchange: 'mx.a.test', preference: 10, addresses: ['192.0.2.1'] }], records: ['mx.a.test'], implicit: false };

describe('MX cache', () => {
  it('a definitive answer is reused until it expires', () => {
    let t = 0;
    const cache = createMxCache({ ttlMs: 1000, now: () => t });
    cache.set('a.test', ok);
    t = 999;
    expect(cache.get('a.test')).toBe(ok);
    t = 1000;
    expect(cache.get('a.test')).toBeUndefined();
  });

  it('SERVFAIL and timeouts are never remembered; NXDOMAIN only for a minute', () => {
    let t = 0;
    const cache = createMxCache({ ttlMs: 300_000, now: () => t });
    cache.set('a.test', { kind: 'servfail', detail: 'ESERVFAIL' });
    cache.set('b.test', { kind: 'timeout' });
    cache.set('c.test', { kind: 'nxdomain' });
    expect(cache.get('a.test')).toBeUndefined();
    expect(cache.get('b.test')).toBeUndefined();
    expect(cache.get('c.test')).toEqual({ kind: 'nxdomain' });
    t = 60_000;
    expect(cache.get('c.test')).toBeUndefined();
  });

  it('the oldest entry makes room when full; a TTL of 0 keeps nothing', () => {
    const cache = createMxCache({ ttlMs: 1000, maxEntries: 2 });
    cache.set('a.test', ok);
    cache.set('b.test', ok);
    cache.set('c.test', ok);
    expect(cache.get('a.test')).toBeUndefined();
    expect(cache.get('c.test')).toBe(ok);
    const off = createMxCache({ ttlMs: 0 });
    off.set('a.test', ok);
    expect(off.get('a.test')).toBeUndefined();
  });
});
