// Arithmetic with MySQL's result types:
//
//   a ⊕ b      either DOUBLE (or a string) → DOUBLE; either DECIMAL → DECIMAL;
//              both integers → BIGINT, UNSIGNED if either is; out of range → 1690
//   a / b      DOUBLE if either is, else DECIMAL with scale(a) + div_precision_increment
//   a DIV b    BIGINT (UNSIGNED if either is), computed exactly and truncated
//   a % b      the sign of a; integer, DECIMAL (scale max) or DOUBLE (fmod)
//   x / 0, x DIV 0, x % 0   → NULL with warning 1365
//
// Operands arrive already converted by `toNumeric`.

import {
  type Decimal,
  DECIMAL_PRECISION_MAX,
  DECIMAL_SCALE_MAX,
  DIV_PRECISION_INCREMENT,
  decimalAdd,
  decimalDiv,
  decimalIsZero,
  decimalMod,
  decimalMul,
  decimalPrecision,
  decimalSub,
  rescale,
} from './decimal.js';
import { type Warn, numericToDecimal, numericToDouble } from './convert.js';
import { outOfRange, warning } from './errors.js';
import {
  type NumericValue,
  type SqlValue,
  INT64_MAX,
  INT64_MIN,
  UINT64_MAX,
  decimal,
  double,
  int,
  uint,
} from './value.js';

export type ArithOp = '+' | '-' | '*' | '/' | 'DIV' | '%';

/** The SQL text of the expression, for 1690 messages (computed only on error). */
export type ExprText = () => string;

function checkDouble(x: number, text: ExprText): NumericValue {
  if (!Number.isFinite(x)) throw outOfRange('DOUBLE', text());
  return double(x === 0 ? 0 : x);
}

function checkDecimal(d: Decimal, text: ExprText): NumericValue {
  if (decimalPrecision(d) > DECIMAL_PRECISION_MAX) {
    throw outOfRange('DECIMAL', text());
  }
  return decimal(d);
}

function checkInt(n: bigint, unsigned: boolean, text: ExprText): NumericValue {
  if (unsigned) {
    if (n < 0n || n > UINT64_MAX) throw outOfRange('BIGINT UNSIGNED', text());
    return uint(n);
  }
  if (n < INT64_MIN || n > INT64_MAX) throw outOfRange('BIGINT', text());
  return int(n);
}

function divisionByZero(warn: Warn): null {
  warn(warning('divisionByZero', 'Division by 0'));
  return null;
}

export function arithmetic(
  op: ArithOp,
  a: NumericValue,
  b: NumericValue,
  warn: Warn,
  text: ExprText,
): SqlValue {
  const anyDouble = a.kind === 'double' || b.kind === 'double';
  const anyDecimal = a.kind === 'decimal' || b.kind === 'decimal';
  const unsigned = a.kind === 'uint' || b.kind === 'uint';
  switch (op) {
    case '+':
    case '-':
    case '*': {
      if (anyDouble) {
        const x = numericToDouble(a);
        const y = numericToDouble(b);
        return checkDouble(op === '+' ? x + y : op === '-' ? x - y : x * y, text);
      }
      if (anyDecimal) {
        const x = numericToDecimal(a);
        const y = numericToDecimal(b);
        return checkDecimal(
          op === '+' ? decimalAdd(x, y) : op === '-' ? decimalSub(x, y) : decimalMul(x, y),
          text,
        );
      }
      const x = a.v;
      const y = b.v;
      return checkInt(op === '+' ? x + y : op === '-' ? x - y : x * y, unsigned, text);
    }
    case '/': {
      if (anyDouble) {
        const y = numericToDouble(b);
        if (y === 0) return divisionByZero(warn);
        return checkDouble(numericToDouble(a) / y, text);
      }
      const x = numericToDecimal(a);
      const y = numericToDecimal(b);
      if (decimalIsZero(y)) return divisionByZero(warn);
      const scale = Math.min(x.scale + DIV_PRECISION_INCREMENT, DECIMAL_SCALE_MAX);
      return checkDecimal(decimalDiv(x, y, scale), text);
    }
    case 'DIV': {
      if (anyDouble || anyDecimal) {
        const x = numericToDecimal(a);
        const y = numericToDecimal(b);
        if (decimalIsZero(y)) return divisionByZero(warn);
        const s = Math.max(x.scale, y.scale);
        const q = rescale(x, s).coef / rescale(y, s).coef;
        return checkInt(q, unsigned, text);
      }
      const y = b.v;
      if (y === 0n) return divisionByZero(warn);
      return checkInt(a.v / y, unsigned, text);
    }
    case '%': {
      if (anyDouble) {
        const y = numericToDouble(b);
        if (y === 0) return divisionByZero(warn);
        return double(numericToDouble(a) % y);
      }
      if (anyDecimal) {
        const y = numericToDecimal(b);
        if (decimalIsZero(y)) return divisionByZero(warn);
        return decimal(decimalMod(numericToDecimal(a), y));
      }
      const y = b.v;
      if (y === 0n) return divisionByZero(warn);
      // MySQL: unsigned if the dividend is; the sign follows the dividend.
      const r = a.v % y;
      return a.kind === 'uint' ? uint(r < 0n ? -r : r) : int(r);
    }
  }
}

export function negate(a: NumericValue, text: ExprText): NumericValue {
  switch (a.kind) {
    case 'int':
      if (a.v === INT64_MIN) throw outOfRange('BIGINT', text());
      return int(-a.v);
    case 'uint':
      if (a.v > 1n << 63n) return decimal({ coef: -a.v, scale: 0 });
      return int(-a.v);
    case 'decimal':
      return decimal({ coef: -a.v.coef, scale: a.v.scale });
    case 'double':
      return double(a.v === 0 ? 0 : -a.v);
  }
}

export type BitOp = '|' | '&' | '^' | '<<' | '>>';

/** Bit operations on unsigned 64-bit integers (MySQL 8 integer semantics). */
export function bitwise(op: BitOp, x: bigint, y: bigint): bigint {
  switch (op) {
    case '|':
      return x | y;
    case '&':
      return x & y;
    case '^':
      return x ^ y;
    case '<<':
      return y >= 64n ? 0n : BigInt.asUintN(64, x << y);
    case '>>':
      return y >= 64n ? 0n : x >> y;
  }
}

export function bitNot(x: bigint): bigint {
  return BigInt.asUintN(64, ~x);
}
