import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import { readBulkInput } from './request.ts';

const url = 'http://edge.test/v1/bulk';
const post = (body: BodyInit, contentType?: string) =>
  new Request(url, { method: 'POST', body, headers: contentType ? { 'content-type': contentType } : {} });

async function read(request: Request, maxBytes = 10_000) {
  const input = await readBulkInput(request, maxBytes);
  return { emails: [...input.entries].map((e) => e.value), wheres: [...input.entries].map((e) => e.where), webhook: input.webhook };
}

async function refusal(request: Request, maxBytes = 10_000): Promise<ApiError> {
  const err = await readBulkInput(request, maxBytes).then(
    (input) => {
      [...input.entries];
      return null;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('the body of a bulk request', () => {
  it('takes a JSON list of addresses and a webhook', async () => {
    const body = JSON.stringify({ emails: ['a@example.test', 'b@example.test'], webhook: { url: 'https://hooks.example.test/done', secret: 's3cret' } });
    const got = await read(post(body, 'application/json; charset=utf-8'));
    expect(got.emails).toEqual(['a@example.test', 'b@example.test']);
    expect(got.webhook).toEqual({ url: 'https://hooks.example.test/done', secret: 's3cret' });
  });

  it('refuses malformed JSON with 400 invalid_json', async () => {
    const err = await refusal(post('{"emails": ["a@example.test",', 'application/json'));
    expect([err.status, err.code]).toEqual([400, 'invalid_json']);
  });

  it('refuses JSON of the wrong shape, naming the field', async () => {
    const err = await refusal(post(JSON.stringify({ emails: ['a@example.test', 42] }), 'application/json'));
    expect([err.status, err.code]).toEqual([400, 'invalid_request']);
    expect(err.message).toContain('emails.1');
    expect((await refusal(post(JSON.stringify(['a@example.test']), 'application/json'))).code).toBe('invalid_request');
  });

  it('refuses a webhook that is not http(s) or has no secret', async () => {
    const ftp = await refusal(post(JSON.stringify({ emails: ['a@example.test'], webhook: { url: 'ftp://hooks.example.test/x', secret: 's' } }), 'application/json'));
    expect(ftp.message).toContain('webhook.url');
    const noSecret = await refusal(post(JSON.stringify({ emails: ['a@example.test'], webhook: { url: 'https://hooks.example.test/x' } }), 'application/json'));
    expect(noSecret.message).toContain('webhook.secret');
  });

  it('refuses JSON that is not UTF-8', async () => {
    const latin1 = new Uint8Array([...new TextEncoder().encode('{"emails":["caf'), 0xe9, ...new TextEncoder().encode('@example.test"]}')]);
    expect((await refusal(post(latin1, 'application/json'))).code).toBe('invalid_encoding');
  });

  it('reads a CSV upload, BOM and header row included, with line numbers for messages', async () => {
    const got = await read(post('\uFEFFemail,name\r\na@example.test,A\r\nb@example.test,B\r\n', 'text/csv'));
    expect(got.emails).toEqual(['a@example.test', 'b@example.test']);
    expect(got.wheres).toEqual(['line 2', 'line 3']);
    expect(got.webhook).toBeUndefined();
  });

  it('reads a CSV in a multipart form, with the webhook in form fields', async () => {
    const form = new FormData();
    form.append('webhook_url', 'https://hooks.example.test/done');
    form.append('webhook_secret', 'k');
    form.append('file', new File(['email\na@example.test\n"b@example.test",x\n'], 'list.csv', { type: 'text/csv' }));
    const request = new Request(url, { method: 'POST', body: form });
    const got = await read(request);
    expect(got.emails).toEqual(['a@example.test', 'b@example.test']);
    expect(got.webhook).toEqual({ url: 'https://hooks.example.test/done', secret: 'k' });
  });

  it('refuses a multipart form without a file', async () => {
    const form = new FormData();
    form.append('emails', 'a@example.test');
    const err = await refusal(new Request(url, { method: 'POST', body: form }));
    expect([err.status, err.code]).toEqual([400, 'missing_file']);
  });

  it.each([['application/xml'], ['application/x-www-form-urlencoded'], [undefined]])('refuses Content-Type %s with 415', async (type) => {
    // Bytes, not a string: fetch would label a string body text/plain itself.
    const err = await refusal(post(new TextEncoder().encode('a@example.test'), type));
    expect([err.status, err.code]).toEqual([415, 'unsupported_media_type']);
  });

  it('refuses a body over the byte limit with 413, whatever its type', async () => {
    const list = Array.from({ length: 200 }, (_, i) => `user${i}@example.test`);
    expect((await refusal(post(JSON.stringify({ emails: list }), 'application/json'), 1000)).status).toBe(413);
    expect((await refusal(post(list.join('\n'), 'text/csv'), 1000)).status).toBe(413);
  });
});
