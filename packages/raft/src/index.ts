/**
 * @tessera/raft — Raft consensus as a pure state machine. See README.md for the contract.
 */
export { RawNode } from './raw-node';
export type { Ready } from './ready';
export type { ReadState } from './read-index';
export type { RaftConfig, Rng, TestingKnobs } from './config';
export type { RaftStorage } from './storage';
export { MemoryRaftStorage } from './memory-storage';
export type { ProposalPosition } from './raft';
export type { ConfChange, ConfChangeType } from './conf-change';
export { encodeConfChange, decodeConfChange, isNodeId } from './conf-change';
export type { MemberRole } from './membership';
export type { FollowerProgress, Leadership, RaftStatus } from './status';
export type { ProgressState } from './progress';
export { ProposalDropped, RaftInvariantError } from './errors';
export type { ProposalDroppedReason } from './errors';
export type * from './message';
export { mayBeSentBeforePersist } from './message';
export type {
  ConfState,
  Entry,
  EntryType,
  HardState,
  LogIndex,
  NodeId,
  Role,
  Snapshot,
  SnapshotMetadata,
  SoftState,
  Term,
} from './types';
export { EMPTY_CONF_STATE, EMPTY_HARD_STATE, NO_NODE, isEmptySnapshot } from './types';
export { ENTRY_OVERHEAD_BYTES, entryBytes } from './entry-size';
