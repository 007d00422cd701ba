import type { KvReader } from '../engine/kv-engine';
import {
  lockKey,
  parseRecordKey,
  rollbackKey,
  rollbacksStart,
  versionKey,
} from '../keys/key-layout';
import { decodeLock, decodeVersion, publicLock } from './records';
import type { LockRecord, VersionRecord } from './records';
import type { TxnStatus } from './types';

/**
 * Reads of one user key's records inside one generation (`prefix`): its lock, its versions
 * (newest first), its rollback markers. Shared by reads, the command evaluator and GC.
 */
export function readLock(
  reader: KvReader,
  prefix: Uint8Array,
  key: Uint8Array,
): LockRecord | undefined {
  const bytes = reader.get(lockKey(prefix, key));
  return bytes === undefined ? undefined : decodeLock(bytes, key);
}

export interface Version {
  readonly commitTs: number;
  readonly record: VersionRecord;
}

/** The newest version with commitTs <= ts (or the newest of all when ts is undefined). */
export function newestVersion(
  reader: KvReader,
  prefix: Uint8Array,
  key: Uint8Array,
  ts?: number,
): Version | undefined {
  const start =
    ts === undefined
      ? versionKey(prefix, key, Number.MAX_SAFE_INTEGER)
      : versionKey(prefix, key, ts);
  const entry = reader.first(start, rollbacksStart(prefix, key));
  if (entry === undefined) return undefined;
  return { commitTs: parseRecordKey(entry.key).ts, record: decodeVersion(entry.value) };
}

/** The commit of txn `startTs` on `key`, if any: its commitTs is above startTs. */
export function findCommit(
  reader: KvReader,
  prefix: Uint8Array,
  key: Uint8Array,
  startTs: number,
): Version | undefined {
  const range = {
    start: versionKey(prefix, key, Number.MAX_SAFE_INTEGER),
    // Versions with commitTs > startTs sort before inv(startTs).
    end: versionKey(prefix, key, startTs),
  };
  for (const entry of reader.range(range)) {
    const record = decodeVersion(entry.value);
    if (record.startTs === startTs) return { commitTs: parseRecordKey(entry.key).ts, record };
  }
  return undefined;
}

export function hasRollback(
  reader: KvReader,
  prefix: Uint8Array,
  key: Uint8Array,
  startTs: number,
): boolean {
  return reader.get(rollbackKey(prefix, key, startTs)) !== undefined;
}

/** What this key says about txn `startTs`: its lock, its commit, its rollback, or nothing. */
export function txnStatusOnKey(
  reader: KvReader,
  prefix: Uint8Array,
  key: Uint8Array,
  startTs: number,
): TxnStatus {
  const lock = readLock(reader, prefix, key);
  if (lock?.startTs === startTs) return { kind: 'locked', lock: publicLock(lock) };
  const commit = findCommit(reader, prefix, key, startTs);
  if (commit !== undefined) return { kind: 'committed', commitTs: commit.commitTs };
  if (hasRollback(reader, prefix, key, startTs)) return { kind: 'rolledBack' };
  return { kind: 'none' };
}
