import type { MemberRole, NodeId, SliceId, ZoneName } from './model';

/**
 * One step of a plan. Each step is small enough for the control plane to carry out as one
 * replication-group change, and carries the reason that the console shows beside it.
 */
export type PlacementChange =
  PromoteChange | AddMemberChange | PromoteLearnerChange | RemoveMemberChange;

interface ChangeBase {
  readonly slice: SliceId;
  readonly reason: string;
}

/** Make `to` (a data replica of the slice) its ranking replica. */
export interface PromoteChange extends ChangeBase {
  readonly kind: 'promote';
  /** The ranking replica being replaced. */
  readonly from: NodeId;
  readonly to: NodeId;
}

/** Add a member on `node`; a new data replica or learner copies the slice before it counts. */
export interface AddMemberChange extends ChangeBase {
  readonly kind: 'addReplica' | 'addLogger' | 'addLearner';
  readonly node: NodeId;
  readonly zone: ZoneName;
}

/** A learner that has caught up becomes a voting data replica. */
export interface PromoteLearnerChange extends ChangeBase {
  readonly kind: 'promoteLearner';
  readonly node: NodeId;
}

export interface RemoveMemberChange extends ChangeBase {
  readonly kind: 'removeMember';
  readonly node: NodeId;
  readonly role: MemberRole;
}

export function addKindFor(role: MemberRole): AddMemberChange['kind'] {
  switch (role) {
    case 'replica':
      return 'addReplica';
    case 'logger':
      return 'addLogger';
    case 'learner':
      return 'addLearner';
  }
}

export function roleAddedBy(kind: AddMemberChange['kind']): MemberRole {
  switch (kind) {
    case 'addReplica':
      return 'replica';
    case 'addLogger':
      return 'logger';
    case 'addLearner':
      return 'learner';
  }
}

/** One line per change, stable enough for golden files. */
export function formatChange(change: PlacementChange): string {
  const head = `${change.kind} slice=${change.slice}`;
  switch (change.kind) {
    case 'promote':
      return `${head} n${change.from} -> n${change.to}: ${change.reason}`;
    case 'addReplica':
    case 'addLogger':
    case 'addLearner':
      return `${head} n${change.node} zone=${change.zone}: ${change.reason}`;
    case 'promoteLearner':
      return `${head} n${change.node}: ${change.reason}`;
    case 'removeMember':
      return `${head} n${change.node} (${change.role}): ${change.reason}`;
  }
}
