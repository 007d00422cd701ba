import type { SpaceExport, SpaceSnapshotHeader } from '@tessera/storage';
import { ByteReader, ByteWriter } from './bytes';
import { invariant } from './errors';
import { wholeKeyHasher } from './key-hashers';
import type { KeyHasherSpec } from './key-hashers';
import { WHOLE_HASH_SPACE } from './replica-registry';
import type { HashBounds } from './replica-registry';

/**
 * The `data` of a slice replica's Raft snapshot: its MVCC space at the snapshot's index, as
 * storage exports it (see storage's space-snapshot.ts).
 *
 * ```
 * u8 version (3) · u64 appliedIndex · u64 appliedTerm · u64 gcSafePointTs · u64 records
 * · u64 bytes · u64 maxCommitTs · hash start · hash end · hasherName bytes · hasherParams bytes
 * · u32 chunkCount
 * · chunkCount × (u32 length, chunk)
 * hash := u8 top (1: exactly 2^64, an open end) · u32 high · u32 low
 * ```
 *
 * The hash range, and the hasher it is in (key-hashers.ts), are the replica's at the
 * snapshot's index (narrowed by the splits before it):
 * a member that catches up by snapshot instead of applying a split entry must still refuse
 * the keys the split moved away. Version 2 (no range) is still read: the whole hash space.
 *
 * The whole space travels in one Raft snapshot message (no streaming yet).
 */
const VERSION = 3;
const VERSION_WITHOUT_RANGE = 2;
const CHUNK_BYTES = 256 * 1024;

export interface DecodedSpaceSnapshot {
  readonly header: SpaceSnapshotHeader;
  /** The hash range the replica served at the snapshot's index, and how it hashes keys. */
  readonly bounds: HashBounds;
  readonly hasher: KeyHasherSpec;
  readonly chunks: readonly Uint8Array[];
}

/** Hash bounds are < 2^64 except an end of exactly 2^64, stored as 2^64 − 1 with a flag. */
function writeHash(w: ByteWriter, hash: bigint): void {
  const top = hash === 1n << 64n;
  const v = top ? (1n << 64n) - 1n : hash;
  w.u8(top ? 1 : 0);
  w.u32(Number(v >> 32n));
  w.u32(Number(v & 0xffffffffn));
}

function readHash(r: ByteReader): bigint {
  const top = r.u8() === 1;
  const v = (BigInt(r.u32()) << 32n) | BigInt(r.u32());
  return top ? 1n << 64n : v;
}

export function encodeSpaceSnapshot(
  source: SpaceExport,
  bounds: HashBounds,
  hasher: KeyHasherSpec,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (let c = source.nextChunk(CHUNK_BYTES); c !== undefined; c = source.nextChunk(CHUNK_BYTES))
    chunks.push(c);
  const h = source.header;
  const w = new ByteWriter();
  w.u8(VERSION);
  w.u64(h.appliedIndex);
  w.u64(h.appliedTerm);
  w.u64(h.gcSafePointTs);
  w.u64(h.records);
  w.u64(h.bytes);
  w.u64(h.maxCommitTs);
  writeHash(w, bounds.start);
  writeHash(w, bounds.end);
  w.bytes(new TextEncoder().encode(hasher.name));
  w.bytes(hasher.params);
  w.u32(chunks.length);
  for (const chunk of chunks) w.bytes(chunk);
  return w.finish();
}

export function decodeSpaceSnapshot(data: Uint8Array): DecodedSpaceSnapshot {
  const r = new ByteReader(data);
  const version = r.u8();
  invariant(
    version === VERSION || version === VERSION_WITHOUT_RANGE,
    () => `space snapshot version ${version}`,
  );
  const header: SpaceSnapshotHeader = {
    appliedIndex: r.u64(),
    appliedTerm: r.u64(),
    gcSafePointTs: r.u64(),
    records: r.u64(),
    bytes: r.u64(),
    maxCommitTs: r.u64(),
  };
  const bounds = version === VERSION ? { start: readHash(r), end: readHash(r) } : WHOLE_HASH_SPACE;
  invariant(bounds.start < bounds.end, 'space snapshot has an empty hash range');
  const hasher =
    version === VERSION
      ? { name: new TextDecoder().decode(r.bytes()), params: r.bytes().slice() }
      : wholeKeyHasher;
  const count = r.u32();
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < count; i++) chunks.push(r.bytes());
  invariant(r.done(), 'space snapshot has trailing bytes');
  return { header, bounds, hasher, chunks };
}

/**
 * The data behind the snapshot a replica's Raft storage advertises, produced lazily: the
 * replica pins a storage export (one engine snapshot, a consistent cut at exactly the
 * snapshot's index) when it takes the snapshot, and serializes it only if a follower actually
 * needs it. The bytes are then kept (and the engine snapshot released) until the next
 * snapshot replaces this one, for further followers.
 */
export class SnapshotSource {
  private bytes: Uint8Array | undefined;
  private pinned: SpaceExport | undefined;

  constructor(
    readonly index: number,
    pinned: SpaceExport,
    /** The replica's hash range at `index`, and its hasher. */
    private readonly bounds: HashBounds,
    private readonly hasher: KeyHasherSpec,
  ) {
    invariant(
      pinned.header.appliedIndex === index,
      () => `export at ${pinned.header.appliedIndex} for a snapshot at ${index}`,
    );
    this.pinned = pinned;
  }

  data(): Uint8Array {
    if (this.bytes === undefined) {
      const pinned = this.pinned;
      invariant(pinned !== undefined, 'snapshot source used after release');
      this.bytes = encodeSpaceSnapshot(pinned, this.bounds, this.hasher);
      pinned.release();
      this.pinned = undefined;
    }
    return this.bytes;
  }

  release(): void {
    this.pinned?.release();
    this.pinned = undefined;
    this.bytes = undefined;
  }
}
