/**
 * What tools read about a table: SHOW [FULL] COLUMNS / DESCRIBE, SHOW INDEX, SHOW CREATE TABLE,
 * all from the table's definition in the catalog, in MySQL 8's formats.
 */
import type { Show, TableName } from '../ast.js';
import { defaultCollation } from '../encoding/key-codec.js';
import { SqlSemanticError } from '../errors.js';
import { longlong, varString } from '../eval/types.js';
import { int, str } from '../eval/value.js';
import type { SqlValue } from '../eval/value.js';
import { quoteIdent, quoteString } from '../format.js';
import type {
  ColumnSchema,
  ColumnType,
  IndexSchema,
  TableDefinition,
} from '../schema/definition.js';
import { characterSetOf } from '../schema/definition.js';
import type { CatalogPort } from './catalog-port.js';
import type { EngineResult, ResultColumn } from './ddl.js';
import { resolveTable } from './tables.js';

const text = (s: string | null): SqlValue => (s === null ? null : str(s, defaultCollation));
const col = (name: string, length = 64, nullable = false): ResultColumn => ({
  name,
  type: varString(length, defaultCollation, nullable),
});

/** The column type as SHOW COLUMNS and SHOW CREATE TABLE print it (`int unsigned`, `varchar(20)`). */
export function typeText(type: ColumnType): string {
  const unsigned = type.unsigned === true ? ' unsigned' : '';
  switch (type.family) {
    case 'int':
      return `${type.name}${type.length === 1 && type.name === 'tinyint' ? '(1)' : ''}${unsigned}`;
    case 'decimal':
      return `decimal(${type.precision ?? 10},${type.scale ?? 0})${unsigned}`;
    case 'float':
    case 'double':
      return `${type.name}${unsigned}`;
    case 'bit':
      return `bit(${type.length ?? 1})`;
    case 'char':
    case 'varchar':
    case 'binary':
    case 'varbinary':
      return `${type.name}(${type.length ?? 1})`;
    case 'datetime':
    case 'timestamp':
    case 'time':
      return (type.fsp ?? 0) > 0 ? `${type.name}(${type.fsp ?? 0})` : type.name;
    case 'enum':
    case 'set':
      return `${type.name}(${(type.values ?? []).map((v) => quoteString(v)).join(',')})`;
    case 'text':
    case 'blob':
    case 'date':
    case 'year':
    case 'json':
      return type.name;
  }
}

export function defaultText(column: ColumnSchema): string | null {
  switch (column.default.kind) {
    case 'none':
    case 'null':
      return null;
    case 'literal':
      return column.default.sql.replace(/^'(.*)'$/su, '$1');
    case 'currentTimestamp':
      return column.default.fsp > 0
        ? `CURRENT_TIMESTAMP(${column.default.fsp})`
        : 'CURRENT_TIMESTAMP';
    case 'expression':
      return column.default.sql;
  }
}

export function keyOf(column: ColumnSchema, def: TableDefinition): string {
  if (def.primaryKey.parts.some((p) => p.columnId === column.id)) return 'PRI';
  const leads = (i: IndexSchema) => i.parts[0]?.columnId === column.id;
  if (def.indexes.some((i) => i.unique && i.parts.length === 1 && leads(i))) return 'UNI';
  if (def.indexes.some(leads)) return 'MUL';
  return '';
}

export function extraOf(column: ColumnSchema): string {
  const parts: string[] = [];
  if (column.autoIncrement) parts.push('auto_increment');
  if (column.default.kind === 'currentTimestamp' || column.default.kind === 'expression') {
    parts.push('DEFAULT_GENERATED');
  }
  if (column.onUpdateCurrentTimestamp) parts.push('on update CURRENT_TIMESTAMP');
  return parts.join(' ');
}

export async function showColumns(
  table: TableName,
  full: boolean,
  like: string | undefined,
  catalog: CatalogPort,
  database: string | undefined,
): Promise<EngineResult> {
  const resolved = resolveTable(await catalog.view(), table, database);
  const def = resolved.definition;
  const pattern = like === undefined ? undefined : likeRegExp(like);
  const columns: ResultColumn[] = [
    col('Field'),
    col('Type', 196),
    ...(full ? [col('Collation', 64, true)] : []),
    col('Null', 3),
    col('Key', 3),
    col('Default', 196, true),
    col('Extra', 256),
    ...(full ? [col('Privileges', 154), col('Comment', 1024)] : []),
  ];
  const rows = def.columns
    .filter((c) => c.hidden !== true && (pattern?.test(c.name) ?? true))
    .map((c) => [
      text(c.name),
      text(typeText(c.type)),
      ...(full ? [text(c.type.collation ?? null)] : []),
      text(c.nullable ? 'YES' : 'NO'),
      text(keyOf(c, def)),
      text(defaultText(c)),
      text(extraOf(c)),
      ...(full ? [text('select,insert,update,references'), text(c.comment ?? '')] : []),
    ]);
  return { kind: 'rows', columns, rows, warnings: [] };
}

export async function showIndex(
  stmt: Show,
  catalog: CatalogPort,
  database: string | undefined,
): Promise<EngineResult> {
  if (stmt.table === undefined)
    throw new SqlSemanticError(1064, '42000', 'SHOW INDEX needs a table');
  const table = stmt.db === undefined ? stmt.table : { ...stmt.table, db: stmt.db };
  const resolved = resolveTable(await catalog.view(), table, database);
  const def = resolved.definition;
  const columns: ResultColumn[] = [
    col('Table'),
    { name: 'Non_unique', type: longlong(1, false) },
    col('Key_name'),
    { name: 'Seq_in_index', type: longlong(2, false, true) },
    col('Column_name', 64, true),
    col('Collation', 1, true),
    { name: 'Cardinality', type: longlong(21, true) },
    { name: 'Sub_part', type: longlong(3, true) },
    col('Packed', 10, true),
    col('Null', 3),
    col('Index_type', 16),
    col('Comment', 16),
    col('Index_comment', 1024),
    col('Visible', 3),
  ];
  const rows: SqlValue[][] = [];
  const indexes = def.primaryKey.parts.some(
    (p) => def.columns.find((c) => c.id === p.columnId)?.hidden === true,
  )
    ? def.indexes
    : [def.primaryKey, ...def.indexes];
  for (const index of indexes) {
    index.parts.forEach((part, i) => {
      const column = def.columns.find((c) => c.id === part.columnId);
      rows.push([
        text(resolved.view.name),
        int(index.unique ? 0 : 1),
        text(index.name),
        int(i + 1),
        text(column?.name ?? null),
        text(part.desc === true ? 'D' : 'A'),
        null,
        part.prefix === undefined ? null : int(part.prefix),
        null,
        text(column?.nullable === true ? 'YES' : ''),
        text('BTREE'),
        text(''),
        text(index.comment ?? ''),
        text('YES'),
      ]);
    });
  }
  return { kind: 'rows', columns, rows, warnings: [] };
}

/** SHOW CREATE TABLE in MySQL 8's layout (ENGINE=InnoDB for dump compatibility). */
export function createTableText(name: string, def: TableDefinition): string {
  const tableCollation = def.options.collation;
  const lines: string[] = [];
  for (const c of def.columns) {
    if (c.hidden === true) continue;
    let line = `  ${quoteIdent(c.name)} ${typeText(c.type)}`;
    if (c.type.collation !== undefined && c.type.collation !== tableCollation) {
      const cs = characterSetOf(c.type.collation);
      line +=
        cs === characterSetOf(tableCollation)
          ? ` COLLATE ${c.type.collation}`
          : ` CHARACTER SET ${cs} COLLATE ${c.type.collation}`;
    }
    if (!c.nullable) line += ' NOT NULL';
    const d = defaultText(c);
    if (c.default.kind === 'literal') line += ` DEFAULT ${quoteString(d ?? '')}`;
    else if (c.default.kind === 'currentTimestamp') line += ` DEFAULT ${d ?? 'CURRENT_TIMESTAMP'}`;
    else if (c.default.kind === 'expression') line += ` DEFAULT (${d ?? ''})`;
    else if (c.nullable && !['text', 'blob', 'json'].includes(c.type.family))
      line += ' DEFAULT NULL';
    if (c.onUpdateCurrentTimestamp) line += ' ON UPDATE CURRENT_TIMESTAMP';
    if (c.autoIncrement) line += ' AUTO_INCREMENT';
    if (c.comment !== undefined) line += ` COMMENT ${quoteString(c.comment)}`;
    lines.push(line);
  }
  const partsText = (index: IndexSchema) =>
    index.parts
      .map((p) => {
        const column = def.columns.find((c) => c.id === p.columnId);
        const prefix = p.prefix === undefined ? '' : `(${p.prefix})`;
        return `${quoteIdent(column?.name ?? '?')}${prefix}${p.desc === true ? ' DESC' : ''}`;
      })
      .join(',');
  const hiddenPk = def.primaryKey.parts.some(
    (p) => def.columns.find((c) => c.id === p.columnId)?.hidden === true,
  );
  if (!hiddenPk) lines.push(`  PRIMARY KEY (${partsText(def.primaryKey)})`);
  for (const index of def.indexes) {
    lines.push(
      `  ${index.unique ? 'UNIQUE KEY' : 'KEY'} ${quoteIdent(index.name)} (${partsText(index)})`,
    );
  }
  let options = `ENGINE=InnoDB DEFAULT CHARSET=${characterSetOf(tableCollation)} COLLATE=${tableCollation}`;
  if (def.options.comment !== undefined) options += ` COMMENT=${quoteString(def.options.comment)}`;
  if (def.options.slices !== undefined) options += ` SLICES=${def.options.slices}`;
  if (def.options.replicas !== undefined) options += ` REPLICAS=${def.options.replicas}`;
  return `CREATE TABLE ${quoteIdent(name)} (\n${lines.join(',\n')}\n) ${options}`;
}

export async function showCreateTable(
  table: TableName,
  catalog: CatalogPort,
  database: string | undefined,
): Promise<EngineResult> {
  const resolved = resolveTable(await catalog.view(), table, database);
  return {
    kind: 'rows',
    columns: [col('Table'), col('Create Table', 1024)],
    rows: [
      [text(resolved.view.name), text(createTableText(resolved.view.name, resolved.definition))],
    ],
    warnings: [],
  };
}

/** A LIKE pattern (`%`, `_`; case-insensitive) as a whole-string RegExp. */
export function likeRegExp(pattern: string): RegExp {
  let out = '';
  for (const c of pattern) {
    if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 'i');
}
