/**
 * @module work/check-handler
 * One check message, from delivery to ack: verify (keeping the message alive with
 * `working()`), put temporary outcomes and throttle holds off through the retry scheduler
 * (the one place that decides between nak(delay) and the RETRY stream), store the final result
 * durably (retrying the database, never burning a delivery on it), answer a waiting
 * edge for single checks, and only then ack.
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { BulkItemMessage, SingleCheckMessage } from '../../../shared/messages.ts';
import { RETRYABLE_REASONS, type CheckResult } from '../../../shared/result.ts';
import { bulkItemMsgId, HEADERS } from '../../../shared/subjects.ts';
import type { ResultRow, ResultWriter, WriteOutcome } from '../store/index.ts';
import { ThrottleHold, type CheckGate, type Throttle } from '../throttle/index.ts';
import type { GroupItem } from '../verify/index.ts';
import type { AttemptCounter } from './attempts.ts';
import type { WriteHealth } from './write-health.ts';
import { messageBody } from './message-body.ts';
import { decideRetry, longestSchedule, type RetryPolicy } from './retry-policy.ts';
import { deliveriesOf, type RetryScheduler } from './retry-scheduler.ts';

export interface CheckHandlerDeps {
  nc: NatsConnection;
  /** `beforeSmtp`: the throttles' gate for this check (absent when throttles are off). */
  verify: (email: string, beforeSmtp?: CheckGate['beforeSmtp']) => Promise<CheckResult>;
  /** Same-domain addresses in one grouped session (verifyGroup); absent: GROUP_SESSIONS=0. */
  verifyGroup?: (emails: string[], beforeSmtp?: CheckGate['beforeSmtp']) => Promise<GroupItem[]>;
  /** Null when every limit is off. */
  throttle?: Throttle | null;
  writer: ResultWriter;
  retry: RetryPolicy;
  log: Logger;
  /** True once the machine is draining: a database outage then hands the message back instead of waiting. */
  stopping: () => boolean;
  onResult?: (result: CheckResult, kind: 'single' | 'bulk') => void;
  onRetry?: (result: CheckResult, delayMs: number) => void;
  onDbError?: (err: unknown) => void;
  /** Counts temporary outcomes per message, so throttle hand-backs do not use up MAX_DELIVER. */
  attempts?: AttemptCounter;
  /** A check held back by the throttles (put off by `retries`). */
  onHold?: (hold: ThrottleHold) => void;
  /** Puts a message off: every retry and hold goes through it. */
  retries: RetryScheduler;
  /** False once a bulk item's job is finished (finish now, max_wait_seconds): its late messages are acked unchecked. */
  jobOpen?: (jobId: string) => Promise<boolean>;
  /** Follows every result write, so the machine can stop taking checks while writes fail or stall. */
  writes?: WriteHealth;
  /**
   * The committed result of a row, if any. Asked only for a redelivered message: a machine that
   * stored its result and then lost the ack (killed, its NATS node gone, a stalled database past
   * ack_wait) leaves it to be redelivered, and checking it again would spend a session of the IP
   * budget on an answer already stored.
   */
  storedResult?: (rowId: string) => Promise<CheckResult | null>;
}

/** How long a redelivered message waits for the stored-result lookup before it is simply checked. */
const STORED_LOOKUP_MS = 2000;

/** The result already committed for a redelivered message's row; null for a first delivery, none, or no answer in time. */
async function alreadyStored(msg: JsMsg, rowId: string, deps: CheckHandlerDeps): Promise<CheckResult | null> {
  if (!deps.storedResult || !msg.info.redelivered) return null;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((r) => (timer = setTimeout(() => r(null), STORED_LOOKUP_MS)));
  try {
    const found = await Promise.race([deps.storedResult(rowId).catch(() => null), late]);
    if (found) deps.log.debug({ id: rowId }, 'redelivered check already stored; acked without SMTP');
    return found;
  } finally {
    clearTimeout(timer);
  }
}

/** Which job item a message is, for the job's waiting status. */
type Item = { jobId: string; index: number } | undefined;

/**
 * Verifies behind the throttles. A hold (no slot soon, breaker open, throttle state
 * unreachable) puts the message off through `retries` and returns null: no SMTP ran, and
 * a hold never ends a message (only an outcome moves an address along its retry schedule),
 * except an open breaker at delivery MAX_DELIVER, which the gate turns into `blocked_by_policy`.
 */
async function verifyGated(msg: JsMsg, email: string, item: Item, deps: CheckHandlerDeps): Promise<CheckResult | null> {
  const gate = deps.throttle?.gate({ lastDelivery: deliveriesOf(msg) >= deps.retry.maxDeliver });
  try {
    const result = await deps.verify(email, gate?.beforeSmtp);
    await gate?.after(result);
    return result;
  } catch (err) {
    if (!(err instanceof ThrottleHold)) throw err;
    await holdBack(msg, err, item, deps);
    return null;
  }
}

/**
 * A check the throttles held back: no SMTP ran; the message comes back after the hold.
 * `delayMs`: the items of one group come back together (so they share a session again).
 */
async function holdBack(msg: JsMsg, hold: ThrottleHold, item: Item, deps: CheckHandlerDeps, delayMs = spreadDelay(hold)): Promise<void> {
  deps.onHold?.(hold);
  await deps.retries.later(msg, { delayMs, reason: 'throttled', untilLastTryMs: delayMs + longestSchedule(deps.retry), item });
}

/** Spread the returns so held messages (or groups) do not all come back in the same instant. */
const spreadDelay = (hold: ThrottleHold): number => Math.round(hold.delayMs * (1 + Math.random() * 0.1)) + 10;

/**
 * Writes until committed. The message stays alive the whole time (the dispatcher sends `working()`
 * for every message until its handler settles): one attempt can wait out a connect timeout or the
 * commit deadline, longer than ack_wait, and an expired message is checked again by SMTP elsewhere.
 */
async function writeUntilStored(msg: JsMsg, row: ResultRow, deps: CheckHandlerDeps): Promise<WriteOutcome | null> {
  let delay = 250;
  for (;;) {
    try {
      const write = deps.writer.write(row);
      return await (deps.writes ? deps.writes.track(write) : write);
    } catch (err) {
      deps.onDbError?.(err);
      // One warning per row and outage, not one per retry.
      (delay === 250 ? deps.log.warn : deps.log.debug).call(deps.log, { err: (err as Error).message, id: row.id }, 'result write failed; retrying');
      if (deps.stopping()) return null;
      msg.working();
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }
}

async function finish(msg: JsMsg, row: ResultRow, kind: 'single' | 'bulk', deps: CheckHandlerDeps): Promise<boolean> {
  // Deliveries include throttle hand-backs; the outcome counter does not (falls back when KV is away).
  let attempts = deliveriesOf(msg);
  if (RETRYABLE_REASONS.has(row.result.reason) && deps.attempts) attempts = Math.min(attempts, (await deps.attempts.next(row.id)) ?? attempts);
  const decision = decideRetry(row.result, attempts, deps.retry);
  if (decision.action === 'retry') {
    deps.onRetry?.(row.result, decision.delayMs);
    const item = row.jobId != null && row.itemIndex != null ? { jobId: row.jobId, index: row.itemIndex } : undefined;
    await deps.retries.later(msg, { delayMs: decision.delayMs, reason: decision.reason, untilLastTryMs: decision.untilLastTryMs, result: row.result, item });
    return false;
  }
  const written = await writeUntilStored(msg, row, deps);
  if (!written) {
    msg.nak();
    return false;
  }
  // A finished job's webhook is sent by the writer's onJobFinished: it also fires for a batch
  // whose write timed out here but committed later.
  deps.onResult?.(row.result, kind);
  return true;
}

/** `verified` is called once the check itself is over (the SMTP session closed), before the write. */
export async function handleSingleCheck(msg: JsMsg, deps: CheckHandlerDeps, verified: () => void = () => {}): Promise<void> {
  const body = messageBody(SingleCheckMessage, msg);
  if (!body) {
    deps.log.error({ seq: msg.seq }, 'malformed single-check message; terminated');
    msg.term('malformed');
    return;
  }
  const stored = await alreadyStored(msg, body.id, deps);
  const result = stored ?? (await verifyGated(msg, body.email, undefined, deps));
  verified();
  if (!result) return;
  const row: ResultRow = { id: body.id, tenantId: body.tenantId, email: body.email, result };
  if (!stored && !(await finish(msg, row, 'single', deps))) return;
  const replyTo = msg.headers?.get(HEADERS.replyTo);
  if (replyTo) deps.nc.publish(replyTo, JSON.stringify({ id: body.id, result }));
  // Plain ack: if it is lost the item is checked again and the idempotent write changes nothing.
  msg.ack();
}

const bulkRow = (body: BulkItemMessage, result: CheckResult): ResultRow => ({
  id: bulkItemMsgId(body.jobId, body.index),
  tenantId: body.tenantId,
  jobId: body.jobId,
  itemIndex: body.index,
  email: body.email,
  result,
});

export async function handleBulkItem(msg: JsMsg, deps: CheckHandlerDeps, verified: () => void = () => {}): Promise<void> {
  const body = messageBody(BulkItemMessage, msg);
  if (!body) {
    deps.log.error({ seq: msg.seq, subject: msg.subject }, 'malformed bulk-item message; terminated');
    msg.term('malformed');
    return;
  }
  if (deps.jobOpen && !(await deps.jobOpen(body.jobId))) {
    // Finished early: its stored answer stands, and no SMTP is spent on it.
    verified();
    msg.ack();
    return;
  }
  if (await alreadyStored(msg, bulkItemMsgId(body.jobId, body.index), deps)) {
    verified();
    msg.ack();
    return;
  }
  const result = await verifyGated(msg, body.email, { jobId: body.jobId, index: body.index }, deps);
  verified();
  if (!result) return;
  const row = bulkRow(body, result);
  if (!(await finish(msg, row, 'bulk', deps))) return;
  msg.ack();
}

/**
 * Same-domain bulk items of one fetch, checked in one grouped session. Each message is still
 * its own: a result goes through `finish` (retry by nak, or write then ack) alone, a
 * throttle hold hands back only the items it stopped, and an item at its last delivery
 * that an open breaker stopped is checked alone (the one-address path ends it).
 */
export async function handleBulkGroup(msgs: JsMsg[], deps: CheckHandlerDeps, verified: () => void = () => {}): Promise<void> {
  const items: { msg: JsMsg; body: BulkItemMessage }[] = [];
  for (const msg of msgs) {
    const body = messageBody(BulkItemMessage, msg);
    if (body && deps.jobOpen && !(await deps.jobOpen(body.jobId))) msg.ack(); // finished early: nothing to check
    else if (body && (await alreadyStored(msg, bulkItemMsgId(body.jobId, body.index), deps))) msg.ack();
    else if (body) items.push({ msg, body });
    else {
      deps.log.error({ seq: msg.seq, subject: msg.subject }, 'malformed bulk-item message; terminated');
      msg.term('malformed');
    }
  }
  if (items.length === 0 || !deps.verifyGroup) {
    verified();
    await Promise.all(items.map(({ msg }) => handleBulkItem(msg, deps)));
    return;
  }
  const verifyGroup = deps.verifyGroup;
  const gate = deps.throttle?.gate({ lastDelivery: false });
  let outcomes: GroupItem[];
  try {
    outcomes = await verifyGroup(items.map((i) => i.body.email), gate?.beforeSmtp);
    const results = outcomes.flatMap((o) => (o.ok ? [o.result] : []));
    const telling = results.find((r) => r.reason === 'blocked_by_policy') ?? results[0];
    if (telling) await gate?.after(telling);
  } finally {
    verified();
  }
  const errors: unknown[] = [];
  const holdDelays = new Map<ThrottleHold, number>();
  await Promise.all(
    items.map(async ({ msg, body }, k) => {
      const outcome = outcomes[k]!;
      if (!outcome.ok) {
        const err = outcome.error;
        if (err instanceof ThrottleHold) {
          if (err.reason === 'breaker_open' && deliveriesOf(msg) >= deps.retry.maxDeliver) return handleBulkItem(msg, deps);
          if (!holdDelays.has(err)) holdDelays.set(err, spreadDelay(err));
          return holdBack(msg, err, { jobId: body.jobId, index: body.index }, deps, holdDelays.get(err));
        }
        // As for one item: not acked, JetStream redelivers it after ack_wait.
        errors.push(err);
        return;
      }
      const row = bulkRow(body, outcome.result);
      if (await finish(msg, row, 'bulk', deps)) msg.ack();
    }),
  );
  if (errors.length > 0) throw errors[0];
}
