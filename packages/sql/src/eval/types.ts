// Result typing: the column metadata MySQL would send for an expression (type code, length,
// decimals, unsigned, charset, nullability), so the gateway's column definitions for a SELECT
// match MySQL's. The rules follow MySQL's type aggregation and the evaluator's behaviour:
// integer arithmetic is BIGINT, `/` and exact mixes are DECIMAL with MySQL's precision and
// scale, strings and DOUBLE mixes are DOUBLE, comparisons are BIGINT(1), and so on. Lengths
// are MySQL's column lengths in bytes (characters × 4 for utf8mb4); where MySQL's derivation is
// intricate (string function lengths) the estimate is an upper bound (see README).

import type { CastType, ColumnRef, Expr, FuncCall, Query } from '../ast.js';
import { type Collation, collationNamed, collations } from '../encoding/key-codec.js';
import { castValue } from './cast.js';
import { charsetCollation } from './charset.js';
import type { EvalContext } from './context.js';
import { toText } from './convert.js';
import {
  DECIMAL_PRECISION_MAX,
  DECIMAL_SCALE_MAX,
  DIV_PRECISION_INCREMENT,
  parseDecimal,
} from './decimal.js';
import { type SqlValue, Coercibility, str } from './value.js';

export type TypeFamily =
  | 'NULL'
  | 'LONGLONG'
  | 'NEWDECIMAL'
  | 'FLOAT'
  | 'DOUBLE'
  | 'VAR_STRING'
  | 'BLOB'
  | 'DATE'
  | 'DATETIME'
  | 'TIMESTAMP'
  | 'TIME'
  | 'YEAR'
  | 'JSON';

/** MySQL protocol type codes (enum_field_types). */
export const TYPE_CODES: Readonly<Record<TypeFamily, number>> = {
  NULL: 6,
  LONGLONG: 8,
  NEWDECIMAL: 246,
  FLOAT: 4,
  DOUBLE: 5,
  VAR_STRING: 253,
  BLOB: 252,
  DATE: 10,
  DATETIME: 12,
  TIMESTAMP: 7,
  TIME: 11,
  YEAR: 13,
  JSON: 245,
};

/** MySQL collation ids for the column definition's character set field. */
export const COLLATION_IDS: Readonly<Record<string, number>> = {
  utf8mb4_0900_ai_ci: 255,
  utf8mb4_0900_as_cs: 278,
  utf8mb4_0900_as_ci: 305,
  utf8mb4_general_ci: 45,
  utf8mb4_unicode_ci: 224,
  utf8mb4_bin: 46,
  utf8mb3_general_ci: 33,
  latin1_swedish_ci: 8,
  binary: 63,
};

export interface ResultType {
  readonly family: TypeFamily;
  readonly unsigned: boolean;
  /** Column length in bytes, as MySQL reports it. */
  readonly length: number;
  /** Scale (DECIMAL), fractional-second digits (temporal), 31 for DOUBLE, 0 otherwise. */
  readonly decimals: number;
  /** DECIMAL precision (digits), 0 otherwise. */
  readonly precision: number;
  /** The collation of a string result; `binary` for everything else. */
  readonly collation: Collation;
  readonly nullable: boolean;
  /**
   * LONGLONG read straight from an integer column narrower than BIGINT: its storage bytes, so
   * the wire describes it as MySQL does (TINY, SHORT, INT24, LONG). Any computation over it
   * makes a new type without this hint (a LONGLONG, as MySQL answers for expressions).
   */
  readonly intBytes?: 1 | 2 | 3 | 4;
}

/** MySQL's column flags for a result type (NOT_NULL 1, UNSIGNED 32, BINARY 128). */
export function columnFlags(t: ResultType): number {
  let flags = 0;
  if (!t.nullable) flags |= 1;
  if (t.unsigned) flags |= 32;
  if (t.collation.name === 'binary' && t.family !== 'NULL') flags |= 128;
  return flags;
}

const NOT_FIXED_DEC = 31;

function mbMax(c: Collation): number {
  if (c.name === 'binary' || c.name.startsWith('latin1')) return 1;
  return c.name.startsWith('utf8mb3') ? 3 : 4;
}

const BIN = collations.binary;

export function t(family: TypeFamily, o: Partial<Omit<ResultType, 'family'>> = {}): ResultType {
  return {
    family,
    unsigned: o.unsigned ?? false,
    length: o.length ?? 0,
    decimals: o.decimals ?? 0,
    precision: o.precision ?? 0,
    collation: o.collation ?? BIN,
    nullable: o.nullable ?? true,
  };
}

export const longlong = (length = 21, nullable = true, unsigned = false): ResultType =>
  t('LONGLONG', { length, nullable, unsigned });
export const doubleType = (nullable = true): ResultType =>
  t('DOUBLE', { length: 22, decimals: NOT_FIXED_DEC, nullable });
export function decimalType(precision: number, scale: number, nullable = true): ResultType {
  const p = Math.min(Math.max(precision, scale, 1), DECIMAL_PRECISION_MAX);
  const s = Math.min(scale, DECIMAL_SCALE_MAX);
  return t('NEWDECIMAL', { precision: p, decimals: s, length: p + (s > 0 ? 1 : 0) + 1, nullable });
}
export function varString(chars: number, collation: Collation, nullable = true): ResultType {
  return t('VAR_STRING', { length: chars * mbMax(collation), collation, nullable });
}
export function temporal(
  family: 'DATE' | 'DATETIME' | 'TIMESTAMP' | 'TIME',
  fsp = 0,
  nullable = true,
): ResultType {
  const base = family === 'DATE' ? 10 : family === 'TIME' ? 10 : 19;
  return t(family, { length: base + (fsp > 0 ? fsp + 1 : 0), decimals: fsp, nullable });
}

function chars(r: ResultType): number {
  return Math.ceil(r.length / mbMax(r.collation));
}

const isExact = (r: ResultType): boolean =>
  r.family === 'LONGLONG' || r.family === 'NEWDECIMAL' || r.family === 'YEAR';
const isTemporal = (r: ResultType): boolean =>
  r.family === 'DATE' || r.family === 'DATETIME' || r.family === 'TIMESTAMP' || r.family === 'TIME';
const isString = (r: ResultType): boolean => r.family === 'VAR_STRING' || r.family === 'BLOB';

/** Integer digits and scale of an exact (or temporal-as-number) operand. */
function digits(r: ResultType): { int: number; scale: number } {
  if (r.family === 'NEWDECIMAL') return { int: r.precision - r.decimals, scale: r.decimals };
  if (r.family === 'DATE') return { int: 8, scale: 0 };
  if (r.family === 'DATETIME' || r.family === 'TIMESTAMP') return { int: 14, scale: r.decimals };
  if (r.family === 'TIME') return { int: 7, scale: r.decimals };
  return { int: Math.max(1, r.length - (r.unsigned ? 0 : 1)), scale: 0 };
}

/** The numeric type an operand counts as in arithmetic. */
function asNumber(r: ResultType): 'int' | 'decimal' | 'double' {
  if (r.family === 'LONGLONG' || r.family === 'YEAR' || r.family === 'NULL') return 'int';
  if (r.family === 'NEWDECIMAL') return 'decimal';
  if (isTemporal(r)) return r.decimals > 0 ? 'decimal' : 'int';
  return 'double';
}

function arithmeticType(op: string, a: ResultType, b: ResultType): ResultType {
  const nullable = a.nullable || b.nullable || op === '/' || op === 'DIV' || op === '%';
  const ka = asNumber(a);
  const kb = asNumber(b);
  if (op === 'DIV') return longlong(21, nullable, a.unsigned || b.unsigned);
  if (ka === 'double' || kb === 'double') return doubleType(nullable);
  const da = digits(a);
  const db = digits(b);
  if (op === '/') {
    const scale = Math.min(da.scale + DIV_PRECISION_INCREMENT, DECIMAL_SCALE_MAX);
    return decimalType(da.int + db.scale + scale, scale, nullable);
  }
  if (ka === 'int' && kb === 'int') {
    const unsigned = a.unsigned || b.unsigned;
    return longlong(
      op === '*'
        ? Math.min(a.length + b.length, 21)
        : Math.min(Math.max(a.length, b.length) + 1, 21),
      nullable,
      unsigned,
    );
  }
  switch (op) {
    case '*':
      return decimalType(da.int + db.int + da.scale + db.scale, da.scale + db.scale, nullable);
    case '%': {
      const scale = Math.max(da.scale, db.scale);
      return decimalType(Math.max(da.int, db.int) + scale, scale, nullable);
    }
    default: {
      const scale = Math.max(da.scale, db.scale);
      return decimalType(Math.max(da.int, db.int) + 1 + scale, scale, nullable);
    }
  }
}

/** MySQL's type aggregation for IF / CASE / COALESCE / GREATEST / UNION columns. */
export function aggregateTypes(types: readonly ResultType[], nullable: boolean): ResultType {
  const known = types.filter((x) => x.family !== 'NULL');
  const first = known[0];
  if (first === undefined) return t('NULL', { nullable: true });
  if (known.every((x) => x.family === first.family && x.family !== 'NEWDECIMAL' && !isString(x))) {
    const length = Math.max(...known.map((x) => x.length));
    const decimals = Math.max(...known.map((x) => x.decimals));
    return { ...first, length, decimals, unsigned: known.every((x) => x.unsigned), nullable };
  }
  if (known.every(isTemporal)) {
    const fsp = Math.max(...known.map((x) => x.decimals));
    if (
      known.every((x) => x.family === 'DATE' || x.family === 'DATETIME' || x.family === 'TIMESTAMP')
    ) {
      return temporal('DATETIME', fsp, nullable);
    }
  }
  if (known.every((x) => isExact(x))) {
    const ds = known.map(digits);
    const scale = Math.max(...ds.map((d) => d.scale));
    const int = Math.max(...ds.map((d) => d.int));
    return decimalType(int + scale, scale, nullable);
  }
  if (known.every((x) => isExact(x) || x.family === 'DOUBLE' || x.family === 'FLOAT'))
    return doubleType(nullable);
  // Strings win; any binary string makes the result binary.
  const binary = known.some(
    (x) => x.collation.name === 'binary' && (isString(x) || x.family === 'JSON'),
  );
  const stringy = known.find((x) => isString(x) && x.collation.name !== 'binary');
  const collation = binary ? BIN : (stringy?.collation ?? collations.utf8mb4_0900_ai_ci);
  const maxChars = Math.max(...known.map((x) => (isString(x) ? chars(x) : x.length)));
  if (known.some((x) => x.family === 'BLOB' || x.family === 'JSON'))
    return t('BLOB', { length: 4294967295, collation, nullable });
  return varString(maxChars, collation, nullable);
}

export interface TypeEnv {
  /** The type of a column reference (the binder knows it). */
  readonly column: (ref: ColumnRef) => ResultType;
  /** The type of a parameter, if known (else VARCHAR). */
  readonly param?: (index: number) => ResultType | undefined;
  /** collation_connection. */
  readonly collation?: Collation;
  readonly groupConcatMaxLen?: number;
  /** The type of a scalar subquery's (first) column, if the planner knows it (else LONGBLOB). */
  readonly subquery?: (query: Query) => ResultType | undefined;
}

/** The result type of `expr`. */
export function inferType(expr: Expr, env: TypeEnv): ResultType {
  const collation = env.collation ?? collations.utf8mb4_0900_ai_ci;
  const of = (e: Expr): ResultType => inferType(e, env);
  const anyNull = (es: readonly Expr[]): boolean => es.some((e) => of(e).nullable);
  const bool = (es: readonly Expr[]): ResultType => longlong(1, anyNull(es));
  switch (expr.kind) {
    case 'number': {
      if (expr.numberType === 'float') return doubleType(false);
      const d = parseDecimal(expr.text);
      const text = expr.text.replace(/^[+-]/, '');
      if (expr.numberType === 'int' && d !== undefined) {
        if (d.coef >= -(1n << 63n) && d.coef < 1n << 63n) return longlong(expr.text.length, false);
        if (d.coef < 1n << 64n) return longlong(text.length, false, true);
      }
      const scale = d?.scale ?? 0;
      const precision = text.replace('.', '').replace(/^0+(?=\d)/, '').length;
      return decimalType(Math.max(precision, scale), scale, false);
    }
    case 'string': {
      const c =
        expr.charset === undefined || expr.charset === 'national'
          ? collation
          : charsetCollation(expr.charset);
      return varString(Array.from(expr.value).length, c, false);
    }
    case 'hex':
      return varString(Math.ceil(expr.digits.length / 2), BIN, false);
    case 'bit':
      return varString(Math.ceil(expr.digits.length / 8), BIN, false);
    case 'bool':
      return longlong(1, false);
    case 'null':
      return t('NULL', { nullable: true });
    case 'temporal': {
      const fsp = /\.(\d+)/.exec(expr.value)?.[1]?.length ?? 0;
      return expr.type === 'DATE'
        ? temporal('DATE', 0, false)
        : temporal(expr.type === 'TIME' ? 'TIME' : 'DATETIME', Math.min(fsp, 6), false);
    }
    case 'param':
      return env.param?.(expr.index) ?? varString(255, collation);
    case 'column':
      return env.column(expr);
    case 'userVar':
    case 'sysVar':
    case 'default':
      return t('BLOB', { length: 4294967295, collation, nullable: true });
    case 'subquery':
      return (
        env.subquery?.(expr.query) ?? t('BLOB', { length: 4294967295, collation, nullable: true })
      );
    case 'unary': {
      const a = of(expr.operand);
      switch (expr.op) {
        case '+':
          return a;
        case '-':
          return asNumber(a) === 'double'
            ? doubleType(a.nullable)
            : asNumber(a) === 'int'
              ? longlong(Math.min(a.length + 1, 21), a.nullable)
              : { ...a, unsigned: false };
        case '~':
          return longlong(21, a.nullable, true);
        case '!':
        case 'NOT':
          return longlong(1, a.nullable);
        case 'BINARY':
          return t('VAR_STRING', {
            length: isString(a) ? chars(a) : a.length,
            nullable: a.nullable,
          });
      }
      return a;
    }
    case 'binary': {
      const a = of(expr.left);
      const b = of(expr.right);
      switch (expr.op) {
        case 'AND':
        case 'OR':
        case 'XOR':
        case '=':
        case '<>':
        case '<':
        case '<=':
        case '>':
        case '>=':
          return longlong(1, a.nullable || b.nullable);
        case '<=>':
          return longlong(1, false);
        case '|':
        case '&':
        case '^':
        case '<<':
        case '>>':
          return longlong(21, a.nullable || b.nullable, true);
        case '->':
          return t('JSON', { length: 4294967295, nullable: true });
        case '->>':
          return t('BLOB', { length: 4294967295, collation, nullable: true });
        case '+':
        case '-':
          if (expr.right.kind === 'interval' || expr.left.kind === 'interval') {
            return intervalResult(
              expr.left.kind === 'interval' ? b : a,
              expr.right.kind === 'interval'
                ? expr.right.unit
                : expr.left.kind === 'interval'
                  ? expr.left.unit
                  : 'DAY',
            );
          }
          return arithmeticType(expr.op, a, b);
        case '*':
        case '/':
        case 'DIV':
        case '%':
          return arithmeticType(expr.op, a, b);
      }
      return a;
    }
    case 'assign':
      return of(expr.value);
    case 'is':
      return longlong(1, false);
    case 'like':
    case 'regexp':
      return bool([expr.operand, expr.pattern]);
    case 'in':
      return bool([expr.operand, ...expr.list]);
    case 'between':
      return bool([expr.operand, expr.low, expr.high]);
    case 'inSubquery':
    case 'quantified':
      return longlong(1, true);
    case 'exists':
      return longlong(1, false);
    case 'case': {
      const results = [
        ...expr.whens.map((w) => of(w.then)),
        ...(expr.else === undefined ? [] : [of(expr.else)]),
      ];
      return aggregateTypes(results, expr.else === undefined || results.some((r) => r.nullable));
    }
    case 'cast':
      return castType(expr.type, of(expr.operand), collation);
    case 'convertUsing': {
      const c = charsetCollation(expr.charset);
      const a = of(expr.operand);
      return varString(isString(a) ? chars(a) : a.length, c, a.nullable);
    }
    case 'collate': {
      const a = of(expr.operand);
      const c = collationNamed(expr.collation) ?? collation;
      return varString(isString(a) ? chars(a) : a.length, c, a.nullable);
    }
    case 'interval':
      return longlong(21, true);
    case 'extract':
      return longlong(21, of(expr.operand).nullable);
    case 'row':
      return t('NULL');
    case 'call':
      return callType(expr, env, collation);
  }
}

function intervalResult(base: ResultType, unit: string): ResultType {
  if (base.family === 'TIME')
    return temporal('TIME', Math.max(base.decimals, unit.includes('MICRO') ? 6 : 0));
  const dayish = ['DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR', 'YEAR_MONTH'].includes(unit);
  if (base.family === 'DATE' && dayish) return temporal('DATE');
  if (isString(base)) return varString(29, base.collation);
  const fsp = unit.includes('MICRO') || unit === 'SECOND' ? 6 : base.decimals;
  return temporal('DATETIME', fsp);
}

function castType(
  type: { name: string; length?: number; scale?: number; charset?: string },
  a: ResultType,
  collation: Collation,
): ResultType {
  const nullable =
    a.nullable ||
    !['SIGNED', 'UNSIGNED', 'DOUBLE', 'FLOAT', 'DECIMAL', 'CHAR', 'BINARY'].includes(type.name);
  switch (type.name) {
    case 'SIGNED':
      return longlong(21, a.nullable);
    case 'UNSIGNED':
      return longlong(21, a.nullable, true);
    case 'DECIMAL':
      return decimalType(type.length ?? 10, type.scale ?? 0, a.nullable);
    case 'DOUBLE':
    case 'REAL':
      return doubleType(a.nullable);
    case 'FLOAT':
      return (type.length ?? 0) > 24
        ? doubleType(a.nullable)
        : t('FLOAT', { length: 12, decimals: NOT_FIXED_DEC, nullable: a.nullable });
    case 'CHAR': {
      const c = type.charset === undefined ? collation : charsetCollation(type.charset);
      return varString(type.length ?? (isString(a) ? chars(a) : a.length), c, a.nullable);
    }
    case 'BINARY':
      return varString(type.length ?? a.length, BIN, a.nullable);
    case 'DATE':
      return temporal('DATE', 0, nullable);
    case 'DATETIME':
      return temporal('DATETIME', type.length ?? 0, nullable);
    case 'TIME':
      return temporal('TIME', type.length ?? 0, nullable);
    case 'YEAR':
      return t('YEAR', { length: 4, nullable, unsigned: true });
    case 'JSON':
      return t('JSON', { length: 4294967295, nullable: a.nullable });
    default:
      return a;
  }
}

const INT_FUNCTIONS = new Set(
  `LENGTH OCTET_LENGTH BIT_LENGTH CHAR_LENGTH CHARACTER_LENGTH LOCATE INSTR POSITION ASCII ORD FIELD
  FIND_IN_SET STRCMP SIGN YEAR MONTH DAY DAYOFMONTH HOUR MINUTE SECOND MICROSECOND DAYOFWEEK
  DAYOFYEAR WEEKDAY WEEK WEEKOFYEAR YEARWEEK QUARTER TO_DAYS DATEDIFF TIMESTAMPDIFF TIME_TO_SEC
  ROW_COUNT FOUND_ROWS BIT_COUNT ISNULL JSON_VALID JSON_LENGTH EXTRACT COUNT`.split(/\s+/),
);
const UNSIGNED_FUNCTIONS = new Set([
  'CONNECTION_ID',
  'LAST_INSERT_ID',
  'BIT_AND',
  'BIT_OR',
  'BIT_XOR',
]);
const DOUBLE_FUNCTIONS = new Set(
  'POW POWER SQRT EXP LN LOG LOG2 LOG10 PI RAND SIN COS TAN ASIN ACOS ATAN ATAN2 COT DEGREES RADIANS STD STDDEV STDDEV_POP STDDEV_SAMP VARIANCE VAR_POP VAR_SAMP'.split(
    ' ',
  ),
);
const NOW_FUNCTIONS = new Set([
  'NOW',
  'CURRENT_TIMESTAMP',
  'LOCALTIME',
  'LOCALTIMESTAMP',
  'SYSDATE',
  'UTC_TIMESTAMP',
]);
const DATE_FUNCTIONS = new Set([
  'CURDATE',
  'CURRENT_DATE',
  'UTC_DATE',
  'DATE',
  'LAST_DAY',
  'FROM_DAYS',
  'MAKEDATE',
]);
const TIME_FUNCTIONS = new Set([
  'CURTIME',
  'CURRENT_TIME',
  'UTC_TIME',
  'TIME',
  'SEC_TO_TIME',
  'TIMEDIFF',
]);
const SYSCONST_FUNCTIONS = new Set([
  'VERSION',
  'DATABASE',
  'SCHEMA',
  'USER',
  'SESSION_USER',
  'SYSTEM_USER',
  'CURRENT_USER',
]);
const JSON_FUNCTIONS = new Set(['JSON_EXTRACT', 'JSON_OBJECT', 'JSON_ARRAY', 'JSON_KEYS']);

function fspOfCall(call: FuncCall): number {
  const a = call.args[0];
  return a?.kind === 'number' ? Math.min(Number(a.text), 6) : 0;
}

function callType(call: FuncCall, env: TypeEnv, collation: Collation): ResultType {
  const args = call.args.map((a) => inferType(a, env));
  const nullable = args.some((a) => a.nullable);
  const name = call.name;
  if (INT_FUNCTIONS.has(name))
    return longlong(21, name === 'COUNT' || name === 'ISNULL' ? false : true);
  if (UNSIGNED_FUNCTIONS.has(name)) return longlong(21, false, true);
  if (DOUBLE_FUNCTIONS.has(name)) return doubleType(true);
  if (NOW_FUNCTIONS.has(name)) return temporal('DATETIME', fspOfCall(call), false);
  if (DATE_FUNCTIONS.has(name))
    return temporal('DATE', 0, !name.startsWith('CUR') && !name.startsWith('UTC'));
  if (TIME_FUNCTIONS.has(name))
    return temporal(
      'TIME',
      name === 'TIME' || name === 'TIMEDIFF'
        ? Math.max(0, ...args.map((a) => a.decimals))
        : fspOfCall(call),
      !name.startsWith('CUR') && !name.startsWith('UTC'),
    );
  if (SYSCONST_FUNCTIONS.has(name))
    return varString(
      name === 'VERSION' ? 14 : 288,
      collation,
      name === 'DATABASE' || name === 'SCHEMA',
    );
  if (JSON_FUNCTIONS.has(name)) return t('JSON', { length: 4294967295, nullable: true });
  const first = args[0] ?? t('NULL');
  switch (name) {
    case 'IF':
      return aggregateTypes(
        args.slice(1),
        (args[1]?.nullable ?? true) || (args[2]?.nullable ?? true),
      );
    case 'IFNULL':
      return aggregateTypes(args, args[1]?.nullable ?? true);
    case 'COALESCE':
      return aggregateTypes(
        args,
        args.every((a) => a.nullable),
      );
    case 'NULLIF':
      return { ...first, nullable: true };
    case 'GREATEST':
    case 'LEAST':
      return aggregateTypes(args, nullable);
    case 'ABS':
      return first.family === 'LONGLONG'
        ? first
        : asNumber(first) === 'double'
          ? doubleType(first.nullable)
          : first;
    case 'CEIL':
    case 'CEILING':
    case 'FLOOR':
      return asNumber(first) === 'double'
        ? doubleType(first.nullable)
        : longlong(21, first.nullable, first.unsigned);
    case 'ROUND':
    case 'TRUNCATE': {
      if (asNumber(first) === 'double') return doubleType(nullable);
      if (first.family !== 'NEWDECIMAL') return longlong(first.length, nullable, first.unsigned);
      const d = call.args[1];
      const scale =
        d === undefined
          ? 0
          : d.kind === 'number'
            ? Math.max(0, Math.min(Number(d.text), DECIMAL_SCALE_MAX))
            : first.decimals;
      return decimalType(first.precision - first.decimals + scale + 1, scale, nullable);
    }
    case 'MOD':
      return arithmeticType('%', first, args[1] ?? first);
    case 'SUM': {
      if (asNumber(first) === 'double') return doubleType(true);
      const d = digits(first);
      return decimalType(d.int + d.scale + 22, d.scale, true);
    }
    case 'AVG': {
      if (asNumber(first) === 'double') return doubleType(true);
      const d = digits(first);
      const scale = Math.min(d.scale + DIV_PRECISION_INCREMENT, DECIMAL_SCALE_MAX);
      return decimalType(d.int + scale + 4, scale, true);
    }
    case 'MIN':
    case 'MAX':
      return { ...first, nullable: true };
    case 'GROUP_CONCAT': {
      const max = env.groupConcatMaxLen ?? 1024;
      const c = args.some((a) => a.collation.name === 'binary' && isString(a)) ? BIN : collation;
      // MySQL turns the result into TEXT when it may exceed 512 characters.
      return max > 512
        ? t('BLOB', { length: max * mbMax(c), collation: c, nullable: true })
        : varString(max, c, true);
    }
    case 'DATE_ADD':
    case 'ADDDATE':
    case 'DATE_SUB':
    case 'SUBDATE': {
      const iv = call.args[1];
      return intervalResult(first, iv?.kind === 'interval' ? iv.unit : 'DAY');
    }
    case 'TIMESTAMPADD':
      return intervalResult(args[1] ?? first, call.unit ?? 'DAY');
    case 'FROM_UNIXTIME':
      return call.args.length > 1
        ? varString(255, collation)
        : temporal('DATETIME', first.family === 'NEWDECIMAL' ? Math.min(first.decimals, 6) : 0);
    case 'UNIX_TIMESTAMP':
      return call.args.length === 0
        ? longlong(21, false)
        : first.decimals > 0
          ? decimalType(17 + first.decimals, first.decimals)
          : longlong(21, true);
    case 'STR_TO_DATE':
      return temporal('DATETIME', 6, true);
    case 'MONTHNAME':
    case 'DAYNAME':
      return varString(9, collation, true);
    case 'UUID':
      return varString(36, collation, false);
    case 'JSON_UNQUOTE':
      return t('BLOB', { length: 4294967295, collation, nullable: true });
    case 'CONCAT':
    case 'CONCAT_WS': {
      const agg = aggregateTypes(args, nullable);
      const total = args.reduce((n, a) => n + (isString(a) ? chars(a) : a.length), 0);
      return varString(
        total,
        isString(agg) ? agg.collation : collation,
        name === 'CONCAT_WS' ? (args[0]?.nullable ?? true) : nullable,
      );
    }
    case 'REPEAT':
    case 'LPAD':
    case 'RPAD':
    case 'SPACE':
    case 'REPLACE':
    case 'INSERT':
      return t('BLOB', {
        length: 4294967295,
        collation: isString(first) ? first.collation : collation,
        nullable: true,
      });
    case 'UNHEX':
    case 'CHAR':
    case 'FROM_BASE64':
      return varString(Math.max(1, first.length), BIN, true);
    default: {
      // String functions that return (at most) their first argument's text.
      const c = isString(first) ? first.collation : collation;
      const n = isString(first) ? chars(first) : Math.max(first.length, 1);
      return varString(
        name === 'HEX'
          ? n * 2
          : name === 'QUOTE'
            ? n * 2 + 2
            : name === 'FORMAT'
              ? n + Math.floor(n / 3) + 32
              : n,
        c,
        name === 'QUOTE' ? false : true,
      );
    }
  }
}

/**
 * Converts an evaluated value to its expression's result type, as MySQL does for IF / CASE /
 * COALESCE / GREATEST branches and UNION columns: `CASE WHEN x THEN 1 ELSE 2.5 END` gives 1.0,
 * `IF(x, 1, 'a')` gives '1'. The evaluator returns the chosen branch's own value; the executor
 * calls this with `inferType`'s answer when it materialises a column.
 */
export function conformValue(v: SqlValue, rt: ResultType, ctx: EvalContext): SqlValue {
  if (v === null) return null;
  const cast = (type: CastType): SqlValue => castValue(v, type, ctx, () => toText(v) ?? '');
  switch (rt.family) {
    case 'NULL':
      return null;
    case 'LONGLONG':
      if (v.kind === 'int' || v.kind === 'uint') return v;
      return cast({ name: rt.unsigned ? 'UNSIGNED' : 'SIGNED' });
    case 'NEWDECIMAL':
      return cast({ name: 'DECIMAL', length: Math.max(rt.precision, 1), scale: rt.decimals });
    case 'FLOAT':
    case 'DOUBLE':
      return v.kind === 'double' ? v : cast({ name: 'DOUBLE' });
    case 'VAR_STRING':
    case 'BLOB': {
      if (rt.collation.name === 'binary') return v.kind === 'binary' ? v : cast({ name: 'BINARY' });
      if (v.kind === 'string') return v;
      const s = toText(v);
      return s === null ? null : str(s, rt.collation, Coercibility.implicit);
    }
    case 'DATE':
      return v.kind === 'date' ? v : cast({ name: 'DATE' });
    case 'DATETIME':
    case 'TIMESTAMP':
      return cast({ name: 'DATETIME', length: rt.decimals });
    case 'TIME':
      return cast({ name: 'TIME', length: rt.decimals });
    case 'YEAR':
      return cast({ name: 'YEAR' });
    case 'JSON':
      return v.kind === 'json' ? v : cast({ name: 'JSON' });
  }
}
