/**
 * Data definition and catalog reads: CREATE / DROP DATABASE, CREATE / DROP TABLE, USE,
 * SHOW DATABASES / TABLES. Every change goes to the control plane's catalog through the
 * CatalogPort (replicated there, all or nothing); refusals become MySQL's errors.
 */
import type {
  CreateDatabase,
  CreateTable,
  DropDatabase,
  DropTable,
  RenameTable,
  Show,
  TableName,
  TruncateTable,
} from '../ast.js';
import { defaultCollation } from '../encoding/key-codec.js';
import { SqlNotSupportedError, SqlSemanticError } from '../errors.js';
import { varString } from '../eval/types.js';
import type { ResultType } from '../eval/types.js';
import { str } from '../eval/value.js';
import type { SqlValue } from '../eval/value.js';
import { tableDefinitionFromCreate } from '../schema/create-table.js';
import { systemDatabase, systemTableNames } from './system-tables.js';
import { informationSchema, informationSchemaTableNames } from './information-schema.js';
import type { CatalogOutcome, CatalogPort, CatalogView } from './catalog-port.js';

export interface EngineWarning {
  readonly level: 'Note' | 'Warning' | 'Error';
  readonly code: number;
  readonly message: string;
}

export interface ResultColumn {
  readonly name: string;
  readonly type: ResultType;
  readonly database?: string;
  readonly table?: string;
}

export type EngineResult =
  | {
      readonly kind: 'ok';
      readonly affectedRows: number;
      readonly lastInsertId?: bigint;
      readonly warnings: readonly EngineWarning[];
      readonly info?: string;
    }
  | {
      readonly kind: 'rows';
      readonly columns: readonly ResultColumn[];
      readonly rows: readonly (readonly SqlValue[])[];
      readonly warnings: readonly EngineWarning[];
    }
  /**
   * Rows produced while the consumer reads them (stream-scan.ts; only from a session made with
   * `streamResults`). Read `rows` once, before the session's next statement; `warnings` is
   * complete once the iteration ended. An error mid-stream is thrown by the iteration.
   */
  | {
      readonly kind: 'stream';
      readonly columns: readonly ResultColumn[];
      readonly rows: AsyncIterable<readonly SqlValue[]>;
      readonly warnings: readonly EngineWarning[];
    };

/** The databases every server shows besides the user's (read-only, served by the engine). */
export const systemDatabases = ['information_schema', 'system'] as const;

export interface DdlContext {
  readonly catalog: CatalogPort;
  /** The session's current database. */
  readonly database: string | undefined;
}

const semantic = (errno: number, sqlState: string, message: string) =>
  new SqlSemanticError(errno, sqlState, message);

const ok = (affectedRows = 0, warnings: readonly EngineWarning[] = []): EngineResult => ({
  kind: 'ok',
  affectedRows,
  warnings,
});

function isSystemDatabase(name: string): boolean {
  return (systemDatabases as readonly string[]).includes(name.toLowerCase());
}

function refusedOrThrow(
  outcome: CatalogOutcome,
): Extract<CatalogOutcome, { kind: 'rejected' }> | undefined {
  return outcome.kind === 'rejected' ? outcome : undefined;
}

export async function createDatabase(stmt: CreateDatabase, ctx: DdlContext): Promise<EngineResult> {
  if (isSystemDatabase(stmt.name)) {
    throw semantic(1007, 'HY000', `Can't create database '${stmt.name}'; database exists`);
  }
  if (stmt.name.length > 64) {
    throw semantic(1059, '42000', `Identifier name '${stmt.name}' is too long`);
  }
  const outcome = await ctx.catalog.propose({ kind: 'createDatabase', name: stmt.name });
  const refused = refusedOrThrow(outcome);
  if (refused === undefined) return ok(1);
  if (refused.code === 'DB_EXISTS') {
    const message = `Can't create database '${stmt.name}'; database exists`;
    if (stmt.ifNotExists) return ok(0, [{ level: 'Note', code: 1007, message }]);
    throw semantic(1007, 'HY000', message);
  }
  throw semantic(1105, 'HY000', refused.reason);
}

export async function dropDatabase(stmt: DropDatabase, ctx: DdlContext): Promise<EngineResult> {
  if (isSystemDatabase(stmt.name)) {
    throw semantic(3552, 'HY000', `Access to system schema '${stmt.name}' is rejected.`);
  }
  const before = await ctx.catalog.view();
  const tables = before.tables.filter((t) => t.database === stmt.name).length;
  const outcome = await ctx.catalog.propose({ kind: 'dropDatabase', name: stmt.name });
  const refused = refusedOrThrow(outcome);
  if (refused === undefined) return ok(tables);
  if (refused.code === 'NO_SUCH_DB') {
    const message = `Can't drop database '${stmt.name}'; database doesn't exist`;
    if (stmt.ifExists) return ok(0, [{ level: 'Note', code: 1008, message }]);
    throw semantic(1008, 'HY000', message);
  }
  throw semantic(1105, 'HY000', refused.reason);
}

/** The database a table name refers to: its own, else the session's (1046 without one). */
export function databaseOf(table: TableName, current: string | undefined): string {
  const db = table.db ?? current;
  if (db === undefined) throw semantic(1046, '3D000', 'No database selected');
  return db;
}

function requireDatabase(view: CatalogView, name: string): void {
  if (isSystemDatabase(name)) return;
  if (!view.databases.some((d) => d.name === name)) {
    throw semantic(1049, '42000', `Unknown database '${name}'`);
  }
}

export async function createTable(stmt: CreateTable, ctx: DdlContext): Promise<EngineResult> {
  const database = databaseOf(stmt.table, ctx.database);
  if (isSystemDatabase(database)) {
    throw semantic(1044, '42000', `Access denied to database '${database}'`);
  }
  const view = await ctx.catalog.view();
  requireDatabase(view, database);
  const exists = view.tables.some((t) => t.database === database && t.name === stmt.table.name);
  const existsMessage = `Table '${stmt.table.name}' already exists`;
  if (exists && stmt.ifNotExists)
    return ok(0, [{ level: 'Note', code: 1050, message: existsMessage }]);
  if (exists) throw semantic(1050, '42S01', existsMessage);
  const { definition, warnings } = tableDefinitionFromCreate(stmt, {
    defaultCollation: defaultCollation.name,
  });
  // Every representation: 2 replicas + 1 logger (3 voters, so any one node may fail) unless
  // the table says otherwise; the primary gets SLICES = n slices (default: one per node).
  const replicas = definition.options.replicas;
  const representation = (name: string, slices?: number) => ({
    name,
    ...(replicas === undefined ? {} : { replicas }),
    loggers: 1,
    ...(slices === undefined ? {} : { sliceCount: slices }),
  });
  const outcome = await ctx.catalog.propose({
    kind: 'createTable',
    database,
    name: stmt.table.name,
    definition,
    representations: [
      representation('PRIMARY', definition.options.slices),
      ...definition.indexes.map((i) => representation(i.name)),
    ],
  });
  const refused = refusedOrThrow(outcome);
  const notes = warnings.map((w) => ({ level: 'Warning' as const, ...w }));
  if (refused === undefined) return ok(0, notes);
  switch (refused.code) {
    case 'TABLE_EXISTS':
      if (stmt.ifNotExists) return ok(0, [{ level: 'Note', code: 1050, message: existsMessage }]);
      throw semantic(1050, '42S01', existsMessage);
    case 'NO_SUCH_DB':
      throw semantic(1049, '42000', `Unknown database '${database}'`);
    case undefined:
    default:
      throw semantic(1105, 'HY000', refused.reason);
  }
}

export async function dropTable(stmt: DropTable, ctx: DdlContext): Promise<EngineResult> {
  if (stmt.temporary) throw new SqlNotSupportedError('DROP TEMPORARY TABLE', stmt.pos);
  const missing: string[] = [];
  const notes: EngineWarning[] = [];
  const view = await ctx.catalog.view();
  // MySQL checks every name first and drops nothing if one is unknown (without IF EXISTS).
  const targets = stmt.tables.map((t) => ({ database: databaseOf(t, ctx.database), name: t.name }));
  for (const t of targets) {
    if (!view.tables.some((x) => x.database === t.database && x.name === t.name)) {
      missing.push(`${t.database}.${t.name}`);
    }
  }
  if (missing.length > 0 && !stmt.ifExists) {
    throw semantic(1051, '42S02', `Unknown table '${missing.join(',')}'`);
  }
  for (const t of targets) {
    const outcome = await ctx.catalog.propose({ kind: 'dropTable', ...t });
    if (outcome.kind === 'rejected') {
      notes.push({ level: 'Note', code: 1051, message: `Unknown table '${t.database}.${t.name}'` });
    }
  }
  return ok(0, notes);
}

/**
 * RENAME TABLE a TO b [, c TO d]: each rename replicated in the catalog, in order (MySQL checks
 * them all first; so do we: an unknown source or an existing target refuses the whole list).
 */
export async function renameTables(stmt: RenameTable, ctx: DdlContext): Promise<EngineResult> {
  const view = await ctx.catalog.view();
  const names = new Set(view.tables.map((t) => `${t.database}.${t.name}`));
  const plan = stmt.renames.map((r) => ({
    from: { database: databaseOf(r.from, ctx.database), name: r.from.name },
    to: { database: databaseOf(r.to, ctx.database), name: r.to.name },
  }));
  for (const { from, to } of plan) {
    if (!names.has(`${from.database}.${from.name}`)) {
      throw semantic(1146, '42S02', `Table '${from.database}.${from.name}' doesn't exist`);
    }
    if (names.has(`${to.database}.${to.name}`)) {
      throw semantic(1050, '42S01', `Table '${to.name}' already exists`);
    }
    requireDatabase(view, to.database);
    names.delete(`${from.database}.${from.name}`);
    names.add(`${to.database}.${to.name}`);
  }
  for (const { from, to } of plan) {
    const outcome = await ctx.catalog.propose({
      kind: 'renameTable',
      database: from.database,
      name: from.name,
      toDatabase: to.database,
      toName: to.name,
    });
    if (outcome.kind === 'rejected') throw semantic(1105, 'HY000', outcome.reason);
  }
  return ok(0);
}

/**
 * TRUNCATE TABLE t: the table is dropped and created again from its definition (new, empty
 * slices; AUTO_INCREMENT back to its start), as InnoDB does it.
 */
export async function truncateTable(stmt: TruncateTable, ctx: DdlContext): Promise<EngineResult> {
  const database = databaseOf(stmt.table, ctx.database);
  const view = await ctx.catalog.view();
  requireDatabase(view, database);
  const table = view.tables.find((t) => t.database === database && t.name === stmt.table.name);
  if (table === undefined) {
    throw semantic(1146, '42S02', `Table '${database}.${stmt.table.name}' doesn't exist`);
  }
  // An ALTER TABLE writing the table holds it (alter.ts): TRUNCATE waits for it, as in MySQL.
  if ((table.definition as { pendingAlter?: unknown }).pendingAlter !== undefined) {
    throw semantic(1205, 'HY000', 'Lock wait timeout exceeded; try restarting transaction');
  }
  const placed = new Map(view.representations.map((r) => [r.id, r]));
  const representations = table.representations.map((r) => {
    const rep = placed.get(r.representationId);
    return {
      name: r.name,
      ...(rep === undefined
        ? {}
        : {
            replicas: rep.replication.replicas,
            loggers: rep.replication.loggers,
            sliceCount: rep.slices.length,
          }),
    };
  });
  const dropped = await ctx.catalog.propose({ kind: 'dropTable', database, name: table.name });
  if (dropped.kind === 'rejected') throw semantic(1105, 'HY000', dropped.reason);
  const created = await ctx.catalog.propose({
    kind: 'createTable',
    database,
    name: table.name,
    definition: table.definition,
    representations,
  });
  if (created.kind === 'rejected') throw semantic(1105, 'HY000', created.reason);
  return ok(0);
}

export async function useDatabase(name: string, ctx: DdlContext): Promise<string> {
  requireDatabase(await ctx.catalog.view(), name);
  return name;
}

function likeToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '\\' && i + 1 < pattern.length) {
      out += (pattern[++i] ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 'isu');
}

const nameColumn = (name: string): ResultColumn => ({
  name,
  type: varString(64, defaultCollation, false),
});

export async function showDatabases(stmt: Show, ctx: DdlContext): Promise<EngineResult> {
  if (stmt.where !== undefined) throw new SqlNotSupportedError('SHOW DATABASES WHERE', stmt.pos);
  const view = await ctx.catalog.view();
  const names = [...systemDatabases, ...view.databases.map((d) => d.name)].sort();
  const like = stmt.like === undefined ? undefined : likeToRegExp(stmt.like);
  const column = stmt.like === undefined ? 'Database' : `Database (${stmt.like})`;
  return {
    kind: 'rows',
    columns: [nameColumn(column)],
    rows: names.filter((n) => like?.test(n) ?? true).map((n) => [str(n, defaultCollation)]),
    warnings: [],
  };
}

export async function showTables(stmt: Show, ctx: DdlContext): Promise<EngineResult> {
  if (stmt.where !== undefined) throw new SqlNotSupportedError('SHOW TABLES WHERE', stmt.pos);
  const database = stmt.db ?? ctx.database;
  if (database === undefined) throw semantic(1046, '3D000', 'No database selected');
  const view = await ctx.catalog.view();
  requireDatabase(view, database);
  const like = stmt.like === undefined ? undefined : likeToRegExp(stmt.like);
  const names = (
    database === systemDatabase
      ? systemTableNames()
      : database.toLowerCase() === informationSchema
        ? informationSchemaTableNames()
        : view.tables.filter((t) => t.database === database).map((t) => t.name)
  )
    .filter((n) => like?.test(n) ?? true)
    .sort();
  const title = `Tables_in_${database}${stmt.like === undefined ? '' : ` (${stmt.like})`}`;
  const columns = stmt.full ? [nameColumn(title), nameColumn('Table_type')] : [nameColumn(title)];
  return {
    kind: 'rows',
    columns,
    rows: names.map((n) =>
      stmt.full
        ? [str(n, defaultCollation), str('BASE TABLE', defaultCollation)]
        : [str(n, defaultCollation)],
    ),
    warnings: [],
  };
}
