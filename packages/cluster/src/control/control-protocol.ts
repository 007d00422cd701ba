import type { ReplicaErrorCode } from '../node/errors';
import type { ControlResult, RegisteredNode } from './control-state';

/**
 * What clients (data nodes, transaction coordinators, gateways, the console's server) ask the
 * control plane. Only the leader answers; other members answer NOT_LEADER with a hint.
 *
 * - `timestamps`: `count` consecutive timestamps from the oracle (TSO).
 * - `heartbeat`: a data node says it is alive (and registers on first contact).
 * - `command`: a ControlCommand, encoded by control-codec (bigints survive), replicated.
 * - `state`: the applied state as an encoded ControlSnapshot, unless the caller already has
 *   `knownVersion` (then only the version comes back).
 * - `positions`: each node's replica positions (applied index, applied commit timestamp) as
 *   last reported by heartbeat — soft state of the leader, for routing reads by position.
 *
 * Byte fields are control-codec JSON so that the transport's generic codec never has to carry
 * bigints.
 */
export type ControlOperation =
  | { readonly op: 'timestamps'; readonly count: number }
  | {
      readonly op: 'heartbeat';
      readonly nodeId: number;
      readonly zone: string;
      readonly address: string;
      /** The node's replicas and their positions (absent: not reported this beat). */
      readonly replicas?: readonly ReplicaPosition[];
      /** The node's busy time since it started, ms (`NodeMetrics.busyMs`; absent from older nodes). */
      readonly busyMs?: number;
    }
  | { readonly op: 'command'; readonly command: Uint8Array }
  | { readonly op: 'state'; readonly knownVersion: number }
  | { readonly op: 'positions' };

/** Where one replica stands, as its node last reported it. */
export interface ReplicaPosition {
  readonly groupId: number;
  readonly memberRole: string;
  readonly raftRole: string;
  readonly term: number;
  /** Applied log index. */
  readonly applied: number;
  /** The highest commit timestamp among the versions applied (0 on a logger). */
  readonly appliedCommitTs: number;
  /** The replica's MVCC records and their key + value bytes (absent from older nodes). */
  readonly records?: number;
  readonly bytes?: number;
  /** Reads asked of / write commands applied by the replica since its node started. */
  readonly reads?: number;
  readonly writes?: number;
}

/** A reported position with the rates the leader derived from the node's previous report. */
export interface ReplicaReport extends ReplicaPosition {
  /**
   * Reads and write commands per second between the node's last two reports (absent after a
   * node's first report in this term, or when its counters restarted).
   */
  readonly readsPerSec?: number;
  readonly writesPerSec?: number;
}

/** The latest positions each node reported to the serving leader (soft state). */
export interface NodePositions {
  readonly nodeId: number;
  /** When the leader received them, by its clock. */
  readonly atMs: number;
  readonly replicas: readonly ReplicaReport[];
  /**
   * Milliseconds the node spent serving reads and applying entries since it started, as it
   * reported them (absent from nodes that do not): two reports' difference over their `atMs`
   * difference is the share of that time it was busy.
   */
  readonly busyMs?: number;
}

export type ControlAnswer =
  | { readonly op: 'timestamps'; readonly first: number; readonly count: number }
  | { readonly op: 'heartbeat'; readonly node: RegisteredNode }
  | { readonly op: 'command'; readonly result: ControlResult }
  | { readonly op: 'state'; readonly version: number; readonly snapshot: Uint8Array | undefined }
  | { readonly op: 'positions'; readonly nodes: readonly NodePositions[] };

export type ControlErrorCode = ReplicaErrorCode | 'BUSY' | 'BAD_REQUEST' | 'UNAVAILABLE';

export interface ControlFailure {
  readonly code: ControlErrorCode;
  readonly message: string;
  /** NOT_LEADER: the member believed to lead (0 when unknown). */
  readonly leaderHint: number;
}

export type ControlMessage =
  | { readonly kind: 'controlRequest'; readonly requestId: number; readonly body: ControlOperation }
  | {
      readonly kind: 'controlResponse';
      readonly requestId: number;
      readonly outcome:
        | { readonly ok: true; readonly answer: ControlAnswer }
        | { readonly ok: false; readonly failure: ControlFailure };
    };
