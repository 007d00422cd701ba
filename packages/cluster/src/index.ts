export type { Clock, TimerHandle } from './runtime/clock';
export { SimClock } from './runtime/clock';
export type { SimRunOptions } from './runtime/sim-run';
export { runSimulatedFor, runSimulatedUntil } from './runtime/sim-run';
export type { Rng } from './runtime/rng';
export { SeededRng } from './runtime/rng';
export type {
  FaultPolicy,
  MemoryNetworkOptions,
  NetworkStats,
  NodeId,
  Transport,
} from './runtime/transport';
export { MemoryNetwork, perfectNetwork } from './runtime/transport';

export { DataNode } from './node/data-node';
export {
  KeyHashers,
  sameHasher,
  wholeKeyHash,
  wholeKeyHasher,
  wholeKeyHasherName,
} from './node/key-hashers';
export type { KeyHasherFactory, KeyHasherSpec } from './node/key-hashers';
export type { CreateReplicaSpec, DataNodeDeps } from './node/data-node';
export { SliceReplica } from './node/slice-replica';
export type { AppliedEntry, ReadOptions, ScanRouting } from './node/slice-replica';
export type { DataNodeOptions, ResolvedDataNodeOptions } from './node/options';
export { ReplicaError, ClusterInvariantError } from './node/errors';
export type { DropReason, LeaseGap, ReplicaErrorCode } from './node/errors';
export type { GroupMessages, LeaseAck, NodeMessage } from './node/node-message';
export type { HashBounds, MemberRole, ReplicaMember, ReplicaRecord } from './node/replica-registry';
export type {
  MemberProgress,
  NodeMetrics,
  NodeStatus,
  ReplicaBrief,
  ReplicaStatus,
} from './node/status';
export { decodeCommands, encodeCommands } from './node/command-codec';
export { decodeNodeMessage, encodeNodeMessage } from './node/node-message-codec';
// Control plane: timestamps and the timestamp oracle (RFC 0002).
export type { Timestamp } from './control/timestamp';
export {
  composeTimestamp,
  logicalBits,
  logicalOf,
  logicalPerMs,
  maxPhysicalMs,
  physicalFromUnixMs,
  physicalOf,
  timestampEpochUnixMs,
} from './control/timestamp';
export type { TimestampBatch, TimestampOracleOptions } from './control/timestamp-oracle';
export { OracleUnavailableError, TimestampOracle } from './control/timestamp-oracle';
export type {
  AllocatableCounter,
  ControlCommand,
  ControlResult,
  ControlSnapshot,
  IdCounter,
  PendingSplit,
  RegisteredNode,
} from './control/control-state';
export { ControlState } from './control/control-state';
export {
  defaultSplitThresholdBytes,
  formatBytes,
  parseByteSize,
  planSplit,
} from './control/split-planner';
export type {
  ActivityRequest,
  ActivityState,
  RebalancerAction,
  RebalancerActivity,
} from './control/rebalancer-activity';
export { activityLogMax, hotReasonPrefix } from './control/rebalancer-activity';
export type { PlacementCommand, RebalancerOptions } from './control/rebalancer';
export {
  defaultBalanceByBytesMin,
  defaultMoveCooldownMs,
  defaultHotReadMinPerSec,
  defaultHotReadRatio,
  defaultMovesInFlightMax,
  defaultReplaceAfterMs,
  defaultReplacementsInFlightMax,
  defaultRerankIntervalMs,
  loadFromPositions,
  planFailureRerank,
  planReplacementProgress,
  planReplacementStart,
} from './control/rebalancer';
export {
  nodeDrained,
  planBalanceStart,
  planDrained,
  planDrainStart,
  planMoveProgress,
} from './control/rebalancer-moves';
export { nodeReadsPerSec, planHotRerank } from './control/rebalancer-hot';
export type {
  CatalogAccount,
  CatalogGrant,
  CatalogDatabase,
  CatalogErrorCode,
  CatalogRepresentation,
  CatalogSnapshot,
  CatalogTable,
  JsonValue,
  RepresentationRequest,
} from './control/catalog';
export { representationName } from './control/catalog';
export {
  ControlCodecError,
  decodeControlCommand,
  decodeControlSnapshot,
  encodeControlCommand,
  encodeControlSnapshot,
} from './control/control-codec';
// Control plane: the replicated group (ControlState + TSO + liveness), its service and client.
export { ControlMember, controlGroupId } from './control/control-member';
export type {
  ControlMemberDeps,
  ControlMemberOptions,
  ControlMemberStatus,
  HeartbeatInfo,
} from './control/control-member';
export type {
  ControlAnswer,
  ControlErrorCode,
  ControlFailure,
  ControlMessage,
  ControlOperation,
  NodePositions,
  ReplicaPosition,
  ReplicaReport,
} from './control/control-protocol';
export { ControlService } from './control/control-service';
export type { ControlServiceOptions } from './control/control-service';
export { ControlCallError, ControlClient } from './control/control-client';
export type { ControlClientDeps, ControlClientOptions } from './control/control-client';
// The client-facing KV protocol: how coordinators reach slice leaders.
export type {
  KvAnswer,
  KvAnswers,
  KvErrorCode,
  KvFailure,
  KvMessage,
  KvOperation,
} from './service/kv-protocol';
export { KvService } from './service/kv-service';
export type { KvServiceOptions } from './service/kv-service';
export { KvCallError, KvClient } from './service/kv-client';
export type { KvClientDeps, KvClientOptions } from './service/kv-client';
export type { SliceGroup } from './layout/slice-groups';
export { groupIdOfSlice, SliceGroupLayout } from './layout/slice-groups';
export { syncRankingNodes } from './layout/ranking-sync';
export { isJoiningMember, MembershipSync, nextMembershipChange } from './layout/membership-sync';
export { SplitSync, splitGroupsToKeep } from './layout/split-sync';
// The embedded mode's in-process transport: FIFO, batched, never re-entrant (runtime/).
export { LocalNetwork } from './runtime/local-network';
export type { LocalNetworkOptions, LocalNetworkStats } from './runtime/local-network';
