import { compareBytes } from '../bytes';
import type { RangeOptions } from './kv-engine';

/**
 * An ordered map from byte keys to values, kept as a list of sorted chunks (each at most
 * `chunkMax` entries): a lookup is two binary searches, an insert moves at most one chunk's
 * entries. `freeze()` returns a read-only view in O(chunks) by sharing chunks copy-on-write:
 * a chunk made before the last freeze is cloned before it is changed.
 *
 * Used for the MemoryEngine's state, its snapshots, and the overlay of a WriteBatch.
 */
interface Chunk<V> {
  keys: Uint8Array[];
  values: V[];
  /** The map generation that owns the chunk; an older one is shared with a frozen view. */
  generation: number;
}

const chunkMax = 256;

export class SortedKeyMap<V> {
  private chunks: Chunk<V>[] = [];
  private generation = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: Uint8Array): V | undefined {
    const c = this.chunkFor(key);
    if (c < 0) return undefined;
    const chunk = this.chunks[c];
    if (chunk === undefined) return undefined;
    const i = lowerBound(chunk.keys, key);
    const found = chunk.keys[i];
    return found !== undefined && compareBytes(found, key) === 0 ? chunk.values[i] : undefined;
  }

  set(key: Uint8Array, value: V): void {
    if (this.chunks.length === 0) {
      this.chunks.push({ keys: [key], values: [value], generation: this.generation });
      this.count = 1;
      return;
    }
    const c = Math.max(0, this.chunkFor(key));
    const chunk = this.writable(c);
    const i = lowerBound(chunk.keys, key);
    const found = chunk.keys[i];
    if (found !== undefined && compareBytes(found, key) === 0) {
      chunk.values[i] = value;
      return;
    }
    chunk.keys.splice(i, 0, key);
    chunk.values.splice(i, 0, value);
    this.count++;
    if (chunk.keys.length > chunkMax) this.split(c, chunk);
  }

  delete(key: Uint8Array): boolean {
    const c = this.chunkFor(key);
    if (c < 0) return false;
    const probe = this.chunks[c];
    if (probe === undefined) return false;
    const i = lowerBound(probe.keys, key);
    const found = probe.keys[i];
    if (found === undefined || compareBytes(found, key) !== 0) return false;
    const chunk = this.writable(c);
    chunk.keys.splice(i, 1);
    chunk.values.splice(i, 1);
    this.count--;
    if (chunk.keys.length === 0) this.chunks.splice(c, 1);
    return true;
  }

  clear(): void {
    this.chunks = [];
    this.count = 0;
  }

  /** A read-only view of the map as it is now; later writes to the map do not show in it. */
  freeze(): FrozenKeyMap<V> {
    const view = new FrozenKeyMap(this.chunks.slice(), this.count);
    this.generation++;
    return view;
  }

  *entries(options: RangeOptions = {}): Generator<{ key: Uint8Array; value: V }> {
    yield* iterateChunks(this.chunks, options);
  }

  /** Index of the chunk that holds `key` or would hold it; -1 when the map is empty. */
  private chunkFor(key: Uint8Array): number {
    return chunkIndexFor(this.chunks, key);
  }

  private writable(c: number): Chunk<V> {
    const chunk = this.chunks[c];
    if (chunk === undefined) throw new RangeError(`no chunk ${c}`);
    if (chunk.generation === this.generation) return chunk;
    const copy = {
      keys: chunk.keys.slice(),
      values: chunk.values.slice(),
      generation: this.generation,
    };
    this.chunks[c] = copy;
    return copy;
  }

  private split(c: number, chunk: Chunk<V>): void {
    const half = chunk.keys.length >> 1;
    const right: Chunk<V> = {
      keys: chunk.keys.splice(half),
      values: chunk.values.splice(half),
      generation: this.generation,
    };
    this.chunks.splice(c + 1, 0, right);
  }
}

/** An immutable view produced by `SortedKeyMap.freeze()`. */
export class FrozenKeyMap<V> {
  constructor(
    private readonly chunks: readonly Chunk<V>[],
    readonly size: number,
  ) {}

  get(key: Uint8Array): V | undefined {
    const chunk = this.chunks[chunkIndexFor(this.chunks, key)];
    if (chunk === undefined) return undefined;
    const i = lowerBound(chunk.keys, key);
    const found = chunk.keys[i];
    return found !== undefined && compareBytes(found, key) === 0 ? chunk.values[i] : undefined;
  }

  *entries(options: RangeOptions = {}): Generator<{ key: Uint8Array; value: V }> {
    yield* iterateChunks(this.chunks, options);
  }
}

function chunkIndexFor<V>(chunks: readonly Chunk<V>[], key: Uint8Array): number {
  if (chunks.length === 0) return -1;
  // First chunk whose last key >= key; past the end means "the last chunk".
  let lo = 0;
  let hi = chunks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const last = chunks[mid]?.keys.at(-1);
    if (last !== undefined && compareBytes(last, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i with keys[i] >= key. */
function lowerBound(keys: readonly Uint8Array[], key: Uint8Array): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const k = keys[mid];
    if (k !== undefined && compareBytes(k, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function* iterateChunks<V>(
  chunks: readonly Chunk<V>[],
  options: RangeOptions,
): Generator<{ key: Uint8Array; value: V }> {
  const { start, end, reverse = false } = options;
  let remaining = options.limit ?? Number.POSITIVE_INFINITY;
  if (remaining <= 0 || chunks.length === 0) return;
  if (!reverse) {
    let c = start === undefined ? 0 : chunkIndexFor(chunks, start);
    let i = start === undefined ? 0 : lowerBound(chunks[c]?.keys ?? [], start);
    for (; c < chunks.length; c++, i = 0) {
      const chunk = chunks[c];
      if (chunk === undefined) return;
      for (; i < chunk.keys.length; i++) {
        const key = chunk.keys[i];
        if (key === undefined) break;
        if (end !== undefined && compareBytes(key, end) >= 0) return;
        yield { key, value: chunk.values[i] as V };
        if (--remaining <= 0) return;
      }
    }
    return;
  }
  let c = end === undefined ? chunks.length - 1 : chunkIndexFor(chunks, end);
  let i =
    end === undefined
      ? (chunks[c]?.keys.length ?? 0) - 1
      : lowerBound(chunks[c]?.keys ?? [], end) - 1;
  for (; c >= 0; c--, i = (chunks[c]?.keys.length ?? 0) - 1) {
    const chunk = chunks[c];
    if (chunk === undefined) return;
    for (; i >= 0; i--) {
      const key = chunk.keys[i];
      if (key === undefined) break;
      if (start !== undefined && compareBytes(key, start) < 0) return;
      yield { key, value: chunk.values[i] as V };
      if (--remaining <= 0) return;
    }
  }
}
