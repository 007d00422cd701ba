/**
 * A table as the executors use it: its definition, and the layouts of its representations
 * (keys and groups), resolved from a catalog view. Also refreshes the routing table the
 * transaction client routes by.
 */
import type { Representation } from '@tessera/placement';
import type { TableName } from '../ast.js';
import { SqlSemanticError } from '../errors.js';
import type { ColumnSchema, IndexSchema, TableDefinition } from '../schema/definition.js';
import { keyTypeOf, representationOf } from '../schema/definition.js';
import { RepresentationLayout, RoutingTable } from '../storage/layout.js';
import type { CatalogTableView, CatalogView } from './catalog-port.js';

export interface ResolvedIndex {
  readonly index: IndexSchema;
  readonly layout: RepresentationLayout;
}

export interface ResolvedTable {
  readonly view: CatalogTableView;
  readonly definition: TableDefinition;
  readonly columns: readonly ColumnSchema[];
  readonly primary: ResolvedIndex;
  readonly indexes: readonly ResolvedIndex[];
}

function column(def: TableDefinition, id: number): ColumnSchema {
  const c = def.columns.find((x) => x.id === id);
  if (c === undefined) throw new Error(`index names column id ${id}, which the table lacks`);
  return c;
}

function layoutsOf(
  table: CatalogTableView,
  representations: ReadonlyMap<number, Representation>,
  def: TableDefinition = table.definition as TableDefinition,
): { primary: ResolvedIndex; indexes: ResolvedIndex[] } | undefined {
  const placed = (name: string) => {
    const id = table.representations.find((r) => r.name === name)?.representationId;
    return id === undefined ? undefined : representations.get(id);
  };
  const primaryRep = placed('PRIMARY');
  if (primaryRep === undefined) return undefined;
  const pkTypes = def.primaryKey.parts.map((p) => keyTypeOf(column(def, p.columnId).type));
  const primary: ResolvedIndex = {
    index: def.primaryKey,
    layout: new RepresentationLayout(
      primaryRep,
      pkTypes,
      Math.min(def.options.distributionColumns, pkTypes.length),
    ),
  };
  const indexes: ResolvedIndex[] = [];
  for (const index of def.indexes) {
    const rep = placed(representationOf(index));
    if (rep === undefined) continue;
    const types = index.parts.map((p) => keyTypeOf(column(def, p.columnId).type));
    indexes.push({ index, layout: new RepresentationLayout(rep, [...types, ...pkTypes], 1) });
  }
  return { primary, indexes };
}

/** Refreshes the routing table from a catalog view (every placed representation of every table). */
export function refreshRouting(routing: RoutingTable, view: CatalogView): void {
  if (view.version <= routing.catalogVersion) return;
  routing.refresh(view.version, layoutsOfCatalog(view.tables, view.representations));
}

/**
 * How the data nodes must hash the keys of slice `sliceId` to split it (the SQL key hasher of
 * its table's or index's layout, `storage/key-hasher.ts`), from the catalog's tables and the
 * slice map; undefined when no table holds the slice.
 */
export function keyHasherOfSlice(
  tables: readonly CatalogTableView[],
  representations: readonly Representation[],
  sliceId: number,
): { readonly name: string; readonly params: Uint8Array } | undefined {
  const routing = new RoutingTable();
  routing.refresh(0, layoutsOfCatalog(tables, representations));
  return routing.keyHasherOfSlice(sliceId);
}

function layoutsOfCatalog(
  tables: readonly CatalogTableView[],
  placed: readonly Representation[],
): RepresentationLayout[] {
  const representations = new Map(placed.map((r) => [r.id, r]));
  const layouts: RepresentationLayout[] = [];
  for (const table of tables) {
    const resolved = layoutsOf(table, representations);
    if (resolved === undefined) continue;
    layouts.push(resolved.primary.layout, ...resolved.indexes.map((i) => i.layout));
    // An ALTER in progress writes the representations of the definition it will swap in.
    const pending = (table.definition as TableDefinition).pendingAlter?.definition;
    const next = pending === undefined ? undefined : layoutsOf(table, representations, pending);
    // (A representation both definitions name is routed once: the router keys layouts by id.)
    layouts.push(...(next?.indexes ?? []).map((i) => i.layout));
  }
  return layouts;
}

/**
 * The table `name` names (in `current` when unqualified): 1046, 1049 and 1146 as MySQL. A
 * write to a table an ALTER TABLE is rewriting answers 1205 (MySQL would wait for the ALTER's
 * metadata lock; Tessera does not wait).
 */
export function resolveTable(
  view: CatalogView,
  name: TableName,
  current: string | undefined,
  access: 'read' | 'write' = 'read',
): ResolvedTable {
  const database = name.db ?? current;
  if (database === undefined) throw new SqlSemanticError(1046, '3D000', 'No database selected');
  if (database === 'system') {
    // Reads of system tables never get here (select.ts serves them); a write does.
    throw new SqlSemanticError(1036, 'HY000', `Table '${name.name}' is read only`);
  }
  if (database.toLowerCase() === 'information_schema') {
    throw new SqlSemanticError(
      1044,
      '42000',
      `Access denied for user to database 'information_schema'`,
    );
  }
  const table = view.tables.find((t) => t.database === database && t.name === name.name);
  if (table === undefined) {
    if (!view.databases.some((d) => d.name === database)) {
      throw new SqlSemanticError(1049, '42000', `Unknown database '${database}'`);
    }
    throw new SqlSemanticError(1146, '42S02', `Table '${database}.${name.name}' doesn't exist`);
  }
  if (access === 'write' && (table.definition as TableDefinition).pendingAlter !== undefined) {
    throw new SqlSemanticError(
      1205,
      'HY000',
      'Lock wait timeout exceeded; try restarting transaction',
    );
  }
  return resolveDefinition(view, table, table.definition as TableDefinition);
}

/** `table` resolved with `definition` (its own, or the one an ALTER in progress swaps in). */
export function resolveDefinition(
  view: CatalogView,
  table: CatalogTableView,
  definition: TableDefinition,
): ResolvedTable {
  // Resolved once per table view, definition and catalog version: the layouts depend only on
  // those (any catalog change — DDL, placement — moves the version), and a statement resolves
  // its tables on every run (every EXECUTE of a prepared statement too).
  const cached = resolvedCache.get(table);
  if (cached?.version === view.version && cached.definition === definition) return cached.resolved;
  const resolved = resolveUncached(view, table, definition);
  resolvedCache.set(table, { version: view.version, definition, resolved });
  return resolved;
}

/** The last resolution of each table view (weakly held: a dropped view frees its entry). */
const resolvedCache = new WeakMap<
  CatalogTableView,
  {
    readonly version: number;
    readonly definition: TableDefinition;
    readonly resolved: ResolvedTable;
  }
>();

function resolveUncached(
  view: CatalogView,
  table: CatalogTableView,
  definition: TableDefinition,
): ResolvedTable {
  const representations = new Map(view.representations.map((r) => [r.id, r]));
  const resolved = layoutsOf(table, representations, definition);
  if (resolved === undefined) {
    throw new SqlSemanticError(
      1146,
      '42S02',
      `Table '${table.database}.${table.name}' is not placed yet`,
    );
  }
  return {
    view: table,
    definition,
    columns: definition.columns,
    primary: resolved.primary,
    indexes: resolved.indexes,
  };
}
