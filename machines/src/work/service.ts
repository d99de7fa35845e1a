/**
 * @module work/service
 * The machines' NATS service (queue group): answers the edge's job-status, jobs-list,
 * result-page and single-result queries from Postgres. Every request names its
 * tenant; another tenant's job is "not_found", exactly like a missing one.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import { Svcm, type Service, type ServiceMsg } from '@nats-io/services';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { CheckGetRequest, JobFinishRequest, JobListRequest, JobResultsRequest, JobStatusRequest, type ServiceError } from '../../../shared/messages.ts';
import { SERVICE } from '../../../shared/subjects.ts';
import { fitResultsPage } from './page-fit.ts';
import { finishJobNow, getCheckResult, getJobResults, getJobStatus, listJobs, StoreError, type FinishedJob, type Store, type WaitingOptions } from '../store/index.ts';

const errorBody = (code: string, message: string): ServiceError => ({ error: { code, message } });

/** The edge waits a few seconds at most: answer "unavailable" before that rather than not at all. */
const QUERY_TIMEOUT_MS = 3000;

function withTimeout<T>(work: Promise<T>, ms = QUERY_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreError('db_unavailable', 'the database did not answer in time')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function endpoint<S extends z.ZodType>(schema: S, run: (req: z.infer<S>) => Promise<unknown>, log: Logger, timeoutMs = QUERY_TIMEOUT_MS) {
  return async (err: Error | null, msg: ServiceMsg): Promise<void> => {
    if (err) {
      log.error({ err: err.message }, 'service endpoint stopped');
      return;
    }
    let body: unknown;
    try {
      const parsed = schema.safeParse(msg.json());
      if (!parsed.success) {
        body = errorBody('bad_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
      } else {
        body = (await withTimeout(run(parsed.data), timeoutMs)) ?? errorBody('not_found', 'no such job or check for this tenant');
      }
    } catch (e) {
      if (e instanceof StoreError && e.code === 'invalid_cursor') body = errorBody('bad_request', e.message);
      else if (e instanceof StoreError && e.code === 'db_unavailable') body = errorBody('unavailable', 'the database is not reachable; try again');
      else if (e instanceof SyntaxError) body = errorBody('bad_request', 'the request is not JSON');
      else {
        log.error({ err: (e as Error).message }, 'service request failed');
        body = errorBody('internal', 'the machine could not answer');
      }
    }
    // A reply over the server's max_payload throws (a results page of ~750 items is 1 MiB):
    // answer an error rather than let the rejection take the machine down.
    const reply = JSON.stringify(body);
    try {
      msg.respond(reply);
    } catch (e) {
      log.error({ err: (e as Error).message, bytes: reply.length }, 'service reply not sent');
      msg.respond(JSON.stringify(errorBody('too_large', 'the answer is larger than NATS allows; ask for a smaller page (limit)')));
    }
  };
}

export interface ServiceOptions {
  version: string;
  machineId: string;
  log: Logger;
  /** Bounds `waiting.latest_finish_at` for items not tried yet. */
  waiting: WaitingOptions;
  /** A job this service finished (finish request): its webhook is due. */
  onJobFinished?: (job: FinishedJob) => void;
}

/**
 * A finish request writes a result for every open item of the job. A large job takes longer than
 * the edge waits: then the answer is its status so far (still `running`, finishing) and the work
 * goes on here (finish_by stays set, so any machine's sweep completes it should this one die).
 */
const FINISH_ANSWER_MS = 2500;
const FINISH_TIMEOUT_MS = 4000;

export async function startService(nc: NatsConnection, store: Store, opts: ServiceOptions): Promise<Service> {
  const svc = await new Svcm(nc).add({
    name: SERVICE.name,
    version: opts.version,
    queue: SERVICE.queue,
    metadata: { machine: opts.machineId },
  });
  const { log } = opts;
  svc.addEndpoint('job-status', {
    subject: SERVICE.endpoints.jobStatus,
    handler: endpoint(JobStatusRequest, (r) => getJobStatus(store, r.tenantId, r.jobId, opts.waiting), log),
  });
  svc.addEndpoint('job-finish', {
    subject: SERVICE.endpoints.jobFinish,
    handler: endpoint(JobFinishRequest, async (r) => {
      const finishing = finishJobNow(store, r.tenantId, r.jobId).then((out) => {
        if (out?.finished) opts.onJobFinished?.(out.finished);
        return out;
      });
      let timer: NodeJS.Timeout | undefined;
      const later = new Promise<'later'>((res) => (timer = setTimeout(() => res('later'), FINISH_ANSWER_MS)));
      const first = await Promise.race([finishing, later]).finally(() => clearTimeout(timer));
      if (first === 'later') finishing.catch((err) => log.warn({ err: (err as Error).message, jobId: r.jobId }, 'finishing the job failed; the sweep carries on'));
      else if (!first) return null;
      return getJobStatus(store, r.tenantId, r.jobId, opts.waiting);
    }, log, FINISH_TIMEOUT_MS),
  });
  svc.addEndpoint('job-list', {
    subject: SERVICE.endpoints.jobList,
    handler: endpoint(JobListRequest, (r) => listJobs(store, r, opts.waiting), log),
  });
  svc.addEndpoint('job-results', {
    subject: SERVICE.endpoints.jobResults,
    handler: endpoint(JobResultsRequest, async (r) => {
      const page = await getJobResults(store, r);
      // Leave room for headers under the server's max_payload.
      return page && fitResultsPage(page, (nc.info?.max_payload ?? 1024 * 1024) - 8 * 1024);
    }, log),
  });
  svc.addEndpoint('check-get', {
    subject: SERVICE.endpoints.checkGet,
    handler: endpoint(CheckGetRequest, async (r) => {
      const result = await getCheckResult(store, r.tenantId, r.id);
      return result ? { id: r.id, result } : null;
    }, log),
  });
  return svc;
}
