import type { ProgressState, Role } from '@tessera/raft';
import type { LeaseGap } from './errors';
import type { MemberRole } from './replica-registry';

/** One replica as the console and the control plane see it. */
export interface ReplicaStatus {
  readonly groupId: number;
  readonly spaceId: number;
  /** What this member is in the group: voter, logger (log only) or learner (no vote). */
  readonly memberRole: MemberRole;
  readonly raftRole: Role;
  readonly term: number;
  /** Leader known to this member; 0 when none. */
  readonly leader: number;
  readonly commit: number;
  /** Highest entry applied here (to the MVCC space; loggers count entries they skip). */
  readonly applied: number;
  /**
   * The highest commit timestamp among the versions applied here (0 on a logger, which applies
   * nothing): with `applied`, the replica's position, reported to the control plane so reads
   * can later be routed by it.
   */
  readonly appliedCommitTs: number;
  /** MVCC records (versions, locks, rollback markers) in the replica's space (0 on a logger). */
  readonly records: number;
  /** Their key + value bytes: the replica's size. */
  readonly bytes: number;
  /** Reads asked of this replica since its node started (counted whether served or refused). */
  readonly reads: number;
  /** MVCC write commands applied here since its node started (0 on a logger). */
  readonly writes: number;
  readonly lastIndex: number;
  readonly persistedIndex: number;
  readonly lease: {
    readonly held: boolean;
    /** Leader only: end of the lease by this node's clock, if it has one. */
    readonly expiresAtMs: number | undefined;
    /** Leader only: why a lease read would be refused now. */
    readonly gap: LeaseGap | undefined;
  };
  readonly pendingProposals: number;
  /** Where this member's log starts: its latest snapshot's index (0: never compacted). */
  readonly snapshotIndex: number;
  /** Leader only: every member's replication progress (this one included). */
  readonly progress: readonly MemberProgress[] | undefined;
}

/** A replica's role and position: `ReplicaStatus`'s cheap subset (`DataNode.replicaBriefs`). */
export type ReplicaBrief = Pick<
  ReplicaStatus,
  'groupId' | 'raftRole' | 'applied' | 'appliedCommitTs'
>;

export interface MemberProgress {
  readonly nodeId: number;
  readonly role: MemberRole;
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly recentActive: boolean;
  /** Replication lag in entries: leader's last index − match. */
  readonly lagEntries: number;
}

/** Counters since the node started; monotonic. */
export interface NodeMetrics {
  /** Ready cycles run. */
  cycles: number;
  /** engine.commit calls (one per cycle that had anything to write). */
  engineCommits: number;
  /** Commits the cycle waited on for durability (some Ready had mustSync). */
  syncedCommits: number;
  /** Groups' Readies processed, summed over cycles. */
  readies: number;
  /** Entries applied (to MVCC, or skipped by a logger). */
  entriesApplied: number;
  /** Transport messages sent (each carries many groups' Raft messages). */
  transportMessages: number;
  /** Raft messages sent inside them. */
  raftMessages: number;
  /** Raft snapshot messages sent (each carries a whole space). */
  snapshotsSent: number;
  /** Snapshots received and written (into a cycle batch) by this node's replicas. */
  snapshotsInstalled: number;
  /** Raft messages received for groups this node does not host. */
  unknownGroupMessages: number;
  /**
   * Milliseconds of synchronous work spent serving reads (KV reads, scans and status reads on
   * its replicas) and writing Readies — log entries and committed entries applied — into the
   * cycle's batch, by the clock's monotonic time: the node's busy time. Its growth over a
   * window is the share of that window the node's event loop spent on data work.
   */
  busyMs: number;
}

export interface NodeStatus {
  readonly nodeId: number;
  readonly closed: boolean;
  /** The error that stopped the node, if a broken invariant did. */
  readonly fatalError: Error | undefined;
  readonly replicas: readonly ReplicaStatus[];
  readonly metrics: Readonly<NodeMetrics>;
}
