import { ProposalDropped, RaftInvariantError } from '@tessera/raft';

/**
 * Every way a slice replica answers "no" to a caller, as one error class with a code (the
 * tRPC pattern: one error per boundary). All of them are operating errors — the caller
 * retries elsewhere or later — except INTERNAL, which means the replica hit a broken invariant
 * and the node has stopped.
 *
 * - NOT_LEADER: this member does not lead the group; `leaderHint` names the leader if known
 *   (0 = unknown). Retry there.
 * - LEASE_UNAVAILABLE: this member leads but cannot prove that nobody else does (no quorum
 *   contact within the lease window, or it has not yet applied an entry of its own term).
 *   Retry shortly, here.
 * - PROPOSAL_DROPPED: the proposal was not appended (`reason` says why); it will never apply.
 * - PROPOSAL_OVERWRITTEN: the proposal was appended, but a new leader replaced the entry at
 *   its index; it will never apply.
 * - PROPOSAL_TIMEOUT: no outcome within the deadline. Ambiguous: the entry may still apply.
 * - REPLICA_CLOSED: the replica or node was removed or closed; pending work is abandoned
 *   (ambiguous for proposals, like a timeout).
 * - NO_SUCH_REPLICA / REPLICA_EXISTS / NOT_DATA_MEMBER: the request named the wrong replica.
 * - INVALID_COMMAND: a proposal the MVCC store would refuse to apply (bad timestamps…); it
 *   never enters the log. Not retryable.
 * - WRONG_SLICE: the group no longer holds this key (or the whole scanned hash range): a split
 *   moved it to a new group. Nothing was applied. Refresh the slice map and retry on the
 *   group that owns the key now.
 */
export type ReplicaErrorCode =
  | 'NOT_LEADER'
  | 'LEASE_UNAVAILABLE'
  | 'PROPOSAL_DROPPED'
  | 'PROPOSAL_OVERWRITTEN'
  | 'PROPOSAL_TIMEOUT'
  | 'REPLICA_CLOSED'
  | 'NO_SUCH_REPLICA'
  | 'REPLICA_EXISTS'
  | 'NOT_DATA_MEMBER'
  | 'INVALID_COMMAND'
  | 'WRONG_SLICE'
  | 'INTERNAL';

/** Why a proposal was dropped: Raft's reasons, plus this layer's own queue bound. */
export type DropReason =
  | 'leadershipTransfer'
  | 'uncommittedLimit'
  | 'confChangePending'
  | 'invalidConfChange'
  | 'readLimit'
  | 'pendingLimit';

/** Why a lease read was refused while leading. */
export type LeaseGap = 'noQuorumContact' | 'applyBehind' | 'noCommitInTerm' | 'transferring';

export interface ReplicaErrorDetails {
  readonly groupId?: number;
  readonly leaderHint?: number;
  readonly dropReason?: DropReason;
  readonly leaseGap?: LeaseGap;
  readonly cause?: unknown;
}

export class ReplicaError extends Error {
  override readonly name = 'ReplicaError';
  readonly groupId: number | undefined;
  /** NOT_LEADER: the leader this member knows of; 0 when none. */
  readonly leaderHint: number;
  readonly dropReason: DropReason | undefined;
  readonly leaseGap: LeaseGap | undefined;

  constructor(
    readonly code: ReplicaErrorCode,
    message: string,
    details: ReplicaErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.groupId = details.groupId;
    this.leaderHint = details.leaderHint ?? 0;
    this.dropReason = details.dropReason;
    this.leaseGap = details.leaseGap;
  }

  /** Whether a retry can succeed (possibly against another member). */
  get retryable(): boolean {
    return (
      this.code !== 'INTERNAL' && this.code !== 'NOT_DATA_MEMBER' && this.code !== 'INVALID_COMMAND'
    );
  }

  /**
   * Normalises anything thrown below this boundary: Raft's ProposalDropped becomes NOT_LEADER
   * or PROPOSAL_DROPPED; a ReplicaError passes through; anything else is INTERNAL.
   */
  static fromUnknown(error: unknown, groupId?: number): ReplicaError {
    if (error instanceof ReplicaError) return error;
    if (error instanceof ProposalDropped) {
      if (error.reason === 'notLeader') {
        return new ReplicaError('NOT_LEADER', error.message, {
          groupId,
          leaderHint: error.leaderHint ?? 0,
          cause: error,
        });
      }
      return new ReplicaError('PROPOSAL_DROPPED', error.message, {
        groupId,
        dropReason: error.reason,
        leaderHint: error.leaderHint ?? 0,
        cause: error,
      });
    }
    const what = error instanceof RaftInvariantError ? 'raft invariant broken' : 'internal error';
    const detail = error instanceof Error ? error.message : String(error);
    return new ReplicaError('INTERNAL', `${what}: ${detail}`, { groupId, cause: error });
  }
}

/** A broken invariant of this package: a bug. Crashes the node; never caught to continue. */
export class ClusterInvariantError extends Error {
  override readonly name = 'ClusterInvariantError';
}

export function invariant(condition: boolean, what: string | (() => string)): asserts condition {
  if (!condition) throw new ClusterInvariantError(typeof what === 'string' ? what : what());
}
