/**
 * @module verify/verify
 * `verify(email, options)`: the whole check, in stage order. Knows nothing of
 * NATS, Postgres or HTTP; the CLI, the machines and the tests all call this.
 */
import { randomBytes } from 'node:crypto';
import type { CheckResult, MxAttempt, Reason, SmtpReply } from '../../../shared/result.ts';
import { checkSyntax } from '../../../shared/syntax.ts';
import { failsSyntax, invalidSyntaxResult, syntaxSection } from '../../../shared/syntax-result.ts';
import { miscChecks } from '../../../shared/misc.ts';
import { withScore } from '../../../shared/score.ts';
import { isPublicAddress } from './address-ranges.ts';
import { lookupMx } from './mx.ts';
import { resolveProvider } from './providers.ts';
import { runSmtpSession } from './smtp/index.ts';
import type { MxHost, MxLookup, UnresolvedMx, VerifyOptions } from './types.ts';
import { NO_SMTP, applyMisc, mxVerdict, smtpVerdict, verdictOf } from './verdict.ts';


const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
// Random bytes drawn in bulk: one randomBytes call per check cost more than the rest of the stage.
let pool = Buffer.alloc(0);
let poolAt = 0;

/** A local part nobody has: 16 random lowercase alphanumerics (unpredictable, so a server cannot special-case it). */
export function randomLocalPart(): string {
  if (poolAt + 16 > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  let out = '';
  // 252 = 7 * 36: bytes above it are skipped so every letter is equally likely.
  while (out.length < 16) {
    if (poolAt >= pool.length) {
      pool = randomBytes(4096);
      poolAt = 0;
    }
    const b = pool[poolAt++]!;
    if (b < 252) out += ALPHABET[b % 36];
  }
  return out;
}

export async function verify(email: string, options: VerifyOptions): Promise<CheckResult> {
  return withScore(await check(email, options));
}

async function check(email: string, options: VerifyOptions): Promise<CheckResult | Omit<CheckResult, 'score'>> {
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const syntax = checkSyntax(email);
  const base = {
    input: email,
    syntax: syntaxSection(syntax),
  };
  const debug = (mxHost: string | null, provider: string | null, replies: SmtpReply[], attempts?: MxAttempt[]) => ({
    egress_ip: options.egressIp ?? null,
    mx_host: mxHost,
    provider,
    duration_ms: Date.now() - started,
    smtp_replies: replies,
    ...(attempts ? { mx_attempts: attempts } : {}),
    checked_at: new Date(started).toISOString(),
  });

  if (failsSyntax(syntax) || !syntax.asciiDomain) {
    return invalidSyntaxResult(email, syntax, { egress_ip: options.egressIp ?? null, checked_at: new Date(started).toISOString(), duration_ms: Date.now() - started });
  }
  const domain = syntax.asciiDomain;
  const misc = miscChecks(syntax.username, domain);

  const signal = combineSignals(options.signal, AbortSignal.timeout(options.deadlineMs));
  const mx: MxLookup = syntax.addressLiteral ? literalMx(syntax.addressLiteral, options.allowPrivateMx) : await cachedLookupMx(domain, options, signal);
  const records = 'records' in mx ? mx.records : [];
  const mxBlock = { accepts_mail: mx.kind === 'ok', records };
  const provider = resolveProvider(domain, records);

  const early = mxVerdict(mx);
  if (early || mx.kind !== 'ok') {
    return { ...base, ...(early ?? verdictOf('dns_failure')), mx: mxBlock, misc, smtp: NO_SMTP, debug: debug(null, provider?.id ?? null, []) };
  }

  const probe = options.catchAllProbe && provider?.catchAllProbe !== false ? `${randomLocalPart()}@${domain}` : null;
  let skipped: Reason | null = null;
  const beforeSmtp = options.beforeSmtp;
  const outcome = await runSmtpSession({
    hosts: mx.hosts,
    maxAddresses: options.maxMxAddresses,
    port: options.smtpPort,
    helloName: options.helloName,
    fromEmail: options.fromEmail,
    rcpt: `${syntax.username}@${domain}`,
    probeRcpt: probe,
    stepTimeoutMs: options.smtpTimeoutMs,
    deadline,
    proxyUrl: options.proxyUrl,
    signal,
    beforeConnect: beforeSmtp
      ? async (host) => {
          const gate = await beforeSmtp({ mxHost: host.exchange, provider: provider?.id ?? null });
          if (gate) {
            skipped = gate.skip;
            throw new SmtpSkipped();
          }
        }
      : undefined,
  }).catch((err: unknown) => {
    if (err instanceof SmtpSkipped) return null;
    throw err;
  });
  if (!outcome) {
    return { ...base, ...verdictOf(skipped ?? 'smtp_unreachable'), mx: mxBlock, misc, smtp: NO_SMTP, debug: debug(null, provider?.id ?? null, []) };
  }
  const fromSmtp = smtpVerdict(outcome, provider);
  const verdict = applyMisc(fromSmtp, misc);
  return {
    ...base,
    ...verdict,
    mx: mxBlock,
    misc,
    smtp: fromSmtp.smtp,
    debug: debug(outcome.mxHost, provider?.id ?? null, outcome.replies, mxAttempts(mx.hosts, mx.unresolved, outcome.attempts)),
  };
}

const NO_ADDRESS_DETAIL: Record<UnresolvedMx['why'], string> = {
  nxdomain: 'MX name does not exist (NXDOMAIN)',
  nodata: 'MX name has no A or AAAA record',
  servfail: 'address lookup failed (SERVFAIL)',
  timeout: 'address lookup timed out',
  private: 'only private addresses, refused',
};

/**
 * The MX walk as the result shows it: names that gave no address (they cost no attempt)
 * in their place by preference among the addresses tried, up to where the walk ended.
 */
function mxAttempts(hosts: MxHost[], unresolved: UnresolvedMx[] = [], tried: MxAttempt[] = []): MxAttempt[] {
  const preference = new Map(hosts.map((h) => [h.exchange, h.preference]));
  const pending = [...unresolved];
  const out: MxAttempt[] = [];
  const takeUpTo = (p: number): void => {
    while (pending.length > 0 && pending[0]!.preference <= p) {
      const u = pending.shift()!;
      out.push({ host: u.exchange, address: null, outcome: u.why === 'private' ? 'private' : 'unresolvable', detail: NO_ADDRESS_DETAIL[u.why] });
    }
  };
  for (const attempt of tried) {
    takeUpTo(preference.get(attempt.host) ?? Infinity);
    out.push(attempt);
  }
  // A walk that went through every address also went past every name after them.
  const last = tried.at(-1);
  if (!last || (last.outcome !== 'answered' && last.outcome !== 'not_tried')) takeUpTo(Infinity);
  return out;
}

/** The beforeSmtp hook said not to talk to this host: the session stops before connecting. */
class SmtpSkipped extends Error {}

async function cachedLookupMx(domain: string, options: VerifyOptions, signal: AbortSignal): Promise<MxLookup> {
  const hit = options.mxCache?.get(domain);
  if (hit) return hit;
  const mx = await lookupMx(domain, {
    servers: options.dnsServers,
    timeoutMs: Math.min(options.dnsTimeoutMs, options.deadlineMs),
    allowPrivate: options.allowPrivateMx,
    maxAddresses: options.maxMxAddresses,
    signal,
  }).catch((err: unknown): MxLookup => {
    // The deadline (or the caller) stopped the lookup; anything else is a bug and must surface.
    if (signal.aborted) return { kind: 'timeout' };
    throw err;
  });
  options.mxCache?.set(domain, mx);
  return mx;
}

/** user@[192.0.2.1]: the literal is the mail host (RFC 5321 4.1.3); no DNS, same private-range rule. */
function literalMx(ip: string, allowPrivate: boolean): MxLookup {
  const records = [ip];
  if (!allowPrivate && !isPublicAddress(ip)) return { kind: 'private_mx_refused', records };
  return { kind: 'ok', hosts: [{ exchange: ip, preference: 0, addresses: [ip] }], records, implicit: true };
}

function combineSignals(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a ? AbortSignal.any([a, b]) : b;
}
