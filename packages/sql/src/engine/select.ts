/**
 * Queries: SELECT (joins, grouping, ordering), UNION / INTERSECT / EXCEPT, subqueries (scalar,
 * IN, EXISTS, ANY / ALL — correlated or not) and derived tables, over the statement's snapshot.
 *
 * How a statement runs:
 *   1. A single-table SELECT whose WHERE has no subquery reads only the rows WHERE selects
 *      (a point lookup when WHERE fixes the primary key) — `matchingRows`.
 *   2. Every other table the statement names, anywhere (joins, subqueries, derived tables), is
 *      read once at the transaction's snapshot before evaluation starts: subqueries then run
 *      synchronously inside expression evaluation (the evaluator's `subquery` hook).
 *   3. A subquery that reads no column of an enclosing query runs once per statement (cached
 *      by node); a correlated one runs per outer row.
 *
 * Name resolution across scopes: a subquery binds its expressions against its own columns
 * (depth 0) followed by the enclosing queries' columns (depth 1, 2, ...); the innermost
 * match wins, as in MySQL.
 *
 * Not built yet: pushing work to the slices (filters, partial aggregates, top-N), hash joins,
 * index lookups inside joins; memory is not bounded (rows are materialized per table).
 */
import type {
  ColumnRef,
  Expr,
  OrderItem,
  Query,
  Select,
  SelectExprItem,
  TableName,
  TableRef,
  Union,
} from '../ast.js';
import { decodeRow } from '../encoding/row-codec.js';
import { SqlNotSupportedError, SqlSemanticError } from '../errors.js';
import { createAggregate, distinctKey } from '../eval/aggregates.js';
import { bind, children } from '../eval/bind.js';
import type { Binding, Clause, ColumnInfo } from '../eval/bind.js';
import { sortCompare } from '../eval/compare.js';
import type { EvalContext } from '../eval/context.js';
import { toBool, toText } from '../eval/convert.js';
import { evaluate } from '../eval/evaluate.js';
import { partsFromEpochMicros } from '../eval/temporal.js';
import { aggregateTypes, conformValue, inferType, longlong } from '../eval/types.js';
import type { ResultType, TypeEnv } from '../eval/types.js';
import type { SqlValue } from '../eval/value.js';
import { fromRowValue, resultTypeOf } from './column-values.js';
import type { EngineResult, ResultColumn } from './ddl.js';
import { aggregatesIn, matchingRows, replaceAggregates, scanAll, scanEntries } from './dml.js';
import type { DmlContext } from './dml.js';
import { isVirtualDatabase, virtualTable } from './information-schema.js';
import { resolveTable } from './tables.js';
import type { ResolvedTable } from './tables.js';

/** Rows of one or more tables with their columns, as a query reads them. */
interface Source {
  readonly infos: ColumnInfo[];
  readonly types: ResultType[];
  /** For `*`: which slots each alias shows (hidden columns left out). */
  readonly visibleByAlias: Map<string, number[]>;
  readonly aliases: string[];
  rows: SqlValue[][];
}

/** The result of a query: its columns and rows, and how far out it read (0 = only itself). */
interface QueryResult {
  readonly columns: ResultColumn[];
  readonly rows: SqlValue[][];
  readonly reach: number;
}

/** Statement-wide state: tables read at the snapshot, results of uncorrelated subqueries. */
interface QueryEnv {
  /** Names resolve against this view and default database. */
  readonly ctx: Pick<DmlContext, 'view' | 'database'>;
  readonly ectx: EvalContext;
  readonly tables: Map<string, { table: ResolvedTable; rows: SqlValue[][] }>;
  readonly cache: Map<Query, SqlValue[][]>;
  readonly types: Map<Query, ResultType[]>;
  /** Type inference only: tables read as empty, subqueries answer no rows. */
  readonly dry: boolean;
}

/** The columns of the enclosing queries (depth 0 = the nearest one) and their current row. */
interface Outer {
  readonly infos: readonly ColumnInfo[];
  readonly types: readonly ResultType[];
  readonly row: () => readonly SqlValue[];
}

const EMPTY_ROW: readonly SqlValue[] = [];

/** Run a query statement (SELECT with FROM, or a UNION) in the statement's transaction. */
export async function executeQuery(query: Query, ctx: DmlContext): Promise<EngineResult> {
  const ectx = ctx.evalContext();
  const env: QueryEnv = {
    ctx,
    ectx,
    tables: new Map(),
    cache: new Map(),
    types: new Map(),
    dry: false,
  };
  // A single-table SELECT reads only what its WHERE selects (point lookups by primary key).
  let first: Source | undefined;
  const direct = query.kind === 'select' ? directTable(query, ctx) : undefined;
  const locking = query.kind === 'select' && query.lock !== undefined;
  if (direct !== undefined && query.kind === 'select') {
    first = await filteredTableSource(direct, query.where, ctx, ectx, locking);
  }
  const refs: TableName[] = [];
  collectTables(query, refs, direct);
  await readTables(refs, env, ctx);
  if (locking && direct === undefined) {
    // FOR UPDATE over joins or scans: every row read from the FROM tables is locked, as
    // InnoDB locks the rows a scan reads.
    const top: TableName[] = [];
    const visit = (ref: TableRef): void => {
      if (ref.kind === 'table') top.push(ref.table);
      else if (ref.kind === 'join') {
        visit(ref.left);
        visit(ref.right);
      }
    };
    for (const ref of query.from) visit(ref);
    for (const name of top) {
      if (isVirtualDatabase(name.db ?? ctx.database)) continue;
      const table = resolveTable(ctx.view, name, ctx.database);
      for (const { key } of await scanEntries(ctx, table)) await ctx.txn.getForUpdate(key);
    }
  }
  const result =
    query.kind === 'select' ? runSelect(query, env, undefined, first) : runQuery(query, env);
  return { kind: 'rows', columns: result.columns, rows: result.rows, warnings: [] };
}

/**
 * The result columns of a query without running it (COM_STMT_PREPARE's metadata): names and
 * types from the catalog, nothing read, parameters typed as unknown.
 */
export function describeQuery(
  query: Query,
  ctx: Pick<DmlContext, 'view' | 'database' | 'evalContext'>,
): ResultColumn[] {
  const env: QueryEnv = {
    ctx,
    ectx: ctx.evalContext(),
    tables: new Map(),
    cache: new Map(),
    types: new Map(),
    dry: true,
  };
  return runQuery(query, env).columns;
}

/** Read the named tables (once each) at the statement's snapshot. */
async function readTables(
  refs: readonly TableName[],
  env: QueryEnv,
  ctx: DmlContext,
): Promise<void> {
  for (const name of refs) {
    const database = name.db ?? ctx.database;
    if (isVirtualDatabase(database)) continue;
    const table = resolveTable(ctx.view, name, ctx.database);
    const key = tableKey(table);
    if (env.tables.has(key)) continue;
    const rows = (await scanAll(ctx, table)).map((bytes) => {
      const row = decodeRow(bytes);
      return table.columns.map((c) => fromRowValue(row.get(c.id), c));
    });
    env.tables.set(key, { table, rows });
  }
}

/**
 * Expressions over the rows of one table (UPDATE / DELETE): subqueries inside them read the
 * statement's snapshot, read here first. A subquery may not read the table being changed
 * (1093, as MySQL).
 */
export async function rowExpressions(
  table: ResolvedTable,
  exprs: readonly Expr[],
  ctx: DmlContext,
): Promise<(expr: Expr, clause: Clause) => (row: readonly SqlValue[]) => SqlValue> {
  const env: QueryEnv = {
    ctx,
    ectx: ctx.evalContext(),
    tables: new Map(),
    cache: new Map(),
    types: new Map(),
    dry: false,
  };
  const queries: Query[] = [];
  for (const e of exprs) subqueriesIn(e, queries);
  const refs: TableName[] = [];
  for (const q of queries) collectTables(q, refs, undefined);
  for (const name of refs) {
    if (isVirtualDatabase(name.db ?? ctx.database)) continue;
    if (tableKey(resolveTable(ctx.view, name, ctx.database)) === tableKey(table)) {
      throw new SqlSemanticError(
        1093,
        'HY000',
        `You can't specify target table '${table.view.name}' for update in FROM clause`,
      );
    }
  }
  await readTables(refs, env, ctx);
  const infos = table.columns.map((c) => ({
    db: table.view.database,
    table: table.view.name,
    name: c.name,
  }));
  const scope = new Scope(
    infos,
    table.columns.map((c) => resultTypeOf(c)),
    undefined,
    env,
  );
  return (expr, clause) => {
    let current: readonly SqlValue[] = EMPTY_ROW;
    const ectx = scope.context(scope.bind(expr, clause), () => current);
    return (row) => {
      current = row;
      return evaluate(expr, ectx);
    };
  };
}

/** Whether a SELECT aggregates (GROUP BY, HAVING, or an aggregate call in its list / ORDER BY). */
export function hasAggregate(select: Select): boolean {
  return (
    select.groupBy.length > 0 ||
    select.having !== undefined ||
    [
      ...select.columns.flatMap((c) => (c.kind === 'expr' ? [c.expr] : [])),
      ...select.orderBy.map((o) => o.expr),
    ].some((e) => aggregatesIn(e).length > 0)
  );
}

/** Whether `query` (anywhere) holds a subquery or a derived table. */
export function hasSubquery(query: Query): boolean {
  const found: Query[] = [];
  const exprsOf = (q: Query): Expr[] =>
    q.kind === 'union'
      ? [...exprsOf(q.left), ...exprsOf(q.right), ...q.orderBy.map((o) => o.expr)]
      : [
          ...q.columns.flatMap((c) => (c.kind === 'expr' ? [c.expr] : [])),
          ...(q.where === undefined ? [] : [q.where]),
          ...q.groupBy,
          ...(q.having === undefined ? [] : [q.having]),
          ...q.orderBy.map((o) => o.expr),
        ];
  for (const e of exprsOf(query)) subqueriesIn(e, found);
  const derived = (r: TableRef): boolean =>
    r.kind === 'derived' || (r.kind === 'join' && (derived(r.left) || derived(r.right)));
  return found.length > 0 || (query.kind === 'select' && query.from.some(derived));
}

function directTable(
  select: Select,
  ctx: DmlContext,
): { table: TableName; alias?: string } | undefined {
  const [only, ...others] = select.from;
  if (only === undefined || others.length > 0 || only.kind !== 'table') return undefined;
  if (isVirtualDatabase(only.table.db ?? ctx.database)) return undefined;
  if (select.where === undefined) return select.lock === undefined ? undefined : only;
  const found: Query[] = [];
  subqueriesIn(select.where, found);
  return found.length === 0 ? only : undefined;
}

function tableKey(table: ResolvedTable): string {
  return `${table.view.database}\u0000${table.view.name}`;
}

/** The queries directly inside `e` (subqueries, EXISTS, IN / ANY / ALL). */
function subqueriesIn(e: Expr, out: Query[]): void {
  if (
    e.kind === 'subquery' ||
    e.kind === 'exists' ||
    e.kind === 'inSubquery' ||
    e.kind === 'quantified'
  ) {
    out.push(e.query);
  }
  for (const c of children(e)) subqueriesIn(c, out);
}

/** Every base table `query` names, except the `skip` reference (read through its WHERE). */
function collectTables(query: Query, out: TableName[], skip: object | undefined): void {
  const fromExprs = (e: Expr | undefined) => {
    if (e === undefined) return;
    const qs: Query[] = [];
    subqueriesIn(e, qs);
    for (const q of qs) collectTables(q, out, undefined);
  };
  if (query.kind === 'union') {
    collectTables(query.left, out, undefined);
    collectTables(query.right, out, undefined);
    for (const o of query.orderBy) fromExprs(o.expr);
    return;
  }
  const visit = (ref: TableRef) => {
    switch (ref.kind) {
      case 'table':
        if (ref !== skip) out.push(ref.table);
        return;
      case 'derived':
        collectTables(ref.query, out, undefined);
        return;
      case 'join':
        visit(ref.left);
        visit(ref.right);
        fromExprs(ref.on);
        return;
    }
  };
  for (const ref of query.from) visit(ref);
  for (const c of query.columns) if (c.kind === 'expr') fromExprs(c.expr);
  fromExprs(query.where);
  for (const g of query.groupBy) fromExprs(g);
  fromExprs(query.having);
  for (const o of query.orderBy) fromExprs(o.expr);
}

async function filteredTableSource(
  ref: { table: TableName; alias?: string },
  where: Expr | undefined,
  ctx: DmlContext,
  ectx: EvalContext,
  lock: boolean,
): Promise<Source> {
  const table = resolveTable(ctx.view, ref.table, ctx.database);
  const alias = ref.alias ?? table.view.name;
  const matched = await matchingRows(table, where, ctx, ectx, alias);
  // FOR UPDATE / FOR SHARE: each selected row joins the transaction's write set, so a
  // transaction that changed it since this snapshot makes this one fail at commit (1213), and
  // the other way round. (FOR SHARE is treated as FOR UPDATE.)
  if (lock) for (const { key } of matched) await ctx.txn.getForUpdate(key);
  return tableShape(
    table,
    alias,
    matched.map((r) => r.values),
  );
}

function tableShape(table: ResolvedTable, alias: string, rows: SqlValue[][]): Source {
  const slots: number[] = [];
  table.columns.forEach((c, i) => {
    if (c.hidden !== true) slots.push(i);
  });
  return {
    infos: table.columns.map((c) => ({ db: table.view.database, table: alias, name: c.name })),
    types: table.columns.map((c) => resultTypeOf(c)),
    visibleByAlias: new Map([[alias, slots]]),
    aliases: [alias],
    rows,
  };
}

/** A table of the statement, from the rows read at the snapshot (or the system database). */
function tableSource(ref: { table: TableName; alias?: string }, env: QueryEnv): Source {
  const { ctx } = env;
  const database = ref.table.db ?? ctx.database;
  if (database !== undefined && isVirtualDatabase(database)) {
    const system = virtualTable(database, ref.table.name);
    const alias = ref.alias ?? ref.table.name;
    const slots = system.columns.map((_, i) => i);
    return {
      infos: system.columns.map((c) => ({ db: database, table: alias, name: c.name })),
      types: system.columns.map((c) => resultTypeOf(c)),
      visibleByAlias: new Map([[alias, slots]]),
      aliases: [alias],
      rows: env.dry ? [] : system.rows(ctx.view),
    };
  }
  const table = resolveTable(ctx.view, ref.table, ctx.database);
  const alias = ref.alias ?? table.view.name;
  if (env.dry) return tableShape(table, alias, []);
  const read = env.tables.get(tableKey(table));
  if (read === undefined) throw new Error(`table ${tableKey(table)} was not read`);
  return tableShape(table, alias, read.rows);
}

/**
 * Binding and evaluation for one operator: its input columns at depth 0, the enclosing
 * queries' after them; subqueries inside its expressions see the operator's current row.
 */
class Scope {
  readonly infos: ColumnInfo[];
  private readonly inner: number;
  /** How far out this scope's bindings (and its subqueries') reached. */
  reach = 0;

  constructor(
    infos: readonly ColumnInfo[],
    private readonly types: readonly ResultType[],
    private readonly outer: Outer | undefined,
    private readonly env: QueryEnv,
  ) {
    this.inner = infos.length;
    this.infos = [
      ...infos.map((i) => ({ ...i, depth: 0 })),
      ...(outer?.infos ?? []).map((i) => ({ ...i, depth: (i.depth ?? 0) + 1 })),
    ];
  }

  bind(expr: Expr, clause: Clause): Binding {
    const binding = bind(expr, this.infos, {
      clause,
      session: { database: this.env.ctx.database ?? null },
    });
    for (const slot of binding.slots.values()) {
      this.reach = Math.max(this.reach, this.infos[slot]?.depth ?? 0);
    }
    return binding;
  }

  typeEnv(): TypeEnv {
    return {
      column: (ref: ColumnRef): ResultType => {
        let slot: number;
        try {
          slot = this.bind(ref, 'field list').slots.get(ref) ?? -1;
        } catch {
          return longlong();
        }
        const type = slot < this.inner ? this.types[slot] : this.outer?.types[slot - this.inner];
        return type ?? longlong();
      },
      subquery: (q: Query) => this.subqueryTypes(q)[0],
    };
  }

  /** An evaluation context reading the bound columns of `row()` (and of the enclosing rows). */
  context(binding: Binding, row: () => readonly SqlValue[]): EvalContext {
    const inner = this.inner;
    const outerRow = this.outer?.row ?? (() => EMPTY_ROW);
    const full = () => [...row(), ...outerRow()];
    return {
      ...this.env.ectx,
      column: (ref) => {
        const slot = binding.slots.get(ref);
        if (slot === undefined) throw new Error(`column ${ref.name} was not bound`);
        return (slot < inner ? row()[slot] : outerRow()[slot - inner]) ?? null;
      },
      subquery: (q) => this.subquery(q, full),
    };
  }

  private subquery(q: Query, row: () => readonly SqlValue[]): readonly (readonly SqlValue[])[] {
    if (this.env.dry) return [];
    const cached = this.env.cache.get(q);
    if (cached !== undefined) return cached;
    const result = runQuery(q, this.env, { infos: this.infos, types: this.allTypes(), row });
    if (result.reach === 0) this.env.cache.set(q, result.rows);
    this.reach = Math.max(this.reach, result.reach - 1);
    return result.rows;
  }

  private subqueryTypes(q: Query): ResultType[] {
    const known = this.env.types.get(q);
    if (known !== undefined) return known;
    const dry: QueryEnv = { ...this.env, dry: true, cache: new Map() };
    const nulls = this.infos.map(() => null);
    const result = runQuery(q, dry, {
      infos: this.infos,
      types: this.allTypes(),
      row: () => nulls,
    });
    const types = result.columns.map((c) => ({ ...c.type, nullable: true }));
    this.env.types.set(q, types);
    return types;
  }

  private allTypes(): ResultType[] {
    return [...this.types, ...(this.outer?.types ?? [])];
  }
}

function runQuery(query: Query, env: QueryEnv, outer?: Outer): QueryResult {
  return query.kind === 'select'
    ? runSelect(query, env, outer)
    : runSetOperation(query, env, outer);
}

/** The rows of a FROM item: a table, a derived table, or a join of two (nested loops). */
function fromSource(ref: TableRef, env: QueryEnv, outer: Outer | undefined): Source {
  if (ref.kind === 'table') return tableSource(ref, env);
  if (ref.kind === 'derived') {
    // Derived tables do not see the enclosing query (no LATERAL).
    const result = runQuery(ref.query, env);
    const names = ref.columns ?? result.columns.map((c) => c.name);
    if (names.length !== result.columns.length) {
      throw new SqlSemanticError(
        1353,
        'HY000',
        `In definition of view, derived table or common table expression, SELECT list and column names list have different column counts`,
      );
    }
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n.toLowerCase()))
        throw new SqlSemanticError(1060, '42S21', `Duplicate column name '${n}'`);
      seen.add(n.toLowerCase());
    }
    return {
      infos: names.map((name) => ({ table: ref.alias, name })),
      types: result.columns.map((c) => c.type),
      visibleByAlias: new Map([[ref.alias, names.map((_, i) => i)]]),
      aliases: [ref.alias],
      rows: result.rows,
    };
  }
  if (ref.natural === true) throw new SqlNotSupportedError('NATURAL JOIN (not built yet)', 0);
  const left = fromSource(ref.left, env, outer);
  const right = fromSource(ref.right, env, outer);
  const joined = joinShape(left, right);
  const offset = left.infos.length;
  const ectx = env.ectx;
  let condition: ((row: readonly SqlValue[]) => boolean) | undefined;
  if (ref.on !== undefined) {
    const on = ref.on;
    const scope = new Scope(joined.infos, joined.types, outer, env);
    const binding = scope.bind(on, 'on clause');
    let current: readonly SqlValue[] = EMPTY_ROW;
    const octx = scope.context(binding, () => current);
    condition = (row) => {
      current = row;
      return toBool(evaluate(on, octx), ectx.warn.bind(ectx)) === true;
    };
  } else if (ref.using !== undefined) {
    const pairs = ref.using.map((name) => {
      const find = (source: Source) =>
        source.infos.findIndex((i) => i.name.toLowerCase() === name.toLowerCase());
      const l = find(left);
      const r = find(right);
      if (l < 0 || r < 0) {
        throw new SqlSemanticError(1054, '42S22', `Unknown column '${name}' in 'from clause'`);
      }
      return [l, r + offset] as const;
    });
    const cmp = compareEnv(ectx);
    condition = (row) =>
      pairs.every(([l, r]) => {
        const a = row[l] ?? null;
        const b = row[r] ?? null;
        return a !== null && b !== null && sortCompare(a, b, cmp) === 0;
      });
  }
  const nullsOf = (n: number) => Array.from({ length: n }, () => null as SqlValue);
  const rows: SqlValue[][] = [];
  if (ref.type === 'RIGHT') {
    for (const r of right.rows) {
      let matched = false;
      for (const l of left.rows) {
        const row = [...l, ...r];
        if (condition === undefined || condition(row)) {
          rows.push(row);
          matched = true;
        }
      }
      if (!matched) rows.push([...nullsOf(left.infos.length), ...r]);
    }
  } else {
    for (const l of left.rows) {
      let matched = false;
      for (const r of right.rows) {
        const row = [...l, ...r];
        if (condition === undefined || condition(row)) {
          rows.push(row);
          matched = true;
        }
      }
      if (!matched && ref.type === 'LEFT') rows.push([...l, ...nullsOf(right.infos.length)]);
    }
  }
  return { ...joined, rows };
}

/** The columns of `left` then `right` (1066 for an alias used twice); rows left empty. */
function joinShape(left: Source, right: Source): Source {
  for (const alias of right.aliases) {
    if (left.aliases.includes(alias)) {
      throw new SqlSemanticError(1066, '42000', `Not unique table/alias: '${alias}'`);
    }
  }
  const offset = left.infos.length;
  const visibleByAlias = new Map(left.visibleByAlias);
  for (const [alias, slots] of right.visibleByAlias) {
    visibleByAlias.set(
      alias,
      slots.map((s) => s + offset),
    );
  }
  return {
    infos: [...left.infos, ...right.infos],
    types: [...left.types, ...right.types],
    visibleByAlias,
    aliases: [...left.aliases, ...right.aliases],
    rows: [],
  };
}

/** FROM a, b with WHERE conjuncts applied as rows are made (see runSelect). */
function crossJoinWhere(
  left: Source,
  right: Source,
  keep: (joined: Source) => ((row: readonly SqlValue[]) => boolean) | undefined,
): Source {
  const joined = joinShape(left, right);
  const test = keep(joined);
  const rows: SqlValue[][] = [];
  for (const l of left.rows) {
    for (const r of right.rows) {
      const row = [...l, ...r];
      if (test === undefined || test(row)) rows.push(row);
    }
  }
  joined.rows = rows;
  return joined;
}

/** `a AND b AND c` → [a, b, c]. */
function conjunctsOf(e: Expr): Expr[] {
  return e.kind === 'binary' && e.op === 'AND'
    ? [...conjunctsOf(e.left), ...conjunctsOf(e.right)]
    : [e];
}

function andOf(a: Expr, b: Expr): Expr {
  return { kind: 'binary', op: 'AND', left: a, right: b };
}

/**
 * Whether conjunct `e` can be evaluated over `source` alone: every column it names is one of
 * `source`'s (no subquery, no variable assignment, nothing random — evaluating it early
 * must not change what it does).
 */
function readsOnly(e: Expr, source: Source, outer: Outer | undefined, env: QueryEnv): boolean {
  const plain = (x: Expr): boolean => {
    if (x.kind === 'subquery' || x.kind === 'exists' || x.kind === 'inSubquery') return false;
    if (x.kind === 'quantified' || x.kind === 'assign') return false;
    if (x.kind === 'call' && ['RAND', 'UUID', 'SLEEP'].includes(x.name.toUpperCase())) {
      return false;
    }
    return children(x).every(plain);
  };
  if (!plain(e)) return false;
  try {
    const scope = new Scope(source.infos, source.types, outer, env);
    const binding = scope.bind(e, 'where clause');
    return [...binding.slots.values()].every((slot) => slot < source.infos.length);
  } catch {
    return false;
  }
}

/** FROM a, b: every row of a with every row of b. */
function crossJoin(left: Source, right: Source): Source {
  const joined = joinShape(left, right);
  joined.rows = left.rows.flatMap((l) => right.rows.map((r) => [...l, ...r]));
  return joined;
}

function compareEnv(ectx: EvalContext) {
  return {
    warn: ectx.warn.bind(ectx),
    today: partsFromEpochMicros(ectx.nowMicros, ectx.timeZoneOffsetSeconds),
  };
}

/** `ORDER BY 2` / `GROUP BY 1`: the select-list item at that position (1-based), if so. */
function position(e: Expr, count: number, clause: Clause): number | undefined {
  if (e.kind !== 'number' || e.numberType !== 'int') return undefined;
  const n = Number(e.text);
  if (!Number.isInteger(n) || n < 1 || n > count) {
    throw new SqlSemanticError(1054, '42S22', `Unknown column '${e.text}' in '${clause}'`);
  }
  return n - 1;
}

function runSelect(
  stmt: Select,
  env: QueryEnv,
  outer: Outer | undefined,
  prepared?: Source,
): QueryResult {
  const { ectx } = env;
  let source: Source;
  let whereDone = false;
  /** The part of WHERE not yet applied while joining ('all': none of it was). */
  let remainingWhere: Expr | 'all' | undefined = 'all';
  if (prepared !== undefined) {
    source = prepared;
    whereDone = true;
  } else if (stmt.from.length === 0) {
    // One row without columns (none when only describing: nothing is evaluated then).
    const rows = env.dry ? [] : [[]];
    source = { infos: [], types: [], visibleByAlias: new Map(), aliases: [], rows };
  } else {
    const [first, ...others] = stmt.from;
    if (first === undefined) throw new Error('unreachable');
    source = fromSource(first, env, outer);
    // FROM a, b, c WHERE ...: each WHERE conjunct that reads only the tables joined so far
    // filters the rows as they are joined, so the cross product never grows past what WHERE
    // keeps (the rest is applied below, with the whole WHERE checked there as before).
    const where0 = stmt.where;
    const early = others.length > 0 && where0 !== undefined && !whereDone;
    let pending = early ? conjunctsOf(where0) : [];
    const keep = (joined: Source): ((row: readonly SqlValue[]) => boolean) | undefined => {
      const ready: Expr[] = [];
      pending = pending.filter((c) => {
        if (!readsOnly(c, joined, outer, env)) return true;
        ready.push(c);
        return false;
      });
      if (ready.length === 0) return undefined;
      const scope = new Scope(joined.infos, joined.types, outer, env);
      let at: readonly SqlValue[] = EMPTY_ROW;
      const tests = ready.map((c) => ({
        c,
        ctx: scope.context(scope.bind(c, 'where clause'), () => at),
      }));
      return (row) => {
        at = row;
        return tests.every((t) => toBool(evaluate(t.c, t.ctx), ectx.warn.bind(ectx)) === true);
      };
    };
    if (early) {
      const test = keep(source);
      if (test !== undefined) source.rows = source.rows.filter(test);
    }
    for (const next of others) {
      const right = fromSource(next, env, outer);
      source = early ? crossJoinWhere(source, right, keep) : crossJoin(source, right);
    }
    if (early) {
      // What is left of WHERE runs in the ordinary filter below.
      remainingWhere = pending.length === 0 ? undefined : pending.reduce(andOf);
    }
  }
  let reach = 0;
  const scopes: Scope[] = [];
  const scopeOf = (infos: readonly ColumnInfo[], types: readonly ResultType[]) => {
    const s = new Scope(infos, types, outer, env);
    scopes.push(s);
    return s;
  };

  // The select list, `*` expanded over the tables in FROM order.
  const items: SelectExprItem[] = [];
  for (const item of stmt.columns) {
    if (item.kind === 'star') {
      if (stmt.from.length === 0) throw new SqlSemanticError(1096, 'HY000', 'No tables used');
      const aliases = item.table === undefined ? source.aliases : [item.table];
      for (const alias of aliases) {
        const slots = source.visibleByAlias.get(alias);
        if (slots === undefined)
          throw new SqlSemanticError(1051, '42S02', `Unknown table '${alias}'`);
        for (const slot of slots) {
          const info = source.infos[slot];
          if (info === undefined) continue;
          items.push({
            kind: 'expr',
            expr: { kind: 'column', name: info.name, table: alias } as Expr,
            source: info.name,
          });
        }
      }
    } else {
      items.push(item);
    }
  }
  let current: readonly SqlValue[] = EMPTY_ROW;
  const row = () => current;
  const sourceScope = scopeOf(source.infos, source.types);
  if (stmt.where !== undefined && !whereDone) {
    // The whole WHERE binds against the whole FROM (1054 / 1052 as before), even when parts of
    // it already filtered the joins.
    const bound = sourceScope.bind(stmt.where, 'where clause');
    const where = remainingWhere === 'all' ? stmt.where : remainingWhere;
    const wctx =
      where === stmt.where
        ? sourceScope.context(bound, row)
        : where === undefined
          ? undefined
          : sourceScope.context(sourceScope.bind(where, 'where clause'), row);
    source.rows = source.rows.filter((r) => {
      if (where === undefined || wctx === undefined) return true;
      current = r;
      return toBool(evaluate(where, wctx), ectx.warn.bind(ectx)) === true;
    });
  }

  const types = items.map((i) => inferType(i.expr, sourceScope.typeEnv()));
  // GROUP BY / ORDER BY positions name select-list items.
  const groupBy = stmt.groupBy.map((g) => {
    const p = position(g, items.length, 'group statement');
    return p === undefined ? g : (items[p]?.expr ?? g);
  });
  // Grouping: aggregate results become extra columns `__agg<i>` of one row per group.
  const grouped =
    groupBy.length > 0 ||
    stmt.having !== undefined ||
    [...items.map((i) => i.expr), ...stmt.orderBy.map((o) => o.expr)].some(
      (e) => aggregatesIn(e).length > 0,
    );
  let infos: ColumnInfo[] = source.infos;
  let infoTypes: ResultType[] = source.types;
  let rows: SqlValue[][] = source.rows;
  let exprs = items.map((i) => i.expr);
  let having = stmt.having;
  let order: { expr: Expr; desc: boolean; item?: number }[] = stmt.orderBy.map((o: OrderItem) => {
    const p = position(o.expr, items.length, 'order clause');
    return p === undefined
      ? { expr: o.expr, desc: o.desc }
      : { expr: o.expr, desc: o.desc, item: p };
  });
  if (grouped) {
    const calls = [
      ...exprs.flatMap((e) => aggregatesIn(e)),
      ...(having === undefined ? [] : aggregatesIn(having)),
      ...order.flatMap((o) => (o.item === undefined ? aggregatesIn(o.expr) : [])),
    ];
    const argContexts = calls.map((c) =>
      c.args.map((a) => {
        if (aggregatesIn(a).length > 0) {
          throw new SqlSemanticError(1111, 'HY000', 'Invalid use of group function');
        }
        return sourceScope.context(sourceScope.bind(a, 'field list'), row);
      }),
    );
    const groupContexts = groupBy.map((g) =>
      sourceScope.context(sourceScope.bind(g, 'group statement'), row),
    );
    const groups = new Map<
      string,
      { first: readonly SqlValue[]; states: ReturnType<typeof createAggregate>[] }
    >();
    const newGroup = (first: readonly SqlValue[]) => ({
      first,
      states: calls.map((c) => createAggregate(c, ectx)),
    });
    for (const r of source.rows) {
      current = r;
      const key = groupBy
        .map((g, i) => {
          const c = groupContexts[i];
          return distinctKey(c === undefined ? null : evaluate(g, c));
        })
        .join('\u0000');
      let group = groups.get(key);
      if (group === undefined) {
        group = newGroup(r);
        groups.set(key, group);
      }
      const states = group.states;
      calls.forEach((call, i) => {
        const args =
          call.star === true
            ? []
            : call.args.map((a, j) => {
                const c = argContexts[i]?.[j];
                return c === undefined ? null : evaluate(a, c);
              });
        states[i]?.add(args);
      });
    }
    if (groups.size === 0 && groupBy.length === 0) {
      groups.set('', newGroup(source.infos.map(() => null)));
    }
    infos = [...source.infos, ...calls.map((_, i) => ({ name: `__agg${i}` }))];
    infoTypes = [...source.types, ...calls.map(() => longlong())];
    rows = [...groups.values()].map((g) => [...g.first, ...g.states.map((st) => st.result())]);
    exprs = exprs.map((e) => replaceAggregates(e, calls));
    having = having === undefined ? undefined : replaceAggregates(having, calls);
    order = order.map((o) =>
      o.item === undefined ? { ...o, expr: replaceAggregates(o.expr, calls) } : o,
    );
  }
  const outScope = scopeOf(infos, infoTypes);
  if (having !== undefined) {
    const h = having;
    const hctx = outScope.context(outScope.bind(h, 'having clause'), row);
    rows = rows.filter((r) => {
      current = r;
      return toBool(evaluate(h, hctx), ectx.warn.bind(ectx)) === true;
    });
  }
  const itemContexts = exprs.map((e) => outScope.context(outScope.bind(e, 'field list'), row));
  if (order.length > 0) {
    const cmp = compareEnv(ectx);
    // ORDER BY may name a select-list alias (MySQL resolves aliases first) or a position.
    const aliasOf = new Map(
      items.flatMap((item, i) =>
        item.alias === undefined ? [] : ([[item.alias.toLowerCase(), i]] as const),
      ),
    );
    const orderEval = order.map((o) => {
      if (o.item !== undefined) return { kind: 'item' as const, index: o.item };
      if (o.expr.kind === 'column' && o.expr.table === undefined) {
        const i = aliasOf.get(o.expr.name.toLowerCase());
        if (i !== undefined) return { kind: 'item' as const, index: i };
      }
      return {
        kind: 'expr' as const,
        ctx: outScope.context(outScope.bind(o.expr, 'order clause'), row),
      };
    });
    const keyed = rows.map((r) => {
      current = r;
      return {
        r,
        keys: order.map((o, i) => {
          const how = orderEval[i];
          if (how === undefined) return null;
          if (how.kind === 'item') {
            const e = exprs[how.index];
            const c = itemContexts[how.index];
            return e === undefined || c === undefined ? null : evaluate(e, c);
          }
          return evaluate(o.expr, how.ctx);
        }),
      };
    });
    keyed.sort((a, b) => {
      for (let i = 0; i < order.length; i++) {
        const c = sortCompare(a.keys[i] ?? null, b.keys[i] ?? null, cmp);
        if (c !== 0) return order[i]?.desc === true ? -c : c;
      }
      return 0;
    });
    rows = keyed.map((k) => k.r);
  }
  let out = rows.map((r) => {
    current = r;
    return exprs.map((e, i) => {
      const c = itemContexts[i];
      const v = c === undefined ? null : evaluate(e, c);
      const rt = types[i];
      return rt === undefined ? v : conformValue(v, rt, ectx);
    });
  });
  if (stmt.distinct) out = distinctRows(out);
  if (stmt.limit !== undefined) out = applyLimit(out, stmt.limit, ectx);
  const columns: ResultColumn[] = items.map((item, i) => {
    const slot =
      item.expr.kind === 'column'
        ? source.infos.findIndex(
            (x) =>
              item.expr.kind === 'column' &&
              x.name.toLowerCase() === item.expr.name.toLowerCase() &&
              (item.expr.table === undefined || x.table === item.expr.table),
          )
        : -1;
    const info = source.infos[slot];
    return {
      name: item.alias ?? (item.expr.kind === 'column' ? item.expr.name : item.source),
      type: types[i] ?? longlong(),
      ...(info?.db === undefined ? {} : { database: info.db }),
      ...(info?.table === undefined ? {} : { table: info.table }),
    };
  });
  for (const s of scopes) reach = Math.max(reach, s.reach);
  return { columns, rows: out, reach };
}

function distinctRows(rows: SqlValue[][]): SqlValue[][] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = rowKey(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function rowKey(r: readonly SqlValue[]): string {
  return r.map((v) => distinctKey(v)).join('\u0000');
}

function applyLimit(
  rows: SqlValue[][],
  limit: NonNullable<Select['limit']>,
  ectx: EvalContext,
): SqlValue[][] {
  const n = (e: Expr) => Number(toText(evaluate(e, ectx)) ?? '0');
  const offset = limit.offset === undefined ? 0 : n(limit.offset);
  return rows.slice(offset, offset + n(limit.count));
}

/** UNION [ALL] / INTERSECT / EXCEPT: columns named by the left side, types merged. */
function runSetOperation(u: Union, env: QueryEnv, outer: Outer | undefined): QueryResult {
  const { ectx } = env;
  const left = runQuery(u.left, env, outer);
  const right = runQuery(u.right, env, outer);
  if (left.columns.length !== right.columns.length) {
    throw new SqlSemanticError(
      1222,
      '21000',
      'The used SELECT statements have a different number of columns',
    );
  }
  const types = left.columns.map((c, i) => {
    const r = right.columns[i]?.type ?? c.type;
    return aggregateTypes([c.type, r], c.type.nullable || r.nullable);
  });
  const conform = (rows: SqlValue[][]) =>
    rows.map((r) =>
      r.map((v, i) => {
        const rt = types[i];
        return rt === undefined ? v : conformValue(v, rt, ectx);
      }),
    );
  const l = conform(left.rows);
  const r = conform(right.rows);
  let rows: SqlValue[][];
  switch (u.op) {
    case 'UNION':
      rows = u.all ? [...l, ...r] : distinctRows([...l, ...r]);
      break;
    case 'INTERSECT':
    case 'EXCEPT': {
      const counts = new Map<string, number>();
      for (const row of r) counts.set(rowKey(row), (counts.get(rowKey(row)) ?? 0) + 1);
      const keep = (row: SqlValue[]) => {
        const key = rowKey(row);
        const n = counts.get(key) ?? 0;
        if (u.all && n > 0) counts.set(key, n - 1);
        return u.op === 'INTERSECT' ? n > 0 : n === 0;
      };
      rows = (u.all ? l : distinctRows(l)).filter(keep);
      break;
    }
  }
  const columns: ResultColumn[] = left.columns.map((c, i) => ({
    name: c.name,
    type: types[i] ?? c.type,
  }));
  let reach = Math.max(left.reach, right.reach);
  if (u.orderBy.length > 0) {
    const infos = columns.map((c) => ({ name: c.name }));
    const scope = new Scope(infos, types, outer, env);
    let current: readonly SqlValue[] = EMPTY_ROW;
    const keyOf = u.orderBy.map((o) => {
      const p = position(o.expr, columns.length, 'order clause');
      if (p !== undefined) return (row: readonly SqlValue[]) => row[p] ?? null;
      if (o.expr.kind === 'column' && o.expr.table !== undefined) {
        throw new SqlSemanticError(
          1250,
          '42000',
          `Table '${o.expr.table}' from one of the SELECTs cannot be used in global ORDER clause`,
        );
      }
      const c = scope.context(scope.bind(o.expr, 'order clause'), () => current);
      return (row: readonly SqlValue[]) => {
        current = row;
        return evaluate(o.expr, c);
      };
    });
    const cmp = compareEnv(ectx);
    const keyed = rows.map((row) => ({ row, keys: keyOf.map((k) => k(row)) }));
    keyed.sort((a, b) => {
      for (let i = 0; i < keyOf.length; i++) {
        const c = sortCompare(a.keys[i] ?? null, b.keys[i] ?? null, cmp);
        if (c !== 0) return u.orderBy[i]?.desc === true ? -c : c;
      }
      return 0;
    });
    rows = keyed.map((k) => k.row);
    reach = Math.max(reach, scope.reach);
  }
  if (u.limit !== undefined) rows = applyLimit(rows, u.limit, ectx);
  return { columns, rows, reach };
}
