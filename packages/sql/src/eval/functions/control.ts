// Control-flow functions: IF, IFNULL, NULLIF, COALESCE, ISNULL, GREATEST, LEAST.

import type { Collation } from '../../encoding/key-codec.js';
import { today } from '../clock.js';
import { aggregateCollation, compareResult, compareValues } from '../compare.js';
import type { EvalContext } from '../context.js';
import { rescale } from '../decimal.js';
import { numericToDecimal, numericToDouble, toBool, toText } from '../convert.js';
import {
  type NonNullValue,
  type SqlValue,
  Coercibility,
  bool,
  decimal,
  double,
  isNumeric,
  isTemporal,
  str,
} from '../value.js';
import { type FunctionTable, fn } from './registry.js';

export const controlFunctions: FunctionTable = {
  IF: fn(3, 3, (args, ctx) =>
    toBool(args.value(0), ctx.warn.bind(ctx)) === true ? args.value(1) : args.value(2),
  ),
  IFNULL: fn(2, 2, (args) => args.value(0) ?? args.value(1)),
  NULLIF: fn(2, 2, (args, ctx) => {
    const a = args.value(0);
    const eq = compareResult('=', a, args.value(1), ctx);
    return eq !== null && eq.kind === 'int' && eq.v === 1n ? null : a;
  }),
  COALESCE: fn(1, Infinity, (args) => {
    for (let i = 0; i < args.count; i++) {
      const v = args.value(i);
      if (v !== null) return v;
    }
    return null;
  }),
  ISNULL: fn(1, 1, (args) => bool(args.value(0) === null)),
  GREATEST: fn(2, Infinity, (args, ctx) => extreme(args.all(), ctx, 1)),
  LEAST: fn(2, Infinity, (args, ctx) => extreme(args.all(), ctx, -1)),
};

/**
 * GREATEST / LEAST: NULL if any argument is; all numbers → compared and returned as the
 * common numeric type; all temporal → as datetimes; any string → as strings under the
 * aggregated collation.
 */
function extreme(values: readonly SqlValue[], ctx: EvalContext, direction: 1 | -1): SqlValue {
  const nonNull: NonNullValue[] = [];
  for (const v of values) {
    if (v === null) return null;
    nonNull.push(v);
  }
  const env = { warn: ctx.warn.bind(ctx), today: today(ctx) };
  if (nonNull.every(isNumeric)) {
    let best = nonNull[0];
    for (const v of nonNull) {
      if (best === undefined || (compareValues(v, best, env) ?? 0) * direction > 0) best = v;
    }
    if (best === undefined || !isNumeric(best)) return null;
    if (nonNull.some((v) => v.kind === 'double')) return double(numericToDouble(best));
    if (nonNull.some((v) => v.kind === 'decimal')) {
      const scale = Math.max(...nonNull.map((v) => (v.kind === 'decimal' ? v.v.scale : 0)));
      return decimal(rescale(numericToDecimal(best), scale));
    }
    return best;
  }
  if (nonNull.every(isTemporal)) {
    let best = nonNull[0];
    for (const v of nonNull) {
      if (best === undefined || (compareValues(v, best, env) ?? 0) * direction > 0) best = v;
    }
    return best ?? null;
  }
  if (nonNull.some((v) => v.kind === 'string')) {
    let collation: { collation: Collation; coercibility: Coercibility } | undefined;
    for (const v of nonNull) {
      if (v.kind !== 'string') continue;
      collation =
        collation === undefined
          ? v
          : aggregateCollation(collation, v, direction > 0 ? 'greatest' : 'least');
    }
    const as = collation ?? { collation: ctx.collation, coercibility: Coercibility.coercible };
    const texts = nonNull.map((v) => str(toText(v) ?? '', as.collation, as.coercibility));
    let best = texts[0];
    for (const t of texts) {
      if (best === undefined || (compareValues(t, best, env) ?? 0) * direction > 0) best = t;
    }
    return best ?? null;
  }
  // Binary strings and the rest: numbers when they all convert, else bytes.
  let best = nonNull[0];
  for (const v of nonNull) {
    if (best === undefined || (compareValues(v, best, env) ?? 0) * direction > 0) best = v;
  }
  return best ?? null;
}
