/**
 * @module verify/smtp/mx-walk
 * Which MX address to talk to next, the way MTAs choose: hosts in preference order, every
 * address of a host before the next host, at most `maxAddresses` addresses in all
 * (Postfix smtp_mx_address_limit = 5, Exim hosts_max_try = 5), inside the check's
 * deadline. It knows nothing of the conversation: `tryAddress` says how one address went.
 */
import type { MxAttempt } from '../../../../shared/result.ts';
import type { MxHost, SmtpFailure } from '../types.ts';

/** How one address's attempt ended. */
export type AddressAttempt =
  /** Reached MAIL FROM: its answers are final, no other address is tried. */
  | { kind: 'final' }
  /** The connection failed before MAIL FROM (refused, timeout, garbage): try the next address. */
  | { kind: 'failed'; failure: SmtpFailure; detail: string }
  /** The server answered with a rejection before MAIL FROM (554 banner, 421 to EHLO): try the next address. */
  | { kind: 'rejected'; detail: string };

export interface MxWalkOptions {
  /** By preference, each with the addresses to try in order. */
  hosts: MxHost[];
  /** Addresses tried at most, over all hosts. */
  maxAddresses: number;
  /** Absolute time (Date.now() scale) after which no new address is tried. */
  deadline: number;
  signal?: AbortSignal;
  /** Awaited before the first address of each host (throttles); throwing ends the walk with that error. */
  beforeConnect?: (host: MxHost) => Promise<void>;
}

export interface MxWalkResult {
  /** The host the walk ended with: the one that reached MAIL FROM, else the last one tried. */
  mxHost: string | null;
  /** Every address tried, in order; the first address left untried when the limit stopped the walk. */
  attempts: MxAttempt[];
  /** Some address reached MAIL FROM. */
  final: boolean;
  /** When not final and the last attempt was a transport failure (or the walk was stopped): what it was. */
  failure?: SmtpFailure;
  /** One line: the last failure, or the last reply-level rejection. */
  detail?: string;
  /** `maxAddresses` were tried, none reached MAIL FROM, and more addresses were known. */
  limitReached: boolean;
}

function stopReason(opts: MxWalkOptions): { failure: SmtpFailure; detail: string } | null {
  if (opts.signal?.aborted) return { failure: 'aborted', detail: 'check aborted' };
  if (Date.now() >= opts.deadline) return { failure: 'timeout', detail: 'check deadline reached before an MX host answered' };
  return null;
}

/** Tries addresses in order until one reaches MAIL FROM, the limit or the deadline. Rejects only when `beforeConnect` or `tryAddress` throws. */
export async function walkMxAddresses(opts: MxWalkOptions, tryAddress: (host: MxHost, address: string) => Promise<AddressAttempt>): Promise<MxWalkResult> {
  const result: MxWalkResult = { mxHost: null, attempts: [], final: false, limitReached: false };
  const limit = Math.max(1, opts.maxAddresses);
  const end = (failure: SmtpFailure | undefined, detail: string | undefined): MxWalkResult => {
    if (failure) result.failure = failure;
    if (detail !== undefined) result.detail = detail;
    return result;
  };
  if (opts.hosts.length === 0) return end('refused', 'no MX host to connect to');

  // The last reason an attempt ended without reaching MAIL FROM; a reply-level rejection clears the failure.
  let failure: SmtpFailure | undefined;
  let detail: string | undefined;
  let tried = 0;
  for (const host of opts.hosts) {
    if (host.addresses.length === 0) {
      failure = 'refused';
      detail = `${host.exchange}: no address to connect to`;
      continue;
    }
    for (let i = 0; i < host.addresses.length; i++) {
      const address = host.addresses[i]!;
      if (tried >= limit) {
        result.limitReached = true;
        result.attempts.push({ host: host.exchange, address, outcome: 'not_tried', detail: `address limit (${limit}) reached` });
        return end(failure, `${limit} MX addresses tried, none reached MAIL FROM (address limit); last: ${detail}`);
      }
      const stop = stopReason(opts);
      if (stop) return end(stop.failure, stop.detail);
      if (i === 0) {
        await opts.beforeConnect?.(host);
        result.mxHost = host.exchange;
      }
      tried++;
      const attempt = await tryAddress(host, address);
      if (attempt.kind === 'final') {
        result.attempts.push({ host: host.exchange, address, outcome: 'answered', detail: '' });
        result.final = true;
        return result;
      }
      if (attempt.kind === 'rejected') {
        result.attempts.push({ host: host.exchange, address, outcome: 'rejected', detail: attempt.detail });
        failure = undefined;
        detail = attempt.detail;
        continue;
      }
      result.attempts.push({ host: host.exchange, address, outcome: attempt.failure, detail: attempt.detail });
      failure = attempt.failure;
      detail = attempt.detail;
      // The proxy is the same for every host, and an abort is for the whole check.
      if (attempt.failure === 'proxy' || attempt.failure === 'aborted') return end(failure, detail);
    }
  }
  return end(failure, detail);
}
