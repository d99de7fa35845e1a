/**
 * @module verify/verify-group
 * Many addresses, as few SMTP sessions as stock MTAs allow: the addresses of one domain
 * share one lookup, at most one catch-all probe (none when the domain's status is known)
 * and one session (EHLO and MAIL FROM once, a RCPT per address), split into more sessions
 * only at the caps of rules.json or when the server ends one (421, 452 4.5.3, a drop).
 * Each address gets the result the one-address `verify()` would give it.
 */
import type { CheckResult, SmtpReply } from '../../../shared/result.ts';
import { checkSyntax } from '../../../shared/syntax.ts';
import { failsSyntax } from '../../../shared/syntax-result.ts';
import { loadMiscLists, miscChecks } from '../../../shared/misc.ts';
import { probeKnowledge } from './catch-all.ts';
import { providerForDomain, sessionCaps } from './providers.ts';
import { runSmtpSession } from './smtp/index.ts';
import type { SmtpSessionOutcome, VerifyOptions } from './types.ts';
import { classifyReply } from './replies.ts';
import { verdictOf } from './verdict.ts';
import {
  cachedLookupMx,
  domainTarget,
  knownCatchAll,
  randomLocalPart,
  rcptOf,
  resultBeforeSmtp,
  resultFromSmtp,
  sessionRequest,
  smtpGate,
  verify,
  type AddressCheck,
  type DomainTarget,
} from './verify.ts';

/** One address's outcome: its result, or why there is none (a throttle hold, the caller's abort). */
export type GroupItem = { ok: true; result: CheckResult } | { ok: false; error: unknown };

/** The domain an address is grouped by (ASCII, lowercase), or null when it goes alone (bad syntax, address literal). */
export function groupKeyOf(email: string): string | null {
  const s = checkSyntax(email);
  if (failsSyntax(s) || !s.asciiDomain || s.addressLiteral) return null;
  return s.asciiDomain.toLowerCase();
}

const settle = (p: Promise<CheckResult>): Promise<GroupItem> => p.then((result) => ({ ok: true as const, result }), (error: unknown) => ({ ok: false as const, error }));

/**
 * Verifies `emails` with one grouped session per domain (more when caps or the server
 * say so). Results come back in input order. An error thrown by `beforeSmtp` (a throttle
 * hold) is the outcome of every address that had no answer yet; answered ones keep theirs.
 */
export async function verifyGroup(emails: readonly string[], options: VerifyOptions): Promise<GroupItem[]> {
  const out: GroupItem[] = new Array(emails.length);
  await loadMiscLists();
  const domains = new Map<string, { index: number; address: AddressCheck }[]>();
  const alone: Promise<void>[] = [];
  emails.forEach((email, index) => {
    const syntax = checkSyntax(email);
    if (failsSyntax(syntax) || !syntax.asciiDomain || syntax.addressLiteral) {
      alone.push(settle(verify(email, options)).then((item) => void (out[index] = item)));
      return;
    }
    const domain = syntax.asciiDomain.toLowerCase();
    const address: AddressCheck = { input: email, syntax, started: Date.now(), misc: miscChecks(syntax.username, syntax.asciiDomain) };
    let list = domains.get(domain);
    if (!list) domains.set(domain, (list = []));
    list.push({ index, address });
  });
  await Promise.all(alone);
  for (const [domain, items] of domains) {
    try {
      await verifyDomain(domain, items, options, out);
    } catch (error) {
      for (const { index } of items) out[index] ??= { ok: false, error };
    }
  }
  return out;
}

async function verifyDomain(domain: string, items: { index: number; address: AddressCheck }[], options: VerifyOptions, out: GroupItem[]): Promise<void> {
  const target = domainTarget(domain, await cachedLookupMx(domain, options, Date.now() + options.deadlineMs, options.signal));
  if (target.mx.kind !== 'ok') {
    for (const { index, address } of items) out[index] = { ok: true, result: resultBeforeSmtp(address, target, target.early ?? verdictOf('dns_failure'), options) };
    return;
  }
  const hosts = target.mx.hosts;

  // The same mailbox twice in a list is asked once.
  const byRcpt = new Map<string, { index: number; address: AddressCheck }[]>();
  for (const item of items) {
    const rcpt = rcptOf(item.address.syntax.username, domain);
    const list = byRcpt.get(rcpt);
    if (list) list.push(item);
    else byRcpt.set(rcpt, [item]);
  }
  const give = (rcpt: string, make: (a: AddressCheck) => CheckResult): void => {
    for (const { index, address } of byRcpt.get(rcpt)!) out[index] = { ok: true, result: make(address) };
  };

  const caps = sessionCaps(target.provider);
  const probeAllowed = options.catchAllProbe && target.provider?.catchAllProbe !== false;
  const known = probeAllowed ? await knownCatchAll(domain, options) : null;
  /** The domain's catch-all status for this run: from the store, else from the first probe answered. */
  let catchAll: boolean | undefined = known?.catchAll;
  let probed = false;
  const probeWanted = (): boolean => probeAllowed && !known && !probed;
  let remaining = [...byRcpt.keys()];
  /**
   * Accepted answers that came before the probe's, in a session cut before the probe was asked (a recipient
   * limit, 421, a drop): their verdict waits for the domain's catch-all status, which the next
   * session asks first (or a session of the probe alone, when nobody is left).
   */
  const held: { rcpt: string; session: SmtpSessionOutcome; own: SmtpReply; recipients: number; shared: boolean }[] = [];
  const giveHeld = (): void => {
    for (const h of held.splice(0)) {
      const facts = { catchAll, catchAllSource: probed ? ('probe' as const) : null, recipients: h.recipients, shared: h.shared };
      give(h.rcpt, (a) => resultFromSmtp(a, target, ownOutcome(h.session, h.own), options, facts));
    }
  };

  while (remaining.length > 0 || (held.length > 0 && probeWanted())) {
    const probe = probeWanted() ? `${randomLocalPart()}@${domain}` : null;
    // Normally last (only asked when someone was accepted); first when an earlier session never got to it.
    const probeFirst = probe !== null && held.length > 0;
    const take = remaining.slice(0, Math.max(probeFirst ? 0 : 1, caps.maxRecipients - (probe ? 1 : 0)));
    const rcpts = probeFirst ? [probe, ...take] : take;
    const rcptCount = rcpts.length + (probe && !probeFirst ? 1 : 0);
    const gate = smtpGate(target, options);
    let outcome: SmtpSessionOutcome | null;
    try {
      const request = sessionRequest(hosts, options, Date.now() + options.deadlineMs, options.signal, rcpts[0]!, probeFirst ? null : probe, gate.hook(rcptCount));
      outcome = await runSmtpSession({ ...request, rcpts: rcpts.slice(1), caps }).catch(gate.skipped);
    } catch (error) {
      giveHeld();
      for (const rcpt of remaining) for (const { index } of byRcpt.get(rcpt)!) out[index] = { ok: false, error };
      return;
    }
    if (!outcome) {
      giveHeld();
      const reason = gate.skipReason() ?? 'smtp_unreachable';
      for (const rcpt of remaining) give(rcpt, (a) => resultBeforeSmtp(a, target, verdictOf(reason), options));
      return;
    }

    const session = outcome;
    const answers = new Map(session.answers ?? []);
    const probeReply = probeFirst ? answers.get(probe) : session.probe;
    if (probeFirst) answers.delete(probe);
    let learnedNow = false;
    if (probeReply && !probed) {
      probed = true;
      learnedNow = true;
      catchAll = classifyReply(probeReply) === 'accepted';
      const learned = probeKnowledge(probeReply);
      if (learned) await options.catchAll?.set(domain, learned).catch(() => undefined);
    }
    if (learnedNow) giveHeld();
    const carried = session.replies.filter((r) => r.stage === 'rcpt' || r.stage === 'probe').length;
    const facts = { catchAll, catchAllSource: known ? ('cache' as const) : probed ? ('probe' as const) : null, recipients: carried, shared: rcptCount > 1 };

    if (answers.size === 0 && !learnedNow) {
      // Nothing answered (refused, 554 banner, MAIL FROM rejected, 421 at the first RCPT):
      // what this session says is what a one-address session would say to each of them.
      giveHeld();
      const single = asSingleOutcome(session);
      for (const rcpt of remaining) give(rcpt, (a) => resultFromSmtp(a, target, single, options, facts));
      return;
    }
    for (const [rcpt, own] of answers) {
      // Only an accepted address's verdict depends on the probe (as in the session, which asks it only then).
      if (probeWanted() && classifyReply(own) === 'accepted') held.push({ rcpt, session, own, recipients: carried, shared: rcptCount > 1 });
      else give(rcpt, (a) => resultFromSmtp(a, target, ownOutcome(session, own), options, facts));
    }
    remaining = remaining.filter((r) => !answers.has(r));
  }
  giveHeld();
}

/** One recipient's view of a shared session: the shared replies, its own RCPT reply, not the others'. */
function ownOutcome(session: SmtpSessionOutcome, own: SmtpReply): SmtpSessionOutcome {
  const cutBy = session.cut && 'reply' in session.cut ? session.cut.reply : null;
  const replies = session.replies.filter((r) => r !== cutBy && (r.stage !== 'rcpt' || r === own));
  return { mxHost: session.mxHost, connected: session.connected, replies, attempts: session.attempts, mail: session.mail, rcpt: own, probe: session.probe, tls: session.tls };
}

/** A session that answered nobody, read as a one-address session: a 421 or 452 4.5.3 at the first RCPT is that RCPT's reply. */
function asSingleOutcome(session: SmtpSessionOutcome): SmtpSessionOutcome {
  const cut = session.cut;
  const rcpt = cut && (cut.kind === 'closing' || cut.kind === 'too_many_recipients') ? cut.reply : undefined;
  if (rcpt) return { ...session, rcpt, failure: undefined, failureDetail: undefined };
  if (cut?.kind === 'dropped') return { ...session, failure: cut.failure, failureDetail: cut.detail };
  return session;
}

export interface VerifyManyOptions {
  /** Domains checked at once (each domain's sessions run one after another). Default 20. */
  concurrency?: number;
  /** Called as each address is done, in completion order. */
  onItem?: (index: number, item: GroupItem) => void;
}

/**
 * A whole list: grouped by domain (`options.groupSessions`, default on) or one `verify()`
 * per address. Returns every address's outcome in input order.
 */
export async function verifyMany(emails: readonly string[], options: VerifyOptions, opts: VerifyManyOptions = {}): Promise<GroupItem[]> {
  const out: GroupItem[] = new Array(emails.length);
  const concurrency = Math.max(1, opts.concurrency ?? 20);
  /** Ready to run; a domain's later sessions wait in `after` until its first one is done (it answers the catch-all question). */
  const queue: number[][] = [];
  const after = new Map<number[], number[][]>();
  if (options.groupSessions === false) for (let i = 0; i < emails.length; i++) queue.push([i]);
  else {
    const byDomain = new Map<string, number[]>();
    emails.forEach((email, i) => {
      const key = groupKeyOf(email);
      if (key === null) return queue.push([i]);
      const list = byDomain.get(key);
      if (list) list.push(i);
      else byDomain.set(key, [i]);
    });
    // Big domains first: they take the most sessions, so they should not start last.
    for (const [domain, indices] of [...byDomain].sort((a, b) => b[1].length - a[1].length)) {
      // One session's worth per batch, so a big domain's sessions run side by side (as separate connections).
      const size = Math.max(1, sessionCaps(providerForDomain(domain)).maxRecipients - 1);
      const batches: number[][] = [];
      for (let k = 0; k < indices.length; k += size) batches.push(indices.slice(k, k + size));
      queue.push(batches[0]!);
      if (batches.length > 1) after.set(batches[0]!, batches.slice(1));
    }
  }
  let running = 0;
  const wake: (() => void)[] = [];
  const worker = async (): Promise<void> => {
    for (;;) {
      const batch = queue.shift();
      if (!batch) {
        if (running === 0) return;
        await new Promise<void>((r) => wake.push(r));
        continue;
      }
      running++;
      const items = batch.length === 1 && !after.has(batch) ? [await settle(verify(emails[batch[0]!]!, options))] : await verifyGroup(batch.map((i) => emails[i]!), options);
      running--;
      items.forEach((item, k) => {
        out[batch[k]!] = item;
        opts.onItem?.(batch[k]!, item);
      });
      const next = after.get(batch);
      if (next) queue.unshift(...next);
      for (const w of wake.splice(0)) w();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, queue.length + [...after.values()].reduce((n, b) => n + b.length, 0))) }, worker));
  return out;
}
