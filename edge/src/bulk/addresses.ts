/**
 * @module bulk/addresses
 * The address list of a bulk job: refuse what must never be published, count against the job
 * limit, and drop duplicates by normalized address (shared/syntax.ts), keeping first-seen order.
 *
 * Refused outright (400 `invalid_address`, naming the first offender): control characters (CR, LF,
 * NUL, TAB, ...) and lone surrogates, and entries over 1024 characters. syntax.ts already calls
 * these invalid before any other work; refusing the request, rather than dropping rows, keeps
 * every input row in the results and stops header-injection payloads at the door. It also keeps a
 * chunk of DEFAULT_CHUNK_SIZE addresses far below NATS's 1 MiB payload (JSON escapes a control
 * character to six bytes). Addresses that are merely malformed are kept: the machines answer them
 * `invalid`/`invalid_syntax` without any I/O, and the response counts them as `invalid_syntax`.
 */
import { checkSyntax } from '../../../shared/syntax.ts';
import { ApiError } from '../errors.ts';

/** The longest entry syntax.ts looks at (and JobChunkMessage accepts). */
export const MAX_ADDRESS_LENGTH = 1024;

const UNPUBLISHABLE = /[\u0000-\u001F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface AddressEntry {
  value: string;
  /** Where the entry came from, for messages: `line 12`, `emails[11]`. */
  where: string;
  /** A CSV upload's whole record (the address is one of its fields). */
  fields?: string[];
}

/** A CSV record kept for the download holds at most this many characters (all fields together). */
export const MAX_ROW_LENGTH = 16 * 1024;

export interface JobAddresses {
  /** Addresses to publish, trimmed, duplicates removed, in first-seen order. */
  emails: string[];
  /** Non-blank entries read (before duplicates were removed). */
  received: number;
  duplicatesRemoved: number;
  /** Of `emails`, how many are already invalid by syntax alone. */
  invalidSyntax: number;
  /** For a CSV upload: each address's record, parallel to `emails` (a duplicate's row is dropped with it). */
  rows?: string[][];
}

/** A record as stored: Postgres cannot hold U+0000, so it becomes U+FFFD (other columns are never sent to a mail server). */
export function storableRow(fields: string[], where: string): string[] {
  let length = 0;
  for (const f of fields) length += f.length;
  if (length > MAX_ROW_LENGTH) throw new ApiError(400, 'row_too_long', `${where}: the row holds more than ${MAX_ROW_LENGTH} characters; shorten its other columns`);
  return fields.map((f) => (f.includes('\0') ? f.replaceAll('\0', '\uFFFD') : f));
}

/**
 * Validates and deduplicates. Blank entries are skipped. More than `maxAddresses` non-blank
 * entries (counted before duplicates are removed, so the work stays bounded) is 413 `too_many_addresses`.
 */
export function jobAddresses(entries: Iterable<AddressEntry>, maxAddresses: number): JobAddresses {
  const emails: string[] = [];
  const rows: string[][] = [];
  let withRows = false;
  const seen = new Set<string>();
  let received = 0;
  let invalidSyntax = 0;
  for (const { value, where, fields } of entries) {
    if (UNPUBLISHABLE.test(value)) {
      throw new ApiError(400, 'invalid_address', `${where}: an address may not contain control characters (CR, LF, NUL, TAB, ...)`);
    }
    const email = value.trim();
    if (email === '') continue;
    if (email.length > MAX_ADDRESS_LENGTH) {
      throw new ApiError(400, 'invalid_address', `${where}: longer than ${MAX_ADDRESS_LENGTH} characters, so not an address`);
    }
    if (++received > maxAddresses) {
      throw new ApiError(413, 'too_many_addresses', `a job holds at most ${maxAddresses} addresses; split the list into several jobs`);
    }
    const syntax = checkSyntax(email);
    const key = syntax.normalized_email ?? email;
    if (seen.has(key)) continue;
    seen.add(key);
    emails.push(email);
    if (fields) {
      withRows = true;
      rows.push(storableRow(fields, where));
    }
    if (!syntax.is_valid_syntax) invalidSyntax++;
  }
  const out: JobAddresses = { emails, received, duplicatesRemoved: received - emails.length, invalidSyntax };
  return withRows ? { ...out, rows } : out;
}
