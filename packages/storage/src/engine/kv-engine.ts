import type { WriteBatch } from './write-batch';

/**
 * An ordered byte-key KV engine: the only thing the MVCC store and the Raft log know about the
 * disk. Two implementations share this contract: `LmdbEngine` (production) and `MemoryEngine`
 * (the simulator's, with explicit crash and sync steps).
 *
 * Contract:
 * - Keys are compared as unsigned byte strings. A key longer than `maxKeyBytes` (or an empty
 *   key) makes `commit` throw `StorageError('KEY_TOO_LARGE')` synchronously, before anything is
 *   written; so does a closed engine (`ENGINE_CLOSED`).
 * - `commit(batch)` applies the batch atomically and *visibly before it returns* (a read issued
 *   after `commit` returned sees it), and the returned promise resolves only once the batch is
 *   durable. Visibility before durability is what lets the Raft apply loop evaluate entry N+1
 *   against entry N's writes without waiting for a disk flush. After a crash the engine holds a prefix of the committed batches that includes
 *   every batch whose promise resolved. Many batches share one durability step (group commit).
 * - Reads (`get`, `range`) see the latest committed state. Consume a `range` of the engine
 *   before the next `commit` or `await` (it may walk live structures); to read across those,
 *   take a `KvSnapshot`: it sees the state as of its creation until `release()`. Release every
 *   snapshot (LMDB holds a reader slot for it).
 * - Returned byte arrays must be treated as read-only; an engine may hand out its own copy.
 *   Arrays passed into a batch must not be changed after `put`.
 */
export interface KvReader {
  get(key: Uint8Array): Uint8Array | undefined;
  /**
   * Entries with `start <= key < end` in key order, or in reverse order when `reverse` is set.
   * Omitted bounds are open. At most `limit` entries.
   */
  range(options: RangeOptions): Iterable<KvEntry>;
  /**
   * The first entry with `start <= key < end`, or undefined: `range({ start, end, limit: 1 })`
   * without an iterator (the MVCC point read's version lookup).
   */
  first(start: Uint8Array, end: Uint8Array): KvEntry | undefined;
}

export interface RangeOptions {
  readonly start?: Uint8Array;
  readonly end?: Uint8Array;
  readonly reverse?: boolean;
  readonly limit?: number;
}

export interface KvEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface KvSnapshot extends KvReader {
  release(): void;
}

/**
 * Told about every change of an engine's visible state, synchronously, so that a reader can
 * keep state derived from committed records in memory (the MVCC store's space meta cache).
 */
export interface CommitObserver {
  /** `commit` made `batch`'s writes visible (called before `commit` returns). */
  committed(batch: WriteBatch): void;
  /** The visible state went back or was replaced (a simulated crash or wipe): forget it all. */
  reset(): void;
}

export interface KvEngine extends KvReader {
  /** The largest key the engine stores (LMDB: 1978 bytes at the default 4 KiB page size). */
  readonly maxKeyBytes: number;
  newBatch(): WriteBatch;
  commit(batch: WriteBatch): Promise<void>;
  snapshot(): KvSnapshot;
  close(): Promise<void>;
  /**
   * Registers an observer for the engine's lifetime (there is no removal: register one per
   * engine, not one per short-lived reader).
   */
  addCommitObserver(observer: CommitObserver): void;
}
