/**
 * A table row as the value of its primary-key entry: the column values by column id, so that a
 * schema change that adds or drops a column does not have to rewrite every row (a missing id
 * reads as the column's default; an unknown id is a dropped column, skipped).
 *
 * ```
 * row   := u8 version (1) · varint count · count × (varint columnId · u8 tag · payload)
 * tag 0 NULL        —
 * tag 1 integer     zigzag varint of a bigint (any size: BIGINT UNSIGNED fits)
 * tag 2 double      IEEE 754, 8 bytes BE
 * tag 3 text        varint byte length · UTF-8 (also DECIMAL, dates and times, as their text)
 * tag 4 bytes       varint length · bytes
 * ```
 *
 * Column ids ascend (the writer sorts them), so equal rows encode to equal bytes.
 * `decodeRowInto` and `projectRow` read or cut a row without building every value (scans that
 * look at a few columns of many rows).
 */
export type RowValue = null | bigint | number | string | Uint8Array;

export class RowEncodingError extends Error {
  override readonly name = 'RowEncodingError';
}

const VERSION = 1;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeRow(columns: ReadonlyMap<number, RowValue>): Uint8Array {
  const out: number[] = [VERSION];
  const ids = [...columns.keys()].sort((a, b) => a - b);
  varint(out, BigInt(ids.length));
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id < 0) throw new RowEncodingError(`bad column id ${id}`);
    varint(out, BigInt(id));
    const value = columns.get(id) ?? null;
    if (value === null) {
      out.push(0);
    } else if (typeof value === 'bigint') {
      out.push(1);
      varint(out, value >= 0n ? value << 1n : (-value << 1n) - 1n);
    } else if (typeof value === 'number') {
      if (Number.isNaN(value)) throw new RowEncodingError('NaN is not a SQL value');
      out.push(2);
      const view = new DataView(new ArrayBuffer(8));
      view.setFloat64(0, value);
      for (let i = 0; i < 8; i++) out.push(view.getUint8(i));
    } else if (typeof value === 'string') {
      out.push(3);
      bytes(out, utf8.encode(value));
    } else {
      out.push(4);
      bytes(out, value);
    }
  }
  return Uint8Array.from(out);
}

export function decodeRow(data: Uint8Array): Map<number, RowValue> {
  const r = { data, at: 0 };
  if (byte(r) !== VERSION) throw new RowEncodingError('unknown row format version');
  const count = Number(readVarint(r));
  const row = new Map<number, RowValue>();
  for (let i = 0; i < count; i++) {
    const id = Number(readVarint(r));
    const tag = byte(r);
    switch (tag) {
      case 0:
        row.set(id, null);
        break;
      case 1: {
        const z = readVarint(r);
        row.set(id, z & 1n ? -((z + 1n) >> 1n) : z >> 1n);
        break;
      }
      case 2: {
        if (r.at + 8 > r.data.length) throw truncated();
        row.set(id, new DataView(r.data.buffer, r.data.byteOffset + r.at, 8).getFloat64(0));
        r.at += 8;
        break;
      }
      case 3:
        try {
          row.set(id, fromUtf8.decode(readBytes(r)));
        } catch (error) {
          if (error instanceof RowEncodingError) throw error;
          throw new RowEncodingError('text column is not UTF-8');
        }
        break;
      case 4:
        row.set(id, readBytes(r).slice());
        break;
      default:
        throw new RowEncodingError(`unknown value tag ${tag}`);
    }
  }
  if (r.at !== data.length) throw new RowEncodingError('trailing bytes after the row');
  return row;
}

function varint(out: number[], v: bigint): void {
  let x = v;
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
}

function bytes(out: number[], b: Uint8Array): void {
  varint(out, BigInt(b.length));
  for (const x of b) out.push(x);
}

interface Reader {
  readonly data: Uint8Array;
  at: number;
}

function truncated(): RowEncodingError {
  return new RowEncodingError('row is truncated');
}

function byte(r: Reader): number {
  const b = r.data[r.at];
  if (b === undefined) throw truncated();
  r.at++;
  return b;
}

function readVarint(r: Reader): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const b = byte(r);
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
    shift += 7n;
    if (shift > 70n * 7n) throw new RowEncodingError('varint too long');
  }
}

function readBytes(r: Reader): Uint8Array {
  const length = Number(readVarint(r));
  if (r.at + length > r.data.length) throw truncated();
  const out = r.data.subarray(r.at, r.at + length);
  r.at += length;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Partial reads, for code that looks at a few columns of many rows (scan pushdown): the
// framing of every field is still checked, but only the wanted values are built.

/**
 * Reads the columns of `slots` (column id → index in `out`) into `out`, leaving the others
 * undefined (as `decodeRow(...).get(id)` would be for a column the row lacks). Other fields are
 * skipped without decoding their text. Throws RowEncodingError as decodeRow does on a row that
 * is not well framed.
 */
export function decodeRowInto(
  data: Uint8Array,
  slots: ReadonlyMap<number, number>,
  out: (RowValue | undefined)[],
): void {
  out.fill(undefined);
  const r = { data, at: 0 };
  if (byte(r) !== VERSION) throw new RowEncodingError('unknown row format version');
  const count = smallVarint(r);
  for (let i = 0; i < count; i++) {
    const slot = slots.get(smallVarint(r));
    const tag = byte(r);
    switch (tag) {
      case 0:
        if (slot !== undefined) out[slot] = null;
        break;
      case 1: {
        if (slot === undefined) {
          skipVarint(r);
          break;
        }
        const z = readVarint(r);
        out[slot] = z & 1n ? -((z + 1n) >> 1n) : z >> 1n;
        break;
      }
      case 2:
        if (r.at + 8 > data.length) throw truncated();
        if (slot !== undefined) {
          out[slot] = new DataView(data.buffer, data.byteOffset + r.at, 8).getFloat64(0);
        }
        r.at += 8;
        break;
      case 3: {
        const b = readBytesFast(r);
        if (slot === undefined) break;
        try {
          out[slot] = fromUtf8.decode(b);
        } catch {
          throw new RowEncodingError('text column is not UTF-8');
        }
        break;
      }
      case 4: {
        const b = readBytesFast(r);
        if (slot !== undefined) out[slot] = b.slice();
        break;
      }
      default:
        throw new RowEncodingError(`unknown value tag ${tag}`);
    }
  }
  if (r.at !== data.length) throw new RowEncodingError('trailing bytes after the row');
}

/**
 * The row with only the columns in `keep`, its fields copied as they are; undefined when the
 * row holds no other column (use the row itself). Throws RowEncodingError as decodeRow does.
 */
export function projectRow(data: Uint8Array, keep: ReadonlySet<number>): Uint8Array | undefined {
  const r = { data, at: 0 };
  if (byte(r) !== VERSION) throw new RowEncodingError('unknown row format version');
  const count = smallVarint(r);
  const kept: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const start = r.at;
    const id = smallVarint(r);
    const tag = byte(r);
    switch (tag) {
      case 0:
        break;
      case 1:
        skipVarint(r);
        break;
      case 2:
        if (r.at + 8 > data.length) throw truncated();
        r.at += 8;
        break;
      case 3:
      case 4:
        readBytesFast(r);
        break;
      default:
        throw new RowEncodingError(`unknown value tag ${tag}`);
    }
    if (keep.has(id)) kept.push([start, r.at]);
  }
  if (r.at !== data.length) throw new RowEncodingError('trailing bytes after the row');
  if (kept.length === count) return undefined;
  const head: number[] = [VERSION];
  varint(head, BigInt(kept.length));
  let size = head.length;
  for (const [s, e] of kept) size += e - s;
  const out = new Uint8Array(size);
  out.set(head, 0);
  let at = head.length;
  for (const [s, e] of kept) {
    out.set(data.subarray(s, e), at);
    at += e - s;
  }
  return out;
}

/** A varint that must fit a safe JS number (counts, ids, lengths). */
function smallVarint(r: Reader): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    const b = byte(r);
    result += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return result;
    mul *= 128;
  }
  throw new RowEncodingError('varint too long');
}

function skipVarint(r: Reader): void {
  for (let i = 0; i < 70; i++) if ((byte(r) & 0x80) === 0) return;
  throw new RowEncodingError('varint too long');
}

function readBytesFast(r: Reader): Uint8Array {
  const length = smallVarint(r);
  if (r.at + length > r.data.length) throw truncated();
  const out = r.data.subarray(r.at, r.at + length);
  r.at += length;
  return out;
}
