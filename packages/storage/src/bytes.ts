/** Byte-string helpers shared by the key layout, the engines and the codecs. */

export const emptyBytes: Uint8Array = new Uint8Array(0);

/** Lexicographic unsigned comparison: the order LMDB uses for binary keys. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

/**
 * The smallest key greater than every key that starts with `prefix`, or undefined when no such
 * key exists (the prefix is all 0xff). Used as the exclusive end of a prefix range.
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  const out = Uint8Array.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    const b = out[i] ?? 0;
    if (b < 0xff) {
      out[i] = b + 1;
      return out.subarray(0, i + 1);
    }
  }
  return undefined;
}

/** The immediate successor of `key` in byte order: key + 0x00. */
export function keySuccessor(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}

const twoPow32 = 2 ** 32;

/** Writes a non-negative safe integer as 8 big-endian bytes (order-preserving). */
export function writeU64(out: Uint8Array, at: number, value: number): void {
  const hi = Math.floor(value / twoPow32);
  const lo = value >>> 0;
  writeU32(out, at, hi);
  writeU32(out, at + 4, lo);
}

export function readU64(bytes: Uint8Array, at: number): number {
  return readU32(bytes, at) * twoPow32 + readU32(bytes, at + 4);
}

export function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = (value >>> 24) & 0xff;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

export function readU32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] ?? 0) * 0x1000000 +
      (((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0))) >>>
    0
  );
}

export function u32Bytes(value: number): Uint8Array {
  const out = new Uint8Array(4);
  writeU32(out, 0, value);
  return out;
}

export function u64Bytes(value: number): Uint8Array {
  const out = new Uint8Array(8);
  writeU64(out, 0, value);
  return out;
}

const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Hex rendering for error messages and test names. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += hex[b] ?? '';
  return s;
}
