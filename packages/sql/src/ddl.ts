// DDL: CREATE / DROP / ALTER TABLE, indexes, databases, RENAME, TRUNCATE.

import type {
  AlterAction,
  AlterDatabase,
  AlterTable,
  ColumnDef,
  ColumnPosition,
  CreateDatabase,
  CreateIndex,
  CreateTable,
  DataType,
  DropDatabase,
  DropIndex,
  DropTable,
  Expr,
  ForeignKeyReference,
  IndexColumn,
  IndexOptions,
  ReferenceAction,
  RenameTable,
  TableConstraint,
  TableName,
  TableOption,
  TruncateTable,
} from './ast.js';
import type { Cursor } from './cursor.js';
import { charsetName, parseExpr, parsePrimary } from './expr.js';
import { Tok } from './lexer.js';
import type { Token } from './lexer.js';
import { parseQuery, startsQuery } from './query.js';

// ---------------------------------------------------------------------------------------------
// Data types

const INT_TYPES: Readonly<Record<string, string>> = {
  TINYINT: 'TINYINT',
  INT1: 'TINYINT',
  SMALLINT: 'SMALLINT',
  INT2: 'SMALLINT',
  MEDIUMINT: 'MEDIUMINT',
  MIDDLEINT: 'MEDIUMINT',
  INT3: 'MEDIUMINT',
  INT: 'INT',
  INTEGER: 'INT',
  INT4: 'INT',
  BIGINT: 'BIGINT',
  INT8: 'BIGINT',
};
const PLAIN_TYPES = new Set([
  'DATE',
  'JSON',
  'TINYBLOB',
  'MEDIUMBLOB',
  'LONGBLOB',
  'GEOMETRY',
  'POINT',
  'LINESTRING',
  'POLYGON',
  'MULTIPOINT',
  'MULTILINESTRING',
  'MULTIPOLYGON',
  'GEOMETRYCOLLECTION',
]);

export function parseDataType(p: Cursor): DataType {
  const t = p.next();
  if (t.kind !== Tok.WORD) return p.fail(t);
  const u = t.upper;
  const intName = INT_TYPES[u];
  if (intName !== undefined) return numericTail(p, intName, sizeOf(p));
  switch (u) {
    case 'DECIMAL':
    case 'DEC':
    case 'NUMERIC':
    case 'FIXED':
      return numericTail(p, 'DECIMAL', sizeOf(p));
    case 'FLOAT':
    case 'FLOAT4':
      return numericTail(p, 'FLOAT', sizeOf(p));
    case 'DOUBLE':
      p.acceptWord('PRECISION');
      return numericTail(p, 'DOUBLE', sizeOf(p));
    case 'REAL':
    case 'FLOAT8':
      return numericTail(p, 'DOUBLE', sizeOf(p));
    case 'BIT':
      return { name: 'BIT', ...sizeOf(p) };
    case 'BOOL':
    case 'BOOLEAN':
      return { name: 'BOOLEAN' };
    case 'SERIAL':
      return p.notSupported('SERIAL', t);
    case 'NATIONAL':
      if (!p.acceptWord('VARCHAR')) {
        if (!p.acceptWord('CHAR')) p.expectWord('CHARACTER');
        if (p.acceptWord('VARYING')) return stringTail(p, 'VARCHAR', sizeOf(p));
        return stringTail(p, 'CHAR', sizeOf(p));
      }
      return stringTail(p, 'VARCHAR', sizeOf(p));
    case 'CHAR':
    case 'CHARACTER':
    case 'NCHAR':
      if (p.acceptWord('VARYING')) return stringTail(p, 'VARCHAR', sizeOf(p));
      return stringTail(p, 'CHAR', sizeOf(p));
    case 'VARCHAR':
    case 'VARCHARACTER':
    case 'NVARCHAR':
      return stringTail(p, 'VARCHAR', sizeOf(p));
    case 'BINARY':
      return { name: 'BINARY', ...sizeOf(p) };
    case 'VARBINARY':
      return { name: 'VARBINARY', ...sizeOf(p) };
    case 'TINYTEXT':
    case 'MEDIUMTEXT':
    case 'LONGTEXT':
      return stringTail(p, u, {});
    case 'TEXT':
      return stringTail(p, 'TEXT', sizeOf(p));
    case 'LONG':
      if (p.acceptWord('VARBINARY')) return { name: 'MEDIUMBLOB' };
      p.acceptWord('VARCHAR');
      return stringTail(p, 'MEDIUMTEXT', {});
    case 'BLOB':
      return { name: 'BLOB', ...sizeOf(p) };
    case 'DATETIME':
    case 'TIMESTAMP':
    case 'TIME':
    case 'YEAR':
      return { name: u, ...sizeOf(p) };
    case 'ENUM':
    case 'SET': {
      p.expectOp('(');
      const values = [p.string()];
      while (p.acceptOp(',')) values.push(p.string());
      p.expectOp(')');
      return stringTail(p, u, { values });
    }
    default:
      if (PLAIN_TYPES.has(u)) return { name: u };
      return p.fail(t);
  }
}

function sizeOf(p: Cursor): { length?: number; scale?: number } {
  if (!p.acceptOp('(')) return {};
  const length = p.integer();
  if (p.acceptOp(',')) {
    const scale = p.integer();
    p.expectOp(')');
    return { length, scale };
  }
  p.expectOp(')');
  return { length };
}

function numericTail(p: Cursor, name: string, size: { length?: number; scale?: number }): DataType {
  let unsigned = false;
  let zerofill = false;
  for (;;) {
    if (p.acceptWord('UNSIGNED')) unsigned = true;
    else if (p.acceptWord('SIGNED')) unsigned = false;
    else if (p.acceptWord('ZEROFILL')) {
      // ZEROFILL implies UNSIGNED.
      zerofill = true;
      unsigned = true;
    } else break;
  }
  return {
    name,
    ...size,
    ...(unsigned ? { unsigned } : {}),
    ...(zerofill ? { zerofill } : {}),
  };
}

function stringTail(
  p: Cursor,
  name: string,
  extra: { length?: number; scale?: number; values?: string[] },
): DataType {
  let charset: string | undefined;
  let collation: string | undefined;
  for (;;) {
    if (p.isWord('CHARACTER') && p.isWordAt(1, 'SET')) {
      p.next();
      p.next();
      charset = charsetName(p);
    } else if (p.acceptWord('CHARSET')) {
      charset = charsetName(p);
    } else if (p.acceptWord('COLLATE')) {
      collation = charsetName(p);
    } else if (p.acceptWord('ASCII')) {
      charset = 'latin1';
    } else if (p.acceptWord('UNICODE')) {
      charset = 'ucs2';
    } else if (p.isWord('BINARY')) {
      p.next();
      collation ??= 'binary';
    } else break;
  }
  return {
    name,
    ...(extra.length === undefined ? {} : { length: extra.length }),
    ...(extra.values === undefined ? {} : { values: extra.values }),
    ...(charset === undefined ? {} : { charset }),
    ...(collation === undefined ? {} : { collation }),
  };
}

// ---------------------------------------------------------------------------------------------
// Columns

export function parseColumnDef(p: Cursor): ColumnDef {
  const name = p.ident();
  let type = parseDataType(p);
  const col: {
    -readonly [K in keyof ColumnDef]: ColumnDef[K];
  } = { name, type };
  for (;;) {
    const t = p.peek();
    if (t.kind !== Tok.WORD) break;
    switch (t.upper) {
      case 'NOT':
        p.next();
        p.expectWord('NULL');
        col.nullable = false;
        continue;
      case 'NULL':
        p.next();
        col.nullable = true;
        continue;
      case 'DEFAULT':
        p.next();
        col.default = parseDefaultValue(p);
        continue;
      case 'ON':
        p.next();
        p.expectWord('UPDATE');
        col.onUpdate = parseDefaultValue(p);
        continue;
      case 'AUTO_INCREMENT':
        p.next();
        col.autoIncrement = true;
        continue;
      case 'PRIMARY':
        p.next();
        p.expectWord('KEY');
        col.primaryKey = true;
        continue;
      case 'KEY':
        // A bare KEY in a column definition means PRIMARY KEY.
        p.next();
        col.primaryKey = true;
        continue;
      case 'UNIQUE':
        p.next();
        p.acceptWord('KEY');
        col.unique = true;
        continue;
      case 'COMMENT':
        p.next();
        col.comment = p.string();
        continue;
      case 'COLLATE':
        p.next();
        type = { ...type, collation: charsetName(p) };
        col.type = type;
        continue;
      case 'CHARACTER':
      case 'CHARSET':
        p.next();
        if (t.upper === 'CHARACTER') p.expectWord('SET');
        type = { ...type, charset: charsetName(p) };
        col.type = type;
        continue;
      case 'GENERATED':
      case 'AS': {
        p.next();
        if (t.upper === 'GENERATED') {
          p.expectWord('ALWAYS');
          p.expectWord('AS');
        }
        p.expectOp('(');
        const expr = parseExpr(p);
        p.expectOp(')');
        let stored = false;
        if (p.acceptWord('STORED')) stored = true;
        else p.acceptWord('VIRTUAL');
        col.generated = { expr, stored };
        continue;
      }
      case 'CONSTRAINT':
      case 'CHECK': {
        p.next();
        if (t.upper === 'CONSTRAINT') {
          if (!p.isWord('CHECK')) p.ident();
          p.expectWord('CHECK');
        }
        col.check = parseCheckBody(p);
        continue;
      }
      case 'REFERENCES':
        col.references = parseReferences(p);
        continue;
      case 'VISIBLE':
        p.next();
        continue;
      case 'INVISIBLE':
        p.next();
        col.invisible = true;
        continue;
      case 'COLUMN_FORMAT':
      case 'STORAGE':
        // Physical hints with no meaning here.
        p.next();
        p.next();
        continue;
      case 'SRID':
        p.next();
        p.integer();
        continue;
      default:
        break;
    }
    break;
  }
  return col;
}

/** DEFAULT / ON UPDATE value: a literal, a signed number, `(expr)` or a niladic call. */
function parseDefaultValue(p: Cursor): Expr {
  const t = p.peek();
  if (t.kind === Tok.OP && (t.text === '-' || t.text === '+')) {
    p.next();
    const n = p.peek();
    if (n.kind !== Tok.NUMBER) p.fail(n);
    p.next();
    const numberType = n.flags === 1 ? 'decimal' : n.flags === 2 ? 'float' : 'int';
    return { kind: 'number', text: (t.text === '-' ? '-' : '') + n.text, numberType };
  }
  return parsePrimary(p);
}

function parseCheckBody(p: Cursor): Expr {
  p.expectOp('(');
  const expr = parseExpr(p);
  p.expectOp(')');
  if (p.acceptWord('NOT')) p.expectWord('ENFORCED');
  else p.acceptWord('ENFORCED');
  return expr;
}

function parseReferences(p: Cursor): ForeignKeyReference {
  p.expectWord('REFERENCES');
  const table = p.tableName();
  const columns = p.identList();
  let onDelete: ReferenceAction | undefined;
  let onUpdate: ReferenceAction | undefined;
  if (p.acceptWord('MATCH')) p.next();
  while (p.isWord('ON')) {
    p.next();
    if (p.acceptWord('DELETE')) onDelete = parseReferenceAction(p);
    else {
      p.expectWord('UPDATE');
      onUpdate = parseReferenceAction(p);
    }
  }
  return {
    table,
    columns,
    ...(onDelete === undefined ? {} : { onDelete }),
    ...(onUpdate === undefined ? {} : { onUpdate }),
  };
}

function parseReferenceAction(p: Cursor): ReferenceAction {
  if (p.acceptWord('RESTRICT')) return 'RESTRICT';
  if (p.acceptWord('CASCADE')) return 'CASCADE';
  if (p.acceptWord('SET')) {
    if (p.acceptWord('NULL')) return 'SET NULL';
    p.expectWord('DEFAULT');
    return 'SET DEFAULT';
  }
  p.expectWord('NO');
  p.expectWord('ACTION');
  return 'NO ACTION';
}

// ---------------------------------------------------------------------------------------------
// Indexes and constraints

function parseIndexColumns(p: Cursor): IndexColumn[] {
  p.expectOp('(');
  const cols: IndexColumn[] = [];
  do {
    if (p.isOp('(')) p.notSupported('functional key parts');
    const name = p.ident();
    let length: number | undefined;
    if (p.acceptOp('(')) {
      length = p.integer();
      p.expectOp(')');
    }
    let desc = false;
    if (p.acceptWord('DESC')) desc = true;
    else p.acceptWord('ASC');
    cols.push({ name, ...(length === undefined ? {} : { length }), ...(desc ? { desc } : {}) });
  } while (p.acceptOp(','));
  p.expectOp(')');
  return cols;
}

function parseIndexType(p: Cursor): 'BTREE' | 'HASH' {
  if (p.acceptWord('BTREE')) return 'BTREE';
  p.expectWord('HASH');
  return 'HASH';
}

function parseIndexOptions(p: Cursor, using: 'BTREE' | 'HASH' | undefined): IndexOptions {
  let result: IndexOptions = using === undefined ? {} : { using };
  for (;;) {
    if (p.acceptWord('USING') || p.acceptWord('TYPE'))
      result = { ...result, using: parseIndexType(p) };
    else if (p.acceptWord('COMMENT')) result = { ...result, comment: p.string() };
    else if (p.acceptWord('KEY_BLOCK_SIZE')) {
      p.optionalEquals();
      p.integer();
    } else if (p.acceptWord('VISIBLE')) {
      // the default
    } else if (p.acceptWord('INVISIBLE')) result = { ...result, invisible: true };
    else if (p.acceptWord('WITH')) {
      p.expectWord('PARSER');
      p.ident();
    } else return result;
  }
}

/** `[USING type]` before the column list, then the columns and options. */
function parseIndexBody(p: Cursor): { columns: IndexColumn[]; options: IndexOptions } {
  const using = p.acceptWord('USING') || p.acceptWord('TYPE') ? parseIndexType(p) : undefined;
  const columns = parseIndexColumns(p);
  return { columns, options: parseIndexOptions(p, using) };
}

function optionalIndexName(p: Cursor): string | undefined {
  if (p.isIdent() && !p.isWord('USING') && !p.isWord('TYPE')) return p.ident();
  return undefined;
}

const CONSTRAINT_STARTS = new Set([
  'CONSTRAINT',
  'PRIMARY',
  'UNIQUE',
  'KEY',
  'INDEX',
  'FULLTEXT',
  'SPATIAL',
  'FOREIGN',
  'CHECK',
]);

function startsConstraint(p: Cursor): boolean {
  const t = p.peek();
  return t.kind === Tok.WORD && CONSTRAINT_STARTS.has(t.upper);
}

export function parseConstraint(p: Cursor): TableConstraint {
  let name: string | undefined;
  if (p.acceptWord('CONSTRAINT')) {
    if (p.isIdent()) name = p.ident();
  }
  const t = p.next();
  const named = name === undefined ? {} : { name };
  switch (t.upper) {
    case 'PRIMARY': {
      p.expectWord('KEY');
      return { kind: 'primaryKey', ...named, ...parseIndexBody(p) };
    }
    case 'UNIQUE': {
      if (!p.acceptWord('INDEX')) p.acceptWord('KEY');
      const indexName = optionalIndexName(p) ?? name;
      return {
        kind: 'index',
        unique: true,
        ...(indexName === undefined ? {} : { name: indexName }),
        ...parseIndexBody(p),
      };
    }
    case 'KEY':
    case 'INDEX': {
      if (name !== undefined) p.fail(t);
      const indexName = optionalIndexName(p);
      return {
        kind: 'index',
        unique: false,
        ...(indexName === undefined ? {} : { name: indexName }),
        ...parseIndexBody(p),
      };
    }
    case 'FULLTEXT':
    case 'SPATIAL': {
      if (!p.acceptWord('INDEX')) p.acceptWord('KEY');
      const indexName = optionalIndexName(p);
      return {
        kind: 'index',
        unique: false,
        indexType: t.upper,
        ...(indexName === undefined ? {} : { name: indexName }),
        ...parseIndexBody(p),
      };
    }
    case 'FOREIGN': {
      p.expectWord('KEY');
      const indexName = optionalIndexName(p);
      const columns = p.identList();
      const references = parseReferences(p);
      const fkName = name ?? indexName;
      return {
        kind: 'foreignKey',
        ...(fkName === undefined ? {} : { name: fkName }),
        columns,
        references,
      };
    }
    case 'CHECK':
      return { kind: 'check', ...named, expr: parseCheckBody(p) };
    default:
      return p.fail(t);
  }
}

// ---------------------------------------------------------------------------------------------
// Table options

const TABLE_OPTIONS = new Set([
  'ENGINE',
  'TYPE',
  'AUTO_INCREMENT',
  'AVG_ROW_LENGTH',
  'CHECKSUM',
  'COMMENT',
  'COMPRESSION',
  'CONNECTION',
  'DELAY_KEY_WRITE',
  'ENCRYPTION',
  'INSERT_METHOD',
  'KEY_BLOCK_SIZE',
  'MAX_ROWS',
  'MIN_ROWS',
  'PACK_KEYS',
  'PASSWORD',
  'ROW_FORMAT',
  'STATS_AUTO_RECALC',
  'STATS_PERSISTENT',
  'STATS_SAMPLE_PAGES',
  'TABLESPACE',
  'SLICES',
  'REPLICAS',
  'SECONDARY_ENGINE',
  'AUTOEXTEND_SIZE',
]);

function startsTableOption(p: Cursor): boolean {
  const t = p.peek();
  if (t.kind !== Tok.WORD) return false;
  if (TABLE_OPTIONS.has(t.upper)) return true;
  switch (t.upper) {
    case 'DEFAULT':
    case 'CHARSET':
    case 'COLLATE':
      return true;
    case 'CHARACTER':
      return p.isWordAt(1, 'SET');
    case 'DATA':
    case 'INDEX':
      return p.isWordAt(1, 'DIRECTORY');
    default:
      return false;
  }
}

function parseTableOption(p: Cursor): TableOption {
  const t = p.next();
  let name = t.upper;
  if (name === 'DEFAULT') {
    const n = p.next();
    if (n.upper === 'CHARACTER') p.expectWord('SET');
    else if (n.upper !== 'CHARSET' && n.upper !== 'COLLATE') p.fail(n);
    name = n.upper === 'COLLATE' ? 'COLLATE' : 'CHARSET';
  } else if (name === 'CHARACTER') {
    p.expectWord('SET');
    name = 'CHARSET';
  } else if (name === 'DATA' || name === 'INDEX') {
    p.expectWord('DIRECTORY');
    name = `${name} DIRECTORY`;
  } else if (name === 'TYPE') {
    name = 'ENGINE';
  }
  p.optionalEquals();
  const v = p.next();
  if (v.kind === Tok.STRING) return { name, value: v.text, valueKind: 'string' };
  if (v.kind === Tok.NUMBER) return { name, value: v.text, valueKind: 'number' };
  if (v.kind === Tok.WORD || v.kind === Tok.QIDENT)
    return { name, value: v.text, valueKind: 'word' };
  return p.fail(v);
}

function parseTableOptions(p: Cursor): TableOption[] {
  const options: TableOption[] = [];
  while (startsTableOption(p)) {
    options.push(parseTableOption(p));
    if (p.isOp(',') && (p.peekAt(1).kind === Tok.WORD || p.peekAt(1).kind === Tok.QIDENT)) {
      const save = p.i;
      p.next();
      if (!startsTableOption(p)) {
        p.i = save;
        break;
      }
    }
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Statements

function ifNotExists(p: Cursor): boolean {
  if (!p.isWord('IF')) return false;
  p.next();
  p.expectWord('NOT');
  p.expectWord('EXISTS');
  return true;
}

function ifExists(p: Cursor): boolean {
  if (!p.isWord('IF')) return false;
  p.next();
  p.expectWord('EXISTS');
  return true;
}

/** After CREATE [TEMPORARY] TABLE. */
export function parseCreateTable(p: Cursor, kw: Token, temporary: boolean): CreateTable {
  const exists = ifNotExists(p);
  const table = p.tableName();
  const base = {
    kind: 'createTable' as const,
    temporary,
    ifNotExists: exists,
    table,
    pos: kw.start,
  };
  if (p.acceptWord('LIKE')) {
    return { ...base, columns: [], constraints: [], options: [], like: p.tableName() };
  }
  if (p.isOp('(') && p.isWordAt(1, 'LIKE')) {
    p.next();
    p.next();
    const like = p.tableName();
    p.expectOp(')');
    return { ...base, columns: [], constraints: [], options: [], like };
  }
  const columns: ColumnDef[] = [];
  const constraints: TableConstraint[] = [];
  if (p.isOp('(') && !startsQuery(p, 0)) {
    p.next();
    do {
      if (startsConstraint(p)) constraints.push(parseConstraint(p));
      else columns.push(parseColumnDef(p));
    } while (p.acceptOp(','));
    p.expectOp(')');
  }
  const options = parseTableOptions(p);
  if (p.isWord('PARTITION')) p.notSupported('PARTITION BY');
  let query;
  if (p.isWord('IGNORE') || p.isWord('REPLACE'))
    p.notSupported('CREATE TABLE ... IGNORE|REPLACE SELECT');
  if (p.acceptWord('AS') || startsQuery(p, 0)) query = parseQuery(p);
  if (query === undefined && columns.length === 0) p.fail();
  return { ...base, columns, constraints, options, ...(query === undefined ? {} : { query }) };
}

export function parseCreateIndex(
  p: Cursor,
  kw: Token,
  kind: 'UNIQUE' | 'FULLTEXT' | 'SPATIAL' | undefined,
): CreateIndex {
  p.expectWord('INDEX');
  const exists = ifNotExists(p);
  const name = p.ident();
  const using = p.acceptWord('USING') || p.acceptWord('TYPE') ? parseIndexType(p) : undefined;
  p.expectWord('ON');
  const table = p.tableName();
  const columns = parseIndexColumns(p);
  const options = parseIndexOptions(p, using);
  skipAlgorithmLock(p);
  return {
    kind: 'createIndex',
    unique: kind === 'UNIQUE',
    ...(kind === 'FULLTEXT' || kind === 'SPATIAL' ? { indexType: kind } : {}),
    ifNotExists: exists,
    name,
    table,
    columns,
    options,
    pos: kw.start,
  };
}

/** `ALGORITHM [=] x` / `LOCK [=] x` after CREATE/DROP INDEX: how, not what. */
function skipAlgorithmLock(p: Cursor): void {
  while (p.isWord('ALGORITHM') || p.isWord('LOCK')) {
    p.next();
    p.optionalEquals();
    p.next();
  }
}

export function parseDropIndex(p: Cursor, kw: Token): DropIndex {
  const name = p.acceptWord('PRIMARY') ? 'PRIMARY' : p.ident();
  p.expectWord('ON');
  const table = p.tableName();
  skipAlgorithmLock(p);
  return { kind: 'dropIndex', name, table, pos: kw.start };
}

export function parseDropTable(p: Cursor, kw: Token, temporary: boolean): DropTable {
  const exists = ifExists(p);
  const tables: TableName[] = [p.tableName()];
  while (p.acceptOp(',')) tables.push(p.tableName());
  if (!p.acceptWord('RESTRICT')) p.acceptWord('CASCADE');
  return { kind: 'dropTable', temporary, ifExists: exists, tables, pos: kw.start };
}

function databaseOptions(p: Cursor): { charset?: string; collation?: string } {
  let charset: string | undefined;
  let collation: string | undefined;
  for (;;) {
    p.acceptWord('DEFAULT');
    if (p.isWord('CHARACTER') || p.isWord('CHARSET')) {
      if (p.next().upper === 'CHARACTER') p.expectWord('SET');
      p.optionalEquals();
      charset = charsetName(p);
    } else if (p.acceptWord('COLLATE')) {
      p.optionalEquals();
      collation = charsetName(p);
    } else if (p.acceptWord('ENCRYPTION')) {
      p.optionalEquals();
      p.string();
    } else break;
  }
  return {
    ...(charset === undefined ? {} : { charset }),
    ...(collation === undefined ? {} : { collation }),
  };
}

export function parseCreateDatabase(p: Cursor, kw: Token): CreateDatabase {
  const exists = ifNotExists(p);
  const name = p.ident();
  return {
    kind: 'createDatabase',
    ifNotExists: exists,
    name,
    ...databaseOptions(p),
    pos: kw.start,
  };
}

export function parseDropDatabase(p: Cursor, kw: Token): DropDatabase {
  const exists = ifExists(p);
  return { kind: 'dropDatabase', ifExists: exists, name: p.ident(), pos: kw.start };
}

export function parseAlterDatabase(p: Cursor, kw: Token): AlterDatabase {
  const name = p.isIdent() && !startsTableOption(p) ? p.ident() : undefined;
  const options = databaseOptions(p);
  if (options.charset === undefined && options.collation === undefined) p.fail();
  return {
    kind: 'alterDatabase',
    ...(name === undefined ? {} : { name }),
    ...options,
    pos: kw.start,
  };
}

export function parseTruncate(p: Cursor, kw: Token): TruncateTable {
  p.acceptWord('TABLE');
  return { kind: 'truncate', table: p.tableName(), pos: kw.start };
}

export function parseRenameTable(p: Cursor, kw: Token): RenameTable {
  if (!p.acceptWord('TABLE')) p.expectWord('TABLES');
  const renames: { from: TableName; to: TableName }[] = [];
  do {
    const from = p.tableName();
    p.expectWord('TO');
    renames.push({ from, to: p.tableName() });
  } while (p.acceptOp(','));
  return { kind: 'renameTable', renames, pos: kw.start };
}

function parseColumnPosition(p: Cursor): ColumnPosition | undefined {
  if (p.acceptWord('FIRST')) return { first: true };
  if (p.acceptWord('AFTER')) return { after: p.ident() };
  return undefined;
}

function withPosition<T extends object>(
  action: T,
  position: ColumnPosition | undefined,
): T & { position?: ColumnPosition } {
  return position === undefined ? action : { ...action, position };
}

export function parseAlterTable(p: Cursor, kw: Token): AlterTable {
  p.expectWord('TABLE');
  const table = p.tableName();
  const actions: AlterAction[] = [];
  if (!p.atEnd()) {
    do parseAlterAction(p, actions);
    while (p.acceptOp(','));
  }
  if (p.isWord('PARTITION')) p.notSupported('PARTITION BY');
  return { kind: 'alterTable', table, actions, pos: kw.start };
}

function parseAlterAction(p: Cursor, actions: AlterAction[]): void {
  if (startsTableOption(p) && !p.isWord('INDEX')) {
    actions.push({ kind: 'tableOptions', options: parseTableOptions(p) });
    return;
  }
  const t = p.next();
  if (t.kind !== Tok.WORD) p.fail(t);
  switch (t.upper) {
    case 'ADD': {
      if (startsConstraint(p)) {
        actions.push({ kind: 'addConstraint', constraint: parseConstraint(p) });
        return;
      }
      p.acceptWord('COLUMN');
      if (p.acceptOp('(')) {
        do actions.push({ kind: 'addColumn', column: parseColumnDef(p) });
        while (p.acceptOp(','));
        p.expectOp(')');
        return;
      }
      const column = parseColumnDef(p);
      actions.push(withPosition({ kind: 'addColumn' as const, column }, parseColumnPosition(p)));
      return;
    }
    case 'DROP': {
      if (p.acceptWord('PRIMARY')) {
        p.expectWord('KEY');
        actions.push({ kind: 'dropPrimaryKey' });
      } else if (p.acceptWord('INDEX') || p.acceptWord('KEY')) {
        actions.push({ kind: 'dropIndex', name: p.ident() });
      } else if (p.acceptWord('FOREIGN')) {
        p.expectWord('KEY');
        actions.push({ kind: 'dropForeignKey', name: p.ident() });
      } else if (p.acceptWord('CHECK')) {
        actions.push({ kind: 'dropCheck', name: p.ident() });
      } else if (p.isWord('CONSTRAINT')) {
        p.notSupported('DROP CONSTRAINT');
      } else {
        p.acceptWord('COLUMN');
        actions.push({ kind: 'dropColumn', name: p.ident() });
        if (!p.acceptWord('RESTRICT')) p.acceptWord('CASCADE');
      }
      return;
    }
    case 'MODIFY': {
      p.acceptWord('COLUMN');
      const column = parseColumnDef(p);
      actions.push(withPosition({ kind: 'modifyColumn' as const, column }, parseColumnPosition(p)));
      return;
    }
    case 'CHANGE': {
      p.acceptWord('COLUMN');
      const oldName = p.ident();
      const column = parseColumnDef(p);
      actions.push(
        withPosition({ kind: 'changeColumn' as const, oldName, column }, parseColumnPosition(p)),
      );
      return;
    }
    case 'RENAME': {
      if (p.acceptWord('COLUMN')) {
        const from = p.ident();
        p.expectWord('TO');
        actions.push({ kind: 'renameColumn', from, to: p.ident() });
      } else if (p.acceptWord('INDEX') || p.acceptWord('KEY')) {
        const from = p.ident();
        p.expectWord('TO');
        actions.push({ kind: 'renameIndex', from, to: p.ident() });
      } else {
        if (!p.acceptWord('TO')) p.acceptWord('AS');
        actions.push({ kind: 'renameTable', to: p.tableName() });
      }
      return;
    }
    case 'ALTER': {
      if (p.isWord('INDEX') || p.isWord('CHECK') || p.isWord('CONSTRAINT'))
        p.notSupported(`ALTER ${p.peek().upper}`);
      p.acceptWord('COLUMN');
      const name = p.ident();
      if (p.acceptWord('SET')) {
        if (p.isWord('VISIBLE') || p.isWord('INVISIBLE'))
          p.notSupported('ALTER COLUMN SET VISIBLE');
        p.expectWord('DEFAULT');
        actions.push({ kind: 'alterColumnDefault', name, default: parseDefaultValue(p) });
      } else {
        p.expectWord('DROP');
        p.expectWord('DEFAULT');
        actions.push({ kind: 'alterColumnDefault', name });
      }
      return;
    }
    case 'ALGORITHM':
    case 'LOCK': {
      p.optionalEquals();
      const v = p.next();
      if (v.kind !== Tok.WORD) p.fail(v);
      actions.push({ kind: t.upper === 'LOCK' ? 'lock' : 'algorithm', value: v.upper });
      return;
    }
    case 'CONVERT': {
      p.expectWord('TO');
      if (p.next().upper === 'CHARACTER') p.expectWord('SET');
      const charset = charsetName(p);
      const collation = p.acceptWord('COLLATE') ? charsetName(p) : undefined;
      actions.push({
        kind: 'convertCharset',
        charset,
        ...(collation === undefined ? {} : { collation }),
      });
      return;
    }
    case 'FORCE':
    case 'ORDER':
    case 'ENABLE':
    case 'DISABLE':
    case 'DISCARD':
    case 'IMPORT':
    case 'WITH':
    case 'WITHOUT':
    case 'TRUNCATE':
    case 'COALESCE':
    case 'REORGANIZE':
    case 'EXCHANGE':
    case 'ANALYZE':
    case 'CHECK':
    case 'OPTIMIZE':
    case 'REBUILD':
    case 'REPAIR':
    case 'REMOVE':
    case 'UPGRADE':
      return p.notSupported(`ALTER TABLE ... ${t.upper}`, t);
    default:
      return p.fail(t);
  }
}
