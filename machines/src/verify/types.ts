/**
 * @module verify/types
 * The contracts between the verifier's stages. Each stage has a pure core and a
 * thin I/O edge; these types are what flows between them.
 */
import type { CidrRange } from '../../../shared/ip-address.ts';
import type { StartTlsMode } from '../../../shared/config.ts';
import type { MxAttempt, Reason, SmtpReply, TlsDebug } from '../../../shared/result.ts';

export interface VerifyOptions {
  /** Resolvers (`host:port`) used for every lookup of the check; never getaddrinfo. */
  dnsServers: string[];
  dnsTimeoutMs: number;
  smtpPort: number;
  /** Timeout of each SMTP step (connect, banner, each reply). */
  smtpTimeoutMs: number;
  /** Deadline of the whole check. */
  deadlineMs: number;
  /** How many MX addresses a check tries when connections fail (Postfix smtp_mx_address_limit, Exim hosts_max_try). */
  maxMxAddresses: number;
  fromEmail: string;
  helloName: string;
  /** `socks5://[user:pass@]host:port`; SMTP goes through it when set. */
  proxyUrl?: string;
  /** STARTTLS when offered (default `opportunistic`), or never (`off`). */
  starttls?: StartTlsMode;
  allowPrivateMx: boolean;
  /** Non-public ranges an operator allows MX hosts in (ALLOW_MX_RANGES); everything else non-public is refused. */
  allowMxRanges?: readonly CidrRange[];
  catchAllProbe: boolean;
  egressIp?: string;
  /** Remembers definitive MX answers per domain (see mx-cache.ts); absent: every check asks DNS. */
  mxCache?: import('./mx-cache.ts').MxCache;
  /**
   * Awaited before each SMTP session opens (throttles hook in here). Throwing aborts the
   * check; resolving `{ skip: reason }` ends it without SMTP, as `reason` (e.g. our IP is
   * known to be blocked by this provider).
   */
  beforeSmtp?: (session: { mxHost: string; provider: string | null; recipients: number }) => Promise<void | { skip: Reason }>;
  signal?: AbortSignal;
  /** What is known of each domain's catch-all status (see catch-all.ts); absent: probe every time. */
  catchAll?: import('./catch-all.ts').CatchAllStore;
  /** CATCH_ALL_TTL in ms (machines build their shared store with it); 0: no store. */
  catchAllTtlMs?: number;
  /** verifyMany: one session for many addresses of a domain (false: one session per address, as Reacher). */
  groupSessions?: boolean;
}

/** One MX host, with the addresses our resolver found for it (already filtered by the private-range rule). */
export interface MxHost {
  exchange: string;
  preference: number;
  addresses: string[];
}

/** An MX name that gave no address we may connect to: it costs no attempt, and the result says why. */
export interface UnresolvedMx {
  exchange: string;
  preference: number;
  /** nxdomain/nodata: the name has no address; servfail/timeout: its lookup failed; private: only private addresses, refused. */
  why: 'nxdomain' | 'nodata' | 'servfail' | 'timeout' | 'private';
}

export type MxLookup =
  /**
   * hosts sorted by preference (ties kept in random order, RFC 5321 5.1); implicit = no MX, the domain's own A/AAAA.
   * Only names up to one address past the address limit are resolved; `unresolved` lists those among them with no usable address.
   */
  | { kind: 'ok'; hosts: MxHost[]; records: string[]; implicit: boolean; unresolved?: UnresolvedMx[] }
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
  /** Non-public ranges allowed anyway (ALLOW_MX_RANGES). */
  allowRanges?: readonly CidrRange[];
  /** Resolve MX names in preference order until more than this many usable addresses are known (the walk's address limit). */
  maxAddresses: number;
  /** Absolute time (Date.now() scale): no query waits past it (the check's deadline). */
  deadline?: number;
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
  /** MX addresses tried at most when connections fail (see smtp/mx-walk.ts). */
  maxAddresses: number;
  port: number;
  helloName: string;
  fromEmail: string;
  /** The address under test (ASCII domain). */
  rcpt: string;
  /**
   * A grouped session: further addresses of the same domain after `rcpt`. When set (even
   * empty), the probe goes first, RCPTs go in chunks under `caps`, and a session-level reply
   * (421, 452 4.5.3, a drop) ends the session without answering the recipients it cut off.
   */
  rcpts?: string[];
  /** Limits of a grouped session (see SessionCaps); ignored for a single address. */
  caps?: SessionCaps;
  /** A random address at the same domain, or null to skip the catch-all probe. */
  probeRcpt: string | null;
  stepTimeoutMs: number;
  /** Absolute time (Date.now() scale) by which everything must be over. */
  deadline: number;
  proxyUrl?: string;
  /** Default `opportunistic`: STARTTLS when EHLO offers it, plaintext retry after a failed handshake. */
  starttls?: StartTlsMode;
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
  /** How each MX address tried fared, in order (absent when none was tried). */
  attempts?: MxAttempt[];
  /** The address limit stopped the walk before any address reached MAIL FROM. */
  addressLimitReached?: boolean;
  /** The final reply to MAIL FROM, RCPT TO the address, RCPT TO the probe, if reached. */
  mail?: SmtpReply;
  rcpt?: SmtpReply;
  probe?: SmtpReply;
  /** Set when the conversation did not reach a RCPT answer. A reply-level rejection (e.g. 554 banner) is in `replies`, not here. */
  failure?: SmtpFailure;
  failureDetail?: string;
  /** Grouped sessions: each recipient's own RCPT reply (a session-level reply is nobody's answer). */
  answers?: Map<string, SmtpReply>;
  /** Grouped sessions: why the session ended before every recipient had its own answer. */
  cut?: SessionCut;
  /** STARTTLS on the last connection that answered EHLO, and handshake failures over the whole session. */
  tls?: TlsDebug;
}

/** Per-session limits that keep a grouped session under what stock MTAs enforce. */
export interface SessionCaps {
  /** RCPT commands in one session, the probe included (Postfix smtpd_recipient_limit 1000, Gmail 100). */
  maxRecipients: number;
  /** 4xx/5xx RCPT replies in one session, the probe included (Postfix sleeps past 10 errors, drops at 20). */
  maxRejected: number;
  /** RCPTs in one pipelined write. */
  pipelineChunk: number;
}

export type SessionCut =
  /** 421: the server is closing the session (`421 4.7.0 Error: too many errors`). */
  | { kind: 'closing'; reply: SmtpReply }
  /** 452 4.5.3 (or RFC 821's 552): past the server's recipient limit. */
  | { kind: 'too_many_recipients'; reply: SmtpReply }
  /** The connection dropped or stalled past MAIL FROM. */
  | { kind: 'dropped'; failure: SmtpFailure; detail: string }
  /** Our own rejected-recipient cap: the rest go in a fresh session. */
  | { kind: 'rejected_cap' };

/** What a single SMTP reply means for the address. */
export type ReplyClass =
  | 'accepted'
  | 'cannot_verify' // 252: will accept, cannot verify; not proof of a mailbox
  | 'rate_limited' // the named mailbox receives mail too fast right now: it exists
  | 'no_mailbox'
  | 'disabled'
  | 'full'
  | 'greylisted'
  | 'temporary'
  | 'policy' // about us (IP, HELO, rDNS, reputation, rate): never "invalid"
  | 'sender' // about our reverse path (MAIL FROM address or its domain: sender verify, SPF, DMARC): never "invalid"
  | 'relay_denied'
  | 'tls_required' // the server takes mail only over TLS: not about us, not about the mailbox
  | 'unknown';
