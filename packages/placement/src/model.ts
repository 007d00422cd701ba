/**
 * The vocabulary of placement. Everything here is plain, immutable data: planners take a
 * placement and a view of the cluster and return new data, never mutating their inputs.
 */

export type NodeId = number;
export type ZoneName = string;
export type SliceId = number;
export type RepresentationId = number;

/**
 * `up` nodes receive new members. `draining` nodes are alive but are being emptied, `down`
 * nodes are unreachable (the failure detector decided), `removed` nodes have left for good.
 */
export type NodeState = 'up' | 'draining' | 'down' | 'removed';

export interface ClusterNode {
  readonly id: NodeId;
  readonly zone: ZoneName;
  readonly state: NodeState;
}

/**
 * `replica`: a voting member that holds data. `logger`: a voting member that keeps the
 * replication log but no data. `learner`: a non-voting member that holds data (a read
 * replica, or a replica catching up before it is promoted to a voter).
 */
export type MemberRole = 'replica' | 'logger' | 'learner';

export interface SliceMember {
  readonly node: NodeId;
  readonly zone: ZoneName;
  readonly role: MemberRole;
}

/** A half-open range [start, end) of the 64-bit hash space; `end` may be 2^64. */
export interface HashRange {
  readonly start: bigint;
  readonly end: bigint;
}

export interface Slice {
  /** Unique across the whole placement, so that a change names its slice by id alone. */
  readonly id: SliceId;
  readonly range: HashRange;
  /** Sorted by node id; at most one member per node. */
  readonly members: readonly SliceMember[];
  /** The data replica that serves reads and leads the slice's replication group. */
  readonly rankingReplica: NodeId;
}

/** How many members of each role every slice of a representation should have. */
export interface ReplicationFactor {
  readonly replicas: number;
  readonly loggers: number;
  readonly learners: number;
}

/**
 * A table or one of its secondary indexes. Each is hashed on its own distribution key and
 * split into its own slices.
 */
export interface Representation {
  readonly id: RepresentationId;
  readonly name: string;
  readonly replication: ReplicationFactor;
  /** Sorted by range start; the ranges cover [0, 2^64) exactly. */
  readonly slices: readonly Slice[];
}

export interface Placement {
  readonly representations: readonly Representation[];
}

/** What a caller asks for when a table or index is created. */
export interface RepresentationSpec {
  readonly id: RepresentationId;
  readonly name: string;
  /** Data replicas per slice; default 2, at most one per node. */
  readonly replicas?: number;
  /** Log-only voters per slice; default 0. */
  readonly loggers?: number;
  /** Non-voting read replicas per slice; default 0. */
  readonly learners?: number;
  /** Number of slices; default the number of `up` nodes. */
  readonly sliceCount?: number;
}

/** Observed size and read heat of one slice, as reported by the data nodes. */
export interface SliceLoad {
  readonly bytes: number;
  readonly readsPerSec: number;
}

/** Per-slice load, keyed by slice id. A slice that is absent weighs nothing. */
export type LoadReport = ReadonlyMap<SliceId, SliceLoad>;

export const defaultReplicas = 2;
