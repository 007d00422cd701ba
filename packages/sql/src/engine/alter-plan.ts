/**
 * ALTER TABLE, planned: the actions of one statement applied to the table's definition the way
 * MySQL 8 applies them, checked with MySQL's error numbers, and what the stored data then needs.
 * Pure apart from evaluating defaults; alter.ts proposes the result and writes the data.
 *
 * MySQL's order, whatever the order of the clauses:
 *   1. DROP INDEX / FOREIGN KEY / CHECK, naming keys of the table as it was;
 *   2. DROP COLUMN, naming columns of the table as it was (the column leaves every index; an
 *      index left without columns is dropped);
 *   3. MODIFY / CHANGE / RENAME COLUMN / ALTER COLUMN … DEFAULT, each naming a column of the
 *      table as it was (so `RENAME COLUMN a TO b, MODIFY b …` is 1054, and two columns can swap
 *      names), then CONVERT TO CHARACTER SET;
 *   4. ADD COLUMN, in order (AFTER names a column of the result so far);
 *   5. ADD INDEX / UNIQUE / FOREIGN KEY, RENAME INDEX, over the resulting columns;
 *   6. table options; RENAME TO is the executor's last step.
 * The result is then checked whole: at least one column (1090), unique column names (1060),
 * key parts (1170, 1089, 3152), one AUTO_INCREMENT column and it leads a key (1075).
 *
 * What each column of the result needs from the stored rows (`ColumnSource`):
 *
 *   kept       same id; every stored value means the same (a rename, a wider type, NULL allowed)
 *   checked    same id; stored values stay, but each must fit (a narrower type, NOT NULL, newly
 *              AUTO_INCREMENT — whose largest value the counter must pass)
 *   converted  a new id; each row's value converted from the old column, strictly
 *   filled     a new column; rows stored without it read its `fill` (nothing is written)
 *   computed   a new column written per row (an expression default, AUTO_INCREMENT)
 *
 * Indexes over a converted or dropped column, and added ones, are filled into new
 * representations. Not built (1235): adding or dropping the primary key, dropping a primary-key
 * column, converting a primary-key column's values, an AUTO_INCREMENT column added to a table
 * without a primary key, changing SLICES / REPLICAS / DISTRIBUTE.
 */
import type { AlterAction, ColumnDef, ColumnPosition, Expr, TableConstraint } from '../ast.js';
import { SqlNotSupportedError, SqlSemanticError } from '../errors.js';
import type { EvalContext } from '../eval/context.js';
import { evaluate } from '../eval/evaluate.js';
import { binary, int, str } from '../eval/value.js';
import type { SqlValue } from '../eval/value.js';
import { parse } from '../parser.js';
import {
  checkIdentifier,
  checkKeyPart,
  columnDefault,
  columnSchema,
  defaultCollationOf,
  definitionWithIndex,
} from '../schema/create-table.js';
import type { IndexSpec } from '../schema/create-table.js';
import type {
  ColumnSchema,
  ColumnType,
  ForeignKeySchema,
  IndexPart,
  IndexSchema,
  TableDefinition,
  TableOptions,
} from '../schema/definition.js';
import { representationOf } from '../schema/definition.js';
import { collationNamed, defaultCollation } from '../encoding/key-codec.js';
import type { CatalogTableView } from './catalog-port.js';
import { fitToColumn, storedFillOf, toRowValue } from './column-values.js';
import type { EngineWarning } from './ddl.js';

export type ColumnSource =
  | { readonly kind: 'kept' }
  | { readonly kind: 'checked'; readonly from: ColumnSchema }
  | { readonly kind: 'converted'; readonly from: ColumnSchema }
  | { readonly kind: 'filled' }
  | { readonly kind: 'computed' };

export interface AlterPlan {
  /** The table's next definition (its new indexes name the representations to place). */
  readonly definition: TableDefinition;
  /** By column id of `definition`: how each column's values come from the stored rows. */
  readonly sources: ReadonlyMap<number, ColumnSource>;
  /** Indexes of `definition` whose entries the ALTER writes (added or rebuilt). */
  readonly filled: readonly IndexSchema[];
  /** Representations of the table that `definition` no longer uses. */
  readonly dropped: readonly string[];
  /** Whether anything in the definition changed (else only RENAME TO / AUTO_INCREMENT, or nothing). */
  readonly changed: boolean;
  /** ALTER TABLE … AUTO_INCREMENT = n. */
  readonly autoIncrement?: number;
  /** RENAME [TO] (database, name) — the table's own name when absent. */
  readonly renameTo?: { readonly database: string; readonly name: string };
  readonly algorithm?: string;
  readonly lock?: string;
  readonly warnings: readonly EngineWarning[];
}

export interface AlterPlanContext {
  readonly table: CatalogTableView;
  /** The database a RENAME TO without one goes to (the session's current one). */
  readonly currentDatabase: string | undefined;
  /** For evaluating defaults (the fill of added columns). */
  readonly evalContext: EvalContext;
}

/** Whether the ALTER writes rows or index entries (else it is one catalog change). */
export function writesData(plan: AlterPlan): boolean {
  if (plan.filled.length > 0) return true;
  for (const source of plan.sources.values()) {
    if (source.kind === 'checked' || source.kind === 'converted' || source.kind === 'computed') {
      return true;
    }
  }
  return false;
}

const err = (errno: number, sqlState: string, message: string) =>
  new SqlSemanticError(errno, sqlState, message);
const notBuilt = (what: string) => new SqlNotSupportedError(`${what} (not built yet)`, 0);
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** One column of the table being built. */
interface Draft {
  schema: ColumnSchema;
  /** The column as the table had it (absent for an added column). */
  readonly origin?: ColumnSchema;
  /** MODIFY / CHANGE / CONVERT gave it a new type or attributes. */
  redefined: boolean;
  /** Added: filled from its default, or computed per row. */
  readonly added?: 'filled' | 'computed';
}

export function planAlter(actions: readonly AlterAction[], ctx: AlterPlanContext): AlterPlan {
  const old = ctx.table.definition as TableDefinition;
  const tableName = ctx.table.name;
  const unknownColumn = (name: string) =>
    err(1054, '42S22', `Unknown column '${name}' in '${tableName}'`);
  const cantDrop = (name: string) =>
    err(1091, '42000', `Can't DROP '${name}'; check that column/key exists`);
  const warnings: EngineWarning[] = [];
  const isPrimary = (id: number) => old.primaryKey.parts.some((p) => p.columnId === id);
  const hiddenPrimary = old.columns.some((c) => c.hidden === true && isPrimary(c.id));

  let options: TableOptions = old.options;
  let foreignKeys: ForeignKeySchema[] = [...old.foreignKeys];
  let indexes: IndexSchema[] = [...old.indexes];
  const drafts: Draft[] = old.columns.map((c) => ({ schema: c, origin: c, redefined: false }));
  const addSpecs: IndexSpec[] = [];
  const renameIndexes: { from: string; to: string }[] = [];
  let nextColumnId = old.nextColumnId;
  let algorithm: string | undefined;
  let lock: string | undefined;
  let autoIncrement: number | undefined;
  let renameTo: { database: string; name: string } | undefined;
  let convert: { charset: string; collation?: string } | undefined;

  const byPhase = {
    dropKeys: [] as Extract<
      AlterAction,
      { kind: 'dropIndex' | 'dropPrimaryKey' | 'dropForeignKey' | 'dropCheck' }
    >[],
    dropColumns: [] as string[],
    changes: [] as Extract<
      AlterAction,
      { kind: 'modifyColumn' | 'changeColumn' | 'renameColumn' | 'alterColumnDefault' }
    >[],
    adds: [] as Extract<AlterAction, { kind: 'addColumn' }>[],
    constraints: [] as TableConstraint[],
    tableOptions: [] as Extract<AlterAction, { kind: 'tableOptions' }>[],
  };
  for (const action of actions) {
    switch (action.kind) {
      case 'dropIndex':
      case 'dropPrimaryKey':
      case 'dropForeignKey':
      case 'dropCheck':
        byPhase.dropKeys.push(action);
        break;
      case 'dropColumn':
        byPhase.dropColumns.push(action.name);
        break;
      case 'modifyColumn':
      case 'changeColumn':
      case 'renameColumn':
      case 'alterColumnDefault':
        byPhase.changes.push(action);
        break;
      case 'addColumn':
        byPhase.adds.push(action);
        break;
      case 'addConstraint':
        byPhase.constraints.push(action.constraint);
        break;
      case 'renameIndex':
        renameIndexes.push({ from: action.from, to: action.to });
        break;
      case 'tableOptions':
        byPhase.tableOptions.push(action);
        break;
      case 'convertCharset':
        convert = {
          charset: action.charset,
          ...(action.collation === undefined ? {} : { collation: action.collation }),
        };
        break;
      case 'renameTable': {
        const database = action.to.db ?? ctx.currentDatabase;
        if (database === undefined) throw err(1046, '3D000', 'No database selected');
        checkIdentifier(action.to.name);
        renameTo = { database, name: action.to.name };
        break;
      }
      case 'algorithm':
        if (!['DEFAULT', 'INSTANT', 'INPLACE', 'COPY'].includes(action.value)) {
          throw err(1800, 'HY000', `Unknown ALGORITHM '${action.value}'`);
        }
        algorithm = action.value;
        break;
      case 'lock':
        if (!['DEFAULT', 'NONE', 'SHARED', 'EXCLUSIVE'].includes(action.value)) {
          throw err(1801, 'HY000', `Unknown LOCK type '${action.value}'`);
        }
        lock = action.value;
        break;
    }
  }

  // 1. Keys dropped, by their names in the table as it was.
  for (const action of byPhase.dropKeys) {
    switch (action.kind) {
      case 'dropPrimaryKey':
        throw notBuilt('dropping the primary key');
      case 'dropIndex': {
        if (action.name.toUpperCase() === 'PRIMARY') throw notBuilt('dropping the primary key');
        const at = indexes.findIndex((i) => same(i.name, action.name));
        if (at < 0) throw cantDrop(action.name);
        indexes.splice(at, 1);
        break;
      }
      case 'dropForeignKey': {
        const at = foreignKeys.findIndex((f) => same(f.name, action.name));
        if (at < 0) throw cantDrop(action.name);
        foreignKeys.splice(at, 1);
        break;
      }
      case 'dropCheck':
        throw err(3821, 'HY000', `Check constraint '${action.name}' is not found in the table.`);
    }
  }

  // 2. Columns dropped, by their names in the table as it was.
  const origin = (name: string) =>
    drafts.find(
      (d) => d.origin !== undefined && d.origin.hidden !== true && same(d.origin.name, name),
    );
  const droppedIds = new Set<number>();
  for (const name of byPhase.dropColumns) {
    const draft = origin(name);
    if (draft?.origin === undefined) throw cantDrop(name);
    const column = draft.origin;
    if (isPrimary(column.id)) throw notBuilt('dropping a primary key column');
    const fk = foreignKeys.find((f) => f.columns.some((c) => same(c, column.name)));
    if (fk !== undefined) {
      throw err(
        1828,
        'HY000',
        `Cannot drop column '${column.name}': needed in a foreign key constraint '${fk.name}'`,
      );
    }
    drafts.splice(drafts.indexOf(draft), 1);
    droppedIds.add(column.id);
  }

  const place = (draft: Draft, position: ColumnPosition | undefined) => {
    if (position === undefined) return;
    drafts.splice(drafts.indexOf(draft), 1);
    if (position.first === true) {
      drafts.unshift(draft);
      return;
    }
    const after = position.after ?? '';
    const anchor = drafts.findIndex((d) => d.schema.hidden !== true && same(d.schema.name, after));
    if (anchor < 0) throw unknownColumn(after);
    drafts.splice(anchor + 1, 0, draft);
  };
  /** Column-level keys of a column definition (MODIFY / CHANGE / ADD). */
  const columnKeys = (def: ColumnDef) => {
    if (def.primaryKey === true) {
      if (hiddenPrimary) throw notBuilt('adding a primary key');
      throw err(1068, '42000', 'Multiple primary key defined');
    }
    if (def.unique === true) addSpecs.push({ unique: true, columns: [{ name: def.name }] });
    if (def.references !== undefined) {
      foreignKeys.push({
        name: `${tableName}_ibfk_${foreignKeys.length + 1}`,
        columns: [def.name],
        refTable: def.references.table.name,
        ...(def.references.table.db === undefined ? {} : { refDatabase: def.references.table.db }),
        refColumns: def.references.columns,
      });
    }
  };
  const redefine = (draft: Draft, def: ColumnDef, position: ColumnPosition | undefined) => {
    checkIdentifier(def.name);
    let schema = columnSchema(draft.schema.id, def, options.collation);
    if (draft.origin !== undefined && isPrimary(draft.origin.id)) {
      // Primary-key columns are NOT NULL; saying NULL is an error (as in CREATE TABLE).
      if (def.nullable === true) {
        throw err(
          1171,
          '42000',
          'All parts of a PRIMARY KEY must be NOT NULL; if you need NULL in a key, use UNIQUE instead',
        );
      }
      schema = { ...schema, nullable: false };
    }
    checkDefault(schema, ctx.evalContext);
    columnKeys(def);
    draft.schema = schema;
    draft.redefined = true;
    place(draft, position);
  };

  // 3. Columns changed, each by its name in the table as it was, and once (MySQL: a second
  // change of the same column does not find it).
  const changedOnce = new Set<Draft>();
  const target = (name: string) => {
    const draft = origin(name);
    if (draft === undefined || changedOnce.has(draft)) throw unknownColumn(name);
    changedOnce.add(draft);
    return draft;
  };
  for (const action of byPhase.changes) {
    switch (action.kind) {
      case 'modifyColumn': {
        const draft = target(action.column.name);
        redefine(draft, action.column, action.position);
        break;
      }
      case 'changeColumn': {
        const draft = target(action.oldName);
        redefine(draft, action.column, action.position);
        break;
      }
      case 'renameColumn': {
        const draft = target(action.from);
        checkIdentifier(action.to);
        draft.schema = { ...draft.schema, name: action.to };
        break;
      }
      case 'alterColumnDefault': {
        const draft = target(action.name);
        draft.schema = {
          ...draft.schema,
          default:
            action.default === undefined
              ? { kind: 'none' }
              : defaultFor(draft.schema, action.default, isPrimary(draft.schema.id)),
        };
        checkDefault(draft.schema, ctx.evalContext);
        break;
      }
    }
  }
  if (convert !== undefined) {
    const collation =
      convert.collation?.toLowerCase() ?? defaultCollationOf(convert.charset.toLowerCase());
    if (collationNamed(collation) === undefined) {
      throw err(1273, 'HY000', `Unknown collation: '${collation}'`);
    }
    options = { ...options, collation };
    for (const draft of drafts) {
      if (draft.schema.type.collation === undefined) continue;
      draft.schema = { ...draft.schema, type: { ...draft.schema.type, collation } };
      draft.redefined = true;
    }
  }

  // 4. Columns added, in order.
  for (const action of byPhase.adds) {
    const def = action.column;
    checkIdentifier(def.name);
    if (drafts.some((d) => d.schema.hidden !== true && same(d.schema.name, def.name))) {
      throw err(1060, '42S21', `Duplicate column name '${def.name}'`);
    }
    const schema = columnSchema(nextColumnId++, def, options.collation);
    checkDefault(schema, ctx.evalContext);
    columnKeys(def);
    // Per row: AUTO_INCREMENT, DEFAULT (expr), and a NOT NULL date without a default (its
    // implicit '0000-00-00' is refused in strict mode, so only for a table with rows).
    const zeroDate =
      ['date', 'datetime', 'timestamp'].includes(schema.type.family) &&
      !schema.nullable &&
      schema.default.kind === 'none';
    const computed = schema.autoIncrement || schema.default.kind === 'expression' || zeroDate;
    const draft: Draft = computed
      ? { schema, redefined: false, added: 'computed' }
      : { schema: withFill(schema, ctx.evalContext), redefined: false, added: 'filled' };
    // Without a position a column goes last (before the hidden row id, which stays last).
    const hidden = drafts.findIndex((d) => d.schema.hidden === true);
    drafts.splice(hidden < 0 ? drafts.length : hidden, 0, draft);
    place(draft, action.position);
  }

  // Every column's source; a converted column takes a new id.
  const sources = new Map<number, ColumnSource>();
  const renumbered = new Map<number, number>();
  const columns: ColumnSchema[] = drafts.map((draft) => {
    if (draft.added !== undefined) {
      sources.set(draft.schema.id, { kind: draft.added });
      return draft.schema;
    }
    const from = draft.origin;
    if (from === undefined) throw new Error('a column that was neither there nor added');
    const change = draft.redefined ? storedChange(from, draft.schema) : 'kept';
    if (change === 'converted') {
      if (isPrimary(from.id)) {
        throw notBuilt(
          `changing primary key column '${from.name}' to a type that stores other values`,
        );
      }
      const id = nextColumnId++;
      renumbered.set(from.id, id);
      sources.set(id, { kind: 'converted', from });
      const { fill: _fill, ...rest } = draft.schema;
      return { ...rest, id };
    }
    sources.set(from.id, change === 'checked' ? { kind: 'checked', from } : { kind: 'kept' });
    return from.fill === undefined ? draft.schema : { ...draft.schema, fill: from.fill };
  });

  // Names: unique among the result (two columns may have swapped names).
  const seen = new Set<string>();
  for (const c of columns) {
    if (c.hidden === true) continue;
    if (seen.has(c.name.toLowerCase()))
      throw err(1060, '42S21', `Duplicate column name '${c.name}'`);
    seen.add(c.name.toLowerCase());
  }
  if (seen.size === 0) {
    throw err(
      1090,
      '42000',
      "You can't delete all columns with ALTER TABLE; use DROP TABLE instead",
    );
  }
  // Foreign keys name their columns: follow renames.
  const renamedTo = new Map(
    drafts.flatMap((d) =>
      d.origin !== undefined && d.origin.name !== d.schema.name
        ? [[d.origin.name.toLowerCase(), d.schema.name] as const]
        : [],
    ),
  );
  foreignKeys = foreignKeys.map((f) => ({
    ...f,
    columns: f.columns.map((c) => renamedTo.get(c.toLowerCase()) ?? c),
  }));

  // 5. Keys: the old ones follow their columns; then the added ones, then renames.
  const rebuilt = new Set<IndexSchema>();
  indexes = indexes.flatMap((index) => {
    const parts = index.parts
      .filter((p) => !droppedIds.has(p.columnId))
      .map((p) => followColumn(p, renumbered, columns));
    if (parts.length === 0) return [];
    const moved =
      parts.length !== index.parts.length ||
      parts.some((p, i) => {
        const was = index.parts[i];
        return was === undefined || p.columnId !== was.columnId || p.prefix !== was.prefix;
      });
    if (!moved) return [index];
    const { representation: _rep, ...rest } = index;
    const next = { ...rest, parts };
    rebuilt.add(next);
    return [next];
  });
  let definition: TableDefinition = {
    format: 1,
    columns,
    primaryKey: old.primaryKey,
    indexes,
    foreignKeys,
    nextColumnId,
    options,
  };
  for (const constraint of byPhase.constraints) {
    switch (constraint.kind) {
      case 'index':
        addSpecs.push({
          ...(constraint.name === undefined ? {} : { name: constraint.name }),
          unique: constraint.unique,
          columns: constraint.columns,
          ...(constraint.indexType === undefined ? {} : { indexType: constraint.indexType }),
          ...(constraint.options.comment === undefined
            ? {}
            : { comment: constraint.options.comment }),
        });
        break;
      case 'primaryKey':
        if (hiddenPrimary) throw notBuilt('adding a primary key');
        throw err(1068, '42000', 'Multiple primary key defined');
      case 'foreignKey': {
        for (const column of constraint.columns) {
          if (!seen.has(column.toLowerCase())) {
            throw err(1072, '42000', `Key column '${column}' doesn't exist in table`);
          }
        }
        definition = {
          ...definition,
          foreignKeys: [
            ...definition.foreignKeys,
            {
              name: constraint.name ?? `${tableName}_ibfk_${definition.foreignKeys.length + 1}`,
              columns: constraint.columns,
              refTable: constraint.references.table.name,
              ...(constraint.references.table.db === undefined
                ? {}
                : { refDatabase: constraint.references.table.db }),
              refColumns: constraint.references.columns,
            },
          ],
        };
        warnings.push({
          level: 'Warning',
          code: 1235,
          message: `Foreign keys are recorded but not enforced by Tessera (on '${tableName}')`,
        });
        break;
      }
      case 'check':
        throw notBuilt('CHECK constraints');
    }
  }
  // Indexes whose entries the ALTER writes: rebuilt ones, then added ones.
  const toFill = new Set<IndexSchema>(rebuilt);
  for (const spec of addSpecs) {
    const next = definitionWithIndex(definition, spec);
    definition = next.definition;
    toFill.add(next.index);
  }
  for (const { from, to } of renameIndexes) {
    if (from.toUpperCase() === 'PRIMARY' || to.toUpperCase() === 'PRIMARY') {
      throw err(1280, '42000', `Incorrect index name '${to}'`);
    }
    const index = definition.indexes.find((i) => same(i.name, from));
    if (index === undefined) {
      throw err(1176, '42000', `Key '${from}' doesn't exist in table '${tableName}'`);
    }
    checkIdentifier(to);
    if (definition.indexes.some((i) => i !== index && same(i.name, to))) {
      throw err(1061, '42000', `Duplicate key name '${to}'`);
    }
    // A renamed index keeps its entries where they are.
    const renamed: IndexSchema = { ...index, name: to, representation: representationOf(index) };
    definition = {
      ...definition,
      indexes: definition.indexes.map((i) => (i === index ? renamed : i)),
    };
    if (toFill.delete(index)) toFill.add(renamed);
  }

  // 6. Table options.
  for (const action of byPhase.tableOptions) {
    for (const option of action.options) {
      switch (option.name) {
        case 'COMMENT':
          definition = { ...definition, options: { ...definition.options, comment: option.value } };
          break;
        case 'CHARSET':
        case 'COLLATE': {
          const collation =
            option.name === 'COLLATE'
              ? option.value.toLowerCase()
              : defaultCollationOf(option.value.toLowerCase());
          if (collationNamed(collation) === undefined) {
            throw err(1273, 'HY000', `Unknown collation: '${collation}'`);
          }
          definition = { ...definition, options: { ...definition.options, collation } };
          break;
        }
        case 'AUTO_INCREMENT': {
          const n = Number(option.value);
          if (!/^\d+$/.test(option.value) || !Number.isSafeInteger(n)) {
            throw err(
              1231,
              '42000',
              `Variable 'auto_increment' can't be set to the value of '${option.value}'`,
            );
          }
          autoIncrement = Math.max(n, 1);
          break;
        }
        case 'SLICES':
        case 'REPLICAS':
        case 'DISTRIBUTE':
          throw notBuilt(`changing ${option.name} of an existing table`);
        default:
          // ENGINE, ROW_FORMAT, KEY_BLOCK_SIZE, STATS_*…: nothing to change here (as at CREATE).
          break;
      }
    }
  }

  // The whole result, checked.
  for (const index of [definition.primaryKey, ...definition.indexes]) {
    for (const part of index.parts) checkKeyPart(part, definition.columns);
  }
  const autos = definition.columns.filter((c) => c.autoIncrement);
  if (autos.length > 1 && autos.some((c) => c.hidden === true)) {
    throw notBuilt('an AUTO_INCREMENT column in a table without a primary key');
  }
  const leads = (id: number) =>
    [definition.primaryKey, ...definition.indexes].some((i) => i.parts[0]?.columnId === id);
  const auto = autos[0];
  if (autos.length > 1 || (auto !== undefined && !leads(auto.id))) {
    throw err(
      1075,
      '42000',
      'Incorrect table definition; there can be only one auto column and it must be defined as a key',
    );
  }

  // Where the entries of added and rebuilt indexes go: new representations, named after the
  // index unless the table still has a representation of that name (dropped at the swap).
  const taken = new Set(ctx.table.representations.map((r) => r.name.toLowerCase()));
  const filled: IndexSchema[] = [];
  definition = {
    ...definition,
    indexes: definition.indexes.map((index) => {
      if (!toFill.has(index)) return index;
      let name = index.name;
      for (let n = 1; taken.has(name.toLowerCase()); n++) {
        name = `${index.name.slice(0, 48)}#${ctx.table.version}.${n}`;
      }
      taken.add(name.toLowerCase());
      const { representation: _rep, ...rest } = index;
      const placed: IndexSchema = name === index.name ? rest : { ...rest, representation: name };
      filled.push(placed);
      return placed;
    }),
  };
  const used = new Set(definition.indexes.map(representationOf));
  const dropped = old.indexes.map(representationOf).filter((r) => !used.has(r));
  const changed = canonical(definition) !== canonical(old);
  return {
    definition,
    sources,
    filled,
    dropped,
    changed,
    ...(autoIncrement === undefined ? {} : { autoIncrement }),
    ...(renameTo === undefined ||
    (renameTo.database === ctx.table.database && renameTo.name === tableName)
      ? {}
      : { renameTo }),
    ...(algorithm === undefined ? {} : { algorithm }),
    ...(lock === undefined ? {} : { lock }),
    warnings,
  };
}

/** An index part after its column's changes (a converted column has a new id). */
function followColumn(
  part: IndexPart,
  renumbered: ReadonlyMap<number, number>,
  columns: readonly ColumnSchema[],
): IndexPart {
  const columnId = renumbered.get(part.columnId) ?? part.columnId;
  const column = columns.find((c) => c.id === columnId);
  // A column shortened to the prefix length or below is indexed whole (as MySQL does).
  const whole =
    part.prefix !== undefined &&
    column?.type.length !== undefined &&
    ['char', 'varchar', 'binary', 'varbinary'].includes(column.type.family) &&
    column.type.length <= part.prefix;
  if (whole) {
    const { prefix: _prefix, ...rest } = part;
    return { ...rest, columnId };
  }
  return { ...part, columnId };
}

/** ALTER COLUMN … SET DEFAULT: the default, checked as CREATE TABLE checks it. */
function defaultFor(column: ColumnSchema, e: Expr, primary: boolean): ColumnSchema['default'] {
  return columnDefault(
    {
      name: column.name,
      type: { name: column.type.name.toUpperCase() },
      nullable: column.nullable,
      default: e,
      ...(column.autoIncrement ? { autoIncrement: true } : {}),
      ...(primary ? { primaryKey: true } : {}),
    },
    column.type,
  );
}

/** A literal default must fit its column (MySQL: 1067 at CREATE / ALTER, not at INSERT). */
function checkDefault(column: ColumnSchema, ectx: EvalContext): void {
  if (column.default.kind !== 'literal') return;
  literalValue(column, column.default.sql, ectx);
}

function literalValue(column: ColumnSchema, sql: string, ectx: EvalContext): SqlValue {
  try {
    return fitToColumn(evaluateSql(sql, ectx), column, ectx, 1);
  } catch (error) {
    if (error instanceof SqlSemanticError) {
      throw err(1067, '42000', `Invalid default value for '${column.name}'`);
    }
    throw error;
  }
}

function evaluateSql(sql: string, ectx: EvalContext): SqlValue {
  const stmt = parse(`SELECT ${sql}`);
  const item = stmt.kind === 'select' ? stmt.columns[0] : undefined;
  if (item?.kind !== 'expr') throw new Error(`a default that is not an expression: ${sql}`);
  return evaluate(item.expr, ectx);
}

/** The value of an added column's default for every row, once (as MySQL fills old rows). */
export function addedValue(column: ColumnSchema, ectx: EvalContext, row: number): SqlValue {
  const d = column.default;
  switch (d.kind) {
    case 'null':
      return null;
    case 'none':
      if (column.nullable) return null;
      if (['date', 'datetime', 'timestamp'].includes(column.type.family)) {
        // MySQL's strict mode (NO_ZERO_DATE): no implicit zero date for existing rows.
        const zero = column.type.family === 'date' ? '0000-00-00' : '0000-00-00 00:00:00';
        const what = column.type.family === 'date' ? 'date' : 'datetime';
        throw err(
          1292,
          '22007',
          `Incorrect ${what} value: '${zero}' for column '${column.name}' at row ${row}`,
        );
      }
      return implicitDefault(column, ectx);
    case 'literal':
      return literalValue(column, d.sql, ectx);
    case 'currentTimestamp':
      return fitToColumn(evaluateSql(`CURRENT_TIMESTAMP(${d.fsp})`, ectx), column, ectx, row);
    case 'expression':
      return fitToColumn(evaluateSql(d.sql, ectx), column, ectx, row);
  }
}

function withFill(column: ColumnSchema, ectx: EvalContext): ColumnSchema {
  const fill = storedFillOf(toRowValue(addedValue(column, ectx, 1)));
  return fill === undefined ? column : { ...column, fill };
}

/** MySQL's implicit default of a NOT NULL column without DEFAULT (what old rows get on ADD). */
function implicitDefault(column: ColumnSchema, ectx: EvalContext): SqlValue {
  const type = column.type;
  const v = ((): SqlValue => {
    switch (type.family) {
      case 'int':
      case 'bit':
      case 'decimal':
      case 'float':
      case 'double':
      case 'year':
        return int(0n);
      case 'char':
      case 'varchar':
      case 'text':
      case 'set':
        return str('', defaultCollation);
      case 'enum':
        return str(type.values?.[0] ?? '', defaultCollation);
      case 'binary':
        return binary(new Uint8Array(type.length ?? 1));
      case 'varbinary':
      case 'blob':
        return binary(new Uint8Array(0));
      case 'date':
        return str('0000-00-00', defaultCollation);
      case 'datetime':
      case 'timestamp':
        return str('0000-00-00 00:00:00', defaultCollation);
      case 'time':
        return str('00:00:00', defaultCollation);
      case 'json':
        return str('null', defaultCollation);
    }
  })();
  return fitToColumn(v, column, ectx, 1);
}

/** How a column's stored values relate to its new definition. */
function storedChange(from: ColumnSchema, to: ColumnSchema): 'kept' | 'checked' | 'converted' {
  const type = typeChange(from.type, to.type);
  if (type === 'converted') return type;
  const tighter = from.nullable && !to.nullable;
  const newlyAuto = to.autoIncrement && !from.autoIncrement;
  return type === 'checked' || tighter || newlyAuto ? 'checked' : 'kept';
}

const textFamilies = ['char', 'varchar', 'text'];

function typeChange(a: ColumnType, b: ColumnType): 'kept' | 'checked' | 'converted' {
  const fits = (wider: boolean) => (wider ? 'kept' : 'checked');
  const signs = () => {
    const au = a.unsigned === true;
    const bu = b.unsigned === true;
    return au === bu || au ? 'kept' : 'checked';
  };
  switch (a.family) {
    case 'int':
      // Signed and unsigned integers have different key encodings.
      if (b.family !== 'int' || (a.unsigned === true) !== (b.unsigned === true)) return 'converted';
      return fits((b.intBytes ?? 8) >= (a.intBytes ?? 8));
    case 'bit':
      if (b.family !== 'bit') return 'converted';
      return fits((b.length ?? 1) >= (a.length ?? 1));
    case 'decimal': {
      // Stored as text with the column's scale: another scale is another text.
      if (b.family !== 'decimal' || (a.scale ?? 0) !== (b.scale ?? 0)) return 'converted';
      const wider = (b.precision ?? 10) >= (a.precision ?? 10) && signs() === 'kept';
      return fits(wider);
    }
    case 'float':
      if (b.family !== 'float' && b.family !== 'double') return 'converted';
      return signs();
    case 'double':
      if (b.family !== 'double') return 'converted';
      return signs();
    case 'char':
    case 'varchar':
    case 'text':
      if (!textFamilies.includes(b.family) || a.collation !== b.collation) return 'converted';
      // CHAR drops trailing spaces on storage: what VARCHAR / TEXT stored must be rewritten.
      if (b.family === 'char' && a.family !== 'char') return 'converted';
      return fits(charLimit(b) >= charLimit(a));
    case 'varbinary':
    case 'blob':
      if (b.family !== 'varbinary' && b.family !== 'blob') return 'converted';
      return fits(charLimit(b) >= charLimit(a));
    case 'binary':
      return b.family === 'binary' && b.length === a.length ? 'kept' : 'converted';
    case 'enum':
    case 'set': {
      // Keys hold a member's position: members may only be appended.
      if (b.family !== a.family || a.collation !== b.collation) return 'converted';
      const members = b.values ?? [];
      return (a.values ?? []).every((v, i) => members[i] === v) ? 'kept' : 'converted';
    }
    case 'datetime':
    case 'timestamp':
    case 'time':
      if (b.family !== a.family) return 'converted';
      return (b.fsp ?? 0) >= (a.fsp ?? 0) ? 'kept' : 'converted';
    case 'date':
    case 'year':
    case 'json':
      return b.family === a.family ? 'kept' : 'converted';
  }
}

function charLimit(type: ColumnType): number {
  if (type.length !== undefined) return type.length;
  switch (type.name) {
    case 'tinytext':
    case 'tinyblob':
      return 255;
    case 'text':
    case 'blob':
      return 65_535;
    case 'mediumtext':
    case 'mediumblob':
      return 16_777_215;
    default:
      return 4_294_967_295;
  }
}

/** JSON with object keys sorted (definitions from the catalog may come back reordered). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
