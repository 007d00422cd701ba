// The native function registry: every table merged, looked up by upper-case name.

import type { FuncCall } from '../../ast.js';
import type { EvalContext } from '../context.js';
import { SqlEvalError, wrongParamCount } from '../errors.js';
import { controlFunctions } from './control.js';
import { datetimeFunctions } from './datetime.js';
import { jsonFunctions } from './json.js';
import { miscFunctions } from './misc.js';
import { numericFunctions } from './numeric.js';
import { AGGREGATE_FUNCTIONS, type FunctionDef } from './registry.js';
import { stringFunctions } from './string.js';

export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map(
  Object.entries({
    ...controlFunctions,
    ...stringFunctions,
    ...numericFunctions,
    ...datetimeFunctions,
    ...jsonFunctions,
    ...miscFunctions,
  }),
);

/**
 * The definition of a call, arity checked: 1305 for an unknown (or schema-qualified, i.e.
 * stored) function, 1582 for a wrong argument count, 1111 for an aggregate outside GROUP BY
 * evaluation.
 */
export function lookupFunction(call: FuncCall, ctx: Pick<EvalContext, 'session'>): FunctionDef {
  const def = call.db === undefined ? FUNCTIONS.get(call.name) : undefined;
  if (def === undefined) {
    if (AGGREGATE_FUNCTIONS.has(call.name) && call.db === undefined) {
      throw new SqlEvalError('invalidGroupFuncUse', 'Invalid use of group function');
    }
    const db = call.db ?? ctx.session.database;
    const name = call.name.toLowerCase();
    throw new SqlEvalError(
      'spDoesNotExist',
      `FUNCTION ${db === null ? name : `${db}.${name}`} does not exist`,
    );
  }
  const n = call.args.length;
  if (n < def.minArgs || n > def.maxArgs) throw wrongParamCount(call.name);
  return def;
}
