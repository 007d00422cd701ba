import { bytesEqual, keySuccessor } from '../bytes';
import type { KvReader } from '../engine/kv-engine';
import { assertTs, parseRecordKey, recordKind, userRange } from '../keys/key-layout';
import { newestVersion, readLock } from './key-reads';
import { decodeLock, decodeVersion, publicLock } from './records';
import type { GetResult, Lock, ScanOptions, ScanRow } from './types';

/**
 * Percolator reads at a timestamp over one space generation. A lock whose startTs <= readTs
 * blocks the read of its key (that txn may commit below readTs), so it is returned for the
 * caller to resolve; a lock from a txn that started after readTs is invisible. Of the
 * committed versions, the newest with commitTs <= readTs wins; a tombstone reads as none.
 */
export function getAt(
  reader: KvReader,
  prefix: Uint8Array,
  key: Uint8Array,
  readTs: number,
): GetResult {
  assertTs(readTs, 'readTs');
  const lock = readLock(reader, prefix, key);
  if (lock !== undefined && lock.startTs <= readTs)
    return { kind: 'locked', lock: publicLock(lock) };
  const version = newestVersion(reader, prefix, key, readTs);
  if (version === undefined || version.record.op === 'delete') return { kind: 'none' };
  return { kind: 'value', value: version.record.value, commitTs: version.commitTs };
}

export interface ScanOutcome {
  readonly rows: ScanRow[];
  readonly locks: Lock[];
  readonly resumeKey: Uint8Array | undefined;
}

/**
 * Scans user keys in [startKey, endKey) at readTs. Records are read in one engine range in the
 * scan direction and grouped per user key (a key's records are contiguous: lock, versions
 * newest first, rollback markers), so one pass serves both directions.
 */
export function scanAt(
  reader: KvReader,
  prefix: Uint8Array,
  startKey: Uint8Array | undefined,
  endKey: Uint8Array | undefined,
  readTs: number,
  options: ScanOptions,
): ScanOutcome {
  assertTs(readTs, 'readTs');
  const reverse = options.reverse === true;
  const limit = Math.max(1, options.limit);
  const rows: ScanRow[] = [];
  const locks: Lock[] = [];
  let groupKey: Uint8Array | undefined;
  let group = newGroup();

  const finish = (key: Uint8Array): boolean => {
    const outcome = resolveGroup(group, key, readTs);
    if (outcome === undefined) return false;
    if ('lock' in outcome) locks.push(outcome.lock);
    else rows.push(outcome.row);
    return rows.length + locks.length >= limit;
  };

  for (const entry of reader.range({ ...userRange(prefix, startKey, endKey), reverse })) {
    const parsed = parseRecordKey(entry.key);
    if (groupKey !== undefined && !bytesEqual(groupKey, parsed.userKey)) {
      if (finish(groupKey)) {
        return { rows, locks, resumeKey: resumeAfter(groupKey, reverse) };
      }
      group = newGroup();
    }
    groupKey = parsed.userKey;
    if (parsed.kind === recordKind.lock) group.lock = entry.value;
    else if (parsed.kind === recordKind.version)
      group.versions.push({ ts: parsed.ts, value: entry.value });
  }
  // The range is exhausted, even if the last key filled the limit: nothing to resume.
  if (groupKey !== undefined) finish(groupKey);
  return { rows, locks, resumeKey: undefined };
}

/** One user key's records, gathered in scan order (shared with program-scan.ts). */
export interface Group {
  lock: Uint8Array | undefined;
  /** In scan order: newest first when scanning forward, oldest first in reverse. */
  versions: { ts: number; value: Uint8Array }[];
}

export function newGroup(): Group {
  return { lock: undefined, versions: [] };
}

/** What a key shows at readTs: a blocking lock, its visible row, or nothing. */
export function resolveGroup(
  group: Group,
  key: Uint8Array,
  readTs: number,
): { lock: Lock } | { row: ScanRow } | undefined {
  if (group.lock !== undefined) {
    const lock = decodeLock(group.lock, key);
    if (lock.startTs <= readTs) return { lock: publicLock(lock) };
  }
  let best: { ts: number; value: Uint8Array } | undefined;
  for (const v of group.versions) {
    if (v.ts <= readTs && (best === undefined || v.ts > best.ts)) best = v;
  }
  if (best === undefined) return undefined;
  const record = decodeVersion(best.value);
  if (record.op === 'delete') return undefined;
  return { row: { key, value: record.value, commitTs: best.ts } };
}

/** Forward scans resume just after the last key; reverse scans end (exclusively) at it. */
export function resumeAfter(key: Uint8Array, reverse: boolean): Uint8Array {
  return reverse ? key : keySuccessor(key);
}
