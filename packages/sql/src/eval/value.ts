// The typed SQL value the evaluator computes with. One tagged object per MySQL type family;
// SQL NULL is the JS `null`. Values are immutable.
//
//   int        signed BIGINT, a bigint in [−2^63, 2^63)
//   uint       BIGINT UNSIGNED, a bigint in [0, 2^64)
//   decimal    exact: bigint coefficient + scale (decimal.ts), ≤ 65 digits, scale ≤ 30
//   double     a JS number (never NaN; ±Infinity do not occur in MySQL)
//   string     JS string + collation + coercibility (how strongly it holds its collation)
//   binary     bytes; `hex` marks a hex/bit literal, which is a number in numeric context
//   date       calendar parts (time parts zero)
//   datetime   calendar parts + fsp (0–6 fractional digits shown)
//   timestamp  as datetime, in the session time zone (the engine stores UTC)
//   time       signed microseconds + fsp
//   year       1901–2155, or 0
//   json       a parsed JSON document (json.ts)

import type { Collation } from '../encoding/key-codec.js';
import type { Decimal } from './decimal.js';
import type { Json } from './json.js';
import type { DateTimeParts } from './temporal.js';

/**
 * MySQL's coercibility, lower wins when two strings of different collations meet:
 * 0 explicit COLLATE, 1 no collation (a conflict), 2 a column, 3 a system constant (USER()),
 * 4 a literal, 5 a number or temporal turned into text, 6 NULL.
 */
export const Coercibility = {
  explicit: 0,
  none: 1,
  implicit: 2,
  sysconst: 3,
  coercible: 4,
  numeric: 5,
  ignorable: 6,
} as const;
export type Coercibility = (typeof Coercibility)[keyof typeof Coercibility];

export interface IntValue {
  readonly kind: 'int';
  readonly v: bigint;
}
export interface UintValue {
  readonly kind: 'uint';
  readonly v: bigint;
}
export interface DecimalValue {
  readonly kind: 'decimal';
  readonly v: Decimal;
}
export interface DoubleValue {
  readonly kind: 'double';
  readonly v: number;
}
export interface StringValue {
  readonly kind: 'string';
  readonly v: string;
  readonly collation: Collation;
  readonly coercibility: Coercibility;
}
export interface BinaryValue {
  readonly kind: 'binary';
  readonly v: Uint8Array;
  /** A hex (`0x41`, `X'41'`) or bit (`b'1'`) literal: an unsigned number in numeric context. */
  readonly hex?: boolean;
}
export interface DateValue {
  readonly kind: 'date';
  readonly v: DateTimeParts;
}
export interface DateTimeValue {
  readonly kind: 'datetime' | 'timestamp';
  readonly v: DateTimeParts;
  /** Fractional-second digits shown (0–6). */
  readonly fsp: number;
}
export interface TimeValue {
  readonly kind: 'time';
  /** Signed microseconds, within ±838:59:59.999999. */
  readonly v: number;
  readonly fsp: number;
}
export interface YearValue {
  readonly kind: 'year';
  readonly v: number;
}
export interface JsonValue {
  readonly kind: 'json';
  readonly v: Json;
}

export type SqlValue =
  | null
  | IntValue
  | UintValue
  | DecimalValue
  | DoubleValue
  | StringValue
  | BinaryValue
  | DateValue
  | DateTimeValue
  | TimeValue
  | YearValue
  | JsonValue;

export type NonNullValue = Exclude<SqlValue, null>;
export type ValueKind = NonNullValue['kind'];
export type NumericValue = IntValue | UintValue | DecimalValue | DoubleValue;
export type TemporalValue = DateValue | DateTimeValue | TimeValue;

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;
export const UINT64_MAX = (1n << 64n) - 1n;

// ---------------------------------------------------------------------------------------------
// Constructors

export const int = (v: bigint | number): IntValue => ({ kind: 'int', v: BigInt(v) });
export const uint = (v: bigint | number): UintValue => ({ kind: 'uint', v: BigInt(v) });
export const double = (v: number): DoubleValue => ({ kind: 'double', v });
export const decimal = (v: Decimal): DecimalValue => ({ kind: 'decimal', v });
export const binary = (v: Uint8Array): BinaryValue => ({ kind: 'binary', v });
export const json = (v: Json): JsonValue => ({ kind: 'json', v });
export const bool = (b: boolean): IntValue => (b ? TRUE : FALSE);
export const TRUE: IntValue = { kind: 'int', v: 1n };
export const FALSE: IntValue = { kind: 'int', v: 0n };

export function str(
  v: string,
  collation: Collation,
  coercibility: Coercibility = Coercibility.coercible,
): StringValue {
  return { kind: 'string', v, collation, coercibility };
}

export function date(v: DateTimeParts): DateValue {
  return { kind: 'date', v: { ...v, hour: 0, minute: 0, second: 0, micro: 0 } };
}
export function datetime(v: DateTimeParts, fsp = 0): DateTimeValue {
  return { kind: 'datetime', v, fsp };
}
export function time(v: number, fsp = 0): TimeValue {
  return { kind: 'time', v, fsp };
}

export function isNumeric(v: SqlValue): v is NumericValue {
  return (
    v !== null &&
    (v.kind === 'int' || v.kind === 'uint' || v.kind === 'decimal' || v.kind === 'double')
  );
}

export function isTemporal(v: SqlValue): v is TemporalValue {
  return (
    v !== null &&
    (v.kind === 'date' || v.kind === 'datetime' || v.kind === 'timestamp' || v.kind === 'time')
  );
}

/** Text-like for string functions and comparisons: string and non-literal binary. */
export function isStringLike(v: SqlValue): v is StringValue | BinaryValue {
  return v !== null && (v.kind === 'string' || v.kind === 'binary');
}
