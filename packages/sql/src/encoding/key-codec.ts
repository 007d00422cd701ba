/**
 * Order-preserving ("memcomparable") encoding of SQL values for KV keys: primary keys, index
 * keys, and the distribution key whose hash picks a slice. Comparing two encoded keys as
 * bytes gives the SQL order of the values, column by column — so a range of SQL values is a
 * range of keys, and two values the collation calls equal (`'a'` and `'A'` under a
 * case-insensitive collation) encode to the same bytes (one UNIQUE entry, one slice).
 *
 * Every column is one self-delimiting field, so concatenating columns gives a key ordered by
 * the first column, then the second, and so on:
 *
 * ```
 * field      := 0x00                         NULL (sorts first, as in MySQL)
 *             | 0x01 · payload               a value
 * int        := u64 BE of (v + 2^63)         signed 64-bit, two's complement flipped
 * uint       := u64 BE                        unsigned 64-bit
 * double     := IEEE 754 BE, sign bit flipped for ≥ 0, all bits flipped for < 0 (−0 → 0)
 * decimal    := 0x01 (zero) | 0x02 · u16(exp + 0x8000) · (d+1)… · 0x00      positive
 *             | 0x00 · u16(0x7fff − exp) · (10−d)… · 0xff                       negative
 *               (value = 0.d1d2… × 10^exp, d1 ≠ 0, no trailing zeros)
 * bytes      := each 0x00 → 0x00 0xff, then 0x00 0x01        (binary, and collated text)
 * text       := bytes(UTF-8 of the collation's sort key)
 * date       := u32 BE of (year·13 + month)·32 + day
 * datetime   := u64 BE of packed date·(24·3600·10^6) + time-of-day µs
 * time       := int of signed µs
 * year       := u16 BE;  enum := u16 BE index;  set := u64 BE bitmask
 * ```
 *
 * A key cannot be decoded back to text values (the sort key loses case); rows keep the
 * original values (row-codec.ts), and index entries point at the row's primary key bytes.
 */

export type KeyType =
  | { readonly kind: 'int' }
  | { readonly kind: 'uint' }
  | { readonly kind: 'double' }
  | { readonly kind: 'decimal' }
  | { readonly kind: 'text'; readonly collation: Collation }
  | { readonly kind: 'bytes' }
  | { readonly kind: 'date' }
  | { readonly kind: 'datetime' }
  | { readonly kind: 'time' }
  | { readonly kind: 'year' }
  | { readonly kind: 'enum' }
  | { readonly kind: 'set' };

/** A value as the key codec takes it, per KeyType kind (null for SQL NULL). */
export type KeyValue = null | bigint | number | string | Uint8Array;

export class KeyEncodingError extends Error {
  override readonly name = 'KeyEncodingError';
}

/**
 * How a text collation compares. `ci`: case-insensitive; `ai`: accent-insensitive (base letters
 * only); `padSpace`: trailing spaces ignored (MySQL's PAD SPACE collations, e.g.
 * utf8mb4_general_ci; the 0900 ones are NO PAD). `binary`: code points as they are.
 */
export interface Collation {
  readonly name: string;
  readonly ci: boolean;
  readonly ai: boolean;
  readonly padSpace: boolean;
}

export const collations = {
  utf8mb4_0900_ai_ci: { name: 'utf8mb4_0900_ai_ci', ci: true, ai: true, padSpace: false },
  utf8mb4_0900_as_cs: { name: 'utf8mb4_0900_as_cs', ci: false, ai: false, padSpace: false },
  utf8mb4_0900_as_ci: { name: 'utf8mb4_0900_as_ci', ci: true, ai: false, padSpace: false },
  utf8mb4_general_ci: { name: 'utf8mb4_general_ci', ci: true, ai: true, padSpace: true },
  utf8mb4_unicode_ci: { name: 'utf8mb4_unicode_ci', ci: true, ai: true, padSpace: true },
  utf8mb4_bin: { name: 'utf8mb4_bin', ci: false, ai: false, padSpace: true },
  utf8mb3_general_ci: { name: 'utf8mb3_general_ci', ci: true, ai: true, padSpace: true },
  latin1_swedish_ci: { name: 'latin1_swedish_ci', ci: true, ai: true, padSpace: true },
  binary: { name: 'binary', ci: false, ai: false, padSpace: false },
} as const satisfies Readonly<Record<string, Collation>>;

/** The collation of that name, if Tessera knows it. */
export function collationNamed(name: string): Collation | undefined {
  return (collations as Readonly<Record<string, Collation>>)[name.toLowerCase()];
}

/** MySQL 8's default collation. */
export const defaultCollation: Collation = collations.utf8mb4_0900_ai_ci;

const combiningMarks = /\p{M}/gu;

/**
 * The string a collation compares: equal sort keys ⇔ equal under the collation. An
 * approximation of the Unicode Collation Algorithm's primary/secondary levels that is exact
 * for case and for accents that decompose (é = e + ◌́); what it does not model (contractions,
 * ß = ss, ignorable punctuation) is in the package README.
 */
export function sortKey(text: string, collation: Collation): string {
  let s = text;
  if (collation.padSpace) s = s.replace(/ +$/u, '');
  if (collation.ai) s = s.normalize('NFD').replace(combiningMarks, '');
  if (collation.ci) s = s.toLowerCase();
  return s;
}

/** Compares two strings as the collation does (for the executor: =, <, ORDER BY). */
export function compareText(a: string, b: string, collation: Collation): number {
  const ascii = compareAsciiText(a, b, collation);
  if (ascii !== undefined) return ascii;
  const ka = sortKey(a, collation);
  const kb = sortKey(b, collation);
  if (ka === kb) return 0;
  // Code point order, which is UTF-8 byte order (what the key encoding compares). UTF-16 code
  // unit order differs only when surrogates meet code points above them, so walk code points.
  let i = 0;
  let j = 0;
  while (i < ka.length && j < kb.length) {
    const x = ka.codePointAt(i) ?? 0;
    const y = kb.codePointAt(j) ?? 0;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return i < ka.length ? 1 : j < kb.length ? -1 : 0;
}

/**
 * `compareText` for two ASCII strings without building sort keys (ORDER BY and DISTINCT
 * compare the same values many times: the sort keys' regex, NFD and lower-casing were the
 * largest self time of sysbench's range queries). On ASCII the sort key is exact and simple:
 * NFD changes nothing and there are no combining marks, lower-casing maps A–Z only, and
 * PAD SPACE drops trailing spaces. Undefined when either string holds a non-ASCII character
 * (the general path decides).
 */
function compareAsciiText(a: string, b: string, collation: Collation): number | undefined {
  let endA = a.length;
  let endB = b.length;
  if (collation.padSpace) {
    while (endA > 0 && a.charCodeAt(endA - 1) === 0x20) endA--;
    while (endB > 0 && b.charCodeAt(endB - 1) === 0x20) endB--;
  }
  const common = Math.min(endA, endB);
  for (let i = 0; i < common; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if ((x | y) > 0x7f) return undefined;
    if (x === y) continue;
    if (collation.ci) {
      if (x >= 0x41 && x <= 0x5a) x += 0x20;
      if (y >= 0x41 && y <= 0x5a) y += 0x20;
    }
    // Decided by an ASCII pair after an all-ASCII prefix: whatever follows cannot change the
    // sort keys up to here (NFD never moves or merges across an ASCII starter, only marks are
    // stripped, and lower-casing changes each character in place).
    if (x !== y) return x < y ? -1 : 1;
  }
  // Equal up to the shorter: the rest must be ASCII too, else a combining mark (stripped
  // under AI) could change which sort key is longer.
  for (let i = common; i < a.length; i++) if (a.charCodeAt(i) > 0x7f) return undefined;
  for (let i = common; i < b.length; i++) if (b.charCodeAt(i) > 0x7f) return undefined;
  return endA === endB ? 0 : endA < endB ? -1 : 1;
}

/** Appends fields to one key; `finish()` returns the bytes. */
export class KeyWriter {
  private buf = new Uint8Array(32);
  private len = 0;

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  field(type: KeyType, value: KeyValue): this {
    if (value === null) {
      this.byte(0x00);
      return this;
    }
    this.byte(0x01);
    switch (type.kind) {
      case 'int': {
        const v = asBigInt(value, type.kind);
        if (v < -(1n << 63n) || v >= 1n << 63n) {
          throw new KeyEncodingError(`signed value ${v} out of range`);
        }
        this.u64(BigInt.asUintN(64, v + (1n << 63n)));
        break;
      }
      case 'uint': {
        const v = asBigInt(value, type.kind);
        if (v < 0n || v >= 1n << 64n)
          throw new KeyEncodingError(`unsigned value ${v} out of range`);
        this.u64(v);
        break;
      }
      case 'double':
        this.double(asNumber(value, type.kind));
        break;
      case 'decimal':
        this.decimal(asString(value, type.kind));
        break;
      case 'text':
        this.escaped(utf8.encode(sortKey(asString(value, type.kind), type.collation)));
        break;
      case 'bytes':
        this.escaped(asBytes(value));
        break;
      case 'date':
        this.u32(packDate(asString(value, type.kind)));
        break;
      case 'datetime':
        this.u64(packDateTime(asString(value, type.kind)));
        break;
      case 'time':
        this.u64(BigInt.asUintN(64, parseTime(asString(value, type.kind)) + (1n << 63n)));
        break;
      case 'year':
      case 'enum': {
        const n = asNumber(value, type.kind);
        if (!Number.isInteger(n) || n < 0 || n > 0xffff) {
          throw new KeyEncodingError(`${type.kind} value ${n} out of range`);
        }
        this.byte(n >> 8);
        this.byte(n & 0xff);
        break;
      }
      case 'set':
        this.u64(BigInt.asUintN(64, asBigInt(value, type.kind)));
        break;
    }
    return this;
  }

  private byte(b: number): void {
    if (this.len === this.buf.length) {
      const grown = new Uint8Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[this.len++] = b;
  }

  private u32(v: number): void {
    this.byte((v >>> 24) & 0xff);
    this.byte((v >>> 16) & 0xff);
    this.byte((v >>> 8) & 0xff);
    this.byte(v & 0xff);
  }

  private u64(v: bigint): void {
    for (let shift = 56n; shift >= 0n; shift -= 8n) this.byte(Number((v >> shift) & 0xffn));
  }

  private double(v: number): void {
    if (Number.isNaN(v)) throw new KeyEncodingError('NaN is not a SQL value');
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, v === 0 ? 0 : v); // −0 and 0 are one value
    const bits = view.getBigUint64(0);
    this.u64(v >= 0 ? bits ^ (1n << 63n) : ~bits & 0xffff_ffff_ffff_ffffn);
  }

  private decimal(text: string): void {
    const { negative, digits, exponent } = normalizeDecimal(text);
    if (digits.length === 0) {
      this.byte(0x01);
      return;
    }
    if (exponent < -0x7fff || exponent > 0x7fff) {
      throw new KeyEncodingError(`decimal ${text} out of range`);
    }
    this.byte(negative ? 0x00 : 0x02);
    const e = negative ? 0x7fff - exponent : exponent + 0x8000;
    this.byte((e >> 8) & 0xff);
    this.byte(e & 0xff);
    for (const d of digits) this.byte(negative ? 10 - d : d + 1);
    this.byte(negative ? 0xff : 0x00);
  }

  private escaped(bytes: Uint8Array): void {
    for (const b of bytes) {
      this.byte(b);
      if (b === 0x00) this.byte(0xff);
    }
    this.byte(0x00);
    this.byte(0x01);
  }
}

/** Encodes one value as a single-field key (also each column's input to the slice hash). */
export function encodeKeyField(type: KeyType, value: KeyValue): Uint8Array {
  return new KeyWriter().field(type, value).finish();
}

/** Encodes several columns as one key. */
export function encodeKey(types: readonly KeyType[], values: readonly KeyValue[]): Uint8Array {
  if (types.length !== values.length) {
    throw new KeyEncodingError(`${values.length} values for ${types.length} key columns`);
  }
  const w = new KeyWriter();
  types.forEach((type, i) => w.field(type, values[i] ?? null));
  return w.finish();
}

/**
 * A decimal's digits and exponent: value = ±0.d1d2…dn × 10^exponent with d1 ≠ 0 and dn ≠ 0
 * (no digits for zero). Accepts MySQL decimal text: optional sign, digits, optional fraction,
 * optional exponent.
 */
export function normalizeDecimal(text: string): {
  negative: boolean;
  digits: number[];
  exponent: number;
} {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (m === null || ((m[2] ?? '') === '' && (m[3] ?? '') === '')) {
    throw new KeyEncodingError(`'${text}' is not a decimal number`);
  }
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  const all = intPart + fracPart;
  let start = 0;
  while (start < all.length && all[start] === '0') start++;
  let end = all.length;
  while (end > start && all[end - 1] === '0') end--;
  const digits: number[] = [];
  for (let i = start; i < end; i++) digits.push(all.charCodeAt(i) - 48);
  if (digits.length === 0) return { negative: false, digits, exponent: 0 };
  const exponent = intPart.length - start + Number(m[4] ?? '0');
  return { negative: m[1] === '-', digits, exponent };
}

const utf8 = new TextEncoder();

function asBigInt(v: KeyValue, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  throw new KeyEncodingError(`${what} key value must be an integer, got ${typeof v}`);
}

function asNumber(v: KeyValue, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new KeyEncodingError(`${what} key value must be a number, got ${typeof v}`);
}

function asString(v: KeyValue, what: string): string {
  if (typeof v === 'string') return v;
  throw new KeyEncodingError(`${what} key value must be a string, got ${typeof v}`);
}

function asBytes(v: KeyValue): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return utf8.encode(v);
  throw new KeyEncodingError(`bytes key value must be bytes, got ${typeof v}`);
}

const dateRe = /^(\d{4})-(\d{2})-(\d{2})$/;
const dateTimeRe = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
const timeRe = /^(-?)(\d{1,3}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

function packDate(text: string): number {
  const m = dateRe.exec(text);
  if (m === null) throw new KeyEncodingError(`'${text}' is not a date (YYYY-MM-DD)`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return (y * 13 + mo) * 32 + d;
}

function packDateTime(text: string): bigint {
  const m = dateTimeRe.exec(text);
  if (m === null) {
    throw new KeyEncodingError(`'${text}' is not a datetime (YYYY-MM-DD HH:MM:SS[.ffffff])`);
  }
  const date = BigInt((Number(m[1]) * 13 + Number(m[2])) * 32 + Number(m[3]));
  const micros = BigInt((m[7] ?? '').padEnd(6, '0'));
  const seconds = BigInt(Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]));
  return date * 86_400_000_000n + seconds * 1_000_000n + micros;
}

function parseTime(text: string): bigint {
  const m = timeRe.exec(text);
  if (m === null) throw new KeyEncodingError(`'${text}' is not a time ([-]HHH:MM:SS[.ffffff])`);
  const micros =
    BigInt(Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4])) * 1_000_000n +
    BigInt((m[5] ?? '').padEnd(6, '0'));
  return m[1] === '-' ? -micros : micros;
}

/**
 * The byte length of each of the first `types.length` fields of `key` from `offset` (fields
 * are self-delimiting given their types). Throws KeyEncodingError on a malformed key.
 */
export function keyFieldLengths(
  key: Uint8Array,
  offset: number,
  types: readonly KeyType[],
): number[] {
  const lengths: number[] = [];
  let at = offset;
  const need = (n: number) => {
    if (at + n > key.length) throw new KeyEncodingError('key is truncated');
  };
  for (const type of types) {
    const start = at;
    need(1);
    const marker = key[at++];
    if (marker === 0x00) {
      lengths.push(1);
      continue;
    }
    if (marker !== 0x01) throw new KeyEncodingError(`bad field marker ${String(marker)}`);
    switch (type.kind) {
      case 'int':
      case 'uint':
      case 'double':
      case 'datetime':
      case 'time':
      case 'set':
        need(8);
        at += 8;
        break;
      case 'date':
        need(4);
        at += 4;
        break;
      case 'year':
      case 'enum':
        need(2);
        at += 2;
        break;
      case 'decimal': {
        need(1);
        const sign = key[at++];
        if (sign === 0x01) break;
        if (sign !== 0x00 && sign !== 0x02) throw new KeyEncodingError('bad decimal sign');
        need(2);
        at += 2;
        const terminator = sign === 0x02 ? 0x00 : 0xff;
        for (;;) {
          need(1);
          if (key[at++] === terminator) break;
        }
        break;
      }
      case 'text':
      case 'bytes':
        for (;;) {
          need(1);
          const b = key[at++];
          if (b !== 0x00) continue;
          need(1);
          const next = key[at++];
          if (next === 0x01) break;
          if (next !== 0xff) throw new KeyEncodingError('bad escape in key');
        }
        break;
    }
    lengths.push(at - start);
  }
  return lengths;
}
