/**
 * @module result
 * The one definition of a verification result: the API's JSON, the CLI's NDJSON,
 * the rows the machines store. Reacher-compatible at its core (input, is_reachable,
 * syntax, mx, misc, smtp), plus a machine-readable `reason` and a `debug` block.
 */
import { z } from 'zod';

export const REACHABILITY = ['safe', 'risky', 'invalid', 'unknown'] as const;
export const Reachability = z.enum(REACHABILITY);
export type Reachability = z.infer<typeof Reachability>;

/** Why a verdict was reached. Each reason belongs to exactly one verdict (see REASON_VERDICT). */
export const REASON_VERDICT = {
  // safe
  deliverable: 'safe',
  // The server named this mailbox as receiving mail faster than it allows (Gmail 4.2.1/5.2.1 "receiving mail at a rate",
  // Exchange 5.2.122): only an existing mailbox can be over its receiving rate. Mail sent right now may be deferred.
  deliverable_rate_limited: 'safe',
  // invalid: the address cannot receive mail
  invalid_syntax: 'invalid',
  no_such_domain: 'invalid', // NXDOMAIN
  null_mx: 'invalid', // RFC 7505: the domain declares it accepts no mail
  no_mail_server: 'invalid', // no MX and no A/AAAA (RFC 5321 5.1 implicit MX absent)
  mailbox_not_found: 'invalid', // 5.1.1 and friends
  mailbox_disabled: 'invalid', // 5.2.1
  // risky: it may receive mail, but sending to it has a cost
  catch_all: 'risky',
  mailbox_full: 'risky', // 4.2.2 / 5.2.2
  disposable: 'risky',
  role_account: 'risky',
  // unknown: we could not tell; says nothing about the mailbox
  accepts_all_provider: 'unknown', // provider accepts every RCPT, so acceptance proves nothing
  greylisted: 'unknown',
  temporary_failure: 'unknown', // other 4xx
  cannot_verify: 'unknown', // 252: the server will take mail for the address but does not say whether it exists (RFC 5321 3.5.3)
  blocked_by_policy: 'unknown', // about our IP or HELO: blocklists, rDNS, reputation, rate limits on us, 5.7.x
  sender_rejected: 'unknown', // about our reverse path (FROM_EMAIL's domain): sender verify, unknown sender domain, SPF/DMARC
  tls_required: 'unknown', // the server takes mail only over TLS (530 5.7.0 Must issue a STARTTLS command first) and we had none: not about our IP
  relay_denied: 'unknown', // the MX does not take mail for this domain
  smtp_unreachable: 'unknown', // no MX host accepted a connection
  mx_limit_reached: 'unknown', // SMTP_MAX_MX addresses tried, all failed, more left (MTAs give up there too and retry later)
  smtp_timeout: 'unknown',
  smtp_protocol_error: 'unknown', // garbage, over-long lines, unexpected replies
  dns_failure: 'unknown', // SERVFAIL, REFUSED
  dns_timeout: 'unknown',
  private_mx_refused: 'unknown', // every MX resolves to a private/loopback/... address
  proxy_unreachable: 'unknown',
  smtp_rejected: 'unknown', // a 5xx we could not attribute to the mailbox
  not_checked: 'unknown', // the job was finished (finish now, max_wait_seconds) before this address got a first try
  throttled: 'unknown', // the job was finished while our own sending limits (rate, daily cap, breaker) still held this address back
} as const satisfies Record<string, Reachability>;

export type Reason = keyof typeof REASON_VERDICT;
export const REASONS = Object.keys(REASON_VERDICT) as [Reason, ...Reason[]];
export const ReasonSchema = z.enum(REASONS);

/** Reasons for which checking again later may give a definitive answer. */
export const RETRYABLE_REASONS: ReadonlySet<Reason> = new Set<Reason>([
  'greylisted',
  'temporary_failure',
  'smtp_unreachable',
  'mx_limit_reached',
  'smtp_timeout',
  'dns_failure',
  'dns_timeout',
  'proxy_unreachable',
  'blocked_by_policy',
]);

export const SMTP_STAGES = ['connect', 'banner', 'ehlo', 'helo', 'starttls', 'mail', 'rcpt', 'probe', 'rset', 'quit'] as const;
export const SmtpStage = z.enum(SMTP_STAGES);
export type SmtpStage = z.infer<typeof SmtpStage>;

/** One reply as the server sent it (multi-line replies joined with "\n"). */
export const SmtpReplySchema = z.object({
  stage: SmtpStage,
  host: z.string(),
  code: z.number().int(),
  enhanced: z.string().nullable(),
  text: z.string(),
});
export type SmtpReply = z.infer<typeof SmtpReplySchema>;

/**
 * How one MX address (or MX name) fared in the walk over a domain's MX hosts: answered
 * (reached MAIL FROM, its replies are the check's), rejected (a reply before MAIL FROM:
 * 554 banner, 421 to EHLO), a transport failure (refused, timeout, protocol, proxy,
 * aborted), unresolvable or private (the name gave no address we may use: no attempt
 * spent), not_tried (the address limit was reached first).
 */
export const MX_ATTEMPT_OUTCOMES = ['answered', 'rejected', 'refused', 'timeout', 'protocol', 'proxy', 'aborted', 'unresolvable', 'private', 'not_tried'] as const;
export const MxAttemptSchema = z.object({
  host: z.string(),
  /** Null for a name that gave no address. */
  address: z.string().nullable(),
  outcome: z.enum(MX_ATTEMPT_OUTCOMES),
  detail: z.string(),
});
export type MxAttempt = z.infer<typeof MxAttemptSchema>;

export const SyntaxSchema = z.object({
  address: z.string().nullable(),
  username: z.string(),
  domain: z.string(),
  is_valid_syntax: z.boolean(),
  normalized_email: z.string().nullable(),
  suggestion: z.string().nullable(),
});
export type SyntaxResult = z.infer<typeof SyntaxSchema>;

export const MxSchema = z.object({
  accepts_mail: z.boolean(),
  records: z.array(z.string()),
});

export const MiscSchema = z.object({
  is_disposable: z.boolean(),
  is_role_account: z.boolean(),
  is_b2c: z.boolean(),
  gravatar_url: z.string().nullable(),
});
export type MiscResult = z.infer<typeof MiscSchema>;

export const SmtpSchema = z.object({
  can_connect_smtp: z.boolean(),
  has_full_inbox: z.boolean(),
  is_catch_all: z.boolean(),
  is_deliverable: z.boolean(),
  is_disabled: z.boolean(),
});
export type SmtpResult = z.infer<typeof SmtpSchema>;

/** The SMTP session a result came from: shared by several addresses of a domain, and whether the catch-all answer was probed in it or known. */
export const SessionDebugSchema = z.object({
  shared: z.boolean(),
  /** RCPT commands the session carried, the catch-all probe included. */
  recipients: z.number().int().nonnegative(),
  /** `probe`: probed in this session; `cache`: known for the domain (CATCH_ALL_TTL); null: not asked (provider rule, or off). */
  catch_all: z.enum(['probe', 'cache']).nullable(),
});
export type SessionDebug = z.infer<typeof SessionDebugSchema>;

/** STARTTLS on the connection the answers came from (RFC 3207; opportunistic: no certificate check, as Postfix `smtp_tls_security_level = may`). */
export const TlsDebugSchema = z.object({
  /** The server's EHLO listed STARTTLS. */
  offered: z.boolean(),
  /** The conversation after EHLO ran over TLS. */
  used: z.boolean(),
  /** Negotiated protocol (`TLSv1.3`) and cipher, when used. */
  protocol: z.string().nullable(),
  cipher: z.string().nullable(),
  /** TLS handshakes that failed during the check; each was followed by a plaintext retry of the same address, as MTAs do. */
  handshake_failures: z.number().int().nonnegative(),
});
export type TlsDebug = z.infer<typeof TlsDebugSchema>;

export const DebugSchema = z.object({
  egress_ip: z.string().nullable(),
  mx_host: z.string().nullable(),
  provider: z.string().nullable(),
  duration_ms: z.number().int().nonnegative(),
  smtp_replies: z.array(SmtpReplySchema),
  /** The MX walk, in the order hosts were considered; absent when no SMTP was attempted. */
  mx_attempts: z.array(MxAttemptSchema).optional(),
  checked_at: z.string(),
  session: SessionDebugSchema.optional(),
  /** Absent when no server answered EHLO (or for results stored before STARTTLS existed). */
  tls: TlsDebugSchema.optional(),
});

export const CheckResultSchema = z.object({
  input: z.string(),
  is_reachable: Reachability,
  reason: ReasonSchema,
  score: z.number().int().min(0).max(100).describe('0–100: how likely mail to this address reaches a person (shared/score.ts; README "Score").'),
  syntax: SyntaxSchema,
  mx: MxSchema,
  misc: MiscSchema,
  smtp: SmtpSchema,
  debug: DebugSchema,
});
export type CheckResult = z.infer<typeof CheckResultSchema>;
