/** An SMTP session request against a local server, as the verifier's SMTP tests use it. */
import type { MxHost, SmtpSessionRequest } from '../../machines/src/verify/types.ts';

export const HELLO = 'verifier.example.test';
export const FROM = 'verify@verifier.example.test';
export const RCPT = 'alice@example.test';

export function mx(exchange: string, address = '127.0.0.1', preference = 10): MxHost {
  return { exchange, preference, addresses: [address] };
}

export function sessionRequest(port: number, overrides: Partial<SmtpSessionRequest> = {}): SmtpSessionRequest {
  return {
    hosts: [mx('mx1.example.test')],
    maxAddresses: 5,
    port,
    helloName: HELLO,
    fromEmail: FROM,
    rcpt: RCPT,
    probeRcpt: null,
    stepTimeoutMs: 2000,
    deadline: Date.now() + 10_000,
    ...overrides,
  };
}
