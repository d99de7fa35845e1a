/**
 * @module routes/bulk
 * Bulk jobs, mounted at `/v1/bulk` behind the API key:
 * - `POST /` JSON `{ emails, webhook? }`, text/csv, or multipart/form-data with a CSV file: validated,
 *   deduplicated, published to JOBS in chunks; 202 with the job id and counts.
 * - `GET /` the tenant's jobs, newest first, in cursor pages (`?state=running|finished`).
 * - `GET /:id` progress (`queued` until a machine has stored the job), with what is still waiting and why.
 * - `POST /:id/finish` finish now: what still waits is stored as final `unknown` with its reason.
 * - `GET /:id/results` JSON pages with a cursor, or the whole CSV (`Accept: text/csv` or `?format=csv`).
 * The machines' NATS service answers progress and results; another tenant's job is 404.
 */
import { Hono, type Context } from 'hono';
import { JobFinishRequest, JobList, JobListRequest, JobResultsPage, JobResultsRequest, JobStatus, JobStatusRequest, NOTHING_WAITING } from '../../../shared/messages.ts';
import { SERVICE } from '../../../shared/subjects.ts';
import { jobAddresses, storableRow } from '../bulk/addresses.ts';
import { idempotentJobId, isJobId, newJobId } from '../bulk/job-id.ts';
import { jobFingerprint, readJobRecord, writeJobRecord, type JobRecord } from '../bulk/job-record.ts';
import { publishJob } from '../bulk/publish.ts';
import { readBulkInput } from '../bulk/request.ts';
import { resultsCsvStream } from '../bulk/results-csv.ts';
import { BulkListQuery, BulkResultsQuery, type BulkAccepted, type BulkJobList, type BulkJobStatus } from '../bulk/schemas.ts';
import type { AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import { issuesText } from '../http/body.ts';
import { hubClient } from '../nats/hub-client.ts';
import { askMachines } from '../nats/service-client.ts';

/**
 * Results per request to the machines' service. A NATS message holds at most 1 MiB and a stored
 * result is ~1.4 KB (more with long SMTP replies), so the service's own maximum of 1000 would not
 * fit: larger pages are assembled here from several requests.
 */
const SERVICE_PAGE_SIZE = 200;

const links = (jobId: string) => ({
  self: `/v1/bulk/${jobId}`,
  finish: `/v1/bulk/${jobId}/finish`,
  results: `/v1/bulk/${jobId}/results`,
  results_csv: `/v1/bulk/${jobId}/results?format=csv`,
});

const jobNotFound = () => new ApiError(404, 'not_found', 'no such bulk job for this API key\'s tenant');

function acceptedResponse(c: Context<AppEnv>, accepted: BulkAccepted, replayed: boolean): Response {
  const headers: Record<string, string> = { location: accepted.links.self };
  if (replayed) headers['idempotent-replayed'] = 'true';
  return c.json(accepted, 202, headers);
}

/** The job id from the path, or 404: an id we could never have issued is simply not found. */
function jobIdParam(c: Context<AppEnv>): string {
  const id = c.req.param('id') ?? '';
  if (!isJobId(id)) throw jobNotFound();
  return id;
}

/** A job the machines do not know (yet): `queued` if this edge accepted it, else 404. */
async function queuedRecord(c: Context<AppEnv>, jobId: string): Promise<JobRecord> {
  const record = await readJobRecord(c.env.RESULTS, c.get('tenant'), jobId);
  if (!record) throw jobNotFound();
  return record;
}

const bulk = new Hono<AppEnv>();

bulk.post('/', async (c) => {
  const cfg = c.get('config');
  const tenant = c.get('tenant');
  const idempotencyKey = c.req.header('idempotency-key');
  // Without a key of the client's, one of ours: if the submission is cut off midway, the 503 gives
  // it back, and the same request with it completes this job instead of starting another.
  const resumeKey = idempotencyKey ?? newJobId().slice('job_'.length);
  const jobId = await idempotentJobId(tenant, resumeKey);

  const input = await readBulkInput(c.req.raw, cfg.MAX_BODY_BYTES);
  const addresses = jobAddresses(input.entries, cfg.MAX_BULK_EMAILS);
  if (addresses.emails.length === 0) throw new ApiError(400, 'no_addresses', 'the request holds no addresses');
  // Only a request that can be retried as the same job needs its body remembered.
  const inputColumns = input.columns ? storableRow(input.columns, 'the header row') : undefined;
  const fingerprint = idempotencyKey === undefined ? '' : await jobFingerprint(addresses.emails, input.webhook, [addresses.rows ?? null, inputColumns ?? null]);

  if (idempotencyKey !== undefined) {
    const earlier = await readJobRecord(c.env.RESULTS, tenant, jobId);
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) {
        throw new ApiError(422, 'idempotency_key_reused', 'this Idempotency-Key was used for a different job; use a new key for a new list');
      }
      return acceptedResponse(c, earlier.accepted, true);
    }
  }

  const createdAt = new Date().toISOString();
  const hub = hubClient(c.env, jobId);
  let stored = 0;
  try {
    await publishJob(
      {
        publishJetStream: async (...args) => {
          const ack = await hub.publishJetStream(...args);
          stored++;
          return ack;
        },
      },
      { jobId, tenantId: tenant, emails: addresses.emails, rows: addresses.rows, inputColumns, webhook: input.webhook, maxWaitSeconds: input.maxWaitSeconds, createdAt },
    );
  } catch (err) {
    // Part of the job is in JOBS already: machines are checking it. Name it and how to finish it.
    if (err instanceof ApiError && err.status >= 500 && stored > 0) {
      throw new ApiError(
        503,
        'intake_incomplete',
        `only part of job ${jobId} was submitted (${err.message}); send the same request again with Idempotency-Key: ${resumeKey} to complete it (within 2 hours), rather than a new job`,
        { ...err.headers, 'idempotency-key': resumeKey },
        { job_id: jobId, idempotency_key: resumeKey },
      );
    }
    throw err;
  }
  const accepted: BulkAccepted = {
    job_id: jobId,
    status: 'queued',
    total: addresses.emails.length,
    received: addresses.received,
    duplicates_removed: addresses.duplicatesRemoved,
    invalid_syntax: addresses.invalidSyntax,
    webhook: input.webhook !== undefined,
    max_wait_seconds: input.maxWaitSeconds ?? null,
    created_at: createdAt,
    links: links(jobId),
  };
  // Awaited: a progress request right after this answer must find the job.
  await writeJobRecord(c.env.RESULTS, tenant, { accepted, fingerprint });
  return acceptedResponse(c, accepted, false);
});

bulk.get('/', async (c) => {
  const query = BulkListQuery.safeParse(c.req.query());
  if (!query.success) throw new ApiError(400, 'invalid_request', issuesText(query.error));
  const request = JobListRequest.parse({ tenantId: c.get('tenant'), ...query.data });
  const list = await askMachines(c.env, SERVICE.endpoints.jobList, request, (v) => JobList.parse(v));
  // listJobs never answers not_found; were it to, that tenant simply has no jobs.
  const page = list ?? { items: [], next_cursor: null };
  return c.json({ items: page.items.map((j) => ({ ...j, links: links(j.job_id) })), next_cursor: page.next_cursor } satisfies BulkJobList);
});

/** A job accepted here that no machine has stored yet: nothing tried, nothing retried. */
async function queuedStatus(c: Context<AppEnv>, jobId: string): Promise<BulkJobStatus> {
  const { accepted } = await queuedRecord(c, jobId);
  return {
    job_id: jobId,
    state: 'queued',
    total: accepted.total,
    done: 0,
    counts: { safe: 0, risky: 0, invalid: 0, unknown: 0 },
    created_at: accepted.created_at,
    finished_at: null,
    average_score: null,
    waiting: { ...NOTHING_WAITING, pending_first_try: accepted.total },
    links: links(jobId),
  };
}

bulk.get('/:id', async (c) => {
  const jobId = jobIdParam(c);
  const status = await askMachines(c.env, SERVICE.endpoints.jobStatus, JobStatusRequest.parse({ tenantId: c.get('tenant'), jobId }), (v) => JobStatus.parse(v));
  if (status) return c.json({ ...status, links: links(jobId) } satisfies BulkJobStatus);
  return c.json(await queuedStatus(c, jobId));
});

bulk.post('/:id/finish', async (c) => {
  const jobId = jobIdParam(c);
  const status = await askMachines(c.env, SERVICE.endpoints.jobFinish, JobFinishRequest.parse({ tenantId: c.get('tenant'), jobId }), (v) => JobStatus.parse(v));
  if (status) return c.json({ ...status, links: links(jobId) } satisfies BulkJobStatus);
  // Accepted here but not stored by a machine yet: nothing can be finished until it is.
  await queuedRecord(c, jobId);
  throw new ApiError(409, 'job_queued', 'the job is not picked up by a machine yet; try again in a few seconds');
});

bulk.get('/:id/results', async (c) => {
  const jobId = jobIdParam(c);
  const query = BulkResultsQuery.safeParse(c.req.query());
  if (!query.success) throw new ApiError(400, 'invalid_request', issuesText(query.error));
  const { cursor, limit, verdict, format } = query.data;
  const csv = format === 'csv' || (format === undefined && /\btext\/csv\b/i.test(c.req.header('accept') ?? ''));
  const tenantId = c.get('tenant');

  const servicePage = (from: string | undefined, size: number): Promise<JobResultsPage | null> =>
    askMachines(c.env, SERVICE.endpoints.jobResults, JobResultsRequest.parse({ tenantId, jobId, cursor: from, limit: size, verdict }), (v) => JobResultsPage.parse(v));
  const gone = () => new ApiError(404, 'not_found', `job ${jobId} disappeared while its results were being read`);

  // The first page is fetched before answering, so a missing job or an outage is still a JSON error.
  let first = await servicePage(cursor, csv ? SERVICE_PAGE_SIZE : Math.min(limit, SERVICE_PAGE_SIZE));
  if (!first) {
    await queuedRecord(c, jobId);
    first = { job_id: jobId, items: [], next_cursor: null };
  }

  if (!csv) {
    const items = [...first.items];
    let last = first;
    while (items.length < limit && last.next_cursor) {
      const next = await servicePage(last.next_cursor, Math.min(limit - items.length, SERVICE_PAGE_SIZE));
      if (!next) throw gone();
      items.push(...next.items);
      last = next;
    }
    return c.json({ job_id: jobId, ...(first.input_columns ? { input_columns: first.input_columns } : {}), items, next_cursor: last.next_cursor } satisfies JobResultsPage);
  }

  const stream = resultsCsvStream(first, async (next) => (await servicePage(next, SERVICE_PAGE_SIZE)) ?? Promise.reject(gone()));
  return new Response(stream, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${jobId}.csv"`,
      'cache-control': 'no-store',
    },
  });
});

export default bulk;
