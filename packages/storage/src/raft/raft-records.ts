import { readU64, writeU64 } from '../bytes';
import { checkedEncode, packStruct, unpackStruct } from '../codec';
import { invariant } from '../errors';

/** Raft persistent state of one group, as the raft package hands it to storage. */
export interface RaftEntry {
  readonly index: number;
  readonly term: number;
  /** Entry type as the raft package numbers it (normal, conf change, …); opaque here. */
  readonly type: number;
  readonly data: Uint8Array;
}

export interface HardState {
  readonly term: number;
  /** Node voted for in `term`, 0 for none. */
  readonly vote: number;
  readonly commit: number;
}

export interface ConfState {
  readonly voters: readonly number[];
  readonly learners: readonly number[];
  /** Joint consensus: the outgoing voters while a change is in progress. */
  readonly votersOutgoing: readonly number[];
  readonly learnersNext: readonly number[];
  readonly autoLeave: boolean;
}

/** The snapshot the log was compacted to: everything up to `index` lives in the state machine. */
export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

/** Index and term of the entry just before the first one stored (0/0 for a fresh log). */
export interface LogStart {
  readonly index: number;
  readonly term: number;
}

// ---- entry: key holds the index; value [term u64][type u8][data…] ---------------------------

export function encodeEntryValue(entry: RaftEntry): Uint8Array {
  return checkedEncode(
    entry,
    (e) => {
      const out = new Uint8Array(9 + e.data.length);
      writeU64(out, 0, e.term);
      out[8] = e.type;
      out.set(e.data, 9);
      return out;
    },
    (bytes) => decodeEntryValue(entry.index, bytes),
    'raft entry',
  );
}

export function decodeEntryValue(index: number, bytes: Uint8Array): RaftEntry {
  invariant(
    bytes.length >= 9,
    'CORRUPT_RECORD',
    () => `raft entry ${index} of ${bytes.length} bytes`,
  );
  return { index, term: readU64(bytes, 0), type: bytes[8] ?? 0, data: bytes.subarray(9) };
}

// ---- msgpack records, validated on load ---------------------------------------------------

export function encodeHardState(hs: HardState): Uint8Array {
  return checkedEncode(hs, packStruct, decodeHardState, 'hard state');
}

export function decodeHardState(bytes: Uint8Array): HardState {
  const raw = asRecord(unpackStruct(bytes), 'hard state');
  return { term: nat(raw, 'term'), vote: nat(raw, 'vote'), commit: nat(raw, 'commit') };
}

export function encodeLogStart(start: LogStart): Uint8Array {
  return checkedEncode(start, packStruct, decodeLogStart, 'log start');
}

export function decodeLogStart(bytes: Uint8Array): LogStart {
  const raw = asRecord(unpackStruct(bytes), 'log start');
  return { index: nat(raw, 'index'), term: nat(raw, 'term') };
}

export function encodeConfState(cs: ConfState): Uint8Array {
  return checkedEncode(cs, packStruct, decodeConfState, 'conf state');
}

export function decodeConfState(bytes: Uint8Array): ConfState {
  return confStateFrom(asRecord(unpackStruct(bytes), 'conf state'));
}

export function encodeSnapshotMeta(meta: SnapshotMeta): Uint8Array {
  return checkedEncode(meta, packStruct, decodeSnapshotMeta, 'snapshot meta');
}

export function decodeSnapshotMeta(bytes: Uint8Array): SnapshotMeta {
  const raw = asRecord(unpackStruct(bytes), 'snapshot meta');
  return {
    index: nat(raw, 'index'),
    term: nat(raw, 'term'),
    confState: confStateFrom(asRecord(raw.confState, 'snapshot conf state')),
  };
}

export const emptyConfState: ConfState = {
  voters: [],
  learners: [],
  votersOutgoing: [],
  learnersNext: [],
  autoLeave: false,
};

function confStateFrom(raw: Record<string, unknown>): ConfState {
  invariant(typeof raw.autoLeave === 'boolean', 'CORRUPT_RECORD', () => 'conf state autoLeave');
  return {
    voters: natList(raw, 'voters'),
    learners: natList(raw, 'learners'),
    votersOutgoing: natList(raw, 'votersOutgoing'),
    learnersNext: natList(raw, 'learnersNext'),
    autoLeave: raw.autoLeave,
  };
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  invariant(
    typeof value === 'object' && value !== null && !Array.isArray(value),
    'CORRUPT_RECORD',
    () => `${what} is not a map`,
  );
  return value as Record<string, unknown>;
}

function nat(raw: Record<string, unknown>, field: string): number {
  const v = raw[field];
  invariant(
    typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
    'CORRUPT_RECORD',
    () => `field ${field} is ${String(v)}`,
  );
  return v;
}

function natList(raw: Record<string, unknown>, field: string): number[] {
  const v = raw[field];
  invariant(Array.isArray(v), 'CORRUPT_RECORD', () => `field ${field} is not a list`);
  return v.map((x: unknown) => {
    invariant(
      typeof x === 'number' && Number.isSafeInteger(x) && x >= 0,
      'CORRUPT_RECORD',
      () => `field ${field} holds ${String(x)}`,
    );
    return x;
  });
}
