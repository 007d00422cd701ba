import { invariant } from '../errors';
import type { KvEntry, KvReader, RangeOptions } from './kv-engine';
import { firstOf, mergeRange } from './merge-range';
import { SortedKeyMap } from './sorted-key-map';
import { tombstone } from './write-batch-value';
import type { BatchValue } from './write-batch-value';

export { tombstone } from './write-batch-value';
export type { BatchValue } from './write-batch-value';

/**
 * A set of puts and deletes applied atomically by `KvEngine.commit`. The last write to a key
 * wins. The batch is also a sorted overlay, so that logic building a batch can read its own
 * pending writes through `BatchView` (two commands on one key in one Raft entry, a log append
 * followed by a hard-state check).
 *
 * A batch is committed at most once; after that it is sealed and any use is a bug.
 */
export class WriteBatch {
  private readonly writes = new SortedKeyMap<BatchValue>();
  private sealed = false;
  private approxBytesValue = 0;

  put(key: Uint8Array, value: Uint8Array): void {
    this.assertOpen();
    this.writes.set(key, value);
    this.approxBytesValue += key.length + value.length;
  }

  delete(key: Uint8Array): void {
    this.assertOpen();
    this.writes.set(key, tombstone);
    this.approxBytesValue += key.length;
  }

  /** The pending write for `key`: bytes, `tombstone`, or undefined when the batch has none. */
  pending(key: Uint8Array): BatchValue | undefined {
    return this.writes.get(key);
  }

  pendingRange(options: RangeOptions): Iterable<{ key: Uint8Array; value: BatchValue }> {
    return this.writes.entries(options);
  }

  /** Distinct keys written. */
  get size(): number {
    return this.writes.size;
  }

  /** Bytes of keys and values passed in, counting overwrites; a sizing hint for callers. */
  get approxBytes(): number {
    return this.approxBytesValue;
  }

  get isEmpty(): boolean {
    return this.writes.size === 0;
  }

  /** Engines call this once, when they take the batch; it returns the writes in key order. */
  seal(): Iterable<{ key: Uint8Array; value: BatchValue }> {
    this.assertOpen();
    this.sealed = true;
    return this.writes.entries();
  }

  private assertOpen(): void {
    invariant(!this.sealed, 'BATCH_REUSED', () => 'a committed WriteBatch was used again');
  }
}

/**
 * A reader that sees `base` with `batch`'s pending writes laid over it. The base is read
 * lazily, so a BatchView is cheap to create per command.
 *
 * Lifetime: do not write to the batch while a `range` of the view is being iterated (the
 * overlay is a live sorted structure); materialise the range first, then write.
 */
export class BatchView implements KvReader {
  constructor(
    private readonly base: KvReader,
    private readonly batch: WriteBatch,
  ) {}

  get(key: Uint8Array): Uint8Array | undefined {
    const pending = this.batch.pending(key);
    if (pending === undefined) return this.base.get(key);
    return pending ?? undefined;
  }

  range(options: RangeOptions): Iterable<KvEntry> {
    const unlimited = { ...options, limit: undefined };
    return mergeRange(this.base.range(unlimited), this.batch.pendingRange(unlimited), options);
  }

  first(start: Uint8Array, end: Uint8Array): KvEntry | undefined {
    if (firstOf(this.batch.pendingRange({ start, end, limit: 1 })) === undefined) {
      return this.base.first(start, end);
    }
    return firstOf(this.range({ start, end, limit: 1 }));
  }
}
