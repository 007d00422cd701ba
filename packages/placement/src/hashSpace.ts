import { PlacementError } from './errors';
import type { HashRange } from './model';

/** The exclusive end of the hash space: hashes are in [0, 2^64). */
export const hashSpaceEnd = 1n << 64n;

/** `count` contiguous ranges of (nearly) equal width that cover the hash space exactly. */
export function evenRanges(count: number): HashRange[] {
  if (!Number.isInteger(count) || count < 1) {
    throw new PlacementError(
      'invalid-argument',
      `slice count must be a positive integer, got ${count}`,
    );
  }
  const n = BigInt(count);
  const ranges: HashRange[] = [];
  for (let i = 0n; i < n; i++) {
    ranges.push({ start: (i * hashSpaceEnd) / n, end: ((i + 1n) * hashSpaceEnd) / n });
  }
  return ranges;
}

/** 0x-prefixed, 16 hex digits, so that printed ranges line up; the end of space prints as 'end'. */
export function formatHash(hash: bigint): string {
  return hash === hashSpaceEnd ? 'end' : `0x${hash.toString(16).padStart(16, '0')}`;
}

export function formatRange(range: HashRange): string {
  return `[${formatHash(range.start)}, ${formatHash(range.end)})`;
}
