import { isNodeId } from './conf-change';
import { invariant } from './errors';
import type { RaftStorage } from './storage';
import type { NodeId } from './types';

/**
 * Injected randomness: returns a number in [0, 1). Raft uses it only to jitter election
 * timeouts; a seeded generator makes a whole simulated cluster replay exactly.
 */
export type Rng = () => number;

export interface RaftConfig {
  readonly id: NodeId;
  readonly storage: RaftStorage;
  readonly rng: Rng;
  /**
   * Ticks a follower waits without hearing from a leader before campaigning; the actual
   * timeout is drawn from [electionTicks, 2 * electionTicks) at every reset. Also the period of
   * check-quorum and the deadline of a leadership transfer. Must exceed heartbeatTicks.
   */
  readonly electionTicks?: number;
  /** Ticks between a leader's heartbeats. */
  readonly heartbeatTicks?: number;
  /** Run a pre-vote round before campaigning, so that a rejoining node cannot disrupt. */
  readonly preVote?: boolean;
  /**
   * Leader steps down when it has not heard from a majority within an election timeout, and
   * voters ignore vote requests while they hear from a leader (leader lease).
   */
  readonly checkQuorum?: boolean;
  /** Upper bound on the entries carried by one append message (at least one entry). */
  readonly maxSizePerMsgBytes?: number;
  /** Append messages in flight to one follower before the leader waits for acks. */
  readonly maxInflightMsgs?: number;
  /** Bytes in flight to one follower before the leader waits for acks. */
  readonly maxInflightBytes?: number;
  /** Proposals are dropped while the leader's uncommitted entries exceed this. */
  readonly maxUncommittedEntriesBytes?: number;
  /** Upper bound on committedEntries in one Ready (at least one entry). */
  readonly maxCommittedBytesPerReady?: number;
  /** Outgoing messages held between Readies; beyond it new messages are dropped (counted). */
  readonly maxPendingMessages?: number;
  /** ReadIndex requests waiting for confirmation; beyond it readIndex throws ProposalDropped. */
  readonly maxPendingReads?: number;
  /**
   * Test-only: plant bugs to prove the randomized safety checker catches them. Never set in
   * production code.
   */
  readonly testingKnobs?: TestingKnobs;
}

export interface TestingKnobs {
  /** Leader counts its own entries toward the commit quorum before persisting them. */
  readonly countLeaderBeforePersist?: boolean;
  /** Followers accept appends without checking the previous entry's term. */
  readonly skipLogMatchingCheck?: boolean;
  /** The leader answers ReadIndex at once, without a quorum confirming it still leads. */
  readonly readWithoutQuorum?: boolean;
}

export type ResolvedRaftConfig = Required<Omit<RaftConfig, 'testingKnobs'>> & {
  readonly testingKnobs: TestingKnobs;
};

const MiB = 1024 * 1024;

export function resolveConfig(config: RaftConfig): ResolvedRaftConfig {
  const resolved: ResolvedRaftConfig = {
    electionTicks: 10,
    heartbeatTicks: 1,
    preVote: true,
    checkQuorum: true,
    maxSizePerMsgBytes: MiB,
    maxInflightMsgs: 256,
    maxInflightBytes: 32 * MiB,
    maxUncommittedEntriesBytes: 64 * MiB,
    maxCommittedBytesPerReady: 64 * MiB,
    maxPendingMessages: 10_000,
    maxPendingReads: 4096,
    testingKnobs: {},
    ...stripUndefined(config),
    id: config.id,
    storage: config.storage,
    rng: config.rng,
  };
  invariant(isNodeId(resolved.id), `raft id ${resolved.id} must be a positive safe integer`);
  invariant(resolved.heartbeatTicks >= 1, 'heartbeatTicks must be ≥ 1');
  invariant(
    resolved.electionTicks > resolved.heartbeatTicks,
    'electionTicks must exceed heartbeatTicks',
  );
  for (const key of [
    'maxSizePerMsgBytes',
    'maxInflightMsgs',
    'maxInflightBytes',
    'maxUncommittedEntriesBytes',
    'maxCommittedBytesPerReady',
    'maxPendingMessages',
    'maxPendingReads',
  ] as const) {
    invariant(resolved[key] >= 1, `${key} must be ≥ 1`);
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
