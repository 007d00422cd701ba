/**
 * A compact, exact byte form of `SqlValue` (value.ts), for values that cross between nodes:
 * a scan program's parameters and the partial aggregate states a data node sends back
 * (src/pushdown/). Every kind round-trips exactly — a bigint of any size, a DECIMAL with its
 * scale (`1.50` stays `1.50`), a DOUBLE bit for bit (−0 stays −0), a string with its
 * collation and coercibility, binary with its hex-literal mark, temporal parts and fsp, a JSON
 * document with its key order.
 *
 * ```
 * value    := u8 tag · payload
 *  0 NULL
 *  1 int        zigzag varint            2 uint       varint
 *  3 decimal    zigzag varint coef · varint scale
 *  4 double     IEEE 754, 8 bytes big-endian
 *  5 string     text · str collation name · u8 coercibility
 *  6 binary     bytes                    7 hex binary bytes (`0x41`, `b'1'`)
 *  8 date / 9 datetime / 10 timestamp   parts · (9, 10) u8 fsp
 *  11 time      zigzag varint micros · u8 fsp
 *  12 year      zigzag varint
 *  13 json      json
 * parts    := 7 × zigzag varint (year month day hour minute second micro)
 * json     := u8 tag · payload: 0 null, 1 false, 2 true, 3 number (8 bytes), 4 text,
 *             5 array (varint n · n × json), 6 object (varint n · n × (text key · json))
 * text     := u8 0 · str | u8 1 · varint n · n × u16 BE    (1: JS text holding a lone
 *             surrogate, which UTF-8 cannot carry — kept code unit for code unit)
 * str      := varint byte length · UTF-8          bytes := varint length · bytes
 * ```
 *
 * Decoding bytes that are not such a value (truncated, an unknown tag, an unknown collation,
 * an integer out of its kind's range, JSON nested deeper than `JSON_DEPTH_MAX`) throws
 * `ValueCodecError`; it never loops or allocates beyond what the input's length allows.
 */
import { collationNamed } from '../encoding/key-codec.js';
import type { Json } from './json.js';
import type { DateTimeParts } from './temporal.js';
import { type Coercibility, INT64_MAX, INT64_MIN, type SqlValue, UINT64_MAX } from './value.js';

export class ValueCodecError extends Error {
  override readonly name = 'ValueCodecError';
}

/** JSON arrays and objects nested deeper than this are refused (MySQL's own limit is 100). */
export const JSON_DEPTH_MAX = 100;
/** A varint longer than this many bytes is refused (a DECIMAL's 65 digits need 31). */
const VARINT_BYTES_MAX = 40;

const Tag = {
  null: 0,
  int: 1,
  uint: 2,
  decimal: 3,
  double: 4,
  string: 5,
  binary: 6,
  hex: 7,
  date: 8,
  datetime: 9,
  timestamp: 10,
  time: 11,
  year: 12,
  json: 13,
} as const;

const utf8 = new TextEncoder();
const LONE_SURROGATE = /\p{Cs}/u;
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

// ---------------------------------------------------------------------------------------------
// Bytes

/** An append-only byte buffer that grows by doubling. */
export class ByteWriter {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(b: number): void {
    this.room(1);
    this.buf[this.at++] = b & 0xff;
  }

  /** An unsigned integer, 7 bits a byte (a safe JS integer or a bigint ≥ 0). */
  varint(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0 && v < 0x80) {
      this.u8(v);
      return;
    }
    let x = BigInt(v);
    if (x < 0n) throw new ValueCodecError(`varint of a negative number ${x}`);
    this.room(VARINT_BYTES_MAX);
    while (x >= 0x80n) {
      this.buf[this.at++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.at++] = Number(x);
  }

  /** A signed integer, zigzag-encoded. */
  svarint(v: number | bigint): void {
    const x = BigInt(v);
    this.varint(x >= 0n ? x << 1n : (-x << 1n) - 1n);
  }

  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.at, v);
    this.at += 8;
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.raw(b);
  }

  raw(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  str(s: string): void {
    this.bytes(utf8.encode(s));
  }

  /** Any JS string, exactly: UTF-8 unless it holds a lone surrogate. */
  text(s: string): void {
    if (!LONE_SURROGATE.test(s)) {
      this.u8(0);
      this.str(s);
      return;
    }
    this.u8(1);
    this.varint(s.length);
    this.room(2 * s.length);
    for (let i = 0; i < s.length; i++) {
      this.view.setUint16(this.at, s.charCodeAt(i));
      this.at += 2;
    }
  }

  /** The bytes written, as a fresh array. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.at);
  }
}

/** Reads what ByteWriter wrote; every read checks the bounds and throws ValueCodecError. */
export class ByteReader {
  private at = 0;
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get done(): boolean {
    return this.at === this.data.length;
  }

  /** Throws unless every byte was read. */
  end(what: string): void {
    if (!this.done) throw new ValueCodecError(`trailing bytes after the ${what}`);
  }

  u8(): number {
    const b = this.data[this.at];
    if (b === undefined) throw new ValueCodecError('truncated');
    this.at++;
    return b;
  }

  bigVarint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < VARINT_BYTES_MAX; i++) {
      const b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new ValueCodecError('varint too long');
  }

  /** A varint that must be a count or size up to `max` (a JS number). */
  varint(max = Number.MAX_SAFE_INTEGER): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        if (result > max) throw new ValueCodecError(`number ${result} above its limit ${max}`);
        return result;
      }
      mul *= 128;
    }
    throw new ValueCodecError('varint too long');
  }

  bigSvarint(): bigint {
    const z = this.bigVarint();
    return z & 1n ? -((z + 1n) >> 1n) : z >> 1n;
  }

  /** A zigzag varint that must be a safe JS integer. */
  svarint(): number {
    const v = this.bigSvarint();
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new ValueCodecError(`integer ${v} is not a safe number`);
    }
    return Number(v);
  }

  f64(): number {
    if (this.at + 8 > this.data.length) throw new ValueCodecError('truncated');
    const v = this.view.getFloat64(this.at);
    this.at += 8;
    return v;
  }

  /** A length-prefixed byte string, as a view into the input (copy what you keep). */
  bytesView(): Uint8Array {
    const n = this.varint(this.data.length - this.at);
    const out = this.data.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  bytes(): Uint8Array {
    return this.bytesView().slice();
  }

  str(): string {
    try {
      return fromUtf8.decode(this.bytesView());
    } catch (error) {
      if (error instanceof ValueCodecError) throw error;
      throw new ValueCodecError('text is not UTF-8');
    }
  }

  text(): string {
    const form = this.u8();
    if (form === 0) return this.str();
    if (form !== 1) throw new ValueCodecError(`unknown text form ${form}`);
    const n = this.varint((this.data.length - this.at) / 2);
    let s = '';
    for (let i = 0; i < n; i++) {
      s += String.fromCharCode(this.view.getUint16(this.at));
      this.at += 2;
    }
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Values

export function writeSqlValue(w: ByteWriter, v: SqlValue): void {
  if (v === null) {
    w.u8(Tag.null);
    return;
  }
  switch (v.kind) {
    case 'int':
      w.u8(Tag.int);
      w.svarint(v.v);
      return;
    case 'uint':
      w.u8(Tag.uint);
      w.varint(v.v);
      return;
    case 'decimal':
      w.u8(Tag.decimal);
      w.svarint(v.v.coef);
      w.varint(v.v.scale);
      return;
    case 'double':
      w.u8(Tag.double);
      w.f64(v.v);
      return;
    case 'string':
      w.u8(Tag.string);
      w.text(v.v);
      w.str(v.collation.name);
      w.u8(v.coercibility);
      return;
    case 'binary':
      w.u8(v.hex === true ? Tag.hex : Tag.binary);
      w.bytes(v.v);
      return;
    case 'date':
      w.u8(Tag.date);
      writeParts(w, v.v);
      return;
    case 'datetime':
    case 'timestamp':
      w.u8(v.kind === 'datetime' ? Tag.datetime : Tag.timestamp);
      writeParts(w, v.v);
      w.u8(v.fsp);
      return;
    case 'time':
      w.u8(Tag.time);
      w.svarint(v.v);
      w.u8(v.fsp);
      return;
    case 'year':
      w.u8(Tag.year);
      w.svarint(v.v);
      return;
    case 'json':
      w.u8(Tag.json);
      writeJson(w, v.v, 0);
      return;
  }
}

export function readSqlValue(r: ByteReader): SqlValue {
  const tag = r.u8();
  switch (tag) {
    case Tag.null:
      return null;
    case Tag.int: {
      const v = r.bigSvarint();
      if (v < INT64_MIN || v > INT64_MAX) throw new ValueCodecError(`int ${v} out of range`);
      return { kind: 'int', v };
    }
    case Tag.uint: {
      const v = r.bigVarint();
      if (v > UINT64_MAX) throw new ValueCodecError(`uint ${v} out of range`);
      return { kind: 'uint', v };
    }
    case Tag.decimal: {
      const coef = r.bigSvarint();
      const scale = r.varint(255);
      return { kind: 'decimal', v: { coef, scale } };
    }
    case Tag.double:
      return { kind: 'double', v: r.f64() };
    case Tag.string: {
      const v = r.text();
      const name = r.str();
      const collation = collationNamed(name);
      if (collation === undefined) throw new ValueCodecError(`unknown collation '${name}'`);
      const coercibility = r.u8();
      if (coercibility > 6) throw new ValueCodecError(`bad coercibility ${coercibility}`);
      return { kind: 'string', v, collation, coercibility: coercibility as Coercibility };
    }
    case Tag.binary:
      return { kind: 'binary', v: r.bytes() };
    case Tag.hex:
      return { kind: 'binary', v: r.bytes(), hex: true };
    case Tag.date:
      return { kind: 'date', v: readParts(r) };
    case Tag.datetime:
    case Tag.timestamp: {
      const v = readParts(r);
      return { kind: tag === Tag.datetime ? 'datetime' : 'timestamp', v, fsp: readFsp(r) };
    }
    case Tag.time: {
      const v = r.svarint();
      return { kind: 'time', v, fsp: readFsp(r) };
    }
    case Tag.year:
      return { kind: 'year', v: r.svarint() };
    case Tag.json:
      return { kind: 'json', v: readJson(r, 0) };
    default:
      throw new ValueCodecError(`unknown value tag ${tag}`);
  }
}

function readFsp(r: ByteReader): number {
  const fsp = r.u8();
  if (fsp > 6) throw new ValueCodecError(`bad fractional-seconds precision ${fsp}`);
  return fsp;
}

function writeParts(w: ByteWriter, p: DateTimeParts): void {
  w.svarint(p.year);
  w.svarint(p.month);
  w.svarint(p.day);
  w.svarint(p.hour);
  w.svarint(p.minute);
  w.svarint(p.second);
  w.svarint(p.micro);
}

function readParts(r: ByteReader): DateTimeParts {
  return {
    year: r.svarint(),
    month: r.svarint(),
    day: r.svarint(),
    hour: r.svarint(),
    minute: r.svarint(),
    second: r.svarint(),
    micro: r.svarint(),
  };
}

function writeJson(w: ByteWriter, j: Json, depth: number): void {
  if (depth > JSON_DEPTH_MAX) throw new ValueCodecError('JSON nested too deeply');
  if (j === null) w.u8(0);
  else if (typeof j === 'boolean') w.u8(j ? 2 : 1);
  else if (typeof j === 'number') {
    w.u8(3);
    w.f64(j);
  } else if (typeof j === 'string') {
    w.u8(4);
    w.text(j);
  } else if (Array.isArray(j)) {
    const items: readonly Json[] = j;
    w.u8(5);
    w.varint(items.length);
    for (const item of items) writeJson(w, item, depth + 1);
  } else {
    const entries = Object.entries(j);
    w.u8(6);
    w.varint(entries.length);
    for (const [k, v] of entries) {
      w.text(k);
      writeJson(w, v, depth + 1);
    }
  }
}

function readJson(r: ByteReader, depth: number): Json {
  if (depth > JSON_DEPTH_MAX) throw new ValueCodecError('JSON nested too deeply');
  const tag = r.u8();
  switch (tag) {
    case 0:
      return null;
    case 1:
      return false;
    case 2:
      return true;
    case 3:
      return r.f64();
    case 4:
      return r.text();
    case 5: {
      // Each item takes at least one byte: a count beyond the input is garbage.
      const n = r.varint(Number.MAX_SAFE_INTEGER);
      const items: Json[] = [];
      for (let i = 0; i < n; i++) items.push(readJson(r, depth + 1));
      return items;
    }
    case 6: {
      const n = r.varint(Number.MAX_SAFE_INTEGER);
      const entries: [string, Json][] = [];
      for (let i = 0; i < n; i++) {
        const k = r.text();
        entries.push([k, readJson(r, depth + 1)]);
      }
      // fromEntries defines own properties (a "__proto__" key stays a key).
      return Object.fromEntries(entries);
    }
    default:
      throw new ValueCodecError(`unknown JSON tag ${tag}`);
  }
}

/** A list of values as bytes (varint count · values). */
export function encodeSqlValues(values: readonly SqlValue[]): Uint8Array {
  const w = new ByteWriter();
  writeSqlValues(w, values);
  return w.finish();
}

export function decodeSqlValues(bytes: Uint8Array): SqlValue[] {
  const r = new ByteReader(bytes);
  const values = readSqlValues(r);
  r.end('values');
  return values;
}

export function writeSqlValues(w: ByteWriter, values: readonly SqlValue[]): void {
  w.varint(values.length);
  for (const v of values) writeSqlValue(w, v);
}

export function readSqlValues(r: ByteReader): SqlValue[] {
  const n = r.varint(Number.MAX_SAFE_INTEGER);
  const out: SqlValue[] = [];
  // Each value takes at least one byte, so a count past the input fails on the first short read.
  for (let i = 0; i < n; i++) out.push(readSqlValue(r));
  return out;
}
