/**
 * @module verify/types
 * The contracts between the verifier's stages. Each stage has a pure core and a
 * thin I/O edge; these types are what flows between them.
 */
import type { Reason, SmtpReply } from '../../../shared/result.ts';

export interface VerifyOptions {
  /** Resolvers (`host:port`) used for every lookup of the check; never getaddrinfo. */
  dnsServers: string[];
  dnsTimeoutMs: number;
  smtpPort: number;
  /** Timeout of each SMTP step (connect, banner, each reply). */
  smtpTimeoutMs: number;
  /** Deadline of the whole check. */
  deadlineMs: number;
  /** How many MX hosts to try when connections fail. */
  maxMxHosts: number;
  fromEmail: string;
  helloName: string;
  /** `socks5://[user:pass@]host:port`; SMTP goes through it when set. */
  proxyUrl?: string;
  allowPrivateMx: boolean;
  catchAllProbe: boolean;
  egressIp?: string;
  /** Remembers definitive MX answers per domain (see mx-cache.ts); absent: every check asks DNS. */
  mxCache?: import('./mx-cache.ts').MxCache;
  /**
   * Awaited before each SMTP session opens (throttles hook in here). Throwing aborts the
   * check; resolving `{ skip: reason }` ends it without SMTP, as `reason` (e.g. our IP is
   * known to be blocked by this provider).
   */
  beforeSmtp?: (session: { mxHost: string; provider: string | null }) => Promise<void | { skip: Reason }>;
  signal?: AbortSignal;
}

/** One MX host, with the addresses our resolver found for it (already filtered by the private-range rule). */
export interface MxHost {
  exchange: string;
  preference: number;
  addresses: string[];
}

export type MxLookup =
  /** hosts sorted by preference (ties kept in random order, RFC 5321 5.1); implicit = no MX, the domain's own A/AAAA. */
  | { kind: 'ok'; hosts: MxHost[]; records: string[]; implicit: boolean }
  | { kind: 'null_mx'; records: string[] }
  | { kind: 'nxdomain' }
  | { kind: 'no_mail_server' }
  /** MX records exist but every address is private/loopback/link-local/multicast and that is not allowed. */
  | { kind: 'private_mx_refused'; records: string[] }
  | { kind: 'servfail'; detail: string }
  | { kind: 'timeout' };

export interface MxLookupOptions {
  servers: string[];
  timeoutMs: number;
  allowPrivate: boolean;
  /** Resolve addresses only for the first N hosts (by preference). */
  maxHosts: number;
  signal?: AbortSignal;
}

export type SmtpFailure =
  | 'refused' // TCP connection refused / reset before the banner
  | 'timeout' // a step or the deadline ran out
  | 'protocol' // garbage, over-long line or reply, unexpected close
  | 'proxy' // the SOCKS5 proxy could not be reached or refused us
  | 'aborted'; // the caller's signal

export interface SmtpSessionRequest {
  hosts: MxHost[];
  port: number;
  helloName: string;
  fromEmail: string;
  /** The address under test (ASCII domain). */
  rcpt: string;
  /** A random address at the same domain, or null to skip the catch-all probe. */
  probeRcpt: string | null;
  stepTimeoutMs: number;
  /** Absolute time (Date.now() scale) by which everything must be over. */
  deadline: number;
  proxyUrl?: string;
  signal?: AbortSignal;
  /** Called before connecting to each host (throttles). */
  beforeConnect?: (host: MxHost) => Promise<void>;
}

export interface SmtpSessionOutcome {
  /** The host we ended the conversation with (or the last one tried). */
  mxHost: string | null;
  /** Whether some host gave a 2xx banner and answered EHLO/HELO. */
  connected: boolean;
  /** Every reply received, in order, across every host tried. */
  replies: SmtpReply[];
  /** The final reply to MAIL FROM, RCPT TO the address, RCPT TO the probe, if reached. */
  mail?: SmtpReply;
  rcpt?: SmtpReply;
  probe?: SmtpReply;
  /** Set when the conversation did not reach a RCPT answer. A reply-level rejection (e.g. 554 banner) is in `replies`, not here. */
  failure?: SmtpFailure;
  failureDetail?: string;
}

/** What a single SMTP reply means for the address. */
export type ReplyClass =
  | 'accepted'
  | 'no_mailbox'
  | 'disabled'
  | 'full'
  | 'greylisted'
  | 'temporary'
  | 'policy' // about us (IP, rDNS, reputation, rate): never "invalid"
  | 'relay_denied'
  | 'unknown';
