// Name resolution: the planner calls `bind` once per expression with the columns its input
// rows carry, in slot order; every column reference gets the slot it reads, and unknown or
// ambiguous names, unknown functions, wrong argument counts and unknown collations fail here,
// before any row is read — as MySQL reports them at prepare time.
//
//   columns   [{table:'t', name:'id'}, {table:'u', name:'id'}, {table:'u', name:'x'}]
//   expr      x + t.id          → slots {x → 2, t.id → 0}
//   expr      id                → 1052 Column 'id' in field list is ambiguous
//
// Column names compare case-insensitively (as MySQL does); table and database names exactly
// (MySQL on Linux with lower_case_table_names = 0). Subqueries are bound by the planner with
// their own scope, so `bind` does not descend into them.

import type { ColumnRef, Expr } from '../ast.js';
import { collationNamed } from '../encoding/key-codec.js';
import type { EvalContext, SessionInfo } from './context.js';
import { SqlEvalError } from './errors.js';
import { lookupFunction } from './functions/index.js';
import { AGGREGATE_FUNCTIONS } from './functions/registry.js';
import type { SqlValue } from './value.js';

/** A column available to an expression, at the slot of its position in the list. */
export interface ColumnInfo {
  readonly db?: string;
  readonly table?: string;
  readonly name: string;
  /**
   * How many query levels out the column lives (0 or absent: the expression's own query; 1:
   * the query enclosing a subquery, ...). The nearest match wins, as MySQL resolves names.
   */
  readonly depth?: number;
}

/** Where the expression stands, for MySQL's error wording. */
export type Clause =
  | 'field list'
  | 'where clause'
  | 'on clause'
  | 'having clause'
  | 'order clause'
  | 'group statement';

export interface BindOptions {
  readonly clause?: Clause;
  /** For "FUNCTION db.f does not exist". */
  readonly session?: Pick<SessionInfo, 'database'>;
  /** Whether aggregate calls are allowed (SELECT list / HAVING of a grouped query). */
  readonly allowAggregates?: boolean;
}

export interface Binding {
  /** The slot of every column reference in the expression (by node identity). */
  readonly slots: ReadonlyMap<ColumnRef, number>;
}

/** The direct sub-expressions of `e` (not descending into subqueries). */
export function children(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'number':
    case 'string':
    case 'hex':
    case 'bit':
    case 'bool':
    case 'null':
    case 'temporal':
    case 'param':
    case 'column':
    case 'userVar':
    case 'sysVar':
    case 'default':
    case 'exists':
    case 'subquery':
      return [];
    case 'unary':
      return [e.operand];
    case 'binary':
      return [e.left, e.right];
    case 'assign':
      return [e.value];
    case 'is':
      return [e.operand];
    case 'like':
      return e.escape === undefined ? [e.operand, e.pattern] : [e.operand, e.pattern, e.escape];
    case 'regexp':
      return [e.operand, e.pattern];
    case 'in':
      return [e.operand, ...e.list];
    case 'inSubquery':
    case 'quantified':
      return [e.operand];
    case 'between':
      return [e.operand, e.low, e.high];
    case 'case':
      return [
        ...(e.operand === undefined ? [] : [e.operand]),
        ...e.whens.flatMap((w) => [w.when, w.then]),
        ...(e.else === undefined ? [] : [e.else]),
      ];
    case 'cast':
    case 'convertUsing':
    case 'collate':
    case 'extract':
      return [e.operand];
    case 'interval':
      return [e.value];
    case 'row':
      return e.items;
    case 'call':
      return [...e.args, ...(e.orderBy ?? []).map((o) => o.expr)];
  }
}

function refText(ref: ColumnRef): string {
  return [ref.db, ref.table, ref.name].filter((x) => x !== undefined).join('.');
}

/** The slot a reference reads; 1054 / 1052 as MySQL words them. */
export function resolveColumn(
  ref: ColumnRef,
  columns: readonly ColumnInfo[],
  clause: Clause = 'field list',
): number {
  const name = ref.name.toLowerCase();
  let found = -1;
  let foundDepth = 0;
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i];
    if (c === undefined || c.name.toLowerCase() !== name) continue;
    if (ref.table !== undefined && c.table !== ref.table) continue;
    if (ref.db !== undefined && c.db !== ref.db) continue;
    const depth = c.depth ?? 0;
    if (found >= 0 && depth > foundDepth) continue;
    if (found >= 0 && depth < foundDepth) {
      found = i;
      foundDepth = depth;
      continue;
    }
    if (found >= 0) {
      throw new SqlEvalError('nonUniq', `Column '${refText(ref)}' in ${clause} is ambiguous`);
    }
    found = i;
    foundDepth = depth;
  }
  if (found < 0)
    throw new SqlEvalError('badField', `Unknown column '${refText(ref)}' in '${clause}'`);
  return found;
}

export function bind(
  expr: Expr,
  columns: readonly ColumnInfo[],
  options: BindOptions = {},
): Binding {
  const slots = new Map<ColumnRef, number>();
  const clause = options.clause ?? 'field list';
  const session = { database: options.session?.database ?? null } as SessionInfo;
  const visit = (e: Expr, inAggregate: boolean): void => {
    if (e.kind === 'column') {
      slots.set(e, resolveColumn(e, columns, clause));
      return;
    }
    if (e.kind === 'collate' && collationNamed(e.collation) === undefined) {
      throw new SqlEvalError('unknownCollation', `Unknown collation: '${e.collation}'`);
    }
    if (e.kind === 'call') {
      if (e.db === undefined && AGGREGATE_FUNCTIONS.has(e.name)) {
        if (options.allowAggregates !== true || inAggregate) {
          throw new SqlEvalError('invalidGroupFuncUse', 'Invalid use of group function');
        }
        for (const c of children(e)) visit(c, true);
        return;
      }
      lookupFunction(e, { session });
    }
    for (const c of children(e)) visit(c, inAggregate);
  };
  visit(expr, false);
  return { slots };
}

/**
 * A `column` resolver for EvalContext reading the current row through a binding: the executor
 * keeps one resolver per operator and moves `row()` along.
 */
export function slotResolver(
  binding: Binding,
  row: () => readonly SqlValue[],
): EvalContext['column'] {
  return (ref) => {
    const slot = binding.slots.get(ref);
    if (slot === undefined) throw new Error(`column ${refText(ref)} was not bound`);
    return row()[slot] ?? null;
  };
}
