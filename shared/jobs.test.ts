import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, jobChunks } from './jobs.ts';
import { JobChunkMessage } from './messages.ts';

describe('job chunks', () => {
  it('split by count, cover every address once, in order, and carry the header only on chunk 0', () => {
    const emails = Array.from({ length: 601 }, (_, i) => `u${i}@example.test`);
    const rows = emails.map((e, i) => [String(i), e]);
    const chunks = jobChunks({ jobId: 'j', tenantId: 't', emails, rows, inputColumns: ['n', 'email'] }, 250);
    expect(chunks.map((c) => [c.offset, c.emails.length, c.chunkCount])).toEqual([[0, 250, 3], [250, 250, 3], [500, 101, 3]]);
    expect(chunks.flatMap((c) => c.rows!)).toEqual(rows);
    expect(chunks.map((c) => c.inputColumns)).toEqual([['n', 'email'], undefined, undefined]);
    for (const c of chunks) expect(JobChunkMessage.safeParse(c).success).toBe(true);
  });

  it('wide CSV rows close a chunk before it passes CHUNK_BYTES, the same way on a retry', () => {
    const emails = Array.from({ length: 250 }, (_, i) => `u${i}@example.test`);
    const rows = emails.map((e) => [e, 'x'.repeat(15_000)]);
    const chunks = jobChunks({ jobId: 'j', tenantId: 't', emails, rows });
    expect(chunks.length).toBeGreaterThan(7);
    for (const c of chunks) expect(new TextEncoder().encode(JSON.stringify(c)).byteLength).toBeLessThan(CHUNK_BYTES + 4096);
    expect(chunks.reduce((n, c) => n + c.emails.length, 0)).toBe(250);
    expect(jobChunks({ jobId: 'j', tenantId: 't', emails, rows })).toEqual(chunks.map((c) => ({ ...c, createdAt: expect.any(String) })));
  });
});
