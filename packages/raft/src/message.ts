import type { Entry, LogIndex, NodeId, Snapshot, Term } from './types';

/**
 * Messages between members of one group. The transport carries them as they are (the
 * cluster layer picks an encoding); Raft tolerates loss, delay, duplication and reordering of
 * any of them.
 *
 * Every message carries the sender's `term`. A message from a higher term makes the receiver
 * adopt it (except a pre-vote, which asks about a term nobody has entered yet); a message
 * from a lower term is stale and mostly ignored.
 */
export type Message =
  | AppendMessage
  | AppendResponse
  | HeartbeatMessage
  | HeartbeatResponse
  | VoteMessage
  | VoteResponse
  | SnapshotMessage
  | TransferLeaderMessage
  | TimeoutNowMessage;

export type MessageType = Message['type'];

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
}

/** Leader → follower: `entries` follow the entry at (`index`, `logTerm`). */
export interface AppendMessage extends Envelope {
  readonly type: 'append';
  readonly index: LogIndex;
  readonly logTerm: Term;
  readonly entries: readonly Entry[];
  readonly commit: LogIndex;
}

/**
 * Follower → leader. Accepted: `index` is the follower's last index matching the leader's
 * log (durably written, since the response is sent only after the Ready that produced it was
 * persisted). Rejected: `index` is the rejected append's `index`, and (`rejectHint`,
 * `logTerm`) is the follower's fast-backtracking hint: the largest index ≤ the probe whose
 * term is ≤ the probe's term, and that term.
 */
export interface AppendResponse extends Envelope {
  readonly type: 'appendResponse';
  readonly index: LogIndex;
  readonly reject: boolean;
  readonly rejectHint: LogIndex;
  readonly logTerm: Term;
}

/**
 * Leader → member: "I am alive"; `commit` is capped at what the follower is known to hold.
 * `readSeq` is the leader's latest ReadIndex sequence number, echoed in the response.
 */
export interface HeartbeatMessage extends Envelope {
  readonly type: 'heartbeat';
  readonly commit: LogIndex;
  readonly readSeq: number;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: 'heartbeatResponse';
  readonly readSeq: number;
}

/**
 * Candidate → voter. `preVote` asks "would you vote for me at `term`?" without anybody
 * changing term. `transfer` marks a campaign started by TimeoutNow, which voters honour even
 * while they still hear from a leader.
 */
export interface VoteMessage extends Envelope {
  readonly type: 'vote';
  readonly preVote: boolean;
  readonly transfer: boolean;
  /** Candidate's last log index and its term: the up-to-date check. */
  readonly index: LogIndex;
  readonly logTerm: Term;
}

export interface VoteResponse extends Envelope {
  readonly type: 'voteResponse';
  readonly preVote: boolean;
  readonly reject: boolean;
}

/** Leader → follower whose next entries are compacted away. */
export interface SnapshotMessage extends Envelope {
  readonly type: 'snapshot';
  readonly snapshot: Snapshot;
}

/** Anyone → leader: "hand leadership to `transferee`". */
export interface TransferLeaderMessage extends Envelope {
  readonly type: 'transferLeader';
  readonly transferee: NodeId;
}

/** Leader → transferee, once it is up to date: "campaign now, skipping pre-vote". */
export interface TimeoutNowMessage extends Envelope {
  readonly type: 'timeoutNow';
}

/** Messages a leader sends that may leave before the leader's own Ready is persisted. */
export function mayBeSentBeforePersist(message: Message): boolean {
  switch (message.type) {
    case 'append':
    case 'heartbeat':
    case 'snapshot':
      return true;
    case 'appendResponse':
    case 'heartbeatResponse':
    case 'vote':
    case 'voteResponse':
    case 'transferLeader':
    case 'timeoutNow':
      return false;
  }
}
