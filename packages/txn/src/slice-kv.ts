import { physicalOf } from '@tessera/cluster';
import type {
  CommitResult,
  GetResult,
  Mutation,
  PrewriteResult,
  RollbackResult,
  ScanOptions,
  ScanResult,
  SpaceMissing,
  TxnStatus,
} from '@tessera/storage';

/**
 * What the transaction layer needs from the slices, and nothing more.
 *
 *   Transaction ──► Router (key → slice) ──► SliceKv (one call = one slice)
 *
 * Today `LocalSliceKv` serves it from one MvccStore space per slice; tomorrow an
 * implementation sends each call to the leader (ranking replica) of the slice's Raft group.
 *
 * Contract, for every implementation:
 * - Every call names ONE slice and carries keys of that slice only (the caller routed them).
 * - Every write call (`prewrite`, `commit`, `rollback`, `checkTxnStatus` when it rolls back,
 *   `resolveLocks`) is applied as ONE atomic, durable step: one MvccStore apply batch locally,
 *   one Raft entry replicated. When the promise resolves the step is durable; results come
 *   back in the order of the keys sent.
 * - Every write call is idempotent under redelivery (a network duplicate, a client retry):
 *   storage answers a repeated prewrite `ok`, a repeated commit at the same commitTs `ok`, a
 *   prewrite after the txn's rollback `alreadyRolledBack`, after its commit `alreadyCommitted`.
 * - Operating conditions are typed results. A slice that cannot be reached, or is not where
 *   the router said, rejects with `TxnError('UNAVAILABLE')` (or answers `spaceNotFound`).
 * - Byte arrays in results belong to the caller (implementations copy out of engine buffers).
 */
export interface SliceKv {
  get(slice: SliceId, key: Uint8Array, readTs: number): Promise<GetResult>;

  /**
   * User keys in [start, end) (undefined = open) at readTs; see storage's ScanResult. With
   * `options.program` the slice's node runs it and answers its outputs (or `programRefused`,
   * an answer like any other: implementations pass it through, never retry it).
   */
  scan(
    slice: SliceId,
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    readTs: number,
    options: ScanOptions,
    route?: ScanRoute,
  ): Promise<ScanResult>;

  /** Locks every mutation's key for txn `startTs` (Percolator prewrite), one result per key. */
  prewrite(slice: SliceId, request: PrewriteRequest): Promise<readonly PrewriteResult[]>;

  /** Turns the txn's locks on `keys` into versions at `commitTs`, one result per key. */
  commit(
    slice: SliceId,
    keys: readonly Uint8Array[],
    startTs: number,
    commitTs: number,
  ): Promise<readonly CommitResult[]>;

  /** Removes the txn's locks on `keys` and leaves rollback markers, one result per key. */
  rollback(
    slice: SliceId,
    keys: readonly Uint8Array[],
    startTs: number,
  ): Promise<readonly RollbackResult[]>;

  /**
   * The fate of txn `startTs`, decided on its primary key (the slice must hold `primary`):
   * committed, rolled back, or still locked by a live txn. A primary lock whose TTL has run
   * out at `nowMs` is rolled back here, in the same atomic step that read it, so a dead
   * coordinator's txn gets a definite fate and its late commit of the primary fails.
   */
  checkTxnStatus(slice: SliceId, request: CheckTxnStatusRequest): Promise<TxnStatus | SpaceMissing>;

  /**
   * Applies the decided fate of some txns' locks on this slice in one atomic step: commit at
   * `commitTs` when given, otherwise roll back. One result per resolution, in order.
   */
  resolveLocks(
    slice: SliceId,
    resolutions: readonly LockResolution[],
  ): Promise<readonly (CommitResult | RollbackResult)[]>;
}

/** Slice ids are u32 (a slice's MVCC space id on its replicas). */
export type SliceId = number;

/** A distribution-hash range [start, end) of the slice map. */
export interface HashBounds {
  readonly start: bigint;
  readonly end: bigint;
}

/**
 * What the caller's slice map said about the scanned slice. With `bounds`, an implementation
 * over split-able slices makes sure the whole range is read: a slice a split has narrowed
 * since refuses the scan, and the rows of its range are read where they are now.
 */
export interface ScanRoute {
  readonly bounds?: HashBounds | undefined;
}

export type KeyMutation = { readonly key: Uint8Array } & Mutation;

export interface PrewriteRequest {
  readonly mutations: readonly KeyMutation[];
  /** The txn's primary key: its record decides the txn's fate for every lock. */
  readonly primary: Uint8Array;
  readonly startTs: number;
  /**
   * Lock lifetime counted from the physical part of `startTs` (TiKV style): the lock expires
   * at `physicalOf(startTs) + lockTtlMs`.
   */
  readonly lockTtlMs: number;
  /** Keys the whole txn writes (a hint stored in each lock). */
  readonly txnSize: number;
}

export interface CheckTxnStatusRequest {
  readonly primary: Uint8Array;
  readonly startTs: number;
  /**
   * The startTs of the reader or writer asking. Unused today; with store-side max-ts
   * tracking it would push the lock's minCommitTs instead of waiting (TiKV's non-blocking
   * reads).
   */
  readonly callerStartTs: number;
  /** Physical milliseconds (timestamp space) to judge TTL expiry by. */
  readonly nowMs: number;
  /**
   * When the primary has no record of the txn at all (its prewrite has not landed, the
   * coordinator prewrote secondaries first and died), roll the primary back if the txn's TTL,
   * as seen on the caller's secondary lock, has run out: the rollback marker makes the late
   * primary prewrite fail. Undefined: report `none` and write nothing.
   */
  readonly rollbackIfMissing?: { readonly ttlMs: number } | undefined;
}

export interface LockResolution {
  readonly key: Uint8Array;
  readonly startTs: number;
  /** Commit at this ts; undefined means roll back. */
  readonly commitTs?: number | undefined;
}

/** Maps keys to slices. Placement's consistent hashing plugs in through `routerFromFunction`. */
export interface Router {
  sliceOf(key: Uint8Array): SliceId;
  /** The slices that may hold keys in [start, end): every slice under hash placement. */
  slicesFor(start: Uint8Array | undefined, end: Uint8Array | undefined): readonly SliceId[];
  /**
   * Optional: the slice's hash range in the map `slicesFor` answered from. Readers call it in
   * the same synchronous step as `slicesFor` (so from the same map) and send it with each scan
   * of the slice (ScanRoute): a split between the two cannot make a scan miss the rows that
   * moved to a slice the reader's list does not name.
   */
  boundsOf?(slice: SliceId): HashBounds | undefined;
}

/**
 * A Router over a fixed slice list and a key → slice function (hash placement: a range scan
 * visits every slice). The function must answer a member of `slices`.
 */
export function routerFromFunction(
  slices: readonly SliceId[],
  sliceOf: (key: Uint8Array) => SliceId,
): Router {
  const members = new Set(slices);
  const all = [...slices];
  return {
    sliceOf(key) {
      const slice = sliceOf(key);
      if (!members.has(slice)) throw new RangeError(`router answered unknown slice ${slice}`);
      return slice;
    },
    slicesFor: () => all,
  };
}

/** Expiry of a lock with `ttlMs` taken by txn `startTs`, at physical time `nowMs`. */
export function lockExpired(startTs: number, ttlMs: number, nowMs: number): boolean {
  return physicalOf(startTs) + ttlMs <= nowMs;
}
