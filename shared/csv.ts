/**
 * @module csv
 * Results as CSV (RFC 4180), for the CLI and the edge's results download. Cells are
 * guarded against spreadsheet formula injection (OWASP: prefix = + - @ TAB CR with ').
 */
import type { CheckResult } from './result.ts';

export const RESULT_CSV_COLUMNS = [
  'email',
  'is_reachable',
  'reason',
  'score',
  'normalized_email',
  'suggestion',
  'is_valid_syntax',
  'is_disposable',
  'is_role_account',
  'is_b2c',
  'accepts_mail',
  'can_connect_smtp',
  'is_deliverable',
  'is_catch_all',
  'has_full_inbox',
  'is_disabled',
  'mx_host',
  'provider',
  'checked_at',
] as const;

type Cell = string | number | boolean | null | undefined;

/** One CSV cell: quoted when needed, and neutralised when a spreadsheet would run it as a formula. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvRow = (cells: ReadonlyArray<Cell>): string => `${cells.map(csvCell).join(',')}\r\n`;

export const resultCsvHeader = (): string => csvRow(RESULT_CSV_COLUMNS);

/** Cells of RESULT_CSV_COLUMNS, in order. */
function resultCells(r: CheckResult): Cell[] {
  return [
    r.input,
    r.is_reachable,
    r.reason,
    r.score,
    r.syntax.normalized_email,
    r.syntax.suggestion,
    r.syntax.is_valid_syntax,
    r.misc.is_disposable,
    r.misc.is_role_account,
    r.misc.is_b2c,
    r.mx.accepts_mail,
    r.smtp.can_connect_smtp,
    r.smtp.is_deliverable,
    r.smtp.is_catch_all,
    r.smtp.has_full_inbox,
    r.smtp.is_disabled,
    r.debug.mx_host,
    r.debug.provider,
    r.debug.checked_at,
  ];
}

export const resultCsvRow = (r: CheckResult): string => csvRow(resultCells(r));

/** After an uploaded file's own columns, the result columns but `email`: the file's address column already holds it. */
export const APPENDED_RESULT_COLUMNS = RESULT_CSV_COLUMNS.slice(1);

/** Header of a download that repeats the upload's columns: its header row, or `column_1..n` when it had none. */
export function inputCsvHeader(columns: readonly string[] | null, width: number): string {
  const names = columns ?? Array.from({ length: width }, (_, i) => `column_${i + 1}`);
  return csvRow([...names, ...APPENDED_RESULT_COLUMNS]);
}

/** The upload's row as it was (padded to `width` so the result columns line up), then the result columns. */
export function inputCsvRow(row: readonly string[], width: number, r: CheckResult): string {
  const cells: Cell[] = [...row];
  while (cells.length < width) cells.push('');
  return csvRow([...cells, ...resultCells(r).slice(1)]);
}

/** The first field of a CSV line (quoted or not); the rest of the line is ignored. */
export function firstCsvField(line: string): string {
  if (!line.startsWith('"')) {
    const comma = line.indexOf(',');
    return comma === -1 ? line : line.slice(0, comma);
  }
  let out = '';
  for (let i = 1; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') {
      if (line[i + 1] === '"') {
        out += '"';
        i++;
      } else return out;
    } else out += ch;
  }
  return out;
}
