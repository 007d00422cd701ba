/**
 * Which work of a query goes to the slices with a table's scan (the SQL scan processor of
 * src/pushdown runs it on the data node serving each slice), and reading those scans. The
 * executor (select.ts, join-read.ts) and EXPLAIN both decide here, so EXPLAIN shows what runs.
 *
 * Only scans are candidates — a full scan or a primary-key range of a base table read at run
 * time (point and batch gets, index lookups read few rows already). For each:
 *
 *   filter      the scan's own conjuncts (WHERE / ON conditions reading only its table) that
 *               may run next to the data (pushdown/determinism.ts: nothing random, clock- or
 *               session-dependent, no subqueries); the gateway applies every conjunct again,
 *               so pushing a subset is always right
 *   projection  only the columns the statement mentions anywhere (columns-mentioned.ts)
 *   and, when the scan is the whole FROM clause of the SELECT and every conjunct is pushed:
 *   partial     GROUP BY / aggregates (COUNT, SUM / AVG of exact types, MIN, MAX, BIT_*): one
 *   aggregate   output per group and request; the gateway merges the partial states
 *   top-N       ORDER BY … LIMIT n [OFFSET m] without grouping or DISTINCT: each request sends
 *               its n + m best rows; the gateway sorts and cuts again
 *   limit       LIMIT n [OFFSET m] without ORDER BY, grouping or DISTINCT: each slice stops
 *               after n + m rows
 *
 * Results stay those of the plain scan: outputs are taken in primary-key order (the order the
 * plain scan merges slices in), ties in ORDER BY keep that order, and a group's first row is its
 * first in that order. A data node that could not decide a row cleanly (an evaluation warned or
 * failed) sends it back whole as a residual; where a residual would need the gateway to redo a
 * decision the node made (a LIMIT's count, a group's rows) the scan is read again without a
 * program. So is a range the transaction has written to (programs see committed rows only) and
 * any program a node refuses. `tessera_pushdown = OFF` turns all of it off for a session.
 */
import type { Expr, FuncCall, Select } from '../ast.js';
import type { EvalContext } from '../eval/context.js';
import { toText } from '../eval/convert.js';
import { evaluate } from '../eval/evaluate.js';
import type { SqlValue } from '../eval/value.js';
import {
  buildScanProgram,
  decodeScanOutput,
  importGroupStates,
  notPushable,
  pushdownSettings,
  typeOver,
} from '../pushdown/index.js';
import type {
  PushdownOutput,
  PushdownSettings,
  PushdownTable,
  ScanProgramSpec,
} from '../pushdown/index.js';
import type { AggregateState } from '../eval/aggregates.js';
import type { Transaction } from '@tessera/txn';
import { isTxnError } from '@tessera/txn';
import { successor } from './access.js';
import { compareBytes } from '../eval/compare.js';
import type { Access } from './access.js';
import { columnsNeeded } from './columns-mentioned.js';
import type { ColumnMentions } from './columns-mentioned.js';
import { aggregatesIn } from './dml.js';
import type { PlanNode, ScanNode } from './join-plan.js';

/** What one scan sends to the slices. */
export interface ScanPushdown {
  readonly spec: ScanProgramSpec;
  readonly output: PushdownOutput['kind'];
  /** Outputs per slice to stop after (a pushed LIMIT). */
  readonly stopAfter?: number;
  /** The aggregate calls whose partial states come back, in the executor's order. */
  readonly calls?: readonly FuncCall[];
  /** For EXPLAIN: what is pushed. */
  readonly text: string;
}

/** The pushdowns of a plan's scans, by node. */
export type Pushdowns = ReadonlyMap<ScanNode, ScanPushdown>;

export interface PushdownInputs {
  readonly ectx: EvalContext;
  readonly mentions: ColumnMentions;
}

/**
 * The pushdowns of `plan`, the FROM clause of `select` read at run time. The SELECT's own
 * grouping, ORDER BY … LIMIT or LIMIT go along when its FROM clause is one scan whose conjuncts
 * all go (not with FOR UPDATE, which locks every row the SELECT reads).
 */
export function choosePushdowns(
  select: Select,
  plan: PlanNode,
  inputs: PushdownInputs,
): Map<ScanNode, ScanPushdown> {
  const out = new Map<ScanNode, ScanPushdown>();
  const visit = (node: PlanNode): void => {
    switch (node.kind) {
      case 'scan': {
        const alone = node === plan ? selectOutput(select, inputs.ectx) : undefined;
        const chosen = scanPushdown(node, inputs, alone);
        if (chosen !== undefined) out.set(node, chosen);
        return;
      }
      case 'join':
        visit(node.outer);
        visit(node.inner);
        return;
      case 'filter':
        visit(node.input);
        return;
    }
  };
  visit(plan);
  return out;
}

/** The output a SELECT whose FROM is one scan would push with it, if any. */
function selectOutput(select: Select, ectx: EvalContext): PushdownOutput | undefined {
  if (select.lock !== undefined || select.options.includes('SQL_CALC_FOUND_ROWS')) return undefined;
  const items = select.columns.flatMap((c) => (c.kind === 'expr' ? [c] : []));
  const stars = items.length !== select.columns.length;
  const itemAt = (e: Expr): Expr | 'unknown' | undefined => {
    if (e.kind !== 'number' || e.numberType !== 'int') return undefined;
    if (stars) return 'unknown';
    const n = Number(e.text);
    return items[n - 1]?.expr ?? 'unknown';
  };
  const grouped =
    select.groupBy.length > 0 ||
    select.having !== undefined ||
    [...items.map((i) => i.expr), ...select.orderBy.map((o) => o.expr)].some(
      (e) => aggregatesIn(e).length > 0,
    );
  if (grouped) {
    // Positions count `*` columns: only without a star are they known here.
    if (stars) return undefined;
    const groupBy: Expr[] = [];
    for (const g of select.groupBy) {
      const at = itemAt(g);
      if (at === 'unknown') return undefined;
      groupBy.push(at ?? g);
    }
    // The calls in the executor's order (select.ts runSelect): select list, HAVING, then
    // ORDER BY keys that are not positions.
    const calls = [
      ...items.flatMap((i) => aggregatesIn(i.expr)),
      ...(select.having === undefined ? [] : aggregatesIn(select.having)),
      ...select.orderBy.flatMap((o) => (itemAt(o.expr) === undefined ? aggregatesIn(o.expr) : [])),
    ];
    return { kind: 'aggregate', groupBy, calls };
  }
  if (select.distinct || select.limit === undefined) return undefined;
  const count = constantCount(select.limit.count, ectx);
  const offset = select.limit.offset === undefined ? 0 : constantCount(select.limit.offset, ectx);
  if (count === undefined || offset === undefined || count === 0) return undefined;
  const n = count + offset;
  if (select.orderBy.length === 0) return { kind: 'rows', limit: n };
  const aliases = new Map(
    items.flatMap((i) => (i.alias === undefined ? [] : [[i.alias.toLowerCase(), i.expr] as const])),
  );
  const keys: { expr: Expr; desc: boolean }[] = [];
  for (const o of select.orderBy) {
    const at = itemAt(o.expr);
    if (at === 'unknown') return undefined;
    const aliased =
      o.expr.kind === 'column' && o.expr.table === undefined
        ? aliases.get(o.expr.name.toLowerCase())
        : undefined;
    keys.push({ expr: at ?? aliased ?? o.expr, desc: o.desc });
  }
  return { kind: 'topN', keys, n };
}

/** A LIMIT / OFFSET operand's value when it is a literal or a parameter. */
function constantCount(e: Expr, ectx: EvalContext): number | undefined {
  if (e.kind !== 'number' && e.kind !== 'param') return undefined;
  const n = Number(toText(evaluate(e, ectx)) ?? 'NaN');
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function scanPushdown(
  node: ScanNode,
  inputs: PushdownInputs,
  alone: PushdownOutput | undefined,
): ScanPushdown | undefined {
  const table = node.leaf.table;
  if (table === undefined || node.access === 'memory') return undefined;
  if (node.access.kind !== 'fullScan' && node.access.kind !== 'range') return undefined;
  const { ectx } = inputs;
  const exprs = node.filters.flatMap((p) => (p.plain && p.expr !== undefined ? [p.expr] : []));
  const params = paramValues(exprs, alone, ectx);
  const filter = exprs.filter((e) => notPushable(e, params.length) === undefined);
  const everyFilter = filter.length === node.filters.length;
  const request = {
    table: {
      columns: table.columns,
      alias: node.leaf.alias,
      db: table.view.database,
      name: table.view.name,
    },
    settings: pushdownSettings(ectx),
    filter,
    params,
  };
  const project = columnsNeeded(table, node.leaf.alias, inputs.mentions);
  const withProject = project === undefined ? request : { ...request, project };
  if (
    alone !== undefined &&
    everyFilter &&
    !(alone.kind === 'aggregate' && tieProne(alone.calls, request))
  ) {
    const spec = buildScanProgram({ ...withProject, output: alone });
    if (spec !== undefined) {
      return {
        spec,
        output: alone.kind,
        ...(alone.kind === 'rows' && alone.limit !== undefined ? { stopAfter: alone.limit } : {}),
        ...(alone.kind === 'aggregate' ? { calls: alone.calls } : {}),
        text: describe(filter.length, project, table.columns.length, alone),
      };
    }
  }
  const rows: PushdownOutput = { kind: 'rows' };
  const spec = buildScanProgram({ ...withProject, output: rows });
  if (spec === undefined) return undefined;
  return {
    spec,
    output: 'rows',
    text: describe(filter.length, project, table.columns.length, rows),
  };
}

/**
 * Whether a MIN / MAX among `calls` may meet values equal under comparison but shown differently
 * ('a' and 'A' under a _ci collation, 'a' and 'a ' under PAD SPACE, 0 and -0): the executor
 * keeps the first such value in key order, which states merged per slice cannot know.
 */
function tieProne(
  calls: readonly FuncCall[],
  request: { readonly table: PushdownTable; readonly settings: PushdownSettings },
): boolean {
  return calls.some((call) => {
    if (call.name !== 'MIN' && call.name !== 'MAX') return false;
    const arg = call.args[0];
    const type = arg === undefined ? undefined : typeOver(request.table, request.settings, arg);
    if (type === undefined) return true;
    switch (type.family) {
      case 'VAR_STRING':
      case 'BLOB':
        return type.collation.name !== 'binary';
      case 'DOUBLE':
      case 'FLOAT':
      case 'JSON':
        return true;
      case 'NULL':
      case 'LONGLONG':
      case 'NEWDECIMAL':
      case 'DATE':
      case 'DATETIME':
      case 'TIMESTAMP':
      case 'TIME':
      case 'YEAR':
        return false;
    }
  });
}

/** The values of the parameters the expressions may read (all up to the highest index). */
function paramValues(
  exprs: readonly Expr[],
  alone: PushdownOutput | undefined,
  ectx: EvalContext,
): SqlValue[] {
  let highest = -1;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const x of node) visit(x);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record.kind === 'param' && typeof record.index === 'number') {
      highest = Math.max(highest, record.index);
      return;
    }
    for (const value of Object.values(record)) {
      if (value !== null && typeof value === 'object') visit(value);
    }
  };
  visit(exprs);
  if (alone?.kind === 'topN') visit(alone.keys);
  if (alone?.kind === 'aggregate') visit([alone.groupBy, alone.calls]);
  return Array.from({ length: highest + 1 }, (_, i) => ectx.param(i));
}

function describe(
  filters: number,
  project: readonly number[] | undefined,
  columns: number,
  output: PushdownOutput,
): string {
  const parts: string[] = [];
  if (filters > 0) parts.push(`filter (${filters} condition${filters === 1 ? '' : 's'})`);
  if (project !== undefined) parts.push(`columns ${project.length} of ${columns}`);
  switch (output.kind) {
    case 'rows':
      if (output.limit !== undefined) parts.push(`limit ${output.limit} per slice`);
      break;
    case 'topN':
      parts.push(`top-${output.n} per slice`);
      break;
    case 'aggregate':
      parts.push(
        output.groupBy.length === 0
          ? `partial aggregate (${output.calls.length})`
          : `partial aggregate (${output.calls.length}) by ${output.groupBy.length} key${output.groupBy.length === 1 ? '' : 's'}`,
      );
      break;
  }
  return parts.join(', ');
}

/** A row a pushed scan sent back: its primary key and row bytes (maybe projected). */
export interface PushedRow {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** A group a pushed aggregate sent back: its first row and the calls' partial states. */
export interface PushedGroup {
  readonly key: Uint8Array;
  readonly firstRow: Uint8Array;
  readonly states: AggregateState[];
}

export type PushedRead =
  | { readonly kind: 'rows'; readonly rows: readonly PushedRow[] }
  | { readonly kind: 'groups'; readonly groups: readonly PushedGroup[] };

/**
 * Reads `access` of `node`'s table with its program: rows (filtered, projected, a top-N or a
 * LIMIT's worth per slice) or groups, in primary-key order. Undefined when the scan must be read
 * without a program (see the module comment): the caller reads it as before.
 */
export async function readPushed(
  node: ScanNode,
  access: Access,
  pushdown: ScanPushdown,
  txn: Transaction,
  ectx: EvalContext,
): Promise<PushedRead | undefined> {
  const table = node.leaf.table;
  if (table === undefined) return undefined;
  let start: Uint8Array;
  let end: Uint8Array;
  if (access.kind === 'range') {
    start = access.start;
    end = access.end;
  } else if (access.kind === 'fullScan') {
    start = table.primary.layout.prefix;
    end = successor(start);
  } else {
    return undefined;
  }
  let outputs;
  try {
    outputs = await txn.scanProgram(
      start,
      end,
      pushdown.spec,
      pushdown.stopAfter === undefined ? {} : { stopAfter: pushdown.stopAfter },
    );
  } catch (error) {
    // A node that cannot run the program (another version, a value only decidable while
    // running): the plain scan answers.
    if (isTxnError(error) && error.code === 'PROGRAM_REFUSED') return undefined;
    throw error;
  }
  if (outputs === undefined) return undefined;
  outputs.sort((a, b) => compareBytes(a.key, b.key));
  if (pushdown.output === 'aggregate') {
    const calls = pushdown.calls ?? [];
    const groups: PushedGroup[] = [];
    for (const { key, value } of outputs) {
      const out = decodeScanOutput(value);
      // A residual row would have to join its group at its place in key order: read plainly.
      if (out.kind !== 'group') return undefined;
      groups.push({ key, firstRow: out.firstRow, states: importGroupStates(calls, ectx, out) });
    }
    return { kind: 'groups', groups };
  }
  const rows: PushedRow[] = [];
  for (const { key, value } of outputs) {
    const out = decodeScanOutput(value);
    if (out.kind === 'group') throw new Error('a row program answered a group');
    // A residual does not count toward a pushed LIMIT: the slice may have stopped too early.
    if (out.kind === 'residual' && pushdown.stopAfter !== undefined) return undefined;
    rows.push({ key, value: out.row });
  }
  return { kind: 'rows', rows };
}
