// The native function table: upper-case name → arity and implementation. Arguments are
// evaluated on demand (`args.value(i)`, each at most once), so IF, COALESCE and friends
// evaluate only what MySQL evaluates.

import type { Expr, FuncCall } from '../../ast.js';
import type { EvalContext } from '../context.js';
import type { SqlValue } from '../value.js';

export interface Args {
  readonly count: number;
  /** Argument `i`, evaluated on first use. */
  value(i: number): SqlValue;
  /** Argument `i`'s expression (for messages and unevaluated forms). */
  expr(i: number): Expr;
  /** All arguments, evaluated left to right. */
  all(): SqlValue[];
  /** Evaluates a sub-expression of an argument (INTERVAL's value). */
  evaluate(e: Expr): SqlValue;
}

export interface FunctionDef {
  readonly minArgs: number;
  /** Infinity for variadic functions. */
  readonly maxArgs: number;
  readonly evaluate: (args: Args, ctx: EvalContext, call: FuncCall) => SqlValue;
}

export type FunctionTable = Readonly<Record<string, FunctionDef>>;

export function fn(
  minArgs: number,
  maxArgs: number,
  evaluate: (args: Args, ctx: EvalContext, call: FuncCall) => SqlValue,
): FunctionDef {
  return { minArgs, maxArgs, evaluate };
}

/**
 * A function of evaluated arguments that is NULL when any argument is NULL (most of them).
 */
export function strict(
  minArgs: number,
  maxArgs: number,
  evaluate: (
    values: readonly Exclude<SqlValue, null>[],
    ctx: EvalContext,
    call: FuncCall,
  ) => SqlValue,
): FunctionDef {
  return fn(minArgs, maxArgs, (args, ctx, call) => {
    const values = args.all();
    const nonNull: Exclude<SqlValue, null>[] = [];
    for (const v of values) {
      if (v === null) return null;
      nonNull.push(v);
    }
    return evaluate(nonNull, ctx, call);
  });
}

/** Aggregate names: the executor computes them (aggregates.ts); here they are an error. */
export const AGGREGATE_FUNCTIONS = new Set([
  'COUNT',
  'SUM',
  'AVG',
  'MIN',
  'MAX',
  'GROUP_CONCAT',
  'BIT_AND',
  'BIT_OR',
  'BIT_XOR',
  'STD',
  'STDDEV',
  'STDDEV_POP',
  'STDDEV_SAMP',
  'VARIANCE',
  'VAR_POP',
  'VAR_SAMP',
  'JSON_ARRAYAGG',
  'JSON_OBJECTAGG',
  'ANY_VALUE',
]);
