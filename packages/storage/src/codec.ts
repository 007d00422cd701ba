import { Packr } from 'msgpackr';
import { bytesEqual, toHex } from './bytes';
import { invariant } from './errors';

/**
 * Paired assertions around persist and load (TigerBeetle style): with debug checks on, every
 * record encoded for the disk is decoded again and compared with what was meant to be written,
 * so a codec bug fails at the write that made it rather than at a read months later. On by
 * default; a host may turn it off once the codecs have soaked (they cost one decode per write).
 */
export const debugChecks = { enabled: true };

export function checkedEncode<T>(
  value: T,
  encode: (value: T) => Uint8Array,
  decode: (bytes: Uint8Array) => T,
  what: string,
): Uint8Array {
  const bytes = encode(value);
  if (debugChecks.enabled) {
    const back = decode(bytes);
    invariant(
      deepEqual(back, value),
      'CODEC_ROUND_TRIP',
      () => `${what} did not survive encode/decode (${toHex(bytes).slice(0, 64)})`,
    );
  }
  return bytes;
}

/**
 * Structural equality for records: byte arrays by content, undefined fields treated as absent
 * (msgpack drops them).
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return bytesEqual(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
    for (const k of keys) if (!deepEqual(ra[k], rb[k])) return false;
    return true;
  }
  return false;
}

/** Plain msgpack (no record extension), so the bytes on disk do not depend on packer state. */
const packr = new Packr({ useRecords: false, moreTypes: false });

export function packStruct(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function unpackStruct(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}
