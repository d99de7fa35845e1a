import { describe, expect, it } from 'vitest';
import type { MxHost } from '../types.ts';
import { walkMxAddresses, type AddressAttempt } from './mx-walk.ts';

const host = (exchange: string, preference: number, ...addresses: string[]): MxHost => ({ exchange, preference, addresses });
const refused = (address: string): AddressAttempt => ({ kind: 'failed', failure: 'refused', detail: `${address}: connect ECONNREFUSED` });

/** A walk over fake outcomes: `outcome[address]` says how each address went (default refused); records the order tried. */
function walk(hosts: MxHost[], outcome: Record<string, AddressAttempt> = {}, over: { maxAddresses?: number; deadline?: number; signal?: AbortSignal } = {}) {
  const tried: string[] = [];
  const throttled: string[] = [];
  const result = walkMxAddresses(
    { hosts, maxAddresses: over.maxAddresses ?? 5, deadline: over.deadline ?? Date.now() + 60_000, signal: over.signal, beforeConnect: async (h) => void throttled.push(h.exchange) },
    async (_h, address) => {
      tried.push(address);
      return outcome[address] ?? refused(address);
    },
  );
  return { result, tried, throttled };
}

describe('walkMxAddresses: which MX address next, as MTAs choose', () => {
  it('goes through every address of a host, then the next host, until one reaches MAIL FROM', async () => {
    const w = walk([host('a', 10, '192.0.2.1', '192.0.2.2'), host('b', 20, '192.0.2.3'), host('c', 30, '192.0.2.4')], { '192.0.2.3': { kind: 'final' } });
    const r = await w.result;
    expect(w.tried).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    expect(r).toMatchObject({ final: true, mxHost: 'b', limitReached: false });
    expect(r.attempts.map((a) => a.outcome)).toEqual(['refused', 'refused', 'answered']);
    expect(w.throttled).toEqual(['a', 'b']);
  });

  it('counts addresses, not hosts: the limit can stop inside a host, and names the first address left', async () => {
    const w = walk([host('a', 10, '192.0.2.1', '192.0.2.2', '192.0.2.3'), host('b', 20, '192.0.2.4', '192.0.2.5')], {}, { maxAddresses: 4 });
    const r = await w.result;
    expect(w.tried).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4']);
    expect(r).toMatchObject({ final: false, limitReached: true, failure: 'refused' });
    expect(r.attempts.at(-1)).toMatchObject({ host: 'b', address: '192.0.2.5', outcome: 'not_tried' });
    expect(r.detail).toContain('4 MX addresses tried');
  });

  it('a host past the limit is not even throttled for', async () => {
    const w = walk([host('a', 10, '192.0.2.1'), host('b', 20, '192.0.2.2'), host('c', 30, '192.0.2.3')], {}, { maxAddresses: 2 });
    await w.result;
    expect(w.throttled).toEqual(['a', 'b']);
  });

  it('every address tried with none left is the last failure, not the limit', async () => {
    const r = await walk([host('a', 10, '192.0.2.1'), host('b', 20, '192.0.2.2')], {}, { maxAddresses: 2 }).result;
    expect(r).toMatchObject({ final: false, limitReached: false, failure: 'refused' });
  });

  it('a reply-level rejection (554 banner) is no transport failure, and a later failure replaces it', async () => {
    const rejected: AddressAttempt = { kind: 'rejected', detail: 'a [192.0.2.1]:25: banner rejected: 554 No SMTP service here' };
    const onlyRejected = await walk([host('a', 10, '192.0.2.1')], { '192.0.2.1': rejected }).result;
    expect(onlyRejected.failure).toBeUndefined();
    expect(onlyRejected.detail).toContain('banner rejected: 554');
    const thenRefused = await walk([host('a', 10, '192.0.2.1'), host('b', 20, '192.0.2.2')], { '192.0.2.1': rejected }).result;
    expect(thenRefused).toMatchObject({ failure: 'refused', attempts: [{ outcome: 'rejected' }, { outcome: 'refused' }] });
  });

  it('a proxy failure or an abort ends the walk: the next address would fare the same', async () => {
    for (const failure of ['proxy', 'aborted'] as const) {
      const w = walk([host('a', 10, '192.0.2.1'), host('b', 20, '192.0.2.2')], { '192.0.2.1': { kind: 'failed', failure, detail: failure } });
      expect(await w.result).toMatchObject({ failure, final: false });
      expect(w.tried).toEqual(['192.0.2.1']);
    }
  });

  it('stops at the deadline and at the signal, before connecting anywhere', async () => {
    const late = walk([host('a', 10, '192.0.2.1')], {}, { deadline: Date.now() - 1 });
    expect(await late.result).toMatchObject({ failure: 'timeout', attempts: [] });
    expect(late.tried).toEqual([]);
    const stopped = walk([host('a', 10, '192.0.2.1')], {}, { signal: AbortSignal.abort() });
    expect(await stopped.result).toMatchObject({ failure: 'aborted' });
    expect(stopped.tried).toEqual([]);
  });

  it('no host at all is a refused failure', async () => {
    expect(await walk([]).result).toMatchObject({ failure: 'refused', detail: 'no MX host to connect to' });
  });
});
