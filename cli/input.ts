/**
 * @module cli/input
 * Addresses from a file or stdin: one per line, or a CSV whose first column is the
 * address (a header row is skipped). Bytes that are not UTF-8 become U+FFFD, which
 * the syntax stage rejects, so a bad line is reported, never dropped.
 */
import { readFile } from 'node:fs/promises';
import { firstCsvField } from '../shared/csv.ts';

export class InputError extends Error {
  readonly code = 'unreadable_input';
}

const HEADER = /^\s*"?(e-?mail|e-?mail[_ ]?address|address|mail)"?\s*$/i;

export function parseAddressList(bytes: Uint8Array, opts: { csv?: boolean } = {}): string[] {
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const csv = opts.csv ?? lines.some((l) => l.includes(','));
  const out: string[] = [];
  let first = true;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const value = csv ? firstCsvField(line).trim() : line.trim();
    // Only the first non-blank line can be a header.
    const isHeader = first && HEADER.test(value);
    first = false;
    if (!isHeader) out.push(value);
  }
  return out;
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readAddressInput(source: string): Promise<string[]> {
  let bytes: Uint8Array;
  try {
    bytes = source === '-' ? await readStdin() : await readFile(source);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new InputError(`cannot read input ${source}: ${why}`);
  }
  return parseAddressList(bytes, { csv: source.toLowerCase().endsWith('.csv') ? true : undefined });
}
