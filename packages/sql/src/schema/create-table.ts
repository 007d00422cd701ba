/**
 * CREATE TABLE (its AST) → a TableDefinition, checked the way MySQL 8 checks it, with MySQL's
 * error numbers and wording. Pure: the DDL executor proposes the result to the catalog.
 */
import type {
  ColumnDef,
  CreateTable,
  DataType,
  Expr,
  IndexColumn,
  TableConstraint,
} from '../ast.js';
import { collationNamed } from '../encoding/key-codec.js';
import { SqlNotSupportedError, SqlSemanticError } from '../errors.js';
import { formatExpr } from '../format.js';
import type {
  ColumnDefault,
  ColumnSchema,
  ColumnType,
  ForeignKeySchema,
  IndexPart,
  IndexSchema,
  TableDefinition,
  TableOptions,
} from './definition.js';
import { hiddenRowIdColumn } from './definition.js';

export interface CreateTableContext {
  /** The database's default collation (utf8mb4_0900_ai_ci unless the database says else). */
  readonly defaultCollation: string;
}

export interface CreatedDefinition {
  readonly definition: TableDefinition;
  /** Notes for SHOW WARNINGS (code, message), e.g. foreign keys recorded but not enforced. */
  readonly warnings: readonly { readonly code: number; readonly message: string }[];
}

const identifierMax = 64;
const varcharMaxChars = 16_383; // 65 535 bytes / 4 (utf8mb4)
const decimalMaxPrecision = 65;
const decimalMaxScale = 30;

const err = (errno: number, sqlState: string, message: string) =>
  new SqlSemanticError(errno, sqlState, message);

export function tableDefinitionFromCreate(
  ast: CreateTable,
  context: CreateTableContext,
): CreatedDefinition {
  if (ast.like !== undefined) throw new SqlNotSupportedError('CREATE TABLE ... LIKE', ast.pos);
  if (ast.query !== undefined) throw new SqlNotSupportedError('CREATE TABLE ... SELECT', ast.pos);
  if (ast.temporary) throw new SqlNotSupportedError('CREATE TEMPORARY TABLE', ast.pos);
  checkIdentifier(ast.table.name);
  if (ast.columns.length === 0) {
    throw err(1113, '42000', 'A table must have at least 1 column');
  }
  const options = tableOptions(ast, context);
  const warnings: { code: number; message: string }[] = [];

  // Columns, with ids 1..n in declaration order.
  const seen = new Set<string>();
  const columns: ColumnSchema[] = [];
  ast.columns.forEach((def, i) => {
    checkIdentifier(def.name);
    const lower = def.name.toLowerCase();
    if (seen.has(lower)) throw err(1060, '42S21', `Duplicate column name '${def.name}'`);
    seen.add(lower);
    columns.push(columnSchema(i + 1, def, options.collation));
  });
  const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c]));

  // Keys: column-level PRIMARY KEY / UNIQUE, then table constraints, in order.
  let primary: IndexSchema | undefined;
  const indexes: IndexSchema[] = [];
  const foreignKeys: ForeignKeySchema[] = [];
  const keyNames = new Set<string>();
  const addIndex = (index: IndexSchema) => {
    const lower = index.name.toLowerCase();
    if (keyNames.has(lower)) throw err(1061, '42000', `Duplicate key name '${index.name}'`);
    keyNames.add(lower);
    indexes.push(index);
  };
  const setPrimary = (columnsOfKey: readonly IndexColumn[]) => {
    if (primary !== undefined) throw err(1068, '42000', 'Multiple primary key defined');
    primary = { name: 'PRIMARY', unique: true, parts: parts(columnsOfKey, byName) };
  };
  for (const def of ast.columns) {
    if (def.primaryKey === true) setPrimary([{ name: def.name }]);
  }
  for (const def of ast.columns) {
    if (def.unique === true) {
      addIndex({
        name: uniqueName(def.name, keyNames),
        unique: true,
        parts: parts([{ name: def.name }], byName),
      });
    }
    if (def.references !== undefined) {
      foreignKeys.push({
        name: `${ast.table.name}_ibfk_${foreignKeys.length + 1}`,
        columns: [def.name],
        refTable: def.references.table.name,
        ...(def.references.table.db === undefined ? {} : { refDatabase: def.references.table.db }),
        refColumns: def.references.columns,
      });
    }
  }
  for (const constraint of ast.constraints) {
    addConstraint(constraint, {
      setPrimary,
      addIndex,
      byName,
      keyNames,
      foreignKeys,
      table: ast.table.name,
    });
  }
  if (foreignKeys.length > 0) {
    warnings.push({
      code: 1235,
      message: `Foreign keys are recorded but not enforced by Tessera (${foreignKeys.length} on '${ast.table.name}')`,
    });
  }

  // PRIMARY KEY columns are NOT NULL (an explicit NULL is an error, as in MySQL 8).
  const pk = primary;
  if (pk !== undefined) {
    for (const part of pk.parts) {
      const index = columns.findIndex((c) => c.id === part.columnId);
      const column = columns[index];
      if (column === undefined) continue;
      const def = ast.columns[index];
      if (def?.nullable === true) {
        throw err(
          1171,
          '42000',
          'All parts of a PRIMARY KEY must be NOT NULL; if you need NULL in a key, use UNIQUE instead',
        );
      }
      columns[index] = { ...column, nullable: false };
    }
  }

  // Key parts over BLOB/TEXT need a prefix; prefixes only on string types and within length.
  for (const index of [...(pk === undefined ? [] : [pk]), ...indexes]) {
    for (const part of index.parts) checkKeyPart(part, columns);
  }

  // At most one AUTO_INCREMENT column, and it must lead some key.
  const autos = columns.filter((c) => c.autoIncrement);
  const leads = (id: number) =>
    [...(pk === undefined ? [] : [pk]), ...indexes].some((i) => i.parts[0]?.columnId === id);
  if (autos.length > 1 || (autos[0] !== undefined && !leads(autos[0].id))) {
    throw err(
      1075,
      '42000',
      'Incorrect table definition; there can be only one auto column and it must be defined as a key',
    );
  }

  // No primary key: a hidden BIGINT UNSIGNED AUTO_INCREMENT row id is the key (Xpand, InnoDB).
  let nextColumnId = columns.length + 1;
  let primaryKey = pk;
  if (primaryKey === undefined) {
    const hidden: ColumnSchema = {
      id: nextColumnId++,
      name: hiddenRowIdColumn,
      type: { name: 'bigint', family: 'int', unsigned: true, intBytes: 8 },
      nullable: false,
      default: { kind: 'none' },
      autoIncrement: true,
      onUpdateCurrentTimestamp: false,
      hidden: true,
    };
    columns.push(hidden);
    primaryKey = { name: 'PRIMARY', unique: true, parts: [{ columnId: hidden.id }] };
  }
  if (options.distributionColumns > primaryKey.parts.length) {
    throw err(
      1235,
      '42000',
      `DISTRIBUTE = ${options.distributionColumns} exceeds the ${primaryKey.parts.length} primary key column(s)`,
    );
  }

  return {
    definition: {
      format: 1,
      columns,
      primaryKey,
      indexes,
      foreignKeys,
      nextColumnId,
      options,
    },
    warnings,
  };
}

interface ConstraintSink {
  readonly setPrimary: (columns: readonly IndexColumn[]) => void;
  readonly addIndex: (index: IndexSchema) => void;
  readonly byName: ReadonlyMap<string, ColumnSchema>;
  readonly keyNames: ReadonlySet<string>;
  readonly foreignKeys: ForeignKeySchema[];
  readonly table: string;
}

function addConstraint(constraint: TableConstraint, sink: ConstraintSink): void {
  switch (constraint.kind) {
    case 'primaryKey':
      sink.setPrimary(constraint.columns);
      return;
    case 'index': {
      if (constraint.indexType !== undefined) {
        throw new SqlNotSupportedError(`${constraint.indexType} indexes`, 0);
      }
      const first = constraint.columns[0]?.name ?? 'key';
      const name = constraint.name ?? uniqueName(first, sink.keyNames);
      if (name.toUpperCase() === 'PRIMARY') {
        throw err(1280, '42000', `Incorrect index name '${name}'`);
      }
      checkIdentifier(name);
      sink.addIndex({
        name,
        unique: constraint.unique,
        parts: parts(constraint.columns, sink.byName),
        ...(constraint.options.comment === undefined
          ? {}
          : { comment: constraint.options.comment }),
      });
      return;
    }
    case 'foreignKey':
      for (const column of constraint.columns) {
        if (!sink.byName.has(column.toLowerCase())) {
          throw err(1072, '42000', `Key column '${column}' doesn't exist in table`);
        }
      }
      sink.foreignKeys.push({
        name: constraint.name ?? `${sink.table}_ibfk_${sink.foreignKeys.length + 1}`,
        columns: constraint.columns,
        refTable: constraint.references.table.name,
        ...(constraint.references.table.db === undefined
          ? {}
          : { refDatabase: constraint.references.table.db }),
        refColumns: constraint.references.columns,
      });
      return;
    case 'check':
      throw new SqlNotSupportedError('CHECK constraints', 0);
  }
}

/** MySQL names an unnamed key after its first column, then `_2`, `_3`… on clashes. */
export function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base.toLowerCase()) && base.toUpperCase() !== 'PRIMARY') return base;
  for (let n = 2; ; n++) {
    const name = `${base}_${n}`;
    if (!taken.has(name.toLowerCase())) return name;
  }
}

function parts(
  columns: readonly IndexColumn[],
  byName: ReadonlyMap<string, ColumnSchema>,
): IndexPart[] {
  const seen = new Set<number>();
  return columns.map((c) => {
    const column = byName.get(c.name.toLowerCase());
    if (column === undefined) {
      throw err(1072, '42000', `Key column '${c.name}' doesn't exist in table`);
    }
    if (seen.has(column.id)) throw err(1060, '42S21', `Duplicate column name '${column.name}'`);
    seen.add(column.id);
    return {
      columnId: column.id,
      ...(c.length === undefined ? {} : { prefix: c.length }),
      ...(c.desc === true ? { desc: true } : {}),
    };
  });
}

export function checkKeyPart(part: IndexPart, columns: readonly ColumnSchema[]): void {
  const column = columns.find((c) => c.id === part.columnId);
  if (column === undefined) return;
  const family = column.type.family;
  if ((family === 'text' || family === 'blob') && part.prefix === undefined) {
    throw err(
      1170,
      '42000',
      `BLOB/TEXT column '${column.name}' used in key specification without a key length`,
    );
  }
  if (family === 'json') {
    throw err(
      3152,
      '42000',
      `JSON column '${column.name}' supports indexing only via generated columns on a specified JSON path.`,
    );
  }
  if (part.prefix !== undefined) {
    const stringy = ['char', 'varchar', 'text', 'binary', 'varbinary', 'blob'].includes(family);
    const tooLong =
      column.type.length !== undefined && family !== 'text' && family !== 'blob'
        ? part.prefix > column.type.length
        : false;
    if (!stringy || tooLong || part.prefix < 1) {
      throw err(
        1089,
        'HY000',
        "Incorrect prefix key; the used key part isn't a string, the used length is longer than the key part, or the storage engine doesn't support unique prefix keys",
      );
    }
  }
}

function tableOptions(ast: CreateTable, context: CreateTableContext): TableOptions {
  let collation = context.defaultCollation;
  let charset: string | undefined;
  let comment: string | undefined;
  let autoIncrementStart: number | undefined;
  let slices: number | undefined;
  let replicas: number | undefined;
  let distributionColumns = 1;
  const positiveInt = (name: string, value: string, max: number) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max) {
      throw err(1231, '42000', `Variable '${name}' can't be set to the value of '${value}'`);
    }
    return n;
  };
  for (const option of ast.options) {
    switch (option.name) {
      case 'ENGINE':
        // Every table is a Tessera table; the clause is accepted for compatibility (dumps).
        break;
      case 'CHARSET':
        charset = option.value.toLowerCase();
        break;
      case 'COLLATE':
        collation = option.value.toLowerCase();
        break;
      case 'COMMENT':
        comment = option.value;
        break;
      case 'AUTO_INCREMENT':
        autoIncrementStart = positiveInt('auto_increment', option.value, Number.MAX_SAFE_INTEGER);
        break;
      case 'SLICES':
        slices = positiveInt('slices', option.value, 4_096);
        break;
      case 'REPLICAS':
        replicas = positiveInt('replicas', option.value, 7);
        break;
      case 'DISTRIBUTE':
        distributionColumns = positiveInt('distribute', option.value, 16);
        break;
      default:
        // ROW_FORMAT, KEY_BLOCK_SIZE, STATS_*, …: storage-engine tuning with no meaning here.
        break;
    }
  }
  if (charset !== undefined && !collation.startsWith(`${charset}_`) && collation !== charset) {
    collation = defaultCollationOf(charset);
  }
  if (collationNamed(collation) === undefined) {
    throw err(1273, 'HY000', `Unknown collation: '${collation}'`);
  }
  return {
    collation,
    ...(comment === undefined ? {} : { comment }),
    ...(autoIncrementStart === undefined ? {} : { autoIncrementStart }),
    ...(slices === undefined ? {} : { slices }),
    ...(replicas === undefined ? {} : { replicas }),
    distributionColumns,
  };
}

export function defaultCollationOf(charset: string): string {
  switch (charset) {
    case 'utf8mb4':
      return 'utf8mb4_0900_ai_ci';
    case 'utf8':
    case 'utf8mb3':
      return 'utf8mb3_general_ci';
    case 'latin1':
      return 'latin1_swedish_ci';
    case 'binary':
      return 'binary';
    default:
      throw err(1115, '42000', `Unknown character set: '${charset}'`);
  }
}

export function checkIdentifier(name: string): void {
  if (name.length > identifierMax)
    throw err(1059, '42000', `Identifier name '${name}' is too long`);
}

const intTypes: Record<string, number> = {
  TINYINT: 1,
  SMALLINT: 2,
  MEDIUMINT: 3,
  INT: 4,
  BIGINT: 8,
};

/** A column type from its AST, with MySQL's limits checked. */
export function columnType(type: DataType, column: string, tableCollation: string): ColumnType {
  const name = type.name.toUpperCase();
  const unsigned = type.unsigned === true || type.zerofill === true;
  const textCollation = () => {
    let collation = type.collation?.toLowerCase() ?? tableCollation;
    if (type.charset !== undefined) {
      const cs = type.charset.toLowerCase();
      if (type.collation === undefined) collation = defaultCollationOf(cs);
    }
    if (collationNamed(collation) === undefined) {
      throw err(1273, 'HY000', `Unknown collation: '${collation}'`);
    }
    return collation;
  };
  const intBytes = intTypes[name];
  if (intBytes !== undefined) {
    return { name: name.toLowerCase(), family: 'int', intBytes, ...(unsigned ? { unsigned } : {}) };
  }
  switch (name) {
    case 'BOOLEAN':
      return { name: 'tinyint', family: 'int', intBytes: 1, length: 1 };
    case 'DECIMAL': {
      const precision = type.length ?? 10;
      const scale = type.scale ?? 0;
      if (precision > decimalMaxPrecision) {
        throw err(
          1426,
          '42000',
          `Too-big precision ${precision} specified for '${column}'. Maximum is ${decimalMaxPrecision}.`,
        );
      }
      if (scale > decimalMaxScale) {
        throw err(
          1425,
          '42000',
          `Too big scale ${scale} specified for column '${column}'. Maximum is ${decimalMaxScale}.`,
        );
      }
      if (scale > precision) {
        throw err(
          1427,
          '42000',
          `For float(M,D), double(M,D) or decimal(M,D), M must be >= D (column '${column}').`,
        );
      }
      return {
        name: 'decimal',
        family: 'decimal',
        precision,
        scale,
        ...(unsigned ? { unsigned } : {}),
      };
    }
    case 'FLOAT':
      // FLOAT(p) with p > 24 is a DOUBLE.
      if (type.length !== undefined && type.scale === undefined && type.length > 24) {
        return { name: 'double', family: 'double', ...(unsigned ? { unsigned } : {}) };
      }
      return { name: 'float', family: 'float', ...(unsigned ? { unsigned } : {}) };
    case 'DOUBLE':
      return { name: 'double', family: 'double', ...(unsigned ? { unsigned } : {}) };
    case 'BIT': {
      const length = type.length ?? 1;
      if (length < 1 || length > 64) {
        throw err(1439, '42000', `Display width out of range for column '${column}' (max = 64)`);
      }
      return { name: 'bit', family: 'bit', length };
    }
    case 'CHAR': {
      const length = type.length ?? 1;
      if (length > 255) {
        throw err(
          1074,
          '42000',
          `Column length too big for column '${column}' (max = 255); use BLOB or TEXT instead`,
        );
      }
      return { name: 'char', family: 'char', length, collation: textCollation() };
    }
    case 'VARCHAR': {
      if (type.length === undefined)
        throw err(1064, '42000', `VARCHAR column '${column}' needs a length`);
      if (type.length > varcharMaxChars) {
        throw err(
          1074,
          '42000',
          `Column length too big for column '${column}' (max = ${varcharMaxChars}); use BLOB or TEXT instead`,
        );
      }
      return {
        name: 'varchar',
        family: 'varchar',
        length: type.length,
        collation: textCollation(),
      };
    }
    case 'BINARY':
      return { name: 'binary', family: 'binary', length: type.length ?? 1 };
    case 'VARBINARY':
      if (type.length === undefined)
        throw err(1064, '42000', `VARBINARY column '${column}' needs a length`);
      return { name: 'varbinary', family: 'varbinary', length: type.length };
    case 'TINYTEXT':
    case 'TEXT':
    case 'MEDIUMTEXT':
    case 'LONGTEXT':
      return { name: name.toLowerCase(), family: 'text', collation: textCollation() };
    case 'TINYBLOB':
    case 'BLOB':
    case 'MEDIUMBLOB':
    case 'LONGBLOB':
      return { name: name.toLowerCase(), family: 'blob' };
    case 'DATE':
      return { name: 'date', family: 'date' };
    case 'DATETIME':
    case 'TIMESTAMP':
    case 'TIME': {
      const fsp = type.length ?? 0;
      if (fsp > 6) {
        throw err(
          1426,
          '42000',
          `Too-big precision ${fsp} specified for '${column}'. Maximum is 6.`,
        );
      }
      const family = name === 'DATETIME' ? 'datetime' : name === 'TIMESTAMP' ? 'timestamp' : 'time';
      return { name: name.toLowerCase(), family, fsp };
    }
    case 'YEAR':
      return { name: 'year', family: 'year' };
    case 'JSON':
      return { name: 'json', family: 'json' };
    case 'ENUM':
    case 'SET': {
      const values = type.values ?? [];
      if (values.length === 0) throw err(1064, '42000', `${name} column '${column}' needs members`);
      if (name === 'SET' && values.length > 64) {
        throw err(1097, 'HY000', `Too many strings for column ${column} and SET`);
      }
      const seen = new Set<string>();
      for (const v of values) {
        const key = v.toLowerCase();
        if (seen.has(key)) {
          throw err(1291, 'HY000', `Column '${column}' has duplicated value '${v}' in ${name}`);
        }
        seen.add(key);
      }
      return {
        name: name.toLowerCase(),
        family: name === 'ENUM' ? 'enum' : 'set',
        values,
        collation: textCollation(),
      };
    }
    default:
      throw new SqlNotSupportedError(`the ${name} type`, 0);
  }
}

/** A column (`id`) from its AST, with MySQL's checks (1063, 1067, 1101, 1294). */
export function columnSchema(id: number, def: ColumnDef, tableCollation: string): ColumnSchema {
  if (def.generated !== undefined) throw new SqlNotSupportedError('generated columns', 0);
  if (def.check !== undefined) throw new SqlNotSupportedError('CHECK constraints', 0);
  const type = columnType(def.type, def.name, tableCollation);
  const numeric = ['int', 'decimal', 'float', 'double'].includes(type.family);
  if (def.autoIncrement === true && !numeric) {
    throw err(1063, '42000', `Incorrect column specifier for column '${def.name}'`);
  }
  const temporal = type.family === 'datetime' || type.family === 'timestamp';
  const defaultValue = columnDefault(def, type);
  if (def.onUpdate !== undefined && (!temporal || !isCurrentTimestamp(def.onUpdate))) {
    throw err(1294, 'HY000', `Invalid ON UPDATE clause for '${def.name}' column`);
  }
  return {
    id,
    name: def.name,
    type,
    nullable: def.nullable ?? true,
    default: defaultValue,
    autoIncrement: def.autoIncrement === true,
    onUpdateCurrentTimestamp: def.onUpdate !== undefined,
    ...(def.comment === undefined ? {} : { comment: def.comment }),
  };
}

function isCurrentTimestamp(e: Expr): boolean {
  const text = formatExpr(e).toUpperCase().replace(/\s+/g, '');
  return /^(CURRENT_TIMESTAMP|NOW|LOCALTIME|LOCALTIMESTAMP)(\(\d?\))?$/.test(text);
}

/** A column's default from its AST, checked against its type (1067, 1101). */
export function columnDefault(def: ColumnDef, type: ColumnType): ColumnDefault {
  const e = def.default;
  if (e === undefined) return { kind: 'none' };
  const invalid = () => err(1067, '42000', `Invalid default value for '${def.name}'`);
  if (e.kind === 'null') {
    if (def.nullable === false || def.primaryKey === true) throw invalid();
    return { kind: 'null' };
  }
  if (isCurrentTimestamp(e)) {
    if (type.family !== 'datetime' && type.family !== 'timestamp') throw invalid();
    return { kind: 'currentTimestamp', fsp: type.fsp ?? 0 };
  }
  const literal = ['number', 'string', 'hex', 'bit', 'bool', 'temporal'].includes(e.kind);
  if (literal || (e.kind === 'unary' && e.operand.kind === 'number')) {
    if (type.family === 'text' || type.family === 'blob' || type.family === 'json') {
      // MySQL: BLOB, TEXT, GEOMETRY or JSON column can't have a literal default.
      throw err(
        1101,
        '42000',
        `BLOB, TEXT, GEOMETRY or JSON column '${def.name}' can't have a default value`,
      );
    }
    if (def.autoIncrement === true) throw invalid();
    return { kind: 'literal', sql: formatExpr(e) };
  }
  // DEFAULT (expr), MySQL 8.0.13+.
  return { kind: 'expression', sql: formatExpr(e) };
}

/** A key to add to an existing table (CREATE INDEX, ALTER TABLE ADD INDEX / UNIQUE). */
export interface IndexSpec {
  readonly name?: string;
  readonly unique: boolean;
  readonly columns: readonly IndexColumn[];
  readonly indexType?: 'FULLTEXT' | 'SPATIAL';
  readonly comment?: string;
}

/**
 * `definition` with the index `spec` added, checked as MySQL checks it: 1061 for a name in use,
 * 1072 for an unknown column, 1170 / 1089 for key parts, 1280 for PRIMARY. An unnamed key is
 * named after its first column.
 */
export function definitionWithIndex(
  definition: TableDefinition,
  spec: IndexSpec,
): { definition: TableDefinition; index: IndexSchema } {
  if (spec.indexType !== undefined) throw new SqlNotSupportedError(`${spec.indexType} indexes`, 0);
  const taken = new Set(definition.indexes.map((i) => i.name.toLowerCase()));
  const name = spec.name ?? uniqueName(spec.columns[0]?.name ?? 'key', taken);
  if (name.toUpperCase() === 'PRIMARY') throw err(1280, '42000', `Incorrect index name '${name}'`);
  checkIdentifier(name);
  if (taken.has(name.toLowerCase())) throw err(1061, '42000', `Duplicate key name '${name}'`);
  const byName = new Map(
    definition.columns.filter((c) => c.hidden !== true).map((c) => [c.name.toLowerCase(), c]),
  );
  const index: IndexSchema = {
    name,
    unique: spec.unique,
    parts: parts(spec.columns, byName),
    ...(spec.comment === undefined ? {} : { comment: spec.comment }),
  };
  for (const part of index.parts) checkKeyPart(part, definition.columns);
  return { definition: { ...definition, indexes: [...definition.indexes, index] }, index };
}

/** `definition` without index `name` (1091 when there is none; the primary key stays). */
export function definitionWithoutIndex(
  definition: TableDefinition,
  name: string,
): { definition: TableDefinition; index: IndexSchema } {
  const index = definition.indexes.find((i) => i.name.toLowerCase() === name.toLowerCase());
  if (index === undefined) {
    throw err(1091, '42000', `Can't DROP '${name}'; check that column/key exists`);
  }
  // The AUTO_INCREMENT column must still lead some key.
  const auto = definition.columns.find((c) => c.autoIncrement);
  const rest = [definition.primaryKey, ...definition.indexes.filter((i) => i !== index)];
  if (auto !== undefined && !rest.some((i) => i.parts[0]?.columnId === auto.id)) {
    throw err(
      1075,
      '42000',
      'Incorrect table definition; there can be only one auto column and it must be defined as a key',
    );
  }
  return {
    definition: { ...definition, indexes: definition.indexes.filter((i) => i !== index) },
    index,
  };
}
