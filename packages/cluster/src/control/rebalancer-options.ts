/**
 * The rebalancer's knobs and their defaults (rebalancer.ts explains each duty). Kept apart so
 * that every planner file can read them without importing the rebalancer itself.
 */
export interface RebalancerOptions {
  /** How long a node must have been `down` before its slices are re-ranked (ms, ≥ 0). */
  readonly rerankAfterMs: number;
  /**
   * How long a node must have been `down` before its slices' data replicas are replaced
   * (ms, ≥ 0; default `defaultReplaceAfterMs`).
   */
  readonly replaceAfterMs?: number;
  /** At most this many replacements (`add` tasks) run at once (default 4). */
  readonly replacementsInFlightMax?: number;
  /**
   * A learner counts as caught up once its reported applied index is within this many
   * entries of the group leader's (default 64): reports are up to a heartbeat old, and Raft
   * keeps replicating after the promotion anyway.
   */
  readonly catchUpLagEntriesMax?: number;
  /**
   * At most this many moves (`move` tasks: for balance or off a draining node) copy at once
   * (default 2). Counted apart from replacements, which never wait for moves; moves start
   * only while no replacement runs.
   */
  readonly movesInFlightMax?: number;
  /**
   * A node is hot when it serves more than this many times the mean reads/s of the up nodes
   * (default 1.5)…
   */
  readonly hotReadRatio?: number;
  /** …and at least this many reads/s (default 50): small differences are noise. */
  readonly hotReadMinPerSec?: number;
  /** At most one hot-node re-rank round per this many ms, by the leader's clock (default 10 s). */
  readonly rerankIntervalMs?: number;
  /**
   * Balance data by bytes once the up nodes hold this many bytes each on average (default
   * 16 MiB); below it, by copies per node (within one). A small node's bytes are mostly
   * recent writes and overhead that change with every write and with each fresh copy, so
   * balancing them chases noise and moves the same slices back and forth.
   */
  readonly balanceByBytesMin?: number;
  /**
   * A slice that finished (or gave up) a move or replacement less than this long ago is not
   * moved for balance (default 10 s): hysteresis against ping-pong as sizes change, and time
   * for the node it left to drop its old replica (its agent does so on the next map it
   * reads, within a second or two) before that node could be chosen again.
   */
  readonly moveCooldownMs?: number;
  /**
   * A slice whose largest copy reports more bytes than this splits in two by hash range
   * (split-planner.ts; default `defaultSplitThresholdBytes`, 512 MiB — see there why not Xpand's 8 GB).
   */
  readonly splitThresholdBytes?: number;
}

export const defaultReplaceAfterMs = 10_000;
export const defaultReplacementsInFlightMax = 4;
export const defaultCatchUpLagEntriesMax = 64;
export const defaultMovesInFlightMax = 2;
export const defaultHotReadRatio = 1.5;
export const defaultHotReadMinPerSec = 50;
export const defaultRerankIntervalMs = 10_000;
export const defaultBalanceByBytesMin = 16 * 1024 * 1024;
export const defaultMoveCooldownMs = 10_000;
