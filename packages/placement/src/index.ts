/**
 * @tessera/placement: where every slice of every table and index lives. Pure functions over
 * plain data: no I/O, no clock, no randomness. See README.md.
 */
export type {
  ClusterNode,
  HashRange,
  LoadReport,
  MemberRole,
  NodeId,
  NodeState,
  Placement,
  ReplicationFactor,
  Representation,
  RepresentationId,
  RepresentationSpec,
  Slice,
  SliceId,
  SliceLoad,
  SliceMember,
  ZoneName,
} from './model';
export { defaultReplicas } from './model';
export { PlacementError } from './errors';
export type { PlacementErrorCode } from './errors';

export { hash64 } from './hash/xxhash64';
export { hashDistributionKey } from './hash/distributionKey';
export { hashSpaceEnd, evenRanges, formatHash, formatRange } from './hashSpace';

export { sliceFor, splitSlice, mergeable } from './sliceMap';
export type { SplitResult } from './sliceMap';

export type {
  PlacementChange,
  PromoteChange,
  AddMemberChange,
  PromoteLearnerChange,
  RemoveMemberChange,
} from './changes';
export { formatChange } from './changes';
export { applyChanges } from './applyChanges';

export { planInitialPlacement } from './initialPlacement';
export type { InitialPlacementOptions } from './initialPlacement';
export { planRankingRepair, planRepair } from './repair';
export type { RepairOptions } from './repair';
export { planRebalance, planRerank, defaultMaxChanges } from './rebalance';
export type { RebalanceOptions } from './rebalance';
export { balancedRatioMax } from './balance';
export { expectedMembers } from './rules';

export { validatePlacement } from './validate';
export type { Violation, ViolationRule } from './validate';
export { formatPlacement, formatSlice, formatNodeLoad } from './format';
