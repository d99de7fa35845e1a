/**
 * @module work/retry-release
 * Releases checks waiting in the RETRY stream when they are due. Each machine pulls from the
 * shared `retry-release` consumer (no max_ack_pending limit: every waiting retry may be held at
 * once, and none waits behind a later one); a message not yet due is nak'ed with what remains of
 * its delay, a due one is published to its original subject (Nats-Msg-Id from its RETRY stream
 * sequence, so a release repeated after a crash is deduplicated), and only then acked.
 */
import type { Consumer, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { releaseHeaders, RetryEnvelope } from './retry-scheduler.ts';

export interface RetryRelease {
  stop(): Promise<void>;
}

/** Released this early at most: the round trip of a nak costs more than it saves. */
const EARLY_MS = 20;

export function startRetryRelease(opts: { js: JetStreamClient; consumer: Consumer; log: Logger; onReleased?: () => void; batch?: number }): RetryRelease {
  let running = true;
  let wake: (() => void) | null = null;

  const release = async (m: JsMsg): Promise<void> => {
    let env: RetryEnvelope;
    try {
      env = RetryEnvelope.parse(m.json());
    } catch {
      opts.log.error({ seq: m.seq, subject: m.subject }, 'malformed retry message; terminated');
      m.term('malformed');
      return;
    }
    const left = env.dueAt - Date.now();
    if (left > EARLY_MS) {
      m.nak(left);
      return;
    }
    try {
      await opts.js.publish(env.subject, env.data, { msgID: `${m.info.stream}:${m.info.streamSequence}`, headers: releaseHeaders(env) });
    } catch (err) {
      opts.log.warn({ err: (err as Error).message, subject: env.subject }, 'retry not released; trying again');
      m.nak(1000);
      return;
    }
    m.ack();
    opts.onReleased?.();
  };

  const loop = (async () => {
    while (running) {
      try {
        const batch = await opts.consumer.fetch({ max_messages: opts.batch ?? 256, expires: 1000 });
        const work: Promise<void>[] = [];
        for await (const m of batch) {
          if (!running) {
            m.nak();
            continue;
          }
          work.push(release(m));
        }
        await Promise.all(work);
      } catch (err) {
        if (!running) break;
        opts.log.warn({ feed: 'retry', err: (err as Error).message }, 'pull failed');
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 500);
        });
      }
    }
  })();

  return {
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
  };
}
