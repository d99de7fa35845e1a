/**
 * Bulk jobs through the Worker in workerd, the real NATS (WebSocket), a real machine process,
 * Postgres, and local DNS/SMTP servers (edge/test/setup/global-setup.ts). The SMTP server answers
 * by local part: ok-* 250, anything else 550 5.1.1, anything at catchall.test 250.
 */
import { env } from 'cloudflare:test';
import { afterAll, describe, expect, it } from 'vitest';
import { jobRecordKey, writeJobRecord } from '../src/bulk/job-record.ts';
import { newJobId } from '../src/bulk/job-id.ts';
import { csvRecords } from '../src/bulk/csv-addresses.ts';
import { call, control, createKey, newTenant, postJson, rcptCount, type ErrorJson } from './helpers.ts';

interface Accepted {
  job_id: string;
  status: string;
  total: number;
  received: number;
  duplicates_removed: number;
  invalid_syntax: number;
  webhook: boolean;
  created_at: string;
  links: { self: string; finish: string; results: string; results_csv: string };
}
interface Status {
  job_id: string;
  state: 'queued' | 'running' | 'finished';
  total: number;
  done: number;
  counts: Record<'safe' | 'risky' | 'invalid' | 'unknown', number>;
}
interface Page {
  job_id: string;
  items: { index: number; email: string; result: { input: string; is_reachable: string; reason: string } }[];
  next_cursor: string | null;
}

let runs = 0;
const tag = () => `${Date.now().toString(36)}${(runs++).toString(36)}`;

/** 500 entries: 450 deliverable, 30 unknown mailboxes, 10 at a catch-all domain, 5 malformed, 5 repeats (one with another domain case). */
function mixedList(t: string): { list: string[]; expected: Map<string, string> } {
  const expected = new Map<string, string>();
  const list: string[] = [];
  for (let i = 0; i < 450; i++) list.push(`ok-${t}-${i}@ok.test`);
  for (let i = 0; i < 30; i++) list.push(`gone-${t}-${i}@ok.test`);
  for (let i = 0; i < 10; i++) list.push(`anyone-${t}-${i}@catchall.test`);
  for (let i = 0; i < 5; i++) list.push(`broken-${t}-${i}@@ok.test`);
  for (const e of list) expected.set(e, e.startsWith('ok-') ? 'safe' : e.includes('@catchall.test') ? 'risky' : 'invalid');
  list.push(`ok-${t}-1@OK.test`, `ok-${t}-2@ok.test`, `gone-${t}-3@ok.test`, `ok-${t}-4@ok.TEST`, `anyone-${t}-5@catchall.test`);
  return { list, expected };
}

async function waitFinished(key: string, jobId: string, timeoutMs = 90_000): Promise<Status> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await call(`/v1/bulk/${jobId}`, { key });
    expect(res.status).toBe(200);
    const status = (await res.json()) as Status;
    if (status.state === 'finished') return status;
    if (Date.now() > until) throw new Error(`job ${jobId} not finished: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** RFC 4180 records (an upload's own columns can hold quoted line breaks), blank ones skipped. */
const parseCsv = (text: string): string[][] => [...csvRecords(text)].map((r) => r.fields).filter((f) => f.join('') !== '');

async function csvResults(key: string, jobId: string, how: 'accept' | 'query'): Promise<{ res: Response; rows: string[][] }> {
  const res = how === 'accept' ? await call(`/v1/bulk/${jobId}/results`, { key, headers: { accept: 'text/csv' } }) : await call(`/v1/bulk/${jobId}/results?format=csv`, { key });
  return { res, rows: parseCsv(await res.text()) };
}

/** `columns`: the upload's own columns that come first (the address is the first of them). */
function expectVerdicts(rows: string[][], expected: Map<string, string>, columns: string[] = ['email']) {
  const [header, ...body] = rows;
  expect(header!.slice(0, columns.length + 2)).toEqual([...columns, 'is_reachable', 'reason']);
  expect(body).toHaveLength(expected.size);
  const got = new Map(body.map((r) => [r[0]!, r[columns.length]!]));
  expect(got).toEqual(expected);
}

describe('a bulk job end to end', () => {
  it('a 500-address JSON job runs through the machines and comes back as CSV, duplicates checked once', async () => {
    const key = await createKey(newTenant('bulk'));
    const t = tag();
    const { list, expected } = mixedList(t);
    const res = await postJson('/v1/bulk', { emails: list }, { key });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as Accepted;
    expect(res.headers.get('location')).toBe(`/v1/bulk/${accepted.job_id}`);
    expect(accepted).toMatchObject({ status: 'queued', total: 495, received: 500, duplicates_removed: 5, invalid_syntax: 5, webhook: false });
    expect(accepted.links.results_csv).toBe(`/v1/bulk/${accepted.job_id}/results?format=csv`);

    const status = await waitFinished(key, accepted.job_id);
    expect(status).toMatchObject({ total: 495, done: 495, counts: { safe: 450, risky: 10, invalid: 35, unknown: 0 } });

    const { res: csv, rows } = await csvResults(key, accepted.job_id, 'accept');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="${accepted.job_id}.csv"`);
    expectVerdicts(rows, expected);
    // The repeated addresses were checked once: one RCPT each.
    expect(await rcptCount(`ok-${t}-1@ok.test`)).toBe(1);
    expect(await rcptCount(`gone-${t}-3@ok.test`)).toBe(1);
  });

  it('a 500-address CSV upload with a header, quotes and CRLF gives the same results as JSON', async () => {
    const key = await createKey(newTenant('bulk'));
    const { list, expected } = mixedList(tag());
    const csv = `\uFEFFEmail,Name,Note\r\n${list.map((e, i) => (i % 2 ? `"${e}","Doe, J${i}","says ""hi"""` : `${e},Person ${i},"two\r\nlines"`)).join('\r\n')}\r\n`;
    const res = await call('/v1/bulk', { key, method: 'POST', body: csv, headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as Accepted;
    expect(accepted).toMatchObject({ total: 495, received: 500, duplicates_removed: 5 });
    await waitFinished(key, accepted.job_id);
    const { rows } = await csvResults(key, accepted.job_id, 'query');
    // The upload's columns come back first (BOM dropped), quoted line breaks intact.
    expectVerdicts(rows, expected, ['Email', 'Name', 'Note']);
    expect(rows[1]!.slice(1, 3)).toEqual(['Person 0', 'two\r\nlines']);
    expect(rows[2]!.slice(1, 3)).toEqual(['Doe, J1', 'says "hi"']);
  });

  it('a CSV file in a multipart form is accepted, and the results page through with a cursor', async () => {
    const key = await createKey(newTenant('bulk'));
    const t = tag();
    const list = Array.from({ length: 120 }, (_, i) => (i % 4 === 3 ? `gone-${t}-${i}@ok.test` : `ok-${t}-${i}@ok.test`));
    const form = new FormData();
    form.append('file', new File([`email\n${list.join('\n')}\n`], 'list.csv', { type: 'text/csv' }));
    const res = await call('/v1/bulk', { key, method: 'POST', body: form });
    expect(res.status).toBe(202);
    const { job_id } = (await res.json()) as Accepted;
    await waitFinished(key, job_id);

    const seen: Page['items'] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await call(`/v1/bulk/${job_id}/results?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { key });
      expect(r.status).toBe(200);
      const page = (await r.json()) as Page;
      expect(page.items.length).toBeLessThanOrEqual(50);
      seen.push(...page.items);
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((s) => s.index)).toEqual(list.map((_, i) => i));
    expect(seen.map((s) => s.email)).toEqual(list);

    const invalid = (await (await call(`/v1/bulk/${job_id}/results?verdict=invalid&limit=1000`, { key })).json()) as Page;
    expect(invalid.items.map((s) => s.email)).toEqual(list.filter((e) => e.startsWith('gone-')));
    expect(new Set(invalid.items.map((s) => s.result.reason))).toEqual(new Set(['mailbox_not_found']));
  });

  it('a JSON page of 1000 results, more than one NATS message can hold, is answered whole', async () => {
    const key = await createKey(newTenant('bulk'));
    const t = tag();
    const list = Array.from({ length: 1100 }, (_, i) => `ok-${t}-${i}@ok.test`);
    const { job_id } = (await (await postJson('/v1/bulk', { emails: list }, { key })).json()) as Accepted;
    await waitFinished(key, job_id);
    const first = await call(`/v1/bulk/${job_id}/results?limit=1000`, { key });
    expect(first.status).toBe(200);
    const page = (await first.json()) as Page;
    expect(page.items.map((i) => i.index)).toEqual(list.slice(0, 1000).map((_, i) => i));
    expect(page.next_cursor).not.toBeNull();
    const rest = (await (await call(`/v1/bulk/${job_id}/results?limit=1000&cursor=${encodeURIComponent(page.next_cursor!)}`, { key })).json()) as Page;
    expect(rest.items.map((i) => i.email)).toEqual(list.slice(1000));
    expect(rest.next_cursor).toBeNull();
  });

  it('the CSV download neutralises cells a spreadsheet would run as formulas', async () => {
    const key = await createKey(newTenant('bulk'));
    const t = tag();
    const evil = [`=HYPERLINK-${t}@ok.test`, `+cmd-${t}@ok.test`, `-sum-${t}@ok.test`];
    const res = await postJson('/v1/bulk', { emails: evil }, { key });
    const { job_id } = (await res.json()) as Accepted;
    await waitFinished(key, job_id);
    const text = await (await call(`/v1/bulk/${job_id}/results?format=csv`, { key })).text();
    const firstCells = text.split('\r\n').slice(1, -1).map((l) => l.split(',')[0]);
    expect(firstCells.sort()).toEqual(evil.map((e) => `'${e}`).sort());
  });

  it('progress right after submitting is queued or running, never 404', async () => {
    const key = await createKey(newTenant('bulk'));
    const t = tag();
    const res = await postJson('/v1/bulk', { emails: Array.from({ length: 300 }, (_, i) => `ok-${t}-${i}@ok.test`) }, { key });
    const { job_id } = (await res.json()) as Accepted;
    const status = await call(`/v1/bulk/${job_id}`, { key });
    expect(status.status).toBe(200);
    const body = (await status.json()) as Status;
    expect(['queued', 'running', 'finished']).toContain(body.state);
    expect(body.total).toBe(300);
    await waitFinished(key, job_id);
  });
});

describe('a job the machines have not stored yet', () => {
  // The edge records every job it accepted; until a machine takes the first chunk from JOBS, the
  // machines answer not_found, and the edge's record says the job is queued.
  it('reads as queued with no results, for its own tenant only', async () => {
    const tenant = newTenant('queued');
    const key = await createKey(tenant);
    const stranger = await createKey(newTenant('stranger'));
    const jobId = newJobId();
    const created_at = new Date().toISOString();
    const links = { self: `/v1/bulk/${jobId}`, finish: `/v1/bulk/${jobId}/finish`, results: `/v1/bulk/${jobId}/results`, results_csv: `/v1/bulk/${jobId}/results?format=csv` };
    await writeJobRecord(env.RESULTS, tenant, {
      accepted: { job_id: jobId, status: 'queued', total: 42, received: 42, duplicates_removed: 0, invalid_syntax: 0, webhook: false, max_wait_seconds: null, created_at, links },
      fingerprint: 'f',
    });
    const status = await call(`/v1/bulk/${jobId}`, { key });
    expect(status.status).toBe(200);
    const waiting = { pending_first_try: 42, retrying: 0, by_reason: { greylisted: 0, unreachable: 0, timeout: 0, throttled: 0, other: 0 }, next_retry_at: null, latest_finish_at: null };
    expect(await status.json()).toEqual({ job_id: jobId, state: 'queued', total: 42, done: 0, counts: { safe: 0, risky: 0, invalid: 0, unknown: 0 }, created_at, finished_at: null, average_score: null, waiting, links });
    expect(await (await call(`/v1/bulk/${jobId}/results`, { key })).json()).toEqual({ job_id: jobId, items: [], next_cursor: null });
    const csv = await call(`/v1/bulk/${jobId}/results?format=csv`, { key });
    expect((await csv.text()).split('\r\n').filter(Boolean)).toHaveLength(1);
    expect((await call(`/v1/bulk/${jobId}`, { key: stranger })).status).toBe(404);
  });
});

describe('retrying a bulk request', () => {
  it('with the same Idempotency-Key answers the same job and does not check anything twice', async () => {
    const key = await createKey(newTenant('bulk'));
    const t = tag();
    const emails = Array.from({ length: 260 }, (_, i) => `ok-${t}-${i}@ok.test`);
    const headers = { 'idempotency-key': `upload-${t}` };
    const first = await postJson('/v1/bulk', { emails }, { key, headers });
    const again = await postJson('/v1/bulk', { emails }, { key, headers });
    expect([first.status, again.status]).toEqual([202, 202]);
    const a = (await first.json()) as Accepted;
    const b = (await again.json()) as Accepted;
    expect(b).toEqual(a);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const status = await waitFinished(key, a.job_id);
    expect(status).toMatchObject({ total: 260, done: 260 });
    expect(await rcptCount(`ok-${t}-0@ok.test`)).toBe(1);
    expect(await rcptCount(`ok-${t}-259@ok.test`)).toBe(1);
  });

  it('after an answer was lost before the edge recorded the job, is deduplicated by JetStream', async () => {
    const tenant = newTenant('bulk');
    const key = await createKey(tenant);
    const t = tag();
    const emails = Array.from({ length: 600 }, (_, i) => `ok-${t}-${i}@ok.test`);
    const headers = { 'idempotency-key': `lost-${t}` };
    const a = (await (await postJson('/v1/bulk', { emails }, { key, headers })).json()) as Accepted;
    // As if the first attempt had published every chunk and then died before its KV write.
    await env.RESULTS.delete(jobRecordKey(tenant, a.job_id));
    const retry = await postJson('/v1/bulk', { emails }, { key, headers });
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(((await retry.json()) as Accepted).job_id).toBe(a.job_id);
    expect(await waitFinished(key, a.job_id)).toMatchObject({ total: 600, done: 600 });
    for (const i of [0, 299, 599]) expect(await rcptCount(`ok-${t}-${i}@ok.test`)).toBe(1);
  });

  it('with the same Idempotency-Key but another list is refused with 422', async () => {
    const key = await createKey(newTenant('bulk'));
    const t = tag();
    const headers = { 'idempotency-key': `upload-${t}` };
    expect((await postJson('/v1/bulk', { emails: [`ok-${t}-a@ok.test`] }, { key, headers })).status).toBe(202);
    const other = await postJson('/v1/bulk', { emails: [`ok-${t}-b@ok.test`] }, { key, headers });
    expect(other.status).toBe(422);
    expect(((await other.json()) as ErrorJson).error.code).toBe('idempotency_key_reused');
  });

  it('without an Idempotency-Key is a new job', async () => {
    const key = await createKey(newTenant('bulk'));
    const emails = [`ok-${tag()}@ok.test`];
    const a = (await (await postJson('/v1/bulk', { emails }, { key })).json()) as Accepted;
    const b = (await (await postJson('/v1/bulk', { emails }, { key })).json()) as Accepted;
    expect(a.job_id).not.toBe(b.job_id);
  });
});

describe('tenants', () => {
  it('cannot see each other\'s jobs or results: 404, as for a job that does not exist', async () => {
    const owner = await createKey(newTenant('owner'));
    const stranger = await createKey(newTenant('stranger'));
    const res = await postJson('/v1/bulk', { emails: [`ok-${tag()}@ok.test`] }, { key: owner });
    const { job_id } = (await res.json()) as Accepted;
    await waitFinished(owner, job_id);
    for (const path of [`/v1/bulk/${job_id}`, `/v1/bulk/${job_id}/results`, `/v1/bulk/${job_id}/results?format=csv`]) {
      const r = await call(path, { key: stranger });
      expect(r.status, path).toBe(404);
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await r.json()) as ErrorJson).error.code).toBe('not_found');
    }
    // The same Idempotency-Key in another tenant is another job.
    const headers = { 'idempotency-key': 'shared-key' };
    const mine = (await (await postJson('/v1/bulk', { emails: [`ok-${tag()}@ok.test`] }, { key: owner, headers })).json()) as Accepted;
    const theirs = (await (await postJson('/v1/bulk', { emails: [`ok-${tag()}@ok.test`] }, { key: stranger, headers })).json()) as Accepted;
    expect(mine.job_id).not.toBe(theirs.job_id);
  });

  it('a job id that was never issued is 404', async () => {
    const key = await createKey(newTenant('bulk'));
    for (const id of ['job_AAAAAAAAAAAAAAAAAAAAAA', 'nonsense', '..%2F..%2Fv1%2Fstatus']) {
      const r = await call(`/v1/bulk/${id}`, { key });
      expect(r.status, id).toBe(404);
      expect(((await r.json()) as ErrorJson).error.code).toBe('not_found');
    }
  });
});

describe('bad bulk requests get a 4xx JSON error, never a 500', () => {
  const expectError = async (res: Response, status: number, code: string): Promise<string> => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
    return body.error.message;
  };

  it('malformed JSON: 400 invalid_json', async () => {
    const key = await createKey(newTenant('bad'));
    await expectError(await call('/v1/bulk', { key, method: 'POST', body: '{"emails": ["a@ok.test"', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
  });

  it('JSON of the wrong shape: 400 invalid_request naming the field', async () => {
    const key = await createKey(newTenant('bad'));
    const message = await expectError(await postJson('/v1/bulk', { emails: 'a@ok.test' }, { key }), 400, 'invalid_request');
    expect(message).toContain('emails');
  });

  it('a content type other than JSON, CSV or a form: 415', async () => {
    const key = await createKey(newTenant('bad'));
    await expectError(await call('/v1/bulk', { key, method: 'POST', body: '<emails/>', headers: { 'content-type': 'application/xml' } }), 415, 'unsupported_media_type');
  });

  it('a body over MAX_BODY_BYTES: 413, also when it is streamed without a length', async () => {
    const key = await createKey(newTenant('bad'));
    const big = 'x'.repeat(10_485_761);
    await expectError(await call('/v1/bulk', { key, method: 'POST', body: big, headers: { 'content-type': 'text/csv' } }), 413, 'body_too_large');
    const chunk = new TextEncoder().encode(`${'a@ok.test\n'.repeat(100_000)}`);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ < 12) c.enqueue(chunk);
        else c.close();
      },
    });
    await expectError(await call('/v1/bulk', { key, method: 'POST', body: stream, headers: { 'content-type': 'text/csv' } }), 413, 'body_too_large');
  });

  it('100,001 addresses: 413 too_many_addresses', async () => {
    const key = await createKey(newTenant('bad'));
    const emails = Array.from({ length: 100_001 }, (_, i) => `u${i}@ok.test`);
    const message = await expectError(await postJson('/v1/bulk', { emails }, { key }), 413, 'too_many_addresses');
    expect(message).toContain('100000');
  });

  it('CR/LF inside an address: 400 invalid_address naming the entry, in JSON and in CSV', async () => {
    const key = await createKey(newTenant('bad'));
    const m1 = await expectError(await postJson('/v1/bulk', { emails: ['ok-1@ok.test', 'x@ok.test\r\nRCPT TO:<victim@ok.test>'] }, { key }), 400, 'invalid_address');
    expect(m1).toMatch(/^emails\[1\]/);
    const csv = 'email\nok-1@ok.test\n"x@ok.test\r\nRCPT TO:<victim@ok.test>",y\n';
    const m2 = await expectError(await call('/v1/bulk', { key, method: 'POST', body: csv, headers: { 'content-type': 'text/csv' } }), 400, 'invalid_address');
    expect(m2).toMatch(/^line 3/);
  });

  it('no addresses: 400 no_addresses', async () => {
    const key = await createKey(newTenant('bad'));
    await expectError(await postJson('/v1/bulk', { emails: [] }, { key }), 400, 'no_addresses');
    await expectError(await call('/v1/bulk', { key, method: 'POST', body: 'email\r\n\r\n', headers: { 'content-type': 'text/csv' } }), 400, 'no_addresses');
  });

  it('a webhook that is not an http(s) URL: 400', async () => {
    const key = await createKey(newTenant('bad'));
    await expectError(await postJson('/v1/bulk', { emails: ['a@ok.test'], webhook: { url: 'file:///etc/passwd', secret: 's' } }, { key }), 400, 'invalid_request');
  });

  it('a webhook URL that cannot be parsed is 400 invalid_request, in JSON and as the multipart webhook_url field, never 500', async () => {
    const key = await createKey(newTenant('bad'));
    const bad = ['not a url', 'http://', 'http://[::1', 'http://[fe80::1%25lo]/', 'http://127.0.0.1:19191:19191/', 'javascript:alert(1)', 'http://user:pw@hooks.example.test/'];
    for (const url of bad) {
      const m = await expectError(await postJson('/v1/bulk', { emails: ['a@ok.test'], webhook: { url, secret: 's' } }, { key }), 400, 'invalid_request');
      expect(m, url).toMatch(/^webhook\.url: /);
      const form = new FormData();
      form.set('file', new File(['email\na@ok.test\n'], 'list.csv', { type: 'text/csv' }));
      form.set('webhook_url', url);
      form.set('webhook_secret', 's');
      const m2 = await expectError(await call('/v1/bulk', { key, method: 'POST', body: form }), 400, 'invalid_request');
      expect(m2, url).toMatch(/^webhook_url: /);
    }
  });

  it('a webhook URL over 2048 characters is 400; one of 2048 is accepted', async () => {
    const key = await createKey(newTenant('bad'));
    const base = 'https://hooks.example.test/';
    const at = (n: number) => base + 'a'.repeat(n - base.length);
    const m = await expectError(await postJson('/v1/bulk', { emails: ['a@ok.test'], webhook: { url: at(2049), secret: 's' } }, { key }), 400, 'invalid_request');
    expect(m).toContain('2048');
    await expectError(await postJson('/v1/bulk', { emails: ['a@ok.test'], webhook: { url: at(1_100_000), secret: 's' } }, { key }), 400, 'invalid_request');
    const ok = await postJson('/v1/bulk', { emails: [`ok-${tag()}@ok.test`], webhook: { url: at(2048), secret: 's' } }, { key });
    expect(ok.status).toBe(202);
  });

  it('bad result query parameters: 400', async () => {
    const key = await createKey(newTenant('bad'));
    const { job_id } = (await (await postJson('/v1/bulk', { emails: [`ok-${tag()}@ok.test`] }, { key })).json()) as Accepted;
    await expectError(await call(`/v1/bulk/${job_id}/results?limit=0`, { key }), 400, 'invalid_request');
    await expectError(await call(`/v1/bulk/${job_id}/results?limit=lots`, { key }), 400, 'invalid_request');
    await expectError(await call(`/v1/bulk/${job_id}/results?verdict=maybe`, { key }), 400, 'invalid_request');
    await expectError(await call(`/v1/bulk/${job_id}/results?format=xlsx`, { key }), 400, 'invalid_request');
    await waitFinished(key, job_id);
    await expectError(await call(`/v1/bulk/${job_id}/results?cursor=not-a-cursor`, { key }), 400, 'invalid_request');
  });

  it('unknown bulk routes: 404 JSON; a wrong method on a bulk route: 405 JSON', async () => {
    const key = await createKey(newTenant('bad'));
    await expectError(await call('/v1/bulk/job_AAAAAAAAAAAAAAAAAAAAAA/everything', { key }), 404, 'not_found');
    await expectError(await call('/v1/bulk/job_AAAAAAAAAAAAAAAAAAAAAA', { key, method: 'DELETE' }), 405, 'method_not_allowed');
  });

  it('no API key: 401', async () => {
    await expectError(await postJson('/v1/bulk', { emails: ['a@ok.test'] }), 401, 'missing_api_key');
  });
});

describe('bulk jobs while NATS is unreachable', () => {
  let down = false;
  afterAll(async () => {
    if (down) await control('/nats/restart');
  }, 60_000);

  it('submitting, progress and results answer 503 JSON quickly; the job is readable again once NATS is back', async () => {
    const key = await createKey(newTenant('down'));
    const { job_id } = (await (await postJson('/v1/bulk', { emails: [`ok-${tag()}@ok.test`] }, { key })).json()) as Accepted;
    await waitFinished(key, job_id);

    await control('/nats/shutdown');
    down = true;
    for (const attempt of [
      () => postJson('/v1/bulk', { emails: [`ok-${tag()}@ok.test`] }, { key }),
      () => call(`/v1/bulk/${job_id}`, { key }),
      () => call(`/v1/bulk/${job_id}/results?format=csv`, { key }),
    ]) {
      const started = Date.now();
      const res = await attempt();
      expect(Date.now() - started).toBeLessThan(6000);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await res.json()) as ErrorJson).error.code).toBe('nats_unavailable');
    }

    await control('/nats/restart');
    down = false;
    expect(((await (await call(`/v1/bulk/${job_id}`, { key })).json()) as Status).state).toBe('finished');
  }, 60_000);
});

describe('finishing a bulk job', () => {
  it('POST /finish answers the finished status for its own tenant, 404 for another, 409 while no machine has it', async () => {
    const tenant = newTenant('finish');
    const key = await createKey(tenant);
    const stranger = await createKey(newTenant('stranger'));
    const t = tag();
    const res = await postJson('/v1/bulk', { emails: [`ok-${t}-a@ok.test`, `gone-${t}-b@ok.test`], max_wait_seconds: 3600 }, { key });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as Accepted & { max_wait_seconds: number | null };
    expect(accepted.max_wait_seconds).toBe(3600);
    expect(accepted.links.finish).toBe(`/v1/bulk/${accepted.job_id}/finish`);
    expect((await call(accepted.links.finish, { key: stranger, method: 'POST' })).status).toBe(404);

    // Retried until a machine has stored the job (409 job_queued before that).
    let finished: Response;
    for (;;) {
      finished = await call(accepted.links.finish, { key, method: 'POST' });
      if (finished.status !== 409) break;
      expect(((await finished.json()) as ErrorJson).error.code).toBe('job_queued');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(finished.status).toBe(200);
    const status = (await finished.json()) as Status & { waiting: Record<string, unknown> };
    expect(status).toMatchObject({ job_id: accepted.job_id, state: 'finished', total: 2, done: 2 });
    expect(status.counts.safe + status.counts.invalid + status.counts.unknown).toBe(2);
    expect(status.waiting).toEqual({ pending_first_try: 0, retrying: 0, by_reason: { greylisted: 0, unreachable: 0, timeout: 0, throttled: 0, other: 0 }, next_retry_at: null, latest_finish_at: null });
    // Finishing again changes nothing.
    expect(await (await call(accepted.links.finish, { key, method: 'POST' })).json()).toMatchObject({ state: 'finished', done: 2, counts: status.counts });
    expect((await call(`/v1/bulk/${newJobId()}/finish`, { key, method: 'POST' })).status).toBe(404);
  });

  it('a bad max_wait_seconds is a 400 naming it, in JSON, as a form field or as a query parameter', async () => {
    const key = await createKey(newTenant('maxwait'));
    const json = await postJson('/v1/bulk', { emails: ['ok-x@ok.test'], max_wait_seconds: 0 }, { key });
    expect(json.status).toBe(400);
    expect(((await json.json()) as ErrorJson).error.message).toMatch(/max_wait_seconds/);
    const query = await call('/v1/bulk?max_wait_seconds=soon', { key, method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'ok-x@ok.test\n' });
    expect(query.status).toBe(400);
    expect(((await query.json()) as ErrorJson).error.message).toMatch(/max_wait_seconds/);
    const form = new FormData();
    form.set('file', new File(['ok-x@ok.test\n'], 'list.csv', { type: 'text/csv' }));
    form.set('max_wait_seconds', '-5');
    const multipart = await call('/v1/bulk', { key, method: 'POST', body: form });
    expect(multipart.status).toBe(400);
    expect(((await multipart.json()) as ErrorJson).error.message).toMatch(/max_wait_seconds/);
  });
});
