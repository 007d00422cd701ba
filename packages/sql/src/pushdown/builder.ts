/**
 * The gateway's half: a scan program from the planner's pieces for one table — WHERE
 * conjuncts over its columns, the columns the caller needs, and what to send back (filtered
 * rows, a per-request top-N, or partial aggregates per group). `buildScanProgram` answers
 * undefined when any piece cannot run next to the data, telling why (for EXPLAIN) through
 * `onRefused`; the caller then scans without a program, as before.
 *
 * Refused (see determinism.ts for expressions):
 *   - an expression that is not pushable, or does not bind to the table's columns (an outer
 *     reference, an unknown column), or does not print as SQL that parses back to itself;
 *   - aggregate calls other than COUNT, SUM, AVG, MIN, MAX, BIT_AND / OR / XOR, DISTINCT ones
 *     and GROUP_CONCAT (their partial state is the values themselves);
 *   - SUM / AVG of an argument that is not exact (DOUBLE, FLOAT, text, JSON): floating-point
 *     sums depend on the order of addition, and partial sums add in another order than the
 *     gateway would — the result could differ in its last digits;
 *   - a top-N without keys or above PROGRAM_LIMITS.topN rows; a LIMIT below 1;
 *   - a `rows` program with nothing to do (no filter, no limit, every column).
 */
import type { Expr, FuncCall } from '../ast.js';
import { collationNamed } from '../encoding/key-codec.js';
import { type Clause, type ColumnInfo, bind } from '../eval/bind.js';
import { resultTypeOf } from '../engine/column-values.js';
import { inferType } from '../eval/types.js';
import type { ResultType } from '../eval/types.js';
import type { SqlValue } from '../eval/value.js';
import { formatExpr } from '../format.js';
import { parse } from '../parser.js';
import type { ColumnSchema } from '../schema/definition.js';
import type { ScanProgramSpec } from './contract.js';
import { aggregateNotPushable, notPushable } from './determinism.js';
import { PROGRAM_LIMITS, type ProgramOutput, encodeProgram } from './program.js';
import type { PushdownSettings } from './settings.js';

/** The processor name a store registers `sqlScanProcessor()` under. */
export const SQL_PROCESSOR = 'sql';

/** The table a program reads, as the statement names it. */
export interface PushdownTable {
  /** Every column of the table's definition (hidden ones included), in definition order. */
  readonly columns: readonly ColumnSchema[];
  /** The name column references may be qualified with (the alias, else the table's name). */
  readonly alias: string;
  readonly db: string;
  readonly name: string;
}

export type PushdownOutput =
  /** Rows passing the filters; the scan stops after `limit` of them (per request). */
  | { readonly kind: 'rows'; readonly limit?: number }
  /** The `n` first passing rows by `keys` (per request), plus every residual row. */
  | {
      readonly kind: 'topN';
      readonly keys: readonly { readonly expr: Expr; readonly desc: boolean }[];
      readonly n: number;
    }
  /** One output per group (per request): its first row and each call's partial state. */
  | {
      readonly kind: 'aggregate';
      readonly groupBy: readonly Expr[];
      readonly calls: readonly FuncCall[];
    };

export interface PushdownRequest {
  readonly table: PushdownTable;
  /** From the statement's EvalContext: `pushdownSettings(ectx)`. */
  readonly settings: PushdownSettings;
  /** WHERE / ON conjuncts over this table's columns only. */
  readonly filter?: readonly Expr[];
  /** The values of the `?` the expressions hold, by their index. */
  readonly params?: readonly SqlValue[];
  /**
   * Column ids the caller reads from output rows (undefined: all). The columns the program's
   * expressions read are added: the gateway evaluates them again for residual rows.
   */
  readonly project?: readonly number[];
  readonly output: PushdownOutput;
}

/** SUM / AVG argument types whose partial sums add exactly in any order. */
const EXACT_SUM_TYPES: ReadonlySet<string> = new Set([
  'NULL',
  'LONGLONG',
  'NEWDECIMAL',
  'YEAR',
  'DATE',
  'DATETIME',
  'TIMESTAMP',
  'TIME',
]);

/**
 * The program for `request`, or undefined (with the reason given to `onRefused`) when some
 * part of it cannot run on a data node.
 */
export function buildScanProgram(
  request: PushdownRequest,
  onRefused?: (reason: string) => void,
): ScanProgramSpec | undefined {
  const planned = planProgram(request);
  if (typeof planned === 'string') {
    onRefused?.(planned);
    return undefined;
  }
  return { processor: SQL_PROCESSOR, program: planned };
}

/** The program's bytes, or why there is none. */
function planProgram(req: PushdownRequest): Uint8Array | string {
  const { table, settings } = req;
  const params = req.params ?? [];
  const filters = req.filter ?? [];
  const shape = outputShape(req);
  if (typeof shape === 'string') return shape;
  const { output, keys, calls } = shape;

  for (const e of [...filters, ...keys]) {
    const why = notPushable(e, params.length);
    if (why !== undefined) return `${formatExpr(e)}: ${why}`;
  }
  for (const call of calls) {
    const why = aggregateNotPushable(call, params.length);
    if (why !== undefined) return `${formatExpr(call)}: ${why}`;
  }

  // Bind everything to the table's columns, as the node will.
  const infos: ColumnInfo[] = table.columns.map((c) => ({
    db: table.db,
    table: table.alias,
    name: c.name,
  }));
  const slots = new Set<number>();
  const bindAll = (
    es: readonly Expr[],
    clause: Clause,
    aggregates: boolean,
  ): string | undefined => {
    for (const e of es) {
      try {
        const b = bind(e, infos, { clause, allowAggregates: aggregates });
        for (const s of b.slots.values()) slots.add(s);
      } catch (error) {
        return `${formatExpr(e)}: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    return undefined;
  };
  const bindFailure =
    bindAll(filters, 'where clause', false) ??
    bindAll(keys, output.kind === 'topN' ? 'order clause' : 'group statement', false) ??
    bindAll(calls, 'field list', true);
  if (bindFailure !== undefined) return bindFailure;
  const inexact = inexactSum(calls, infos, table, settings);
  if (inexact !== undefined) return inexact;

  // The text the node parses, checked to parse back to the same expressions.
  const exprs = [...filters, ...keys, ...calls];
  const text = exprs.map(formatExpr).join(', ');
  const shippedParams = roundTrip(exprs, text, params);
  if (typeof shippedParams === 'string') return shippedParams;

  const used = [...slots].sort((a, b) => a - b).flatMap((s) => table.columns[s] ?? []);
  const project = projection(req, used);
  if (typeof project === 'string') return project;
  if (
    output.kind === 'rows' &&
    output.limit === undefined &&
    filters.length === 0 &&
    project === undefined
  ) {
    return 'nothing to do next to the data';
  }
  return encodeProgram({
    settings,
    db: table.db,
    alias: table.alias,
    table: table.name,
    columns: used,
    project,
    params: shippedParams,
    exprs: text,
    filters: filters.length,
    output,
  });
}

function outputShape(
  req: PushdownRequest,
): { output: ProgramOutput; keys: readonly Expr[]; calls: readonly FuncCall[] } | string {
  const out = req.output;
  switch (out.kind) {
    case 'rows':
      if (out.limit !== undefined && (!Number.isSafeInteger(out.limit) || out.limit < 1)) {
        return `LIMIT ${out.limit} is not pushed`;
      }
      return { output: { kind: 'rows', limit: out.limit }, keys: [], calls: [] };
    case 'topN':
      if (out.keys.length === 0) return 'a top-N without ORDER BY keys';
      if (out.keys.length > PROGRAM_LIMITS.keys) return 'too many ORDER BY keys';
      if (!Number.isSafeInteger(out.n) || out.n < 1 || out.n > PROGRAM_LIMITS.topN) {
        return `a top-${out.n} is sorted at the gateway (at most ${PROGRAM_LIMITS.topN} rows are pushed)`;
      }
      return {
        output: { kind: 'topN', n: out.n, desc: out.keys.map((k) => k.desc) },
        keys: out.keys.map((k) => k.expr),
        calls: [],
      };
    case 'aggregate':
      if (out.groupBy.length > PROGRAM_LIMITS.keys) return 'too many GROUP BY expressions';
      if (out.calls.length > PROGRAM_LIMITS.calls) return 'too many aggregate calls';
      return {
        output: { kind: 'aggregate', groupBy: out.groupBy.length, calls: out.calls.length },
        keys: out.groupBy,
        calls: out.calls,
      };
  }
}

/** Why a SUM / AVG is not pushed: its argument is not exact. */
function inexactSum(
  calls: readonly FuncCall[],
  infos: readonly ColumnInfo[],
  table: PushdownTable,
  settings: PushdownSettings,
): string | undefined {
  const collation = collationNamed(settings.collation);
  for (const call of calls) {
    if (call.name !== 'SUM' && call.name !== 'AVG') continue;
    const arg = call.args[0];
    if (arg === undefined) continue;
    const binding = bind(arg, infos);
    const type = inferType(arg, {
      column: (ref) => {
        const c = table.columns[binding.slots.get(ref) ?? -1];
        if (c === undefined) throw new Error(`column ${ref.name} was not bound`);
        return resultTypeOf(c);
      },
      ...(collation === undefined ? {} : { collation }),
    });
    if (!EXACT_SUM_TYPES.has(type.family)) {
      return `${formatExpr(call)}: a sum of ${type.family} values depends on the order of addition`;
    }
  }
  return undefined;
}

/**
 * The result type of `expr` over `table`'s columns (its column references qualified by the
 * table's alias or not), as the node will see it; undefined when it does not bind there.
 */
export function typeOver(
  table: PushdownTable,
  settings: PushdownSettings,
  expr: Expr,
): ResultType | undefined {
  const infos: ColumnInfo[] = table.columns.map((c) => ({
    db: table.db,
    table: table.alias,
    name: c.name,
  }));
  const collation = collationNamed(settings.collation);
  try {
    const binding = bind(expr, infos);
    return inferType(expr, {
      column: (ref) => {
        const c = table.columns[binding.slots.get(ref) ?? -1];
        if (c === undefined) throw new Error(`column ${ref.name} was not bound`);
        return resultTypeOf(c);
      },
      ...(collation === undefined ? {} : { collation }),
    });
  } catch {
    return undefined;
  }
}

/**
 * Parses `text` as the node will and checks it is `exprs` again (positions aside); answers
 * the parameter values in the order the text's `?` are numbered, or why it cannot.
 */
function roundTrip(
  exprs: readonly Expr[],
  text: string,
  params: readonly SqlValue[],
): SqlValue[] | string {
  if (exprs.length === 0) return [];
  let parsed: readonly Expr[];
  try {
    parsed = parseExprList(text);
  } catch (error) {
    return `does not parse back: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (parsed.length !== exprs.length) return `${text}: does not parse back as ${exprs.length}`;
  const order = new Map<number, number>();
  for (let i = 0; i < exprs.length; i++) {
    if (!sameTree(exprs[i], parsed[i], order)) {
      return `${formatExpr(exprs[i] as Expr)}: does not parse back to itself`;
    }
  }
  const shipped: SqlValue[] = [];
  for (let j = 0; j < order.size; j++) {
    const original = order.get(j);
    const v = original === undefined ? undefined : params[original];
    if (v === undefined) return 'a parameter without a value';
    shipped.push(v);
  }
  return shipped;
}

/** The expressions of `SELECT <text>` (the node's parse). */
export function parseExprList(text: string): Expr[] {
  const stmt = parse(`SELECT ${text}`);
  if (stmt.kind !== 'select' || stmt.from.length > 0 || stmt.where !== undefined) {
    throw new Error('not a plain expression list');
  }
  return stmt.columns.map((item) => {
    if (item.kind !== 'expr' || item.alias !== undefined) {
      throw new Error('not a plain expression list');
    }
    return item.expr;
  });
}

/**
 * Whether `a` (the caller's tree) and `b` (parsed from its text) are the same expression:
 * equal but for `pos` and the numbering of `?` (recorded in `params`: b's index → a's).
 */
function sameTree(a: unknown, b: unknown, params: Map<number, number>): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameTree(x, b[i], params));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  if (x.kind === 'param' && y.kind === 'param') {
    const ai = x.index;
    const bi = y.index;
    if (typeof ai !== 'number' || typeof bi !== 'number' || params.has(bi)) return false;
    params.set(bi, ai);
    return true;
  }
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const k of keys) {
    if (k === 'pos') continue;
    if (!sameTree(x[k], y[k], params)) return false;
  }
  return true;
}

function projection(
  req: PushdownRequest,
  used: readonly ColumnSchema[],
): readonly number[] | undefined | string {
  if (req.project === undefined) return undefined;
  const ids = new Set(req.table.columns.map((c) => c.id));
  const keep = new Set<number>();
  for (const id of req.project) {
    if (!ids.has(id)) return `column id ${id} is not in ${req.table.name}`;
    keep.add(id);
  }
  for (const c of used) keep.add(c.id);
  if (keep.size === ids.size) return undefined;
  return [...keep].sort((a, b) => a - b);
}
