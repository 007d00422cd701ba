import { StorageError } from '../errors';
import { checkKeySize, defaultMaxKeyBytes } from './key-size';
import type { CommitObserver, KvEngine, KvEntry, KvSnapshot, RangeOptions } from './kv-engine';
import { firstOf } from './merge-range';
import { SortedKeyMap } from './sorted-key-map';
import type { FrozenKeyMap } from './sorted-key-map';
import { WriteBatch, tombstone } from './write-batch';

export interface MemoryEngineOptions {
  /**
   * 'manual' (the simulator): a batch becomes durable only when `sync()` runs.
   * 'immediate' (unit tests): every commit is durable at once.
   */
  readonly durability?: 'manual' | 'immediate';
  readonly maxKeyBytes?: number;
}

interface UndoRecord {
  readonly key: Uint8Array;
  /** The value before the write; undefined means the key was absent. */
  readonly prior: Uint8Array | undefined;
}

/**
 * A deterministic in-memory KvEngine for the simulator. Crash model: committed batches are
 * visible at once but durable only after `sync()`; `crash()` rolls the state back to the last
 * sync (an undo log of the unsynced writes, newest first), and the promises of the lost batches
 * never settle, as with a process that died. `wipe()` models losing the disk.
 */
export class MemoryEngine implements KvEngine {
  readonly maxKeyBytes: number;
  private readonly state = new SortedKeyMap<Uint8Array>();
  private readonly durability: 'manual' | 'immediate';
  private undo: UndoRecord[] = [];
  private waiters: (() => void)[] = [];
  private closed = false;
  private unsyncedBatches = 0;
  private readonly observers: CommitObserver[] = [];

  constructor(options: MemoryEngineOptions = {}) {
    this.durability = options.durability ?? 'immediate';
    this.maxKeyBytes = options.maxKeyBytes ?? defaultMaxKeyBytes;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.state.get(key);
  }

  range(options: RangeOptions): Iterable<KvEntry> {
    return this.state.entries(options);
  }

  first(start: Uint8Array, end: Uint8Array): KvEntry | undefined {
    return firstOf(this.state.entries({ start, end, limit: 1 }));
  }

  addCommitObserver(observer: CommitObserver): void {
    this.observers.push(observer);
  }

  newBatch(): WriteBatch {
    return new WriteBatch();
  }

  commit(batch: WriteBatch): Promise<void> {
    if (this.closed) throw new StorageError('ENGINE_CLOSED', 'commit on a closed MemoryEngine');
    const writes = [...batch.seal()];
    for (const { key } of writes) checkKeySize(key, this.maxKeyBytes);
    for (const { key, value } of writes) {
      if (this.durability === 'manual') this.undo.push({ key, prior: this.state.get(key) });
      if (value === tombstone) this.state.delete(key);
      else this.state.set(key, value);
    }
    for (const observer of this.observers) observer.committed(batch);
    if (this.durability === 'immediate') return Promise.resolve();
    this.unsyncedBatches++;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Makes every committed batch durable and settles their promises. Returns how many. */
  sync(): number {
    const n = this.unsyncedBatches;
    const waiters = this.waiters;
    this.undo = [];
    this.waiters = [];
    this.unsyncedBatches = 0;
    for (const resolve of waiters) resolve();
    return n;
  }

  /** Batches committed since the last sync: what a crash now would lose. */
  get unsynced(): number {
    return this.unsyncedBatches;
  }

  /** Loses every batch not yet synced, as a process crash would. The engine stays usable. */
  crash(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) {
      const record = this.undo[i];
      if (record === undefined) continue;
      if (record.prior === undefined) this.state.delete(record.key);
      else this.state.set(record.key, record.prior);
    }
    this.undo = [];
    this.waiters = [];
    this.unsyncedBatches = 0;
    this.closed = false;
    for (const observer of this.observers) observer.reset();
  }

  /** Loses everything, as a replaced disk would. */
  wipe(): void {
    this.state.clear();
    this.undo = [];
    this.waiters = [];
    this.unsyncedBatches = 0;
    this.closed = false;
    for (const observer of this.observers) observer.reset();
  }

  snapshot(): KvSnapshot {
    return new MemorySnapshot(this.state.freeze());
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

class MemorySnapshot implements KvSnapshot {
  constructor(private readonly view: FrozenKeyMap<Uint8Array>) {}
  get(key: Uint8Array): Uint8Array | undefined {
    return this.view.get(key);
  }
  range(options: RangeOptions): Iterable<KvEntry> {
    return this.view.entries(options);
  }
  first(start: Uint8Array, end: Uint8Array): KvEntry | undefined {
    return firstOf(this.view.entries({ start, end, limit: 1 }));
  }
  release(): void {
    // Nothing to free: the frozen chunks are garbage once unreferenced.
  }
}
