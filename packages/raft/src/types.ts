/**
 * The vocabulary of the Raft package: ids, entries, persistent state and snapshots.
 *
 * Every number here is a non-negative safe integer. Index 0 and term 0 mean "nothing": the log
 * starts at index 1, and a node that has voted for nobody has `vote === NO_NODE`.
 */

/** A member's id: a positive safe integer. */
export type NodeId = number;
/** Position of an entry in the log, starting at 1. */
export type LogIndex = number;
/** A leader's term of office, starting at 1 for the first election. */
export type Term = number;

/** "No node": no vote cast, no leader known. */
export const NO_NODE: NodeId = 0;

/**
 * What an entry carries. `normal` entries carry application data (empty data is the no-op a
 * leader appends at the start of its term); `confChange` entries carry an encoded ConfChange
 * (see conf-change.ts) and change membership when applied.
 */
export type EntryType = 'normal' | 'confChange';

export interface Entry {
  readonly index: LogIndex;
  readonly term: Term;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/**
 * State that must be durable before any message produced alongside it is sent. `commit` is
 * persisted only so that a restarted node can re-apply without waiting for a leader; losing it
 * is safe, losing `term` or `vote` is not.
 */
export interface HardState {
  readonly term: Term;
  readonly vote: NodeId;
  readonly commit: LogIndex;
}

export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: NO_NODE, commit: 0 });

/**
 * Group membership. The three sets are disjoint.
 *
 * - `voters` hold data and the log, vote, count in quorums and may lead.
 * - `loggers` (WeSQL) hold the log but no data: they vote and count in quorums, but never
 *   campaign, never lead and therefore never have to supply a snapshot.
 * - `learners` hold data and the log but neither vote nor count in quorums (read replicas,
 *   and members catching up before promotion).
 */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly loggers: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export const EMPTY_CONF_STATE: ConfState = Object.freeze({
  voters: [],
  loggers: [],
  learners: [],
});

export interface SnapshotMetadata {
  /** Last log index the snapshot covers. */
  readonly index: LogIndex;
  /** Term of the entry at `index`. */
  readonly term: Term;
  /** Membership as of `index`. */
  readonly confState: ConfState;
}

/** A point-in-time image of the application state; `data` is opaque to Raft. */
export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: Uint8Array;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state, reported in a Ready when it changes; never needs to be persisted. */
export interface SoftState {
  readonly leader: NodeId;
  readonly role: Role;
}

export function isEmptySnapshot(snapshot: Snapshot): boolean {
  return snapshot.metadata.index === 0;
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
