import type { MvccCommand } from '@tessera/storage';
import { ByteReader, ByteWriter } from './bytes';
import { ClusterInvariantError, invariant } from './errors';

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
 */
const FORMAT_VERSION = 1;
const kindCode = { prewrite: 1, commit: 2, rollback: 3, putVersion: 4, gc: 5 } as const;

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
