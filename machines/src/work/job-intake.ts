/**
 * @module work/job-intake
 * A bulk job chunk from the edge: store the job and its items, fan out one
 * `verify.bulk.<jobId>` message per address, same-domain items next to each other (with a Nats-Msg-Id, so a redelivered
 * chunk publishes nothing twice), then ack the chunk.
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { JobChunkMessage, type BulkItemMessage } from '../../../shared/messages.ts';
import { bulkItemMsgId, SUBJECTS } from '../../../shared/subjects.ts';
import { groupKeyOf } from '../verify/index.ts';
import { messageBody } from './message-body.ts';
import { publishAcked } from '../nats/publish-acked.ts';
import { storeJobChunk, type Store } from '../store/index.ts';

export interface JobIntakeDeps {
  /** The fan-out publishes here, each message confirmed by its PubAck before the chunk is acked. */
  nc: NatsConnection;
  store: Store;
  log: Logger;
  /** Publishes in flight at once while fanning out. */
  publishWindow?: number;
  /** How long a fan-out message may wait for its PubAck before the chunk is retried (default 10 s). */
  publishTimeoutMs?: number;
  /** True once the machine is draining: a failing chunk is then handed back instead of retried here. */
  stopping: () => boolean;
}

export async function handleJobChunk(msg: JsMsg, deps: JobIntakeDeps): Promise<void> {
  const chunk = messageBody(JobChunkMessage, msg);
  if (!chunk) {
    deps.log.error({ seq: msg.seq, subject: msg.subject }, 'malformed job chunk; terminated');
    msg.term('malformed');
    return;
  }
  const keepAlive = setInterval(() => msg.working(), 5000);
  // Database or NATS trouble: retry in place (storing and publishing are idempotent), so an
  // outage never uses up deliveries of a chunk; on shutdown hand it back to another machine.
  let delay = 250;
  try {
    for (;;) {
      try {
        const took = await fanOut(chunk, deps);
        await msg.ackAck().catch(() => msg.ack());
        deps.log.info({ jobId: chunk.jobId, chunk: chunk.chunkIndex, addresses: chunk.emails.length, ...took }, 'job chunk fanned out');
        return;
      } catch (err) {
        deps.log.warn({ jobId: chunk.jobId, chunk: chunk.chunkIndex, err: (err as Error).message }, 'job chunk failed; retrying');
        if (deps.stopping()) {
          msg.nak();
          return;
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  } finally {
    clearInterval(keepAlive);
  }
}

/** Stores the chunk, then publishes its items; says how long each part took. */
async function fanOut(chunk: JobChunkMessage, deps: JobIntakeDeps): Promise<{ storeMs: number; publishMs: number }> {
  const started = performance.now();
  await storeJobChunk(deps.store, chunk);
  const stored = performance.now();
  const subject = SUBJECTS.bulk(chunk.jobId);
  const messages = byDomain(chunk).map((item) => ({ subject, data: JSON.stringify(item), msgId: bulkItemMsgId(chunk.jobId, item.index) }));
  await publishAcked(deps.nc, messages, { window: deps.publishWindow ?? 256, timeoutMs: deps.publishTimeoutMs ?? 10_000 });
  return { storeMs: Math.round(stored - started), publishMs: Math.round(performance.now() - stored) };
}

/**
 * The chunk's items, same-domain ones next to each other (first appearance order, input
 * order within a domain): a machine's fetch then holds a domain's items together and checks
 * them in one SMTP session. Indexes are unchanged, so results and CSV order are not.
 */
export function byDomain(chunk: JobChunkMessage): BulkItemMessage[] {
  const groups = new Map<string, BulkItemMessage[]>();
  chunk.emails.forEach((email, i) => {
    const item: BulkItemMessage = { jobId: chunk.jobId, tenantId: chunk.tenantId, index: chunk.offset + i, email };
    // Addresses that go alone (bad syntax, literals) keep a group each.
    const key = groupKeyOf(email) ?? `#${i}`;
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  });
  return [...groups.values()].flat();
}
