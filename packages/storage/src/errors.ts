/**
 * The storage boundary's two error classes (STYLE.md §6, TigerBeetle's split):
 *
 * - `StorageError` is an operating error of the engine itself (a key over LMDB's limit, a
 *   closed engine). MVCC and Raft-log conditions are never thrown: they are typed results.
 * - `StorageInvariantError` is a broken invariant (a bug, or corruption on disk). It must crash
 *   the node; nothing should catch it except to log and exit.
 */

export type StorageErrorCode = 'KEY_TOO_LARGE' | 'ENGINE_CLOSED' | 'ENGINE_FAILED';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Normalises anything thrown below us (lmdb-js throws plain Errors) into a StorageError. */
  static fromUnknown(error: unknown, fallback: StorageErrorCode): StorageError {
    if (error instanceof StorageError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new StorageError(fallback, message, { cause: error });
  }
}

export type InvariantCode =
  | 'CODEC_ROUND_TRIP'
  | 'CORRUPT_RECORD'
  | 'APPLIED_INDEX_REGRESSED'
  | 'LOG_NOT_CONTIGUOUS'
  | 'LOG_TERM_REGRESSED'
  | 'HARD_STATE_REGRESSED'
  | 'BAD_TIMESTAMP'
  | 'BAD_ID'
  | 'SPACE_STATE'
  | 'BATCH_REUSED';

export class StorageInvariantError extends Error {
  override readonly name = 'StorageInvariantError';
  constructor(
    readonly code: InvariantCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Throws a StorageInvariantError when `condition` is false. */
export function invariant(
  condition: boolean,
  code: InvariantCode,
  message: () => string,
): asserts condition {
  if (!condition) throw new StorageInvariantError(code, message());
}
