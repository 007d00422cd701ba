/**
 * INSERT, UPDATE and DELETE over the transactional KV layer.
 *
 * INSERT: each row's values are evaluated, fitted to their columns (strict), AUTO_INCREMENT
 * values drawn from the catalog's batches; the primary-key entry (row by column id) and one
 * entry per secondary index are written in the statement's transaction after checking
 * uniqueness (1062) — concurrent inserts of one key conflict at commit (snapshot isolation).
 *
 * UPDATE / DELETE: the rows WHERE selects (`matchingRows`, through the access path access.ts
 * chooses: point get, batch get, index lookup, primary-key range or full scan), then ORDER BY
 * and LIMIT. Queries (SELECT, UNION, subqueries) are in select.ts.
 */
import type {
  Assignment,
  ColumnRef,
  Delete,
  Expr,
  FuncCall,
  Insert,
  TableName,
  TableRef,
  Update,
} from '../ast.js';
import { decodeRow, encodeRow } from '../encoding/row-codec.js';
import type { RowValue } from '../encoding/row-codec.js';
import { SqlNotSupportedError, SqlSemanticError } from '../errors.js';
import { bind, slotResolver } from '../eval/bind.js';
import type { ColumnInfo } from '../eval/bind.js';
import { sortCompare } from '../eval/compare.js';
import type { EvalContext } from '../eval/context.js';
import { toBool, toText } from '../eval/convert.js';
import { evaluate } from '../eval/evaluate.js';
import { partsFromEpochMicros } from '../eval/temporal.js';
import { int, uint } from '../eval/value.js';
import type { SqlValue } from '../eval/value.js';
import { parse } from '../parser.js';
import { AGGREGATE_FUNCTIONS } from '../eval/functions/registry.js';
import type { ColumnSchema } from '../schema/definition.js';
import type { Transaction } from '@tessera/txn';
import { chooseAccess, readAccess, successor } from './access.js';
import type { CatalogPort, CatalogView } from './catalog-port.js';
import { fitToColumn, fromRowValue, toKeyValue, toRowValue } from './column-values.js';
import type { EngineResult, EngineWarning } from './ddl.js';
import type { ProcessInfo } from './processes.js';
import type { ResolvedTable } from './tables.js';
import { resolveTable } from './tables.js';
import { executeQuery, rowExpressions } from './select.js';
import type { StatementWork } from './statement-work.js';

export interface DmlContext {
  readonly catalog: CatalogPort;
  readonly view: CatalogView;
  readonly database: string | undefined;
  readonly txn: Transaction;
  /** A fresh evaluation context (statement-stable clock, session facts, warnings sink). */
  readonly evalContext: () => EvalContext;
  /**
   * Throws 1317 once the statement was killed (KILL QUERY / CONNECTION): called between rows
   * read from storage and rows written, so a long statement stops and its writes are undone.
   */
  readonly checkInterrupted?: () => void;
  /**
   * Paces the statement's in-memory work (a pause every slice of rows: the event loop runs,
   * KILL is checked) and bounds the rows it materializes (statement-work.ts).
   */
  readonly work: StatementWork;
  /** The gateway's connections the session may see (information_schema.PROCESSLIST…). */
  readonly processes?: () => readonly ProcessInfo[];
  /** Whether scans may push work to the slices (`tessera_pushdown`; default on). */
  readonly pushdown?: boolean;
}

const EMPTY = new Uint8Array(0);

export function duplicate(
  table: ResolvedTable,
  key: string,
  values: readonly SqlValue[],
): SqlSemanticError {
  const shown = values.map((v) => toText(v) ?? 'NULL').join('-');
  return new SqlSemanticError(
    1062,
    '23000',
    `Duplicate entry '${shown}' for key '${table.view.name}.${key}'`,
  );
}

/** Evaluates a default (literal, CURRENT_TIMESTAMP or expression) for a column. */
function defaultValue(column: ColumnSchema, ctx: EvalContext, row: number): SqlValue | 'missing' {
  const d = column.default;
  switch (d.kind) {
    case 'none':
      if (column.autoIncrement) return null;
      if (column.nullable) return null;
      return 'missing';
    case 'null':
      return null;
    case 'literal':
    case 'expression': {
      const stmt = parse(`SELECT ${d.sql}`);
      if (stmt.kind !== 'select') return null;
      const item = stmt.columns[0];
      return item?.kind === 'expr' ? fitToColumn(evaluate(item.expr, ctx), column, ctx, row) : null;
    }
    case 'currentTimestamp': {
      const stmt = parse(`SELECT CURRENT_TIMESTAMP(${d.fsp})`);
      const item = stmt.kind === 'select' ? stmt.columns[0] : undefined;
      return item?.kind === 'expr' ? fitToColumn(evaluate(item.expr, ctx), column, ctx, row) : null;
    }
  }
}

export async function executeInsert(stmt: Insert, ctx: DmlContext): Promise<EngineResult> {
  const table = resolveTable(ctx.view, stmt.table, ctx.database, 'write');
  const visible = table.columns.filter((c) => c.hidden !== true);
  const byName = new Map(visible.map((c) => [c.name.toLowerCase(), c]));

  // Which columns each row gives, in order; each row as expressions or (INSERT ... SELECT) values.
  let targets: ColumnSchema[];
  let rows: (readonly Expr[] | { readonly values: readonly SqlValue[] })[];
  const named = (names: readonly string[] | undefined) =>
    names === undefined
      ? visible
      : names.map((name) => {
          const c = byName.get(name.toLowerCase());
          if (c === undefined)
            throw new SqlSemanticError(1054, '42S22', `Unknown column '${name}' in 'field list'`);
          return c;
        });
  if (stmt.source.kind === 'query') {
    targets = named(stmt.columns);
    // The SELECT runs first, at the statement's snapshot (it may read the target table).
    const result = await executeQuery(stmt.source.query, ctx);
    if (result.kind !== 'rows') throw new Error('INSERT ... SELECT: the query gave no rows');
    if (result.columns.length !== targets.length) {
      throw new SqlSemanticError(1136, '21S01', "Column count doesn't match value count at row 1");
    }
    rows = result.rows.map((values) => ({ values }));
  } else if (stmt.source.kind === 'set') {
    targets = stmt.source.assignments.map((a) => {
      const c = byName.get(a.column.name.toLowerCase());
      if (c === undefined)
        throw new SqlSemanticError(
          1054,
          '42S22',
          `Unknown column '${a.column.name}' in 'field list'`,
        );
      return c;
    });
    rows = [stmt.source.assignments.map((a) => a.value)];
  } else {
    targets =
      stmt.columns === undefined
        ? visible
        : stmt.columns.map((name) => {
            const c = byName.get(name.toLowerCase());
            if (c === undefined)
              throw new SqlSemanticError(1054, '42S22', `Unknown column '${name}' in 'field list'`);
            return c;
          });
    rows = stmt.source.rows.map((r) => r);
  }
  const seen = new Set<number>();
  for (const c of targets) {
    if (seen.has(c.id))
      throw new SqlSemanticError(1110, '42000', `Column '${c.name}' specified twice`);
    seen.add(c.id);
  }

  const ectx = ctx.evalContext();
  const built: Map<number, SqlValue>[] = [];
  rows.forEach((input, i) => {
    const rowNumber = i + 1;
    const values = new Map<number, SqlValue>();
    if (!Array.isArray(input)) {
      (input as { readonly values: readonly SqlValue[] }).values.forEach((v, j) => {
        const column = targets[j];
        if (column === undefined) return;
        values.set(
          column.id,
          column.autoIncrement && v === null ? null : fitToColumn(v, column, ectx, rowNumber),
        );
      });
    }
    const exprs: readonly Expr[] = Array.isArray(input) ? (input as readonly Expr[]) : [];
    if (Array.isArray(input) && exprs.length !== targets.length) {
      throw new SqlSemanticError(
        1136,
        '21S01',
        `Column count doesn't match value count at row ${rowNumber}`,
      );
    }
    for (const e of exprs) bind(e, [], { clause: 'field list' });
    exprs.forEach((e, j) => {
      const column = targets[j];
      if (column === undefined) return;
      if (e.kind === 'default') {
        const d = defaultValue(column, ectx, rowNumber);
        values.set(column.id, d === 'missing' ? null : d);
        return;
      }
      const v = evaluate(e, ectx);
      values.set(
        column.id,
        column.autoIncrement && v === null ? null : fitToColumn(v, column, ectx, rowNumber),
      );
    });
    for (const column of table.columns) {
      if (values.has(column.id)) continue;
      const d = defaultValue(column, ectx, rowNumber);
      if (d === 'missing') {
        throw new SqlSemanticError(
          1364,
          'HY000',
          `Field '${column.name}' doesn't have a default value`,
        );
      }
      values.set(column.id, d);
    }
    built.push(values);
  });

  // AUTO_INCREMENT: rows without a value (NULL or 0) get the next ones, in one batch.
  const auto = table.columns.find((c) => c.autoIncrement);
  let lastInsertId: bigint | undefined;
  if (auto !== undefined) {
    const needing = built.filter((v) => {
      const x = v.get(auto.id) ?? null;
      return x === null || ((x.kind === 'int' || x.kind === 'uint') && x.v === 0n);
    });
    const explicitMax = built
      .map((v) => v.get(auto.id) ?? null)
      .reduce(
        (m, x) => (x !== null && (x.kind === 'int' || x.kind === 'uint') && x.v > m ? x.v : m),
        0n,
      );
    if (needing.length > 0 || explicitMax >= BigInt(table.view.autoIncrementNext)) {
      const start = table.definition.options.autoIncrementStart ?? 1;
      // Generated values go above every explicit one; with none to generate, "allocating" the
      // explicit maximum itself moves the counter just past it (MySQL: next = max + 1).
      const floor = needing.length > 0 ? explicitMax + 1n : explicitMax;
      const atLeast = Number(explicitMax >= 1n ? floor : BigInt(start));
      const outcome = await ctx.catalog.propose({
        kind: 'allocateAutoIncrement',
        tableId: table.view.id,
        count: Math.max(needing.length, 1),
        atLeast: Math.max(atLeast, start),
      });
      if (outcome.kind !== 'autoIncrementAllocated') {
        throw new SqlSemanticError(
          1467,
          'HY000',
          'Failed to read auto-increment value from storage engine',
        );
      }
      needing.forEach((values, i) => {
        const n = BigInt(outcome.first + i);
        values.set(auto.id, auto.type.unsigned === true ? uint(n) : int(n));
      });
      if (needing.length > 0) lastInsertId = BigInt(outcome.first);
    }
  }

  // Write: the primary entry and every index entry, after uniqueness checks. A row in the way
  // (same primary key, or same value of a unique index) fails with 1062, is skipped (IGNORE),
  // replaced (REPLACE: every such row deleted, each counted) or updated (ON DUPLICATE KEY
  // UPDATE: the first one, counted twice when it changed).
  let affected = 0;
  let duplicates = 0;
  const warnings: EngineWarning[] = [];
  const pkColumns = table.primary.index.parts.map((p) =>
    table.columns.find((c) => c.id === p.columnId),
  );
  const onDuplicate =
    stmt.onDuplicateKeyUpdate === undefined
      ? undefined
      : duplicateUpdater(table, stmt.onDuplicateKeyUpdate, ctx);
  for (const values of built) {
    ctx.checkInterrupted?.();
    const pkValues = pkColumns.map((c) => (c === undefined ? null : (values.get(c.id) ?? null)));
    const pkKeyValues = pkColumns.map((c, i) =>
      c === undefined ? null : toKeyValue(pkValues[i] ?? null, c),
    );
    const pkKey = table.primary.layout.key(pkKeyValues);
    // The rows in the way, by their primary key, with the key that found them.
    const conflicts: { owner: Uint8Array; index: string; shown: readonly SqlValue[] }[] = [];
    if ((await ctx.txn.get(pkKey)) !== undefined) {
      conflicts.push({ owner: pkKey, index: 'PRIMARY', shown: pkValues });
    }
    const indexWrites: { key: Uint8Array; value: Uint8Array }[] = [];
    for (const { index, layout } of table.indexes) {
      const cols = index.parts.map((p) => table.columns.find((c) => c.id === p.columnId));
      const vals = cols.map((c) => (c === undefined ? null : (values.get(c.id) ?? null)));
      const keyVals = cols.map((c, i) => (c === undefined ? null : toKeyValue(vals[i] ?? null, c)));
      if (index.unique && vals.every((v) => v !== null)) {
        const key = layout.key(keyVals);
        const owner = await ctx.txn.get(key);
        if (owner !== undefined && !conflicts.some((c) => sameBytes(c.owner, owner))) {
          conflicts.push({ owner, index: index.name, shown: vals });
        }
        indexWrites.push({ key, value: pkKey });
      } else {
        indexWrites.push({ key: layout.key([...keyVals, ...pkKeyValues]), value: EMPTY });
      }
    }
    const first = conflicts[0];
    if (first !== undefined) {
      if (onDuplicate !== undefined) {
        const existing = await readRow(table, first.owner, ctx);
        const inserted = table.columns.map((c) => values.get(c.id) ?? null);
        if (await onDuplicate(existing, inserted)) affected += 2;
        duplicates++;
        continue;
      }
      duplicates++;
      if (stmt.replace) {
        for (const c of conflicts) {
          deleteRow(table, await readRow(table, c.owner, ctx), ctx);
          affected++;
        }
      } else if (stmt.ignore) {
        // IGNORE: the row is skipped, the error becomes a warning.
        const e = duplicate(table, first.index, first.shown);
        warnings.push({ level: 'Warning', code: e.errno, message: e.message });
        continue;
      } else {
        throw duplicate(table, first.index, first.shown);
      }
    }
    const stored = new Map<number, RowValue>();
    for (const column of table.columns)
      stored.set(column.id, toRowValue(values.get(column.id) ?? null));
    ctx.txn.put(pkKey, encodeRow(stored));
    for (const w of indexWrites) ctx.txn.put(w.key, w.value);
    affected++;
  }
  const info =
    rows.length > 1
      ? `Records: ${rows.length}  Duplicates: ${duplicates}  Warnings: ${warnings.length}`
      : undefined;
  return {
    kind: 'ok',
    affectedRows: affected,
    ...(lastInsertId === undefined ? {} : { lastInsertId }),
    warnings,
    ...(info === undefined ? {} : { info }),
  };
}

export async function scanAll(
  ctx: Pick<DmlContext, 'txn' | 'checkInterrupted'>,
  table: ResolvedTable,
): Promise<Uint8Array[]> {
  return (await scanEntries(ctx, table)).map((r) => r.value);
}

/** Every stored row of `table` (primary key → row bytes), in key order. */
export async function scanEntries(
  ctx: Pick<DmlContext, 'txn' | 'checkInterrupted'>,
  table: ResolvedTable,
): Promise<{ key: Uint8Array; value: Uint8Array }[]> {
  const prefix = table.primary.layout.prefix;
  // The representation's key range: [prefix, prefix + 1).
  const entries = await ctx.txn.scan(prefix, successor(prefix));
  ctx.checkInterrupted?.();
  return entries;
}

/** The rows of `table` that `where` selects: (values by column slot, stored primary key). */
export async function matchingRows(
  table: ResolvedTable,
  where: Expr | undefined,
  ctx: DmlContext,
  ectx: EvalContext,
  alias: string = table.view.name,
  /** WHERE compiled with subquery support (UPDATE / DELETE), instead of binding it here. */
  predicate?: (row: readonly SqlValue[]) => SqlValue,
): Promise<{ values: SqlValue[]; key: Uint8Array }[]> {
  const infos: ColumnInfo[] = table.columns.map((c) => ({
    db: table.view.database,
    table: alias,
    name: c.name,
  }));
  const binding =
    where === undefined || predicate !== undefined
      ? undefined
      : bind(where, infos, { clause: 'where clause', session: { database: ctx.database ?? null } });
  // The access path (point get, batch get, index lookup, range, full scan): access.ts.
  const candidates = await readAccess(table, chooseAccess(table, where, ectx), ctx.txn);
  ctx.checkInterrupted?.();
  let current: readonly SqlValue[] = [];
  const wctx =
    binding === undefined ? undefined : { ...ectx, column: slotResolver(binding, () => current) };
  const out: { values: SqlValue[]; key: Uint8Array }[] = [];
  for (const { key, value } of candidates) {
    if (ctx.work.step()) await ctx.work.pause();
    const row = decodeRow(value);
    const values = table.columns.map((c) => fromRowValue(row.get(c.id), c));
    current = values;
    if (predicate !== undefined) {
      if (toBool(predicate(values), ectx.warn.bind(ectx)) !== true) continue;
    } else if (where !== undefined && wctx !== undefined) {
      if (toBool(evaluate(where, wctx), wctx.warn.bind(wctx)) !== true) continue;
    }
    ctx.work.holdRow(values);
    out.push({ values, key });
  }
  return out;
}

/** The key of `index` for a row (values by column slot), with the primary key's fields. */
export function indexEntry(
  table: ResolvedTable,
  resolved: ResolvedTable['indexes'][number],
  values: readonly SqlValue[],
  pkKey: Uint8Array,
): { key: Uint8Array; value: Uint8Array; checkUnique: boolean; shown: SqlValue[] } {
  const slot = (id: number) => table.columns.findIndex((c) => c.id === id);
  const cols = resolved.index.parts.map((p) => ({
    column: table.columns[slot(p.columnId)],
    v: values[slot(p.columnId)] ?? null,
  }));
  const keyVals = cols.map(({ column, v }) =>
    column === undefined ? null : toKeyValue(v, column),
  );
  const pkVals = table.primary.index.parts.map((p) => {
    const column = table.columns[slot(p.columnId)];
    return column === undefined ? null : toKeyValue(values[slot(p.columnId)] ?? null, column);
  });
  const shown = cols.map((c) => c.v);
  if (resolved.index.unique && shown.every((v) => v !== null)) {
    return { key: resolved.layout.key(keyVals), value: pkKey, checkUnique: true, shown };
  }
  return {
    key: resolved.layout.key([...keyVals, ...pkVals]),
    value: EMPTY,
    checkUnique: false,
    shown,
  };
}

/** ORDER BY and LIMIT of a single-table UPDATE / DELETE over the matched rows. */
function orderAndLimit(
  rows: { values: SqlValue[]; key: Uint8Array }[],
  table: ResolvedTable,
  orderBy: readonly { expr: Expr; desc: boolean }[],
  limit: { count: Expr } | undefined,
  ectx: EvalContext,
  database: string | undefined,
): { values: SqlValue[]; key: Uint8Array }[] {
  let out = rows;
  if (orderBy.length > 0) {
    const infos: ColumnInfo[] = table.columns.map((c) => ({
      table: table.view.name,
      name: c.name,
    }));
    let current: readonly SqlValue[] = [];
    const env = {
      warn: ectx.warn.bind(ectx),
      today: partsFromEpochMicros(ectx.nowMicros, ectx.timeZoneOffsetSeconds),
    };
    const keyed = out.map((r) => {
      current = r.values;
      return {
        r,
        keys: orderBy.map((o) => {
          const b = bind(o.expr, infos, {
            clause: 'order clause',
            session: { database: database ?? null },
          });
          return evaluate(o.expr, { ...ectx, column: slotResolver(b, () => current) });
        }),
      };
    });
    keyed.sort((a, b) => {
      for (let i = 0; i < orderBy.length; i++) {
        const c = sortCompare(a.keys[i] ?? null, b.keys[i] ?? null, env);
        if (c !== 0) return orderBy[i]?.desc === true ? -c : c;
      }
      return 0;
    });
    out = keyed.map((k) => k.r);
  }
  if (limit !== undefined) out = out.slice(0, Number(toText(evaluate(limit.count, ectx)) ?? '0'));
  return out;
}

function singleTable(refs: readonly TableRef[], pos: number): TableName {
  const [only, ...rest] = refs;
  if (only === undefined || rest.length > 0 || only.kind !== 'table') {
    throw new SqlNotSupportedError('multi-table UPDATE / DELETE (not built yet)', pos);
  }
  return only.table;
}

/** The rows an UPDATE / DELETE changes: WHERE (subqueries allowed), then ORDER BY and LIMIT. */
async function rowsToChange(
  table: ResolvedTable,
  stmt: Pick<Update, 'where' | 'orderBy' | 'limit'>,
  compile: Awaited<ReturnType<typeof rowExpressions>>,
  ctx: DmlContext,
  ectx: EvalContext,
): Promise<{ values: SqlValue[]; key: Uint8Array }[]> {
  const where = stmt.where;
  const predicate = where === undefined ? undefined : compile(where, 'where clause');
  return orderAndLimit(
    await matchingRows(table, where, ctx, ectx, table.view.name, predicate),
    table,
    stmt.orderBy,
    stmt.limit,
    ectx,
    ctx.database,
  );
}

export async function executeDelete(stmt: Delete, ctx: DmlContext): Promise<EngineResult> {
  if (stmt.targets !== undefined) {
    throw new SqlNotSupportedError('multi-table DELETE (not built yet)', stmt.pos);
  }
  const table = resolveTable(ctx.view, singleTable(stmt.from, stmt.pos), ctx.database, 'write');
  const ectx = ctx.evalContext();
  const where = stmt.where;
  const compile = await rowExpressions(table, where === undefined ? [] : [where], ctx);
  const rows = await rowsToChange(table, stmt, compile, ctx, ectx);
  for (const row of rows) deleteRow(table, row, ctx);
  return { kind: 'ok', affectedRows: rows.length, warnings: [] };
}

export async function executeUpdate(stmt: Update, ctx: DmlContext): Promise<EngineResult> {
  const table = resolveTable(ctx.view, singleTable(stmt.tables, stmt.pos), ctx.database, 'write');
  const ectx = ctx.evalContext();
  const where = stmt.where;
  const compile = await rowExpressions(
    table,
    [...(where === undefined ? [] : [where]), ...stmt.set.map((a) => a.value)],
    ctx,
  );
  const targets = stmt.set.map((a) => {
    const slot = table.columns.findIndex(
      (c) => c.hidden !== true && c.name.toLowerCase() === a.column.name.toLowerCase(),
    );
    if (slot < 0) {
      throw new SqlSemanticError(
        1054,
        '42S22',
        `Unknown column '${a.column.name}' in 'field list'`,
      );
    }
    return { slot, value: compile(a.value, 'field list') };
  });
  const rows = await rowsToChange(table, stmt, compile, ctx, ectx);
  let changed = 0;
  let rowNumber = 0;
  for (const row of rows) {
    ctx.checkInterrupted?.();
    rowNumber++;
    // MySQL evaluates single-table assignments left to right, each seeing the earlier ones.
    const next = [...row.values];
    for (const t of targets) {
      const column = table.columns[t.slot];
      if (column === undefined) continue;
      next[t.slot] = fitToColumn(t.value(next), column, ectx, rowNumber);
    }
    if (await rewriteRow(table, row, next, ctx)) changed++;
  }
  return {
    kind: 'ok',
    affectedRows: changed,
    warnings: [],
    info: `Rows matched: ${rows.length}  Changed: ${changed}  Warnings: 0`,
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

/** Deletes a stored row: its primary entry and its entry in every index. */
export function deleteRow(
  table: ResolvedTable,
  row: { readonly values: readonly SqlValue[]; readonly key: Uint8Array },
  ctx: DmlContext,
): void {
  ctx.txn.delete(row.key);
  for (const index of table.indexes) {
    ctx.txn.delete(indexEntry(table, index, row.values, row.key).key);
  }
}

/** The stored row under primary key `key` in the transaction's view, if there is one. */
export async function readStoredRow(
  table: ResolvedTable,
  key: Uint8Array,
  ctx: DmlContext,
): Promise<{ values: SqlValue[]; key: Uint8Array } | undefined> {
  const bytes = await ctx.txn.get(key);
  ctx.checkInterrupted?.();
  if (bytes === undefined) return undefined;
  const row = decodeRow(bytes);
  return { values: table.columns.map((c) => fromRowValue(row.get(c.id), c)), key };
}

/** The stored row under primary key `key` (which must exist in the transaction's view). */
async function readRow(
  table: ResolvedTable,
  key: Uint8Array,
  ctx: DmlContext,
): Promise<{ values: SqlValue[]; key: Uint8Array }> {
  const bytes = await ctx.txn.get(key);
  if (bytes === undefined) throw new Error('a conflicting row vanished inside its transaction');
  const row = decodeRow(bytes);
  return { values: table.columns.map((c) => fromRowValue(row.get(c.id), c)), key };
}

/**
 * ON DUPLICATE KEY UPDATE: the assignments run over the existing row (left to right, each
 * seeing the earlier ones); `VALUES(col)` reads the row the INSERT would have written.
 */
function duplicateUpdater(
  table: ResolvedTable,
  assignments: readonly Assignment[],
  ctx: DmlContext,
): (
  existing: { values: SqlValue[]; key: Uint8Array },
  inserted: readonly SqlValue[],
) => Promise<boolean> {
  const ectx = ctx.evalContext();
  const infos: ColumnInfo[] = [
    ...table.columns.map((c) => ({
      db: table.view.database,
      table: table.view.name,
      name: c.name,
    })),
    // VALUES(col) reads these; a plain name finds the existing row's column first.
    ...table.columns.map((c) => ({ table: '\u0000values', name: c.name, depth: 1 })),
  ];
  const targets = assignments.map((a) => {
    const slot = table.columns.findIndex(
      (c) => c.hidden !== true && c.name.toLowerCase() === a.column.name.toLowerCase(),
    );
    if (slot < 0) {
      throw new SqlSemanticError(
        1054,
        '42S22',
        `Unknown column '${a.column.name}' in 'field list'`,
      );
    }
    const value = valuesCallsToColumns(a.value);
    const binding = bind(value, infos, {
      clause: 'field list',
      session: { database: ctx.database ?? null },
    });
    return { slot, value, binding };
  });
  return async (existing, inserted) => {
    const next = [...existing.values];
    const row = () => [...next, ...inserted];
    for (const t of targets) {
      const column = table.columns[t.slot];
      if (column === undefined) continue;
      const v = evaluate(t.value, { ...ectx, column: slotResolver(t.binding, row) });
      next[t.slot] = fitToColumn(v, column, ectx, 1);
    }
    return rewriteRow(table, existing, next, ctx);
  };
}

/** `VALUES(col)` → a reference to `col` of the row being inserted. */
function valuesCallsToColumns(e: Expr): Expr {
  const map = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(map);
    if (node === null || typeof node !== 'object') return node;
    const kind = (node as { kind?: unknown }).kind;
    if (kind === 'select' || kind === 'union') return node;
    if (kind === 'call') {
      const call = node as FuncCall;
      const arg = call.args[0];
      if (
        call.name.toUpperCase() === 'VALUES' &&
        call.args.length === 1 &&
        arg?.kind === 'column'
      ) {
        return { kind: 'column', name: arg.name, table: '\u0000values' };
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = map(v);
    return out;
  };
  return map(e) as Expr;
}

/**
 * Replace `row` by `next` (same column slots): the primary entry moves if its key changed,
 * index entries follow their values; a new primary or unique value must be free (1062).
 * False (nothing written) when every value is the same.
 */
export async function rewriteRow(
  table: ResolvedTable,
  row: { readonly values: readonly SqlValue[]; readonly key: Uint8Array },
  next: readonly SqlValue[],
  ctx: DmlContext,
): Promise<boolean> {
  const same = next.every(
    (v, i) => (toText(v) ?? null) === (toText(row.values[i] ?? null) ?? null),
  );
  if (same) return false;
  const pkSlots = table.primary.index.parts.map((p) =>
    table.columns.findIndex((c) => c.id === p.columnId),
  );
  const pkKey = table.primary.layout.key(
    pkSlots.map((slot) => {
      const column = table.columns[slot];
      return column === undefined ? null : toKeyValue(next[slot] ?? null, column);
    }),
  );
  const pkChanged = Buffer.compare(Buffer.from(pkKey), Buffer.from(row.key)) !== 0;
  if (pkChanged && (await ctx.txn.get(pkKey)) !== undefined) {
    throw duplicate(
      table,
      'PRIMARY',
      pkSlots.map((s) => next[s] ?? null),
    );
  }
  for (const index of table.indexes) {
    const before = indexEntry(table, index, row.values, row.key);
    const after = indexEntry(table, index, next, pkKey);
    const sameKey = Buffer.compare(Buffer.from(before.key), Buffer.from(after.key)) === 0;
    if (sameKey && !pkChanged) continue;
    // A new indexed value must be free; the same one keeps its entry (pointing anew).
    if (!sameKey && after.checkUnique && (await ctx.txn.get(after.key)) !== undefined) {
      throw duplicate(table, index.index.name, after.shown);
    }
    if (!sameKey) ctx.txn.delete(before.key);
    ctx.txn.put(after.key, after.value);
  }
  if (pkChanged) ctx.txn.delete(row.key);
  const stored = new Map<number, RowValue>();
  table.columns.forEach((c, i) => stored.set(c.id, toRowValue(next[i] ?? null)));
  ctx.txn.put(pkKey, encodeRow(stored));
  return true;
}

/** The aggregate calls in `e` (not inside subqueries), outermost first. */
export function aggregatesIn(e: Expr): FuncCall[] {
  const out: FuncCall[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const x of node) visit(x);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const kind = (node as { kind?: unknown }).kind;
    if (kind === 'select' || kind === 'union') return;
    if (kind === 'call') {
      const call = node as FuncCall;
      if (call.db === undefined && AGGREGATE_FUNCTIONS.has(call.name)) {
        out.push(call);
        return;
      }
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(e);
  return out;
}

/** `e` with each aggregate call replaced by a reference to its result column `__agg<i>`. */
export function replaceAggregates(e: Expr, calls: readonly FuncCall[]): Expr {
  const map = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(map);
    if (node === null || typeof node !== 'object') return node;
    const kind = (node as { kind?: unknown }).kind;
    // Subqueries keep their identity (results of uncorrelated ones are cached by node).
    if (kind === 'select' || kind === 'union') return node;
    const index = calls.indexOf(node as FuncCall);
    if (index >= 0) {
      const ref: ColumnRef = { kind: 'column', name: `__agg${index}` } as ColumnRef;
      return ref;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = map(v);
    return out;
  };
  return map(e) as Expr;
}
