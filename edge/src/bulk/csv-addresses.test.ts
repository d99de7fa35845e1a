import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import { csvAddresses, csvFirstFields, csvUpload } from './csv-addresses.ts';

const values = (text: string) => [...csvAddresses(text)].map((e) => e.value);

describe('the address column of an uploaded CSV', () => {
  it('is the first column, with an "email" header row skipped', () => {
    expect(values('email,name\r\nalice@example.test,Alice\r\nbob@example.test,Bob\r\n')).toEqual(['alice@example.test', 'bob@example.test']);
  });

  it('reads a one-column list without a header', () => {
    expect(values('alice@example.test\nbob@example.test')).toEqual(['alice@example.test', 'bob@example.test']);
  });

  it('skips only a first-row header, so an address list can mention "email" later', () => {
    expect(values('a@example.test\nemail\n')).toEqual(['a@example.test', 'email']);
    expect(values('\n\n"E-Mail Address",x\na@example.test')).toEqual(['a@example.test']);
  });

  it('unquotes quoted fields, with "" as a quote and commas inside', () => {
    expect(values('"alice@example.test","Smith, Alice"\n"""quoted""@example.test",x\n')).toEqual(['alice@example.test', '"quoted"@example.test']);
  });

  it('accepts CRLF, LF and bare CR between records, and no break after the last', () => {
    expect(values('a@example.test\r\nb@example.test\nc@example.test\rd@example.test')).toEqual([
      'a@example.test',
      'b@example.test',
      'c@example.test',
      'd@example.test',
    ]);
  });

  it('skips blank lines and rows whose first column is empty', () => {
    expect(values('\r\na@example.test\r\n\r\n,Nobody\r\n   \r\nb@example.test\r\n\r\n')).toEqual(['a@example.test', 'b@example.test']);
  });

  it('keeps a record whole when another column holds a quoted line break', () => {
    const text = 'email,note\nalice@example.test,"line one\nline two, still the note"\nbob@example.test,plain\n';
    expect([...csvAddresses(text)]).toEqual([
      { value: 'alice@example.test', line: 2 },
      { value: 'bob@example.test', line: 4 },
    ]);
  });

  it('keeps a line break quoted into the address column in the value, for the caller to refuse', () => {
    expect([...csvAddresses('"evil@example.test\r\nRCPT TO:<x@example.test>",x\nok@example.test')]).toEqual([
      { value: 'evil@example.test\r\nRCPT TO:<x@example.test>', line: 1 },
      { value: 'ok@example.test', line: 3 },
    ]);
  });

  it('reports a quote that is never closed with the line it opened on', () => {
    let err: unknown;
    try {
      [...csvFirstFields('a@example.test\nb@example.test\n"c@example.test,x\nd@example.test\n')];
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).code).toBe('invalid_csv');
    expect((err as ApiError).message).toMatch(/^line 3:/);
  });

  it('reads stray text after a closing quote as part of the field, as spreadsheets do', () => {
    expect(values('"alice"@example.test,x')).toEqual(['alice@example.test']);
  });

  it('numbers records by the line they start on', () => {
    expect([...csvFirstFields('a\r\n"b\r\nb"\r\nc\rd')].map((e) => e.line)).toEqual([1, 2, 4, 5]);
  });

  it('finds the address column by its header name, wherever it is, and keeps every field of each record', () => {
    const upload = csvUpload('Name,E-mail,Note\nAnn,ann@example.test,"a, b"\n,,\nBob,bob@example.test\n');
    expect(upload.columns).toEqual(['Name', 'E-mail', 'Note']);
    expect(upload.addressColumn).toBe(1);
    expect([...upload.rows]).toEqual([
      { value: 'ann@example.test', line: 2, fields: ['Ann', 'ann@example.test', 'a, b'] },
      { value: 'bob@example.test', line: 4, fields: ['Bob', 'bob@example.test'] },
    ]);
  });

  it('without a header, the address column is the first field holding an @', () => {
    const upload = csvUpload('7,ann@example.test\n8,bob@example.test\n');
    expect(upload.columns).toBeNull();
    expect([...upload.rows].map((r) => r.value)).toEqual(['ann@example.test', 'bob@example.test']);
  });

  it('a first row of several fields with no address column name and no address is refused', () => {
    expect(() => csvUpload('name,phone\nAnn,555\n')).toThrow(expect.objectContaining({ status: 400, code: 'no_address_column' }));
    // One column is still read as a list of addresses (a malformed one is reported per row).
    expect(values('name\nann@example.test')).toEqual(['name', 'ann@example.test']);
  });
});
