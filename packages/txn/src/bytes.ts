/** Byte-string helpers for user keys (storage keeps its own private set). */

/** Lexicographic unsigned comparison: the order slices scan in. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

/** A map key for a byte string: hex keeps byte order and is cheap to build. */
export function keyId(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** True when `start <= key < end`; an undefined bound is open. */
export function inRange(
  key: Uint8Array,
  start: Uint8Array | undefined,
  end: Uint8Array | undefined,
): boolean {
  return (
    (start === undefined || compareBytes(key, start) >= 0) &&
    (end === undefined || compareBytes(key, end) < 0)
  );
}
