import { invariant } from './errors';

/** Tunables of a data node. Units last in names; every queue has a bound. */
export interface DataNodeOptions {
  /** Period of the node's one tick timer; every group ticks together. */
  readonly tickIntervalMs?: number;
  /** Raft election timeout in ticks (jittered up to 2×). */
  readonly electionTicks?: number;
  /** Raft heartbeat period in ticks. */
  readonly heartbeatTicks?: number;
  /**
   * Bound on how much faster one member's clock may run than another's over an election
   * timeout; subtracted from the lease (RFC 0002, default 250 ms).
   */
  readonly maxClockDriftMs?: number;
  /** Proposals awaiting apply per replica; beyond it propose() rejects (PROPOSAL_DROPPED). */
  readonly maxPendingProposals?: number;
  /** A proposal with no outcome after this long rejects with PROPOSAL_TIMEOUT (ambiguous). */
  readonly proposalTimeoutMs?: number;
  /** Groups whose Ready one cycle takes at most; the rest wait for the next cycle. */
  readonly maxGroupsPerCycle?: number;
  /** Bytes of committed entries one group applies per cycle at most. */
  readonly maxCommittedBytesPerReady?: number;
  /** Bytes of entries in one append message at most. */
  readonly maxSizePerMsgBytes?: number;
  /**
   * Data members snapshot their space and compact the group's log once this many entries were
   * applied since the last snapshot (≥ 1). Loggers never compact on their own (see README).
   */
  readonly snapshotEveryEntries?: number;
  /** Test-only: plant bugs to prove the checkers catch them. Never set in production code. */
  readonly testingKnobs?: DataNodeTestingKnobs;
}

export interface DataNodeTestingKnobs {
  /** A leader serves reads without a lease (no quorum contact needed): stale reads follow. */
  readonly leaseReadsWithoutQuorum?: boolean;
}

export type ResolvedDataNodeOptions = Required<Omit<DataNodeOptions, 'testingKnobs'>> & {
  readonly testingKnobs: DataNodeTestingKnobs;
  /** Follower vote-refusal window minus drift: how long one quorum contact lets us read. */
  readonly leaseDurationMs: number;
  /** electionTicks × tickIntervalMs: the recovered replica's vote quiet period. */
  readonly electionTimeoutMs: number;
};

const MiB = 1024 * 1024;

export function resolveOptions(options: DataNodeOptions = {}): ResolvedDataNodeOptions {
  const o = {
    tickIntervalMs: options.tickIntervalMs ?? 50,
    electionTicks: options.electionTicks ?? 10,
    heartbeatTicks: options.heartbeatTicks ?? 1,
    maxClockDriftMs: options.maxClockDriftMs ?? 250,
    maxPendingProposals: options.maxPendingProposals ?? 1024,
    proposalTimeoutMs: options.proposalTimeoutMs ?? 10_000,
    maxGroupsPerCycle: options.maxGroupsPerCycle ?? 512,
    maxCommittedBytesPerReady: options.maxCommittedBytesPerReady ?? 4 * MiB,
    maxSizePerMsgBytes: options.maxSizePerMsgBytes ?? MiB,
    snapshotEveryEntries: options.snapshotEveryEntries ?? 10_000,
  };
  for (const [name, value] of Object.entries(o)) {
    invariant(Number.isSafeInteger(value) && value >= 0, () => `${name} must be an integer ≥ 0`);
  }
  invariant(o.tickIntervalMs >= 1, 'tickIntervalMs must be ≥ 1');
  invariant(o.electionTicks > o.heartbeatTicks, 'electionTicks must exceed heartbeatTicks');
  invariant(o.maxPendingProposals >= 1 && o.maxGroupsPerCycle >= 1, 'queue bounds must be ≥ 1');
  invariant(o.snapshotEveryEntries >= 1, 'snapshotEveryEntries must be ≥ 1');
  // A follower refuses votes for at least (electionTicks − 1) full ticks after hearing from the
  // leader: the tick that follows the reset may come almost at once.
  const leaseDurationMs = (o.electionTicks - 1) * o.tickIntervalMs - o.maxClockDriftMs;
  return {
    ...o,
    leaseDurationMs,
    electionTimeoutMs: o.electionTicks * o.tickIntervalMs,
    testingKnobs: options.testingKnobs ?? {},
  };
}
