// @tessera/sql — the MySQL-dialect SQL front end: lexer, parser, AST, errors, printer.

export type * from './ast.js';
export {
  SqlError,
  SqlSyntaxError,
  SqlNotSupportedError,
  SqlEmptyQueryError,
  positionOf,
} from './errors.js';
export type { SqlErrorCode, SqlPosition } from './errors.js';
export { parse, parseOne, parseMulti } from './parser.js';
export type { ParseOptions, ParsedStatement } from './parser.js';
export { splitStatements } from './split.js';
export type { SplitOptions } from './split.js';
export { SERVER_VERSION } from './lexer.js';
export { RESERVED } from './keywords.js';
export { formatSql, formatExpr, formatDataType, quoteIdent, quoteString } from './format.js';
// Storage encodings: memcomparable keys (collation-aware) and rows by column id.
export {
  collationNamed,
  collations,
  compareText,
  defaultCollation,
  encodeKey,
  encodeKeyField,
  KeyEncodingError,
  keyFieldLengths,
  KeyWriter,
  normalizeDecimal,
  sortKey,
} from './encoding/key-codec.js';
export type { Collation, KeyType, KeyValue } from './encoding/key-codec.js';
export { decodeRow, encodeRow, RowEncodingError } from './encoding/row-codec.js';
export type { RowValue } from './encoding/row-codec.js';
// Schema: table definitions as the catalog stores them, from CREATE TABLE with MySQL's checks.
export { SqlSemanticError } from './errors.js';
export { columnType, tableDefinitionFromCreate } from './schema/create-table.js';
export type { CreateTableContext, CreatedDefinition } from './schema/create-table.js';
export {
  characterSetOf,
  columnById,
  columnByName,
  hiddenRowIdColumn,
  keyTypeOf,
} from './schema/definition.js';
export type {
  ColumnDefault,
  ColumnSchema,
  ColumnType,
  ForeignKeySchema,
  IndexPart,
  IndexSchema,
  TableDefinition,
  TableOptions,
  TypeFamily,
} from './schema/definition.js';
// Where rows and index entries live: representation-prefixed keys, routed by distribution key.
export {
  CatalogRouter,
  representationIdOfKey,
  RepresentationLayout,
  representationPrefix,
  RoutingTable,
} from './storage/layout.js';
export { sqlKeyHasher, sqlKeyHasherName, sqlKeyHasherSpec } from './storage/key-hasher.js';
export { keyHasherOfSlice, refreshRouting } from './engine/tables.js';
// The expression evaluator (MySQL 8.0 semantics).
export * from './eval/index.js';
// The engine: sessions over the catalog port (DDL, SET, SHOW, SELECT without FROM so far).
export type {
  CatalogCommand,
  CatalogDatabaseView,
  CatalogOutcome,
  CatalogPort,
  CatalogAccountView,
  CatalogGrantView,
  CatalogTableView,
  CatalogView,
  RebalancerActivityView,
  ReplicaStatsView,
} from './engine/catalog-port.js';
export type { EngineResult, EngineWarning, ResultColumn } from './engine/ddl.js';
export { systemDatabases } from './engine/ddl.js';
export { serverVersion, SqlSession } from './engine/session.js';
// Accounts and privileges (the host's root bootstrap grants ALL PRIVILEGES ON *.*).
export { allPrivilegesAt, hasPrivilege } from './engine/privileges.js';
export type { AccountName, PrivilegeLevel, PrivilegeName } from './engine/privileges.js';
export type { SessionDeps, StatementOutcome } from './engine/session.js';
// Sessions as SQL: the gateway implements the ProcessPort (PROCESSLIST, KILL, SHOW STATUS).
export type { KillScope, ProcessInfo, ProcessPort } from './engine/processes.js';
// ALTER CLUSTER ADD / DRAIN / REMOVE / KILL / RESTART NODE: the host implements the
// ClusterOpsPort; zone names are checked by one rule (SQL, API, embedded cluster).
export { ZONE_NAME_LENGTH_MAX, zoneNameProblem } from './engine/cluster-ops.js';
export type { ClusterOpOutcome, ClusterOpsPort } from './engine/cluster-ops.js';
// COM_FIELD_LIST: a table's columns with their defaults.
export { fieldList } from './engine/field-list.js';
export type { FieldListColumn } from './engine/field-list.js';
// Scan pushdown: the 'sql' processor data nodes register with the store that serves scans.
export { sqlScanProcessor, SQL_PROCESSOR } from './pushdown/index.js';
export type { SqlScanProcessor } from './pushdown/index.js';
