/**
 * @module work/dispatcher
 * Feeds check messages from the JetStream pull consumers to a fixed number of
 * workers. Each consumer fills a small buffer (so a message waits briefly, not past
 * its ack deadline); a free worker always takes a single check before a bulk one.
 */
import type { Consumer, JsMsg } from '@nats-io/jetstream';

export interface Feed {
  name: string;
  consumer: Consumer;
  /** How many fetched-but-not-started messages it may hold. */
  capacity: number;
}

export interface DispatcherOptions {
  /** In priority order: earlier feeds are served first. */
  feeds: Feed[];
  concurrency: number;
  /**
   * Works on one message. `release` frees the worker for the next message before the
   * handler settles (a check releases after its SMTP part, not after its database commit);
   * the message still counts as in flight until the handler settles.
   */
  handle: (msg: JsMsg, feed: string, release: () => void) => Promise<void>;
  onError?: (err: unknown, feed: string) => void;
  /** How long one pull request waits for messages. */
  fetchExpiresMs?: number;
  /**
   * Coalescing: a worker that takes a message of `feed` with a non-null `key` also takes the
   * buffered messages of that feed with the same key (up to `max` in all) and hands them to
   * `handle` together (one grouped SMTP session for the same-domain items of a fetch).
   */
  group?: {
    feed: string;
    key: (msg: JsMsg) => string | null;
    max: number;
    handle: (msgs: JsMsg[], feed: string, release: () => void) => Promise<void>;
    /** How long the messages of a fetch may gather before workers take them. Default 50 ms. */
    lingerMs?: number;
  };
  /**
   * The consumer's ack wait: every message from its fetch until its handler settles gets `working()`
   * a few times per period. Buffered ones can wait behind workers held by throttle waits, and a
   * handler can outlast it (a throttle wait, a long session, a write retried while the database is
   * away); JetStream would then redeliver the message to another machine, and both would run SMTP.
   */
  ackWaitMs?: number;
  /**
   * While true, no new message is fetched or started (buffered ones are kept alive): e.g. the
   * machine's result writes are failing, and a check now would spend SMTP on a result it cannot store.
   */
  paused?: () => boolean;
}

/** How often a paused dispatcher looks again. */
const PAUSE_POLL_MS = 250;

export interface Dispatcher {
  inFlight(): number;
  /** Stops pulling; hands back (nak) buffered messages; resolves when in-flight work is done or `graceMs` passed. */
  stop(graceMs: number): Promise<{ unfinished: number }>;
}

export function startDispatcher(opts: DispatcherOptions): Dispatcher {
  const buffers = opts.feeds.map(() => [] as JsMsg[]);
  let running = true;
  let active = 0;
  const wakeWorkers: (() => void)[] = [];
  const wakeFeeds: (() => void)[] = [];
  const inFlight = new Set<Promise<void>>();
  const inFlightMsgs = new Set<JsMsg>();
  const notify = (list: (() => void)[]) => {
    for (const w of list.splice(0)) w();
  };

  const isPaused = () => opts.paused?.() === true;
  const feedLoop = async (feed: Feed, buffer: JsMsg[]) => {
    while (running) {
      if (isPaused()) {
        await new Promise((r) => setTimeout(r, PAUSE_POLL_MS));
        continue;
      }
      const room = feed.capacity - buffer.length;
      // Pull in batches: refilling one message per pull round trip starves the workers.
      if (room <= 0 || (buffer.length > 0 && room < Math.ceil(feed.capacity / 2))) {
        await new Promise<void>((r) => wakeFeeds.push(r));
        continue;
      }
      try {
        const batch = await feed.consumer.fetch({ max_messages: room, expires: opts.fetchExpiresMs ?? 1000 });
        // A coalescing feed lingers a moment before waking workers, so a group is taken whole, not its first message alone.
        const linger = opts.group?.feed === feed.name ? (opts.group.lingerMs ?? 50) : 0;
        let lingering: NodeJS.Timeout | null = null;
        for await (const m of batch) {
          if (!running) {
            m.nak();
            continue;
          }
          buffer.push(m);
          if (linger === 0) notify(wakeWorkers);
          else lingering ??= setTimeout(() => {
            lingering = null;
            notify(wakeWorkers);
          }, linger);
        }
        if (lingering) clearTimeout(lingering);
        if (linger > 0) notify(wakeWorkers);
      } catch (err) {
        if (!running) break;
        opts.onError?.(err, feed.name);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };

  const keys = new WeakMap<JsMsg, string | null>();
  const keyOf = (msg: JsMsg): string | null => {
    if (!keys.has(msg)) keys.set(msg, opts.group!.key(msg));
    return keys.get(msg)!;
  };

  /** The next message, with the buffered messages of the same group when its feed coalesces. */
  const take = (): { msgs: JsMsg[]; feed: string } | null => {
    for (let i = 0; i < buffers.length; i++) {
      const buffer = buffers[i]!;
      const msg = buffer.shift();
      if (!msg) continue;
      const feed = opts.feeds[i]!.name;
      const msgs = [msg];
      const key = opts.group?.feed === feed ? keyOf(msg) : null;
      if (key !== null) {
        // One pass that keeps the others in order (a splice per taken message moved the buffer each time).
        let kept = 0;
        for (let j = 0; j < buffer.length; j++) {
          const m = buffer[j]!;
          if (msgs.length < opts.group!.max && keyOf(m) === key) msgs.push(m);
          else buffer[kept++] = m;
        }
        buffer.length = kept;
      }
      notify(wakeFeeds);
      return { msgs, feed };
    }
    return null;
  };

  const worker = async () => {
    while (running) {
      if (isPaused()) {
        await new Promise((r) => setTimeout(r, PAUSE_POLL_MS));
        continue;
      }
      const next = take();
      if (!next) {
        await new Promise<void>((r) => wakeWorkers.push(r));
        continue;
      }
      active++;
      for (const m of next.msgs) inFlightMsgs.add(m);
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const work = next.msgs.length > 1 ? opts.group!.handle(next.msgs, next.feed, release) : opts.handle(next.msgs[0]!, next.feed, release);
      const p = work
        .catch((err) => opts.onError?.(err, next.feed))
        .finally(() => {
          release();
          active--;
          inFlight.delete(p);
          for (const m of next.msgs) inFlightMsgs.delete(m);
        });
      inFlight.add(p);
      await released;
    }
  };

  const keepAlive = opts.ackWaitMs
    ? setInterval(() => {
        for (const b of buffers) for (const m of b) m.working();
        for (const m of inFlightMsgs) m.working();
      }, Math.max(500, Math.floor(opts.ackWaitMs / 3)))
    : null;
  keepAlive?.unref();

  opts.feeds.forEach((f, i) => void feedLoop(f, buffers[i]!));
  for (let i = 0; i < opts.concurrency; i++) void worker();

  return {
    inFlight: () => active,
    async stop(graceMs) {
      running = false;
      if (keepAlive) clearInterval(keepAlive);
      notify(wakeWorkers);
      notify(wakeFeeds);
      for (const b of buffers) for (const m of b.splice(0)) m.nak();
      const all = Promise.all([...inFlight]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      // Past the grace period: give the rest back now rather than after ack_wait.
      for (const m of inFlightMsgs) m.nak();
      return { unfinished: active };
    },
  };
}
