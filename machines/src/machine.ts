/**
 * @module machine
 * One machine process: NATS topology, Postgres (or PGlite), the check and job
 * consumers, the NATS service, heartbeats, health/metrics, and a graceful drain.
 */
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import packageJson from '../../package.json' with { type: 'json' };
import { withoutCredentials } from '../../shared/redact.ts';
import { CONSUMERS } from '../../shared/subjects.ts';
import type { MachineEnv, ThrottleEnv } from '../../shared/config.ts';
import type { CheckResult } from '../../shared/result.ts';
import { connectNats, createKvCatchAllStore, ensureTopology, startHeartbeat } from './nats/index.ts';
import { createThrottle, resolveEgressIp, throttlesOff } from './throttle/index.ts';
import { createResultWriter, getStoredResult, openDatabase, recordItemWait, type FinishedJob } from './store/index.ts';
import { groupKeyOf, sessionCaps, verify, verifyGroup, type VerifyOptions } from './verify/index.ts';
import { createAttemptCounter } from './work/attempts.ts';
import { handleBulkGroup, handleBulkItem, handleSingleCheck, type CheckHandlerDeps } from './work/check-handler.ts';
import { messageBody } from './work/message-body.ts';
import { BulkItemMessage } from '../../shared/messages.ts';
import { startDispatcher } from './work/dispatcher.ts';
import { createWriteHealth } from './work/write-health.ts';
import { startHealthServer } from './work/health-server.ts';
import { handleJobChunk } from './work/job-intake.ts';
import { startJobFinisher } from './work/job-finisher.ts';
import { createOpenJobs } from './work/open-jobs.ts';
import { longestSchedule, type RetryPolicy } from './work/retry-policy.ts';
import { startRetryRelease } from './work/retry-release.ts';
import { createRetryScheduler } from './work/retry-scheduler.ts';
import { createMetrics } from './work/metrics.ts';
import { startService } from './work/service.ts';
import { startWebhookDispatch } from './work/webhook-dispatch.ts';

export const VERSION: string = packageJson.version;

/** How often a machine looks for jobs whose max wait has passed. */
const JOB_FINISH_SWEEP_MS = 2000;

/** How long each NATS step of the drain may take before it is given up. */
const NATS_STOP_MS = 3000;

/** A dependency the machine cannot start without; the message names it, for the operator. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** An error's message with any URL's credentials removed (drivers echo the URL they were given). */
const reason = (err: unknown): string => {
  const text = err instanceof Error ? err.message || (err as { code?: string }).code || err.name : String(err);
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s,]+/gi, (u) => withoutCredentials(u));
};

/** True when `work` settled (either way) within `ms`. */
async function settleWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const done = work.then(() => true as const, () => true as const);
  try {
    return await Promise.race([done, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export interface MachineConfig {
  machine: MachineEnv;
  verify: VerifyOptions;
  throttle: ThrottleEnv;
  log?: Logger;
  /** Replaces the verifier (tests that count calls); defaults to `verify`. */
  verifyFn?: (email: string, options: VerifyOptions) => Promise<CheckResult>;
}

export interface Machine {
  id: string;
  healthPort: number | null;
  inFlight(): number;
  /** Graceful drain: stop pulling, finish or hand back in-flight work, flush writes, close. */
  stop(): Promise<void>;
}

export async function startMachine(cfg: MachineConfig): Promise<Machine> {
  const m = cfg.machine;
  const id = m.MACHINE_ID ?? `${hostname().replace(/[^A-Za-z0-9_-]/g, '-')}-${process.pid}`;
  const log = cfg.log ?? pino({ level: m.LOG_LEVEL, base: { machine: id } });
  const metrics = createMetrics(id);
  let stopping = false;

  // Before anything else: the throttles key on it, and no SMTP may start without it.
  const egressIp = await resolveEgressIp({
    egressIp: cfg.verify.egressIp,
    edgeUrl: cfg.throttle.EDGE_URL,
    machineToken: cfg.throttle.MACHINE_TOKEN,
    proxyUrl: cfg.verify.proxyUrl,
    log,
  });

  // A failure here ends the process: say which part and where (without credentials), not just "connection refused".
  const store = await openDatabase({ databaseUrl: m.DATABASE_URL, pgliteDir: m.PGLITE_DIR, pgliteSharedBuffersMb: m.PGLITE_SHARED_BUFFERS_MB }).catch((err: unknown) => {
    const where = m.DATABASE_URL ? `Postgres at ${withoutCredentials(m.DATABASE_URL)}` : `PGlite in ${m.PGLITE_DIR}`;
    throw new StartupError(`the database (${where}) could not be opened: ${reason(err)}`);
  });
  const { nc } = await connectNats(m.NATS_URL, `emailcheck-machine-${id}`, { token: m.NATS_TOKEN, user: m.NATS_USER, pass: m.NATS_PASS }).catch(async (err: unknown) => {
    await store.close().catch(() => {});
    throw new StartupError(`NATS at ${withoutCredentials(m.NATS_URL)} is not reachable: ${reason(err)}`);
  });
  // JetStream never stops redelivering (max_deliver -1): the handler stores the final
  // outcome itself at MAX_DELIVER, so a crash during the last delivery loses nothing.
  const catchAllTtlMs = cfg.verify.catchAllTtlMs ?? 0;
  const topo = await ensureTopology(nc, { maxDeliver: -1, ackWaitMs: m.ACK_WAIT_MS, replicas: m.NATS_REPLICAS, catchAllTtlMs: catchAllTtlMs > 0 ? catchAllTtlMs : undefined });
  // Catch-all answers are shared by every machine of the cluster, not kept per process.
  const verifyOptions: VerifyOptions = { ...cfg.verify, catchAll: catchAllTtlMs > 0 ? createKvCatchAllStore({ kv: topo.kv.catchAll, ttlMs: catchAllTtlMs }) : undefined };
  const retry: RetryPolicy = { schedules: m.RETRY_SCHEDULE, maxDeliver: m.MAX_DELIVER };
  // Set below, once the webhook sender exists; a finish request before that has nothing to announce yet.
  let jobFinished: (job: FinishedJob) => void = () => {};
  const service = await startService(nc, store, {
    version: VERSION,
    machineId: id,
    log,
    waiting: { untriedBoundMs: longestSchedule(retry) },
    onJobFinished: (job) => jobFinished(job),
  });

  let natsUp = true;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') natsUp = false;
      else if (s.type === 'reconnect') natsUp = true;
    }
  })();
  const throttle = throttlesOff(cfg.throttle)
    ? null
    : createThrottle({
        kv: topo.kv.throttle,
        egressIp,
        env: cfg.throttle,
        connected: () => natsUp && !nc.isClosed(),
        log,
        events: { onWait: (ms, missed) => metrics.throttleWait(ms, missed), onBreakerOpened: (g) => metrics.breakerOpened(g) },
      });

  const webhooks = startWebhookDispatch({
    store,
    log,
    maxAttempts: m.WEBHOOK_MAX_ATTEMPTS,
    retryIntervalMs: m.WEBHOOK_RETRY_INTERVAL * 1000,
    allowPrivate: m.ALLOW_PRIVATE_WEBHOOKS,
    onDelivery: (out) => metrics.webhook(out.delivered ? 'delivered' : 'failed'),
  });

  jobFinished = (job) => {
    log.info({ jobId: job.jobId, total: job.status.total }, 'job finished');
    if (job.webhook) webhooks.jobFinished(job.jobId);
  };
  const writer = createResultWriter(store, { onJobFinished: (job) => jobFinished(job) });
  const finisher = startJobFinisher({ store, intervalMs: JOB_FINISH_SWEEP_MS, log, onFinished: (job) => jobFinished(job) });

  // Writes that fail, or hang longer than this, pause the check consumers until one gets through.
  const writes = createWriteHealth({ stallMs: Math.min(5000, Math.max(1000, Math.floor(m.ACK_WAIT_MS / 4))) });
  let writesPaused = false;
  const checksPaused = () => {
    const paused = !writes.healthy();
    if (paused !== writesPaused) {
      writesPaused = paused;
      if (paused) log.warn('result writes are failing or stalled; taking no new checks until the database answers');
      else log.info('result writes get through again; taking checks');
    }
    return paused;
  };

  const verifyFn = cfg.verifyFn ?? verify;
  // Tests that replace the verifier count its calls: they get one call per address.
  const grouping = verifyOptions.groupSessions !== false && !cfg.verifyFn;
  const deps: CheckHandlerDeps = {
    nc,
    verify: (email, beforeSmtp) => verifyFn(email, { ...verifyOptions, egressIp, beforeSmtp }),
    verifyGroup: grouping ? (emails, beforeSmtp) => verifyGroup(emails, { ...verifyOptions, egressIp, beforeSmtp }) : undefined,
    throttle,
    attempts: createAttemptCounter(topo.kv.throttle),
    writer,
    writes,
    retry,
    retries: createRetryScheduler({
      js: topo.js,
      nakMaxMs: m.RETRY_NAK_MAX_MS,
      nakMaxPending: m.RETRY_NAK_MAX_PENDING,
      record: (w) => recordItemWait(store, w),
      log,
      onScheduled: (via) => metrics.retryScheduled(via),
    }),
    jobOpen: createOpenJobs(store),
    storedResult: (rowId) => getStoredResult(store, rowId),
    log,
    stopping: () => stopping,
    onResult: (r, kind) => metrics.result(r, kind),
    onRetry: (r) => metrics.retry(r),
    onDbError: () => metrics.dbError(),
    onHold: (hold) => {
      metrics.throttleHold(hold.reason);
      (hold.reason === 'throttle_unavailable' ? log.warn : log.debug).call(log, { reason: hold.reason, delayMs: Math.round(hold.delayMs) }, hold.message);
    },
  };

  const consumer = (c: { stream: string; name: string }) => topo.js.consumers.get(c.stream, c.name);
  const checks = startDispatcher({
    feeds: [
      { name: 'single', consumer: await consumer(CONSUMERS.single), capacity: m.CONCURRENCY },
      // Grouping: a fetch large enough that same-domain items (intake publishes them in domain order) arrive together.
      { name: 'bulk', consumer: await consumer(CONSUMERS.bulk), capacity: grouping ? Math.max(m.CONCURRENCY, m.GROUP_FETCH) : m.CONCURRENCY },
    ],
    concurrency: m.CONCURRENCY,
    ackWaitMs: m.ACK_WAIT_MS,
    paused: checksPaused,
    group: grouping
      ? {
          feed: 'bulk',
          key: (msg) => {
            const body = messageBody(BulkItemMessage, msg);
            return body ? groupKeyOf(body.email) : null;
          },
          // One session's worth per group (the probe aside): a domain's further items go to other workers side by side.
          max: Math.max(1, Math.min(m.GROUP_FETCH, sessionCaps(null).maxRecipients - 1)),
          handle: (msgs, _feed, release) => {
            metrics.inFlight.inc(msgs.length);
            return handleBulkGroup(msgs, deps, release).finally(() => metrics.inFlight.dec(msgs.length));
          },
        }
      : undefined,
    // The worker is freed when the SMTP part is over; the write and ack finish behind it.
    handle: (msg, feed, release) => {
      metrics.inFlight.inc();
      const run = feed === 'single' ? handleSingleCheck(msg, deps, release) : handleBulkItem(msg, deps, release);
      return run.finally(() => metrics.inFlight.dec());
    },
    onError: (err, feed) => log.warn({ feed, err: (err as Error).message }, 'pull failed'),
  });
  const retries = startRetryRelease({ js: topo.js, consumer: await consumer(CONSUMERS.retry), log, onReleased: () => metrics.retryReleased() });
  const jobs = startDispatcher({
    // Two chunks at once: one is stored (a transaction and its commit) while the other's items are published.
    feeds: [{ name: 'jobs', consumer: await consumer(CONSUMERS.jobs), capacity: 2 }],
    concurrency: 2,
    handle: (msg) => handleJobChunk(msg, { nc, store, log, stopping: () => stopping }),
    onError: (err) => log.warn({ feed: 'jobs', err: (err as Error).message }, 'pull failed'),
  });

  const startedAt = new Date().toISOString();
  const heartbeat = startHeartbeat(
    topo.kv.machines,
    () => ({ machineId: id, egressIp, inFlight: checks.inFlight(), version: VERSION, startedAt }),
    5000,
    { onError: (err) => log.warn({ err: (err as Error).message }, 'heartbeat failed') },
  );

  const health =
    m.HTTP_PORT > 0
      ? await startHealthServer(m.HTTP_PORT, metrics.registry, {
          // A round trip to the server, not the client's idea of the connection: a frozen server keeps the socket open.
          nats: async () => natsUp && !nc.isClosed() && (await nc.flush().then(() => true, () => false)),
          database: () => store.ping(),
        })
      : null;

  log.info({ version: VERSION, concurrency: m.CONCURRENCY, egressIp, throttles: throttle ? 'on' : 'off', db: store.kind, healthPort: health?.port }, 'machine started');

  return {
    id,
    healthPort: health?.port ?? null,
    inFlight: () => checks.inFlight(),
    async stop() {
      if (stopping) return;
      stopping = true;
      log.info({ inFlight: checks.inFlight() }, 'draining');
      finisher.stop();
      const [c] = await Promise.all([checks.stop(m.SHUTDOWN_GRACE_MS), jobs.stop(m.SHUTDOWN_GRACE_MS), settleWithin(retries.stop(), NATS_STOP_MS)]);
      if (c.unfinished > 0) log.warn({ unfinished: c.unfinished }, 'in-flight checks handed back');
      webhooks.stop();
      await writer.close().catch((err) => log.warn({ err: (err as Error).message }, 'final flush failed'));
      // With NATS gone these would wait for a reconnect that may never come: bound them, then close.
      await settleWithin(heartbeat.stop(), NATS_STOP_MS);
      await settleWithin(service.stop(), NATS_STOP_MS);
      if (!(await settleWithin(nc.drain(), NATS_STOP_MS))) await nc.close().catch(() => undefined);
      await health?.close();
      await store.close();
      log.info('stopped');
    },
  };
}
