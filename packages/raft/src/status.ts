import type { ProgressState } from './progress';
import type { MemberRole } from './membership';
import type { ConfState, LogIndex, NodeId, Role, Term } from './types';

/** How far one member is, as its leader sees it. Lag in entries = leader lastIndex − match. */
export interface FollowerProgress {
  readonly role: MemberRole;
  /** Highest index known durable on the member. */
  readonly match: LogIndex;
  /** Next index the leader will send. */
  readonly next: LogIndex;
  readonly state: ProgressState;
  /** Heard from within the current check-quorum period. */
  readonly recentActive: boolean;
  readonly inflightMsgs: number;
  readonly inflightBytes: number;
  /** In snapshot state: index of the snapshot being delivered, else 0. */
  readonly pendingSnapshot: LogIndex;
}

/** A read-only picture of one member, for monitoring. */
/** What `RawNode.leadership()` reports: cheap to build, for hot paths. */
export interface Leadership {
  readonly role: Role;
  readonly term: Term;
  readonly leader: NodeId;
  /** Voters and loggers: the members whose majority commits and elects. */
  readonly quorum: readonly NodeId[];
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: Term;
  readonly vote: NodeId;
  /** NO_NODE (0) when no leader is known. */
  readonly leader: NodeId;
  readonly commit: LogIndex;
  readonly applied: LogIndex;
  readonly lastIndex: LogIndex;
  /** Highest index this member has durably written. */
  readonly persistedIndex: LogIndex;
  readonly firstIndex: LogIndex;
  readonly confState: ConfState;
  readonly leadTransferee: NodeId;
  readonly uncommittedBytes: number;
  /** Leader: ReadIndex requests waiting for confirmation. */
  readonly pendingReads: number;
  /** Outgoing messages dropped because the queue was full (cumulative). */
  readonly droppedMessages: number;
  /** Leader only: progress of every member, this one included. */
  readonly progress: ReadonlyMap<NodeId, FollowerProgress> | undefined;
}
