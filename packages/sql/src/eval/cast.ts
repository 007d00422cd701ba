// CAST(x AS type) / CONVERT(x, type): explicit conversions with MySQL's warnings.

import type { CastType } from '../ast.js';
import { charsetCollation } from './charset.js';
import { today } from './clock.js';
import type { EvalContext } from './context.js';
import {
  DECIMAL_PRECISION_MAX,
  DECIMAL_SCALE_MAX,
  decimalMax,
  fitsPrecision,
  rescale,
} from './decimal.js';
import {
  codePoints,
  decodeUtf8,
  encodeUtf8,
  numericToDouble,
  toBytes,
  toDateTime,
  toDecimal,
  toInt,
  toNumeric,
  toText,
  toTime,
  toUint,
} from './convert.js';
import { SqlEvalError, warning } from './errors.js';
import { normalizeJson, parseJson } from './json.js';
import { type DateTimeParts, clipTime, fromMicros, toMicros } from './temporal.js';
import {
  type SqlValue,
  Coercibility,
  binary,
  date,
  decimal,
  double,
  int,
  json,
  isNumeric,
  str,
  time,
  uint,
} from './value.js';

/** Rounds fractional seconds to `fsp` digits (MySQL rounds, carrying into the seconds). */
export function roundMicros(micro: number, fsp: number): number {
  const unit = 10 ** (6 - fsp);
  return Math.round(micro / unit) * unit;
}

export function roundDateTime(p: DateTimeParts, fsp: number): DateTimeParts {
  const micro = roundMicros(p.micro, fsp);
  if (micro === p.micro) return p;
  return fromMicros(toMicros(p) - BigInt(p.micro) + BigInt(micro));
}

function checkFsp(fsp: number | undefined, what: string): number {
  const f = fsp ?? 0;
  if (f > 6) {
    throw new SqlEvalError(
      'tooBigPrecision',
      `Too big precision ${f} specified for '${what}'. Maximum is 6.`,
    );
  }
  return f;
}

export function castValue(
  v: SqlValue,
  type: CastType,
  ctx: EvalContext,
  text: () => string,
): SqlValue {
  const warn = ctx.warn.bind(ctx);
  switch (type.name) {
    case 'SIGNED': {
      const n = toInt(v, warn);
      return n === null ? null : int(n);
    }
    case 'UNSIGNED': {
      const n = toUint(v, warn);
      return n === null ? null : uint(n);
    }
    case 'DECIMAL': {
      const precision = type.length ?? 10;
      const scale = type.scale ?? 0;
      if (precision > DECIMAL_PRECISION_MAX) {
        throw new SqlEvalError(
          'tooBigPrecision',
          `Too big precision ${precision} specified for '${text()}'. Maximum is 65.`,
        );
      }
      if (scale > DECIMAL_SCALE_MAX) {
        throw new SqlEvalError(
          'tooBigScale',
          `Too big scale ${scale} specified for '${text()}'. Maximum is 30.`,
        );
      }
      if (scale > precision) {
        throw new SqlEvalError(
          'mBiggerThanD',
          `For float(M,D), double(M,D) or decimal(M,D), M must be >= D (column '${text()}').`,
        );
      }
      const d = toDecimal(v, warn);
      if (d === null) return null;
      if (!fitsPrecision(d, precision, scale)) {
        warn(warning('warnDataOutOfRange', `Out of range value for column '${text()}' at row 1`));
        return decimal(decimalMax(precision, scale, d.coef < 0n));
      }
      return decimal(rescale(d, scale));
    }
    case 'DOUBLE':
    case 'FLOAT':
    case 'REAL': {
      const n = toNumeric(v, warn);
      if (n === null) return null;
      const x = numericToDouble(n);
      return double(type.name === 'FLOAT' && (type.length ?? 0) <= 24 ? Math.fround(x) : x);
    }
    case 'CHAR': {
      const s = toText(v);
      if (s === null) return null;
      const collation = type.charset === undefined ? ctx.collation : charsetCollation(type.charset);
      let out = s;
      if (type.length !== undefined && codePoints(s).length > type.length) {
        out = codePoints(s).slice(0, type.length).join('');
        warn(
          warning('truncatedWrongValue', `Truncated incorrect CHAR(${type.length}) value: '${s}'`),
        );
      }
      if (collation.name === 'binary') return binary(encodeUtf8(out));
      return str(out, collation, Coercibility.implicit);
    }
    case 'BINARY': {
      const b = toBytes(v);
      if (b === null) return null;
      if (type.length === undefined) return binary(b);
      if (b.length > type.length) {
        warn(
          warning(
            'truncatedWrongValue',
            `Truncated incorrect BINARY(${type.length}) value: '${decodeUtf8(b)}'`,
          ),
        );
        return binary(b.slice(0, type.length));
      }
      const padded = new Uint8Array(type.length);
      padded.set(b);
      return binary(padded);
    }
    case 'DATE': {
      const d = toDateTime(v, warn, today(ctx));
      return d === null ? null : date(d.parts);
    }
    case 'DATETIME': {
      const fsp = checkFsp(type.length, text());
      const d = toDateTime(v, warn, today(ctx));
      return d === null ? null : { kind: 'datetime', v: roundDateTime(d.parts, fsp), fsp };
    }
    case 'TIME': {
      const fsp = checkFsp(type.length, text());
      const t = toTime(v, warn);
      if (t === null) return null;
      const sign = t.micros < 0 ? -1 : 1;
      const abs = Math.abs(t.micros);
      const rounded = abs - (abs % 1_000_000) + roundMicros(abs % 1_000_000, fsp);
      return time(clipTime(sign * rounded), fsp);
    }
    case 'YEAR':
      return castYear(v, ctx);
    case 'JSON':
      return castJson(v);
    default:
      throw new SqlEvalError(
        'notSupported',
        `This version of MySQL doesn't yet support 'CAST AS ${type.name}'`,
      );
  }
}

function castYear(v: SqlValue, ctx: EvalContext): SqlValue {
  if (v === null) return null;
  if (v.kind === 'year') return v;
  if (v.kind === 'date' || v.kind === 'datetime' || v.kind === 'timestamp')
    return { kind: 'year', v: v.v.year };
  const n = toInt(v, ctx.warn.bind(ctx));
  if (n === null) return null;
  let y = Number(n);
  if (v.kind === 'string' && y === 0 && !/^\s*0+\s*$/.test(v.v)) y = 2000;
  else if (y >= 1 && y <= 69) y += 2000;
  else if (y >= 70 && y <= 99) y += 1900;
  if (y !== 0 && (y < 1901 || y > 2155)) {
    ctx.warn(
      warning('truncatedWrongValue', `Truncated incorrect YEAR value: '${toText(v) ?? ''}'`),
    );
    return null;
  }
  return { kind: 'year', v: y };
}

function castJson(v: SqlValue): SqlValue {
  if (v === null) return json(null);
  if (v.kind === 'json') return v;
  if (v.kind === 'string') return json(parseJson(v.v, 'cast_as_json', 1));
  if (isNumeric(v)) return json(normalizeJson(numericToDouble(v)));
  return json(toText(v));
}
