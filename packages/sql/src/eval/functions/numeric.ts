// Numeric functions. Exact inputs (integers, DECIMAL) give exact results and round half away
// from zero; DOUBLE inputs (and strings, which are read as DOUBLE) round half to even, as
// MySQL's rint-based rounding does.

import { formatExpr } from '../../format.js';
import { arithmetic } from '../arith.js';
import type { EvalContext } from '../context.js';
import {
  type Decimal,
  decimalCeil,
  decimalFloor,
  pow10,
  rescale,
  truncateDecimal,
} from '../decimal.js';
import { numericToDouble, rint, toInt, toNumeric, toText, toUint } from '../convert.js';
import { outOfRange, warning } from '../errors.js';
import {
  type NumericValue,
  type SqlValue,
  Coercibility,
  INT64_MAX,
  INT64_MIN,
  decimal,
  double,
  int,
  str,
} from '../value.js';
import { type FunctionTable, fn, strict } from './registry.js';

function numeric(v: SqlValue, ctx: EvalContext): NumericValue | null {
  return toNumeric(v, ctx.warn.bind(ctx));
}

/** A DOUBLE function of one argument; NaN/∞ results are NULL (MySQL: SQRT(-1) is NULL). */
function real1(f: (x: number) => number): FunctionTable[string] {
  return fn(1, 1, (args, ctx) => {
    const n = numeric(args.value(0), ctx);
    if (n === null) return null;
    const r = f(numericToDouble(n));
    return Number.isFinite(r) ? double(r) : null;
  });
}

function intOrDecimal(n: bigint): NumericValue {
  return n >= INT64_MIN && n <= INT64_MAX ? int(n) : decimal({ coef: n, scale: 0 });
}

function log(ctx: EvalContext, x: number, f: (x: number) => number): SqlValue {
  if (x <= 0) {
    ctx.warn(warning('invalidLogArgument', 'Invalid argument for logarithm'));
    return null;
  }
  return double(f(x));
}

/** Rounds an integer to 10^-d (d < 0): ROUND(1234, -2) = 1200. */
function roundInt(v: bigint, d: number, truncate: boolean): bigint {
  if (d >= 0) return v;
  if (-d > 20) return 0n;
  const unit = pow10(-d);
  const r = v % unit;
  let q = v - r;
  if (!truncate && (r < 0n ? -r : r) * 2n >= unit) q += r < 0n ? -unit : unit;
  return q;
}

function roundDecimal(v: Decimal, d: number, truncate: boolean): Decimal {
  if (d >= 0) {
    const scale = Math.min(d, 30);
    return truncate ? truncateDecimal(v, scale) : rescale(v, scale);
  }
  // v / 10^k rounded to an integer, times 10^k (k = −d): ROUND(1250.5, -2) = 1300.
  const k = -d;
  const shifted = { coef: v.coef, scale: v.scale + k };
  const q = truncate ? truncateDecimal(shifted, 0) : rescale(shifted, 0);
  return { coef: q.coef * pow10(k), scale: 0 };
}

function roundDouble(x: number, d: number, truncate: boolean): number {
  const f = 10 ** Math.abs(d);
  const scaled = d >= 0 ? x * f : x / f;
  if (!Number.isFinite(scaled)) return x;
  const r = truncate ? Math.trunc(scaled) : rint(scaled);
  return d >= 0 ? r / f : r * f;
}

function rounding(truncate: boolean): FunctionTable[string] {
  return fn(truncate ? 2 : 1, 2, (args, ctx) => {
    const n = numeric(args.value(0), ctx);
    const dv = args.count > 1 ? toInt(args.value(1), ctx.warn.bind(ctx)) : 0n;
    if (n === null || dv === null) return null;
    const d = Number(dv < -100n ? -100n : dv > 100n ? 100n : dv);
    switch (n.kind) {
      case 'int':
        return int(roundInt(n.v, d, truncate));
      case 'uint':
        return { kind: 'uint', v: roundInt(n.v, d, truncate) };
      case 'decimal':
        return decimal(roundDecimal(n.v, d, truncate));
      case 'double':
        return double(roundDouble(n.v, d, truncate));
    }
  });
}

/** MySQL's my_rnd for RAND(seed): a deterministic sequence per seed. */
function seededRand(seed: bigint): number {
  const max = 0x3fffffff;
  let seed1 = Number(BigInt.asUintN(32, seed * 0x10001n + 55555555n)) % max;
  const seed2 = Number(BigInt.asUintN(32, seed * 0x10000001n)) % max;
  seed1 = (seed1 * 3 + seed2) % max;
  return seed1 / max;
}

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function conv(text: string, from: number, to: number): string | null {
  const fromBase = Math.abs(from);
  const toBase = Math.abs(to);
  if (fromBase < 2 || fromBase > 36 || toBase < 2 || toBase > 36) return null;
  let s = text.trim().toUpperCase();
  let negative = false;
  if (s.startsWith('-')) {
    negative = true;
    s = s.slice(1);
  }
  let n = 0n;
  for (const c of s) {
    const d = DIGITS.indexOf(c);
    if (d < 0 || d >= fromBase) break;
    n = n * BigInt(fromBase) + BigInt(d);
    if (n >= 1n << 64n) {
      n = (1n << 64n) - 1n;
      break;
    }
  }
  if (negative) n = BigInt.asUintN(64, -n);
  let signed = false;
  if (to < 0 && n >= 1n << 63n) {
    n = (1n << 64n) - n;
    signed = true;
  }
  return (signed ? '-' : '') + n.toString(toBase).toUpperCase();
}

export const numericFunctions: FunctionTable = {
  ABS: fn(1, 1, (args, ctx) => {
    const n = numeric(args.value(0), ctx);
    if (n === null) return null;
    switch (n.kind) {
      case 'int':
        if (n.v === INT64_MIN) throw outOfRange('BIGINT', `abs(${formatExpr(args.expr(0))})`);
        return int(n.v < 0n ? -n.v : n.v);
      case 'uint':
        return n;
      case 'decimal':
        return decimal({ coef: n.v.coef < 0n ? -n.v.coef : n.v.coef, scale: n.v.scale });
      case 'double':
        return double(Math.abs(n.v));
    }
  }),
  SIGN: fn(1, 1, (args, ctx) => {
    const n = numeric(args.value(0), ctx);
    if (n === null) return null;
    const x =
      n.kind === 'decimal' ? Number(n.v.coef > 0n) - Number(n.v.coef < 0n) : numericToDouble(n);
    return int(x > 0 ? 1 : x < 0 ? -1 : 0);
  }),
  CEIL: fn(1, 1, (args, ctx) => ceilFloor(numeric(args.value(0), ctx), true)),
  CEILING: fn(1, 1, (args, ctx) => ceilFloor(numeric(args.value(0), ctx), true)),
  FLOOR: fn(1, 1, (args, ctx) => ceilFloor(numeric(args.value(0), ctx), false)),
  ROUND: rounding(false),
  TRUNCATE: rounding(true),
  MOD: fn(2, 2, (args, ctx) => {
    const warn = ctx.warn.bind(ctx);
    const a = toNumeric(args.value(0), warn);
    const b = toNumeric(args.value(1), warn);
    if (a === null || b === null) return null;
    return arithmetic(
      '%',
      a,
      b,
      warn,
      () => `(${formatExpr(args.expr(0))} % ${formatExpr(args.expr(1))})`,
    );
  }),
  POW: fn(2, 2, (args, ctx) =>
    power(
      args.value(0),
      args.value(1),
      ctx,
      () => `pow(${formatExpr(args.expr(0))},${formatExpr(args.expr(1))})`,
    ),
  ),
  POWER: fn(2, 2, (args, ctx) =>
    power(
      args.value(0),
      args.value(1),
      ctx,
      () => `pow(${formatExpr(args.expr(0))},${formatExpr(args.expr(1))})`,
    ),
  ),
  SQRT: real1((x) => (x < 0 ? NaN : Math.sqrt(x))),
  EXP: fn(1, 1, (args, ctx) => {
    const n = numeric(args.value(0), ctx);
    if (n === null) return null;
    const r = Math.exp(numericToDouble(n));
    if (!Number.isFinite(r)) throw outOfRange('DOUBLE', `exp(${formatExpr(args.expr(0))})`);
    return double(r);
  }),
  LN: fn(1, 1, (args, ctx) => {
    const n = numeric(args.value(0), ctx);
    return n === null ? null : log(ctx, numericToDouble(n), Math.log);
  }),
  LOG: fn(1, 2, (args, ctx) => {
    const a = numeric(args.value(0), ctx);
    if (args.count === 1) return a === null ? null : log(ctx, numericToDouble(a), Math.log);
    const b = numeric(args.value(1), ctx);
    if (a === null || b === null) return null;
    const base = numericToDouble(a);
    if (base <= 0 || base === 1) {
      ctx.warn(warning('invalidLogArgument', 'Invalid argument for logarithm'));
      return null;
    }
    return log(ctx, numericToDouble(b), (x) => Math.log(x) / Math.log(base));
  }),
  LOG2: fn(1, 1, (args, ctx) => {
    const n = numeric(args.value(0), ctx);
    return n === null ? null : log(ctx, numericToDouble(n), Math.log2);
  }),
  LOG10: fn(1, 1, (args, ctx) => {
    const n = numeric(args.value(0), ctx);
    return n === null ? null : log(ctx, numericToDouble(n), Math.log10);
  }),
  PI: fn(0, 0, () => double(Math.PI)),
  SIN: real1(Math.sin),
  COS: real1(Math.cos),
  TAN: real1(Math.tan),
  ASIN: real1(Math.asin),
  ACOS: real1(Math.acos),
  ATAN: fn(1, 2, (args, ctx) => {
    const a = numeric(args.value(0), ctx);
    if (args.count === 1) return a === null ? null : double(Math.atan(numericToDouble(a)));
    const b = numeric(args.value(1), ctx);
    return a === null || b === null
      ? null
      : double(Math.atan2(numericToDouble(a), numericToDouble(b)));
  }),
  ATAN2: fn(2, 2, (args, ctx) => {
    const a = numeric(args.value(0), ctx);
    const b = numeric(args.value(1), ctx);
    return a === null || b === null
      ? null
      : double(Math.atan2(numericToDouble(a), numericToDouble(b)));
  }),
  COT: real1((x) => 1 / Math.tan(x)),
  DEGREES: real1((x) => (x * 180) / Math.PI),
  RADIANS: real1((x) => (x * Math.PI) / 180),
  RAND: fn(0, 1, (args, ctx) => {
    if (args.count === 0) return double(ctx.random());
    const seed = toInt(args.value(0), ctx.warn.bind(ctx));
    return double(seededRand(seed ?? 0n));
  }),
  CONV: strict(3, 3, (values, ctx) => {
    const warn = ctx.warn.bind(ctx);
    const [n, from, to] = values;
    const f = toInt(from ?? null, warn);
    const t = toInt(to ?? null, warn);
    if (n === undefined || f === null || t === null) return null;
    const text =
      n.kind === 'binary' && n.hex === true
        ? (toUint(n, warn)?.toString() ?? '0')
        : (toText(n) ?? '');
    const fromBase = n.kind === 'binary' && n.hex === true ? 10 : Number(f);
    const r = conv(text, fromBase, Number(t));
    return r === null ? null : str(r, ctx.collation, Coercibility.numeric);
  }),
  BIT_COUNT: fn(1, 1, (args, ctx) => {
    const n = toInt(args.value(0), ctx.warn.bind(ctx));
    if (n === null) return null;
    let x = BigInt.asUintN(64, n);
    let count = 0;
    while (x > 0n) {
      count += Number(x & 1n);
      x >>= 1n;
    }
    return int(count);
  }),
};

function ceilFloor(n: NumericValue | null, ceil: boolean): SqlValue {
  if (n === null) return null;
  switch (n.kind) {
    case 'int':
    case 'uint':
      return n;
    case 'decimal':
      return intOrDecimal(ceil ? decimalCeil(n.v) : decimalFloor(n.v));
    case 'double':
      return double(ceil ? Math.ceil(n.v) : Math.floor(n.v));
  }
}

function power(a: SqlValue, b: SqlValue, ctx: EvalContext, text: () => string): SqlValue {
  const x = numeric(a, ctx);
  const y = numeric(b, ctx);
  if (x === null || y === null) return null;
  const r = numericToDouble(x) ** numericToDouble(y);
  if (Number.isNaN(r)) return null;
  if (!Number.isFinite(r)) throw outOfRange('DOUBLE', text());
  return double(r);
}
