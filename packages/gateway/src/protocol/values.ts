/**
 * Typed values and their two wire encodings: the text protocol (every value a length-encoded
 * string) and the binary protocol (prepared statements: fixed-width integers and floats,
 * packed temporal values, length-encoded strings). The column's type decides the encoding;
 * the value's JS type only has to be convertible to it.
 */
import type { PayloadBuilder, PayloadReader } from './buffer';
import { ColumnFlag, ColumnType } from './constants';
import { ProtocolError } from './errors';

/** DATE, DATETIME and TIMESTAMP values (no time zone: what the column holds). */
export interface DateTimeValue {
  readonly kind: 'datetime';
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly microsecond: number;
}

/** TIME values: a signed duration of up to 838:59:59.999999. */
export interface TimeValue {
  readonly kind: 'time';
  readonly negative: boolean;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  readonly microseconds: number;
}

/**
 * One cell. Integers may come as number or bigint (LONGLONG beyond 2^53 must be bigint),
 * DECIMAL as string (exact), FLOAT/DOUBLE as number, strings as string, binary data as bytes.
 */
export type Value = null | bigint | number | string | Uint8Array | DateTimeValue | TimeValue;

export type Row = readonly Value[];

export function dateTime(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  microsecond = 0,
): DateTimeValue {
  return { kind: 'datetime', year, month, day, hour, minute, second, microsecond };
}

export function time(
  negative: boolean,
  hours: number,
  minutes: number,
  seconds: number,
  microseconds = 0,
): TimeValue {
  return { kind: 'time', negative, hours, minutes, seconds, microseconds };
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function fraction(microseconds: number, decimals: number): string {
  if (decimals <= 0 || decimals > 6) return '';
  return '.' + pad(microseconds, 6).slice(0, decimals);
}

export function formatDate(v: DateTimeValue): string {
  return `${pad(v.year, 4)}-${pad(v.month, 2)}-${pad(v.day, 2)}`;
}

export function formatDateTime(v: DateTimeValue, decimals: number): string {
  return (
    `${formatDate(v)} ${pad(v.hour, 2)}:${pad(v.minute, 2)}:${pad(v.second, 2)}` +
    fraction(v.microsecond, decimals)
  );
}

export function formatTime(v: TimeValue, decimals: number): string {
  return (
    `${v.negative ? '-' : ''}${pad(v.hours, 2)}:${pad(v.minutes, 2)}:${pad(v.seconds, 2)}` +
    fraction(v.microseconds, decimals)
  );
}

/** A double as MySQL prints it: shortest round-trip digits, exponent without '+'. */
export function formatDouble(v: number): string {
  if (Number.isNaN(v) || !Number.isFinite(v)) return String(v);
  return String(v).replace('e+', 'e');
}

/** A FLOAT (single precision) as MySQL prints it: the shortest digits that round-trip in 32 bits. */
export function formatFloat(v: number): string {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) return String(f);
  for (let precision = 1; precision <= 9; precision++) {
    const s = f.toPrecision(precision);
    if (Math.fround(Number(s)) === f) return formatDouble(Number(s));
  }
  return formatDouble(f);
}

function isFloatType(t: ColumnType): boolean {
  return t === ColumnType.Float || t === ColumnType.Double;
}

/** The column facts an encoder needs. */
export interface EncodingColumn {
  readonly type: ColumnType;
  readonly flags: number;
  readonly decimals: number;
}

const encoder = new TextEncoder();

/** The text-protocol bytes of a non-NULL value. */
export function textBytes(value: Exclude<Value, null>, column: EncodingColumn): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return encoder.encode(value);
  if (typeof value === 'bigint') return encoder.encode(value.toString());
  if (typeof value === 'number') {
    if (column.type === ColumnType.Float) return encoder.encode(formatFloat(value));
    if (isFloatType(column.type) || !Number.isInteger(value)) {
      return encoder.encode(formatDouble(value));
    }
    return encoder.encode(String(value));
  }
  if (value.kind === 'time') return encoder.encode(formatTime(value, column.decimals));
  if (column.type === ColumnType.Date) return encoder.encode(formatDate(value));
  return encoder.encode(formatDateTime(value, column.decimals));
}

export function writeTextValue(out: PayloadBuilder, value: Value, column: EncodingColumn): void {
  if (value === null) out.nullMarker();
  else out.lenencBytes(textBytes(value, column));
}

function toBigInt(value: Exclude<Value, null>): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (typeof value === 'string') return BigInt(value.trim());
  throw new TypeError(`cannot write ${describe(value)} as an integer`);
}

function toNumber(value: Exclude<Value, null>): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint' || typeof value === 'string') return Number(value);
  throw new TypeError(`cannot write ${describe(value)} as a floating-point number`);
}

function describe(value: Exclude<Value, null>): string {
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object') return value.kind;
  return typeof value;
}

function parseDateTime(s: string): DateTimeValue {
  const m =
    /^(\d{1,4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))?)?$/.exec(
      s.trim(),
    );
  if (m === null) throw new TypeError(`not a date/time: ${s}`);
  const n = (i: number): number => Number(m[i] ?? '0');
  return dateTime(n(1), n(2), n(3), n(4), n(5), n(6), Number((m[7] ?? '').padEnd(6, '0')));
}

function parseTime(s: string): TimeValue {
  const m = /^(-)?(\d{1,3}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))?$/.exec(s.trim());
  if (m === null) throw new TypeError(`not a time: ${s}`);
  return time(
    m[1] === '-',
    Number(m[2]),
    Number(m[3]),
    Number(m[4]),
    Number((m[5] ?? '').padEnd(6, '0')),
  );
}

function writeBinaryDateTime(out: PayloadBuilder, v: DateTimeValue, dateOnly: boolean): void {
  const hasTime = !dateOnly && (v.hour !== 0 || v.minute !== 0 || v.second !== 0);
  const hasMicro = !dateOnly && v.microsecond !== 0;
  if (v.year === 0 && v.month === 0 && v.day === 0 && !hasTime && !hasMicro) {
    out.int1(0);
    return;
  }
  out.int1(hasMicro ? 11 : hasTime ? 7 : 4);
  out.int2(v.year).int1(v.month).int1(v.day);
  if (hasTime || hasMicro) out.int1(v.hour).int1(v.minute).int1(v.second);
  if (hasMicro) out.int4(v.microsecond);
}

function writeBinaryTime(out: PayloadBuilder, v: TimeValue): void {
  if (v.hours === 0 && v.minutes === 0 && v.seconds === 0 && v.microseconds === 0) {
    out.int1(0);
    return;
  }
  const days = Math.floor(v.hours / 24);
  out.int1(v.microseconds !== 0 ? 12 : 8);
  out
    .int1(v.negative ? 1 : 0)
    .int4(days)
    .int1(v.hours % 24)
    .int1(v.minutes)
    .int1(v.seconds);
  if (v.microseconds !== 0) out.int4(v.microseconds);
}

/** Writes a non-NULL value in the binary protocol encoding of its column's type. */
export function writeBinaryValue(
  out: PayloadBuilder,
  value: Exclude<Value, null>,
  column: EncodingColumn,
): void {
  switch (column.type) {
    case ColumnType.Tiny:
      out.int1(Number(BigInt.asUintN(8, toBigInt(value))));
      return;
    case ColumnType.Short:
    case ColumnType.Year:
      out.int2(Number(BigInt.asUintN(16, toBigInt(value))));
      return;
    case ColumnType.Int24:
    case ColumnType.Long:
      out.int4(Number(BigInt.asUintN(32, toBigInt(value))));
      return;
    case ColumnType.LongLong:
      out.int8(toBigInt(value));
      return;
    case ColumnType.Float:
      out.float4(toNumber(value));
      return;
    case ColumnType.Double:
      out.float8(toNumber(value));
      return;
    case ColumnType.Date:
    case ColumnType.DateTime:
    case ColumnType.Timestamp: {
      const v = typeof value === 'string' ? parseDateTime(value) : value;
      if (v instanceof Uint8Array || typeof v !== 'object' || v.kind !== 'datetime') {
        throw new TypeError(`cannot write ${describe(value)} as a date/time`);
      }
      writeBinaryDateTime(out, v, column.type === ColumnType.Date);
      return;
    }
    case ColumnType.Time: {
      const v = typeof value === 'string' ? parseTime(value) : value;
      if (v instanceof Uint8Array || typeof v !== 'object' || v.kind !== 'time') {
        throw new TypeError(`cannot write ${describe(value)} as a time`);
      }
      writeBinaryTime(out, v);
      return;
    }
    case ColumnType.Null:
      return;
    case ColumnType.Decimal:
    case ColumnType.NewDecimal:
    case ColumnType.VarChar:
    case ColumnType.Bit:
    case ColumnType.Json:
    case ColumnType.Enum:
    case ColumnType.Set:
    case ColumnType.TinyBlob:
    case ColumnType.MediumBlob:
    case ColumnType.LongBlob:
    case ColumnType.Blob:
    case ColumnType.VarString:
    case ColumnType.String:
    case ColumnType.Geometry:
      out.lenencBytes(textBytes(value, column));
      return;
  }
}

/** The unsigned bit in a parameter's type as the client sends it in COM_STMT_EXECUTE. */
export const PARAM_UNSIGNED = 0x80;

/** A parameter of COM_STMT_EXECUTE as the client typed it. */
export interface BoundParam {
  readonly type: ColumnType;
  readonly unsigned: boolean;
  readonly value: Value;
}

const decoder = new TextDecoder();

function isBinaryType(t: ColumnType): boolean {
  return (
    t === ColumnType.TinyBlob ||
    t === ColumnType.MediumBlob ||
    t === ColumnType.LongBlob ||
    t === ColumnType.Blob ||
    t === ColumnType.Geometry ||
    t === ColumnType.Bit
  );
}

function readBinaryDateTime(r: PayloadReader): DateTimeValue {
  const length = r.int1();
  if (length === 0) return dateTime(0, 0, 0);
  if (length !== 4 && length !== 7 && length !== 11) {
    throw ProtocolError.malformed(`datetime of ${length} bytes`);
  }
  const year = r.int2();
  const month = r.int1();
  const day = r.int1();
  if (length === 4) return dateTime(year, month, day);
  const hour = r.int1();
  const minute = r.int1();
  const second = r.int1();
  return dateTime(year, month, day, hour, minute, second, length === 11 ? r.int4() : 0);
}

function readBinaryTime(r: PayloadReader): TimeValue {
  const length = r.int1();
  if (length === 0) return time(false, 0, 0, 0);
  if (length !== 8 && length !== 12) throw ProtocolError.malformed(`time of ${length} bytes`);
  const negative = r.int1() === 1;
  const days = r.int4();
  const hours = r.int1();
  const minutes = r.int1();
  const seconds = r.int1();
  return time(negative, days * 24 + hours, minutes, seconds, length === 12 ? r.int4() : 0);
}

/** Reads one parameter value of the given wire type (COM_STMT_EXECUTE). */
export function readBinaryParam(r: PayloadReader, type: ColumnType, unsigned: boolean): Value {
  switch (type) {
    case ColumnType.Null:
      return null;
    case ColumnType.Tiny:
      return unsigned ? r.int1() : r.sint1();
    case ColumnType.Short:
    case ColumnType.Year:
      return unsigned ? r.int2() : r.sint2();
    case ColumnType.Int24:
    case ColumnType.Long:
      return unsigned ? r.int4() : r.sint4();
    case ColumnType.LongLong:
      return unsigned ? r.int8() : r.sint8();
    case ColumnType.Float:
      return r.float4();
    case ColumnType.Double:
      return r.float8();
    case ColumnType.Date:
    case ColumnType.DateTime:
    case ColumnType.Timestamp:
      return readBinaryDateTime(r);
    case ColumnType.Time:
      return readBinaryTime(r);
    case ColumnType.Decimal:
    case ColumnType.NewDecimal:
    case ColumnType.VarChar:
    case ColumnType.Bit:
    case ColumnType.Json:
    case ColumnType.Enum:
    case ColumnType.Set:
    case ColumnType.TinyBlob:
    case ColumnType.MediumBlob:
    case ColumnType.LongBlob:
    case ColumnType.Blob:
    case ColumnType.VarString:
    case ColumnType.String:
    case ColumnType.Geometry: {
      const bytes = r.lenencBytes();
      return isBinaryType(type) ? Uint8Array.from(bytes) : decoder.decode(bytes);
    }
  }
}

/** Long data sent with COM_STMT_SEND_LONG_DATA, typed like the parameter it fills. */
export function longDataValue(bytes: Buffer, type: ColumnType): Value {
  return isBinaryType(type) ? Uint8Array.from(bytes) : decoder.decode(bytes);
}

export function isUnsigned(column: EncodingColumn): boolean {
  return (column.flags & ColumnFlag.UNSIGNED) !== 0;
}
