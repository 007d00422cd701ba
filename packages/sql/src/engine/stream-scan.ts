/**
 * Streamed results: a SELECT that reads one table by a scan sends its rows while the scan runs,
 * with memory bounded by the scan's pages (txn `Transaction.scanStream`: about two pages per
 * slice), not by the table. The rows are not charged to `tessera_statement_memory_limit`:
 * nothing of them is held.
 *
 *   executeQuery(…, { stream: true })            (select.ts; only a session made with streamResults)
 *     └─ streamedQuery: eligible? ──no──► undefined: the materializing path runs, unchanged
 *          │ yes
 *          ▼
 *   txn.scanStream(range) ─► decode ─► WHERE (the planner's compiled predicates, in its order)
 *     ─► OFFSET skipped ─► select list (evaluated, conformed) ─► yield ─► … LIMIT met: stop reading
 *
 * What streams: an independent SELECT of one base table (not derived, not information_schema or
 * system) whose access path (access.ts, chosen by the same planner call as the materializing
 * path) is a full scan or a primary-key range, without GROUP BY, aggregates, HAVING, DISTINCT,
 * ORDER BY, FOR UPDATE / FOR SHARE, SQL_CALC_FOUND_ROWS or any subquery (window functions and
 * INTO are not built at all). What does not, and why: ORDER BY, GROUP BY, aggregates and
 * DISTINCT need every row before the first one is known; subqueries are read whole before
 * evaluation (select.ts); FOR UPDATE adds every row read to the write set before answering;
 * joins and derived tables materialize their inputs (join-exec.ts); point / batch gets and index
 * lookups read few rows (and an index lookup's order is the index's); SQL_CALC_FOUND_ROWS needs
 * the count past the LIMIT; INSERT … SELECT and the multi-table statements take arrays (they
 * call executeQuery without `stream`).
 *
 * Same results as the materializing path: the same columns (`describeQuery`, the same code
 * path with nothing read), the same rows in the same order (the scan's key order), the WHERE
 * conjuncts compiled and ordered by the same PredicateCompiler and planner, each row then
 * projected and conformed as runSelect does. Differences, both MySQL's behaviour: the select
 * list is evaluated only for the rows sent (not for rows OFFSET skips or past the LIMIT), and
 * WHERE stops with the LIMIT — so warnings (and strict-mode errors) come from the rows
 * actually produced.
 *
 * The session (session.ts) wraps the rows in a `StatementStream`: the statement lasts until the
 * stream ends — its autocommit transaction stays open, PROCESSLIST shows it running, warnings
 * and FOUND_ROWS() are set from what was produced — and an error mid-stream (a strict-mode
 * conversion in WHERE, KILL → 1317, a lock wait → 1205) is thrown to the consumer after the
 * rows already sent. Every row read checks for KILL; every slice of rows lets the event loop run.
 *
 * The scan's filters and the columns the statement mentions go to the slices with every page
 * (pushdown-plan.ts; txn `Transaction.programStream`): a slice sends only the rows that may
 * pass, cut to those columns, still in key order; WHERE is applied here again to every row (a
 * row the slice could not decide cleanly comes back whole). A transaction that wrote into the
 * range streams its plain rows with its writes laid over.
 *
 * Not built: the plan cache (a prepared or cached statement that streams binds its FROM, WHERE
 * and select list again at every run).
 */
import type { Expr, Query, Select, SelectExprItem } from '../ast.js';
import { decodeRow } from '../encoding/row-codec.js';
import { bind } from '../eval/bind.js';
import type { Binding, ColumnInfo } from '../eval/bind.js';
import type { EvalContext } from '../eval/context.js';
import { toText } from '../eval/convert.js';
import { evaluate } from '../eval/evaluate.js';
import { conformValue } from '../eval/types.js';
import type { SqlValue } from '../eval/value.js';
import { chooseAccess, conjuncts, successor } from './access.js';
import { fromRowValue } from './column-values.js';
import type { EngineResult } from './ddl.js';
import type { DmlContext } from './dml.js';
import { isVirtualDatabase } from './information-schema.js';
import { planBlock } from './join-plan.js';
import type { PlanLeaf, Predicate, ScanNode } from './join-plan.js';
import { PredicateCompiler } from './join-predicates.js';
import type { PredicateScope } from './join-predicates.js';
import { describeQuery, hasAggregate, hasSubquery } from './select.js';
import { storedRowsEstimate } from './table-stats.js';
import { columnMentions } from './columns-mentioned.js';
import { choosePushdowns } from './pushdown-plan.js';
import { decodeScanOutput } from '../pushdown/index.js';
import type { ScanProgramSpec } from '../pushdown/index.js';
import { isTxnError } from '@tessera/txn';
import type { KeyValue } from '@tessera/txn';
import { resolveTable } from './tables.js';
import type { ResolvedTable } from './tables.js';

type Row = readonly SqlValue[];

/**
 * `query` as a streamed result when it may stream (see the header), else undefined (nothing
 * read, nothing warned: the caller runs the materializing path). Errors in names (1146, 1054,
 * …) are thrown as that path throws them.
 */
export function streamedQuery(query: Query, ctx: DmlContext): EngineResult | undefined {
  const select = streamableSelect(query, ctx);
  if (select === undefined) return undefined;
  const ref = select.from[0];
  if (ref?.kind !== 'table') return undefined;
  const table = resolveTable(ctx.view, ref.table, ctx.database);
  const alias = ref.alias ?? table.view.name;
  const ectx = ctx.evalContext();
  // Probing (access path, LIMIT) evaluates only constants; the real run warns, not the probe.
  const probe: EvalContext = { ...ectx, warn: () => undefined };
  const limit = limitOf(select, probe);
  if (limit === undefined) return undefined;
  // Most statements read by key (a point or batch get, an index lookup): they do not stream, and
  // the access path WHERE's `col = constant` conjuncts decide that is found without binding
  // or compiling anything (the planner below chooses from the same conjuncts).
  const cheap = chooseAccess(table, select.where, probe).kind;
  if (cheap !== 'fullScan' && cheap !== 'range') return undefined;
  const from = compiledFrom(select, table, alias, ectx, ctx);
  const scan = planBlock(from.block, {
    ectx: probe,
    inMemory: false,
    rowsOf: (t) => storedRowsEstimate(t, ctx.view),
  });
  if (scan.kind !== 'scan' || scan.access === 'memory') return undefined;
  const access = scan.access;
  if (access.kind !== 'fullScan' && access.kind !== 'range') return undefined;
  const columns = describeQuery(query, ctx);
  const project = projection(
    select,
    from,
    ectx,
    columns.map((c) => c.type),
  );
  const prefix = table.primary.layout.prefix;
  const range =
    access.kind === 'range'
      ? { start: access.start, end: access.end }
      : { start: prefix, end: successor(prefix) };
  // Filters and the columns read go to the slices with each page (pushdown-plan.ts).
  const pushdown =
    ctx.pushdown === false
      ? undefined
      : choosePushdowns(select, scan, { ectx: probe, mentions: columnMentions(select) }).get(scan);
  const program = pushdown?.output === 'rows' ? pushdown.spec : undefined;
  const rows: AsyncIterable<Row> = {
    [Symbol.asyncIterator]: () => scanRows(ctx, table, scan, range, limit, project, program),
  };
  return { kind: 'stream', columns, rows, warnings: [] };
}

/** The SELECT when `query` has a shape that streams (see the header). */
function streamableSelect(query: Query, ctx: DmlContext): Select | undefined {
  if (query.kind !== 'select') return undefined;
  const [only, ...others] = query.from;
  if (only?.kind !== 'table' || others.length > 0) return undefined;
  if (isVirtualDatabase(only.table.db ?? ctx.database)) return undefined;
  if (
    query.groupBy.length > 0 ||
    query.having !== undefined ||
    query.distinct ||
    query.orderBy.length > 0 ||
    query.lock !== undefined ||
    query.options.some((o) => o.toUpperCase() === 'SQL_CALC_FOUND_ROWS')
  ) {
    return undefined;
  }
  if (hasAggregate(query) || hasSubquery(query)) return undefined;
  return query;
}

/**
 * OFFSET and LIMIT as select.ts's applyLimit reads them (`rows.slice(offset, offset + count)`);
 * undefined for values a stream cannot reproduce (not a non-negative integer: left to slice).
 */
function limitOf(
  select: Select,
  ectx: EvalContext,
): { readonly offset: number; readonly count: number } | undefined {
  if (select.limit === undefined) return { offset: 0, count: Infinity };
  const n = (e: Expr) => Number(toText(evaluate(e, ectx)) ?? '0');
  const offset = select.limit.offset === undefined ? 0 : n(select.limit.offset);
  const count = n(select.limit.count);
  const whole = (x: number) => Number.isInteger(x) && x >= 0;
  return whole(offset) && whole(count) ? { offset, count } : undefined;
}

/** The table as the planner's one leaf, WHERE bound and compiled as select.ts's buildFrom does. */
interface CompiledFrom {
  readonly infos: readonly ColumnInfo[];
  readonly visible: readonly number[];
  readonly scope: PredicateScope;
  readonly block: { readonly units: [{ kind: 'leaf'; leaf: PlanLeaf }]; predicates: Predicate[] };
  readonly bindOptions: (clause: 'field list' | 'where clause') => Parameters<typeof bind>[2];
}

function compiledFrom(
  select: Select,
  table: ResolvedTable,
  alias: string,
  ectx: EvalContext,
  ctx: DmlContext,
): CompiledFrom {
  // The FROM scope's columns: the table's, at depth 0 (no enclosing query).
  const infos = table.columns.map((c) => ({
    db: table.view.database,
    table: alias,
    name: c.name,
    depth: 0,
  }));
  const visible: number[] = [];
  table.columns.forEach((c, i) => {
    if (c.hidden !== true) visible.push(i);
  });
  const scope: PredicateScope = {
    infos,
    ownWidth: infos.length,
    context: (binding, row) => columnContext(ectx, binding, row),
  };
  const leaf: PlanLeaf = {
    id: 0,
    alias,
    name: `${table.view.database}.${table.view.name}`,
    start: 0,
    width: infos.length,
    table,
    derived: false,
  };
  const bindOptions = (clause: 'field list' | 'where clause') => ({
    clause,
    session: { database: ctx.database ?? null },
  });
  const predicates: Predicate[] = [];
  if (select.where !== undefined) {
    const compiler = new PredicateCompiler(scope, [leaf], () => ectx);
    const binding = bind(select.where, infos, bindOptions('where clause'));
    const at = { scope, binding, start: 0 };
    for (const c of conjuncts(select.where)) predicates.push(compiler.predicate(c, at));
  }
  return {
    infos,
    visible,
    scope,
    block: { units: [{ kind: 'leaf', leaf }], predicates },
    bindOptions,
  };
}

/** An evaluation context over `row()` by `binding`'s slots (select.ts Scope.context, no outer). */
function columnContext(ectx: EvalContext, binding: Binding, row: () => Row): EvalContext {
  return {
    ...ectx,
    column: (ref) => {
      const slot = binding.slots.get(ref);
      if (slot === undefined) throw new Error(`column ${ref.name} was not bound`);
      return row()[slot] ?? null;
    },
  };
}

/** The select list over one table row: `*` expanded as runSelect does, each value conformed. */
function projection(
  select: Select,
  from: CompiledFrom,
  ectx: EvalContext,
  types: readonly ReturnType<typeof describeQuery>[number]['type'][],
): (row: Row) => SqlValue[] {
  const items: SelectExprItem[] = [];
  const alias = from.infos[0]?.table ?? '';
  for (const item of select.columns) {
    if (item.kind === 'star') {
      // describeQuery checked a qualified star's table (1051).
      for (const slot of from.visible) {
        const info = from.infos[slot];
        if (info === undefined) continue;
        items.push({
          kind: 'expr',
          expr: { kind: 'column', name: info.name, table: item.table ?? alias } as Expr,
          source: info.name,
        });
      }
    } else {
      items.push(item);
    }
  }
  let current: Row = [];
  const evaluators = items.map((item, i) => {
    const binding = bind(item.expr, from.infos, from.bindOptions('field list'));
    const ictx = columnContext(ectx, binding, () => current);
    const type = types[i];
    return () => {
      const v = evaluate(item.expr, ictx);
      return type === undefined ? v : conformValue(v, type, ectx);
    };
  });
  return (row) => {
    current = row;
    return evaluators.map((e) => e());
  };
}

/** The scan: rows decoded, filtered, offset skipped, projected; stops at the limit. */
async function* scanRows(
  ctx: DmlContext,
  table: ResolvedTable,
  scan: ScanNode,
  range: { readonly start: Uint8Array; readonly end: Uint8Array },
  limit: { readonly offset: number; readonly count: number },
  project: (row: Row) => SqlValue[],
  program: ScanProgramSpec | undefined,
): AsyncGenerator<Row, void, undefined> {
  if (limit.count === 0) return;
  const { work } = ctx;
  const filters = scan.filters;
  let skipped = 0;
  let produced = 0;
  // A row program's outputs (rows, or residuals the filters decide here), unless this
  // transaction wrote into the range: then the plain rows with its writes laid over.
  const pushed = await programRows(ctx, range, program);
  for await (const { value } of pushed ?? ctx.txn.scanStream(range.start, range.end)) {
    work.checkInterrupted();
    if (work.step()) await work.pause();
    const stored = decodeRow(pushed === undefined ? value : pushedRow(value));
    const row = table.columns.map((c) => fromRowValue(stored.get(c.id), c));
    if (!filters.every((p) => p.test(row))) continue;
    if (skipped < limit.offset) {
      skipped++;
      continue;
    }
    yield project(row);
    produced++;
    if (produced >= limit.count) return;
  }
}

/**
 * The row program's stream over `range`, its first outputs already awaited; undefined when the
 * range must be streamed plainly: no program, own writes in the range, or a slice refused the
 * program (another version of the node: every slice answers its first page before any row is
 * taken, so nothing has been produced yet).
 */
async function programRows(
  ctx: DmlContext,
  range: { readonly start: Uint8Array; readonly end: Uint8Array },
  program: ScanProgramSpec | undefined,
): Promise<AsyncIterable<KeyValue> | undefined> {
  if (program === undefined) return undefined;
  const stream = ctx.txn.programStream(range.start, range.end, program);
  if (stream === undefined) return undefined;
  const it = stream[Symbol.asyncIterator]();
  let first: IteratorResult<KeyValue>;
  try {
    first = await it.next();
  } catch (error) {
    if (isTxnError(error) && error.code === 'PROGRAM_REFUSED') return undefined;
    throw error;
  }
  let taken = false;
  const rest: AsyncIterator<KeyValue> = {
    next: () => {
      if (taken) return it.next();
      taken = true;
      return Promise.resolve(first);
    },
    return: (value?: unknown) =>
      it.return === undefined
        ? Promise.resolve({ done: true, value: undefined })
        : it.return(value),
  };
  return { [Symbol.asyncIterator]: () => rest };
}

/** The row bytes of a row program's output (a passing row or a residual). */
function pushedRow(value: Uint8Array): Uint8Array {
  const out = decodeScanOutput(value);
  if (out.kind === 'group') throw new Error('a row program answered a group');
  return out.row;
}

// ---- the statement around the rows (session.ts) ----

/** How a statement's stream ended. */
export type StreamEnd =
  /** Every row was read. */
  | { readonly kind: 'complete'; readonly rows: number }
  /** The consumer stopped early, never started, or the session moved on / reset. */
  | { readonly kind: 'stopped'; readonly rows: number }
  /** The rows threw; `error` is what the consumer got (the session's mapping). */
  | { readonly kind: 'failed'; readonly rows: number; readonly error: unknown };

export interface StatementStreamHooks {
  /** The error the consumer sees for one the rows threw (the session maps to MySQL's). */
  readonly mapError: (error: unknown) => unknown;
  /** Runs once, however the stream ends, before the consumer's last `next()` settles. */
  readonly ended: (end: StreamEnd) => Promise<void>;
}

/**
 * A streamed statement's rows, readable once. The session keeps the open one and closes it
 * before its next statement (or at a reset), so the statement's transaction is always released;
 * reading it after that throws.
 */
export class StatementStream implements AsyncIterable<Row> {
  private state: 'unread' | 'reading' | 'ended' = 'unread';
  private started = false;
  private reader: AsyncGenerator<Row, void, undefined> | undefined;

  constructor(
    private readonly source: AsyncIterable<Row>,
    private readonly hooks: StatementStreamHooks,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Row> {
    if (this.state !== 'unread') {
      throw new Error('a streamed result is read once, before the session runs its next statement');
    }
    this.state = 'reading';
    this.reader = this.read();
    return this.reader;
  }

  /** Ends the stream where it stands; its `ended` hook has run when this resolves. */
  async close(): Promise<void> {
    if (this.state === 'ended') return;
    if (this.state === 'unread' || !this.started) {
      this.state = 'ended';
      await this.reader?.return(undefined);
      await this.hooks.ended({ kind: 'stopped', rows: 0 });
      return;
    }
    await this.reader?.return(undefined).catch(() => undefined);
  }

  private async *read(): AsyncGenerator<Row, void, undefined> {
    this.started = true;
    let rows = 0;
    let end: StreamEnd | undefined;
    try {
      for await (const row of this.source) {
        rows++;
        yield row;
      }
      end = { kind: 'complete', rows };
    } catch (error) {
      const mapped = this.hooks.mapError(error);
      end = { kind: 'failed', rows, error: mapped };
      throw mapped;
    } finally {
      this.state = 'ended';
      await this.hooks.ended(end ?? { kind: 'stopped', rows });
    }
  }
}
