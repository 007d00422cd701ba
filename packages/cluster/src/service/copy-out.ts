import type { GetResult, Lock, ScanResult, SpaceMissing, TxnStatus } from '@tessera/storage';

/**
 * Engine reads are views into the engine's buffers, valid only until its next write. An
 * answer may wait in a queue — or, in one process, sit in the caller's hands — far longer, so
 * every byte array in an answer is copied out first.
 */
export function copyLock(lock: Lock): Lock {
  return { ...lock, key: lock.key.slice(), primary: lock.primary.slice() };
}

export function copyGet(result: GetResult): GetResult {
  if (result.kind === 'value') return { ...result, value: result.value.slice() };
  if (result.kind === 'locked') return { ...result, lock: copyLock(result.lock) };
  return result;
}

/** Program outputs are the caller's already, but copying them too keeps this one rule. */
export function copyScan(result: ScanResult): ScanResult {
  if (result.kind !== 'rows') return result;
  return {
    ...result,
    rows: result.rows.map((row) => ({ ...row, key: row.key.slice(), value: row.value.slice() })),
    locks: result.locks.map(copyLock),
    resumeKey: result.resumeKey?.slice(),
  };
}

export function copyStatus(status: TxnStatus | SpaceMissing): TxnStatus | SpaceMissing {
  return status.kind === 'locked' ? { ...status, lock: copyLock(status.lock) } : status;
}
