// The evaluator: an expression AST and a context in, a typed SQL value out, with MySQL's
// semantics for NULL, three-valued logic, implicit conversions, overflow and warnings.
//
// Column references are resolved by the context (`ctx.column`), which the planner wires to the
// current row through the slots `bind` computed; subqueries are run by the executor through
// `ctx.subquery`. Aggregate calls are the executor's: evaluating one here is error 1111.

import type {
  BetweenExpr,
  BinaryExpr,
  CaseExpr,
  Expr,
  FuncCall,
  InListExpr,
  IsExpr,
  LikeExpr,
  NumberLiteral,
  Query,
  QuantifiedExpr,
  RegexpExpr,
  StringLiteral,
  TemporalLiteral,
  UnaryExpr,
} from '../ast.js';
import { collationNamed } from '../encoding/key-codec.js';
import { formatExpr } from '../format.js';
import { type ArithOp, arithmetic, bitNot, bitwise, negate } from './arith.js';
import { castValue } from './cast.js';
import { charsetCollation } from './charset.js';
import { aggregateCollation, compareEnv, compareResult, compareValues, holds } from './compare.js';
import type { EvalContext } from './context.js';
import { parseDecimal } from './decimal.js';
import {
  codePoints,
  decodeUtf8,
  encodeUtf8,
  toBool,
  toBytes,
  toNumeric,
  toText,
  toUint,
} from './convert.js';
import { SqlEvalError } from './errors.js';
import { addInterval, intervalOf } from './functions/datetime.js';
import { lookupFunction } from './functions/index.js';
import { jsonExtractValue, jsonUnquoteValue } from './functions/json.js';
import type { Args } from './functions/registry.js';
import { likeMatch } from './like.js';
import { parseDateTime, parseTime } from './temporal.js';
import {
  type SqlValue,
  Coercibility,
  FALSE,
  INT64_MAX,
  TRUE,
  binary,
  bool,
  date,
  decimal,
  double,
  int,
  str,
  time,
  uint,
} from './value.js';

/** Evaluates `expr` in `ctx`. Throws `SqlEvalError` for MySQL errors; warnings go to ctx. */
export function evaluate(expr: Expr, ctx: EvalContext): SqlValue {
  switch (expr.kind) {
    case 'number':
      return numberLiteral(expr);
    case 'string':
      return stringLiteral(expr, ctx);
    case 'hex': {
      const bytes = hexBytes(expr.digits);
      if (expr.charset !== undefined && expr.charset !== 'binary') {
        return str(decodeUtf8(bytes), charsetCollation(expr.charset));
      }
      return { kind: 'binary', v: bytes, hex: true };
    }
    case 'bit':
      return { kind: 'binary', v: bitBytes(expr.digits), hex: true };
    case 'bool':
      return expr.value ? TRUE : FALSE;
    case 'null':
      return null;
    case 'temporal':
      return temporalLiteral(expr);
    case 'param':
      return ctx.param(expr.index);
    case 'column':
      return ctx.column(expr);
    case 'userVar':
      return ctx.getUserVar(expr.name);
    case 'sysVar':
      return ctx.sysVar(expr.name, expr.scope);
    case 'default':
      throw notSupported('DEFAULT outside INSERT and UPDATE');
    case 'unary':
      return unary(expr, ctx);
    case 'binary':
      return binaryOp(expr, ctx);
    case 'assign': {
      const v = evaluate(expr.value, ctx);
      ctx.setUserVar(expr.target.name, v);
      return v;
    }
    case 'is':
      return isTest(expr, ctx);
    case 'like':
      return like(expr, ctx);
    case 'regexp':
      return regexp(expr, ctx);
    case 'in':
      return inList(expr, ctx);
    case 'inSubquery':
      return inRows(
        expr.operand,
        subqueryRows(expr.query, ctx).map((r) => r),
        expr.not,
        ctx,
      );
    case 'between':
      return between(expr, ctx);
    case 'exists':
      return bool(subqueryRows(expr.query, ctx).length > 0);
    case 'subquery':
      return scalarSubquery(expr.query, ctx);
    case 'quantified':
      return quantified(expr, ctx);
    case 'case':
      return caseExpr(expr, ctx);
    case 'cast':
      return castValue(evaluate(expr.operand, ctx), expr.type, ctx, () => formatExpr(expr));
    case 'convertUsing': {
      const v = evaluate(expr.operand, ctx);
      if (v === null) return null;
      const collation = charsetCollation(expr.charset);
      if (collation.name === 'binary') return binary(toBytes(v) ?? new Uint8Array());
      return str(toText(v) ?? '', collation, Coercibility.implicit);
    }
    case 'collate':
      return collate(evaluate(expr.operand, ctx), expr.collation);
    case 'interval':
      // Only meaningful as an operand of + / - or an argument of DATE_ADD and friends.
      throw syntaxLike(`INTERVAL ${formatExpr(expr.value)} ${expr.unit}`);
    case 'extract':
      return call(
        { kind: 'call', name: 'EXTRACT', args: [expr.operand], unit: expr.unit, pos: 0 },
        ctx,
      );
    case 'row':
      throw operandColumns(1);
    case 'call':
      return call(expr, ctx);
  }
}

// ---------------------------------------------------------------------------------------------
// Literals

const literalCache = new WeakMap<NumberLiteral, SqlValue>();

/** `42` is BIGINT, past 2^63 BIGINT UNSIGNED, past 2^64 DECIMAL; `1.50` DECIMAL; `1e3` DOUBLE. */
export function numberLiteral(e: NumberLiteral): SqlValue {
  const cached = literalCache.get(e);
  if (cached !== undefined) return cached;
  let v: SqlValue;
  if (e.numberType === 'float') {
    v = double(Number(e.text));
  } else {
    const d = parseDecimal(e.text);
    if (d === undefined) throw new SqlEvalError('wrongArguments', `Incorrect number '${e.text}'`);
    if (e.numberType === 'decimal') v = decimal(d);
    else if (d.coef >= -(1n << 63n) && d.coef <= INT64_MAX) v = int(d.coef);
    else if (d.coef > 0n && d.coef < 1n << 64n) v = uint(d.coef);
    else v = decimal(d);
  }
  literalCache.set(e, v);
  return v;
}

function stringLiteral(e: StringLiteral, ctx: EvalContext): SqlValue {
  if (e.charset === undefined || e.charset === 'national') return str(e.value, ctx.collation);
  const collation = charsetCollation(e.charset);
  if (collation.name === 'binary') return binary(encodeUtf8(e.value));
  return str(e.value, collation);
}

function hexBytes(digits: string): Uint8Array {
  const even = digits.length % 2 === 0 ? digits : '0' + digits;
  const out = new Uint8Array(even.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(even.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function bitBytes(digits: string): Uint8Array {
  let n = digits === '' ? 0n : BigInt('0b' + digits);
  const len = Math.max(1, Math.ceil(digits.length / 8));
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

function temporalLiteral(e: TemporalLiteral): SqlValue {
  const bad = (): SqlEvalError =>
    new SqlEvalError('wrongValue', `Incorrect ${e.type} value: '${e.value}'`);
  if (e.type === 'TIME') {
    const t = parseTime(e.value);
    if (t === undefined) throw bad();
    return time(t.micros, t.fsp);
  }
  const d = parseDateTime(e.value);
  if (d === undefined) throw bad();
  if (e.type === 'DATE') {
    if (!d.dateOnly) throw bad();
    return date(d.parts);
  }
  return { kind: 'datetime', v: d.parts, fsp: d.fsp };
}

// ---------------------------------------------------------------------------------------------
// Operators

function unary(e: UnaryExpr, ctx: EvalContext): SqlValue {
  const v = evaluate(e.operand, ctx);
  switch (e.op) {
    case '+':
      return v;
    case '-': {
      const n = toNumeric(v, ctx.warn.bind(ctx));
      return n === null ? null : negate(n, () => `-(${formatExpr(e.operand)})`);
    }
    case '~': {
      const n = toUint(v, ctx.warn.bind(ctx));
      return n === null ? null : uint(bitNot(n));
    }
    case '!':
    case 'NOT': {
      const b = toBool(v, ctx.warn.bind(ctx));
      return b === null ? null : bool(!b);
    }
    case 'BINARY':
      return v === null ? null : binary(toBytes(v) ?? new Uint8Array());
  }
}

function binaryOp(e: BinaryExpr, ctx: EvalContext): SqlValue {
  switch (e.op) {
    case 'AND':
      return and(e, ctx);
    case 'OR':
      return or(e, ctx);
    case 'XOR': {
      const a = toBool(evaluate(e.left, ctx), ctx.warn.bind(ctx));
      const b = toBool(evaluate(e.right, ctx), ctx.warn.bind(ctx));
      return a === null || b === null ? null : bool(a !== b);
    }
    case '=':
    case '<=>':
    case '<>':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return comparison(e.op, e.left, e.right, ctx);
    case '+':
    case '-':
      if (e.right.kind === 'interval' || (e.op === '+' && e.left.kind === 'interval')) {
        return temporalArithmetic(e, ctx);
      }
      return arith(e, ctx);
    case '*':
    case '/':
    case 'DIV':
    case '%':
      return arith(e, ctx);
    case '|':
    case '&':
    case '^':
    case '<<':
    case '>>': {
      const warn = ctx.warn.bind(ctx);
      const a = toUint(evaluate(e.left, ctx), warn);
      const b = toUint(evaluate(e.right, ctx), warn);
      return a === null || b === null ? null : uint(bitwise(e.op, a, b));
    }
    case '->':
      return jsonExtractValue(evaluate(e.left, ctx), evaluate(e.right, ctx));
    case '->>':
      return jsonUnquoteValue(jsonExtractValue(evaluate(e.left, ctx), evaluate(e.right, ctx)), ctx);
  }
}

function and(e: BinaryExpr, ctx: EvalContext): SqlValue {
  const warn = ctx.warn.bind(ctx);
  const a = toBool(evaluate(e.left, ctx), warn);
  if (a === false) return FALSE;
  const b = toBool(evaluate(e.right, ctx), warn);
  if (b === false) return FALSE;
  return a === null || b === null ? null : TRUE;
}

function or(e: BinaryExpr, ctx: EvalContext): SqlValue {
  const warn = ctx.warn.bind(ctx);
  const a = toBool(evaluate(e.left, ctx), warn);
  if (a === true) return TRUE;
  const b = toBool(evaluate(e.right, ctx), warn);
  if (b === true) return TRUE;
  return a === null || b === null ? null : FALSE;
}

function arith(e: BinaryExpr, ctx: EvalContext): SqlValue {
  const warn = ctx.warn.bind(ctx);
  const a = toNumeric(evaluate(e.left, ctx), warn);
  const b = toNumeric(evaluate(e.right, ctx), warn);
  if (a === null || b === null) return null;
  const op = e.op as ArithOp;
  return arithmetic(
    op,
    a,
    b,
    warn,
    () => `(${formatExpr(e.left)} ${op === '%' ? '%' : op} ${formatExpr(e.right)})`,
  );
}

function temporalArithmetic(e: BinaryExpr, ctx: EvalContext): SqlValue {
  const intervalSide = e.right.kind === 'interval' ? e.right : e.left;
  const other = intervalSide === e.right ? e.left : e.right;
  if (intervalSide.kind !== 'interval') throw syntaxLike(formatExpr(e));
  const base = evaluate(other, ctx);
  const interval = intervalOf(evaluate(intervalSide.value, ctx), intervalSide.unit, ctx);
  if (base === null || interval === null) return null;
  return addInterval(base, interval, e.op === '-', ctx);
}

/** A comparison operator over two expressions, rows compared element by element. */
function comparison(op: string, left: Expr, right: Expr, ctx: EvalContext): SqlValue {
  if (left.kind === 'row' || right.kind === 'row') {
    return rowComparison(op, rowItems(left), rowItems(right), ctx);
  }
  return compareResult(op, evaluate(left, ctx), evaluate(right, ctx), ctx);
}

function rowItems(e: Expr): readonly Expr[] {
  return e.kind === 'row' ? e.items : [e];
}

function rowComparison(
  op: string,
  left: readonly Expr[],
  right: readonly Expr[],
  ctx: EvalContext,
): SqlValue {
  if (left.length !== right.length) throw operandColumns(left.length);
  return rowValuesComparison(
    op,
    left.map((x) => evaluate(x, ctx)),
    right.map((x) => evaluate(x, ctx)),
    ctx,
  );
}

/** Row comparison: = and <> element-wise with 3VL; < > lexicographic on the first difference. */
function rowValuesComparison(
  op: string,
  a: readonly SqlValue[],
  b: readonly SqlValue[],
  ctx: EvalContext,
): SqlValue {
  if (a.length !== b.length) throw operandColumns(a.length);
  if (op === '=' || op === '<>' || op === '<=>') {
    let sawNull = false;
    for (let i = 0; i < a.length; i++) {
      const r = compareResult(op === '<>' ? '=' : op, a[i] ?? null, b[i] ?? null, ctx);
      if (r === null) sawNull = true;
      else if (r.kind === 'int' && r.v === 0n) return op === '<>' ? TRUE : FALSE;
    }
    if (sawNull) return null;
    return op === '<>' ? FALSE : TRUE;
  }
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i] ?? null, b[i] ?? null, compareEnv(ctx), op);
    if (c === null) return null;
    if (c !== 0 || i === a.length - 1) return bool(holds(op, c));
  }
  return null;
}

function isTest(e: IsExpr, ctx: EvalContext): SqlValue {
  const v = evaluate(e.operand, ctx);
  let r: boolean;
  switch (e.value) {
    case 'NULL':
    case 'UNKNOWN':
      r = e.value === 'NULL' ? v === null : toBool(v, ctx.warn.bind(ctx)) === null;
      break;
    case 'TRUE':
      r = toBool(v, ctx.warn.bind(ctx)) === true;
      break;
    case 'FALSE':
      r = toBool(v, ctx.warn.bind(ctx)) === false;
      break;
  }
  return bool(e.not ? !r : r);
}

function like(e: LikeExpr, ctx: EvalContext): SqlValue {
  const a = evaluate(e.operand, ctx);
  const p = evaluate(e.pattern, ctx);
  const esc = e.escape === undefined ? str('\\', ctx.collation) : evaluate(e.escape, ctx);
  if (a === null || p === null) return null;
  const escape = esc === null ? '\\' : (toText(esc) ?? '');
  let collation;
  if (a.kind === 'binary' || p.kind === 'binary') collation = undefined;
  else {
    const sa = a.kind === 'string' ? a : str(toText(a) ?? '', ctx.collation, Coercibility.numeric);
    const sp = p.kind === 'string' ? p : str(toText(p) ?? '', ctx.collation, Coercibility.numeric);
    collation = aggregateCollation(sa, sp, 'like').collation;
  }
  const r = likeMatch(
    toText(a) ?? '',
    toText(p) ?? '',
    escape === '' ? undefined : codePoints(escape)[0],
    collation,
  );
  return bool(e.not ? !r : r);
}

const REGEXP_CACHE_MAX = 256;
const regexpCache = new Map<string, RegExp>();

function regexp(e: RegexpExpr, ctx: EvalContext): SqlValue {
  const a = evaluate(e.operand, ctx);
  const p = evaluate(e.pattern, ctx);
  if (a === null || p === null) return null;
  const caseInsensitive =
    a.kind !== 'binary' &&
    p.kind !== 'binary' &&
    (a.kind === 'string' ? a.collation.ci : ctx.collation.ci);
  const r = compileRegexp(toText(p) ?? '', caseInsensitive).test(toText(a) ?? '');
  return bool(e.not ? !r : r);
}

/** MySQL (ICU) patterns as JS regular expressions; `i` for case-insensitive collations. */
export function compileRegexp(pattern: string, caseInsensitive: boolean): RegExp {
  const key = (caseInsensitive ? 'i' : 's') + pattern;
  let re = regexpCache.get(key);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, caseInsensitive ? 'iu' : 'u');
    } catch (error) {
      throw new SqlEvalError('regexpSyntax', 'Syntax error in regular expression.', {
        cause: error,
      });
    }
    if (regexpCache.size >= REGEXP_CACHE_MAX) regexpCache.clear();
    regexpCache.set(key, re);
  }
  return re;
}

function inList(e: InListExpr, ctx: EvalContext): SqlValue {
  if (e.operand.kind === 'row') {
    const left = e.operand.items.map((x) => evaluate(x, ctx));
    const rows = e.list.map((item) => {
      const items = rowItems(item);
      if (items.length !== left.length) throw operandColumns(left.length);
      return items.map((x) => evaluate(x, ctx));
    });
    return inRowsValues(left, rows, e.not, ctx);
  }
  const a = evaluate(e.operand, ctx);
  if (a === null) return null;
  let sawNull = false;
  for (const item of e.list) {
    if (item.kind === 'row') throw operandColumns(1);
    const r = compareResult('=', a, evaluate(item, ctx), ctx);
    if (r === null) sawNull = true;
    else if (r.v === 1n) return bool(!e.not);
  }
  return sawNull ? null : bool(e.not);
}

function inRows(
  operand: Expr,
  rows: readonly (readonly SqlValue[])[],
  not: boolean,
  ctx: EvalContext,
): SqlValue {
  const left = rowItems(operand).map((x) => evaluate(x, ctx));
  return inRowsValues(left, rows, not, ctx);
}

function inRowsValues(
  left: readonly SqlValue[],
  rows: readonly (readonly SqlValue[])[],
  not: boolean,
  ctx: EvalContext,
): SqlValue {
  if (rows.length === 0) return bool(not);
  let sawNull = false;
  for (const row of rows) {
    if (row.length !== left.length) throw operandColumns(left.length);
    const r = rowValuesComparison('=', left, row, ctx);
    if (r === null) sawNull = true;
    else if (r.kind === 'int' && r.v === 1n) return bool(!not);
  }
  return sawNull ? null : bool(not);
}

function between(e: BetweenExpr, ctx: EvalContext): SqlValue {
  const a = evaluate(e.operand, ctx);
  const lo = evaluate(e.low, ctx);
  const hi = evaluate(e.high, ctx);
  const ge = compareResult('>=', a, lo, ctx);
  const le = compareResult('<=', a, hi, ctx);
  const t = (v: SqlValue): boolean | null => (v === null ? null : v.kind === 'int' && v.v === 1n);
  const x = t(ge);
  const y = t(le);
  let r: boolean | null;
  if (x === false || y === false) r = false;
  else if (x === null || y === null) r = null;
  else r = true;
  if (r === null) return null;
  return bool(e.not ? !r : r);
}

function subqueryRows(q: Query, ctx: EvalContext): readonly (readonly SqlValue[])[] {
  if (ctx.subquery === undefined) throw notSupported('subqueries in this context');
  return ctx.subquery(q);
}

function scalarSubquery(q: Query, ctx: EvalContext): SqlValue {
  const rows = subqueryRows(q, ctx);
  if (rows.length > 1) throw new SqlEvalError('subqueryNo1Row', 'Subquery returns more than 1 row');
  const row = rows[0];
  if (row === undefined) return null;
  if (row.length !== 1) throw operandColumns(1);
  return row[0] ?? null;
}

function quantified(e: QuantifiedExpr, ctx: EvalContext): SqlValue {
  const a = evaluate(e.operand, ctx);
  const rows = subqueryRows(e.query, ctx);
  let sawNull = false;
  for (const row of rows) {
    if (row.length !== 1) throw operandColumns(1);
    const r = compareResult(e.op, a, row[0] ?? null, ctx);
    if (r === null) {
      sawNull = true;
      continue;
    }
    const ok = r.kind === 'int' && r.v === 1n;
    if (e.quantifier === 'ANY' && ok) return TRUE;
    if (e.quantifier === 'ALL' && !ok) return FALSE;
  }
  if (sawNull) return null;
  return bool(e.quantifier === 'ALL');
}

function caseExpr(e: CaseExpr, ctx: EvalContext): SqlValue {
  const warn = ctx.warn.bind(ctx);
  const subject = e.operand === undefined ? undefined : evaluate(e.operand, ctx);
  for (const { when, then } of e.whens) {
    const matched =
      subject === undefined
        ? toBool(evaluate(when, ctx), warn) === true
        : (() => {
            const r = compareResult('=', subject, evaluate(when, ctx), ctx);
            return r !== null && r.kind === 'int' && r.v === 1n;
          })();
    if (matched) return evaluate(then, ctx);
  }
  return e.else === undefined ? null : evaluate(e.else, ctx);
}

function collate(v: SqlValue, name: string): SqlValue {
  const collation = collationNamed(name);
  if (collation === undefined)
    throw new SqlEvalError('unknownCollation', `Unknown collation: '${name}'`);
  if (v === null) return null;
  if (v.kind === 'binary' && collation.name !== 'binary') {
    throw new SqlEvalError(
      'collationCharsetMismatch',
      `COLLATION '${name}' is not valid for CHARACTER SET 'binary'`,
    );
  }
  if (collation.name === 'binary') return binary(toBytes(v) ?? new Uint8Array());
  return str(toText(v) ?? '', collation, Coercibility.explicit);
}

// ---------------------------------------------------------------------------------------------
// Calls

/** Arguments evaluated on first use, each at most once. */
export function lazyArgs(exprs: readonly Expr[], ctx: EvalContext): Args {
  const values = new Array<SqlValue | undefined>(exprs.length);
  const value = (i: number): SqlValue => {
    const cached = values[i];
    if (cached !== undefined) return cached;
    const arg = exprs[i];
    if (arg === undefined) throw new Error(`argument ${i} out of range`);
    const v = evaluate(arg, ctx);
    values[i] = v;
    return v;
  };
  return {
    count: exprs.length,
    value,
    expr: (i) => {
      const arg = exprs[i];
      if (arg === undefined) throw new Error(`argument ${i} out of range`);
      return arg;
    },
    all: () => exprs.map((_, i) => value(i)),
    evaluate: (e) => evaluate(e, ctx),
  };
}

function call(e: FuncCall, ctx: EvalContext): SqlValue {
  const def = lookupFunction(e, ctx);
  return def.evaluate(lazyArgs(e.args, ctx), ctx, e);
}

// ---------------------------------------------------------------------------------------------
// Errors

function notSupported(what: string): SqlEvalError {
  return new SqlEvalError('notSupported', `This version of MySQL doesn't yet support '${what}'`);
}

function operandColumns(n: number): SqlEvalError {
  return new SqlEvalError('operandColumns', `Operand should contain ${n} column(s)`);
}

function syntaxLike(text: string): SqlEvalError {
  return new SqlEvalError('wrongArguments', `Incorrect arguments to ${text}`);
}
