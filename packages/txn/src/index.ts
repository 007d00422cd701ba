// @tessera/txn: distributed snapshot-isolation transactions (README.md). Everything public.

export { TxnClient } from './txn-client';
export type { TxnClientDeps } from './txn-client';
export { Transaction } from './transaction';
export type { ScanOptions, TxnSavepoint, TxnState } from './transaction';
export type { ProgramStreamOptions, ScanStreamOptions } from './scan-stream';
export type { CommitOutcome } from './two-phase-commit';
export type { KeyValue, ScanProgramOptions } from './snapshot-reader';
// Scan programs (coprocessor reads): the contract a processor (e.g. @tessera/sql's) implements.
export type {
  ProgramRefused,
  ScanProcessor,
  ScanProgramRun,
  ScanProgramSpec,
} from '@tessera/storage';
export { defaultTxnOptions } from './options';
export type { TxnOptions } from './options';

export { TxnError, TxnInvariantError, isTxnError } from './errors';
export type { TxnErrorCode } from './errors';

export { lockExpired, routerFromFunction } from './slice-kv';
// Where a placed slice's replication group is: the layers above txn route by it.
export { groupIdOfSlice } from '@tessera/cluster';
export type {
  CheckTxnStatusRequest,
  HashBounds,
  KeyMutation,
  LockResolution,
  PrewriteRequest,
  Router,
  ScanRoute,
  SliceId,
  SliceKv,
} from './slice-kv';
export { LocalSliceKv, memorySlices } from './local-slice-kv';
export { ClusterSliceKv } from './cluster-slice-kv';
export type { ClusterSliceKvDeps, SliceRouting } from './cluster-slice-kv';
export type { LocalSlice, LocalSlicesOptions } from './local-slice-kv';

export {
  ControlTimestampSource,
  MemoryWindowStore,
  OracleTimestampSource,
} from './timestamp-source';
export type { TimestampSource, WindowStore } from './timestamp-source';

export { SimulatedCrash } from './testing-knobs';
export type { CrashPoint, TxnTestingKnobs } from './testing-knobs';
