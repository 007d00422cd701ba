import type { ConfState, Entry, HardState, LogIndex, Snapshot, Term } from './types';

/**
 * The read side of a member's durable Raft state, as Raft sees it.
 *
 * The application owns writing: it persists what each Ready hands it (entries, hard state,
 * snapshot) and then makes it visible here, before calling `advance`. Raft only reads, and
 * reads only what the application has told it is durable. The layout of the log, seen through
 * this interface:
 *
 * ```
 *   compacted  firstIndex-1   snapshot.index            lastIndex
 *   ─────────────────┼──[firstIndex ... │ ... entries ... ]
 *                    └ term(firstIndex - 1) is still known
 * ```
 *
 * Contract:
 * - Calls are synchronous and come from the one thread that drives the RawNode; there is no
 *   concurrency to handle. An implementation may throw only for a real I/O failure, which the
 *   caller must treat as fatal for the replica.
 * - Results are owned by the caller after return: returned arrays must not be mutated by the
 *   storage later (return a copy or an immutable view). Entry objects are treated as immutable.
 * - Preconditions below are always checked by Raft before calling; a violation is a Raft bug.
 * - The application may compact the log (drop entries ≤ some index it has snapshotted)
 *   between calls into the RawNode, never while a call is running.
 */
export interface RaftStorage {
  /**
   * Where a restarted member resumes: the persisted hard state, and the latest snapshot's
   * index with the membership as of that index (index 0 and the bootstrap membership before
   * any snapshot). Raft hands out committed entries from `snapshotIndex + 1` on, and applies
   * the membership changes among them on top of `confState`.
   * Requires firstIndex() - 1 ≤ snapshotIndex: entries may be kept below a snapshot (for
   * lagging followers), never dropped above it.
   */
  initialState(): {
    readonly hardState: HardState;
    readonly confState: ConfState;
    readonly snapshotIndex: LogIndex;
  };

  /**
   * Entries in [lo, hi), stopping before their total entryBytes() would exceed `maxBytes`, but
   * always at least one entry when lo < hi.
   * Precondition: firstIndex() ≤ lo ≤ hi ≤ lastIndex() + 1.
   */
  entries(lo: LogIndex, hi: LogIndex, maxBytes: number): readonly Entry[];

  /**
   * Term of the entry at `index` for firstIndex() - 1 ≤ index ≤ lastIndex(), where the term at
   * firstIndex() - 1 is the snapshot's; `undefined` outside that range (compacted or absent).
   */
  term(index: LogIndex): Term | undefined;

  /** Index of the first entry still held (≤ the latest snapshot's index + 1). */
  firstIndex(): LogIndex;

  /** Index of the last durable entry, or firstIndex() - 1 when the log is empty. */
  lastIndex(): LogIndex;

  /**
   * The most recent snapshot, used by a leader to catch up a follower whose next entries are
   * compacted. Its index must be ≥ firstIndex() - 1 (compaction only ever goes up to a
   * snapshot), so that the follower can continue from the log after it.
   */
  snapshot(): Snapshot;
}
