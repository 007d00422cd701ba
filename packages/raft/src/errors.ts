/**
 * The two ways Raft reports a problem to its caller:
 *
 * - ProposalDropped is an operating error: the proposal (or ReadIndex request) was not
 *   accepted and the caller may retry elsewhere or later. It is an answer, never a reason to
 *   crash.
 * - RaftInvariantError is a bug (in Raft, in the storage, or in the caller breaking a
 *   documented precondition). Continuing could lose acknowledged writes, so it must crash the
 *   replica; it is never caught to carry on.
 */

export type ProposalDroppedReason =
  /** This node is not the leader; `leaderHint` names the leader when one is known. */
  | 'notLeader'
  /** The leader is handing leadership over and accepts nothing until that ends. */
  | 'leadershipTransfer'
  /** Accepting would exceed maxUncommittedEntriesBytes; retry once the backlog commits. */
  | 'uncommittedLimit'
  /** A membership change is still in flight; only one may be pending at a time. */
  | 'confChangePending'
  /** The membership change is not valid against the current configuration. */
  | 'invalidConfChange'
  /** Too many ReadIndex requests are waiting for confirmation (maxPendingReads). */
  | 'readLimit';

export class ProposalDropped extends Error {
  override readonly name = 'ProposalDropped';

  constructor(
    readonly reason: ProposalDroppedReason,
    message: string,
    readonly leaderHint?: number,
  ) {
    super(message);
  }
}

export class RaftInvariantError extends Error {
  override readonly name = 'RaftInvariantError';
}

/** Throws RaftInvariantError when `condition` is false. `what` says what should hold. */
export function invariant(condition: boolean, what: string | (() => string)): asserts condition {
  if (!condition) throw new RaftInvariantError(typeof what === 'string' ? what : what());
}
