/**
 * @module nats/publish-acked
 * Many JetStream publishes, each confirmed by its PubAck, through one reply subscription:
 * what a job's fan-out needs. `js.publish` makes every message a request (a reply mux entry,
 * a timer, a promise, and an Error object built on each cancel); for a 10,000-address job
 * that machinery was a large share of the machine's CPU. Here a message is a core publish
 * with a reply subject under one inbox, and the PubAck is parsed where it lands.
 */
import { createInbox, headers, type Msg, type NatsConnection } from '@nats-io/nats-core';

export interface AckedMessage {
  subject: string;
  data: string;
  /** Nats-Msg-Id: the stream drops a second message with the same id inside its duplicate window. */
  msgId: string;
}

export interface PublishAckedOptions {
  /** Publishes awaiting their PubAck at once. */
  window: number;
  /** No PubAck for this long after a message went out: the whole call fails (a retry republishes; ids make that safe). */
  timeoutMs: number;
}

/** A PubAck that says no, or none came: nothing was lost, the caller publishes again. */
export class PublishAckError extends Error {
  readonly code = 'publish_ack';
  constructor(message: string) {
    super(message);
    this.name = 'PublishAckError';
  }
}

/** What a PubAck reply says: stored (or a duplicate, which is also stored), or why not. */
function ackFailure(msg: Msg): string | null {
  // No stream listens on the subject: the server answers for it with a 503 status and no body.
  const status = msg.headers?.code ?? 0;
  if (status >= 400) return `no stream answered (${status} ${msg.headers?.description ?? ''})`.trim();
  try {
    const ack = msg.json<{ stream?: string; error?: { code?: number; description?: string } }>();
    if (ack.error) return `stream refused the message: ${ack.error.description ?? 'error'} (${ack.error.code ?? '?'})`;
    return ack.stream ? null : 'PubAck without a stream';
  } catch {
    return 'unreadable PubAck';
  }
}

/** Resolves once every message has its PubAck; rejects with PublishAckError on the first refusal or timeout. */
export async function publishAcked(nc: NatsConnection, messages: readonly AckedMessage[], opts: PublishAckedOptions): Promise<void> {
  if (messages.length === 0) return;
  const inbox = createInbox();
  let acked = 0;
  let sent = 0;
  let failure: PublishAckError | null = null;
  /** When each message still unconfirmed went out (by its index). */
  const outstanding = new Map<number, number>();
  let wake: (() => void) | null = null;
  const signal = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const sub = nc.subscribe(`${inbox}.*`, {
    callback: (err, msg) => {
      if (err) {
        failure ??= new PublishAckError(`PubAck subscription failed: ${err.message}`);
        return signal();
      }
      const index = Number(msg.subject.slice(inbox.length + 1));
      if (!outstanding.delete(index)) return; // a late or repeated ack
      const why = ackFailure(msg);
      if (why) failure ??= new PublishAckError(`${messages[index]!.subject}: ${why}`);
      else acked++;
      signal();
    },
  });
  const timer = setInterval(() => {
    const oldest = outstanding.values().next().value;
    if (oldest !== undefined && Date.now() - oldest > opts.timeoutMs) {
      failure ??= new PublishAckError(`no PubAck within ${opts.timeoutMs} ms (${outstanding.size} of ${messages.length} unconfirmed)`);
      signal();
    }
  }, Math.max(50, Math.min(1000, opts.timeoutMs / 4)));
  try {
    while (acked < messages.length) {
      if (failure) throw failure;
      while (sent < messages.length && outstanding.size < opts.window) {
        const m = messages[sent]!;
        const h = headers();
        h.set('Nats-Msg-Id', m.msgId);
        outstanding.set(sent, Date.now());
        nc.publish(m.subject, m.data, { reply: `${inbox}.${sent}`, headers: h });
        sent++;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    clearInterval(timer);
    sub.unsubscribe();
  }
}
