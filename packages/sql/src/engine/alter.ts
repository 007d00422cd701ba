/**
 * Index changes: CREATE INDEX, DROP INDEX and ALTER TABLE ... ADD / DROP INDEX (KEY, UNIQUE).
 *
 * A new index is a new representation of the table with its own slices (sliced by its own
 * key, as Xpand does). The change runs in two steps:
 *   1. The catalog change (one control-plane command, checked against the table's version):
 *      the new definition and the new representation, placed. From then on every statement
 *      that resolves the table maintains the index.
 *   2. Backfill: one transaction reads every row at its snapshot and writes the index entries
 *      (a unique index checks each value; a duplicate undoes step 1 and answers 1062).
 * Dropping an index drops its representation (the nodes drop its replicas).
 *
 * This blocks the statement for the whole backfill and is not an online schema change: a
 * transaction that resolved the table before step 1 and commits after the backfill's
 * snapshot can leave its rows out of the new index. Online DDL (later issue) closes that gap.
 */
import type { AlterTable, CreateIndex, DropIndex, TableName } from '../ast.js';
import { SqlNotSupportedError, SqlSemanticError } from '../errors.js';
import type { SqlValue } from '../eval/value.js';
import { decodeRow } from '../encoding/row-codec.js';
import { definitionWithIndex, definitionWithoutIndex } from '../schema/create-table.js';
import type { IndexSpec } from '../schema/create-table.js';
import type { IndexSchema, TableDefinition } from '../schema/definition.js';
import type { RoutingTable } from '../storage/layout.js';
import type { TxnClient } from '@tessera/txn';
import type { CatalogPort, RepresentationRequest } from './catalog-port.js';
import { fromRowValue } from './column-values.js';
import { databaseOf } from './ddl.js';
import type { EngineResult, EngineWarning } from './ddl.js';
import { duplicate, indexEntry, scanEntries } from './dml.js';
import { systemDatabase } from './system-tables.js';
import { refreshRouting, resolveTable } from './tables.js';

export interface AlterContext {
  readonly catalog: CatalogPort;
  readonly database: string | undefined;
  /** Where rows live; without it only tables without rows could be changed, so it is required. */
  readonly data: { readonly txn: TxnClient; readonly routing: RoutingTable };
}

/** What one ALTER does to the table's keys. */
interface KeyChanges {
  readonly add: readonly IndexSpec[];
  readonly drop: readonly string[];
  /** IF NOT EXISTS on CREATE INDEX: a taken name is a note, not an error. */
  readonly ifNotExists?: boolean;
}

const semantic = (errno: number, sqlState: string, message: string) =>
  new SqlSemanticError(errno, sqlState, message);

/** How many times a change computed against a stale table version is recomputed. */
const VERSION_RETRIES = 5;

export function createIndex(stmt: CreateIndex, ctx: AlterContext): Promise<EngineResult> {
  return changeKeys(
    stmt.table,
    {
      add: [
        {
          name: stmt.name,
          unique: stmt.unique,
          columns: stmt.columns,
          ...(stmt.indexType === undefined ? {} : { indexType: stmt.indexType }),
          ...(stmt.options.comment === undefined ? {} : { comment: stmt.options.comment }),
        },
      ],
      drop: [],
      ifNotExists: stmt.ifNotExists,
    },
    ctx,
  );
}

export function dropIndex(stmt: DropIndex, ctx: AlterContext): Promise<EngineResult> {
  if (stmt.name.toUpperCase() === 'PRIMARY') {
    throw new SqlNotSupportedError('dropping the primary key', stmt.pos);
  }
  return changeKeys(stmt.table, { add: [], drop: [stmt.name] }, ctx);
}

/** ALTER TABLE: key changes (ADD INDEX / KEY / UNIQUE, DROP INDEX / KEY); ALGORITHM and LOCK. */
export function alterTable(stmt: AlterTable, ctx: AlterContext): Promise<EngineResult> {
  const add: IndexSpec[] = [];
  const drop: string[] = [];
  for (const action of stmt.actions) {
    switch (action.kind) {
      case 'addConstraint': {
        const c = action.constraint;
        if (c.kind !== 'index') {
          throw new SqlNotSupportedError(`ALTER TABLE ADD ${c.kind} (not built yet)`, stmt.pos);
        }
        add.push({
          ...(c.name === undefined ? {} : { name: c.name }),
          unique: c.unique,
          columns: c.columns,
          ...(c.indexType === undefined ? {} : { indexType: c.indexType }),
          ...(c.options.comment === undefined ? {} : { comment: c.options.comment }),
        });
        break;
      }
      case 'dropIndex':
        if (action.name.toUpperCase() === 'PRIMARY') {
          throw new SqlNotSupportedError('dropping the primary key', stmt.pos);
        }
        drop.push(action.name);
        break;
      case 'algorithm':
      case 'lock':
        break;
      case 'addColumn':
      case 'dropColumn':
      case 'modifyColumn':
      case 'changeColumn':
      case 'renameColumn':
      case 'alterColumnDefault':
      case 'dropPrimaryKey':
      case 'dropForeignKey':
      case 'dropCheck':
      case 'renameIndex':
      case 'renameTable':
      case 'tableOptions':
      case 'convertCharset':
        throw new SqlNotSupportedError(
          `ALTER TABLE ${action.kind} (not built yet; index changes are)`,
          stmt.pos,
        );
    }
  }
  return changeKeys(stmt.table, { add, drop }, ctx);
}

async function changeKeys(
  name: TableName,
  changes: KeyChanges,
  ctx: AlterContext,
): Promise<EngineResult> {
  const database = databaseOf(name, ctx.database);
  if (database === systemDatabase) {
    throw semantic(1044, '42000', `Access denied to database '${database}'`);
  }
  for (let attempt = 0; ; attempt++) {
    const view = await ctx.catalog.view();
    const table = resolveTable(view, name, ctx.database);
    let definition: TableDefinition = table.definition;
    const dropped: IndexSchema[] = [];
    for (const drop of changes.drop) {
      const next = definitionWithoutIndex(definition, drop);
      definition = next.definition;
      dropped.push(next.index);
    }
    const added: IndexSchema[] = [];
    const notes: EngineWarning[] = [];
    for (const spec of changes.add) {
      try {
        const next = definitionWithIndex(definition, spec);
        definition = next.definition;
        added.push(next.index);
      } catch (error) {
        if (changes.ifNotExists === true && error instanceof SqlSemanticError) {
          if (error.errno === 1061) {
            notes.push({ level: 'Note', code: 1061, message: error.message });
            continue;
          }
        }
        throw error;
      }
    }
    if (added.length === 0 && dropped.length === 0) {
      return { kind: 'ok', affectedRows: 0, warnings: notes };
    }
    const replicas = definition.options.replicas;
    const representation = (index: IndexSchema): RepresentationRequest => ({
      name: index.name,
      ...(replicas === undefined ? {} : { replicas }),
      loggers: 1,
    });
    const outcome = await ctx.catalog.propose({
      kind: 'alterTable',
      database: table.view.database,
      name: table.view.name,
      expectedVersion: table.view.version,
      definition,
      ...(added.length === 0 ? {} : { addRepresentations: added.map(representation) }),
      ...(dropped.length === 0 ? {} : { dropRepresentations: dropped.map((i) => i.name) }),
    });
    if (outcome.kind === 'rejected') {
      if (outcome.code === 'VERSION_MISMATCH' && attempt < VERSION_RETRIES) continue;
      if (outcome.code === 'NO_SUCH_TABLE') {
        throw semantic(1146, '42S02', `Table '${database}.${name.name}' doesn't exist`);
      }
      throw semantic(1105, 'HY000', outcome.reason);
    }
    if (added.length > 0) await backfill(name, added, ctx);
    return {
      kind: 'ok',
      affectedRows: 0,
      warnings: notes,
      info: `Records: 0  Duplicates: 0  Warnings: ${notes.length}`,
    };
  }
}

/**
 * Writes the entries of the `added` indexes for every row, in one transaction (retried when a
 * concurrent write conflicts). A duplicate in a unique index takes the new indexes away again
 * and answers 1062, as MySQL refuses such an index.
 */
async function backfill(
  name: TableName,
  added: readonly IndexSchema[],
  ctx: AlterContext,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const view = await ctx.catalog.view();
    refreshRouting(ctx.data.routing, view);
    const table = resolveTable(view, name, ctx.database);
    const indexes = table.indexes.filter((i) => added.some((a) => a.name === i.index.name));
    const txn = await ctx.data.txn.begin();
    try {
      const rows = await scanEntries({ txn }, table);
      const seen = new Set<string>();
      for (const { key, value } of rows) {
        const row = decodeRow(value);
        const values: SqlValue[] = table.columns.map((c) => fromRowValue(row.get(c.id), c));
        for (const index of indexes) {
          const entry = indexEntry(table, index, values, key);
          if (entry.checkUnique) {
            const id = Buffer.from(entry.key).toString('hex');
            const owner = seen.has(id) ? undefined : await txn.get(entry.key);
            const taken = seen.has(id) || (owner !== undefined && Buffer.compare(owner, key) !== 0);
            if (taken) throw duplicate(table, index.index.name, entry.shown);
            seen.add(id);
          }
          txn.put(entry.key, entry.value);
        }
      }
      await txn.commit();
      return;
    } catch (error) {
      if (txn.state === 'active') await txn.rollback().catch(() => undefined);
      // A duplicate, or a backfill that kept failing: the new indexes go away again.
      if (error instanceof SqlSemanticError || attempt >= VERSION_RETRIES) {
        await undo(table.view.database, table.view.name, added, ctx);
        throw error;
      }
    }
  }
}

/** Takes the `added` indexes out of the table again (after a failed backfill). */
async function undo(
  database: string,
  name: string,
  added: readonly IndexSchema[],
  ctx: AlterContext,
): Promise<void> {
  for (let attempt = 0; attempt <= VERSION_RETRIES; attempt++) {
    const view = await ctx.catalog.view();
    const table = resolveTable(view, { name, db: database, pos: 0 }, database);
    let definition = table.definition;
    for (const index of added) {
      if (definition.indexes.some((i) => i.name === index.name)) {
        definition = definitionWithoutIndex(definition, index.name).definition;
      }
    }
    const outcome = await ctx.catalog.propose({
      kind: 'alterTable',
      database,
      name,
      expectedVersion: table.view.version,
      definition,
      dropRepresentations: added
        .map((i) => i.name)
        .filter((n) => table.view.representations.some((r) => r.name === n)),
    });
    if (outcome.kind !== 'rejected' || outcome.code !== 'VERSION_MISMATCH') return;
  }
}
