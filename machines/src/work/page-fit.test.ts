import { describe, expect, it } from 'vitest';
import { decodeCursor } from '../store/index.ts';
import { fitResultsPage } from './page-fit.ts';
import type { JobResultsPage } from '../../../shared/messages.ts';

const item = (index: number) => ({ index, email: `user${index}@example.test`, result: { input: `user${index}@example.test`, note: 'x'.repeat(900) } });
const page = (n: number, next: string | null = null) =>
  ({ job_id: 'job-1', items: Array.from({ length: n }, (_, i) => item(i)), next_cursor: next }) as unknown as JobResultsPage;
const size = (p: unknown) => new TextEncoder().encode(JSON.stringify(p)).length;

describe('a results page larger than one NATS message', () => {
  it('is left alone when it fits', () => {
    const p = page(10);
    expect(fitResultsPage(p, 1024 * 1024)).toBe(p);
  });

  it('is cut at the last item that fits, and the cursor continues right after it', () => {
    const p = page(1000);
    const fitted = fitResultsPage(p, 64 * 1024);
    expect(size(fitted)).toBeLessThanOrEqual(64 * 1024);
    expect(fitted.items.length).toBeGreaterThan(50);
    expect(fitted.items.length).toBeLessThan(1000);
    expect(decodeCursor(fitted.next_cursor!)).toBe(fitted.items.at(-1)!.index);
    // Nothing more would have fit.
    expect(size({ ...fitted, items: p.items.slice(0, fitted.items.length + 1) })).toBeGreaterThan(64 * 1024);
  });
});
