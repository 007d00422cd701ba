import type { CommitObserver, KvEngine } from '../engine/kv-engine';
import { tombstone } from '../engine/write-batch';
import type { WriteBatch } from '../engine/write-batch';
import { spaceIdOfMetaKey, spaceMetaKey, spaceMetaRange } from '../keys/key-layout';
import { decodeSpaceMeta } from './records';
import type { SpaceMeta } from './records';

/**
 * The committed space meta of one engine, decoded, in memory: a point read would otherwise
 * read and msgpack-decode it on every call.
 *
 * Exact by construction, not by expiry: the engine tells the cache about every batch it makes
 * visible (`committed`, called inside `commit` before it returns) and about every time its
 * visible state goes back (`reset`: MemoryEngine crash or wipe). A committed batch that writes
 * a meta key replaces the cached entry with the meta written (known without decoding when
 * `writeSpaceMeta` encoded it) or drops it; a batch being built changes nothing until it is
 * committed. Entries are filled on a miss from the engine's visible state, synchronously, so no
 * commit can slip in between the read and the fill.
 *
 * One cache per engine (not per MvccStore): it caches the engine's state, which every store
 * over that engine shares, and the engine keeps its observers for its lifetime, so stores made
 * per call (tests) must not each register one. A reopened engine is a new object with a new,
 * empty cache.
 */
export class SpaceMetaCache implements CommitObserver {
  private readonly metas = new Map<number, SpaceMeta>();

  private constructor(private readonly engine: KvEngine) {}

  static of(engine: KvEngine): SpaceMetaCache {
    let cache = caches.get(engine);
    if (cache === undefined) {
      cache = new SpaceMetaCache(engine);
      engine.addCommitObserver(cache);
      caches.set(engine, cache);
    }
    return cache;
  }

  /** The space's meta in the engine's latest visible state. */
  read(space: number): SpaceMeta | undefined {
    const cached = this.metas.get(space);
    if (cached !== undefined) return cached;
    const bytes = this.engine.get(spaceMetaKey(space));
    if (bytes === undefined) return undefined; // absent spaces are not cached: ids are unbounded
    const meta = decoded(bytes);
    this.metas.set(space, meta);
    return meta;
  }

  /** The space's meta as `batch` (not yet committed) would leave it. */
  readThrough(batch: WriteBatch, space: number): SpaceMeta | undefined {
    const pending = batch.pending(spaceMetaKey(space));
    if (pending === undefined) return this.read(space);
    return pending === tombstone ? undefined : decoded(pending);
  }

  committed(batch: WriteBatch): void {
    for (const { key, value } of batch.pendingRange(spaceMetaRange)) {
      const space = spaceIdOfMetaKey(key);
      const known = value === tombstone ? undefined : encodedMetas.get(value);
      if (known === undefined) this.metas.delete(space);
      else this.metas.set(space, known);
    }
  }

  reset(): void {
    this.metas.clear();
  }
}

const caches = new WeakMap<KvEngine, SpaceMetaCache>();

/** Meta bytes made by `rememberEncodedMeta`, to what they decode to. */
const encodedMetas = new WeakMap<Uint8Array, SpaceMeta>();

/** Records that `bytes` is the encoding of `meta` (saves the decode when it commits). */
export function rememberEncodedMeta(bytes: Uint8Array, meta: SpaceMeta): void {
  // Exactly the fields decodeSpaceMeta produces, frozen: the cache hands it to every reader.
  encodedMetas.set(
    bytes,
    Object.freeze({
      gen: meta.gen,
      stagingGen: meta.stagingGen,
      appliedIndex: meta.appliedIndex,
      appliedTerm: meta.appliedTerm,
      gcSafePointTs: meta.gcSafePointTs,
      records: meta.records,
      bytes: meta.bytes,
      stagingRecords: meta.stagingRecords,
      stagingBytes: meta.stagingBytes,
      maxCommitTs: meta.maxCommitTs,
    }),
  );
}

function decoded(bytes: Uint8Array): SpaceMeta {
  return encodedMetas.get(bytes) ?? Object.freeze(decodeSpaceMeta(bytes));
}
