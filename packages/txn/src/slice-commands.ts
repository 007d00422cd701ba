import type { MvccCommand, SpaceMissing, TxnStatus } from '@tessera/storage';
import { lockExpired } from './slice-kv';
import type { CheckTxnStatusRequest, LockResolution, PrewriteRequest } from './slice-kv';

/**
 * The MVCC commands behind each `SliceKv` write call. Every implementation applies exactly
 * these — one apply batch locally, one Raft entry when replicated — so the transaction
 * protocol cannot differ between them.
 */
export function prewriteCommands(request: PrewriteRequest): MvccCommand[] {
  return request.mutations.map((m) => ({
    ...m,
    kind: 'prewrite',
    startTs: request.startTs,
    primary: request.primary,
    ttlMs: request.lockTtlMs,
    txnSize: request.txnSize,
  }));
}

export function commitCommands(
  keys: readonly Uint8Array[],
  startTs: number,
  commitTs: number,
): MvccCommand[] {
  return keys.map((key) => ({ kind: 'commit', key, startTs, commitTs }));
}

export function rollbackCommands(keys: readonly Uint8Array[], startTs: number): MvccCommand[] {
  return keys.map((key) => ({ kind: 'rollback', key, startTs }));
}

export function resolutionCommands(resolutions: readonly LockResolution[]): MvccCommand[] {
  return resolutions.map((r) =>
    r.commitTs === undefined
      ? { kind: 'rollback', key: r.key, startTs: r.startTs }
      : { kind: 'commit', key: r.key, startTs: r.startTs, commitTs: r.commitTs },
  );
}

/**
 * Whether `checkTxnStatus` must roll the txn back: its primary lock outlived its TTL, or the
 * primary has no record at all and the caller's secondary lock says the TTL has run out.
 */
export function primaryExpired(
  status: TxnStatus | SpaceMissing,
  request: CheckTxnStatusRequest,
): boolean {
  return (
    (status.kind === 'locked' &&
      lockExpired(status.lock.startTs, status.lock.ttlMs, request.nowMs)) ||
    (status.kind === 'none' &&
      request.rollbackIfMissing !== undefined &&
      lockExpired(request.startTs, request.rollbackIfMissing.ttlMs, request.nowMs))
  );
}
