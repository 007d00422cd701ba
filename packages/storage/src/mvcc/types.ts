/**
 * The MVCC store's vocabulary: locks, commands applied through Raft, and their typed results.
 * Operating conditions (a conflict, a lock, a missing space) are results, never exceptions.
 */

/** A Percolator lock (write intent) as readers and the txn layer see it. */
export interface Lock {
  readonly key: Uint8Array;
  /** The transaction's primary key: its lock or commit record decides the txn's fate. */
  readonly primary: Uint8Array;
  readonly startTs: number;
  readonly op: 'put' | 'delete';
  readonly ttlMs: number;
  /** Keys the txn writes (a hint for lock resolution). */
  readonly txnSize: number;
}

export type TxnStatus =
  | { readonly kind: 'committed'; readonly commitTs: number }
  | { readonly kind: 'rolledBack' }
  | { readonly kind: 'locked'; readonly lock: Lock }
  | { readonly kind: 'none' };

/** Results any read or write on a space may return instead of its own answer. */
export type SpaceMissing = { readonly kind: 'spaceNotFound'; readonly space: number };
export type ReadTooOld = { readonly kind: 'readTooOld'; readonly gcSafePointTs: number };

export type GetResult =
  | { readonly kind: 'value'; readonly value: Uint8Array; readonly commitTs: number }
  | { readonly kind: 'none' }
  | { readonly kind: 'locked'; readonly lock: Lock }
  | ReadTooOld
  | SpaceMissing;

export interface ScanOptions {
  /**
   * Rows to return at most (locks count too); 0 < limit. With a `program`: visible rows to
   * examine at most (locks count too) — the work of one request, not the size of its answer.
   */
  readonly limit: number;
  readonly reverse?: boolean;
  /** Work to run over the visible rows next to the data; the answer is its output. */
  readonly program?: ScanProgramSpec;
}

// ---- scan programs (coprocessor reads) -------------------------------------------------------

/** Work a scan does next to the data; opaque to storage. */
export interface ScanProgramSpec {
  /** Which registered processor runs it (e.g. 'sql'). */
  readonly processor: string;
  /** That processor's own encoding of the program. */
  readonly program: Uint8Array;
}

/** Runs programs of one kind; registered with the store that serves scans (node side). */
export interface ScanProcessor {
  /**
   * Compiles `program` for one scan request. Throws (any Error) on bytes it cannot run: the
   * store answers { kind: 'programRefused', reason } instead of rows.
   */
  open(program: Uint8Array): ScanProgramRun;
}

export interface ScanProgramRun {
  /**
   * One visible row (the newest version at readTs, not deleted), in scan order. The arrays are
   * engine views valid only during the call: copy what you keep. Answers true when the program
   * needs no more rows (its LIMIT is met): the scan stops there.
   */
  row(key: Uint8Array, value: Uint8Array): boolean;
  /** The program's output for the rows seen, owned by the caller (fresh arrays). */
  finish(): readonly { readonly key: Uint8Array; readonly value: Uint8Array }[];
}

/**
 * A scan program the store cannot run: no processor of that name, or its `open`, `row` or
 * `finish` threw (`reason` is the error's message).
 */
export type ProgramRefused = { readonly kind: 'programRefused'; readonly reason: string };

/** A visible row; with a program, one of its outputs (commitTs 0). */
export interface ScanRow {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly commitTs: number;
}

export type ScanResult =
  | {
      readonly kind: 'rows';
      readonly rows: readonly ScanRow[];
      /**
       * Locks with startTs <= readTs met in the range. When non-empty the rows are not a
       * consistent answer: resolve the locks, then scan again.
       */
      readonly locks: readonly Lock[];
      /**
       * Where to continue when the limit cut the scan short (or a program said stop): the next
       * start key (forward) or the next exclusive end key (reverse). Undefined when the range
       * is exhausted.
       */
      readonly resumeKey: Uint8Array | undefined;
    }
  | ReadTooOld
  | SpaceMissing
  | ProgramRefused;

// ---- commands (one Raft entry = a list of commands = one atomic batch) ----------------------

export type Mutation =
  { readonly op: 'put'; readonly value: Uint8Array } | { readonly op: 'delete' };

export type PrewriteCommand = {
  readonly kind: 'prewrite';
  readonly key: Uint8Array;
  readonly startTs: number;
  readonly primary: Uint8Array;
  readonly ttlMs?: number;
  readonly txnSize?: number;
} & Mutation;

export interface CommitCommand {
  readonly kind: 'commit';
  readonly key: Uint8Array;
  readonly startTs: number;
  readonly commitTs: number;
}

export interface RollbackCommand {
  readonly kind: 'rollback';
  readonly key: Uint8Array;
  readonly startTs: number;
}

/** Writes a committed version directly: bulk load, and tests. */
export type PutVersionCommand = {
  readonly kind: 'putVersion';
  readonly key: Uint8Array;
  readonly commitTs: number;
  /** Defaults to commitTs (timestamps are unique, so no real txn has that startTs). */
  readonly startTs?: number;
} & Mutation;

/** One bounded step of garbage collection (see gc.ts). */
export interface GcCommand {
  readonly kind: 'gc';
  readonly safePointTs: number;
  /** User key to start from; undefined = the start of the space. */
  readonly fromKey?: Uint8Array;
  /** Records to examine at most in this step. */
  readonly maxRecords: number;
}

export type MvccCommand =
  PrewriteCommand | CommitCommand | RollbackCommand | PutVersionCommand | GcCommand;

export type KeyTooLarge = { readonly kind: 'keyTooLarge'; readonly keyBytes: number };

export type PrewriteResult =
  | { readonly kind: 'ok' }
  | {
      readonly kind: 'writeConflict';
      readonly conflictCommitTs: number;
      readonly conflictStartTs: number;
    }
  | { readonly kind: 'keyLocked'; readonly lock: Lock }
  | { readonly kind: 'alreadyRolledBack' }
  /** This txn's prewrite arrived again after it committed. */
  | { readonly kind: 'alreadyCommitted'; readonly commitTs: number }
  /** startTs is below the GC safe point: rollback markers that guard it may be gone. */
  | { readonly kind: 'startTsTooOld'; readonly gcSafePointTs: number }
  | KeyTooLarge;

export type CommitResult =
  { readonly kind: 'ok' } | { readonly kind: 'lockNotFound'; readonly status: TxnStatus };

export type RollbackResult =
  { readonly kind: 'ok' } | { readonly kind: 'alreadyCommitted'; readonly commitTs: number };

export type PutVersionResult = { readonly kind: 'ok' } | KeyTooLarge;

export interface GcResult {
  readonly kind: 'gc';
  readonly deletedRecords: number;
  /** The user key to pass as fromKey next time; undefined when the space was covered. */
  readonly resumeKey: Uint8Array | undefined;
}

export type CommandResult =
  PrewriteResult | CommitResult | RollbackResult | PutVersionResult | GcResult;

/** A Raft entry's worth of commands, applied at (index, term). */
export interface ApplyEntry {
  readonly index: number;
  readonly term: number;
  readonly commands: readonly MvccCommand[];
}

export type ApplyResult =
  { readonly kind: 'applied'; readonly results: readonly CommandResult[] } | SpaceMissing;

/** Size and position of a space, for the rebalancer and the Raft layer. */
export interface SpaceInfo {
  readonly space: number;
  readonly appliedIndex: number;
  readonly appliedTerm: number;
  readonly gcSafePointTs: number;
  /** Records (locks, versions, rollback markers), not distinct user keys. */
  readonly approxRecords: number;
  /** Key + value bytes of those records as stored (before LMDB page overhead). */
  readonly approxBytes: number;
  readonly importing: boolean;
  /** The highest commit timestamp applied (see SpaceMeta.maxCommitTs). */
  readonly maxCommitTs: number;
}
