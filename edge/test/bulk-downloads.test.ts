/**
 * What a person cleaning a list does with the results: upload their CRM export, download the
 * part they will mail with their own columns kept, list their jobs. Against the real stack of
 * edge/test/setup/global-setup.ts (ok-* 250, others 550 5.1.1, anything at catchall.test 250).
 */
import { describe, expect, it } from 'vitest';
import { csvRecords } from '../src/bulk/csv-addresses.ts';
import { call, createKey, newTenant, postJson, type ErrorJson } from './helpers.ts';

let runs = 0;
const tag = () => `${Date.now().toString(36)}${(runs++).toString(36)}`;

async function finished(key: string, jobId: string): Promise<Record<string, unknown>> {
  const until = Date.now() + 90_000;
  for (;;) {
    const status = (await (await call(`/v1/bulk/${jobId}`, { key })).json()) as Record<string, unknown>;
    if (status.state === 'finished') return status;
    if (Date.now() > until) throw new Error(`job ${jobId} not finished: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const parseCsvRecords = (text: string): string[][] => [...csvRecords(text)].map((r) => r.fields).filter((f) => f.join('') !== '');

const postCsv = (key: string, text: string) => call('/v1/bulk', { key, method: 'POST', body: text, headers: { 'content-type': 'text/csv' } });

describe('downloads by verdict, with the upload\'s own columns', () => {
  it('a CRM export comes back with its columns first, then the verdict columns; safe,risky leaves out the rest', async () => {
    const key = await createKey(newTenant('dl'));
    const t = tag();
    const lines = ['Name,Email,Note'];
    lines.push(`Ann,ok-${t}-a@ok.test,"likes ""quotes"", commas"`);
    lines.push(`Bob,gone-${t}-b@ok.test,`);
    lines.push(`Cy,any-${t}-c@catchall.test,=HYPERLINK("x")`);
    lines.push(`Dee,ok-${t}-d@ok.test,"two\nlines"`);
    lines.push(`Ann again,ok-${t}-a@OK.test,duplicate`);
    const res = await postCsv(key, lines.join('\r\n'));
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { job_id: string; total: number; duplicates_removed: number };
    expect(accepted).toMatchObject({ total: 4, duplicates_removed: 1 });
    const status = await finished(key, accepted.job_id);
    expect(status).toMatchObject({ counts: { safe: 2, risky: 1, invalid: 1, unknown: 0 } });
    expect(status.average_score).toBeTypeOf('number');

    const csv = await call(`/v1/bulk/${accepted.job_id}/results?format=csv&verdict=safe,risky`, { key });
    expect(csv.status).toBe(200);
    const [header, ...rows] = parseCsvRecords(await csv.text());
    expect(header!.slice(0, 6)).toEqual(['Name', 'Email', 'Note', 'is_reachable', 'reason', 'score']);
    expect(header).not.toContain('email');
    expect(rows.map((r) => r.slice(0, 4))).toEqual([
      ['Ann', `ok-${t}-a@ok.test`, 'likes "quotes", commas', 'safe'],
      ['Cy', `any-${t}-c@catchall.test`, `'=HYPERLINK("x")`, 'risky'],
      ['Dee', `ok-${t}-d@ok.test`, 'two\nlines', 'safe'],
    ]);
    for (const r of rows) expect(Number(r[5])).toBeGreaterThan(0);

    const json = (await (await call(`/v1/bulk/${accepted.job_id}/results?verdict=invalid`, { key })).json()) as {
      input_columns: string[];
      items: { email: string; input_row: string[]; result: { is_reachable: string; score: number } }[];
    };
    expect(json.input_columns).toEqual(['Name', 'Email', 'Note']);
    expect(json.items.map((i) => [i.input_row, i.result.is_reachable, i.result.score])).toEqual([[['Bob', `gone-${t}-b@ok.test`, ''], 'invalid', 0]]);
  });

  it('a headerless file with the address in its second column keeps every column; an unknown verdict is 400', async () => {
    const key = await createKey(newTenant('dl'));
    const t = tag();
    const res = await postCsv(key, `1,ok-${t}@ok.test,x\n2,gone-${t}@ok.test,y\n`);
    expect(res.status).toBe(202);
    const { job_id } = (await res.json()) as { job_id: string };
    await finished(key, job_id);
    const [header, ...rows] = parseCsvRecords(await (await call(`/v1/bulk/${job_id}/results?format=csv&verdict=safe`, { key })).text());
    expect(header!.slice(0, 4)).toEqual(['column_1', 'column_2', 'column_3', 'is_reachable']);
    expect(rows.map((r) => r.slice(0, 4))).toEqual([['1', `ok-${t}@ok.test`, 'x', 'safe']]);
    const bad = await call(`/v1/bulk/${job_id}/results?verdict=safe,deliverable`, { key });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorJson).error.code).toBe('invalid_request');
  });

  it('a CSV whose first row names no address column is refused whole, saying so', async () => {
    const key = await createKey(newTenant('dl'));
    const res = await postCsv(key, 'name,phone\nAnn,555-1234\n');
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('no_address_column');
    expect(body.error.message).toMatch(/"name", "phone".*email/);
  });
});

describe('the jobs list', () => {
  it('shows the tenant\'s own jobs, newest first, in pages, filtered by state', async () => {
    const tenant = newTenant('list');
    const key = await createKey(tenant);
    const other = await createKey(newTenant('list-other'));
    const t = tag();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await postJson('/v1/bulk', { emails: [`ok-${t}-${i}@ok.test`] }, { key });
      ids.push(((await res.json()) as { job_id: string }).job_id);
      await new Promise((r) => setTimeout(r, 5));
    }
    await postJson('/v1/bulk', { emails: [`ok-${t}-x@ok.test`] }, { key: other });
    for (const id of ids) await finished(key, id);

    const first = (await (await call('/v1/bulk?limit=2', { key })).json()) as { items: { job_id: string; state: string; links: { self: string } }[]; next_cursor: string };
    expect(first.items.map((j) => j.job_id)).toEqual([ids[2], ids[1]]);
    expect(first.items[0]!.links.self).toBe(`/v1/bulk/${ids[2]}`);
    const second = (await (await call(`/v1/bulk?limit=2&cursor=${encodeURIComponent(first.next_cursor)}`, { key })).json()) as { items: { job_id: string }[]; next_cursor: string | null };
    expect(second.items.map((j) => j.job_id)).toEqual([ids[0]]);
    expect(second.next_cursor).toBeNull();

    const finishedOnly = (await (await call('/v1/bulk?state=finished', { key })).json()) as { items: unknown[] };
    expect(finishedOnly.items).toHaveLength(3);
    expect(((await (await call('/v1/bulk?state=running', { key })).json()) as { items: unknown[] }).items).toHaveLength(0);
    const bad = await call('/v1/bulk?state=paused', { key });
    expect(bad.status).toBe(400);
    expect((await call('/v1/bulk')).status).toBe(401);
  });
});
