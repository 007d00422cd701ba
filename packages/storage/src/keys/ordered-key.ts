import { StorageInvariantError } from '../errors';

/**
 * Order-preserving, self-delimiting encoding of a user key (FoundationDB / CockroachDB style):
 * 0x00 is escaped as 0x00 0xff and the key ends with 0x00 0x01. For any user keys a < b,
 * enc(a) + anything < enc(b) + anything, so per-key suffixes (lock, versions) never interleave
 * with another key's, and a user range [a, b) maps to the byte range [enc(a), enc(b)).
 */
const escape = 0x00;
const escapedZero = 0xff;
const terminator = 0x01;

export function encodedKeyLength(userKey: Uint8Array): number {
  let n = userKey.length + 2;
  for (const b of userKey) if (b === escape) n++;
  return n;
}

/** Writes enc(userKey) at `at` and returns the offset just past it. */
export function writeOrderedKey(out: Uint8Array, at: number, userKey: Uint8Array): number {
  let i = at;
  for (const b of userKey) {
    out[i++] = b;
    if (b === escape) out[i++] = escapedZero;
  }
  out[i++] = escape;
  out[i++] = terminator;
  return i;
}

export interface DecodedKey {
  readonly userKey: Uint8Array;
  /** Offset just past the terminator: where the record suffix starts. */
  readonly end: number;
}

export function readOrderedKey(bytes: Uint8Array, at: number): DecodedKey {
  // Fast path: most keys hold no zero byte, so the first 00 is the terminator and the user
  // key is a plain view.
  const firstZero = bytes.indexOf(escape, at);
  if (firstZero >= 0 && bytes[firstZero + 1] === terminator) {
    return { userKey: bytes.subarray(at, firstZero), end: firstZero + 2 };
  }
  const out: number[] = [];
  let i = at;
  while (i < bytes.length) {
    const b = bytes[i++];
    if (b !== escape) {
      out.push(b ?? 0);
      continue;
    }
    const next = bytes[i++];
    if (next === escapedZero) out.push(0);
    else if (next === terminator) return { userKey: Uint8Array.from(out), end: i };
    else break;
  }
  throw new StorageInvariantError('CORRUPT_RECORD', `malformed ordered key at offset ${at}`);
}
