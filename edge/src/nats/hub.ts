/**
 * @module nats/hub
 * `NatsHub`: a Durable Object that holds one NATS WebSocket connection across requests.
 * workerd does not let a socket opened by one request serve another (a connection kept in a
 * module global hangs on the next request), so the Worker reaches NATS only through these RPC
 * methods. The connection is opened on first use and again after it closes.
 *
 * Failures come back as values, `{ ok: false, error: "<code>: message" }` with a code from
 * HUB_ERROR_CODES, not as thrown errors: RPC errors lose their class on the way, and workerd logs
 * every rejected RPC call as an uncaught error with a stack, which an outage (a 503 the edge
 * answers on purpose) is not. edge/src/nats/hub-client.ts turns them into HTTP errors.
 */
import { DurableObject } from 'cloudflare:workers';
import { jetstream, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { createInbox, headers as natsHeaders, wsconnect, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import { listMachines, type LiveMachine } from '../../../shared/heartbeat.ts';
import { withoutCredentials } from '../../../shared/redact.ts';
import type { SingleCheckMessage } from '../../../shared/messages.ts';
import { HEADERS, KV_BUCKETS, SUBJECTS } from '../../../shared/subjects.ts';
import { edgeConfig, type Bindings } from '../env.ts';
import { natsFailure } from './failures.ts';

export const HUB_ERROR_CODES = ['nats_unavailable', 'machines_unavailable', 'machines_timeout'] as const;
export type HubErrorCode = (typeof HUB_ERROR_CODES)[number];

const hubError = (code: HubErrorCode, message: string): Error => new Error(`${code}: ${message}`);

export interface PublishOptions {
  msgId?: string;
  headers?: Record<string, string>;
}

/** `id` is the check that answers: another caller's when this one joined a check already running. */
export type SingleCheckOutcome = { status: 'done'; id: string; body: string } | { status: 'pending'; id: string };

/** What every RPC method answers: its value, or the `<code>: message` of what went wrong. */
export type HubOutcome<T> = { ok: true; value: T } | { ok: false; error: string };

/** `work`, or `onTimeout()` thrown once `ms` passed: no hub call waits on NATS without a bound. */
async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  work.catch(() => {});
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long listing the machines' heartbeats may take (a few KV reads when NATS is well). */
export const MACHINES_LIST_TIMEOUT_MS = 5000;
/** How long NATS gets to answer a ping when a request timed out: did the machines or NATS fail to answer? */
const NATS_PING_MS = 1000;

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));


const settle = <T>(work: Promise<T>): Promise<HubOutcome<T>> =>
  work.then(
    (value) => ({ ok: true as const, value }),
    (err: unknown) => ({ ok: false as const, error: errText(err) }),
  );

export class NatsHub extends DurableObject<Bindings> {
  private nc: NatsConnection | null = null;
  private opening: Promise<NatsConnection> | null = null;
  /**
   * Inbox prefix of this object, kept across reconnects: single-check results arrive on
   * `<prefix>.<checkId>`, and a result published after we moved to another server still finds us.
   */
  private inboxPrefix = '';
  private readonly waiting = new Map<string, (body: string | null) => void>();
  /** Single checks running now, by coalescing key: a second caller waits for the first one's result. */
  private readonly running = new Map<string, { id: string; result: Promise<string | null>; failed: boolean }>();

  /** JetStream publish with its ack: `duplicate` is true when `msgId` was already stored (a retry). */
  publishJetStream(subject: string, data: string, opts: PublishOptions = {}): Promise<HubOutcome<{ seq: number; duplicate: boolean }>> {
    return settle(this.publish(subject, data, opts));
  }

  /** Core request/reply (the machines' NATS service); the reply body. */
  request(subject: string, data: string, timeoutMs: number): Promise<HubOutcome<string>> {
    return settle(this.ask(subject, data, timeoutMs));
  }

  /**
   * Publishes a single check to `verify.single` (dedup id = check id, reply inbox in a header) and
   * waits up to `waitMs` for the machine's `{ id, result }`; `pending` when it does not come in time.
   * Calls with the same `coalesceKey` (tenant and address) while one runs join it: one SMTP check.
   */
  checkSingle(msg: SingleCheckMessage, waitMs: number, coalesceKey?: string): Promise<HubOutcome<SingleCheckOutcome>> {
    return settle(this.runCheck(msg, waitMs, coalesceKey));
  }

  /** Live machines from the heartbeats in KV `machines`. */
  machines(): Promise<HubOutcome<LiveMachine[]>> {
    return settle(this.liveMachines());
  }

  private async publish(subject: string, data: string, opts: PublishOptions = {}): Promise<{ seq: number; duplicate: boolean }> {
    let nc = await this.connection();
    let hdrs;
    if (opts.headers) {
      hdrs = natsHeaders();
      for (const [k, v] of Object.entries(opts.headers)) hdrs.set(k, v);
    }
    // In a cluster, a server that died under us, "no responders" or no ack (the stream is electing
    // a leader) pass: try again, on another server if need be, until NATS_FAILOVER_MS. Safe because
    // a repeated Nats-Msg-Id is stored once.
    const clustered = !!nc.info?.cluster;
    const giveUpAt = Date.now() + edgeConfig(this.env).NATS_FAILOVER_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        const ack = await jetstream(nc).publish(subject, data, { msgID: opts.msgId, headers: hdrs, timeout: this.timeoutMs() });
        return { seq: ack.seq, duplicate: ack.duplicate };
      } catch (err) {
        const passing = clustered && (nc.isClosed() || ['no_responders', 'unavailable', 'timeout', 'closed'].includes(natsFailure(err)));
        if (!passing || Date.now() + 250 > giveUpAt) throw this.publishError(err, subject);
        await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 1000)));
        nc = await this.connection();
      }
    }
  }

  private async ask(subject: string, data: string, timeoutMs: number): Promise<string> {
    const nc = await this.connection();
    try {
      const reply = await nc.request(subject, data, { timeout: timeoutMs });
      return reply.string();
    } catch (err) {
      const failure = this.requestError(err, subject);
      // No reply in time: if NATS itself does not answer a ping, it is NATS that is gone, not the machines.
      if (failure.message.startsWith('machines_timeout') && !(await this.natsAnswers(nc))) {
        throw hubError('nats_unavailable', `NATS did not answer within ${NATS_PING_MS} ms (frozen or cut off)`);
      }
      throw failure;
    }
  }

  private async natsAnswers(nc: NatsConnection): Promise<boolean> {
    try {
      await withDeadline(nc.flush(), NATS_PING_MS, () => new Error('ping timeout'));
      return true;
    } catch {
      // A connection that cannot be trusted is dropped, so the next call opens a new one.
      void nc.close().catch(() => {});
      return false;
    }
  }

  private async runCheck(msg: SingleCheckMessage, waitMs: number, coalesceKey?: string): Promise<SingleCheckOutcome> {
    const joined = coalesceKey === undefined ? undefined : this.running.get(coalesceKey);
    if (joined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), waitMs)));
      const body = await Promise.race([joined.result, expired]).finally(() => clearTimeout(timer));
      // The check we joined was never queued: run our own (the next caller joins that one).
      if (body === null && joined.failed) return this.runCheck(msg, waitMs, coalesceKey);
      return body === null ? { status: 'pending', id: joined.id } : { status: 'done', id: joined.id, body };
    }
    // Registered before the first await, so callers arriving while the connection opens join this check.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arrived = new Promise<string | null>((resolve) => {
      this.waiting.set(msg.id, resolve);
      timer = setTimeout(() => resolve(null), waitMs);
    });
    const entry = { id: msg.id, result: arrived, failed: false };
    if (coalesceKey !== undefined) this.running.set(coalesceKey, entry);
    try {
      try {
        await this.connection();
        await this.publish(SUBJECTS.single, JSON.stringify(msg), {
          msgId: msg.id,
          headers: { [HEADERS.replyTo]: `${this.inboxPrefix}.${msg.id}` },
        });
      } catch (err) {
        entry.failed = true;
        throw err;
      }
      const body = await arrived;
      return body === null ? { status: 'pending', id: msg.id } : { status: 'done', id: msg.id, body };
    } finally {
      clearTimeout(timer);
      this.waiting.get(msg.id)?.(null);
      this.waiting.delete(msg.id);
      if (coalesceKey !== undefined && this.running.get(coalesceKey)?.id === msg.id) this.running.delete(coalesceKey);
    }
  }

  private async liveMachines(): Promise<LiveMachine[]> {
    const nc = await this.connection();
    try {
      // Listing walks KV keys with no timeout of its own: a frozen NATS held /v1/status for minutes.
      return await withDeadline(
        (async () => listMachines(await new Kvm(nc).open(KV_BUCKETS.machines)))(),
        MACHINES_LIST_TIMEOUT_MS,
        () => hubError('nats_unavailable', `NATS did not list the machines within ${MACHINES_LIST_TIMEOUT_MS} ms`),
      );
    } catch (err) {
      if (errText(err).startsWith('nats_unavailable:')) throw err;
      // The bucket's stream does not exist (StreamNotFoundError), or JetStream does not answer at all.
      if (err instanceof JetStreamApiError || natsFailure(err) === 'no_responders') {
        throw hubError('machines_unavailable', `the ${KV_BUCKETS.machines} bucket does not exist yet: no machine has started`);
      }
      throw this.requestError(err, KV_BUCKETS.machines);
    }
  }

  private timeoutMs(): number {
    return edgeConfig(this.env).NATS_CONNECT_TIMEOUT_MS;
  }

  private async connection(): Promise<NatsConnection> {
    if (this.nc && !this.nc.isClosed()) return this.nc;
    // Concurrent first requests share one attempt.
    this.opening ??= this.open().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async open(): Promise<NatsConnection> {
    const cfg = edgeConfig(this.env);
    const servers = cfg.NATS_URL.split(',').map((s) => s.trim()).filter(Boolean);
    const timeout = cfg.NATS_CONNECT_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let nc: NatsConnection;
    try {
      const connecting = wsconnect({
        servers,
        name: 'emailcheck-edge',
        timeout,
        // A dropped connection is reopened by the next call; buffering requests during a
        // reconnect would turn an outage into hangs.
        reconnect: false,
        pingInterval: 20_000,
        maxPingOut: 2,
        token: cfg.NATS_TOKEN,
        user: cfg.NATS_USER,
        pass: cfg.NATS_PASS,
      });
      // Our own bound too: a blackholed address must not hold the caller past the timeout.
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeout} ms`)), timeout + 250);
      });
      connecting.catch(() => {});
      nc = await Promise.race([connecting, expired]);
      void connecting.then((late) => {
        if (late !== nc) void late.close();
      }, () => {});
    } catch (err) {
      // The operator's log names the servers (without credentials); the client hears only that NATS is away.
      console.warn(`NATS at ${withoutCredentials(servers.join(','))} is not reachable: ${errText(err)}`);
      throw hubError('nats_unavailable', `NATS is not reachable (${errText(err)})`);
    } finally {
      clearTimeout(timer);
    }
    this.inboxPrefix ||= createInbox('_INBOX_EDGE');
    const prefix = this.inboxPrefix;
    const sub: Subscription = nc.subscribe(`${prefix}.*`, {
      callback: (err, m) => {
        if (err) return;
        const id = m.subject.slice(prefix.length + 1);
        this.waiting.get(id)?.(m.string());
      },
    });
    // The subscription must be on the server before a machine can answer into it; bounded, as a
    // server that accepted the socket can still be frozen.
    try {
      await withDeadline(nc.flush(), timeout, () => new Error(`no answer within ${timeout} ms`));
    } catch (err) {
      sub.unsubscribe();
      void nc.close().catch(() => {});
      throw hubError('nats_unavailable', `NATS is not answering (${errText(err)})`);
    }
    this.nc = nc;
    void nc.closed().then(() => {
      sub.unsubscribe();
      if (this.nc === nc) this.nc = null;
      // Checks still waiting (their server died): be back on the inbox before a machine answers.
      void this.resubscribeForWaiting();
    });
    return nc;
  }

  private async resubscribeForWaiting(): Promise<void> {
    while (this.waiting.size > 0 && !this.nc) {
      try {
        await this.connection();
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  private publishError(err: unknown, subject: string): Error {
    const text = errText(err);
    switch (natsFailure(err)) {
      case 'no_responders':
        return hubError('machines_unavailable', `no stream takes ${subject} yet: no machine has started`);
      case 'unavailable':
        return hubError('machines_unavailable', `the stream that takes ${subject} is not available (${text})`);
      case 'timeout':
        return hubError('nats_unavailable', `JetStream did not acknowledge ${subject} in time`);
      case 'closed':
        return hubError('nats_unavailable', `the NATS connection was lost (${text})`);
      case 'other':
        return hubError('nats_unavailable', `publishing ${subject} failed (${text})`);
    }
  }

  private requestError(err: unknown, subject: string): Error {
    switch (natsFailure(err)) {
      case 'no_responders':
      case 'unavailable':
        return hubError('machines_unavailable', `no machine answers ${subject}`);
      case 'timeout':
        return hubError('machines_timeout', `no machine answered ${subject} in time`);
      case 'closed':
      case 'other':
        return hubError('nats_unavailable', `asking ${subject} failed (${errText(err)})`);
    }
  }
}
