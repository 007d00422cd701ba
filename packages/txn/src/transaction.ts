import type { ScanProgramSpec } from '@tessera/storage';
import { TxnError } from './errors';
import type { SnapshotReader, KeyValue, ScanProgramOptions } from './snapshot-reader';
import { scanStream } from './scan-stream';
import type { ProgramStreamOptions, ScanStreamOptions } from './scan-stream';
import { twoPhaseCommit } from './two-phase-commit';
import type { CommitContext, CommitOutcome } from './two-phase-commit';
import type { KeyMutation } from './slice-kv';
import type { WriteBuffer } from './write-buffer';

/** See Transaction.savepoint. */
export interface TxnSavepoint {
  readonly writes: ReadonlyMap<string, KeyMutation>;
}

export type TxnState = 'active' | 'committing' | 'committed' | 'rolledBack' | 'aborted';

export interface ScanOptions {
  /** Rows to return at most (default: the client's scanRowsMax). */
  readonly limit?: number;
}

/**
 * One snapshot-isolation transaction, driven by its coordinator (this object).
 *
 * - Reads see the snapshot at `startTs` plus this txn's own buffered writes.
 * - Writes are buffered here until `commit()`; nothing reaches a slice before it.
 * - `commit()` runs Percolator's two-phase commit; it resolves once the primary's commit is
 *   durable (the commit point) and rejects with a TxnError otherwise (WRITE_CONFLICT and
 *   TXN_ABORTED are retryable with a new transaction).
 *
 * Not safe for concurrent use: one caller at a time, like one MySQL session. Not done:
 * pessimistic locks (`getForUpdate` is optimistic) and heartbeats that extend the primary's
 * TTL for transactions longer than `lockTtlMs` (see README).
 */
export class Transaction {
  private stateNow: TxnState = 'active';

  constructor(
    readonly startTs: number,
    private readonly reader: SnapshotReader,
    private readonly buffer: WriteBuffer,
    private readonly commitContext: CommitContext,
    private readonly scanRowsMax: number,
  ) {}

  get state(): TxnState {
    return this.stateNow;
  }

  /** The value at startTs, or this txn's own write; undefined when absent or deleted. */
  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.assertActive();
    const own = this.buffer.get(key);
    if (own !== undefined) return own.op === 'put' ? own.value : undefined;
    return this.reader.get(key, this.startTs);
  }

  /** Keys in [start, end) (undefined = open) at startTs with own writes laid over, in order. */
  async scan(
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    options: ScanOptions = {},
  ): Promise<KeyValue[]> {
    this.assertActive();
    const limit = options.limit ?? this.scanRowsMax;
    // Own deletes may hide up to that many slice rows: read enough to still fill `limit`.
    const readLimit = limit + this.buffer.deletesInRange(start, end);
    const rows = await this.reader.scan(start, end, this.startTs, readLimit);
    return this.buffer.overlay(rows, start, end).slice(0, limit);
  }

  /**
   * The rows `scan` would return for [start, end), in the same order, read while the caller
   * consumes them (scan-stream.ts): per slice one page in hand and the next in flight, merged
   * by key, own writes (as buffered now) laid over. No row limit; stop by breaking out. Fails
   * with TXN_CLOSED at its next page once this transaction ended.
   */
  scanStream(
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    options: ScanStreamOptions = {},
  ): AsyncIterable<KeyValue> {
    this.assertActive();
    const snapshot = {
      reader: this.reader,
      readTs: this.startTs,
      own: this.buffer.inRange(start, end),
      assertActive: () => {
        this.assertActive();
      },
    };
    return scanStream(
      snapshot,
      start,
      end,
      options.pageRows ?? this.commitContext.options.scanPageRows,
    );
  }

  /**
   * `scanStream` with a row program (filters, projections) run on every slice: its outputs in
   * key order, read while consumed. Undefined when this txn has buffered writes in the range
   * (programs see committed rows only: stream plainly then). PROGRAM_REFUSED from the page
   * that met the refusal.
   */
  programStream(
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    program: ScanProgramSpec,
    options: ProgramStreamOptions = {},
  ): AsyncIterable<KeyValue> | undefined {
    this.assertActive();
    if (this.buffer.hasWritesIn(start, end)) return undefined;
    const snapshot = {
      reader: this.reader,
      readTs: this.startTs,
      own: [],
      assertActive: () => {
        this.assertActive();
      },
    };
    return scanStream(
      snapshot,
      start,
      end,
      options.examinePerRequest ?? this.commitContext.options.scanPageRows,
      program,
    );
  }

  /**
   * Runs a scan program over [start, end) at startTs on every slice that may hold keys there
   * (see SnapshotReader.scanProgram): its outputs, grouped by slice. Programs see committed data
   * only, so when this txn has buffered writes in the range it answers undefined and sends
   * nothing — the caller reads the range plainly (`scan`) then, own writes laid over. Rejects
   * with PROGRAM_REFUSED when a slice cannot run the program.
   */
  async scanProgram(
    start: Uint8Array | undefined,
    end: Uint8Array | undefined,
    program: ScanProgramSpec,
    options: ScanProgramOptions = {},
  ): Promise<KeyValue[] | undefined> {
    this.assertActive();
    if (this.buffer.hasWritesIn(start, end)) return undefined;
    return this.reader.scanProgram(start, end, this.startTs, program, options);
  }

  /**
   * SELECT … FOR UPDATE, optimistically (TiDB's optimistic mode): reads the key and adds it to
   * the write set unchanged, so a txn that commits a write to it after our startTs makes our
   * commit fail with WRITE_CONFLICT (first committer wins). That turns a read-write dependency
   * into a write-write conflict and prevents write skew on the keys read this way. It does not
   * block other txns now (no pessimistic lock: storage has no lock-only record yet), and an
   * absent key is locked by writing a tombstone.
   */
  async getForUpdate(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.assertActive();
    if (this.buffer.get(key) !== undefined) return this.get(key);
    const value = await this.reader.get(key, this.startTs);
    this.assertActive();
    this.buffer.set(key, value === undefined ? { op: 'delete' } : { op: 'put', value });
    return value;
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.assertActive();
    this.buffer.set(key, { op: 'put', value });
  }

  delete(key: Uint8Array): void {
    this.assertActive();
    this.buffer.set(key, { op: 'delete' });
  }

  /** Commits; a read-only txn commits at once with commitTs = startTs. */
  async commit(): Promise<CommitOutcome> {
    this.assertActive();
    this.stateNow = 'committing';
    if (this.buffer.size === 0) {
      this.stateNow = 'committed';
      return { kind: 'committed', commitTs: this.startTs, keys: 0, slices: 0 };
    }
    try {
      const outcome = await twoPhaseCommit(this.commitContext, this.startTs, this.buffer.sorted());
      this.stateNow = 'committed';
      return outcome;
    } catch (error) {
      this.stateNow = 'aborted';
      throw error;
    }
  }

  /**
   * A point to return to with `rollbackTo` (SQL savepoints, and statement atomicity inside a
   * transaction). Costs a copy of the write buffer.
   */
  savepoint(): TxnSavepoint {
    this.assertActive();
    return { writes: this.buffer.snapshot() };
  }

  /** Drops every write buffered since `savepoint` was taken; the transaction stays open. */
  rollbackTo(savepoint: TxnSavepoint): void {
    this.assertActive();
    this.buffer.restore(savepoint.writes);
  }

  /** Drops the buffered writes. Nothing was sent to a slice, so nothing is left behind. */
  rollback(): Promise<void> {
    this.assertActive();
    this.stateNow = 'rolledBack';
    return Promise.resolve();
  }

  private assertActive(): void {
    if (this.stateNow !== 'active') {
      throw new TxnError('TXN_CLOSED', `txn ${this.startTs} is ${this.stateNow}`);
    }
  }
}
