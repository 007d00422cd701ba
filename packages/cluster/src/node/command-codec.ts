import type { MvccCommand } from '@tessera/storage';
import { ByteReader, ByteWriter } from './bytes';
import { ClusterInvariantError, invariant } from './errors';
import type { KeyHasherSpec } from './key-hashers';
import type { MemberRole, ReplicaMember } from './replica-registry';

/**
 * The bytes of one Raft entry: a list of MVCC commands applied as one atomic batch.
 *
 * An explicit little binary format rather than JSON or msgpack: keys and values are raw bytes,
 * timestamps are up to 2^53, and every replica must decode exactly what the leader encoded.
 *
 * ```
 * entry   := version u8 (=1) · count u32 · command*
 * command := kind u8 · fields (per kind, below)
 * bytes   := length u32 · raw          ts/int := u64 (big-endian, ≤ 2^53 - 1)
 * opt(x)  := 0 | 1 · x                 mutation := 0 (delete) | 1 · bytes (put value)
 * prewrite   1: key startTs primary opt(ttlMs) opt(txnSize) mutation
 * commit     2: key startTs commitTs
 * rollback   3: key startTs
 * putVersion 4: key commitTs opt(startTs) mutation
 * gc         5: safePointTs opt(fromKey) maxRecords
 * ```
 *
 * An empty entry (zero bytes) is the leader's no-op and decodes to no commands.
 *
 * A split order (see SliceReplica's split apply) is its own entry, format 2:
 *
 * ```
 * split  := 2 · at (u32 high · u32 low) · newGroupId u32 · newSpaceId u32 · rankingNode u32
 *           · count u32 · (nodeId u32 · role u8)*         role: 1 voter, 2 logger, 3 learner
 *           · hasherName bytes (UTF-8) · hasherParams bytes        (see key-hashers.ts)
 * ```
 */
const FORMAT_VERSION = 1;
const SPLIT_FORMAT = 2;
const kindCode = { prewrite: 1, commit: 2, rollback: 3, putVersion: 4, gc: 5 } as const;
const roleCode = { voter: 1, logger: 2, learner: 3 } as const;
const roleOfCode: Record<number, MemberRole | undefined> = {
  1: 'voter',
  2: 'logger',
  3: 'learner',
};

/**
 * A replicated order to split the group's slice: every key whose distribution hash is ≥ `at`
 * (and inside the replica's range) moves to a new group `newGroupId`, applied to MVCC space
 * `newSpaceId`. The new group's founding membership is `members` (the leader's view when it
 * proposed the order): carried in the entry so that every replica founds the same group,
 * whatever membership changes raced the order.
 */
export interface SplitOrder {
  readonly at: bigint;
  readonly newGroupId: number;
  readonly newSpaceId: number;
  readonly members: readonly ReplicaMember[];
  /** The member that should lead the new group (0: no preference). */
  readonly rankingNode: number;
  /** How keys are hashed (key-hashers.ts): the parent's and the new group's rule from now on. */
  readonly hasher: KeyHasherSpec;
}

export function encodeSplit(split: SplitOrder): Uint8Array {
  invariant(split.at > 0n && split.at < 1n << 64n, () => `split point ${split.at} out of range`);
  const w = new ByteWriter();
  w.u8(SPLIT_FORMAT);
  w.u32(Number(split.at >> 32n));
  w.u32(Number(split.at & 0xffffffffn));
  w.u32(split.newGroupId);
  w.u32(split.newSpaceId);
  w.u32(split.rankingNode);
  w.u32(split.members.length);
  for (const m of split.members) {
    w.u32(m.nodeId);
    w.u8(roleCode[m.role]);
  }
  w.bytes(new TextEncoder().encode(split.hasher.name));
  w.bytes(split.hasher.params);
  return w.finish();
}

/** The split order an entry carries, or undefined for an entry of MVCC commands. */
export function splitOrderOf(data: Uint8Array): SplitOrder | undefined {
  if (data.length === 0 || data[0] !== SPLIT_FORMAT) return undefined;
  const r = new ByteReader(data);
  r.u8();
  const at = (BigInt(r.u32()) << 32n) | BigInt(r.u32());
  const newGroupId = r.u32();
  const newSpaceId = r.u32();
  const rankingNode = r.u32();
  const count = r.u32();
  const members: ReplicaMember[] = [];
  for (let i = 0; i < count; i++) {
    const nodeId = r.u32();
    const code = r.u8();
    const role = roleOfCode[code];
    invariant(role !== undefined, () => `split order: unknown member role ${code}`);
    members.push({ nodeId, role });
  }
  const name = new TextDecoder().decode(r.bytes());
  const params = r.bytes().slice();
  invariant(r.done(), () => `${r.remaining()} trailing bytes after a split order`);
  return { at, newGroupId, newSpaceId, members, rankingNode, hasher: { name, params } };
}

export function encodeCommands(commands: readonly MvccCommand[]): Uint8Array {
  const w = new ByteWriter();
  w.u8(FORMAT_VERSION);
  w.u32(commands.length);
  for (const c of commands) {
    w.u8(kindCode[c.kind]);
    switch (c.kind) {
      case 'prewrite':
        w.bytes(c.key);
        w.u64(c.startTs);
        w.bytes(c.primary);
        w.optU64(c.ttlMs);
        w.optU64(c.txnSize);
        w.mutation(c);
        break;
      case 'commit':
        w.bytes(c.key);
        w.u64(c.startTs);
        w.u64(c.commitTs);
        break;
      case 'rollback':
        w.bytes(c.key);
        w.u64(c.startTs);
        break;
      case 'putVersion':
        w.bytes(c.key);
        w.u64(c.commitTs);
        w.optU64(c.startTs);
        w.mutation(c);
        break;
      case 'gc':
        w.u64(c.safePointTs);
        w.optBytes(c.fromKey);
        w.u64(c.maxRecords);
        break;
    }
  }
  return w.finish();
}

export function decodeCommands(data: Uint8Array): MvccCommand[] {
  if (data.length === 0) return [];
  const r = new ByteReader(data);
  const version = r.u8();
  invariant(version === FORMAT_VERSION, () => `command format version ${version} unknown`);
  const count = r.u32();
  const out: MvccCommand[] = [];
  for (let i = 0; i < count; i++) out.push(decodeCommand(r));
  invariant(r.done(), () => `${r.remaining()} trailing bytes after ${count} commands`);
  return out;
}

function decodeCommand(r: ByteReader): MvccCommand {
  const kind = r.u8();
  switch (kind) {
    case kindCode.prewrite: {
      const key = r.bytes();
      const startTs = r.u64();
      const primary = r.bytes();
      const ttlMs = r.optU64();
      const txnSize = r.optU64();
      return {
        kind: 'prewrite',
        key,
        startTs,
        primary,
        ...(ttlMs === undefined ? {} : { ttlMs }),
        ...(txnSize === undefined ? {} : { txnSize }),
        ...r.mutation(),
      };
    }
    case kindCode.commit:
      return { kind: 'commit', key: r.bytes(), startTs: r.u64(), commitTs: r.u64() };
    case kindCode.rollback:
      return { kind: 'rollback', key: r.bytes(), startTs: r.u64() };
    case kindCode.putVersion: {
      const key = r.bytes();
      const commitTs = r.u64();
      const startTs = r.optU64();
      return {
        kind: 'putVersion',
        key,
        commitTs,
        ...(startTs === undefined ? {} : { startTs }),
        ...r.mutation(),
      };
    }
    case kindCode.gc: {
      const safePointTs = r.u64();
      const fromKey = r.optBytes();
      const maxRecords = r.u64();
      return {
        kind: 'gc',
        safePointTs,
        ...(fromKey === undefined ? {} : { fromKey }),
        maxRecords,
      };
    }
    default:
      throw new ClusterInvariantError(`unknown command kind ${kind}`);
  }
}
