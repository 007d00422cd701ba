// @tessera/storage: a data node's durable store (README.md). Everything public is here.

export type { KvEngine, KvEntry, KvReader, KvSnapshot, RangeOptions } from './engine/kv-engine';
export { WriteBatch, BatchView } from './engine/write-batch';
export { LmdbEngine } from './engine/lmdb-engine';
export type { LmdbEngineOptions } from './engine/lmdb-engine';
export { MemoryEngine } from './engine/memory-engine';
export { defaultMaxKeyBytes } from './engine/key-size';
export type { MemoryEngineOptions } from './engine/memory-engine';

export { StorageError, StorageInvariantError } from './errors';
export type { InvariantCode, StorageErrorCode } from './errors';
export { debugChecks } from './codec';

export { MvccStore } from './mvcc/mvcc-store';
export type { MvccStoreOptions } from './mvcc/mvcc-store';
export type { PurgeResult } from './mvcc/space-catalog';
export type { SplitSpaceRequest, SplitSpaceResult } from './mvcc/space-split';
export type { ImportResult, SpaceExport, SpaceSnapshotHeader } from './mvcc/space-snapshot';
export type * from './mvcc/types';

export { RaftLogStore } from './raft/raft-log-store';
export type { EntriesResult, TermResult } from './raft/raft-log-store';
export type { ConfState, HardState, LogStart, RaftEntry, SnapshotMeta } from './raft/raft-records';
