/**
 * ALTER TABLE (columns, indexes, table options, RENAME), CREATE INDEX and DROP INDEX.
 *
 * alter-plan.ts turns the statement into the table's next definition with MySQL's checks and
 * says what the stored data needs; this module makes it so, in one of two ways:
 *
 * Metadata only — ADD COLUMN with a constant default (old rows lack the new column's id and read
 * its `fill`: MySQL's ALGORITHM=INSTANT), DROP COLUMN (the id stays in old rows, unread; ids are
 * never reused), RENAME COLUMN, SET / DROP DEFAULT, a wider type, NULL allowed, column order,
 * DROP / RENAME INDEX, table options: one `alterTable` catalog command, checked against the
 * table's version. Writers that resolved the table before it cannot corrupt anything: their rows
 * are stored by column id too.
 *
 * Writing rows or index entries — a type change that converts or checks values, NOT NULL, an
 * added or rebuilt index, a computed column (ALGORITHM=COPY / INPLACE in MySQL's terms):
 *
 *   1. lock: one `alterTable` (version-checked) keeps the old definition in force, records the
 *      new one as `pendingAlter` and places its new representations. From then on a statement
 *      that writes the table answers 1205 (MySQL would wait for the ALTER's metadata lock;
 *      Tessera does not wait), reads go on with the old definition.
 *   2. rewrite (alter-rewrite.ts): every row gets its new values added beside the old ones, the
 *      new indexes their entries, page by page; rounds repeat until the table holds exactly what
 *      was written (catching writers that resolved the table before step 1).
 *   3. swap: one `alterTable` checked against the version step 1 produced: the new definition,
 *      the representations it no longer uses dropped.
 *   A failure in 2 or 3 (a value that does not fit, a duplicate) undoes step 1 — the old
 *   definition without the lock, the new representations dropped — so the ALTER changed
 *   nothing, as in MySQL. Multi-action ALTERs are one plan, so all or nothing.
 *
 * Rewriting in place (rather than copying into a new primary representation) is possible because
 * rows are maps by column id and the primary key never moves: both definitions read every row
 * consistently at any snapshot, and the control plane keeps the primary representation for good.
 *
 * Known gap (closed by online schema change, a later issue): a transaction that wrote the table
 * with the old definition before step 1 and commits after the last round of step 2 (say, an
 * explicit transaction left open across the whole ALTER) is not carried over — its rows lack the
 * new columns' values, and its entries in dropped representations fail its commit only once the
 * routing has moved on. Likewise after a metadata-only change, a statement that resolved the
 * table just before it and rewrites a row written just after it stores the row without the
 * added column's value (which then reads as the fill). A lock whose ALTER died is taken over by
 * the next ALTER of the table after `abandonedAfterMicros`; until then writes answer 1205.
 */
import type { AlterAction, AlterTable, CreateIndex, DropIndex, TableName } from '../ast.js';
import { SqlSemanticError } from '../errors.js';
import type { EvalContext } from '../eval/context.js';
import type { PendingAlter, TableDefinition } from '../schema/definition.js';
import { representationOf } from '../schema/definition.js';
import type { RoutingTable } from '../storage/layout.js';
import type { TxnClient } from '@tessera/txn';
import { isTxnError } from '@tessera/txn';
import { planAlter, writesData } from './alter-plan.js';
import type { AlterPlan } from './alter-plan.js';
import { rewriteTable } from './alter-rewrite.js';
import type { CatalogOutcome, CatalogPort, CatalogTableView } from './catalog-port.js';
import { databaseOf } from './ddl.js';
import type { EngineResult, EngineWarning } from './ddl.js';
import { systemDatabase } from './system-tables.js';
import { refreshRouting, resolveDefinition, resolveTable } from './tables.js';

export interface AlterContext {
  readonly catalog: CatalogPort;
  readonly database: string | undefined;
  /** Where rows live; without it only tables without rows could be changed, so it is required. */
  readonly data: { readonly txn: TxnClient; readonly routing: RoutingTable };
  /** A fresh evaluation context (defaults of added columns, conversions). */
  readonly evalContext: () => EvalContext;
  /** Who runs the ALTER (recorded with the lock, e.g. the connection). */
  readonly owner: string;
  /** Microseconds since the epoch (when the lock was taken; whether one was abandoned). */
  readonly nowMicros: () => bigint;
  /** Tests only: runs between the rewrite's rounds (the table locked, the rows half done). */
  readonly afterRound?: (round: number) => Promise<void>;
}

const semantic = (errno: number, sqlState: string, message: string) =>
  new SqlSemanticError(errno, sqlState, message);
const lockWait = () =>
  semantic(1205, 'HY000', 'Lock wait timeout exceeded; try restarting transaction');

/** How many times a change computed against a stale table version is recomputed. */
const VERSION_RETRIES = 5;
/** A lock older than this is an ALTER that died: the next ALTER of the table undoes it. */
export const abandonedAfterMicros = 10n * 60n * 1_000_000n;

export function createIndex(stmt: CreateIndex, ctx: AlterContext): Promise<EngineResult> {
  const action: AlterAction = {
    kind: 'addConstraint',
    constraint: {
      kind: 'index',
      name: stmt.name,
      unique: stmt.unique,
      columns: stmt.columns,
      ...(stmt.indexType === undefined ? {} : { indexType: stmt.indexType }),
      options: stmt.options,
    },
  };
  return alter(stmt.table, [action], ctx, stmt.ifNotExists);
}

export function dropIndex(stmt: DropIndex, ctx: AlterContext): Promise<EngineResult> {
  return alter(stmt.table, [{ kind: 'dropIndex', name: stmt.name }], ctx, false);
}

export function alterTable(stmt: AlterTable, ctx: AlterContext): Promise<EngineResult> {
  return alter(stmt.table, stmt.actions, ctx, false);
}

async function alter(
  name: TableName,
  actions: readonly AlterAction[],
  ctx: AlterContext,
  ifNotExists: boolean,
): Promise<EngineResult> {
  const database = databaseOf(name, ctx.database);
  if (database === systemDatabase) {
    throw semantic(1044, '42000', `Access denied to database '${database}'`);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      const view = await ctx.catalog.view();
      const table = resolveTable(view, name, ctx.database);
      const pending = table.definition.pendingAlter;
      if (pending !== undefined) {
        const age = ctx.nowMicros() - BigInt(pending.startedAtMicros);
        if (age < abandonedAfterMicros || attempt >= VERSION_RETRIES) throw lockWait();
        await undo(table.view.id, pending.owner, ctx);
        continue;
      }
      let plan: AlterPlan;
      try {
        plan = planAlter(actions, {
          table: table.view,
          currentDatabase: ctx.database,
          evalContext: ctx.evalContext(),
        });
      } catch (error) {
        // CREATE INDEX IF NOT EXISTS (MariaDB's): a taken name is a note.
        if (ifNotExists && error instanceof SqlSemanticError && error.errno === 1061) {
          return {
            kind: 'ok',
            affectedRows: 0,
            warnings: [{ level: 'Note', code: 1061, message: error.message }],
          };
        }
        throw error;
      }
      checkHow(plan);
      if (plan.renameTo !== undefined) {
        const to = plan.renameTo;
        if (!view.databases.some((d) => d.name === to.database)) {
          throw semantic(1049, '42000', `Unknown database '${to.database}'`);
        }
        if (view.tables.some((t) => t.database === to.database && t.name === to.name)) {
          throw semantic(1050, '42S01', `Table '${to.name}' already exists`);
        }
      }
      const rows = await apply(plan, table.view, ctx);
      if (rows === 'stale') {
        if (attempt < VERSION_RETRIES) continue;
        throw semantic(1105, 'HY000', `table '${database}.${name.name}' kept changing`);
      }
      await moveAutoIncrement(plan, table.view, rows.largestAuto, ctx);
      if (plan.renameTo !== undefined) {
        const renamed = await ctx.catalog.propose({
          kind: 'renameTable',
          database: table.view.database,
          name: table.view.name,
          toDatabase: plan.renameTo.database,
          toName: plan.renameTo.name,
        });
        if (renamed.kind === 'rejected') throw semantic(1105, 'HY000', renamed.reason);
      }
      const warnings: EngineWarning[] = [...plan.warnings];
      // MySQL counts the rows of a copying ALTER (values converted or computed); one that
      // only builds indexes or checks values (INPLACE) reports none.
      const copied = [...plan.sources.values()].some(
        (s) => s.kind === 'converted' || s.kind === 'computed',
      );
      const records = copied ? rows.rows : 0;
      return {
        kind: 'ok',
        affectedRows: records,
        warnings,
        info: `Records: ${records}  Duplicates: 0  Warnings: ${warnings.length}`,
      };
    }
  } catch (error) {
    throw txnToSql(error);
  }
}

/** ALGORITHM=INSTANT / LOCK=NONE where the ALTER must write data: MySQL's 1846. */
function checkHow(plan: AlterPlan): void {
  if (!writesData(plan)) return;
  const reason =
    'this change writes rows or index entries and locks the table for writes meanwhile';
  if (plan.algorithm === 'INSTANT') {
    throw semantic(
      1846,
      '0A000',
      `ALGORITHM=INSTANT is not supported. Reason: ${reason}. Try ALGORITHM=COPY/INPLACE.`,
    );
  }
  if (plan.lock === 'NONE') {
    throw semantic(
      1846,
      '0A000',
      `LOCK=NONE is not supported. Reason: ${reason}. Try LOCK=SHARED.`,
    );
  }
}

/** Makes the plan so; 'stale' when the table changed since it was read. */
async function apply(
  plan: AlterPlan,
  table: CatalogTableView,
  ctx: AlterContext,
): Promise<{ rows: number; largestAuto?: bigint } | 'stale'> {
  const base = { kind: 'alterTable' as const, database: table.database, name: table.name };
  if (!writesData(plan)) {
    if (!plan.changed) return { rows: 0 };
    const outcome = await ctx.catalog.propose({
      ...base,
      expectedVersion: table.version,
      definition: plan.definition,
      ...(plan.dropped.length === 0 ? {} : { dropRepresentations: plan.dropped }),
    });
    return refused(outcome, table) ?? { rows: 0 };
  }

  // 1. Lock: the old definition stays, the new one is pending, its representations placed.
  const old = table.definition as TableDefinition;
  const pendingAlter: PendingAlter = {
    definition: plan.definition,
    owner: `${ctx.owner} v${table.version}`,
    startedAtMicros: String(ctx.nowMicros()),
  };
  const replicas = plan.definition.options.replicas;
  const locked = await ctx.catalog.propose({
    ...base,
    expectedVersion: table.version,
    definition: { ...old, pendingAlter },
    addRepresentations: plan.filled.map((index) => ({
      name: representationOf(index),
      ...(replicas === undefined ? {} : { replicas }),
      loggers: 1,
    })),
  });
  const stale = refused(locked, table);
  if (stale !== undefined) return stale;
  if (locked.kind !== 'tableChanged') throw new Error(`alterTable answered ${locked.kind}`);
  try {
    // 2. The data, read and written through the representations just placed.
    const view = await ctx.catalog.view();
    refreshRouting(ctx.data.routing, view);
    const current = view.tables.find((t) => t.id === table.id);
    if (current?.version !== locked.version) throw lockWait();
    const result = await rewriteTable({
      txn: ctx.data.txn,
      catalog: ctx.catalog,
      before: resolveDefinition(view, current, old),
      after: resolveDefinition(view, current, plan.definition),
      plan,
      evalContext: ctx.evalContext,
      ...(ctx.afterRound === undefined ? {} : { afterRound: ctx.afterRound }),
    });
    // 3. Swap.
    const swapped = await ctx.catalog.propose({
      ...base,
      expectedVersion: locked.version,
      definition: plan.definition,
      ...(plan.dropped.length === 0 ? {} : { dropRepresentations: plan.dropped }),
    });
    if (swapped.kind === 'rejected') throw semantic(1105, 'HY000', swapped.reason);
    return result;
  } catch (error) {
    const gone = await undo(table.id, pendingAlter.owner, ctx);
    // Dropped (or renamed) under the ALTER: its writes met representations that went away.
    if (gone && !(error instanceof SqlSemanticError)) {
      throw semantic(1146, '42S02', `Table '${table.database}.${table.name}' doesn't exist`);
    }
    throw error;
  }
}

/** A refused catalog change as the caller sees it: 'stale' to recompute, else an error. */
function refused(outcome: CatalogOutcome, table: CatalogTableView): 'stale' | undefined {
  if (outcome.kind !== 'rejected') return undefined;
  if (outcome.code === 'VERSION_MISMATCH') return 'stale';
  if (outcome.code === 'NO_SUCH_TABLE') {
    throw semantic(1146, '42S02', `Table '${table.database}.${table.name}' doesn't exist`);
  }
  throw semantic(1105, 'HY000', outcome.reason);
}

/**
 * Takes the lock of ALTER `owner` off table `tableId` again (wherever it was renamed to): the
 * definition without `pendingAlter`, the representations only the pending definition used
 * dropped. Does nothing when the table no longer carries that lock; true when the table is gone.
 */
async function undo(tableId: number, owner: string, ctx: AlterContext): Promise<boolean> {
  for (let attempt = 0; attempt <= VERSION_RETRIES; attempt++) {
    const view = await ctx.catalog.view();
    const table = view.tables.find((t) => t.id === tableId);
    if (table === undefined) return true;
    const definition = table.definition as TableDefinition;
    if (definition.pendingAlter?.owner !== owner) return false;
    const { pendingAlter: _pending, ...restored } = definition;
    const used = new Set(['PRIMARY', ...restored.indexes.map(representationOf)]);
    const drop = table.representations.map((r) => r.name).filter((r) => !used.has(r));
    const outcome = await ctx.catalog.propose({
      kind: 'alterTable',
      database: table.database,
      name: table.name,
      expectedVersion: table.version,
      definition: restored,
      ...(drop.length === 0 ? {} : { dropRepresentations: drop }),
    });
    if (outcome.kind !== 'rejected' || outcome.code !== 'VERSION_MISMATCH') return false;
  }
  return false;
}

/**
 * The AUTO_INCREMENT counter after the ALTER: past the largest value of a column that became
 * AUTO_INCREMENT, and at least `AUTO_INCREMENT = n` (the counter only moves up: MySQL would
 * also lower it to the largest value + 1).
 */
async function moveAutoIncrement(
  plan: AlterPlan,
  table: CatalogTableView,
  largest: bigint | undefined,
  ctx: AlterContext,
): Promise<void> {
  const floors: number[] = [];
  if (largest !== undefined && largest >= 1n) floors.push(Number(largest) + 1);
  if (plan.autoIncrement !== undefined) floors.push(plan.autoIncrement);
  if (floors.length === 0) return;
  const next = Math.max(...floors);
  const view = await ctx.catalog.view();
  const current = view.tables.find((t) => t.id === table.id);
  if (current === undefined || current.autoIncrementNext >= next) return;
  // Allocating one value at `next - 1` leaves the counter at `next`.
  const outcome = await ctx.catalog.propose({
    kind: 'allocateAutoIncrement',
    tableId: table.id,
    count: 1,
    atLeast: next - 1,
  });
  if (outcome.kind === 'rejected') throw semantic(1105, 'HY000', outcome.reason);
}

/** Transaction-layer failures of the rewrite as MySQL errors (anything else passes through). */
function txnToSql(error: unknown): unknown {
  if (!isTxnError(error)) return error;
  switch (error.code) {
    case 'WRITE_CONFLICT':
    case 'TXN_ABORTED':
      return semantic(
        1213,
        '40001',
        'Deadlock found when trying to get lock; try restarting transaction',
      );
    case 'LOCK_TIMEOUT':
      return lockWait();
    case 'UNAVAILABLE':
    case 'UNDETERMINED':
    case 'SNAPSHOT_TOO_OLD':
    case 'KEY_TOO_LARGE':
    case 'TXN_TOO_LARGE':
    case 'TXN_CLOSED':
    case 'PROGRAM_REFUSED':
      return semantic(1105, 'HY000', `${error.code}: ${error.message}`);
  }
}
