import { PlacementError } from '../errors';
import { hash64 } from './xxhash64';

/**
 * Hashes the first `columnCount` columns of a distribution key.
 *
 * Contract with the caller (the SQL layer): each column arrives as its *canonical* bytes, i.e.
 * bytes that are equal exactly when the SQL values compare equal. Under a case-insensitive
 * collation 'abc' and 'ABC' must therefore arrive as the same bytes (the collation's sort key),
 * and trailing-space rules (PAD SPACE) must already be applied; numbers must be encoded so that
 * 1, 1.0 and 1e0 of one column type give one encoding; NULL must have an encoding distinct from
 * every value (e.g. a tag byte). Placement cannot check any of this: it only sees bytes.
 *
 * Framing: every column is prefixed with its length as 4 bytes little-endian, so that
 * ('ab', 'c') and ('a', 'bc') hash differently.
 */
export function hashDistributionKey(columns: readonly Uint8Array[], columnCount = 1): bigint {
  if (!Number.isInteger(columnCount) || columnCount < 1 || columnCount > columns.length) {
    throw new PlacementError(
      'invalid-argument',
      `distribution key uses ${columnCount} column(s) but ${columns.length} were given`,
    );
  }
  let length = 0;
  for (let i = 0; i < columnCount; i++) length += 4 + (columns[i]?.length ?? 0);
  const framed = scratchOf(length);
  let at = 0;
  for (let i = 0; i < columnCount; i++) {
    const column = columns[i] ?? empty;
    const n = column.length;
    framed[at] = n & 0xff;
    framed[at + 1] = (n >>> 8) & 0xff;
    framed[at + 2] = (n >>> 16) & 0xff;
    framed[at + 3] = (n >>> 24) & 0xff;
    framed.set(column, at + 4);
    at += 4 + n;
  }
  return hash64(framed);
}

const empty = new Uint8Array(0);

/**
 * One reusable framing buffer: a fresh allocation per routed row would dominate the cost of
 * hashing short keys. Safe because hashing never yields between filling and reading it.
 */
let scratch = new Uint8Array(256);

function scratchOf(length: number): Uint8Array {
  if (scratch.length < length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
  return scratch.subarray(0, length);
}
