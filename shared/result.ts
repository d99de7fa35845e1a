/**
 * @module result
 * The one definition of a verification result: the API's JSON, the CLI's NDJSON,
 * the rows the machines store. Reacher-compatible at its core (input, is_reachable,
 * syntax, mx, misc, smtp), plus a machine-readable `reason` and a `debug` block.
 */
import { z } from 'zod';
import { REACHABILITY, REASONS, type Reachability as ReachabilityName } from './reasons.ts';
import { withScore } from './score.ts';

export { REACHABILITY, REASON_VERDICT, REASONS, RETRYABLE_REASONS, type Reason } from './reasons.ts';
export const Reachability = z.enum(REACHABILITY);
export type Reachability = ReachabilityName;
export const ReasonSchema = z.enum(REASONS);

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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * A result from a cache, a store or a machine that may predate scores (an edge deployed before
 * its machines, a KV entry written yesterday): scored when it lacks one, then validated. Without
 * this, every cached verdict from before an upgrade would be a miss, and checked again over SMTP.
 */
export function parseCheckResult(raw: unknown): ReturnType<typeof CheckResultSchema.safeParse> {
  const scorable = isObject(raw) && raw.score === undefined && isObject(raw.misc) && isObject(raw.smtp) && isObject(raw.syntax) && typeof raw.reason === 'string';
  return CheckResultSchema.safeParse(scorable ? withScore(raw as unknown as CheckResult) : raw);
}
