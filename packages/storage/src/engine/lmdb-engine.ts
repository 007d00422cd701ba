import { open } from 'lmdb';
import type { RootDatabase, Transaction } from 'lmdb';
import { keySuccessor } from '../bytes';
import { StorageError } from '../errors';
import type { CommitObserver, KvEngine, KvEntry, KvSnapshot, RangeOptions } from './kv-engine';
import { checkKeySize, defaultMaxKeyBytes } from './key-size';
import { firstOf, mergeRange } from './merge-range';
import { SortedKeyMap } from './sorted-key-map';
import type { FrozenKeyMap } from './sorted-key-map';
import { WriteBatch } from './write-batch';
import { tombstone } from './write-batch-value';
import type { BatchValue } from './write-batch-value';

export interface LmdbEngineOptions {
  /** Directory of the environment (one per data node). */
  readonly path: string;
  /** Initial map size in bytes; lmdb-js grows it on demand. */
  readonly mapSizeBytes?: number;
}

/** A write submitted to LMDB and not yet committed there, tagged with its batch. */
interface PendingWrite {
  readonly value: BatchValue;
  readonly batchSeq: number;
}

type Db = RootDatabase<Uint8Array, Uint8Array>;

/**
 * With `separateFlushed`, lmdb-js resolves a write's promise when its transaction commits and
 * hangs a second promise, `flushed`, on it for when that transaction is on disk.
 */
type CommitPromise = Promise<boolean> & { readonly flushed?: PromiseLike<unknown> };

/**
 * KvEngine on one LMDB environment per node (binary keys and values, one root database).
 *
 * Group commit: `commit` hands the batch to lmdb-js as one `db.batch()`; lmdb-js puts every
 * async write issued in the same event turn into one LMDB transaction, committed and fsynced
 * on its writer thread, so the batches of all replicas of the node that commit in one turn
 * share one durable transaction. The promise resolves when that transaction is flushed
 * (`separateFlushed`: the commit promise carries a `flushed` promise for its own fsync).
 *
 * Visible at once: until LMDB has committed it, a batch's writes sit in `pending`, an ordered
 * overlay that every read consults first (and that a snapshot freezes along with its LMDB read
 * transaction). A write leaves the overlay once LMDB has committed its batch (readers see it
 * there from then on), unless a later batch overwrote the key meanwhile.
 *
 * Max key size: 1978 bytes, LMDB's limit at lmdb-js's default 4 KiB page size; `commit`
 * rejects longer (or empty) keys with StorageError('KEY_TOO_LARGE') before writing anything.
 *
 * A failed LMDB transaction leaves the overlay ahead of the disk; the engine then refuses all
 * further work (ENGINE_FAILED) and the node must restart from what is on disk.
 */
export class LmdbEngine implements KvEngine {
  readonly maxKeyBytes = defaultMaxKeyBytes;
  private readonly pending = new SortedKeyMap<PendingWrite>();
  private batchSeq = 0;
  private closed = false;
  private failure: StorageError | undefined;
  private readonly observers: CommitObserver[] = [];

  private constructor(private readonly db: Db) {}

  static open(options: LmdbEngineOptions): LmdbEngine {
    try {
      const db = open<Uint8Array, Uint8Array>({
        path: options.path,
        keyEncoding: 'binary',
        encoding: 'binary',
        separateFlushed: true,
        ...(options.mapSizeBytes === undefined ? {} : { mapSize: options.mapSizeBytes }),
      });
      return new LmdbEngine(db);
    } catch (error) {
      throw StorageError.fromUnknown(error, 'ENGINE_FAILED');
    }
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.assertUsable();
    const pending = this.pending.get(key);
    if (pending !== undefined) return pending.value ?? undefined;
    const value = this.db.getBinary(key);
    return value === undefined ? undefined : plain(value);
  }

  range(options: RangeOptions): Iterable<KvEntry> {
    this.assertUsable();
    if (this.pending.size === 0) return lmdbRange(this.db, options, undefined);
    return mergeRange(
      lmdbRange(this.db, { ...options, limit: undefined }, undefined),
      overlayEntries(this.pending.entries({ ...options, limit: undefined })),
      options,
    );
  }

  first(start: Uint8Array, end: Uint8Array): KvEntry | undefined {
    this.assertUsable();
    if (this.pending.size === 0) return lmdbFirst(this.db, start, end, undefined);
    return firstWithOverlay(this.db, this.pending, start, end, undefined);
  }

  addCommitObserver(observer: CommitObserver): void {
    this.observers.push(observer);
  }

  newBatch(): WriteBatch {
    return new WriteBatch();
  }

  commit(batch: WriteBatch): Promise<void> {
    this.assertUsable();
    const writes = [...batch.seal()];
    for (const { key } of writes) checkKeySize(key, this.maxKeyBytes);
    if (writes.length === 0) return Promise.resolve();
    const batchSeq = ++this.batchSeq;
    for (const { key, value } of writes) this.pending.set(key, { value, batchSeq });
    // Visible from here on (reads consult the overlay first).
    for (const observer of this.observers) observer.committed(batch);
    const committed: CommitPromise = this.db.batch(() => {
      for (const { key, value } of writes) {
        if (value === tombstone) void this.db.remove(key);
        else void this.db.put(key, value);
      }
    });
    return this.settle(committed, writes, batchSeq);
  }

  snapshot(): KvSnapshot {
    this.assertUsable();
    return new LmdbSnapshot(this.db, this.db.useReadTransaction(), this.pending.freeze());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Observers keep nothing of a closed engine: their next read reaches it and fails.
    for (const observer of this.observers) observer.reset();
    await this.db.flushed;
    await this.db.close();
  }

  private async settle(
    committed: CommitPromise,
    writes: readonly { key: Uint8Array; value: BatchValue }[],
    batchSeq: number,
  ): Promise<void> {
    try {
      await committed;
      // Committed: LMDB readers see the writes now, so the overlay can let go of them.
      for (const { key } of writes) {
        if (this.pending.get(key)?.batchSeq === batchSeq) this.pending.delete(key);
      }
      // Durable: the fsync of the transaction that carried this batch has returned.
      await (committed.flushed ?? this.db.flushed);
    } catch (error) {
      if (this.failure === undefined) {
        this.failure = StorageError.fromUnknown(error, 'ENGINE_FAILED');
        for (const observer of this.observers) observer.reset();
      }
      throw this.failure;
    }
  }

  private assertUsable(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new StorageError('ENGINE_CLOSED', 'the LMDB engine is closed');
  }
}

class LmdbSnapshot implements KvSnapshot {
  private released = false;
  constructor(
    private readonly db: Db,
    private readonly txn: Transaction,
    private readonly pending: FrozenKeyMap<PendingWrite>,
  ) {}

  get(key: Uint8Array): Uint8Array | undefined {
    const pending = this.pending.get(key);
    if (pending !== undefined) return pending.value ?? undefined;
    // A one-key range rather than get(): range reads honour the transaction in every lmdb-js
    // version we tried, so the snapshot cannot see a later write.
    const only = { start: key, end: keySuccessor(key), limit: 1 };
    for (const entry of lmdbRange(this.db, only, this.txn)) return entry.value;
    return undefined;
  }

  range(options: RangeOptions): Iterable<KvEntry> {
    if (this.pending.size === 0) return lmdbRange(this.db, options, this.txn);
    return mergeRange(
      lmdbRange(this.db, { ...options, limit: undefined }, this.txn),
      overlayEntries(this.pending.entries({ ...options, limit: undefined })),
      options,
    );
  }

  first(start: Uint8Array, end: Uint8Array): KvEntry | undefined {
    if (this.pending.size === 0) return lmdbFirst(this.db, start, end, this.txn);
    return firstWithOverlay(this.db, this.pending, start, end, this.txn);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.txn.done();
  }
}

function* overlayEntries(
  entries: Iterable<{ key: Uint8Array; value: PendingWrite }>,
): Generator<{ key: Uint8Array; value: BatchValue }> {
  for (const { key, value } of entries) yield { key, value: value.value };
}

/**
 * The first entry of [start, end) with the overlay laid over LMDB. When the overlay holds
 * nothing in the range (the common case) this is one LMDB seek; otherwise the merged range.
 */
function firstWithOverlay(
  db: Db,
  pending: SortedKeyMap<PendingWrite> | FrozenKeyMap<PendingWrite>,
  start: Uint8Array,
  end: Uint8Array,
  transaction: Transaction | undefined,
): KvEntry | undefined {
  if (firstOf(pending.entries({ start, end, limit: 1 })) === undefined) {
    return lmdbFirst(db, start, end, transaction);
  }
  const bounds = { start, end };
  return firstOf(
    mergeRange(lmdbRange(db, bounds, transaction), overlayEntries(pending.entries(bounds)), {
      ...bounds,
      limit: 1,
    }),
  );
}

/**
 * One cursor seek: `getRange` with limit 1, its iterator driven by hand. Cheaper than
 * `lmdbRange` (no `map` stage, no `for…of` protocol objects): about one raw `get`.
 */
function lmdbFirst(
  db: Db,
  start: Uint8Array,
  end: Uint8Array,
  transaction: Transaction | undefined,
): KvEntry | undefined {
  const options =
    transaction === undefined ? { start, end, limit: 1 } : { start, end, limit: 1, transaction };
  const iterator = db.getRange(options)[Symbol.iterator]();
  try {
    const next = iterator.next();
    if (next.done === true) return undefined;
    return { key: plain(next.value.key), value: plain(next.value.value) };
  } finally {
    // Hands the cursor back to lmdb-js (it keeps one for reuse) and releases the read txn.
    iterator.return?.();
  }
}

/** Maps our [start, end) contract onto lmdb-js, whose reverse ranges run from start down. */
function lmdbRange(
  db: Db,
  options: RangeOptions,
  transaction: Transaction | undefined,
): Iterable<KvEntry> {
  const { start, end, reverse = false, limit } = options;
  const common = {
    ...(limit === undefined ? {} : { limit }),
    ...(transaction === undefined ? {} : { transaction }),
  };
  const iterable = reverse
    ? db.getRange({
        ...common,
        reverse: true,
        ...(end === undefined ? {} : { start: end, exclusiveStart: true }),
        ...(start === undefined ? {} : { end: start, inclusiveEnd: true }),
      })
    : db.getRange({
        ...common,
        ...(start === undefined ? {} : { start }),
        ...(end === undefined ? {} : { end }),
      });
  return iterable.map(({ key, value }) => ({ key: plain(key), value: plain(value) }));
}

/**
 * lmdb-js hands out Buffers (fresh copies). We expose plain Uint8Array views of them so both
 * engines return the same type: Buffer#slice does not copy, Uint8Array#slice does, and the
 * codecs rely on the latter.
 */
function plain(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
