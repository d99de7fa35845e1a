import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import { jobAddresses, type AddressEntry } from './addresses.ts';

const entries = (values: string[]): AddressEntry[] => values.map((value, i) => ({ value, where: `emails[${i}]` }));

function refusal(values: string[], max = 100): ApiError {
  try {
    jobAddresses(entries(values), max);
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected the list to be refused');
}

describe('the addresses of a bulk job', () => {
  it('keeps first-seen order and spelling, dropping later copies of the same normalized address', () => {
    const job = jobAddresses(entries(['b@example.test', 'A@Example.TEST', 'a@example.test ', '  b@EXAMPLE.test', 'A@example.test', 'c@example.test']), 100);
    expect(job.emails).toEqual(['b@example.test', 'A@Example.TEST', 'a@example.test', 'c@example.test']);
    expect(job.received).toBe(6);
    expect(job.duplicatesRemoved).toBe(2);
  });

  it('treats a Unicode domain and its punycode as the same address', () => {
    const job = jobAddresses(entries(['user@bücher.example', 'user@xn--bcher-kva.example', 'user@BÜCHER.example']), 100);
    expect(job.emails).toEqual(['user@bücher.example']);
    expect(job.duplicatesRemoved).toBe(2);
  });

  it('keeps malformed addresses (the machines answer them invalid) and counts them', () => {
    const job = jobAddresses(entries(['not-an-address', 'ok@example.test', 'not-an-address', 'two@@example.test']), 100);
    expect(job.emails).toEqual(['not-an-address', 'ok@example.test', 'two@@example.test']);
    expect(job.invalidSyntax).toBe(2);
    expect(job.duplicatesRemoved).toBe(1);
  });

  it('skips blank entries without counting them', () => {
    const job = jobAddresses(entries(['', '   ', 'a@example.test']), 1);
    expect(job).toEqual({ emails: ['a@example.test'], received: 1, duplicatesRemoved: 0, invalidSyntax: 0 });
  });

  it.each([
    ['CR LF', 'a@example.test\r\nRCPT TO:<b@example.test>'],
    ['LF', 'a@example.test\n'],
    ['NUL', 'a\u0000@example.test'],
    ['TAB', 'a\t@example.test'],
    ['a lone surrogate', 'a\uD800@example.test'],
  ])('refuses the request when an address holds %s, naming the entry', (_, bad) => {
    const err = refusal(['ok@example.test', 'ok2@example.test', bad]);
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_address');
    expect(err.message).toMatch(/^emails\[2\]: .*control characters/);
  });

  it('accepts addresses with non-ASCII local parts and astral characters', () => {
    expect(jobAddresses(entries(['用户@例子.example', '😀@example.test']), 10).emails).toHaveLength(2);
  });

  it('refuses an entry longer than 1024 characters', () => {
    const err = refusal([`${'a'.repeat(1020)}@example.test`]);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/^emails\[0\]: longer than 1024/);
  });

  it('takes exactly the limit, and refuses one more with 413, duplicates included', () => {
    const max = 1000;
    const list = Array.from({ length: max }, (_, i) => `user${i}@example.test`);
    expect(jobAddresses(entries(list), max).emails).toHaveLength(max);
    const err = refusal([...list, 'user0@example.test'], max);
    expect(err.status).toBe(413);
    expect(err.code).toBe('too_many_addresses');
    expect(err.message).toContain(String(max));
  });
});
