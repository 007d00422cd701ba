/**
 * `information_schema`: what drivers, ORMs and GUI tools read about databases, tables, columns
 * and keys, computed from the catalog view at statement time (read-only, nothing stored).
 * Tables and columns as MySQL 8 names them (upper case; table names match case-insensitively).
 *
 * | table | one row per |
 * | --- | --- |
 * | SCHEMATA | database (system databases included) |
 * | TABLES | table (the `system` database's as SYSTEM VIEW) |
 * | COLUMNS | visible column of a user table |
 * | STATISTICS | column of an index (PRIMARY included) |
 * | KEY_COLUMN_USAGE | column of a PRIMARY or UNIQUE key |
 * | PROCESSLIST | connection of this gateway the user may see (processes.ts) |
 */
import { defaultCollation } from '../encoding/key-codec.js';
import { SqlSemanticError } from '../errors.js';
import { int, str } from '../eval/value.js';
import type { SqlValue } from '../eval/value.js';
import type { ColumnSchema, ColumnType, TableDefinition } from '../schema/definition.js';
import { characterSetOf } from '../schema/definition.js';
import type { CatalogView } from './catalog-port.js';
import { systemDatabases } from './ddl.js';
import { defaultText, extraOf, keyOf, typeText } from './describe.js';
import { processlistTable } from './processes.js';
import type { SystemTable } from './system-tables.js';
import { systemDatabase, systemTable, systemTableNames } from './system-tables.js';

export const informationSchema = 'information_schema';

const bigintType: ColumnType = { name: 'bigint', family: 'int', intBytes: 8, unsigned: true };
const textType = (length = 64): ColumnType => ({
  name: 'varchar',
  family: 'varchar',
  length,
  collation: 'utf8mb3_general_ci',
});

function column(id: number, name: string, type: ColumnType, nullable = true): ColumnSchema {
  return {
    id,
    name,
    type,
    nullable,
    default: { kind: 'none' },
    autoIncrement: false,
    onUpdateCurrentTimestamp: false,
  };
}

const s = (v: string | null | undefined): SqlValue =>
  v === null || v === undefined ? null : str(v, defaultCollation);
const n = (v: number | null | undefined): SqlValue =>
  v === null || v === undefined ? null : int(v);

function userTables(view: CatalogView) {
  return view.tables.map((t) => ({ view: t, def: t.definition as TableDefinition }));
}

/** Characters → bytes as MySQL reports CHARACTER_OCTET_LENGTH (utf8mb4: 4 per character). */
function octets(type: ColumnType): number | null {
  const chars = characterLength(type);
  if (chars === null) return null;
  const charset = type.collation === undefined ? 'binary' : characterSetOf(type.collation);
  const per = charset === 'utf8mb4' ? 4 : charset === 'utf8mb3' || charset === 'utf8' ? 3 : 1;
  return chars * per;
}

const TEXT_BYTES: Readonly<Record<string, number>> = {
  tinytext: 255,
  text: 65_535,
  mediumtext: 16_777_215,
  longtext: 4_294_967_295,
  tinyblob: 255,
  blob: 65_535,
  mediumblob: 16_777_215,
  longblob: 4_294_967_295,
};

function characterLength(type: ColumnType): number | null {
  const f = type.family;
  if (f === 'char' || f === 'varchar' || f === 'binary' || f === 'varbinary') {
    return type.length ?? 1;
  }
  if (f === 'text' || f === 'blob') return TEXT_BYTES[type.name] ?? 4_294_967_295;
  if (f === 'enum' || f === 'set') {
    return Math.max(1, ...(type.values ?? []).map((v) => v.length));
  }
  return null;
}

const INT_DIGITS: Readonly<Record<number, number>> = { 1: 3, 2: 5, 3: 7, 4: 10, 8: 19 };

function numericPrecision(type: ColumnType): [number | null, number | null] {
  const f = type.family;
  if (f === 'int') {
    const d = INT_DIGITS[type.intBytes ?? 4] ?? 10;
    return [type.unsigned === true && d === 19 ? 20 : d, 0];
  }
  if (f === 'decimal') return [type.precision ?? 10, type.scale ?? 0];
  if (f === 'float') return [12, null];
  if (f === 'double') return [22, null];
  if (f === 'bit') return [type.length ?? 1, null];
  return [null, null];
}

const tables: Readonly<Record<string, SystemTable>> = {
  SCHEMATA: {
    columns: [
      column(1, 'CATALOG_NAME', textType(), false),
      column(2, 'SCHEMA_NAME', textType(), false),
      column(3, 'DEFAULT_CHARACTER_SET_NAME', textType(), false),
      column(4, 'DEFAULT_COLLATION_NAME', textType(), false),
      column(5, 'SQL_PATH', textType(512)),
      column(6, 'DEFAULT_ENCRYPTION', textType(3), false),
    ],
    rows: (view) =>
      [...systemDatabases, ...view.databases.map((d) => d.name)]
        .sort()
        .map((name) => [
          s('def'),
          s(name),
          s(name === informationSchema ? 'utf8mb3' : characterSetOf(defaultCollation.name)),
          s(name === informationSchema ? 'utf8mb3_general_ci' : defaultCollation.name),
          null,
          s('NO'),
        ]),
  },
  TABLES: {
    columns: [
      column(1, 'TABLE_CATALOG', textType(), false),
      column(2, 'TABLE_SCHEMA', textType(), false),
      column(3, 'TABLE_NAME', textType(), false),
      column(4, 'TABLE_TYPE', textType(), false),
      column(5, 'ENGINE', textType()),
      column(6, 'VERSION', bigintType),
      column(7, 'ROW_FORMAT', textType(10)),
      column(8, 'TABLE_ROWS', bigintType),
      column(9, 'AUTO_INCREMENT', bigintType),
      column(10, 'TABLE_COLLATION', textType()),
      column(11, 'CREATE_OPTIONS', textType(256)),
      column(12, 'TABLE_COMMENT', textType(2048)),
    ],
    rows: (view) => [
      ...userTables(view).map(({ view: t, def }) => {
        const auto = def.columns.some((c) => c.autoIncrement && c.hidden !== true);
        const options = [
          ...(def.options.slices === undefined ? [] : [`slices=${def.options.slices}`]),
          ...(def.options.replicas === undefined ? [] : [`replicas=${def.options.replicas}`]),
        ].join(' ');
        return [
          s('def'),
          s(t.database),
          s(t.name),
          s('BASE TABLE'),
          s('Tessera'),
          n(t.version),
          s('Dynamic'),
          // Not counted without reading every slice; NULL as for a view.
          null,
          auto ? n(t.autoIncrementNext) : null,
          s(def.options.collation),
          s(options),
          s(def.options.comment ?? ''),
        ];
      }),
      ...systemTableNames().map((name) => [
        s('def'),
        s(systemDatabase),
        s(name),
        s('SYSTEM VIEW'),
        null,
        n(10),
        null,
        null,
        null,
        null,
        s(''),
        s(''),
      ]),
    ],
  },
  COLUMNS: {
    columns: [
      column(1, 'TABLE_CATALOG', textType(), false),
      column(2, 'TABLE_SCHEMA', textType(), false),
      column(3, 'TABLE_NAME', textType(), false),
      column(4, 'COLUMN_NAME', textType()),
      column(5, 'ORDINAL_POSITION', bigintType, false),
      column(6, 'COLUMN_DEFAULT', textType(65_535)),
      column(7, 'IS_NULLABLE', textType(3), false),
      column(8, 'DATA_TYPE', textType()),
      column(9, 'CHARACTER_MAXIMUM_LENGTH', bigintType),
      column(10, 'CHARACTER_OCTET_LENGTH', bigintType),
      column(11, 'NUMERIC_PRECISION', bigintType),
      column(12, 'NUMERIC_SCALE', bigintType),
      column(13, 'DATETIME_PRECISION', bigintType),
      column(14, 'CHARACTER_SET_NAME', textType()),
      column(15, 'COLLATION_NAME', textType()),
      column(16, 'COLUMN_TYPE', textType(65_535), false),
      column(17, 'COLUMN_KEY', textType(3), false),
      column(18, 'EXTRA', textType(256)),
      column(19, 'PRIVILEGES', textType(154)),
      column(20, 'COLUMN_COMMENT', textType(1024), false),
      column(21, 'GENERATION_EXPRESSION', textType(65_535), false),
    ],
    rows: (view) =>
      userTables(view).flatMap(({ view: t, def }) =>
        def.columns
          .filter((c) => c.hidden !== true)
          .map((c, i) => {
            const [precision, scale] = numericPrecision(c.type);
            const temporal = ['datetime', 'timestamp', 'time'].includes(c.type.family);
            return [
              s('def'),
              s(t.database),
              s(t.name),
              s(c.name),
              n(i + 1),
              s(defaultText(c)),
              s(c.nullable ? 'YES' : 'NO'),
              s(c.type.name),
              n(characterLength(c.type)),
              n(octets(c.type)),
              n(precision),
              n(scale),
              n(temporal ? (c.type.fsp ?? 0) : null),
              s(c.type.collation === undefined ? null : characterSetOf(c.type.collation)),
              s(c.type.collation ?? null),
              s(typeText(c.type)),
              s(keyOf(c, def)),
              s(extraOf(c)),
              s('select,insert,update,references'),
              s(c.comment ?? ''),
              s(''),
            ];
          }),
      ),
  },
  STATISTICS: {
    columns: [
      column(1, 'TABLE_CATALOG', textType(), false),
      column(2, 'TABLE_SCHEMA', textType(), false),
      column(3, 'TABLE_NAME', textType(), false),
      column(4, 'NON_UNIQUE', bigintType, false),
      column(5, 'INDEX_SCHEMA', textType(), false),
      column(6, 'INDEX_NAME', textType()),
      column(7, 'SEQ_IN_INDEX', bigintType, false),
      column(8, 'COLUMN_NAME', textType()),
      column(9, 'COLLATION', textType(1)),
      column(10, 'CARDINALITY', bigintType),
      column(11, 'SUB_PART', bigintType),
      column(12, 'PACKED', textType(10)),
      column(13, 'NULLABLE', textType(3), false),
      column(14, 'INDEX_TYPE', textType(11), false),
      column(15, 'COMMENT', textType(8), false),
      column(16, 'INDEX_COMMENT', textType(2048), false),
      column(17, 'IS_VISIBLE', textType(3), false),
    ],
    rows: (view) =>
      userTables(view).flatMap(({ view: t, def }) =>
        [def.primaryKey, ...def.indexes]
          .filter((index) =>
            index.parts.every((p) => def.columns.find((c) => c.id === p.columnId)?.hidden !== true),
          )
          .flatMap((index) =>
            index.parts.map((p, seq) => {
              const c = def.columns.find((x) => x.id === p.columnId);
              return [
                s('def'),
                s(t.database),
                s(t.name),
                n(index.unique ? 0 : 1),
                s(t.database),
                s(index.name),
                n(seq + 1),
                s(c?.name ?? null),
                s(p.desc === true ? 'D' : 'A'),
                null,
                n(p.prefix ?? null),
                null,
                s(c?.nullable === true ? 'YES' : ''),
                s('BTREE'),
                s(''),
                s(index.comment ?? ''),
                s('YES'),
              ];
            }),
          ),
      ),
  },
  KEY_COLUMN_USAGE: {
    columns: [
      column(1, 'CONSTRAINT_CATALOG', textType(), false),
      column(2, 'CONSTRAINT_SCHEMA', textType(), false),
      column(3, 'CONSTRAINT_NAME', textType()),
      column(4, 'TABLE_CATALOG', textType(), false),
      column(5, 'TABLE_SCHEMA', textType(), false),
      column(6, 'TABLE_NAME', textType(), false),
      column(7, 'COLUMN_NAME', textType()),
      column(8, 'ORDINAL_POSITION', bigintType, false),
      column(9, 'POSITION_IN_UNIQUE_CONSTRAINT', bigintType),
      column(10, 'REFERENCED_TABLE_SCHEMA', textType()),
      column(11, 'REFERENCED_TABLE_NAME', textType()),
      column(12, 'REFERENCED_COLUMN_NAME', textType()),
    ],
    rows: (view) =>
      userTables(view).flatMap(({ view: t, def }) =>
        [def.primaryKey, ...def.indexes.filter((i) => i.unique)]
          .filter((index) =>
            index.parts.every((p) => def.columns.find((c) => c.id === p.columnId)?.hidden !== true),
          )
          .flatMap((index) =>
            index.parts.map((p, i) => [
              s('def'),
              s(t.database),
              s(index.name),
              s('def'),
              s(t.database),
              s(t.name),
              s(def.columns.find((c) => c.id === p.columnId)?.name ?? null),
              n(i + 1),
              null,
              null,
              null,
              null,
            ]),
          ),
      ),
  },
  PROCESSLIST: processlistTable,
};

export function informationSchemaTableNames(): string[] {
  return Object.keys(tables).sort();
}

/** An information_schema table (names match case-insensitively), or 1109 as MySQL answers. */
export function informationSchemaTable(name: string): SystemTable {
  const table = tables[name.toUpperCase()];
  if (table === undefined) {
    throw new SqlSemanticError(1109, '42S02', `Unknown table '${name}' in ${informationSchema}`);
  }
  return table;
}

/** Whether `database` is computed rather than stored (`system`, `information_schema`). */
export function isVirtualDatabase(database: string | undefined): boolean {
  return database === systemDatabase || database?.toLowerCase() === informationSchema;
}

/** The virtual table `database`.`name` (see isVirtualDatabase). */
export function virtualTable(database: string, name: string): SystemTable {
  return database === systemDatabase ? systemTable(name) : informationSchemaTable(name);
}
