import { concatBytes, readU32, readU64, writeU32, writeU64 } from '../bytes';
import { checkedEncode, packStruct, unpackStruct } from '../codec';
import { invariant, StorageInvariantError } from '../errors';
import type { Lock } from './types';

/**
 * Value codecs of the MVCC records. Decoders return views into the bytes they are given (no
 * copy: a typed array over 64 bytes costs an off-heap allocation, ~300 ns); engines hand out
 * fresh arrays and nobody mutates them. Versions and locks are on the hot path and hand-rolled
 * (a fixed header then raw bytes: no allocation beyond the output); space meta is cold and
 * msgpack. Each encoder is wrapped in a paired decode check (codec.ts).
 */

// ---- committed version: [op u8][startTs u64][value…] ----------------------------------------

const opPut = 1;
const opDelete = 2;

export type VersionRecord =
  | { readonly op: 'put'; readonly startTs: number; readonly value: Uint8Array }
  | { readonly op: 'delete'; readonly startTs: number };

export function encodeVersion(record: VersionRecord): Uint8Array {
  return checkedEncode(record, rawEncodeVersion, decodeVersion, 'version record');
}

function rawEncodeVersion(record: VersionRecord): Uint8Array {
  const value = record.op === 'put' ? record.value : undefined;
  const out = new Uint8Array(9 + (value?.length ?? 0));
  out[0] = record.op === 'put' ? opPut : opDelete;
  writeU64(out, 1, record.startTs);
  if (value !== undefined) out.set(value, 9);
  return out;
}

export function decodeVersion(bytes: Uint8Array): VersionRecord {
  const op = bytes[0];
  if (bytes.length >= 9 && op === opPut) {
    return { op: 'put', startTs: readU64(bytes, 1), value: bytes.subarray(9) };
  }
  if (bytes.length === 9 && op === opDelete) return { op: 'delete', startTs: readU64(bytes, 1) };
  throw new StorageInvariantError(
    'CORRUPT_RECORD',
    `version record of ${bytes.length} bytes, op ${op}`,
  );
}

// ---- lock: [op u8][startTs u64][ttlMs u32][txnSize u32][primaryLen u32][primary][value…] -----

/** A lock as stored: the public Lock plus the provisional value it will commit. */
export type LockRecord = Lock & { readonly value?: Uint8Array };

export function encodeLock(record: LockRecord): Uint8Array {
  return checkedEncode(record, rawEncodeLock, (b) => decodeLock(b, record.key), 'lock record');
}

const lockHeaderBytes = 21;

function rawEncodeLock(record: LockRecord): Uint8Array {
  const header = new Uint8Array(lockHeaderBytes);
  header[0] = record.op === 'put' ? opPut : opDelete;
  writeU64(header, 1, record.startTs);
  writeU32(header, 9, record.ttlMs);
  writeU32(header, 13, record.txnSize);
  writeU32(header, 17, record.primary.length);
  return concatBytes(header, record.primary, record.value ?? new Uint8Array(0));
}

export function decodeLock(bytes: Uint8Array, key: Uint8Array): LockRecord {
  const size = bytes.length;
  const opByte = bytes[0];
  const primaryEnd = size >= lockHeaderBytes ? lockHeaderBytes + readU32(bytes, 17) : 0;
  if (size < lockHeaderBytes || primaryEnd > size || (opByte !== opPut && opByte !== opDelete)) {
    throw new StorageInvariantError('CORRUPT_RECORD', `lock record of ${size} bytes, op ${opByte}`);
  }
  const primary = bytes.subarray(lockHeaderBytes, primaryEnd);
  const startTs = readU64(bytes, 1);
  const ttlMs = readU32(bytes, 9);
  const txnSize = readU32(bytes, 13);
  if (opByte === opPut) {
    const value = bytes.subarray(primaryEnd);
    return { key, primary, startTs, op: 'put', ttlMs, txnSize, value };
  }
  if (primaryEnd !== size)
    throw new StorageInvariantError('CORRUPT_RECORD', 'delete lock has a value');
  return { key, primary, startTs, op: 'delete', ttlMs, txnSize };
}

/** The public view of a lock (without the provisional value). */
export function publicLock(record: LockRecord): Lock {
  return {
    key: record.key,
    primary: record.primary,
    startTs: record.startTs,
    op: record.op,
    ttlMs: record.ttlMs,
    txnSize: record.txnSize,
  };
}

// ---- space meta (msgpack) -------------------------------------------------------------------

export interface SpaceMeta {
  /** Generation holding the live data. */
  readonly gen: number;
  /** Generation being filled by a snapshot import, or 0. */
  readonly stagingGen: number;
  readonly appliedIndex: number;
  readonly appliedTerm: number;
  /** Reads below this timestamp are refused: GC may have removed what they would see. */
  readonly gcSafePointTs: number;
  /** Records (locks, versions, rollback markers) and their key+value bytes. */
  readonly records: number;
  readonly bytes: number;
  readonly stagingRecords: number;
  readonly stagingBytes: number;
  /**
   * The highest commit timestamp among the versions applied to the live generation (commit
   * and putVersion commands, or a snapshot's): the replica's position in timestamp terms,
   * reported so reads can later be routed by it. 0 in metas written before it existed.
   */
  readonly maxCommitTs: number;
}

export function encodeSpaceMeta(meta: SpaceMeta): Uint8Array {
  return checkedEncode(meta, packStruct, decodeSpaceMeta, 'space meta');
}

const spaceMetaFields = [
  'gen',
  'stagingGen',
  'appliedIndex',
  'appliedTerm',
  'gcSafePointTs',
  'records',
  'bytes',
  'stagingRecords',
  'stagingBytes',
  'maxCommitTs',
] as const;

/** Fields added after the first format: absent in older metas, read as 0. */
const optionalSpaceMetaFields = new Set<string>(['maxCommitTs']);

export function decodeSpaceMeta(bytes: Uint8Array): SpaceMeta {
  const raw = unpackStruct(bytes) as Record<string, unknown>;
  const out: Record<string, number> = {};
  for (const field of spaceMetaFields) {
    const v: unknown = raw[field] ?? (optionalSpaceMetaFields.has(field) ? 0 : undefined);
    invariant(
      typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
      'CORRUPT_RECORD',
      () => `space meta field ${field} is ${typeof v === 'number' ? v : typeof v}`,
    );
    out[field] = v;
  }
  return out as unknown as SpaceMeta;
}
