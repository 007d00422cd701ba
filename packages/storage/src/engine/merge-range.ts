import { compareBytes } from '../bytes';
import type { KvEntry, RangeOptions } from './kv-engine';
import { tombstone } from './write-batch-value';
import type { BatchValue } from './write-batch-value';

/**
 * Merges a base range with an overlay of pending writes over the same bounds and direction:
 * an overlay entry replaces the base entry with the same key, and an overlay tombstone hides
 * it. Both inputs are consumed lazily, so a small `limit` reads little of either.
 */
export function* mergeRange(
  base: Iterable<KvEntry>,
  overlay: Iterable<{ readonly key: Uint8Array; readonly value: BatchValue }>,
  options: RangeOptions,
): Generator<KvEntry> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (limit <= 0) return;
  const sign = options.reverse === true ? -1 : 1;
  const baseIt = base[Symbol.iterator]();
  const overIt = overlay[Symbol.iterator]();
  try {
    yield* merge(baseIt, overIt, sign, limit);
  } finally {
    // Stopping early must still close the inputs: an LMDB range holds a cursor and a read
    // transaction until its iterator returns.
    baseIt.return?.();
    overIt.return?.();
  }
}

function* merge(
  baseIt: Iterator<KvEntry>,
  overIt: Iterator<{ readonly key: Uint8Array; readonly value: BatchValue }>,
  sign: number,
  limit: number,
): Generator<KvEntry> {
  let remaining = limit;
  let b = baseIt.next();
  let o = overIt.next();
  while (!b.done || !o.done) {
    if (!b.done && (o.done || compareBytes(b.value.key, o.value.key) * sign < 0)) {
      yield b.value;
      b = baseIt.next();
      if (--remaining <= 0) return;
      continue;
    }
    if (o.done) return;
    const { key, value } = o.value;
    if (!b.done && compareBytes(b.value.key, key) === 0) b = baseIt.next();
    o = overIt.next();
    if (value !== tombstone) {
      yield { key, value };
      if (--remaining <= 0) return;
    }
  }
}

/** The first entry of an iterable (closing its iterator), or undefined. */
export function firstOf<T>(entries: Iterable<T>): T | undefined {
  for (const entry of entries) return entry;
  return undefined;
}
