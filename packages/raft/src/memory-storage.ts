import { limitBytes } from './entry-size';
import { invariant } from './errors';
import type { RaftStorage } from './storage';
import type { ConfState, Entry, HardState, LogIndex, Snapshot, Term } from './types';
import { EMPTY_CONF_STATE, EMPTY_HARD_STATE } from './types';

/**
 * RaftStorage held in memory: the tests' durable store, and the application's in-memory view
 * of what it has persisted elsewhere (write to disk first, then mirror here).
 *
 * Internally `log[0]` is a dummy entry standing for the snapshot (its index and term), so
 * `term(firstIndex - 1)` is always answerable.
 */
export class MemoryRaftStorage implements RaftStorage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private latestSnapshot: Snapshot;
  private log: Entry[];

  /** `confState` is the bootstrap membership, used until a snapshot replaces it. */
  constructor(confState: ConfState = EMPTY_CONF_STATE) {
    this.latestSnapshot = { metadata: { index: 0, term: 0, confState }, data: new Uint8Array() };
    this.log = [dummy(0, 0)];
  }

  initialState(): { hardState: HardState; confState: ConfState; snapshotIndex: LogIndex } {
    const { confState, index } = this.latestSnapshot.metadata;
    return { hardState: this.hardState, confState, snapshotIndex: index };
  }

  entries(lo: LogIndex, hi: LogIndex, maxBytes: number): readonly Entry[] {
    invariant(
      this.firstIndex() <= lo && lo <= hi && hi <= this.lastIndex() + 1,
      () => `entries(${lo}, ${hi}) outside [${this.firstIndex()}, ${this.lastIndex() + 1}]`,
    );
    const offset = this.offset();
    return limitBytes(this.log.slice(lo - offset, hi - offset), maxBytes);
  }

  term(index: LogIndex): Term | undefined {
    const offset = this.offset();
    if (index < offset || index > this.lastIndex()) return undefined;
    return this.log[index - offset]?.term;
  }

  firstIndex(): LogIndex {
    return this.offset() + 1;
  }

  lastIndex(): LogIndex {
    return this.offset() + this.log.length - 1;
  }

  snapshot(): Snapshot {
    return this.latestSnapshot;
  }

  /** Records the hard state a Ready asked to persist. */
  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  /**
   * Appends entries from a Ready, replacing any existing entries from `entries[0].index` on
   * (a new leader may overwrite an uncommitted tail). Entries at or below the snapshot are
   * ignored: they are already covered by it.
   * Precondition: consecutive indexes, the first ≤ lastIndex() + 1.
   */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const keep = entries.filter((e) => e.index > this.offset());
    const head = keep[0];
    if (head === undefined) return;
    invariant(head.index <= this.lastIndex() + 1, () => {
      return `append at ${head.index} leaves a gap after ${this.lastIndex()}`;
    });
    keep.forEach((e, i) => {
      invariant(e.index === head.index + i, 'appended entries must have consecutive indexes');
    });
    this.log = [...this.log.slice(0, head.index - this.offset()), ...keep];
  }

  /** Replaces the whole log by a snapshot received from the leader (from a Ready). */
  applySnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    invariant(index >= this.latestSnapshot.metadata.index, 'applySnapshot must not go back');
    this.latestSnapshot = snapshot;
    this.log = [dummy(index, term)];
  }

  /**
   * Records a snapshot the application took of its state after applying up to `index`, for
   * leaders to send to lagging followers. Does not drop entries; call compact() for that.
   * Precondition: snapshot index ≤ index ≤ lastIndex(); `confState` is the membership as of
   * `index` (RawNode.confState() right after applying it).
   */
  createSnapshot(index: LogIndex, confState: ConfState, data: Uint8Array): Snapshot {
    invariant(
      index >= this.latestSnapshot.metadata.index && index <= this.lastIndex(),
      () => `createSnapshot(${index}) outside [${this.offset()}, ${this.lastIndex()}]`,
    );
    const term = this.term(index);
    invariant(term !== undefined, 'createSnapshot: term must be known');
    this.latestSnapshot = { metadata: { index, term, confState }, data };
    return this.latestSnapshot;
  }

  /**
   * Drops entries ≤ `index`. Precondition: index ≤ the latest snapshot's index, so a leader
   * can always ship a snapshot that continues where the log starts.
   */
  compact(index: LogIndex): void {
    const offset = this.offset();
    if (index <= offset) return;
    invariant(index <= this.latestSnapshot.metadata.index, 'compact beyond the latest snapshot');
    const term = this.term(index);
    invariant(term !== undefined, 'compact: index must be in the log');
    this.log = [dummy(index, term), ...this.log.slice(index - offset + 1)];
  }

  private offset(): LogIndex {
    const head = this.log[0];
    invariant(head !== undefined, 'the dummy entry is always present');
    return head.index;
  }
}

function dummy(index: LogIndex, term: Term): Entry {
  return { index, term, type: 'normal', data: new Uint8Array() };
}
