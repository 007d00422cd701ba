import type { KvEngine, KvReader } from '../engine/kv-engine';
import { BatchView } from '../engine/write-batch';
import type { WriteBatch } from '../engine/write-batch';
import { invariant } from '../errors';
import {
  assertId,
  raftEntryIndex,
  raftEntryKey,
  raftGroupOfKey,
  raftGroupRange,
  raftKey,
  raftRange,
  raftSub,
} from '../keys/key-layout';
import {
  decodeConfState,
  decodeEntryValue,
  decodeHardState,
  decodeLogStart,
  decodeSnapshotMeta,
  emptyConfState,
  encodeConfState,
  encodeEntryValue,
  encodeHardState,
  encodeLogStart,
  encodeSnapshotMeta,
} from './raft-records';
import type { ConfState, HardState, LogStart, RaftEntry, SnapshotMeta } from './raft-records';

export type EntriesResult =
  | { readonly kind: 'ok'; readonly entries: readonly RaftEntry[] }
  /** lo is at or below the log start: the entries live only in the snapshot. */
  | { readonly kind: 'compacted'; readonly firstIndex: number }
  /** hi - 1 is past the last index. */
  | { readonly kind: 'unavailable'; readonly lastIndex: number };

export type TermResult =
  | { readonly kind: 'ok'; readonly term: number }
  | { readonly kind: 'compacted'; readonly firstIndex: number }
  | { readonly kind: 'unavailable'; readonly lastIndex: number };

const emptyHardState: HardState = { term: 0, vote: 0, commit: 0 };
const emptyLogStart: LogStart = { index: 0, term: 0 };

/**
 * The Raft log and hard state of every group on the node, over any KvEngine.
 *
 * Writers put into a caller's WriteBatch (so one durable commit can carry many groups' Ready);
 * readers see the engine, or the engine plus a batch when passed one. Invariants enforced on
 * every write (a violation throws StorageInvariantError):
 *   - stored entries are contiguous: firstIndex = logStart.index + 1 … lastIndex;
 *   - terms never decrease along the log, and never below the log start's term;
 *   - hard-state term and commit never decrease; a vote changes only with a new term;
 *   - the log is never truncated at or below the commit index.
 * Loads check the same (a gap or a term going down while reading is corruption).
 */
export class RaftLogStore {
  constructor(readonly engine: KvEngine) {}

  private reader(batch: WriteBatch | undefined): KvReader {
    return batch === undefined ? this.engine : new BatchView(this.engine, batch);
  }

  // ---- positions -------------------------------------------------------------------------

  /** Index and term just before the first stored entry. */
  logStart(group: number, batch?: WriteBatch): LogStart {
    const bytes = this.reader(batch).get(raftKey(group, raftSub.logStart));
    return bytes === undefined ? emptyLogStart : decodeLogStart(bytes);
  }

  firstIndex(group: number, batch?: WriteBatch): number {
    return this.logStart(group, batch).index + 1;
  }

  lastIndex(group: number, batch?: WriteBatch): number {
    return this.lastEntry(group, batch)?.index ?? this.logStart(group, batch).index;
  }

  lastTerm(group: number, batch?: WriteBatch): number {
    return this.lastEntry(group, batch)?.term ?? this.logStart(group, batch).term;
  }

  private lastEntry(group: number, batch: WriteBatch | undefined): RaftEntry | undefined {
    const range = {
      start: raftEntryKey(group, 0),
      end: raftEntryKey(group, Number.MAX_SAFE_INTEGER),
    };
    for (const { key, value } of this.reader(batch).range({ ...range, reverse: true, limit: 1 })) {
      return decodeEntryValue(raftEntryIndex(key), value);
    }
    return undefined;
  }

  // ---- reads -----------------------------------------------------------------------------

  /** Entries [lo, hi); with maxBytes, stops early but always returns at least one entry. */
  entries(
    group: number,
    lo: number,
    hi: number,
    maxBytes?: number,
    batch?: WriteBatch,
  ): EntriesResult {
    const start = this.logStart(group, batch);
    if (lo <= start.index) return { kind: 'compacted', firstIndex: start.index + 1 };
    const last = this.lastIndex(group, batch);
    if (hi > last + 1) return { kind: 'unavailable', lastIndex: last };
    const out: RaftEntry[] = [];
    let bytes = 0;
    let prevTerm = start.term;
    const range = { start: raftEntryKey(group, lo), end: raftEntryKey(group, hi) };
    for (const { key, value } of this.reader(batch).range(range)) {
      const entry = decodeEntryValue(raftEntryIndex(key), value);
      const expected = lo + out.length;
      invariant(
        entry.index === expected,
        'LOG_NOT_CONTIGUOUS',
        () => `group ${group}: read entry ${entry.index}, expected ${expected}`,
      );
      invariant(
        out.length === 0 || entry.term >= prevTerm,
        'LOG_TERM_REGRESSED',
        () => `group ${group}: entry ${entry.index} term ${entry.term} after ${prevTerm}`,
      );
      prevTerm = entry.term;
      bytes += entry.data.length;
      if (maxBytes !== undefined && out.length > 0 && bytes > maxBytes) break;
      out.push(entry);
    }
    invariant(
      out.length === hi - lo || maxBytes !== undefined,
      'LOG_NOT_CONTIGUOUS',
      () => `group ${group}: ${out.length} entries in [${lo}, ${hi})`,
    );
    return { kind: 'ok', entries: out };
  }

  term(group: number, index: number, batch?: WriteBatch): TermResult {
    const start = this.logStart(group, batch);
    if (index === start.index) return { kind: 'ok', term: start.term };
    if (index < start.index) return { kind: 'compacted', firstIndex: start.index + 1 };
    const bytes = this.reader(batch).get(raftEntryKey(group, index));
    if (bytes === undefined)
      return { kind: 'unavailable', lastIndex: this.lastIndex(group, batch) };
    return { kind: 'ok', term: decodeEntryValue(index, bytes).term };
  }

  hardState(group: number, batch?: WriteBatch): HardState {
    const bytes = this.reader(batch).get(raftKey(group, raftSub.hardState));
    return bytes === undefined ? emptyHardState : decodeHardState(bytes);
  }

  confState(group: number, batch?: WriteBatch): ConfState {
    const bytes = this.reader(batch).get(raftKey(group, raftSub.confState));
    return bytes === undefined ? emptyConfState : decodeConfState(bytes);
  }

  snapshotMeta(group: number, batch?: WriteBatch): SnapshotMeta | undefined {
    const bytes = this.reader(batch).get(raftKey(group, raftSub.snapshotMeta));
    return bytes === undefined ? undefined : decodeSnapshotMeta(bytes);
  }

  /** Groups with any persisted state on this node. */
  groups(): number[] {
    const out: number[] = [];
    let next: Uint8Array | undefined = raftRange.start;
    // Skip from group to group rather than reading every entry of every log.
    while (next !== undefined) {
      let found: Uint8Array | undefined;
      for (const { key } of this.engine.range({ start: next, end: raftRange.end, limit: 1 }))
        found = key;
      if (found === undefined) break;
      const group = raftGroupOfKey(found);
      out.push(group);
      next = group === 0xffffffff ? undefined : raftGroupRange(group).end;
    }
    return out;
  }

  // ---- writes ----------------------------------------------------------------------------

  /**
   * Appends entries (contiguous, terms non-decreasing). If the first index is at or below the
   * last index, the conflicting suffix from there is replaced (Raft's log matching rule).
   */
  append(batch: WriteBatch, group: number, entries: readonly RaftEntry[]): void {
    assertId(group, 'raft group id');
    const first = entries[0];
    if (first === undefined) return;
    const start = this.logStart(group, batch);
    const last = this.lastIndex(group, batch);
    invariant(
      first.index > start.index && first.index <= last + 1,
      'LOG_NOT_CONTIGUOUS',
      () => `group ${group}: append at ${first.index} to log (${start.index}, ${last}]`,
    );
    const commit = this.hardState(group, batch).commit;
    invariant(
      first.index > commit || first.index > last,
      'LOG_NOT_CONTIGUOUS',
      () => `group ${group}: append at ${first.index} would overwrite committed ${commit}`,
    );
    const prev = this.term(group, first.index - 1, batch);
    invariant(
      prev.kind === 'ok',
      'LOG_NOT_CONTIGUOUS',
      () => `group ${group}: no entry before ${first.index}`,
    );
    let prevTerm = prev.term;
    entries.forEach((entry, i) => {
      invariant(
        entry.index === first.index + i,
        'LOG_NOT_CONTIGUOUS',
        () => `group ${group}: entry ${entry.index} at position ${first.index + i}`,
      );
      invariant(
        entry.term >= prevTerm && Number.isSafeInteger(entry.term),
        'LOG_TERM_REGRESSED',
        () => `group ${group}: entry ${entry.index} term ${entry.term} after term ${prevTerm}`,
      );
      prevTerm = entry.term;
    });
    const newLast = first.index + entries.length - 1;
    if (newLast < last) this.deleteEntries(batch, group, newLast + 1, last + 1);
    for (const entry of entries)
      batch.put(raftEntryKey(group, entry.index), encodeEntryValue(entry));
  }

  /** Deletes entries from `fromIndex` on (a conflicting suffix). */
  truncateSuffix(batch: WriteBatch, group: number, fromIndex: number): void {
    const start = this.logStart(group, batch);
    const last = this.lastIndex(group, batch);
    invariant(
      fromIndex > start.index,
      'LOG_NOT_CONTIGUOUS',
      () => `group ${group}: truncate from ${fromIndex} at or below log start ${start.index}`,
    );
    const commit = this.hardState(group, batch).commit;
    invariant(
      fromIndex > commit,
      'LOG_NOT_CONTIGUOUS',
      () => `group ${group}: truncate from ${fromIndex} would drop committed ${commit}`,
    );
    if (fromIndex <= last) this.deleteEntries(batch, group, fromIndex, last + 1);
  }

  /** Drops entries up to and including `throughIndex`, which must be stored. */
  compactPrefix(batch: WriteBatch, group: number, throughIndex: number): void {
    const start = this.logStart(group, batch);
    if (throughIndex <= start.index) return;
    const term = this.term(group, throughIndex, batch);
    invariant(
      term.kind === 'ok',
      'LOG_NOT_CONTIGUOUS',
      () => `group ${group}: compact through ${throughIndex}, which is not stored`,
    );
    this.deleteEntries(batch, group, start.index + 1, throughIndex + 1);
    batch.put(
      raftKey(group, raftSub.logStart),
      encodeLogStart({ index: throughIndex, term: term.term }),
    );
  }

  setHardState(batch: WriteBatch, group: number, next: HardState): void {
    assertId(group, 'raft group id');
    const prev = this.hardState(group, batch);
    invariant(
      next.term >= prev.term && next.commit >= prev.commit,
      'HARD_STATE_REGRESSED',
      () => `group ${group}: hard state ${show(prev)} -> ${show(next)}`,
    );
    invariant(
      next.term > prev.term || prev.vote === 0 || next.vote === prev.vote,
      'HARD_STATE_REGRESSED',
      () => `group ${group}: vote changed within term ${next.term}: ${show(prev)} -> ${show(next)}`,
    );
    batch.put(raftKey(group, raftSub.hardState), encodeHardState(next));
  }

  setConfState(batch: WriteBatch, group: number, confState: ConfState): void {
    assertId(group, 'raft group id');
    batch.put(raftKey(group, raftSub.confState), encodeConfState(confState));
  }

  /**
   * Installs a snapshot's position: the whole log is discarded (entries past the snapshot
   * included: they may conflict with it) and the log restarts after `meta.index`.
   */
  applySnapshot(batch: WriteBatch, group: number, meta: SnapshotMeta): void {
    assertId(group, 'raft group id');
    const start = this.logStart(group, batch);
    invariant(
      meta.index >= start.index,
      'LOG_NOT_CONTIGUOUS',
      () => `group ${group}: snapshot at ${meta.index} is older than log start ${start.index}`,
    );
    this.deleteEntries(batch, group, start.index + 1, this.lastIndex(group, batch) + 1);
    batch.put(
      raftKey(group, raftSub.logStart),
      encodeLogStart({ index: meta.index, term: meta.term }),
    );
    batch.put(raftKey(group, raftSub.snapshotMeta), encodeSnapshotMeta(meta));
    batch.put(raftKey(group, raftSub.confState), encodeConfState(meta.confState));
    const hs = this.hardState(group, batch);
    if (hs.commit < meta.index)
      this.setHardState(batch, group, {
        ...hs,
        commit: meta.index,
        term: Math.max(hs.term, meta.term),
      });
  }

  /** Records the snapshot the state machine last produced (no effect on the log). */
  setSnapshotMeta(batch: WriteBatch, group: number, meta: SnapshotMeta): void {
    assertId(group, 'raft group id');
    batch.put(raftKey(group, raftSub.snapshotMeta), encodeSnapshotMeta(meta));
  }

  /** Deletes everything of the group (replica removed). Unbounded: the log is kept short. */
  dropGroup(batch: WriteBatch, group: number): void {
    const keys = [...this.reader(batch).range(raftGroupRange(group))].map((e) => e.key);
    for (const key of keys) batch.delete(key);
  }

  private deleteEntries(batch: WriteBatch, group: number, lo: number, hi: number): void {
    if (hi <= lo) return;
    const range = { start: raftEntryKey(group, lo), end: raftEntryKey(group, hi) };
    const keys = [...this.reader(batch).range(range)].map((e) => e.key);
    for (const key of keys) batch.delete(key);
  }
}

function show(hs: HardState): string {
  return `{term ${hs.term}, vote ${hs.vote}, commit ${hs.commit}}`;
}
