/**
 * @module store/errors
 * Database failures as one error type with a code a caller can switch on, and a
 * short message (Drizzle's own error repeats every bound parameter of the query).
 */

export type StoreErrorCode = 'db_unavailable' | 'db_bad_data' | 'db_error' | 'invalid_cursor';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** SQLSTATE or driver error code, when there is one. */
  readonly dbCode: string | undefined;
  constructor(code: StoreErrorCode, message: string, opts: { dbCode?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'StoreError';
    this.code = code;
    this.dbCode = opts.dbCode;
  }
}

/** The driver's or server's error under Drizzle's wrapper. */
function rootCause(err: unknown): unknown {
  let e = err;
  for (let i = 0; i < 5; i++) {
    if (typeof (e as { code?: unknown })?.code === 'string') return e;
    if (!(e instanceof Error) || e.cause === undefined) break;
    e = e.cause;
  }
  return e;
}

export function toStoreError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const root = rootCause(err);
  const dbCode = typeof (root as { code?: unknown })?.code === 'string' ? (root as { code: string }).code : undefined;
  const message = root instanceof Error ? root.message : String(root);
  return new StoreError(classify(dbCode, message), message, { dbCode, cause: err });
}

function classify(dbCode: string | undefined, message: string): StoreErrorCode {
  if (dbCode && /^[0-9A-Z]{5}$/.test(dbCode)) {
    // SQLSTATE: 22 data exception, 23 integrity violation: this data will never go in.
    if (dbCode.startsWith('22') || dbCode.startsWith('23')) return 'db_bad_data';
    // 08 connection, 57P shutdown/crash, 53 out of resources: the server, not the data.
    if (dbCode.startsWith('08') || dbCode.startsWith('57P') || dbCode.startsWith('53')) return 'db_unavailable';
    return 'db_error';
  }
  if (dbCode && /^(E[A-Z]+|CONNECT(ION)?_[A-Z_]+)$/.test(dbCode)) return 'db_unavailable';
  if (/connect|closed|terminat|timeout/i.test(message)) return 'db_unavailable';
  return 'db_error';
}
