/**
 * @module reasons
 * The verdicts and the reasons behind them, as plain data: the verifier, the score and the
 * edge's cheap checks use these without loading the result schema's validator (zod), which
 * every CLI call would otherwise pay for at start-up. shared/result.ts builds its schema from them.
 */
export const REACHABILITY = ['safe', 'risky', 'invalid', 'unknown'] as const;
export type Reachability = (typeof REACHABILITY)[number];

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
