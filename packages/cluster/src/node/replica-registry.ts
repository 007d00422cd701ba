import type { KvReader, WriteBatch } from '@tessera/storage';
import { invariant } from './errors';
import { fromHex, hex, wholeKeyHasher } from './key-hashers';
import type { KeyHasherSpec } from './key-hashers';

/**
 * The durable list of replicas a node hosts, so that a restarted node knows which Raft groups
 * and MVCC spaces to recover (a group's log alone does not say whether this member is a data
 * member or a logger, nor which space it applies to).
 *
 * Stored in the node's engine under a tag byte the storage package does not use (0x01–0x05
 * are storage's; 0xC0 is reserved here for the cluster layer):
 *
 * ```
 * C0 01 group u32   → JSON {v: 2, groupId, spaceId, dataMember, members: [{nodeId, role}],
 *                           rankingNode?, hashRange?: {start, end}}
 * ```
 *
 * A record is written in the same batch as the replica's first Raft state and MVCC space, and
 * deleted in the same batch that drops them, so a crash never leaves one without the other.
 *
 * `members` is the group's membership *as of the start of this member's durable log* (the
 * snapshot point: index 0 = the bootstrap membership). It is rewritten in the same batch that
 * moves the log start (compaction, snapshot install), so a restart hands Raft exactly the
 * membership its log replay starts from; membership changes after it live in the log. It is
 * the authoritative copy: storage's own ConfState record (written by RaftLogStore on a
 * snapshot install) cannot express loggers and is informational only.
 * Cold data (written once per replica and once per compaction), hence JSON. Version 1 records
 * (no `dataMember`: derived from the node's own role in `members`) are still read.
 */
export type MemberRole = 'voter' | 'logger' | 'learner';

export interface ReplicaMember {
  readonly nodeId: number;
  readonly role: MemberRole;
}

export interface ReplicaRecord {
  readonly groupId: number;
  /** MVCC key space applied to; unused (0) when this node is the group's logger. */
  readonly spaceId: number;
  /**
   * Whether this node holds data (voter or learner: it applies to the MVCC space) rather than
   * only the log (logger). Fixed for the replica's life. Absent: derived from `members`.
   */
  readonly dataMember?: boolean;
  /** Membership as of the log start (see above); empty for a joiner before its snapshot. */
  readonly members: readonly ReplicaMember[];
  /**
   * The slice's ranking replica: the member that should lead (absent: no preference). Set when
   * the replica is created and rewritten when the control plane re-ranks the slice
   * (`SliceReplica.setRankingNode`). The leader hands leadership to it when it is caught up.
   */
  readonly rankingNode?: number;
  /**
   * The distribution-hash range this replica serves, as decimal strings (JSON has no u64),
   * once a split narrowed it (see SliceReplica: a split entry moves the keys at or above its
   * point to a new group). Absent: the whole hash space — a slice never split serves whatever
   * its map range routes to it.
   */
  readonly hashRange?: { readonly start: string; readonly end: string };
  /**
   * How this replica hashes keys for its range (key-hashers.ts), params as hex; set with the
   * range by a split. Absent: the whole key (`wholeKey`).
   */
  readonly hasher?: { readonly name: string; readonly params: string };
}

export function hasherOf(record: ReplicaRecord): KeyHasherSpec {
  const h = record.hasher;
  if (h === undefined) return wholeKeyHasher;
  const params = fromHex(h.params);
  invariant(params !== undefined, 'replica record: bad hasher params');
  return { name: h.name, params };
}

export function withHasher(record: ReplicaRecord, spec: KeyHasherSpec): ReplicaRecord {
  return { ...record, hasher: { name: spec.name, params: hex(spec.params) } };
}

/** A replica's distribution-hash range, [start, end). */
export interface HashBounds {
  readonly start: bigint;
  readonly end: bigint;
}

export const WHOLE_HASH_SPACE: HashBounds = { start: 0n, end: 1n << 64n };

export function hashBoundsOf(record: ReplicaRecord): HashBounds {
  const r = record.hashRange;
  return r === undefined ? WHOLE_HASH_SPACE : { start: BigInt(r.start), end: BigInt(r.end) };
}

export function withHashBounds(record: ReplicaRecord, bounds: HashBounds): ReplicaRecord {
  return {
    ...record,
    hashRange: { start: bounds.start.toString(), end: bounds.end.toString() },
  };
}

const TAG = 0xc0;
const SUB_REPLICA = 0x01;
const RECORD_VERSION = 2;

/** Whether `nodeId` applies to the record's MVCC space (a voter or learner, not a logger). */
export function isDataRecord(record: ReplicaRecord, nodeId: number): boolean {
  if (record.dataMember !== undefined) return record.dataMember;
  return record.members.some((m) => m.nodeId === nodeId && m.role !== 'logger');
}

export function replicaKey(groupId: number): Uint8Array {
  invariant(isU32(groupId), () => `group id ${groupId} must be a u32`);
  const key = new Uint8Array(6);
  key[0] = TAG;
  key[1] = SUB_REPLICA;
  new DataView(key.buffer).setUint32(2, groupId);
  return key;
}

export function putReplicaRecord(batch: WriteBatch, record: ReplicaRecord): void {
  const { groupId, spaceId, dataMember, members, rankingNode, hashRange, hasher } = record;
  const normal = {
    groupId,
    spaceId,
    ...(dataMember === undefined ? {} : { dataMember }),
    members,
    ...(rankingNode === undefined ? {} : { rankingNode }),
    ...(hashRange === undefined ? {} : { hashRange }),
    ...(hasher === undefined ? {} : { hasher }),
  };
  const json = JSON.stringify({ v: RECORD_VERSION, ...normal });
  const bytes = new TextEncoder().encode(json);
  // Paired assertion: what we write must read back as what we meant.
  invariant(
    JSON.stringify(decodeReplicaRecord(bytes)) === JSON.stringify(normal),
    'replica record round trip',
  );
  batch.put(replicaKey(record.groupId), bytes);
}

export function deleteReplicaRecord(batch: WriteBatch, groupId: number): void {
  batch.delete(replicaKey(groupId));
}

export function loadReplicaRecords(reader: KvReader): ReplicaRecord[] {
  const out: ReplicaRecord[] = [];
  const range = {
    start: Uint8Array.of(TAG, SUB_REPLICA),
    end: Uint8Array.of(TAG, SUB_REPLICA + 1),
  };
  for (const { value } of reader.range(range)) out.push(decodeReplicaRecord(value));
  return out;
}

function decodeReplicaRecord(bytes: Uint8Array): ReplicaRecord {
  const raw: unknown = JSON.parse(new TextDecoder().decode(bytes));
  invariant(isObject(raw) && (raw.v === 1 || raw.v === 2), 'replica record: unknown version');
  const { groupId, spaceId, dataMember, members, rankingNode, hashRange, hasher } = raw;
  invariant(hasher === undefined || isHasherRecord(hasher), 'replica record: bad hasher');
  invariant(rankingNode === undefined || isU32(rankingNode), 'replica record: bad rankingNode');
  invariant(hashRange === undefined || isHashRange(hashRange), 'replica record: bad hashRange');
  invariant(isU32(groupId) && isU32(spaceId), 'replica record: bad ids');
  invariant(
    dataMember === undefined || typeof dataMember === 'boolean',
    'replica record: bad dataMember',
  );
  invariant(Array.isArray(members), 'replica record: members must be a list');
  return {
    groupId,
    spaceId,
    ...(dataMember === undefined ? {} : { dataMember }),
    members: members.map((m: unknown) => {
      invariant(isObject(m) && isU32(m.nodeId) && isRole(m.role), 'replica record: bad member');
      return { nodeId: m.nodeId, role: m.role };
    }),
    ...(rankingNode === undefined ? {} : { rankingNode }),
    ...(hashRange === undefined
      ? {}
      : { hashRange: { start: hashRange.start, end: hashRange.end } }),
    ...(hasher === undefined ? {} : { hasher: { name: hasher.name, params: hasher.params } }),
  };
}

function isHasherRecord(v: unknown): v is { name: string; params: string } {
  return (
    isObject(v) &&
    typeof v.name === 'string' &&
    typeof v.params === 'string' &&
    fromHex(v.params) !== undefined
  );
}

function isHashRange(v: unknown): v is { start: string; end: string } {
  const digits = (x: unknown): x is string => typeof x === 'string' && /^\d{1,20}$/.test(x);
  if (!isObject(v) || !digits(v.start) || !digits(v.end)) return false;
  return BigInt(v.start) < BigInt(v.end) && BigInt(v.end) <= 1n << 64n;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

function isRole(v: unknown): v is MemberRole {
  return v === 'voter' || v === 'logger' || v === 'learner';
}
