import type { SpaceExport, SpaceSnapshotHeader } from '@tessera/storage';
import { ByteReader, ByteWriter } from './bytes';
import { invariant } from './errors';

/**
 * The `data` of a slice replica's Raft snapshot: its MVCC space at the snapshot's index, as
 * storage exports it (see storage's space-snapshot.ts).
 *
 * ```
 * u8 version (2) · u64 appliedIndex · u64 appliedTerm · u64 gcSafePointTs · u64 records
 * · u64 bytes · u64 maxCommitTs · u32 chunkCount · chunkCount × (u32 length, chunk)
 * ```
 *
 * The whole space travels in one Raft snapshot message (no streaming yet).
 */
const VERSION = 2;
const CHUNK_BYTES = 256 * 1024;

export interface DecodedSpaceSnapshot {
  readonly header: SpaceSnapshotHeader;
  readonly chunks: readonly Uint8Array[];
}

export function encodeSpaceSnapshot(source: SpaceExport): Uint8Array {
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
  w.u32(chunks.length);
  for (const chunk of chunks) w.bytes(chunk);
  return w.finish();
}

export function decodeSpaceSnapshot(data: Uint8Array): DecodedSpaceSnapshot {
  const r = new ByteReader(data);
  const version = r.u8();
  invariant(version === VERSION, () => `space snapshot version ${version}`);
  const header: SpaceSnapshotHeader = {
    appliedIndex: r.u64(),
    appliedTerm: r.u64(),
    gcSafePointTs: r.u64(),
    records: r.u64(),
    bytes: r.u64(),
    maxCommitTs: r.u64(),
  };
  const count = r.u32();
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < count; i++) chunks.push(r.bytes());
  invariant(r.done(), 'space snapshot has trailing bytes');
  return { header, chunks };
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
      this.bytes = encodeSpaceSnapshot(pinned);
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
