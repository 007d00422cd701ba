/**
 * Queries: SELECT (joins, grouping, ordering), UNION / INTERSECT / EXCEPT, subqueries (scalar,
 * IN, EXISTS, ANY / ALL — correlated or not) and derived tables, over the statement's snapshot.
 *
 * How a statement runs:
 *   1. The SELECTs that run once per statement with no enclosing row — the statement itself,
 *      the branches of its set operations, the derived tables within those (`independentSelects`)
 *      — read their FROM clause at run time, planned by join-plan.ts: each table through the
 *      access path its own conditions allow (point get, batch get, index lookup, primary-key
 *      range, full scan — access.ts), the tables joined in a greedy order by hash joins,
 *      index-lookup joins or nested loops (join-exec.ts; reads in join-read.ts; WHERE and ON
 *      conjuncts compiled by join-predicates.ts). What comes out is the rows of the whole FROM
 *      clause that WHERE keeps (`readFrom`).
 *   2. Every table a subquery in an expression names is read whole at the transaction's
 *      snapshot before evaluation starts: subqueries then run synchronously inside expression
 *      evaluation (the evaluator's `subquery` hook), their FROM clauses planned the same way
 *      over those rows in memory (hash joins and nested loops; no lookups by key).
 *   3. A subquery that reads no column of an enclosing query runs once per statement (cached
 *      by node); a correlated one runs per outer row.
 *   4. Grouping, HAVING, ORDER BY, DISTINCT and LIMIT run in memory over the joined rows.
 *
 * Cooperative and bounded (statement-work.ts): the executors here and in join-exec.ts are
 * generators that yield a pause every slice of rows (joins, filters, grouping, the merge sort of
 * ORDER BY, projection, DISTINCT, set operations, table decoding). The statement's own work is
 * driven by `runCooperative` — the event loop runs and KILL is checked at each pause — and every
 * row it materializes is charged to `tessera_statement_memory_limit` (3170 past it). A subquery
 * evaluated inside an expression stays synchronous (`runBlocking`: the kill check only, no
 * event-loop turn); the loop over the enclosing rows around it pauses.
 *
 * A prepared statement's runs share one `QueryPlanCache`: the FROM clauses step 1 builds are
 * kept (their closures read the statement environment when they run, and the evaluation
 * contexts compiled into them are refreshed per run), planned again per run.
 *
 * EXPLAIN (explain.ts) renders `planQuery`: the same FROM building and the same planner, with
 * nothing read.
 *
 * Name resolution across scopes: a subquery binds its expressions against its own columns
 * (depth 0) followed by the enclosing queries' columns (depth 1, 2, ...); the innermost
 * match wins, as in MySQL. WHERE binds against the whole FROM clause, an ON condition against
 * the tables of its own join.
 *
 * Not built yet: pushing work to the slices (filters, partial aggregates, top-N), index
 * lookups inside subqueries (their tables are read whole), table statistics (the planner's
 * estimates are fixed guesses), streaming beyond a single-table scan (stream-scan.ts streams
 * those; here rows are materialized per table and per join, within the statement's memory
 * limit, and the result is sent once complete), yielding inside a correlated subquery's own
 * loops.
 */
import type {
  ColumnRef,
  DerivedTable,
  Expr,
  FuncCall,
  Join,
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
import { SqlEvalError } from '../eval/errors.js';
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
import { aggregatesIn, replaceAggregates, scanAll, scanEntries } from './dml.js';
import type { DmlContext } from './dml.js';
import { isVirtualDatabase, virtualTable } from './information-schema.js';
import { planBlock } from './join-plan.js';
import type { Block, PlanLeaf, PlanNode, Predicate, ScanNode } from './join-plan.js';
import { PredicateCompiler } from './join-predicates.js';
import { runFromStorage, runInMemory } from './join-read.js';
import type { LeafRows, PushedGroups } from './join-read.js';
import type { Row } from './join-exec.js';
import { columnMentions } from './columns-mentioned.js';
import { choosePushdowns } from './pushdown-plan.js';
import type { ScanPushdown } from './pushdown-plan.js';
import type { AggregateState } from '../eval/aggregates.js';
import { conjuncts } from './access.js';
import { storedRowsEstimate } from './table-stats.js';
import { resolveTable } from './tables.js';
import { streamedQuery } from './stream-scan.js';
import type { ResolvedTable } from './tables.js';
import { PAUSE, runBlocking, runCooperative, StatementWork } from './statement-work.js';
import type { Cooperative } from './statement-work.js';

/** Rows of one or more tables with their columns, as a query reads them. */
interface Source {
  readonly infos: ColumnInfo[];
  readonly types: ResultType[];
  /** For `*`: which slots each alias shows (hidden columns left out). */
  readonly visibleByAlias: Map<string, number[]>;
  readonly aliases: string[];
  rows: SqlValue[][];
  /**
   * Groups the slices aggregated (pushdown-plan.ts): partial states of `calls` (the executor's
   * aggregate calls, the same nodes) to merge, with each group's first row, in key order.
   */
  partials?: {
    readonly calls: readonly FuncCall[];
    readonly groups: readonly { readonly row: Row; readonly states: AggregateState[] }[];
  };
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
  readonly ctx: Pick<DmlContext, 'view' | 'database' | 'processes' | 'pushdown'>;
  readonly ectx: EvalContext;
  readonly tables: Map<string, { table: ResolvedTable; rows: SqlValue[][] }>;
  readonly cache: Map<Query, SqlValue[][]>;
  readonly types: Map<Query, ResultType[]>;
  /** The FROM rows (WHERE applied) of the independent SELECTs, read before evaluation. */
  readonly prepared: Map<Select, Source>;
  /** Type inference only: tables read as empty, subqueries answer no rows. */
  readonly dry: boolean;
  /** Paces the statement (pauses, KILL) and bounds what it materializes. */
  readonly work: StatementWork;
  /**
   * While a FROM clause is built for a plan cache: every evaluation context compiled into it
   * (each a copy of `ectx` with its own columns), refreshed from the next run's `ectx`.
   */
  readonly compiled?: EvalContext[];
}

/** The columns of the enclosing queries (depth 0 = the nearest one) and their current row. */
interface Outer {
  readonly infos: readonly ColumnInfo[];
  readonly types: readonly ResultType[];
  readonly row: () => readonly SqlValue[];
}

const EMPTY_ROW: readonly SqlValue[] = [];

/**
 * What a prepared statement keeps across its EXECUTEs (session.ts): the FROM clauses of its
 * independent SELECTs as `buildFrom` made them — tables resolved, WHERE / ON bound and compiled
 * into predicates — and the one statement environment those compiled closures read. Every
 * closure reads the environment's fields when it runs, never when it is compiled, so each
 * EXECUTE refills the environment (new parameters, clock, warnings, snapshot reads) and the
 * compiled FROM clauses see the new values. Valid while `key` is unchanged: the session keys it
 * by the catalog view's version (any DDL or grant moves it), the current database and the
 * session settings binding or comparison read (collation_connection, sql_mode, time_zone).
 * Access paths and join order are chosen again at every EXECUTE (`planBlock`): a point get
 * depends on the parameter's value. FROM clauses holding a derived or system table are not
 * kept (their rows are read while building).
 */
export class QueryPlanCache {
  private key: string | undefined;
  private env: QueryEnv | undefined;
  private readonly froms = new Map<
    Select,
    { readonly from: BuiltFrom; readonly contexts: readonly EvalContext[] }
  >();
  /** Statistics for tests and benchmarks: FROM clauses reused, and built. */
  hits = 0;
  misses = 0;

  /** The environment for one run under `key`: the kept one refilled, or a new one. */
  envFor(key: string, ctx: DmlContext): QueryEnv {
    if (key !== this.key || this.env === undefined) {
      this.key = key;
      this.froms.clear();
      this.env = queryEnv(ctx, ctx.evalContext(), false, ctx.work);
      return this.env;
    }
    const env = this.env as Mutable<QueryEnv>;
    env.ctx = ctx;
    env.ectx = ctx.evalContext();
    // The contexts compiled into the kept FROM clauses take this run's parameters, clock,
    // warnings and variables (their own columns and subquery hook stay).
    for (const { contexts } of this.froms.values()) {
      for (const compiled of contexts) {
        // (The context's own hooks, carried over as they are: none of them is called here.)
        // eslint-disable-next-line @typescript-eslint/unbound-method
        const { column, subquery } = compiled;
        Object.assign(compiled, env.ectx, { column, subquery });
      }
    }
    env.tables = new Map();
    env.cache = new Map();
    env.types = new Map();
    env.prepared = new Map();
    env.dry = false;
    env.work = ctx.work;
    return env;
  }

  /** After a run: the rows it read and made are not held until the next one. */
  release(): void {
    const env: Mutable<QueryEnv> | undefined = this.env;
    if (env === undefined) return;
    env.tables = new Map();
    env.cache = new Map();
    env.types = new Map();
    env.prepared = new Map();
  }

  /** The kept FROM clause of `select`, or it built by `build` (and kept if it may be). */
  async from(select: Select, env: QueryEnv, build: () => Promise<BuiltFrom>): Promise<BuiltFrom> {
    const found = this.froms.get(select);
    if (found !== undefined) {
      this.hits++;
      return found.from;
    }
    this.misses++;
    const contexts: EvalContext[] = [];
    const building = env as Mutable<QueryEnv>;
    building.compiled = contexts;
    let from: BuiltFrom;
    try {
      from = await build();
    } finally {
      building.compiled = undefined;
    }
    // A derived table's rows or a system table's are read while building: not kept.
    if (from.leaves.every((l) => l.leaf.table !== undefined && !l.leaf.derived)) {
      this.froms.set(select, { from, contexts });
    }
    return from;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Run a query statement (SELECT with FROM, or a UNION) in the statement's transaction; `plans`
 * (a prepared statement's, under the session's `key`) keeps its compiled FROM clauses across runs.
 * With `stream`, a single-table scan answers a 'stream' result (stream-scan.ts).
 */
export async function executeQuery(
  query: Query,
  ctx: DmlContext,
  plans?: { readonly cache: QueryPlanCache; readonly key: string },
  options?: { readonly stream?: boolean },
): Promise<EngineResult> {
  if (options?.stream === true) {
    const streamed = streamedQuery(query, ctx);
    if (streamed !== undefined) return streamed;
  }
  const env =
    plans === undefined
      ? queryEnv(ctx, ctx.evalContext(), false, ctx.work)
      : plans.cache.envFor(`${ctx.view.version}\u0000${ctx.database ?? ''}\u0000${plans.key}`, ctx);
  try {
    const independent = independentSelects(query);
    const refs: TableName[] = [];
    collectTables(query, refs, new Set(independent));
    await readTables(refs, env, ctx);
    const locking = query.kind === 'select' && query.lock !== undefined ? query : undefined;
    // FOR UPDATE of one table with a plain WHERE locks the rows WHERE selects.
    const keyOf =
      locking !== undefined && lockedByKey(locking, ctx)
        ? new WeakMap<SqlValue[], Uint8Array>()
        : undefined;
    for (const select of independent) {
      if (select.from.length === 0) continue;
      env.prepared.set(
        select,
        await readFrom(select, env, ctx, select === query ? keyOf : undefined, plans?.cache),
      );
    }
    if (locking !== undefined) await lockRows(locking, env, ctx, keyOf);
    const result = await runCooperative(runQuery(query, env), env.work);
    return { kind: 'rows', columns: result.columns, rows: result.rows, warnings: [] };
  } finally {
    plans?.cache.release();
  }
}

function queryEnv(
  ctx: QueryEnv['ctx'],
  ectx: EvalContext,
  dry: boolean,
  work: StatementWork = new StatementWork(),
): QueryEnv {
  return {
    ctx,
    ectx,
    tables: new Map(),
    cache: new Map(),
    types: new Map(),
    prepared: new Map(),
    dry,
    work,
  };
}

/**
 * FOR UPDATE / FOR SHARE: each selected row joins the transaction's write set, so a transaction
 * that changed it since this snapshot makes this one fail at commit (1213), and the other way
 * round (FOR SHARE is treated as FOR UPDATE). With one table and a WHERE without subqueries the
 * rows WHERE selects are locked; over joins or scans every row of the FROM tables is, as InnoDB
 * locks the rows a scan reads.
 */
async function lockRows(
  query: Select,
  env: QueryEnv,
  ctx: DmlContext,
  keyOf: WeakMap<SqlValue[], Uint8Array> | undefined,
): Promise<void> {
  if (keyOf !== undefined) {
    for (const row of env.prepared.get(query)?.rows ?? []) {
      const key = keyOf.get(row);
      if (key !== undefined) await ctx.txn.getForUpdate(key);
    }
    return;
  }
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

/**
 * The SELECTs that run once per statement without an enclosing row, innermost first: `query`,
 * the branches of its set operations, and the derived tables within those (no LATERAL). Their
 * FROM clauses are read at run time by the planner; any other query runs in memory.
 */
function independentSelects(query: Query, out: Select[] = []): Select[] {
  if (query.kind === 'union') {
    independentSelects(query.left, out);
    independentSelects(query.right, out);
    return out;
  }
  const visit = (ref: TableRef): void => {
    if (ref.kind === 'derived') independentSelects(ref.query, out);
    else if (ref.kind === 'join') {
      visit(ref.left);
      visit(ref.right);
    }
  };
  for (const ref of query.from) visit(ref);
  out.push(query);
  return out;
}

/** The FROM clause of an independent SELECT, planned and read at run time, WHERE applied. */
async function readFrom(
  select: Select,
  env: QueryEnv,
  ctx: DmlContext,
  keyOf: WeakMap<SqlValue[], Uint8Array> | undefined,
  plans?: QueryPlanCache,
): Promise<Source> {
  const build = () =>
    runCooperative(
      buildFrom(select, env, (infos, types) => new Scope(infos, types, undefined, env)),
      env.work,
    );
  const from = await (plans === undefined ? build() : plans.from(select, env, build));
  const plan = planBlock(from.block, {
    ectx: env.ectx,
    inMemory: false,
    rowsOf: (table) => storedRowsEstimate(table, env.ctx.view),
  });
  const pushdowns =
    ctx.pushdown === false
      ? undefined
      : choosePushdowns(select, plan, { ectx: env.ectx, mentions: columnMentions(select) });
  const groups: PushedGroups = { answered: false, groups: [] };
  const rows = await runFromStorage(
    plan,
    leafRows(from, env),
    compareEnv(env.ectx),
    { txn: ctx.txn, ectx: env.ectx, work: env.work, pushdowns, groups },
    keyOf,
  );
  const calls = plan.kind === 'scan' ? pushdowns?.get(plan)?.calls : undefined;
  return {
    ...from.shape,
    rows,
    ...(groups.answered && calls !== undefined
      ? { partials: { calls, groups: groups.groups } }
      : {}),
  };
}

/**
 * The result columns of a query without running it (COM_STMT_PREPARE's metadata): names and
 * types from the catalog, nothing read, parameters typed as unknown.
 */
export function describeQuery(
  query: Query,
  ctx: Pick<DmlContext, 'view' | 'database' | 'evalContext'>,
): ResultColumn[] {
  const env = queryEnv(ctx, ctx.evalContext(), true);
  return runBlocking(runQuery(query, env), env.work).columns;
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
    const rows: SqlValue[][] = [];
    for (const bytes of await scanAll(ctx, table)) {
      if (env.work.step()) await env.work.pause();
      const stored = decodeRow(bytes);
      const row = table.columns.map((c) => fromRowValue(stored.get(c.id), c));
      env.work.holdRow(row);
      rows.push(row);
    }
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
  const env = queryEnv(ctx, ctx.evalContext(), false, ctx.work);
  const queries: Query[] = [];
  for (const e of exprs) subqueriesIn(e, queries);
  const refs: TableName[] = [];
  for (const q of queries) collectTables(q, refs, new Set());
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

/** Whether FOR UPDATE locks by key: one base table and a WHERE without subqueries. */
function lockedByKey(select: Select, ctx: DmlContext): boolean {
  const [only, ...others] = select.from;
  if (only === undefined || others.length > 0 || only.kind !== 'table') return false;
  if (isVirtualDatabase(only.table.db ?? ctx.database)) return false;
  if (select.where === undefined) return true;
  const found: Query[] = [];
  subqueriesIn(select.where, found);
  return found.length === 0;
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

/**
 * Every base table `query` names that is read whole before evaluation: all but the FROM tables
 * of the `runTime` SELECTs (read by the planner at run time).
 */
function collectTables(query: Query, out: TableName[], runTime: ReadonlySet<Select>): void {
  const fromExprs = (e: Expr | undefined) => {
    if (e === undefined) return;
    const qs: Query[] = [];
    subqueriesIn(e, qs);
    for (const q of qs) collectTables(q, out, runTime);
  };
  if (query.kind === 'union') {
    collectTables(query.left, out, runTime);
    collectTables(query.right, out, runTime);
    for (const o of query.orderBy) fromExprs(o.expr);
    return;
  }
  const select = query;
  const visit = (ref: TableRef) => {
    switch (ref.kind) {
      case 'table':
        if (!runTime.has(select)) out.push(ref.table);
        return;
      case 'derived':
        collectTables(ref.query, out, runTime);
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

  /** How many of its columns are the operator's own (the enclosing queries' follow). */
  get ownWidth(): number {
    return this.inner;
  }

  /** This scope as the enclosing scope of a subquery, its row all NULL (planning only). */
  asOuter(): Outer {
    const nulls = this.infos.map(() => null);
    return { infos: this.infos, types: this.allTypes(), row: () => nulls };
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
    const ctx: EvalContext = {
      ...this.env.ectx,
      column: (ref) => {
        const slot = binding.slots.get(ref);
        if (slot === undefined) throw new Error(`column ${ref.name} was not bound`);
        return (slot < inner ? row()[slot] : outerRow()[slot - inner]) ?? null;
      },
      subquery: (q) => this.subquery(q, full),
    };
    this.env.compiled?.push(ctx);
    return ctx;
  }

  private subquery(q: Query, row: () => readonly SqlValue[]): readonly (readonly SqlValue[])[] {
    if (this.env.dry) return [];
    const cached = this.env.cache.get(q);
    if (cached !== undefined) return cached;
    const result = runBlocking(
      runQuery(q, this.env, { infos: this.infos, types: this.allTypes(), row }),
      this.env.work,
    );
    if (result.reach === 0) this.env.cache.set(q, result.rows);
    this.reach = Math.max(this.reach, result.reach - 1);
    return result.rows;
  }

  private subqueryTypes(q: Query): ResultType[] {
    const known = this.env.types.get(q);
    if (known !== undefined) return known;
    const dry: QueryEnv = { ...this.env, dry: true, cache: new Map() };
    const nulls = this.infos.map(() => null);
    const result = runBlocking(
      runQuery(q, dry, { infos: this.infos, types: this.allTypes(), row: () => nulls }),
      undefined,
    );
    const types = result.columns.map((c) => ({ ...c.type, nullable: true }));
    this.env.types.set(q, types);
    return types;
  }

  private allTypes(): ResultType[] {
    return [...this.types, ...(this.outer?.types ?? [])];
  }
}

/** One table of a FROM clause as the planner sees it, with its rows when they are in memory. */
interface FromLeaf {
  readonly leaf: PlanLeaf;
  /** A derived table's query. */
  readonly query?: Query;
  /** Rows in memory: a derived or system table's, or a base table's as read whole. */
  readonly rows: () => readonly (readonly SqlValue[])[];
}

/** A FROM clause ready to plan: the columns of all its tables, its block and its leaves. */
interface BuiltFrom {
  readonly shape: Source;
  readonly block: Block;
  readonly leaves: readonly FromLeaf[];
  /** The ON conditions (EXPLAIN lists their subqueries). */
  readonly on: readonly Expr[];
}

/** A FROM item with its columns: a table, or a join of two items starting at slot `start`. */
type Shaped =
  | { readonly kind: 'leaf'; readonly shape: Source; readonly leaf: FromLeaf }
  | {
      readonly kind: 'join';
      readonly shape: Source;
      readonly ref: Join;
      readonly left: Shaped;
      readonly right: Shaped;
      readonly start: number;
    };

type ScopeMaker = (infos: readonly ColumnInfo[], types: readonly ResultType[]) => Scope;

/**
 * The FROM clause of `stmt` and its WHERE as a block for the planner: tables (and derived
 * tables, which run here) in FROM order with their slots in the joined row, inner joins
 * flattened, outer joins as units, and every WHERE / ON conjunct bound and compiled. Errors are
 * MySQL's: 1066 for an alias used twice, 1054 / 1052 for WHERE over the whole FROM and for ON
 * over its own join's tables.
 */
function* buildFrom(stmt: Select, env: QueryEnv, scopeOf: ScopeMaker): Cooperative<BuiltFrom> {
  const leaves: FromLeaf[] = [];
  const items: Shaped[] = [];
  let whole: Source | undefined;
  for (const ref of stmt.from) {
    const item = yield* shapeOf(ref, whole?.infos.length ?? 0, env, leaves);
    items.push(item);
    whole = whole === undefined ? item.shape : joinShape(whole, item.shape);
  }
  if (whole === undefined) throw new Error('a FROM clause without tables');
  const shape = whole;
  const fromScope = scopeOf(shape.infos, shape.types);
  const compiler = new PredicateCompiler(
    fromScope,
    leaves.map((l) => l.leaf),
    () => env.ectx,
  );
  const on: Expr[] = [];
  const blockOf = (item: Shaped): Block => {
    if (item.kind === 'leaf') {
      return { units: [{ kind: 'leaf', leaf: item.leaf.leaf }], predicates: [] };
    }
    const left = blockOf(item.left);
    const right = blockOf(item.right);
    const ref = item.ref;
    let conditions: Predicate[] = [];
    if (ref.on !== undefined) {
      on.push(ref.on);
      const scope = scopeOf(item.shape.infos, item.shape.types);
      const at = { scope, binding: scope.bind(ref.on, 'on clause'), start: item.start };
      conditions = conjuncts(ref.on).map((c) => compiler.predicate(c, at));
    } else if (ref.using !== undefined) {
      conditions = ref.using.map((name) =>
        compiler.using(name, item.left.shape.infos, item.right.shape.infos, item.start),
      );
    }
    switch (ref.type) {
      case 'INNER':
      case 'CROSS':
      case 'STRAIGHT':
        return {
          units: [...left.units, ...right.units],
          predicates: [...left.predicates, ...right.predicates, ...conditions],
        };
      case 'LEFT':
        return {
          units: [{ kind: 'outer', preserved: left, nullable: right, on: conditions }],
          predicates: [],
        };
      case 'RIGHT':
        return {
          units: [{ kind: 'outer', preserved: right, nullable: left, on: conditions }],
          predicates: [],
        };
    }
  };
  const blocks = items.map(blockOf);
  const predicates = blocks.flatMap((b) => b.predicates);
  if (stmt.where !== undefined) {
    const binding = fromScope.bind(stmt.where, 'where clause');
    const at = { scope: fromScope, binding, start: 0 };
    predicates.push(...conjuncts(stmt.where).map((c) => compiler.predicate(c, at)));
  }
  return { shape, block: { units: blocks.flatMap((b) => b.units), predicates }, leaves, on };
}

/** A FROM item's columns (and its leaves, numbered in FROM order), starting at slot `start`. */
function* shapeOf(
  ref: TableRef,
  start: number,
  env: QueryEnv,
  leaves: FromLeaf[],
): Cooperative<Shaped> {
  if (ref.kind === 'join') {
    if (ref.natural === true) throw new SqlNotSupportedError('NATURAL JOIN (not built yet)', 0);
    const left = yield* shapeOf(ref.left, start, env, leaves);
    const right = yield* shapeOf(ref.right, start + left.shape.infos.length, env, leaves);
    return { kind: 'join', shape: joinShape(left.shape, right.shape), ref, left, right, start };
  }
  const made = ref.kind === 'table' ? tableLeaf(ref, env) : yield* derivedLeaf(ref, env);
  const leaf: PlanLeaf = {
    id: leaves.length,
    alias: made.shape.aliases[0] ?? '',
    name: made.name,
    start,
    width: made.shape.infos.length,
    table: made.table,
    derived: ref.kind === 'derived',
  };
  const fromLeaf: FromLeaf = {
    leaf,
    rows: made.rows,
    ...(ref.kind === 'derived' ? { query: ref.query } : {}),
  };
  leaves.push(fromLeaf);
  return { kind: 'leaf', shape: made.shape, leaf: fromLeaf };
}

interface MadeLeaf {
  readonly shape: Source;
  readonly name: string;
  readonly table: ResolvedTable | undefined;
  readonly rows: () => readonly (readonly SqlValue[])[];
}

/** A base table (its rows in memory when the statement read it whole) or a system table. */
function tableLeaf(ref: { table: TableName; alias?: string }, env: QueryEnv): MadeLeaf {
  const ctx = env.ctx;
  const database = ref.table.db ?? ctx.database;
  if (database !== undefined && isVirtualDatabase(database)) {
    const system = virtualTable(database, ref.table.name);
    const alias = ref.alias ?? ref.table.name;
    const slots = system.columns.map((_, i) => i);
    return {
      shape: {
        infos: system.columns.map((c) => ({ db: database, table: alias, name: c.name })),
        types: system.columns.map((c) => resultTypeOf(c)),
        visibleByAlias: new Map([[alias, slots]]),
        aliases: [alias],
        rows: [],
      },
      name: `${database}.${ref.table.name}`,
      table: undefined,
      rows: () => (env.dry ? [] : system.rows(ctx.view, ctx)),
    };
  }
  const table = resolveTable(ctx.view, ref.table, ctx.database);
  return {
    shape: tableShape(table, ref.alias ?? table.view.name, []),
    name: `${table.view.database}.${table.view.name}`,
    table,
    rows: () => {
      if (env.dry) return [];
      const read = env.tables.get(tableKey(table));
      if (read === undefined) throw new Error(`table ${tableKey(table)} was not read`);
      return read.rows;
    },
  };
}

/** A derived table: its query runs here (it does not see the enclosing query: no LATERAL). */
function* derivedLeaf(ref: DerivedTable, env: QueryEnv): Cooperative<MadeLeaf> {
  const result = yield* runQuery(ref.query, env);
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
    shape: {
      infos: names.map((name) => ({ table: ref.alias, name })),
      types: result.columns.map((c) => c.type),
      visibleByAlias: new Map([[ref.alias, names.map((_, i) => i)]]),
      aliases: [ref.alias],
      rows: [],
    },
    name: ref.alias,
    table: undefined,
    rows: () => result.rows,
  };
}

function leafRows(from: BuiltFrom, env: QueryEnv): LeafRows {
  return {
    width: from.shape.infos.length,
    memory: (leaf) => {
      const found = from.leaves[leaf.id];
      if (found === undefined) throw new Error(`no leaf ${leaf.id}`);
      return env.dry ? [] : found.rows();
    },
  };
}

/** The plan of one SELECT, as EXPLAIN shows it. */
export interface SelectPlan {
  readonly kind: 'select';
  readonly select: Select;
  /** The FROM clause's join plan (absent without FROM). */
  readonly from: PlanNode | undefined;
  /** Derived tables' plans, by leaf id. */
  readonly derived: ReadonlyMap<number, QueryPlan>;
  /** The subqueries in its expressions (select list, WHERE, ON, GROUP BY, HAVING, ORDER BY). */
  readonly subqueries: readonly QueryPlan[];
  /** What its scans push to the slices (pushdown-plan.ts), for a FROM clause read at run time. */
  readonly pushdowns: ReadonlyMap<ScanNode, ScanPushdown>;
}

export type QueryPlan =
  | SelectPlan
  | {
      readonly kind: 'union';
      readonly union: Union;
      readonly left: QueryPlan;
      readonly right: QueryPlan;
    }
  /** A subquery whose scope only exists while the query runs (it is planned then). */
  | { readonly kind: 'unplanned'; readonly query: Query };

/**
 * The plan `executeQuery` runs for `query`, made the same way without reading anything: the
 * independent SELECTs read at run time, every other query over tables read whole.
 */
export function planQuery(
  query: Query,
  ctx: Pick<DmlContext, 'view' | 'database' | 'evalContext' | 'pushdown'>,
): QueryPlan {
  const env = queryEnv(ctx, ctx.evalContext(), true);
  return planOf(query, env, undefined, new Set(independentSelects(query)));
}

/** The plans of the subqueries in expressions over `table`'s rows (UPDATE / DELETE). */
export function planSubqueries(
  table: ResolvedTable,
  exprs: readonly Expr[],
  ctx: Pick<DmlContext, 'view' | 'database' | 'evalContext'>,
): QueryPlan[] {
  const env = queryEnv(ctx, ctx.evalContext(), true);
  const infos = table.columns.map((c) => ({
    db: table.view.database,
    table: table.view.name,
    name: c.name,
  }));
  return subqueryPlans(
    exprs,
    new Scope(infos, table.columns.map(resultTypeOf), undefined, env),
    env,
  );
}

function planOf(
  query: Query,
  env: QueryEnv,
  outer: Outer | undefined,
  independent: ReadonlySet<Select>,
): QueryPlan {
  if (query.kind === 'union') {
    return {
      kind: 'union',
      union: query,
      left: planOf(query.left, env, outer, independent),
      right: planOf(query.right, env, outer, independent),
    };
  }
  let from: PlanNode | undefined;
  let pushdowns: ReadonlyMap<ScanNode, ScanPushdown> = new Map();
  const derived = new Map<number, QueryPlan>();
  let scope = new Scope([], [], outer, env);
  const exprs: Expr[] = [
    ...query.columns.flatMap((c) => (c.kind === 'expr' ? [c.expr] : [])),
    ...(query.where === undefined ? [] : [query.where]),
    ...query.groupBy,
    ...(query.having === undefined ? [] : [query.having]),
    ...query.orderBy.map((o) => o.expr),
  ];
  if (query.from.length > 0) {
    const built = runBlocking(
      buildFrom(query, env, (infos, types) => new Scope(infos, types, outer, env)),
      undefined,
    );
    from = planBlock(built.block, {
      ectx: env.ectx,
      inMemory: !independent.has(query),
      rowsOf: (table) => storedRowsEstimate(table, env.ctx.view),
    });
    if (independent.has(query) && env.ctx.pushdown !== false) {
      pushdowns = choosePushdowns(query, from, {
        ectx: env.ectx,
        mentions: columnMentions(query),
      });
    }
    for (const { leaf, query: q } of built.leaves) {
      if (q !== undefined) derived.set(leaf.id, planOf(q, env, undefined, independent));
    }
    scope = new Scope(built.shape.infos, built.shape.types, outer, env);
    exprs.push(...built.on);
  }
  return {
    kind: 'select',
    select: query,
    from,
    derived,
    subqueries: subqueryPlans(exprs, scope, env),
    pushdowns,
  };
}

function subqueryPlans(exprs: readonly Expr[], scope: Scope, env: QueryEnv): QueryPlan[] {
  const queries: Query[] = [];
  for (const e of exprs) subqueriesIn(e, queries);
  const outer = scope.asOuter();
  return queries.map((q) => {
    try {
      return planOf(q, env, outer, new Set());
    } catch (error) {
      // A name only the select list or a grouped row has (bound there when it runs).
      if (error instanceof SqlEvalError && error.code === 1054)
        return { kind: 'unplanned', query: q };
      throw error;
    }
  });
}

function runQuery(query: Query, env: QueryEnv, outer?: Outer): Cooperative<QueryResult> {
  return query.kind === 'select'
    ? runSelect(query, env, outer)
    : runSetOperation(query, env, outer);
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

function* runSelect(
  stmt: Select,
  env: QueryEnv,
  outer: Outer | undefined,
): Cooperative<QueryResult> {
  const { ectx, work } = env;
  let reach = 0;
  const scopes: Scope[] = [];
  const scopeOf = (infos: readonly ColumnInfo[], types: readonly ResultType[]) => {
    const s = new Scope(infos, types, outer, env);
    scopes.push(s);
    return s;
  };
  // FROM and WHERE: read at run time for an independent SELECT, else planned over the rows the
  // statement read whole (join-plan.ts either way).
  let source: Source;
  const prepared = outer === undefined && !env.dry ? env.prepared.get(stmt) : undefined;
  if (prepared !== undefined) {
    source = prepared;
  } else if (stmt.from.length === 0) {
    // One row without columns (none when only describing: nothing is evaluated then).
    const rows = env.dry ? [] : [[]];
    source = { infos: [], types: [], visibleByAlias: new Map(), aliases: [], rows };
  } else {
    const from = yield* buildFrom(stmt, env, scopeOf);
    const rows = env.dry
      ? []
      : yield* runInMemory(
          planBlock(from.block, { ectx, inMemory: true }),
          leafRows(from, env),
          compareEnv(ectx),
          work,
        );
    source = { ...from.shape, rows };
  }

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
  if (stmt.where !== undefined && stmt.from.length === 0) {
    // Without FROM, WHERE filters the one row here (with FROM, it was applied while joining).
    const where = stmt.where;
    const wctx = sourceScope.context(sourceScope.bind(where, 'where clause'), row);
    source.rows = source.rows.filter(() => {
      current = EMPTY_ROW;
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
    const groupOf = (r: readonly SqlValue[]) => {
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
        // Its key and its aggregates' states (its first row is the source's).
        work.hold(2 * key.length + 64 * calls.length);
      }
      return group;
    };
    // Groups aggregated by the slices first (they came in key order, as rows would have).
    const partials = source.partials;
    if (partials !== undefined) {
      if (partials.calls.length !== calls.length || partials.calls.some((c, i) => c !== calls[i])) {
        throw new Error('the aggregate calls pushed to the slices are not the executor’s');
      }
      for (const p of partials.groups) {
        if (work.step()) yield PAUSE;
        const group = groupOf(p.row);
        p.states.forEach((st, i) => group.states[i]?.merge(st));
      }
    }
    for (const r of source.rows) {
      if (work.step()) yield PAUSE;
      const states = groupOf(r).states;
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
    rows = [];
    for (const g of groups.values()) {
      if (work.step()) yield PAUSE;
      const groupRow = [...g.first, ...g.states.map((st) => st.result())];
      work.holdShell(groupRow);
      rows.push(groupRow);
    }
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
    const kept: SqlValue[][] = [];
    for (const r of rows) {
      if (work.step()) yield PAUSE;
      current = r;
      if (toBool(evaluate(h, hctx), ectx.warn.bind(ectx)) === true) kept.push(r);
    }
    rows = kept;
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
    const keyed: { r: SqlValue[]; keys: SqlValue[] }[] = [];
    for (const r of rows) {
      if (work.step()) yield PAUSE;
      current = r;
      const keys = order.map((o, i) => {
        const how = orderEval[i];
        if (how === undefined) return null;
        if (how.kind === 'item') {
          const e = exprs[how.index];
          const c = itemContexts[how.index];
          return e === undefined || c === undefined ? null : evaluate(e, c);
        }
        return evaluate(o.expr, how.ctx);
      });
      work.holdRow(keys);
      keyed.push({ r, keys });
    }
    const sorted = yield* mergeSort(
      keyed,
      (a, b) => {
        for (let i = 0; i < order.length; i++) {
          const c = sortCompare(a.keys[i] ?? null, b.keys[i] ?? null, cmp);
          if (c !== 0) return order[i]?.desc === true ? -c : c;
        }
        return 0;
      },
      work,
    );
    rows = sorted.map((k) => k.r);
  }
  let out: SqlValue[][] = [];
  for (const r of rows) {
    if (work.step()) yield PAUSE;
    current = r;
    const projected = exprs.map((e, i) => {
      const c = itemContexts[i];
      const v = c === undefined ? null : evaluate(e, c);
      const rt = types[i];
      return rt === undefined ? v : conformValue(v, rt, ectx);
    });
    work.holdRow(projected);
    out.push(projected);
  }
  if (stmt.distinct) out = yield* distinctRows(out, work);
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

function* distinctRows(rows: SqlValue[][], work: StatementWork): Cooperative<SqlValue[][]> {
  const seen = new Set<string>();
  const out: SqlValue[][] = [];
  for (const r of rows) {
    if (work.step()) yield PAUSE;
    const key = rowKey(r);
    if (seen.has(key)) continue;
    work.hold(2 * key.length + 32);
    seen.add(key);
    out.push(r);
  }
  return out;
}

/**
 * A stable bottom-up merge sort that pauses every slice of comparisons (Array.prototype.sort
 * cannot yield: sorting a million rows would hold the event loop for seconds).
 */
function* mergeSort<T>(
  items: readonly T[],
  compare: (a: T, b: T) => number,
  work: StatementWork,
): Cooperative<T[]> {
  const n = items.length;
  let from: T[] = items.slice();
  let to: T[] = items.slice();
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      for (let k = lo; k < hi; k++) {
        if (work.step()) yield PAUSE;
        const a = from[i];
        const b = from[j];
        // Ties take the left run's item first: the sort is stable, as Array.prototype.sort.
        if (a !== undefined && i < mid && (j >= hi || b === undefined || compare(a, b) <= 0)) {
          to[k] = a;
          i++;
        } else if (b !== undefined) {
          to[k] = b;
          j++;
        }
      }
    }
    [from, to] = [to, from];
  }
  return from;
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
function* runSetOperation(
  u: Union,
  env: QueryEnv,
  outer: Outer | undefined,
): Cooperative<QueryResult> {
  const { ectx, work } = env;
  const left = yield* runQuery(u.left, env, outer);
  const right = yield* runQuery(u.right, env, outer);
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
  function* conform(rows: SqlValue[][]): Cooperative<SqlValue[][]> {
    const out: SqlValue[][] = [];
    for (const r of rows) {
      if (work.step()) yield PAUSE;
      const conformed = r.map((v, i) => {
        const rt = types[i];
        return rt === undefined ? v : conformValue(v, rt, ectx);
      });
      work.holdRow(conformed);
      out.push(conformed);
    }
    return out;
  }
  const l = yield* conform(left.rows);
  const r = yield* conform(right.rows);
  let rows: SqlValue[][];
  switch (u.op) {
    case 'UNION':
      rows = u.all ? [...l, ...r] : yield* distinctRows([...l, ...r], work);
      break;
    case 'INTERSECT':
    case 'EXCEPT': {
      const counts = new Map<string, number>();
      for (const row of r) {
        if (work.step()) yield PAUSE;
        const key = rowKey(row);
        work.hold(2 * key.length + 32);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const keep = (row: SqlValue[]) => {
        const key = rowKey(row);
        const n = counts.get(key) ?? 0;
        if (u.all && n > 0) counts.set(key, n - 1);
        return u.op === 'INTERSECT' ? n > 0 : n === 0;
      };
      rows = [];
      for (const row of u.all ? l : yield* distinctRows(l, work)) {
        if (work.step()) yield PAUSE;
        if (keep(row)) rows.push(row);
      }
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
    const keyed: { row: SqlValue[]; keys: SqlValue[] }[] = [];
    for (const row of rows) {
      if (work.step()) yield PAUSE;
      const keys = keyOf.map((k) => k(row));
      work.holdRow(keys);
      keyed.push({ row, keys });
    }
    const sorted = yield* mergeSort(
      keyed,
      (a, b) => {
        for (let i = 0; i < keyOf.length; i++) {
          const c = sortCompare(a.keys[i] ?? null, b.keys[i] ?? null, cmp);
          if (c !== 0) return u.orderBy[i]?.desc === true ? -c : c;
        }
        return 0;
      },
      work,
    );
    rows = sorted.map((k) => k.row);
    reach = Math.max(reach, scope.reach);
  }
  if (u.limit !== undefined) rows = applyLimit(rows, u.limit, ectx);
  return { columns, rows, reach };
}
