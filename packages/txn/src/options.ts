/** Tunables of the transaction layer, with the defaults a cluster runs with. */
export interface TxnOptions {
  /**
   * Lifetime of the txn's locks past the time it prewrites (ms). A coordinator that dies
   * leaves locks that readers may roll back once this has run out.
   */
  readonly lockTtlMs: number;
  /** How long a read waits, in total, for a live txn's lock to clear (ms). */
  readonly lockWaitMsMax: number;
  /** Attempts a read makes on one key or page before LOCK_TIMEOUT, however short the waits. */
  readonly readAttemptsMax: number;
  /** Backoff between lock-resolution attempts: base, doubled each time up to the cap (ms). */
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  /** Rounds of resolve-and-retry for a prewrite that met dead txns' locks. */
  readonly prewriteAttemptsMax: number;
  /** Buffered mutations one txn may hold. */
  readonly mutationsMax: number;
  /** Background tasks (secondary commits, cleanups) in flight before commit() waits. */
  readonly backgroundTasksMax: number;
  /** Rows one slice answers per scan page. */
  readonly scanPageRows: number;
  /** Rows a scan returns at most when the caller gives no limit. */
  readonly scanRowsMax: number;
  /**
   * 'parallel' (RFC 0002): prewrite every slice's group at once. 'primaryFirst': the primary's
   * group first, the others once it holds its lock (one more round trip; a reader never finds
   * a secondary whose primary has no record yet).
   */
  readonly prewriteOrder: 'parallel' | 'primaryFirst';
}

export const defaultTxnOptions: TxnOptions = {
  lockTtlMs: 3_000,
  lockWaitMsMax: 10_000,
  readAttemptsMax: 64,
  backoffBaseMs: 2,
  backoffCapMs: 500,
  prewriteAttemptsMax: 3,
  mutationsMax: 100_000,
  backgroundTasksMax: 1_024,
  scanPageRows: 256,
  scanRowsMax: 1_000_000,
  prewriteOrder: 'parallel',
};
