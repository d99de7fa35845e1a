/**
 * @module bulk/request
 * The body of `POST /v1/bulk`: JSON `{ emails, webhook? }`, a CSV upload (text/csv), or a
 * multipart/form-data form with the CSV in a file field (`file`, else the first file) and the
 * optional webhook in `webhook_url` / `webhook_secret` fields; `max_wait_seconds` as a JSON field, a form field
 * or a query parameter. Everything is read through the
 * byte limit first; what comes out is a list of entries for `jobAddresses`.
 */
import { z } from 'zod';
import { Webhook, WEBHOOK_URL_MAX_LENGTH } from '../../../shared/messages.ts';
import { WEBHOOK_TOLERANCE_SECONDS } from '../../../shared/webhook-signature.ts';
import { ApiError } from '../errors.ts';
import { issuesText, readBodyBytes } from '../http/body.ts';
import type { AddressEntry } from './addresses.ts';
import { csvUpload } from './csv-addresses.ts';

/** http(s) URLs a machine can dial; anything else is a 400 naming the webhook, never an exception. */
const webhookUrl = z
  .string()
  .max(WEBHOOK_URL_MAX_LENGTH, `the webhook URL may be at most ${WEBHOOK_URL_MAX_LENGTH} characters`)
  .superRefine((u, ctx) => {
    if (u.length > WEBHOOK_URL_MAX_LENGTH) return;
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'the webhook is not a valid URL' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'the webhook must be an http(s) URL' });
    else if (!url.hostname) ctx.addIssue({ code: 'custom', message: 'the webhook URL names no host' });
    else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'the webhook URL may not carry a user name or password; authenticate the delivery by its signature' });
  });

/** http or https only; the machines refuse private and loopback targets (ALLOW_PRIVATE_WEBHOOKS) when they dial. */
export const BulkWebhook = z.object({
  url: webhookUrl.describe(
    `Receives \`POST { event: "job.finished", job_id, state, total, done, counts, created_at, finished_at }\` once the job is done. At most ${WEBHOOK_URL_MAX_LENGTH} characters, http(s).`,
  ),
  secret: Webhook.shape.secret.describe(
    `Key of the \`Emailcheck-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">\` header. Check it, and refuse a \`t\` more than ${WEBHOOK_TOLERANCE_SECONDS} s from your clock (a replay). \`Emailcheck-Delivery\` is the same for every delivery of the job.`,
  ),
});

/** Longest `max_wait_seconds` accepted: 30 days. */
export const MAX_WAIT_SECONDS = 30 * 86_400;

export const MaxWaitSeconds = z
  .number()
  .int()
  .min(1)
  .max(MAX_WAIT_SECONDS)
  .describe('Finish the job this many seconds after it was accepted at the latest: addresses still waiting then (for a retry, or not yet tried) are stored as final `unknown` with their reason, and the webhook fires. For CSV and multipart uploads, a `max_wait_seconds` form field or query parameter.');

const invalidRequest = (error: z.ZodError, rename: (text: string) => string = (t) => t): ApiError => new ApiError(400, 'invalid_request', rename(issuesText(error)));

export const BulkJsonRequest = z.object({
  emails: z.array(z.string()).describe('Addresses to check; duplicates (by normalized address) are checked once.'),
  webhook: BulkWebhook.optional(),
  max_wait_seconds: MaxWaitSeconds.optional(),
});
export type BulkJsonRequest = z.infer<typeof BulkJsonRequest>;

export interface BulkInput {
  entries: Iterable<AddressEntry>;
  webhook?: Webhook;
  /** A CSV upload's header row; its records come as `fields` of the entries. */
  columns?: string[];
  maxWaitSeconds?: number;
}

/** `max_wait_seconds` from a form field or query parameter (text): a whole number of seconds. */
function maxWaitText(raw: string | null, where: string): number | undefined {
  if (raw === null || raw.trim() === '') return undefined;
  const parsed = MaxWaitSeconds.safeParse(/^\s*\d{1,10}\s*$/.test(raw) ? Number(raw) : NaN);
  if (!parsed.success) throw new ApiError(400, 'invalid_request', `${where} max_wait_seconds: a whole number of seconds from 1 to ${MAX_WAIT_SECONDS}`);
  return parsed.data;
}

export const BULK_MEDIA_TYPES = ['application/json', 'text/csv', 'multipart/form-data'] as const;
const CSV_TYPES = new Set(['text/csv', 'application/csv', 'text/plain']);

// CSV is not fatal: a spreadsheet export in another charset still uploads; bytes that are not UTF-8
// become U+FFFD, which syntax.ts reports as invalid for that row only. JSON must be UTF-8 (RFC 8259).
const decode = (bytes: Uint8Array | ArrayBuffer): string => new TextDecoder('utf-8').decode(bytes);

function decodeJson(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError(400, 'invalid_encoding', 'the request body is not valid UTF-8');
  }
}

// Iterables rather than generators, so the entries can be read more than once.
function csvInput(text: string): BulkInput {
  const upload = csvUpload(text);
  const entries: Iterable<AddressEntry> = {
    *[Symbol.iterator]() {
      for (const { value, line, fields } of upload.rows) yield { value, where: `line ${line}`, fields };
    },
  };
  return upload.columns ? { entries, columns: upload.columns } : { entries };
}

const jsonEntries = (emails: string[]): Iterable<AddressEntry> => ({
  *[Symbol.iterator]() {
    for (let i = 0; i < emails.length; i++) yield { value: emails[i]!, where: `emails[${i}]` };
  },
});

function parseJson(bytes: Uint8Array): BulkInput {
  const text = decodeJson(bytes);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', bytes.byteLength === 0 ? 'the body is empty; send { "emails": [...] }' : 'the body is not valid JSON');
  }
  const parsed = BulkJsonRequest.safeParse(body);
  if (!parsed.success) throw invalidRequest(parsed.error);
  return { entries: jsonEntries(parsed.data.emails), webhook: parsed.data.webhook, maxWaitSeconds: parsed.data.max_wait_seconds };
}

async function parseMultipart(bytes: Uint8Array, contentType: string): Promise<BulkInput> {
  let form: FormData;
  try {
    form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new ApiError(400, 'invalid_multipart', 'the multipart/form-data body could not be read');
  }
  const named = form.get('file');
  const file = named !== null && typeof named !== 'string' ? named : [...form.values()].find((v): v is File => typeof v !== 'string');
  if (!file) throw new ApiError(400, 'missing_file', 'attach the CSV as a file field named "file"');
  const url = form.get('webhook_url');
  const secret = form.get('webhook_secret');
  let webhook: Webhook | undefined;
  if (url !== null || secret !== null) {
    const parsed = BulkWebhook.safeParse({ url, secret });
    if (!parsed.success) throw invalidRequest(parsed.error, (t) => t.replaceAll('url:', 'webhook_url:').replaceAll('secret:', 'webhook_secret:'));
    webhook = parsed.data;
  }
  const maxWaitSeconds = maxWaitText(typeof form.get('max_wait_seconds') === 'string' ? (form.get('max_wait_seconds') as string) : null, 'form field');
  return { ...csvInput(decode(await file.arrayBuffer())), webhook, ...(maxWaitSeconds ? { maxWaitSeconds } : {}) };
}

/** Reads and parses the body by its Content-Type: 415 for other types, 413 past `maxBytes`, 400 when malformed. */
export async function readBulkInput(request: Request, maxBytes: number): Promise<BulkInput> {
  const contentType = request.headers.get('content-type') ?? '';
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  const kind = media === 'application/json' || media.endsWith('+json') ? 'json' : CSV_TYPES.has(media) ? 'csv' : media === 'multipart/form-data' ? 'multipart' : null;
  if (!kind) {
    throw new ApiError(415, 'unsupported_media_type', `send application/json ({ "emails": [...] }), text/csv or multipart/form-data, not ${media || 'a body without Content-Type'}`);
  }
  const fromQuery = maxWaitText(new URL(request.url).searchParams.get('max_wait_seconds'), 'query parameter');
  const bytes = await readBodyBytes(request, maxBytes, '; split the list into several jobs');
  const input = kind === 'json' ? parseJson(bytes) : kind === 'csv' ? csvInput(decode(bytes)) : await parseMultipart(bytes, contentType);
  // A value in the body (JSON field, form field) wins over the query parameter.
  const maxWaitSeconds = input.maxWaitSeconds ?? fromQuery;
  return maxWaitSeconds ? { ...input, maxWaitSeconds } : input;
}
