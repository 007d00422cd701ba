/**
 * Multi-table UPDATE and DELETE (MySQL's `UPDATE t1 JOIN t2 ON … SET t1.a = t2.b WHERE …`,
 * `DELETE t1, t2 FROM t1 JOIN t2 …`, `DELETE FROM t1 USING t1, t2 WHERE …`).
 *
 * How they run: the join is a query like any other — a SELECT over the statement's FROM and
 * WHERE, planned and executed by select.ts (hash / index-lookup joins, access paths), at the
 * statement's snapshot — projecting, for every target table, its primary-key columns (the
 * hidden row id of a table without one) and, for UPDATE, the value of every assignment. Each
 * target row is then changed once, however many combinations of the join matched it (the
 * first combination's values win, as in MySQL), through the single-table paths in dml.ts
 * (`rewriteRow` keeps indexes and uniqueness; `deleteRow` removes the index entries).
 *
 * MySQL's rules kept: ORDER BY / LIMIT are refused (1221); a DELETE target must name a table
 * of the FROM clause (1109); an assignment's column resolves over every table of the join
 * (1054 unknown, 1052 ambiguous); a derived table cannot be updated (1288).
 */
import type { ColumnRef, Delete, Expr, Select, TableName, TableRef, Update } from '../ast.js';
import { SqlSemanticError } from '../errors.js';
import type { SqlValue } from '../eval/value.js';
import { hiddenRowIdColumn } from '../schema/definition.js';
import { fitToColumn, toKeyValue } from './column-values.js';
import type { EngineResult } from './ddl.js';
import { deleteRow, readStoredRow, rewriteRow } from './dml.js';
import type { DmlContext } from './dml.js';
import { executeQuery } from './select.js';
import { resolveTable } from './tables.js';
import type { ResolvedTable } from './tables.js';

/** Whether an UPDATE / DELETE is the multi-table form. */
export function isMultiTable(stmt: Update | Delete): boolean {
  if (stmt.kind === 'delete') return stmt.targets !== undefined;
  const [only, ...rest] = stmt.tables;
  return rest.length > 0 || only?.kind !== 'table';
}

/** A table of the join under the name the statement gives it (its alias, or its name). */
interface JoinTable {
  readonly alias: string;
  readonly name: TableName;
  readonly table: ResolvedTable;
}

function tablesOf(refs: readonly TableRef[], ctx: DmlContext, out: JoinTable[] = []): JoinTable[] {
  for (const ref of refs) {
    switch (ref.kind) {
      case 'table': {
        const table = resolveTable(ctx.view, ref.table, ctx.database);
        out.push({ alias: ref.alias ?? ref.table.name, name: ref.table, table });
        break;
      }
      case 'join':
        tablesOf([ref.left, ref.right], ctx, out);
        break;
      case 'derived':
        break;
    }
  }
  return out;
}

function derivedAliases(refs: readonly TableRef[], out: string[] = []): string[] {
  for (const ref of refs) {
    if (ref.kind === 'join') derivedAliases([ref.left, ref.right], out);
    else if (ref.kind === 'derived') out.push(ref.alias);
  }
  return out;
}

function refuseOrderAndLimit(stmt: Update | Delete, verb: 'UPDATE' | 'DELETE'): void {
  if (stmt.orderBy.length > 0) {
    throw new SqlSemanticError(1221, 'HY000', `Incorrect usage of ${verb} and ORDER BY`);
  }
  if (stmt.limit !== undefined) {
    throw new SqlSemanticError(1221, 'HY000', `Incorrect usage of ${verb} and LIMIT`);
  }
}

function primaryColumns(table: ResolvedTable): string[] {
  return table.primary.index.parts.map((p) => {
    const column = table.columns.find((c) => c.id === p.columnId);
    return column?.name ?? hiddenRowIdColumn;
  });
}

/** The stored primary key of `target`'s row, from its primary-key values in `row`. */
function keyOf(target: JoinTable, row: readonly SqlValue[], at: number): Uint8Array {
  const { table } = target;
  return table.primary.layout.key(
    table.primary.index.parts.map((p, i) => {
      const column = table.columns.find((c) => c.id === p.columnId);
      return column === undefined ? null : toKeyValue(row[at + i] ?? null, column);
    }),
  );
}

function column(alias: string, name: string, pos: number): ColumnRef {
  return { kind: 'column', table: alias, name, pos };
}

/** Runs the join: one row per matching combination, the projected expressions in order. */
async function joinRows(
  from: readonly TableRef[],
  where: Expr | undefined,
  items: readonly Expr[],
  pos: number,
  ctx: DmlContext,
): Promise<readonly (readonly SqlValue[])[]> {
  const select: Select = {
    kind: 'select',
    hints: [],
    distinct: false,
    options: [],
    columns: items.map((expr, i) => ({ kind: 'expr', expr, alias: `c${i}`, source: `c${i}` })),
    from,
    ...(where === undefined ? {} : { where }),
    groupBy: [],
    orderBy: [],
    pos,
  };
  const result = await executeQuery(select, ctx);
  if (result.kind !== 'rows') throw new Error('a join of a multi-table statement made no rows');
  return result.rows;
}

/** Distinct target rows (by stored key), first match first. */
function distinctKeys(
  target: JoinTable,
  rows: readonly (readonly SqlValue[])[],
  at: number,
): { key: Uint8Array; row: readonly SqlValue[] }[] {
  const seen = new Set<string>();
  const out: { key: Uint8Array; row: readonly SqlValue[] }[] = [];
  for (const row of rows) {
    // A LEFT JOIN's missing side has no row to change.
    if (row[at] === null) continue;
    const key = keyOf(target, row, at);
    const id = Buffer.from(key).toString('hex');
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ key, row });
  }
  return out;
}

export async function executeMultiUpdate(stmt: Update, ctx: DmlContext): Promise<EngineResult> {
  refuseOrderAndLimit(stmt, 'UPDATE');
  const tables = tablesOf(stmt.tables, ctx);
  const derived = derivedAliases(stmt.tables);
  // Each assignment's target: the one join table that has the column.
  const assignments = stmt.set.map((a) => {
    const name = a.column.name.toLowerCase();
    const qualifier = a.column.table?.toLowerCase();
    if (qualifier !== undefined && derived.some((d) => d.toLowerCase() === qualifier)) {
      throw new SqlSemanticError(
        1288,
        'HY000',
        `The target table ${a.column.table ?? ''} of the UPDATE is not updatable`,
      );
    }
    const owners = tables.filter(
      (t) =>
        (qualifier === undefined || t.alias.toLowerCase() === qualifier) &&
        t.table.columns.some((c) => c.hidden !== true && c.name.toLowerCase() === name),
    );
    const shown =
      a.column.table === undefined ? a.column.name : `${a.column.table}.${a.column.name}`;
    if (owners.length === 0) {
      throw new SqlSemanticError(1054, '42S22', `Unknown column '${shown}' in 'field list'`);
    }
    const [owner] = owners;
    if (owner === undefined || owners.length > 1) {
      throw new SqlSemanticError(
        1052,
        '23000',
        `Column '${a.column.name}' in field list is ambiguous`,
      );
    }
    const slot = owner.table.columns.findIndex((c) => c.name.toLowerCase() === name);
    return { owner, slot, value: a.value };
  });
  const targets = tables.filter((t) => assignments.some((a) => a.owner === t));
  for (const t of targets) resolveTable(ctx.view, t.name, ctx.database, 'write');
  // Projection: each target's primary key, then every assignment's value.
  const items: Expr[] = [];
  const keyAt = new Map<JoinTable, number>();
  for (const t of targets) {
    keyAt.set(t, items.length);
    for (const name of primaryColumns(t.table)) items.push(column(t.alias, name, stmt.pos));
  }
  const valueAt = items.length;
  for (const a of assignments) items.push(a.value);
  const rows = await joinRows(stmt.tables, stmt.where, items, stmt.pos, ctx);

  const ectx = ctx.evalContext();
  let matched = 0;
  let changed = 0;
  for (const target of targets) {
    const mine = assignments
      .map((a, i) => ({ ...a, at: valueAt + i }))
      .filter((a) => a.owner === target);
    const distinct = distinctKeys(target, rows, keyAt.get(target) ?? 0);
    let rowNumber = 0;
    for (const { key, row } of distinct) {
      ctx.checkInterrupted?.();
      rowNumber++;
      const stored = await readStoredRow(target.table, key, ctx);
      if (stored === undefined) continue; // the same table twice: already changed or gone
      matched++;
      const next = [...stored.values];
      for (const a of mine) {
        const col = target.table.columns[a.slot];
        if (col !== undefined) next[a.slot] = fitToColumn(row[a.at] ?? null, col, ectx, rowNumber);
      }
      if (await rewriteRow(target.table, stored, next, ctx)) changed++;
    }
  }
  return {
    kind: 'ok',
    affectedRows: changed,
    warnings: [],
    info: `Rows matched: ${matched}  Changed: ${changed}  Warnings: 0`,
  };
}

export async function executeMultiDelete(stmt: Delete, ctx: DmlContext): Promise<EngineResult> {
  refuseOrderAndLimit(stmt, 'DELETE');
  const tables = tablesOf(stmt.from, ctx);
  const targets = (stmt.targets ?? []).map((name) => {
    const found = tables.find(
      (t) =>
        t.alias.toLowerCase() === name.name.toLowerCase() &&
        (name.db === undefined || t.table.view.database.toLowerCase() === name.db.toLowerCase()),
    );
    if (found === undefined) {
      throw new SqlSemanticError(1109, '42S02', `Unknown table '${name.name}' in MULTI DELETE`);
    }
    resolveTable(ctx.view, found.name, ctx.database, 'write');
    return found;
  });
  const items: Expr[] = [];
  const keyAt = new Map<JoinTable, number>();
  for (const t of targets) {
    if (keyAt.has(t)) continue;
    keyAt.set(t, items.length);
    for (const name of primaryColumns(t.table)) items.push(column(t.alias, name, stmt.pos));
  }
  const rows = await joinRows(stmt.from, stmt.where, items, stmt.pos, ctx);
  let deleted = 0;
  for (const [target, at] of keyAt) {
    for (const { key } of distinctKeys(target, rows, at)) {
      ctx.checkInterrupted?.();
      const stored = await readStoredRow(target.table, key, ctx);
      if (stored === undefined) continue;
      deleteRow(target.table, stored, ctx);
      deleted++;
    }
  }
  return { kind: 'ok', affectedRows: deleted, warnings: [] };
}
