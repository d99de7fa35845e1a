/**
 * @module bulk/csv-addresses
 * The first column of an uploaded CSV (RFC 4180): quoted fields with "" escapes, commas and line
 * breaks inside quotes, CRLF, LF or bare CR (old Mac exports) between records. Whole records are
 * parsed, not lines (shared/csv.ts `firstCsvField` is per line), so a quoted line break in any
 * column cannot split a record into a bogus address.
 */
import { ApiError } from '../errors.ts';

export interface CsvAddress {
  /** The first field, unquoted, untrimmed. */
  value: string;
  /** 1-based line on which the record starts, for error messages. */
  line: number;
}

/** Same header words as the CLI's input (cli/input.ts): only the first non-blank record can be one. */
const HEADER = /^\s*(e-?mail|e-?mail[_ ]?address|address|mail)\s*$/i;

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

/** Yields the first field of every record, header row and blank records included (callers skip them). */
export function* csvFirstFields(text: string): Generator<CsvAddress> {
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
    const value = field();
    // The other columns are read only to find where the record ends.
    while (i < len && text.charCodeAt(i) === 44) {
      i++;
      field();
    }
    if (i < len) {
      // A line break: CRLF, LF or CR.
      i += text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      line++;
    }
    yield { value, line: recordLine };
  }
}

/** Addresses of a CSV upload: the first column, without a header row and blank records. */
export function* csvAddresses(text: string): Generator<CsvAddress> {
  let first = true;
  for (const entry of csvFirstFields(text)) {
    if (entry.value.trim() === '') continue;
    const isHeader = first && HEADER.test(entry.value);
    first = false;
    if (!isHeader) yield entry;
  }
}
