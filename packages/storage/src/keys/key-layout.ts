import { concatBytes, prefixEnd, readU32, readU64, writeU32, writeU64 } from '../bytes';
import { invariant } from '../errors';
import { encodedKeyLength, readOrderedKey, writeOrderedKey } from './ordered-key';

/**
 * The node's one key space, by leading tag byte. All integers are big-endian so that byte order
 * is numeric order. `enc(k)` is the ordered key encoding (ordered-key.ts); `inv(ts)` is
 * Number.MAX_SAFE_INTEGER - ts, so the newest version of a key sorts first.
 *
 *   01 space u32                                   space meta (msgpack)
 *   02 space u32 gen u32 enc(key) 00               lock of key (at most one)
 *   02 space u32 gen u32 enc(key) 01 inv(commitTs) committed version: put or tombstone
 *   02 space u32 gen u32 enc(key) 02 inv(startTs)  rollback marker of txn startTs
 *   03 space u32 gen u32                           garbage generation, to purge
 *   04                                             node meta: next generation (u32)
 *   05 group u32 00                                raft hard state (msgpack)
 *   05 group u32 01                                raft conf state (msgpack)
 *   05 group u32 02                                raft log start: index/term before the log
 *   05 group u32 03                                raft snapshot meta (msgpack)
 *   05 group u32 10 index u64                      raft log entry
 *
 * A space's data lives under a generation so that a snapshot import can fill a fresh
 * generation in bounded batches and switch to it in one small atomic batch, and a dropped
 * space can be deleted in bounded batches after a single atomic "drop" (see README.md).
 */
export const tag = {
  spaceMeta: 0x01,
  spaceData: 0x02,
  garbage: 0x03,
  nodeMeta: 0x04,
  raft: 0x05,
} as const;

export const recordKind = { lock: 0x00, version: 0x01, rollback: 0x02 } as const;
export type RecordKind = (typeof recordKind)[keyof typeof recordKind];

export const raftSub = {
  hardState: 0x00,
  confState: 0x01,
  logStart: 0x02,
  snapshotMeta: 0x03,
  entry: 0x10,
} as const;

const maxU32 = 0xffffffff;

export function assertId(id: number, what: string): void {
  invariant(
    Number.isInteger(id) && id >= 0 && id <= maxU32,
    'BAD_ID',
    () => `${what} ${id} is not a u32`,
  );
}

export function assertTs(ts: number, what: string): void {
  invariant(
    Number.isSafeInteger(ts) && ts > 0,
    'BAD_TIMESTAMP',
    () => `${what} ${ts} is not a positive safe integer`,
  );
}

export function invertTs(ts: number): number {
  return Number.MAX_SAFE_INTEGER - ts;
}

// ---- space meta and generations -------------------------------------------------------------

export function spaceMetaKey(space: number): Uint8Array {
  assertId(space, 'space id');
  const k = new Uint8Array(5);
  k[0] = tag.spaceMeta;
  writeU32(k, 1, space);
  return k;
}

export const spaceMetaRange = {
  start: Uint8Array.of(tag.spaceMeta),
  end: Uint8Array.of(tag.spaceMeta + 1),
};

export function spaceIdOfMetaKey(key: Uint8Array): number {
  return readU32(key, 1);
}

export const nextGenerationKey: Uint8Array = Uint8Array.of(tag.nodeMeta, 0x01);

/** 02 space gen: the prefix of every record of one generation of a space. */
export function generationPrefix(space: number, gen: number): Uint8Array {
  assertId(space, 'space id');
  assertId(gen, 'generation');
  const k = new Uint8Array(9);
  k[0] = tag.spaceData;
  writeU32(k, 1, space);
  writeU32(k, 5, gen);
  return k;
}

export function garbageKey(space: number, gen: number): Uint8Array {
  const k = generationPrefix(space, gen);
  k[0] = tag.garbage;
  return k;
}

export const garbageRange = {
  start: Uint8Array.of(tag.garbage),
  end: Uint8Array.of(tag.garbage + 1),
};

export function parseGarbageKey(key: Uint8Array): { space: number; gen: number } {
  return { space: readU32(key, 1), gen: readU32(key, 5) };
}

// ---- MVCC records ---------------------------------------------------------------------------

const prefixBytes = 9;
const suffixBytesMax = 9;

/** Encoded length of the longest record key for `userKey` (a version or rollback key). */
export function recordKeyBytes(userKey: Uint8Array): number {
  return prefixBytes + encodedKeyLength(userKey) + suffixBytesMax;
}

/** enc(key) under the generation prefix, with `extra` spare bytes for a suffix. */
function keyBase(prefix: Uint8Array, userKey: Uint8Array, extra: number): [Uint8Array, number] {
  const out = new Uint8Array(prefix.length + encodedKeyLength(userKey) + extra);
  out.set(prefix);
  const at = writeOrderedKey(out, prefix.length, userKey);
  return [out, at];
}

/** The start of all records of `userKey` (its lock, if any, sorts first). */
export function userKeyStart(prefix: Uint8Array, userKey: Uint8Array): Uint8Array {
  return keyBase(prefix, userKey, 0)[0];
}

/** The exclusive end of all records of `userKey`. */
export function userKeyEnd(prefix: Uint8Array, userKey: Uint8Array): Uint8Array {
  const [out, at] = keyBase(prefix, userKey, 1);
  out[at] = recordKind.rollback + 1;
  return out;
}

export function lockKey(prefix: Uint8Array, userKey: Uint8Array): Uint8Array {
  const [out, at] = keyBase(prefix, userKey, 1);
  out[at] = recordKind.lock;
  return out;
}

function tsKey(prefix: Uint8Array, userKey: Uint8Array, kind: RecordKind, ts: number): Uint8Array {
  const [out, at] = keyBase(prefix, userKey, 9);
  out[at] = kind;
  writeU64(out, at + 1, invertTs(ts));
  return out;
}

export function versionKey(prefix: Uint8Array, userKey: Uint8Array, commitTs: number): Uint8Array {
  return tsKey(prefix, userKey, recordKind.version, commitTs);
}

export function rollbackKey(prefix: Uint8Array, userKey: Uint8Array, startTs: number): Uint8Array {
  return tsKey(prefix, userKey, recordKind.rollback, startTs);
}

/** Start of the rollback markers of `userKey`: the exclusive end of its versions. */
export function rollbacksStart(prefix: Uint8Array, userKey: Uint8Array): Uint8Array {
  const [out, at] = keyBase(prefix, userKey, 1);
  out[at] = recordKind.rollback;
  return out;
}

/** The record-key range of user keys in [startKey, endKey) (undefined = open). */
export function userRange(
  prefix: Uint8Array,
  startKey: Uint8Array | undefined,
  endKey: Uint8Array | undefined,
): { start: Uint8Array; end: Uint8Array } {
  const start = startKey === undefined ? prefix : userKeyStart(prefix, startKey);
  const end =
    endKey === undefined
      ? (prefixEnd(prefix) ?? concatBytes(prefix, Uint8Array.of(0xff)))
      : userKeyStart(prefix, endKey);
  return { start, end };
}

export interface ParsedRecordKey {
  readonly userKey: Uint8Array;
  /** Bytes of prefix + enc(userKey): equal for all records of one user key. */
  readonly keyEnd: number;
  readonly kind: RecordKind;
  /** commitTs of a version, startTs of a rollback marker, 0 for a lock. */
  readonly ts: number;
}

export function parseRecordKey(key: Uint8Array): ParsedRecordKey {
  const { userKey, end } = readOrderedKey(key, prefixBytes);
  const kind = key[end];
  if (kind === recordKind.lock && key.length === end + 1) {
    return { userKey, keyEnd: end, kind, ts: 0 };
  }
  invariant(
    (kind === recordKind.version || kind === recordKind.rollback) && key.length === end + 9,
    'CORRUPT_RECORD',
    () => `record key with suffix kind ${kind} and length ${key.length - end}`,
  );
  return { userKey, keyEnd: end, kind, ts: invertTs(readU64(key, end + 1)) };
}

// ---- raft -----------------------------------------------------------------------------------

export function raftKey(group: number, sub: number): Uint8Array {
  assertId(group, 'raft group id');
  const k = new Uint8Array(6);
  k[0] = tag.raft;
  writeU32(k, 1, group);
  k[5] = sub;
  return k;
}

export function raftEntryKey(group: number, index: number): Uint8Array {
  assertId(group, 'raft group id');
  const k = new Uint8Array(14);
  k[0] = tag.raft;
  writeU32(k, 1, group);
  k[5] = raftSub.entry;
  writeU64(k, 6, index);
  return k;
}

export function raftEntryIndex(key: Uint8Array): number {
  return readU64(key, 6);
}

export function raftGroupRange(group: number): { start: Uint8Array; end: Uint8Array } {
  assertId(group, 'raft group id');
  const start = new Uint8Array(5);
  start[0] = tag.raft;
  writeU32(start, 1, group);
  const end = prefixEnd(start) ?? Uint8Array.of(tag.raft + 1);
  return { start, end };
}

export const raftRange = { start: Uint8Array.of(tag.raft), end: Uint8Array.of(tag.raft + 1) };

export function raftGroupOfKey(key: Uint8Array): number {
  return readU32(key, 1);
}
