/**
 * @module bulk/csv-addresses
 * The address column of an uploaded CSV (RFC 4180), and every record's fields: quoted fields with "" escapes, commas and line
 * breaks inside quotes, CRLF, LF or bare CR (old Mac exports) between records. Whole records are
 * parsed, not lines (shared/csv.ts `firstCsvField` is per line), so a quoted line break in any
 * column cannot split a record into a bogus address.
 */
import { ApiError } from '../errors.ts';

export interface CsvAddress {
  /** The address field, unquoted, untrimmed. */
  value: string;
  /** 1-based line on which the record starts, for error messages. */
  line: number;
}

/** Same header words as the CLI's input (cli/input.ts): only the first non-blank record can be one. The dashboard checks a file with it before upload. */
export const ADDRESS_HEADER = /^\s*(e-?mail|e-?mail[_ ]?address|address|mail)\s*$/i;

/** Line breaks in text[from, to): CRLF, LF and bare CR each count once. */
function countBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) n++;
  }
  return n;
}

const FIELD_END = /[,\r\n]/g;

/** Index of the first `,`, CR or LF at or after `from` (text.length when none). */
function fieldEnd(text: string, from: number): number {
  FIELD_END.lastIndex = from;
  return FIELD_END.exec(text)?.index ?? text.length;
}

/** One record of the CSV: every field, unquoted and untrimmed. */
export interface CsvRecord {
  fields: string[];
  /** 1-based line on which the record starts, for error messages. */
  line: number;
}

/** Yields every record, header row and blank records included (callers skip them). */
export function* csvRecords(text: string): Generator<CsvRecord> {
  let i = 0;
  let line = 1;
  const len = text.length;

  /** Reads a quoted field whose opening quote is at `i`; leaves `i` after the closing quote. */
  const quoted = (): string => {
    const startLine = line;
    let out = '';
    let from = i + 1;
    for (;;) {
      const q = text.indexOf('"', from);
      if (q === -1) throw new ApiError(400, 'invalid_csv', `line ${startLine}: a quoted field is never closed`);
      line += countBreaks(text, from, q);
      out += text.slice(from, q);
      if (text.charCodeAt(q + 1) === 34) {
        out += '"';
        from = q + 2;
      } else {
        i = q + 1;
        return out;
      }
    }
  };

  /** Reads one field at `i` (quoted or not, plus any stray text after a closing quote). */
  const field = (): string => {
    let value = '';
    if (text.charCodeAt(i) === 34) value = quoted();
    const end = fieldEnd(text, i);
    value += text.slice(i, end); // lenient, like spreadsheets: "a"b reads as ab
    i = end;
    return value;
  };

  while (i < len) {
    const recordLine = line;
    const fields = [field()];
    while (i < len && text.charCodeAt(i) === 44) {
      i++;
      fields.push(field());
    }
    if (i < len) {
      // A line break: CRLF, LF or CR.
      i += text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      line++;
    }
    yield { fields, line: recordLine };
  }
}

/** The first field of every record (see csvRecords). */
export function* csvFirstFields(text: string): Generator<CsvAddress> {
  for (const { fields, line } of csvRecords(text)) yield { value: fields[0]!, line };
}

export interface CsvAddressRow extends CsvAddress {
  /** Every field of the record, for the download to repeat. */
  fields: string[];
}

export interface CsvUpload {
  /** The header row's fields, when the first record is one. */
  columns: string[] | null;
  /** Index of the address column. */
  addressColumn: number;
  /** Records with a non-blank address, in file order (header excluded). */
  rows: Iterable<CsvAddressRow>;
}

const isBlank = (fields: readonly string[]): boolean => fields.every((f) => f.trim() === '');

/**
 * Finds the address column from the first non-blank record: a header cell named like an address
 * column (`email`, `E-Mail Address`, ...), else the first field holding an `@` (a file without a
 * header). A first record of several fields with neither is a header naming no address column:
 * 400 `no_address_column`, rather than checking every name or phone number as an address.
 */
export function csvUpload(file: string): CsvUpload {
  // A spreadsheet's UTF-8 byte-order mark is not part of the first column's name.
  const text = file.charCodeAt(0) === 0xfeff ? file.slice(1) : file;
  let first: CsvRecord | undefined;
  for (const record of csvRecords(text)) {
    if (!isBlank(record.fields)) {
      first = record;
      break;
    }
  }
  if (!first) return { columns: null, addressColumn: 0, rows: [] };
  const named = first.fields.findIndex((f) => ADDRESS_HEADER.test(f));
  const withAt = first.fields.findIndex((f) => f.includes('@'));
  if (named === -1 && withAt === -1 && first.fields.length > 1) {
    const shown = first.fields.slice(0, 6).map((f) => JSON.stringify(f.trim().slice(0, 40))).join(', ');
    throw new ApiError(400, 'no_address_column', `line ${first.line}: the first row (${shown}) names no email column and holds no address; name the address column "email"`);
  }
  const header = named !== -1 ? first : null;
  const addressColumn = named !== -1 ? named : Math.max(0, withAt);
  return {
    columns: header ? header.fields : null,
    addressColumn,
    rows: {
      *[Symbol.iterator]() {
        for (const record of csvRecords(text)) {
          if (header && record.line === header.line) continue;
          const value = record.fields[addressColumn] ?? '';
          if (value.trim() === '') continue;
          yield { value, line: record.line, fields: record.fields };
        }
      },
    },
  };
}

/** Addresses of a CSV upload: the address column, without a header row and blank records. */
export function* csvAddresses(text: string): Generator<CsvAddress> {
  for (const { value, line } of csvUpload(text).rows) yield { value, line };
}
