/**
 * @module verify/verify
 * `verify(email, options)`: the whole check, in stage order. Knows nothing of
 * NATS, Postgres or HTTP; the CLI, the machines and the tests all call this.
 */
import type { CidrRange } from '../../../shared/ip-address.ts';
import type { CheckResult, MiscResult, MxAttempt, Reason, SessionDebug, SmtpReply, SmtpResult, TlsDebug } from '../../../shared/result.ts';
import { checkSyntax, type SyntaxCheck } from '../../../shared/syntax.ts';
import { failsSyntax, invalidSyntaxResult, syntaxSection } from '../../../shared/syntax-result.ts';
import { loadMiscLists, miscChecks, miscListsLoaded } from '../../../shared/misc.ts';
import { resultScore, withScore } from '../../../shared/score.ts';
import { mayConnectTo } from './address-ranges.ts';
import { probeKnowledge, type CatchAllKnowledge } from './catch-all.ts';
import { lookupMx } from './mx.ts';
import { resolveProvider, type ProviderRule } from './providers.ts';
import { runSmtpSession } from './smtp/index.ts';
import type { MxHost, MxLookup, SmtpSessionOutcome, SmtpSessionRequest, UnresolvedMx, VerifyOptions } from './types.ts';
import { NO_SMTP, applyMisc, mxVerdict, smtpVerdict, verdictOf, type Verdict } from './verdict.ts';


const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
// Random bytes drawn in bulk: one random-bytes call per check cost more than the rest of the stage.
let pool: Uint8Array = new Uint8Array(0);
// Web Crypto (global, loaded on first use): importing node:crypto costs every process ~13 ms at start.
const randomPool = (): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(4096));
let poolAt = 0;

/** A local part nobody has: 16 random lowercase alphanumerics (unpredictable, so a server cannot special-case it). */
export function randomLocalPart(): string {
  if (poolAt + 16 > pool.length) {
    pool = randomPool();
    poolAt = 0;
  }
  let out = '';
  // 252 = 7 * 36: bytes above it are skipped so every letter is equally likely.
  while (out.length < 16) {
    if (poolAt >= pool.length) {
      pool = randomPool();
      poolAt = 0;
    }
    const b = pool[poolAt++]!;
    if (b < 252) out += ALPHABET[b % 36];
  }
  return out;
}

/**
 * The check's deadline is a time, not a timer: every DNS stage, connect and reply wait is cut
 * to what is left of it (an AbortController, its timer and listeners per check cost about a
 * fifth of a loopback check's CPU). `options.signal` is the caller's, to stop early.
 */
export async function verify(email: string, options: VerifyOptions): Promise<CheckResult> {
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const signal = options.signal;
  const syntax = checkSyntax(email);
  if (failsSyntax(syntax) || !syntax.asciiDomain) {
    return withScore(invalidSyntaxResult(email, syntax, { egress_ip: options.egressIp ?? null, checked_at: new Date(started).toISOString(), duration_ms: Date.now() - started }));
  }
  const domain = syntax.asciiDomain;
  if (!miscListsLoaded()) await loadMiscLists();
  // The cache is asked first without an await: most checks of a list hit it.
  const mx: MxLookup = syntax.addressLiteral
    ? literalMx(syntax.addressLiteral, options.allowPrivateMx, options.allowMxRanges)
    : (options.mxCache?.get(domain) ?? (await cachedLookupMx(domain, options, deadline, signal)));
  const target = domainTarget(domain, mx);
  const address: AddressCheck = { input: email, syntax, started, misc: miscChecks(syntax.username, domain) };
  if (target.mx.kind !== 'ok') return resultBeforeSmtp(address, target, target.early ?? verdictOf('dns_failure'), options);

  // An address literal is a host, not a domain: nothing to remember about it.
  const probeAllowed = options.catchAllProbe && target.provider?.catchAllProbe !== false;
  const known = probeAllowed && !syntax.addressLiteral ? await knownCatchAll(domain, options) : null;
  const probe = probeAllowed && !known ? `${randomLocalPart()}@${domain}` : null;
  const gate = smtpGate(target, options);
  let outcome: SmtpSessionOutcome | null;
  try {
    outcome = await runSmtpSession(sessionRequest(target.mx.hosts, options, deadline, signal, rcptOf(syntax.username, domain), probe, gate.hook(probe ? 2 : 1)));
  } catch (err) {
    outcome = gate.skipped(err);
  }
  if (!outcome) return resultBeforeSmtp(address, target, verdictOf(gate.skipReason() ?? 'smtp_unreachable'), options);
  const learned = outcome.probe && !syntax.addressLiteral ? probeKnowledge(outcome.probe) : null;
  if (learned) await options.catchAll?.set(domain, learned);
  return resultFromSmtp(address, target, outcome, options, { catchAll: known?.catchAll, catchAllSource: known ? 'cache' : probe ? 'probe' : null, recipients: probe ? 2 : 1 });
}

/** One address on its way through the stages. */
export interface AddressCheck {
  input: string;
  syntax: SyntaxCheck;
  started: number;
  misc: MiscResult;
}

/** Where a domain's mail goes, as every address of it shares it. */
export interface DomainTarget {
  domain: string;
  mx: MxLookup;
  mxBlock: { accepts_mail: boolean; records: string[] };
  provider: ProviderRule | null;
  /** A verdict DNS already gave (null MX, NXDOMAIN, ...), or null. */
  early: Verdict | null;
}

/** Targets of cached lookups, kept as long as the lookup is: every address of a domain shares one. */
const targets = new WeakMap<MxLookup, DomainTarget>();

export function domainTarget(domain: string, mx: MxLookup): DomainTarget {
  const known = targets.get(mx);
  if (known && known.domain === domain) return known;
  const records = 'records' in mx ? mx.records : [];
  const target: DomainTarget = { domain, mx, mxBlock: { accepts_mail: mx.kind === 'ok', records }, provider: resolveProvider(domain, records), early: mxVerdict(mx) };
  targets.set(mx, target);
  return target;
}

export const rcptOf = (username: string, domain: string): string => `${username}@${domain}`;

type Debug = CheckResult['debug'];

function debugOf(a: AddressCheck, options: VerifyOptions, mxHost: string | null, provider: string | null, replies: SmtpReply[], attempts?: MxAttempt[], session?: SessionDebug, tls?: TlsDebug): Debug {
  // Assigned in the schema's order; absent fields stay absent (no spreads: this runs once per address).
  const debug: Debug = { egress_ip: options.egressIp ?? null, mx_host: mxHost, provider, duration_ms: Date.now() - a.started, smtp_replies: replies } as Debug;
  if (attempts) debug.mx_attempts = attempts;
  debug.checked_at = new Date(a.started).toISOString();
  if (session) debug.session = session;
  if (tls) debug.tls = tls;
  return debug;
}

/** A result in the schema's key order, scored as it is built. */
function assemble(a: AddressCheck, verdict: Verdict, mx: CheckResult['mx'], smtp: SmtpResult, debug: Debug): CheckResult {
  const syntax = syntaxSection(a.syntax);
  const { is_reachable, reason } = verdict;
  const score = resultScore({ is_reachable, reason, misc: a.misc, smtp, syntax });
  return { input: a.input, is_reachable, reason, score, syntax, mx, misc: a.misc, smtp, debug };
}

export function resultBeforeSmtp(a: AddressCheck, t: DomainTarget, verdict: Verdict, options: VerifyOptions): CheckResult {
  return assemble(a, verdict, t.mxBlock, NO_SMTP, debugOf(a, options, null, t.provider?.id ?? null, []));
}

export interface SessionFacts {
  /** What the domain's catch-all status is known to be (cache or an earlier probe of the group); undefined: read this outcome's probe. */
  catchAll: boolean | undefined;
  catchAllSource: SessionDebug['catch_all'];
  /** RCPT commands the session carried. */
  recipients: number;
  shared?: boolean;
}

export function resultFromSmtp(a: AddressCheck, t: DomainTarget, outcome: SmtpSessionOutcome, options: VerifyOptions, facts: SessionFacts): CheckResult {
  const fromSmtp = smtpVerdict(outcome, t.provider, facts.catchAll);
  const session: SessionDebug = { shared: facts.shared ?? false, recipients: facts.recipients, catch_all: facts.catchAllSource };
  const hosts = t.mx.kind === 'ok' ? t.mx.hosts : [];
  const unresolved = t.mx.kind === 'ok' ? t.mx.unresolved : undefined;
  return assemble(a, applyMisc(fromSmtp, a.misc), t.mxBlock, fromSmtp.smtp, debugOf(a, options, outcome.mxHost, t.provider?.id ?? null, outcome.replies, mxAttempts(hosts, unresolved, outcome.attempts), session, outcome.tls));
}

/** A session's request: the fields every session of a check shares, then its recipient and probe (one object, no spread: once per check). */
export function sessionRequest(
  hosts: MxHost[],
  options: VerifyOptions,
  deadline: number,
  signal: AbortSignal | undefined,
  rcpt: string,
  probeRcpt: string | null,
  beforeConnect: ((host: MxHost) => Promise<void>) | undefined,
): SmtpSessionRequest {
  return {
    rcpt,
    probeRcpt,
    beforeConnect,
    hosts,
    maxAddresses: options.maxMxAddresses,
    port: options.smtpPort,
    helloName: options.helloName,
    fromEmail: options.fromEmail,
    stepTimeoutMs: options.smtpTimeoutMs,
    deadline,
    proxyUrl: options.proxyUrl,
    starttls: options.starttls,
    signal,
  };
}

/** The beforeSmtp hook as the SMTP client calls it, and what became of a skip. */
export function smtpGate(t: DomainTarget, options: VerifyOptions) {
  let skipped: Reason | null = null;
  const beforeSmtp = options.beforeSmtp;
  return {
    hook: (recipients: number) =>
      beforeSmtp
        ? async (host: MxHost) => {
            const gate = await beforeSmtp({ mxHost: host.exchange, provider: t.provider?.id ?? null, recipients });
            if (gate) {
              skipped = gate.skip;
              throw new SmtpSkipped();
            }
          }
        : undefined,
    skipped: (err: unknown): null => {
      if (err instanceof SmtpSkipped) return null;
      throw err;
    },
    skipReason: (): Reason | null => skipped,
  };
}

/** The store's answer, or null: a store that fails must never stop a check, only cost a probe. */
export async function knownCatchAll(domain: string, options: VerifyOptions): Promise<CatchAllKnowledge | null> {
  if (!options.catchAll) return null;
  try {
    return await options.catchAll.get(domain);
  } catch {
    return null;
  }
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
  if (unresolved.length === 0) return tried.slice();
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

export async function cachedLookupMx(domain: string, options: VerifyOptions, deadline: number, signal: AbortSignal | undefined): Promise<MxLookup> {
  const hit = options.mxCache?.get(domain);
  if (hit) return hit;
  const mx = await lookupMx(domain, {
    servers: options.dnsServers,
    timeoutMs: Math.min(options.dnsTimeoutMs, options.deadlineMs),
    allowPrivate: options.allowPrivateMx,
    allowRanges: options.allowMxRanges,
    maxAddresses: options.maxMxAddresses,
    deadline,
    signal,
  }).catch((err: unknown): MxLookup => {
    // The caller stopped the lookup; anything else is a bug and must surface.
    if (signal?.aborted) return { kind: 'timeout' };
    throw err;
  });
  options.mxCache?.set(domain, mx);
  return mx;
}

/** user@[192.0.2.1]: the literal is the mail host (RFC 5321 4.1.3); no DNS, same private-range rule. */
export function literalMx(ip: string, allowPrivate: boolean, allowRanges: readonly CidrRange[] = []): MxLookup {
  const records = [ip];
  if (!mayConnectTo(ip, allowPrivate, allowRanges)) return { kind: 'private_mx_refused', records };
  return { kind: 'ok', hosts: [{ exchange: ip, preference: 0, addresses: [ip] }], records, implicit: true };
}
