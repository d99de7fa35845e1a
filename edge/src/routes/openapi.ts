/**
 * @module routes/openapi
 * `GET /openapi.json` (OpenAPI 3.1) built from the zod schemas the routes validate with, and
 * `GET /docs`, a self-contained page that renders it (no CDN).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiKeyRecord } from '../../../shared/api-keys.ts';
import { JobResultsPage } from '../../../shared/messages.ts';
import { BulkJsonRequest, MaxWaitSeconds } from '../bulk/request.ts';
import { BulkAccepted, BulkJobList, BulkJobStatus, BulkListQuery, BulkResultsQuery } from '../bulk/schemas.ts';
import type { AppEnv } from '../env.ts';
import { ErrorBody } from '../errors.ts';
import { CheckPending, CheckQuery, CheckRequest, CheckResponse, Ping, StatusResponse, Whoami } from '../schemas.ts';

type JsonSchema = Record<string, unknown>;

function schema(s: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (s: JsonSchema) => ({ 'application/json': { schema: s } });
const error = (description: string) => ({ description, content: json(ref('Error')) });

/** The errors every tenant route can answer. */
const tenantErrors = {
  '401': error('Missing, unknown or disabled API key (`missing_api_key`, `invalid_api_key`, `api_key_disabled`).'),
  '429': error('Per-minute limit (`rate_limited`) or daily quota (`daily_quota_exceeded`) reached; see Retry-After.'),
  '503': error('NATS or the machines are unreachable (`nats_unavailable`, `machines_unavailable`).'),
};

function queryParams(s: z.ZodObject): unknown[] {
  const js = schema(s, 'input') as { properties: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(js.properties).map(([name, p]) => ({ name, in: 'query', required: js.required?.includes(name) ?? false, schema: p, description: p.description }));
}

const fresh = { name: 'fresh', in: 'query', required: false, schema: { type: 'string', enum: ['1'] }, description: '`1`: bypass the cache read.' };
const idParam = (what: string) => ({ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: what });

let built: JsonSchema | null = null;

export function openApiDocument(): JsonSchema {
  built ??= {
    openapi: '3.1.0',
    info: { title: 'emailcheck', version: '0.1.0', description: 'Email verification without sending mail. Authenticate with `Authorization: Bearer <API key>`. Every error is `{ error: { code, message } }`.' },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'A tenant API key (`ek_...`).' },
        machineToken: { type: 'http', scheme: 'bearer', description: 'MACHINE_TOKEN, for machines only.' },
      },
      schemas: {
        Error: schema(ErrorBody),
        CheckRequest: schema(CheckRequest, 'input'),
        CheckResponse: schema(CheckResponse),
        CheckPending: schema(CheckPending),
        BulkRequest: schema(BulkJsonRequest, 'input'),
        BulkAccepted: schema(BulkAccepted),
        JobStatus: schema(BulkJobStatus),
        JobList: schema(BulkJobList),
        JobResultsPage: schema(JobResultsPage),
        Status: schema(StatusResponse),
        Whoami: schema(Whoami),
        ApiKeyRecord: schema(ApiKeyRecord),
      },
    },
    security: [{ apiKey: [] }],
    paths: {
      '/v1/check': {
        post: {
          summary: 'Check one address',
          parameters: [fresh],
          requestBody: { required: true, content: json(ref('CheckRequest')) },
          responses: {
            '200': { description: 'The result, with `cached` and `age_seconds`.', content: json(ref('CheckResponse')) },
            '202': { description: 'Not finished within the wait; poll `location`.', content: json(ref('CheckPending')) },
            '400': error('Malformed JSON or body (`invalid_json`, `invalid_request`).'),
            '413': error('Body too large (`body_too_large`).'),
            '415': error('Not application/json (`unsupported_media_type`).'),
            ...tenantErrors,
          },
        },
        get: {
          summary: 'Check one address (query string)',
          parameters: queryParams(CheckQuery),
          responses: {
            '200': { description: 'The result.', content: json(ref('CheckResponse')) },
            '202': { description: 'Not finished within the wait; poll `location`.', content: json(ref('CheckPending')) },
            '400': error('`email` missing (`invalid_request`).'),
            ...tenantErrors,
          },
        },
      },
      '/v1/check/{id}': {
        get: {
          summary: 'A single check by id',
          parameters: [idParam('The id from a 202 (or 200) answer.')],
          responses: {
            '200': { description: 'The stored result.', content: json(ref('CheckResponse')) },
            '404': error('No such check for this tenant (`not_found`).'),
            ...tenantErrors,
          },
        },
      },
      '/v1/bulk': {
        get: {
          summary: 'The tenant\'s bulk jobs, newest first, in cursor pages',
          parameters: queryParams(BulkListQuery),
          responses: {
            '200': { description: 'A page of jobs (each as `GET /v1/bulk/{id}` shows it).', content: json(ref('JobList')) },
            '400': error('A bad `state`, `limit` or `cursor` (`invalid_request`).'),
            ...tenantErrors,
          },
        },
        post: {
          summary: 'Submit a bulk job (JSON, or a CSV upload: the column named email/address, else the one holding addresses)',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', maxLength: 255 },
              description: 'Retrying with the same key (for 7 days) answers the same job instead of submitting it again (`Idempotent-Replayed: true`).',
            },
            { name: 'max_wait_seconds', in: 'query', required: false, schema: schema(MaxWaitSeconds, 'input'), description: MaxWaitSeconds.description },
          ],
          requestBody: {
            required: true,
            content: {
              ...json(ref('BulkRequest')),
              'text/csv': {
                schema: {
                  type: 'string',
                  description:
                    'The address column is the one whose header is `email`, `e-mail`, `email address`, `address` or `mail`; without a header row, the first column holding an `@`. Every column of each row is kept and repeated first in the CSV download.',
                },
              },
              'multipart/form-data': {
                schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' }, webhook_url: { type: 'string' }, webhook_secret: { type: 'string' }, max_wait_seconds: { type: 'integer', minimum: 1 } }, required: ['file'] },
              },
            },
          },
          responses: {
            '202': { description: 'Accepted: the job id and counts; `Location` is the progress URL.', content: json(ref('BulkAccepted')) },
            '400': error('Malformed body (`invalid_json`, `invalid_request` (also a bad `max_wait_seconds`), `invalid_csv`, `invalid_multipart`, `missing_file`), an address with control characters or over 1024 characters (`invalid_address`), no addresses (`no_addresses`), a CSV header naming no address column (`no_address_column`), a CSV row over 16 KiB (`row_too_long`), bad `Idempotency-Key`.'),
            '413': error('Body over MAX_BODY_BYTES (`body_too_large`) or more than MAX_BULK_EMAILS addresses (`too_many_addresses`).'),
            '415': error('Not application/json, text/csv or multipart/form-data (`unsupported_media_type`).'),
            '422': error('The Idempotency-Key was used for a different list (`idempotency_key_reused`).'),
            ...tenantErrors,
            '503': error(
              'NATS or the machines are unreachable (`nats_unavailable`, `machines_unavailable`): nothing was submitted. Or NATS failed midway (`intake_incomplete`): part of the job is stored and being checked; `error.job_id` names it and `error.idempotency_key` (also the `Idempotency-Key` response header) is the key to send the same request again with, within 2 hours, to complete that job instead of starting another. A job never resumed stays `running` with the part that arrived.',
            ),
          },
        },
      },
      '/v1/bulk/{id}': {
        get: {
          summary: 'Progress of a bulk job',
          parameters: [idParam('Job id.')],
          responses: { '200': { description: 'Job status, with `waiting`: what is still open, why, and until when.', content: json(ref('JobStatus')) }, '404': error('No such job for this tenant.'), ...tenantErrors },
        },
      },
      '/v1/bulk/{id}/finish': {
        post: {
          summary: 'Finish a bulk job now: every address still waiting is stored as final `unknown` with its reason, the webhook fires once',
          parameters: [idParam('Job id.')],
          responses: {
            '200': { description: 'The job status: `finished` (finishing a finished job changes nothing), or still `running` for a job so large that storing its open items takes longer than a few seconds (it finishes shortly; poll it).', content: json(ref('JobStatus')) },
            '404': error('No such job for this tenant.'),
            '409': error('Accepted but not picked up by a machine yet (`job_queued`); try again in a few seconds.'),
            ...tenantErrors,
          },
        },
      },
      '/v1/bulk/{id}/results': {
        get: {
          summary: 'Results of a bulk job: JSON pages with a cursor, or CSV (`Accept: text/csv` or `?format=csv`), optionally only some verdicts (`?verdict=safe,risky`). A CSV upload\'s download repeats its own columns first, then the result columns.',
          parameters: [
            idParam('Job id.'),
            ...queryParams(BulkResultsQuery),
          ],
          responses: {
            '200': { description: 'A page of results, or the whole CSV.', content: { ...json(ref('JobResultsPage')), 'text/csv': { schema: { type: 'string' } } } },
            '404': error('No such job for this tenant.'),
            ...tenantErrors,
          },
        },
      },
      '/v1/status': {
        get: { summary: 'Live machines, egress IPs and checks in flight', responses: { '200': { description: 'From the heartbeats.', content: json(ref('Status')) }, ...tenantErrors } },
      },
      '/v1/whoami': {
        get: {
          summary: 'The caller\'s IP as the edge sees it (machines learn their egress IP)',
          security: [{ machineToken: [] }],
          responses: { '200': { description: 'The address.', content: json(ref('Whoami')) }, '401': error('Missing or wrong machine token.') },
        },
      },
      '/v1/ping': {
        get: { summary: 'Liveness; no authentication', security: [], responses: { '200': { description: 'Alive.', content: json(schema(Ping)) } } },
      },
    },
  };
  return built;
}

// The page, its style and its script are separate responses, so the page's CSP needs no 'unsafe-inline'.
const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>emailcheck API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/docs.css">
<script src="/docs/docs.js" defer></script></head>
<body><h1>emailcheck API</h1>
<p>The machine-readable description is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Authenticate with <code>Authorization: Bearer &lt;API key&gt;</code>.</p>
<p>The web dashboard, on this origin and built from this same API, is at <a href="/app">/app</a>: sign in with an API key, check an address, upload a list, watch a job and download results by verdict.</p>
<pre>curl -s -H "Authorization: Bearer $KEY" -H 'content-type: application/json' \\
  -d '{"email":"someone@example.com"}' $URL/v1/check</pre>
<div id="ops">Loading /openapi.json …</div>
</body></html>`;

const DOCS_CSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{margin-top:2rem;border-bottom:1px solid #ddd}code,pre{background:#f5f5f5;padding:.1rem .3rem;border-radius:3px}
pre{padding:.6rem;overflow:auto}.m{font-weight:bold;text-transform:uppercase;margin-right:.5rem}
`;

const DOCS_JS = `fetch('/openapi.json').then(r => r.json()).then(doc => {
  const esc = s => String(s ?? '').replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
  let html = '';
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) {
    html += '<h2><span class="m">' + esc(method) + '</span><code>' + esc(path) + '</code></h2><p>' + esc(op.summary) + '</p><ul>';
    for (const [code, r] of Object.entries(op.responses || {})) html += '<li><code>' + esc(code) + '</code> ' + esc(r.description) + '</li>';
    html += '</ul>';
  }
  document.getElementById('ops').innerHTML = html;
});
`;

export const openApiRoutes = new Hono<AppEnv>()
  .get('/openapi.json', (c) => c.json(openApiDocument()))
  .get('/docs', (c) => c.html(DOCS_PAGE))
  .get('/docs/docs.css', (c) => c.body(DOCS_CSS, 200, { 'content-type': 'text/css; charset=utf-8' }))
  .get('/docs/docs.js', (c) => c.body(DOCS_JS, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
