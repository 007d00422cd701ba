import { limitBytes } from './entry-size';
import { invariant } from './errors';
import type { RaftStorage } from './storage';
import type { Entry, LogIndex, Snapshot, Term } from './types';
import { Unstable } from './unstable';

/**
 * One member's view of the replicated log: durable storage plus the unstable tail, with the
 * commit and apply positions.
 *
 * ```
 *   firstIndex-1   applied ≤ committed ≤ lastIndex
 *   [snapshot]──[ storage (durable) ... ][ unstable (not yet persisted) ]
 * ```
 *
 * Invariants: applied ≤ committed ≤ lastIndex; committed entries are never truncated;
 * entries are applied only once durable here (applied < unstable.offset).
 */
export class RaftLog {
  readonly unstable: Unstable;
  committed: LogIndex;
  applied: LogIndex;

  constructor(readonly storage: RaftStorage) {
    const first = storage.firstIndex();
    this.unstable = new Unstable(storage.lastIndex() + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): LogIndex {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): LogIndex {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): Term {
    const term = this.term(this.lastIndex());
    invariant(term !== undefined, 'the term of the last entry is always known');
    return term;
  }

  /** Term at `index`, or undefined when compacted away or beyond the end. */
  term(index: LogIndex): Term | undefined {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined;
    return this.unstable.maybeTerm(index) ?? this.storage.term(index);
  }

  matchTerm(index: LogIndex, term: Term): boolean {
    return this.term(index) === term;
  }

  /** Raft's election restriction: is (lastIndex, term) at least as up to date as ours? */
  isUpToDate(lastIndex: LogIndex, term: Term): boolean {
    const ourTerm = this.lastTerm();
    return term > ourTerm || (term === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Follower side of AppendEntries. Returns the index of the last new entry when the entry at
   * (index, logTerm) matches, undefined when it does not (the leader must back off).
   */
  maybeAppend(
    index: LogIndex,
    logTerm: Term,
    commit: LogIndex,
    entries: readonly Entry[],
  ): LogIndex | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNewIndex = index + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      invariant(conflict > this.committed, () => {
        return `entry ${conflict} conflicts with committed entry (committed ${this.committed})`;
      });
      this.append(entries.slice(conflict - (index + 1)));
    }
    this.commitTo(Math.min(commit, lastNewIndex));
    return lastNewIndex;
  }

  /** Appends (and truncates a conflicting tail). Returns the new last index. */
  append(entries: readonly Entry[]): LogIndex {
    const first = entries[0];
    if (first === undefined) return this.lastIndex();
    invariant(first.index - 1 >= this.committed, () => {
      return `append after ${first.index - 1} would overwrite committed ${this.committed}`;
    });
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /**
   * Index of the first entry whose term differs from ours (or that we lack), 0 when all of
   * `entries` are already present.
   */
  findConflict(entries: readonly Entry[]): LogIndex {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * Fast backtracking: the largest index ≤ `index` whose term is ≤ `term`, with that term.
   * Every index between the result and `index` has a term above `term`, so none of them can
   * match a log whose entry at `index` has `term`.
   */
  findConflictByTerm(index: LogIndex, term: Term): { index: LogIndex; term: Term } {
    for (let i = Math.min(index, this.lastIndex()); i > 0; i--) {
      const ours = this.term(i);
      if (ours === undefined) return { index: i, term: 0 };
      if (ours <= term) return { index: i, term: ours };
    }
    return { index: 0, term: 0 };
  }

  commitTo(index: LogIndex): void {
    if (index <= this.committed) return;
    invariant(index <= this.lastIndex(), () => {
      return `commit ${index} beyond last index ${this.lastIndex()}: log lost or corrupted?`;
    });
    this.committed = index;
  }

  /** Leader: commit `index` if it is from the current term (Raft §5.4.2). */
  maybeCommit(index: LogIndex, term: Term): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  appliedTo(index: LogIndex): void {
    if (index === 0) return;
    invariant(this.applied <= index && index <= this.committed, () => {
      return `applied ${index} outside [${this.applied}, ${this.committed}]`;
    });
    this.applied = index;
  }

  /** Highest index that is durable and consistent with our log. */
  persistedIndex(): LogIndex {
    if (this.unstable.snapshot !== undefined) return this.unstable.snapshot.metadata.index - 1;
    return this.unstable.offset - 1;
  }

  /** Highest committed index that may be applied: committed and durable here. */
  maxAppliableIndex(): LogIndex {
    if (this.unstable.snapshot !== undefined) return this.applied;
    return Math.min(this.committed, this.persistedIndex());
  }

  hasNextCommittedEntries(): boolean {
    return this.maxAppliableIndex() > this.applied;
  }

  nextCommittedEntries(maxBytes: number): readonly Entry[] {
    const hi = this.maxAppliableIndex();
    if (hi <= this.applied) return [];
    return this.slice(this.applied + 1, hi + 1, maxBytes);
  }

  unstableEntries(): readonly Entry[] {
    return this.unstable.entries;
  }

  /** Entries in [lo, hi) limited to `maxBytes` (at least one). Precondition: not compacted. */
  slice(lo: LogIndex, hi: LogIndex, maxBytes: number): readonly Entry[] {
    invariant(lo >= this.firstIndex() && hi <= this.lastIndex() + 1 && lo <= hi, () => {
      return `slice(${lo}, ${hi}) outside [${this.firstIndex()}, ${this.lastIndex() + 1}]`;
    });
    if (lo === hi) return [];
    const offset = this.unstable.offset;
    let out: readonly Entry[] = [];
    if (lo < offset) {
      out = this.storage.entries(lo, Math.min(hi, offset), maxBytes);
      // Storage stopped early at the size limit: the unstable part would exceed it as well.
      if (out.length < Math.min(hi, offset) - lo) return out;
    }
    if (hi > offset) {
      const tail = this.unstable.slice(Math.max(lo, offset), hi);
      out = out.length === 0 ? tail : [...out, ...tail];
    }
    return limitBytes(out, maxBytes);
  }

  /** Entries from `lo` to the end, or undefined when `lo` is compacted (send a snapshot). */
  entriesFrom(lo: LogIndex, maxBytes: number): readonly Entry[] | undefined {
    if (lo < this.firstIndex()) return undefined;
    if (lo > this.lastIndex()) return [];
    return this.slice(lo, this.lastIndex() + 1, maxBytes);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Follower: replace the log by a snapshot from the leader. */
  restore(snapshot: Snapshot): void {
    this.committed = snapshot.metadata.index;
    this.unstable.restore(snapshot);
  }

  /**
   * The application reports entries up to (index, term) persisted. Paired with the write:
   * storage must show them, or the application broke the Ready contract.
   */
  stableTo(index: LogIndex, term: Term): boolean {
    if (!this.unstable.stableTo(index, term)) return false;
    invariant(this.storage.term(index) === term, () => {
      return `entry ${index}@${term} reported persisted but storage does not hold it`;
    });
    return true;
  }

  stableSnapshotTo(index: LogIndex): void {
    const snapshot = this.unstable.snapshot;
    if (snapshot?.metadata.index !== index) return;
    invariant(this.storage.term(index) === snapshot.metadata.term, () => {
      return `snapshot at ${index} reported persisted but storage does not hold it`;
    });
    this.unstable.stableSnapshotTo(index);
  }
}
