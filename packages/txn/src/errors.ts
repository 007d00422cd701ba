/**
 * The txn boundary's errors (STYLE.md §6), split as in storage:
 *
 * - `TxnError` is an operating condition the caller handles: a conflict to retry, an abort, a
 *   lock that would not clear, a slice that did not answer. `code` is what the SQL layer maps to
 *   MySQL errors (WRITE_CONFLICT → 1213 ER_LOCK_DEADLOCK, LOCK_TIMEOUT → 1205, …).
 * - `TxnInvariantError` is a broken invariant of the protocol (a bug). Nothing should catch it
 *   except to log and crash.
 */

export type TxnErrorCode =
  /** First committer wins: another txn wrote a key after our startTs, or holds its lock. */
  | 'WRITE_CONFLICT'
  /** The txn can no longer commit: it was rolled back (e.g. by a reader after its TTL). */
  | 'TXN_ABORTED'
  /** A lock of a live txn did not clear within the read's retry budget. */
  | 'LOCK_TIMEOUT'
  /** A slice could not be reached or does not exist where the router said. */
  | 'UNAVAILABLE'
  /** The read timestamp is below a slice's GC safe point. */
  | 'SNAPSHOT_TOO_OLD'
  /** A key over the storage engine's limit. */
  | 'KEY_TOO_LARGE'
  /** More buffered mutations than the txn allows. */
  | 'TXN_TOO_LARGE'
  /**
   * The commit of the primary was sent but its outcome is unknown: the slice did not answer,
   * and the coordinator could not read the primary's status either (a commit whose status it
   * could read is decided: committed, or UNAVAILABLE when rolled back). The txn may or may not
   * have committed. Not retryable blindly (CockroachDB's ambiguous result); the caller must
   * check.
   */
  | 'UNDETERMINED'
  /** The txn was already committed or rolled back (or is committing). */
  | 'TXN_CLOSED'
  /**
   * A slice refused a scan program (`scanProgram`): no processor of that name on its node, or
   * the processor could not run the program. The same program fails again: not retryable.
   */
  | 'PROGRAM_REFUSED';

const retryableCodes: ReadonlySet<TxnErrorCode> = new Set([
  'WRITE_CONFLICT',
  'TXN_ABORTED',
  'LOCK_TIMEOUT',
  'UNAVAILABLE',
]);

export class TxnError extends Error {
  override readonly name = 'TxnError';
  constructor(
    readonly code: TxnErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True when running the whole transaction again (with a new startTs) may succeed. */
  get retryable(): boolean {
    return retryableCodes.has(this.code);
  }

  /** Normalises anything thrown below us (a transport, a storage engine) into a TxnError. */
  static fromUnknown(error: unknown, fallback: TxnErrorCode = 'UNAVAILABLE'): TxnError {
    if (error instanceof TxnError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new TxnError(fallback, message, { cause: error });
  }
}

export function isTxnError(error: unknown, code?: TxnErrorCode): error is TxnError {
  return error instanceof TxnError && (code === undefined || error.code === code);
}

export class TxnInvariantError extends Error {
  override readonly name = 'TxnInvariantError';
}

/** Throws a TxnInvariantError when `condition` is false. */
export function invariant(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new TxnInvariantError(message());
}
