// Conversions between value kinds, as MySQL performs them implicitly (an operand meeting an
// operator of another type) and explicitly (CAST). Lossy conversions report MySQL's warnings
// through `warn` and carry on, as MySQL does outside strict-mode DML.

import type { Collation } from '../encoding/key-codec.js';
import {
  type Decimal,
  decimalFromNumber,
  decimalToNumber,
  decimalToString,
  decimalTrunc,
  parseDecimal,
  rescale,
  DECIMAL_SCALE_MAX,
} from './decimal.js';
import { type EvalWarning, warning } from './errors.js';
import { stringifyJson } from './json.js';
import {
  type DateTimeParts,
  type ParsedDateTime,
  dateTimeFromNumber,
  dayNumber,
  fromDayNumber,
  formatDate,
  formatDateTime,
  formatTime,
  clipTime,
  parseDateTime,
  parseTime,
  splitTimeOfDay,
  timeOfDayMicros,
} from './temporal.js';
import {
  type NumericValue,
  type SqlValue,
  type StringValue,
  Coercibility,
  INT64_MAX,
  INT64_MIN,
  UINT64_MAX,
  decimal,
  double,
  int,
  str,
  uint,
} from './value.js';

export type Warn = (w: EvalWarning) => void;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

// ---------------------------------------------------------------------------------------------
// Text

/**
 * A double as MySQL prints it (my_gcvt): the shortest digits that read back the same, in plain
 * notation when the decimal point falls within 15 places either side (1e14 → 100000000000000,
 * 0.00001 → 0.00001), else as `1e15`, `1.5e-16` (no `+`, no padding).
 */
export function formatDouble(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const [mantissa = '0', expText = '0'] = x.toExponential().split('e');
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const exp = Number(expText);
  const decpt = exp + 1;
  const sign = negative ? '-' : '';
  if (decpt < -14 || (decpt > 15 && digits.length <= decpt)) {
    const frac = digits.length > 1 ? '.' + digits.slice(1) : '';
    return `${sign}${digits[0] ?? '0'}${frac}e${exp}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return sign + digits + '0'.repeat(decpt - digits.length);
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

export function formatYear(y: number): string {
  return String(y).padStart(4, '0');
}

/** The value as MySQL's text protocol shows it (val_str); null for NULL. */
export function toText(v: SqlValue): string | null {
  if (v === null) return null;
  switch (v.kind) {
    case 'int':
    case 'uint':
      return v.v.toString();
    case 'decimal':
      return decimalToString(v.v);
    case 'double':
      return formatDouble(v.v);
    case 'string':
      return v.v;
    case 'binary':
      return fromUtf8.decode(v.v);
    case 'date':
      return formatDate(v.v);
    case 'datetime':
    case 'timestamp':
      return formatDateTime(v.v, v.fsp);
    case 'time':
      return formatTime(v.v, v.fsp);
    case 'year':
      return formatYear(v.v);
    case 'json':
      return stringifyJson(v.v);
  }
}

/** The bytes of a value's text (binary stays as it is). */
export function toBytes(v: SqlValue): Uint8Array | null {
  if (v === null) return null;
  if (v.kind === 'binary') return v.v;
  return utf8.encode(toText(v) ?? '');
}

/** The characters of a string as MySQL counts them (code points). */
export function codePoints(s: string): string[] {
  return Array.from(s);
}

export function encodeUtf8(s: string): Uint8Array {
  return utf8.encode(s);
}

export function decodeUtf8(b: Uint8Array): string {
  return fromUtf8.decode(b);
}

/** A string value for string functions: strings keep their collation, others get `collation`. */
export function toStringValue(v: SqlValue, collation: Collation): StringValue | null {
  if (v === null) return null;
  if (v.kind === 'string') return v;
  return str(toText(v) ?? '', collation, Coercibility.numeric);
}

function quoted(s: string): string {
  return `'${s}'`;
}

// ---------------------------------------------------------------------------------------------
// Numbers from text

const numericPrefixRe = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const intPrefixRe = /^\s*[+-]?\d+/;

/** MySQL's string → double: the longest numeric prefix; warns 1292 if anything was dropped. */
export function stringToDouble(s: string, warn: Warn): number {
  const m = numericPrefixRe.exec(s);
  if (m === null || m[0].length !== s.trimEnd().length) {
    warn(warning('truncatedWrongValue', `Truncated incorrect DOUBLE value: ${quoted(s)}`));
  }
  if (m === null) return 0;
  const x = Number(m[0]);
  if (!Number.isFinite(x)) return x > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
  return x;
}

/** MySQL's string → DECIMAL, with a 1292 warning when text is dropped. */
export function stringToDecimal(s: string, warn: Warn): Decimal {
  const m = numericPrefixRe.exec(s);
  if (m === null || m[0].length !== s.trimEnd().length) {
    warn(warning('truncatedWrongValue', `Truncated incorrect DECIMAL value: ${quoted(s)}`));
  }
  const d = m === null ? undefined : parseDecimal(m[0]);
  if (d === undefined) return { coef: 0n, scale: 0 };
  return d.scale > DECIMAL_SCALE_MAX ? rescale(d, DECIMAL_SCALE_MAX) : d;
}

/** MySQL's string → integer (CAST AS SIGNED): digits only, clipped, warned if anything lost. */
export function stringToInt(s: string, warn: Warn, unsigned: boolean): bigint {
  const m = intPrefixRe.exec(s);
  const bad = (): void => {
    warn(warning('truncatedWrongValue', `Truncated incorrect INTEGER value: ${quoted(s)}`));
  };
  if (m === null) {
    bad();
    return 0n;
  }
  if (m[0].length !== s.trimEnd().length) bad();
  let n = BigInt(m[0].trim());
  if (unsigned) {
    if (n > UINT64_MAX) {
      bad();
      n = UINT64_MAX;
    } else if (n < 0n) {
      n = n < INT64_MIN ? 1n << 63n : BigInt.asUintN(64, n);
    }
    return n;
  }
  if (n > INT64_MAX) {
    // MySQL reads values up to 2^64−1 and reinterprets them as signed.
    if (n <= UINT64_MAX) return BigInt.asIntN(64, n);
    bad();
    return INT64_MAX;
  }
  if (n < INT64_MIN) {
    bad();
    return INT64_MIN;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Numbers from anything

function temporalDigits(p: DateTimeParts, withTime: boolean): bigint {
  const date = BigInt(p.year * 10000 + p.month * 100 + p.day);
  if (!withTime) return date;
  return date * 1_000_000n + BigInt(p.hour * 10000 + p.minute * 100 + p.second);
}

function bytesToUint(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return BigInt.asUintN(64, n);
}

/**
 * The number a value is in an arithmetic context: strings (and non-literal binary, JSON) as
 * DOUBLE, temporal values as their YYYYMMDD[HHMMSS] digits (DECIMAL with a fraction), hex
 * literals as unsigned, YEAR as an integer.
 */
export function toNumeric(v: SqlValue, warn: Warn): NumericValue | null {
  if (v === null) return null;
  switch (v.kind) {
    case 'int':
    case 'uint':
    case 'decimal':
    case 'double':
      return v;
    case 'string':
      return double(stringToDouble(v.v, warn));
    case 'binary':
      return v.hex === true
        ? uint(bytesToUint(v.v))
        : double(stringToDouble(decodeUtf8(v.v), warn));
    case 'year':
      return int(v.v);
    case 'date':
      return int(temporalDigits(v.v, false));
    case 'datetime':
    case 'timestamp': {
      const whole = temporalDigits(v.v, true);
      if (v.fsp === 0) return int(whole);
      return decimal(withFraction(whole, v.v.micro, v.fsp));
    }
    case 'time': {
      const neg = v.v < 0;
      const { hour, minute, second, micro } = splitTimeOfDay(Math.abs(v.v));
      const whole = BigInt(hour * 10000 + minute * 100 + second);
      if (v.fsp === 0) return int(neg ? -whole : whole);
      const d = withFraction(whole, micro, v.fsp);
      return decimal(neg ? { coef: -d.coef, scale: d.scale } : d);
    }
    case 'json': {
      const j = v.v;
      if (typeof j === 'number') return double(j);
      if (typeof j === 'boolean') return int(j ? 1 : 0);
      if (typeof j === 'string') return double(stringToDouble(j, warn));
      return double(0);
    }
  }
}

function withFraction(whole: bigint, micro: number, fsp: number): Decimal {
  const frac = BigInt(Math.floor(micro / 10 ** (6 - fsp)));
  return { coef: whole * 10n ** BigInt(fsp) + frac, scale: fsp };
}

export function numericToDouble(n: NumericValue): number {
  switch (n.kind) {
    case 'int':
    case 'uint':
      return Number(n.v);
    case 'decimal':
      return decimalToNumber(n.v);
    case 'double':
      return n.v;
  }
}

export function toDouble(v: SqlValue, warn: Warn): number | null {
  const n = toNumeric(v, warn);
  return n === null ? null : numericToDouble(n);
}

export function numericToDecimal(n: NumericValue): Decimal {
  switch (n.kind) {
    case 'int':
    case 'uint':
      return { coef: n.v, scale: 0 };
    case 'decimal':
      return n.v;
    case 'double':
      return decimalFromNumber(n.v);
  }
}

export function toDecimal(v: SqlValue, warn: Warn): Decimal | null {
  if (v === null) return null;
  if (v.kind === 'string') return stringToDecimal(v.v, warn);
  const n = toNumeric(v, warn);
  return n === null ? null : numericToDecimal(n);
}

/** Round half to even, as C's rint() does under the default rounding mode. */
export function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * A value as a signed 64-bit integer (val_int): strings by their integer prefix, decimals
 * rounded half away from zero, doubles by rint, unsigned reinterpreted; out of range clipped
 * with a warning.
 */
export function toInt(v: SqlValue, warn: Warn): bigint | null {
  if (v === null) return null;
  if (v.kind === 'string') return stringToInt(v.v, warn, false);
  if (v.kind === 'binary' && v.hex !== true) return stringToInt(decodeUtf8(v.v), warn, false);
  const n = toNumeric(v, warn);
  if (n === null) return null;
  switch (n.kind) {
    case 'int':
      return n.v;
    case 'uint':
      return BigInt.asIntN(64, n.v);
    case 'decimal':
      return clipInt(
        decimalTrunc(rescale(n.v, 0)),
        () => decimalToString(n.v),
        warn,
        INT64_MIN,
        INT64_MAX,
      );
    case 'double':
      return doubleToInt(n.v, warn, INT64_MIN, INT64_MAX);
  }
}

/** A value as an unsigned 64-bit integer (CAST AS UNSIGNED): negative integers wrap. */
export function toUint(v: SqlValue, warn: Warn): bigint | null {
  if (v === null) return null;
  if (v.kind === 'string') return stringToInt(v.v, warn, true);
  if (v.kind === 'binary' && v.hex !== true) return stringToInt(decodeUtf8(v.v), warn, true);
  const n = toNumeric(v, warn);
  if (n === null) return null;
  switch (n.kind) {
    case 'int':
      return BigInt.asUintN(64, n.v);
    case 'uint':
      return n.v;
    case 'decimal':
      return clipInt(
        decimalTrunc(rescale(n.v, 0)),
        () => decimalToString(n.v),
        warn,
        0n,
        UINT64_MAX,
      );
    case 'double':
      return doubleToInt(n.v, warn, 0n, UINT64_MAX);
  }
}

function clipInt(n: bigint, text: () => string, warn: Warn, min: bigint, max: bigint): bigint {
  if (n >= min && n <= max) return n;
  warn(warning('truncatedWrongValue', `Truncated incorrect INTEGER value: '${text()}'`));
  return n < min ? min : max;
}

function doubleToInt(x: number, warn: Warn, min: bigint, max: bigint): bigint {
  const r = rint(x);
  if (r >= Number(min) && r < Number(max)) return BigInt(r);
  return clipInt(r < 0 ? min - 1n : max + 1n, () => formatDouble(x), warn, min, max);
}

/** Truth value of a condition: non-zero is true (strings by their numeric prefix). */
export function toBool(v: SqlValue, warn: Warn): boolean | null {
  if (v === null) return null;
  switch (v.kind) {
    case 'int':
    case 'uint':
      return v.v !== 0n;
    case 'decimal':
      return v.v.coef !== 0n;
    case 'double':
      return v.v !== 0;
    case 'string':
    case 'binary':
    case 'date':
    case 'datetime':
    case 'timestamp':
    case 'time':
    case 'year':
    case 'json': {
      const n = toNumeric(v, warn);
      return n === null ? null : numericToDouble(n) !== 0;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Temporal

/** A warning for text that is not a valid date/time of the named kind. */
export function badDateTime(text: string, kind = 'datetime'): EvalWarning {
  return warning('truncatedWrongValue', `Incorrect ${kind} value: '${text}'`);
}

/**
 * A value as a DATETIME (date, datetime, timestamp; strings and numbers parsed; TIME on
 * `today`). Invalid → null with warning 1292.
 */
export function toDateTime(
  v: SqlValue,
  warn: Warn,
  today: DateTimeParts,
  fuzzy = false,
): ParsedDateTime | null {
  if (v === null) return null;
  switch (v.kind) {
    case 'date':
      return { parts: v.v, fsp: 0, dateOnly: true };
    case 'datetime':
    case 'timestamp':
      return { parts: v.v, fsp: v.fsp, dateOnly: false };
    case 'time': {
      const total = timeOfDayParts(today, v.v);
      return { parts: total, fsp: v.fsp, dateOnly: false };
    }
    case 'int':
    case 'uint': {
      const r = dateTimeFromNumber(v.v);
      if (r === undefined) warn(badDateTime(v.v.toString()));
      return r ?? null;
    }
    case 'decimal':
    case 'double': {
      const d = v.kind === 'decimal' ? v.v : decimalFromNumber(v.v, 6);
      const whole = decimalTrunc(d);
      const frac = rescale({ coef: d.coef - whole * 10n ** BigInt(d.scale), scale: d.scale }, 6);
      const r = dateTimeFromNumber(whole, Number(frac.coef));
      if (r === undefined) warn(badDateTime(toText(v) ?? ''));
      return r ?? null;
    }
    case 'year':
      warn(badDateTime(formatYear(v.v)));
      return null;
    case 'string':
    case 'binary':
    case 'json': {
      const text = toText(v) ?? '';
      const r = parseDateTime(text, fuzzy);
      if (r === undefined) warn(badDateTime(text));
      return r ?? null;
    }
  }
}

function timeOfDayParts(today: DateTimeParts, micros: number): DateTimeParts {
  // TIME in datetime context: today's date plus the (possibly > 24h or negative) time.
  const base = { ...today, hour: 0, minute: 0, second: 0, micro: 0 };
  const dayMicros = 86_400_000_000;
  const days = Math.floor(micros / dayMicros);
  const rest = splitTimeOfDay(micros - days * dayMicros);
  return shiftDays({ ...base, ...rest }, days);
}

function shiftDays(p: DateTimeParts, days: number): DateTimeParts {
  return days === 0 ? p : addDaysParts(p, days);
}

export function addDaysParts(p: DateTimeParts, days: number): DateTimeParts {
  const { year, month, day } = fromDayNumber(dayNumber(p.year, p.month, p.day) + days);
  return { ...p, year, month, day };
}

/** A value as a TIME in microseconds. Invalid → null with warning 1292. */
export function toTime(v: SqlValue, warn: Warn): { micros: number; fsp: number } | null {
  if (v === null) return null;
  switch (v.kind) {
    case 'time':
      return { micros: v.v, fsp: v.fsp };
    case 'datetime':
    case 'timestamp':
      return { micros: timeOfDayMicros(v.v), fsp: v.fsp };
    case 'date':
      return { micros: 0, fsp: 0 };
    case 'int':
    case 'uint':
    case 'decimal':
    case 'double': {
      const text = toText(v) ?? '';
      const r = parseTime(text);
      if (r === undefined) warn(badDateTime(text, 'time'));
      return r === undefined ? null : { micros: clipTime(r.micros), fsp: r.fsp };
    }
    case 'string':
    case 'binary':
    case 'json':
    case 'year': {
      const text = toText(v) ?? '';
      const r = parseTime(text);
      if (r === undefined) warn(badDateTime(text, 'time'));
      return r ?? null;
    }
  }
}
