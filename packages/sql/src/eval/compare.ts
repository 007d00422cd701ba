// Comparison with MySQL's implicit conversions ("Type Conversion in Expression Evaluation"):
//
//   both strings                 → by collation (coercibility decides which; bytes if binary)
//   both integers                → as integers (signed and unsigned mixed exactly)
//   temporal vs temporal/string  → as datetimes (or times); a string that is no date → as text
//   decimal vs integer/decimal   → as decimals
//   JSON vs anything             → as JSON
//   anything else                → as doubles ('1abc' = 1, with warning 1292)
//
// NULL on either side gives NULL (the caller handles `<=>`).

import { type Collation, compareText } from '../encoding/key-codec.js';
import { today } from './clock.js';
import type { EvalContext } from './context.js';
import { decimalCompare } from './decimal.js';
import {
  type Warn,
  numericToDecimal,
  numericToDouble,
  toBytes,
  toDateTime,
  toNumeric,
  toText,
  toTime,
} from './convert.js';
import { SqlEvalError } from './errors.js';
import { type Json, compareJson, normalizeJson } from './json.js';
import { type DateTimeParts, toMicros } from './temporal.js';
import {
  type NonNullValue,
  type SqlValue,
  type StringValue,
  Coercibility,
  bool,
  isNumeric,
  isTemporal,
} from './value.js';

export interface CompareEnv {
  readonly warn: Warn;
  /** Today's date, for TIME compared with a DATETIME. */
  readonly today: DateTimeParts;
}

const COERCIBILITY_NAMES = [
  'EXPLICIT',
  'NONE',
  'IMPLICIT',
  'SYSCONST',
  'COERCIBLE',
  'NUMERIC',
  'IGNORABLE',
];

/**
 * The collation two strings are compared (or combined) under, by MySQL's coercibility rules;
 * 1267 "Illegal mix of collations" when neither wins.
 */
export function aggregateCollation(
  a: Pick<StringValue, 'collation' | 'coercibility'>,
  b: Pick<StringValue, 'collation' | 'coercibility'>,
  operation: string,
): { collation: Collation; coercibility: Coercibility } {
  if (a.collation.name === b.collation.name) {
    return {
      collation: a.collation,
      coercibility: Math.min(a.coercibility, b.coercibility) as Coercibility,
    };
  }
  if (a.coercibility < b.coercibility) return a;
  if (b.coercibility < a.coercibility) return b;
  // Same coercibility: within one character set a _bin collation wins.
  if (a.collation.name.endsWith('_bin')) return a;
  if (b.collation.name.endsWith('_bin')) return b;
  if (a.coercibility >= Coercibility.sysconst) return a;
  throw new SqlEvalError(
    'illegalMixOfCollations',
    `Illegal mix of collations (${a.collation.name},${COERCIBILITY_NAMES[a.coercibility] ?? ''}) and (${b.collation.name},${COERCIBILITY_NAMES[b.coercibility] ?? ''}) for operation '${operation}'`,
  );
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Byte strings in unsigned lexicographic order (memcomparable keys sort this way). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return sign(a.length - b.length);
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isIntegral(v: NonNullValue): boolean {
  return v.kind === 'int' || v.kind === 'uint' || v.kind === 'year';
}

function isTextual(v: NonNullValue): boolean {
  return v.kind === 'string' || (v.kind === 'binary' && v.hex !== true);
}

/** Compares two values; null if either is NULL. `op` names the operator for error messages. */
export function compareValues(a: SqlValue, b: SqlValue, env: CompareEnv, op = '='): number | null {
  if (a === null || b === null) return null;
  // Strings (and binary strings) with each other.
  if (
    (a.kind === 'string' || a.kind === 'binary') &&
    (b.kind === 'string' || b.kind === 'binary')
  ) {
    if (a.kind === 'string' && b.kind === 'string') {
      const { collation } = aggregateCollation(a, b, op);
      return sign(compareText(a.v, b.v, collation));
    }
    return compareBytes(toBytes(a) ?? new Uint8Array(), toBytes(b) ?? new Uint8Array());
  }
  if (a.kind === 'json' || b.kind === 'json') return compareJson(asJson(a), asJson(b));
  if (isIntegral(a) && isIntegral(b)) {
    return compareBig(
      a.kind === 'year' ? BigInt(a.v) : (a.v as bigint),
      b.kind === 'year' ? BigInt(b.v) : (b.v as bigint),
    );
  }
  if (isTemporal(a) || isTemporal(b)) {
    const t = compareTemporal(a, b, env);
    if (t !== undefined) return t;
  }
  const x = toNumeric(a, env.warn);
  const y = toNumeric(b, env.warn);
  if (x === null || y === null) return null;
  if (x.kind !== 'double' && y.kind !== 'double') {
    return decimalCompare(numericToDecimal(x), numericToDecimal(y));
  }
  return sign(numericToDouble(x) - numericToDouble(y));
}

function asJson(v: NonNullValue): Json {
  if (v.kind === 'json') return v.v;
  if (isNumeric(v)) return numericToDouble(v);
  return normalizeJson(toText(v));
}

/** Temporal comparisons; undefined when the pair compares as numbers instead. */
function compareTemporal(a: NonNullValue, b: NonNullValue, env: CompareEnv): number | undefined {
  const ta = isTemporal(a);
  const tb = isTemporal(b);
  if (ta && tb && a.kind === 'time' && b.kind === 'time') return sign(a.v - b.v);
  const other = ta ? b : a;
  if (ta && tb) return compareAsDateTime(a, b, env);
  if (isTextual(other)) {
    const temporal = ta ? a : b;
    if (temporal.kind === 'time') {
      const t = toTime(other, noWarn);
      if (t === null) return undefined;
      const r = sign(temporal.v - t.micros);
      return ta ? r : -r;
    }
    const parsed = toDateTime(other, noWarn, env.today);
    if (parsed === null) return undefined; // not a date: compared as numbers
    return compareAsDateTime(a, b, env);
  }
  return undefined;
}

function noWarn(): void {
  // Conversions probed for comparison warn only when they are the final answer.
}

function compareAsDateTime(a: NonNullValue, b: NonNullValue, env: CompareEnv): number | undefined {
  const x = toDateTime(a, env.warn, env.today);
  const y = toDateTime(b, env.warn, env.today);
  if (x === null || y === null) return undefined;
  const d = toMicros(x.parts) - toMicros(y.parts);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/**
 * A total order over non-NULL values of one column, for ORDER BY, MIN/MAX and DISTINCT: NULL
 * first, then `compareValues`. Never warns.
 */
export function sortCompare(a: SqlValue, b: SqlValue, env: CompareEnv): number {
  if (a === null) return b === null ? 0 : -1;
  if (b === null) return 1;
  return compareValues(a, b, env) ?? 0;
}

export function compareEnv(ctx: EvalContext): CompareEnv {
  // One per context, made on first use: comparisons run per row, and an object with an accessor
  // is not cheap to make. It reads the context when used, so a context refilled in place (a
  // prepared statement's next run) is seen.
  let env = compareEnvs.get(ctx);
  if (env === undefined) {
    env = {
      warn: (w) => {
        ctx.warn(w);
      },
      get today() {
        return today(ctx);
      },
    };
    compareEnvs.set(ctx, env);
  }
  return env;
}

const compareEnvs = new WeakMap<EvalContext, CompareEnv>();

/** The truth of `a op b` for evaluated values. */
export function compareResult(op: string, a: SqlValue, b: SqlValue, ctx: EvalContext): SqlValue {
  if (op === '<=>') {
    if (a === null || b === null) return bool(a === null && b === null);
    return bool(compareValues(a, b, compareEnv(ctx), op) === 0);
  }
  const c = compareValues(a, b, compareEnv(ctx), op);
  if (c === null) return null;
  return bool(holds(op, c));
}

export function holds(op: string, c: number): boolean {
  switch (op) {
    case '=':
    case '<=>':
      return c === 0;
    case '<>':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    default:
      throw new Error(`not a comparison: ${op}`);
  }
}
