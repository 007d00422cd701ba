import { invariant } from './errors';
import type { Entry, LogIndex, Snapshot, Term } from './types';

/**
 * The tail of the log that the application has not yet persisted: an optional incoming
 * snapshot followed by entries starting at `offset`. Everything below `offset` is durable in
 * storage (or covered by the pending snapshot).
 *
 * ```
 *   storage (durable)          unstable (in memory only; lost on crash)
 *   ...──[entries < offset]    [snapshot?] [entries from offset ...]
 * ```
 */
export class Unstable {
  snapshot: Snapshot | undefined = undefined;
  entries: Entry[] = [];

  constructor(public offset: LogIndex) {}

  maybeFirstIndex(): LogIndex | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index + 1;
  }

  maybeLastIndex(): LogIndex | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot?.metadata.index;
  }

  maybeTerm(index: LogIndex): Term | undefined {
    if (index < this.offset) {
      const snap = this.snapshot?.metadata;
      return snap !== undefined && snap.index === index ? snap.term : undefined;
    }
    return this.entries[index - this.offset]?.term;
  }

  /**
   * The application persisted entries up to (index, term). Ignored when the entry at index has
   * since been replaced by a different term: the newer entries are still unpersisted.
   */
  stableTo(index: LogIndex, term: Term): boolean {
    if (index < this.offset || this.maybeTerm(index) !== term) return false;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = index + 1;
    return true;
  }

  stableSnapshotTo(index: LogIndex): void {
    if (this.snapshot?.metadata.index === index) this.snapshot = undefined;
  }

  restore(snapshot: Snapshot): void {
    this.offset = snapshot.metadata.index + 1;
    this.entries = [];
    this.snapshot = snapshot;
  }

  /** Appends `entries`, first discarding anything at or after entries[0].index. */
  truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const end = this.offset + this.entries.length;
    if (first.index === end) {
      this.entries.push(...entries);
    } else if (first.index <= this.offset) {
      // Replaces durable entries too: the new ones overwrite them when persisted.
      this.offset = first.index;
      this.entries = [...entries];
    } else {
      invariant(first.index < end, () => `unstable append at ${first.index} leaves a gap`);
      this.entries = [...this.entries.slice(0, first.index - this.offset), ...entries];
    }
  }

  /** Entries in [lo, hi); precondition offset ≤ lo ≤ hi ≤ offset + entries.length. */
  slice(lo: LogIndex, hi: LogIndex): Entry[] {
    invariant(
      this.offset <= lo && lo <= hi && hi <= this.offset + this.entries.length,
      () =>
        `unstable.slice(${lo}, ${hi}) outside [${this.offset}, ${this.offset + this.entries.length}]`,
    );
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
