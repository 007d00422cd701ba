// The statement AST: plain, readonly data. Every node is a discriminated union member with a
// `kind`; nothing holds methods, so an AST can be compared, cloned and serialised freely.
// Names keep the case they were written in (MySQL compares most of them case-insensitively;
// that is the binder's business). Keywords and function names are upper-cased.
//
// `pos` is the start offset of a node in the statement text, present where later layers may
// need to point at the text (column and table references, function calls, statements).

// ---------------------------------------------------------------------------------------------
// Hints

export interface Hint {
  /** `optimizer`: from `/*+ ... *\/`; `routing`: `/*FORCE_MASTER*\/` / `/*FORCE_SLAVE*\/`. */
  readonly kind: 'optimizer' | 'routing';
  /** Upper-cased hint name, e.g. `MAX_EXECUTION_TIME`, `FORCE_MASTER`. */
  readonly name: string;
  readonly args: readonly string[];
  /** The whole comment as written. */
  readonly text: string;
}

// ---------------------------------------------------------------------------------------------
// Expressions

export interface NumberLiteral {
  readonly kind: 'number';
  /** Exact text as written (`42`, `3.140`, `1e-3`), so DECIMAL keeps every digit. */
  readonly text: string;
  readonly numberType: 'int' | 'decimal' | 'float';
}
export interface StringLiteral {
  readonly kind: 'string';
  readonly value: string;
  /** Introducer (`_utf8mb4'x'` → `utf8mb4`), or `national` for `N'x'`. */
  readonly charset?: string;
}
export interface HexLiteral {
  readonly kind: 'hex';
  /** Hex digits, without `X'` / `0x`. */
  readonly digits: string;
  readonly charset?: string;
}
export interface BitLiteral {
  readonly kind: 'bit';
  readonly digits: string;
}
export interface BoolLiteral {
  readonly kind: 'bool';
  readonly value: boolean;
}
export interface NullLiteral {
  readonly kind: 'null';
}
/** `DATE '2024-01-01'`, `TIME '...'`, `TIMESTAMP '...'`. */
export interface TemporalLiteral {
  readonly kind: 'temporal';
  readonly type: 'DATE' | 'TIME' | 'TIMESTAMP';
  readonly value: string;
}
/** A `?` placeholder; `index` counts from 0 in text order over the statement. */
export interface Param {
  readonly kind: 'param';
  readonly index: number;
}
export interface ColumnRef {
  readonly kind: 'column';
  readonly db?: string;
  readonly table?: string;
  readonly name: string;
  readonly pos: number;
}
export interface UserVar {
  readonly kind: 'userVar';
  readonly name: string;
}
export type VarScope = 'session' | 'global' | 'persist' | 'persist_only';
export interface SysVar {
  readonly kind: 'sysVar';
  /** Absent for `@@x` (session if the variable has one, else global). */
  readonly scope?: VarScope;
  readonly name: string;
}
/** `DEFAULT` in a VALUES row or SET list. */
export interface DefaultExpr {
  readonly kind: 'default';
}
export type UnaryOp = '-' | '+' | '~' | '!' | 'NOT' | 'BINARY';
export interface UnaryExpr {
  readonly kind: 'unary';
  readonly op: UnaryOp;
  readonly operand: Expr;
}
export type BinaryOp =
  | 'OR'
  | 'XOR'
  | 'AND'
  | '='
  | '<=>'
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | '|'
  | '&'
  | '<<'
  | '>>'
  | '+'
  | '-'
  | '*'
  | '/'
  | 'DIV'
  | '%'
  | '^'
  | '->'
  | '->>';
export interface BinaryExpr {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}
/** `@v := expr` inside an expression. */
export interface AssignExpr {
  readonly kind: 'assign';
  readonly target: UserVar;
  readonly value: Expr;
}
export interface IsExpr {
  readonly kind: 'is';
  readonly not: boolean;
  readonly value: 'NULL' | 'TRUE' | 'FALSE' | 'UNKNOWN';
  readonly operand: Expr;
}
export interface LikeExpr {
  readonly kind: 'like';
  readonly not: boolean;
  readonly operand: Expr;
  readonly pattern: Expr;
  readonly escape?: Expr;
}
export interface RegexpExpr {
  readonly kind: 'regexp';
  readonly not: boolean;
  readonly operand: Expr;
  readonly pattern: Expr;
}
export interface InListExpr {
  readonly kind: 'in';
  readonly not: boolean;
  readonly operand: Expr;
  readonly list: readonly Expr[];
}
export interface InSubqueryExpr {
  readonly kind: 'inSubquery';
  readonly not: boolean;
  readonly operand: Expr;
  readonly query: Query;
}
export interface BetweenExpr {
  readonly kind: 'between';
  readonly not: boolean;
  readonly operand: Expr;
  readonly low: Expr;
  readonly high: Expr;
}
export interface ExistsExpr {
  readonly kind: 'exists';
  readonly query: Query;
}
/** A scalar (or row) subquery. */
export interface SubqueryExpr {
  readonly kind: 'subquery';
  readonly query: Query;
}
/** `a > ANY (SELECT ...)`, `a = ALL (...)`; `SOME` is read as `ANY`. */
export interface QuantifiedExpr {
  readonly kind: 'quantified';
  readonly op: '=' | '<=>' | '<>' | '<' | '<=' | '>' | '>=';
  readonly quantifier: 'ANY' | 'ALL';
  readonly operand: Expr;
  readonly query: Query;
}
export interface CaseExpr {
  readonly kind: 'case';
  readonly operand?: Expr;
  readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
  readonly else?: Expr;
}
/** `CAST(x AS type)` and `CONVERT(x, type)`. */
export interface CastExpr {
  readonly kind: 'cast';
  readonly operand: Expr;
  readonly type: CastType;
}
/** `CONVERT(x USING charset)`. */
export interface ConvertUsingExpr {
  readonly kind: 'convertUsing';
  readonly operand: Expr;
  readonly charset: string;
}
export interface CollateExpr {
  readonly kind: 'collate';
  readonly operand: Expr;
  readonly collation: string;
}
/** `INTERVAL expr unit`, as an operand of `+`/`-` or an argument of DATE_ADD and friends. */
export interface IntervalExpr {
  readonly kind: 'interval';
  readonly value: Expr;
  readonly unit: IntervalUnit;
}
/** `EXTRACT(unit FROM expr)`. */
export interface ExtractExpr {
  readonly kind: 'extract';
  readonly unit: IntervalUnit;
  readonly operand: Expr;
}
/** `(a, b)` or `ROW(a, b)`. */
export interface RowExpr {
  readonly kind: 'row';
  readonly items: readonly Expr[];
}
export interface FuncCall {
  readonly kind: 'call';
  /** Upper-cased; a schema-qualified call keeps its schema in `db`. */
  readonly name: string;
  readonly db?: string;
  readonly args: readonly Expr[];
  /** `COUNT(*)`. */
  readonly star?: boolean;
  /** `COUNT(DISTINCT a, b)`, `SUM(DISTINCT x)`, `GROUP_CONCAT(DISTINCT ...)`. */
  readonly distinct?: boolean;
  /** GROUP_CONCAT's ORDER BY. */
  readonly orderBy?: readonly OrderItem[];
  /** GROUP_CONCAT's SEPARATOR. */
  readonly separator?: string;
  /** TIMESTAMPADD / TIMESTAMPDIFF: the unit written as the first argument. */
  readonly unit?: IntervalUnit;
  /** TRIM(LEADING|TRAILING|BOTH [remstr] FROM str): args are [str, remstr?]. */
  readonly trimSide?: 'BOTH' | 'LEADING' | 'TRAILING';
  readonly pos: number;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | HexLiteral
  | BitLiteral
  | BoolLiteral
  | NullLiteral
  | TemporalLiteral
  | Param
  | ColumnRef
  | UserVar
  | SysVar
  | DefaultExpr
  | UnaryExpr
  | BinaryExpr
  | AssignExpr
  | IsExpr
  | LikeExpr
  | RegexpExpr
  | InListExpr
  | InSubqueryExpr
  | BetweenExpr
  | ExistsExpr
  | SubqueryExpr
  | QuantifiedExpr
  | CaseExpr
  | CastExpr
  | ConvertUsingExpr
  | CollateExpr
  | IntervalExpr
  | ExtractExpr
  | RowExpr
  | FuncCall;

export type IntervalUnit =
  | 'MICROSECOND'
  | 'SECOND'
  | 'MINUTE'
  | 'HOUR'
  | 'DAY'
  | 'WEEK'
  | 'MONTH'
  | 'QUARTER'
  | 'YEAR'
  | 'SECOND_MICROSECOND'
  | 'MINUTE_MICROSECOND'
  | 'MINUTE_SECOND'
  | 'HOUR_MICROSECOND'
  | 'HOUR_SECOND'
  | 'HOUR_MINUTE'
  | 'DAY_MICROSECOND'
  | 'DAY_SECOND'
  | 'DAY_MINUTE'
  | 'DAY_HOUR'
  | 'YEAR_MONTH';

/** Target of CAST / CONVERT. */
export interface CastType {
  /** BINARY, CHAR, DATE, DATETIME, TIME, DECIMAL, SIGNED, UNSIGNED, JSON, DOUBLE, FLOAT, YEAR. */
  readonly name: string;
  readonly length?: number;
  readonly scale?: number;
  readonly charset?: string;
}

// ---------------------------------------------------------------------------------------------
// Queries

export interface TableName {
  readonly db?: string;
  readonly name: string;
  readonly pos: number;
}

export interface IndexHint {
  readonly type: 'USE' | 'IGNORE' | 'FORCE';
  readonly scope?: 'JOIN' | 'ORDER BY' | 'GROUP BY';
  readonly indexes: readonly string[];
}

export interface TableSource {
  readonly kind: 'table';
  readonly table: TableName;
  readonly alias?: string;
  readonly indexHints?: readonly IndexHint[];
}
export interface DerivedTable {
  readonly kind: 'derived';
  readonly query: Query;
  readonly alias: string;
  readonly columns?: readonly string[];
}
export type JoinType = 'INNER' | 'LEFT' | 'RIGHT' | 'CROSS' | 'STRAIGHT';
export interface Join {
  readonly kind: 'join';
  readonly type: JoinType;
  readonly natural?: boolean;
  readonly left: TableRef;
  readonly right: TableRef;
  readonly on?: Expr;
  readonly using?: readonly string[];
}
export type TableRef = TableSource | DerivedTable | Join;

export interface SelectExprItem {
  readonly kind: 'expr';
  readonly expr: Expr;
  readonly alias?: string;
  /** The item's text as written, which MySQL uses as the column name when there is no alias. */
  readonly source: string;
}
/** `*`, or `t.*` / `db.t.*`. */
export interface SelectStarItem {
  readonly kind: 'star';
  readonly db?: string;
  readonly table?: string;
}
export type SelectItem = SelectExprItem | SelectStarItem;

export interface OrderItem {
  readonly expr: Expr;
  readonly desc: boolean;
}
export interface Limit {
  readonly count: Expr;
  readonly offset?: Expr;
}
export interface LockClause {
  readonly mode: 'UPDATE' | 'SHARE';
  readonly wait?: 'NOWAIT' | 'SKIP LOCKED';
}

export interface Select {
  readonly kind: 'select';
  readonly hints: readonly Hint[];
  readonly distinct: boolean;
  /** Other select options as written: SQL_CALC_FOUND_ROWS, SQL_NO_CACHE, STRAIGHT_JOIN... */
  readonly options: readonly string[];
  readonly columns: readonly SelectItem[];
  /** Comma-separated FROM items (each a join tree); empty without FROM or with FROM DUAL. */
  readonly from: readonly TableRef[];
  readonly where?: Expr;
  readonly groupBy: readonly Expr[];
  readonly having?: Expr;
  readonly orderBy: readonly OrderItem[];
  readonly limit?: Limit;
  readonly lock?: LockClause;
  readonly pos: number;
}
/**
 * `left UNION|EXCEPT|INTERSECT [ALL|DISTINCT] right`, left-associative, INTERSECT binding
 * tighter (MySQL 8.0.31+); ORDER BY / LIMIT apply to the whole.
 */
export interface Union {
  readonly kind: 'union';
  readonly op: 'UNION' | 'EXCEPT' | 'INTERSECT';
  readonly hints: readonly Hint[];
  readonly left: Query;
  readonly right: Query;
  readonly all: boolean;
  readonly orderBy: readonly OrderItem[];
  readonly limit?: Limit;
  readonly pos: number;
}
export type Query = Select | Union;

// ---------------------------------------------------------------------------------------------
// DML

export interface Assignment {
  readonly column: ColumnRef;
  readonly value: Expr;
}
export type InsertSource =
  | { readonly kind: 'values'; readonly rows: readonly (readonly Expr[])[] }
  | { readonly kind: 'query'; readonly query: Query }
  | { readonly kind: 'set'; readonly assignments: readonly Assignment[] };

export interface Insert {
  readonly kind: 'insert';
  readonly hints: readonly Hint[];
  /** REPLACE INTO ... */
  readonly replace: boolean;
  readonly ignore: boolean;
  readonly priority?: 'LOW_PRIORITY' | 'DELAYED' | 'HIGH_PRIORITY';
  readonly table: TableName;
  readonly columns?: readonly string[];
  readonly source: InsertSource;
  readonly onDuplicateKeyUpdate?: readonly Assignment[];
  readonly pos: number;
}
export interface Update {
  readonly kind: 'update';
  readonly hints: readonly Hint[];
  readonly lowPriority: boolean;
  readonly ignore: boolean;
  /** One table source for the single-table form; a join tree or several for multi-table. */
  readonly tables: readonly TableRef[];
  readonly set: readonly Assignment[];
  readonly where?: Expr;
  readonly orderBy: readonly OrderItem[];
  readonly limit?: Limit;
  readonly pos: number;
}
export interface Delete {
  readonly kind: 'delete';
  readonly hints: readonly Hint[];
  readonly lowPriority: boolean;
  readonly quick: boolean;
  readonly ignore: boolean;
  /** Multi-table form: the tables rows are deleted from. Absent for the single-table form. */
  readonly targets?: readonly TableName[];
  /** Single-table form: one table source; multi-table form: the join. */
  readonly from: readonly TableRef[];
  readonly where?: Expr;
  readonly orderBy: readonly OrderItem[];
  readonly limit?: Limit;
  readonly pos: number;
}

// ---------------------------------------------------------------------------------------------
// DDL

export interface DataType {
  /**
   * Canonical upper-case name: TINYINT SMALLINT MEDIUMINT INT BIGINT DECIMAL FLOAT DOUBLE BIT
   * BOOLEAN CHAR VARCHAR BINARY VARBINARY TINYTEXT TEXT MEDIUMTEXT LONGTEXT TINYBLOB BLOB
   * MEDIUMBLOB LONGBLOB DATE DATETIME TIMESTAMP TIME YEAR JSON ENUM SET GEOMETRY...
   * Synonyms are folded: INTEGER→INT, NUMERIC/DEC/FIXED→DECIMAL, REAL→DOUBLE, BOOL→BOOLEAN.
   */
  readonly name: string;
  /** Display width / length / precision / fractional seconds, as written. */
  readonly length?: number;
  readonly scale?: number;
  readonly unsigned?: boolean;
  readonly zerofill?: boolean;
  readonly charset?: string;
  readonly collation?: string;
  /** ENUM / SET members. */
  readonly values?: readonly string[];
}

export interface ColumnDef {
  readonly name: string;
  readonly type: DataType;
  /** `NOT NULL` → false, `NULL` → true, unspecified → undefined. */
  readonly nullable?: boolean;
  readonly default?: Expr;
  readonly onUpdate?: Expr;
  readonly autoIncrement?: boolean;
  readonly primaryKey?: boolean;
  readonly unique?: boolean;
  readonly comment?: string;
  /** `GENERATED ALWAYS AS (expr) [VIRTUAL|STORED]`. */
  readonly generated?: { readonly expr: Expr; readonly stored: boolean };
  readonly check?: Expr;
  readonly references?: ForeignKeyReference;
  readonly invisible?: boolean;
}

export interface IndexColumn {
  readonly name: string;
  /** Prefix length: `name(10)`. */
  readonly length?: number;
  readonly desc?: boolean;
}
export interface IndexOptions {
  readonly using?: 'BTREE' | 'HASH';
  readonly comment?: string;
  readonly invisible?: boolean;
}
export interface ForeignKeyReference {
  readonly table: TableName;
  readonly columns: readonly string[];
  readonly onDelete?: ReferenceAction;
  readonly onUpdate?: ReferenceAction;
}
export type ReferenceAction = 'RESTRICT' | 'CASCADE' | 'SET NULL' | 'NO ACTION' | 'SET DEFAULT';

export type TableConstraint =
  | {
      readonly kind: 'primaryKey';
      readonly name?: string;
      readonly columns: readonly IndexColumn[];
      readonly options: IndexOptions;
    }
  | {
      readonly kind: 'index';
      readonly unique: boolean;
      /** FULLTEXT / SPATIAL indexes are parsed and marked. */
      readonly indexType?: 'FULLTEXT' | 'SPATIAL';
      readonly name?: string;
      readonly columns: readonly IndexColumn[];
      readonly options: IndexOptions;
    }
  | {
      readonly kind: 'foreignKey';
      readonly name?: string;
      readonly columns: readonly string[];
      readonly references: ForeignKeyReference;
    }
  | { readonly kind: 'check'; readonly name?: string; readonly expr: Expr };

export interface TableOption {
  /**
   * Canonical upper-case name: ENGINE, CHARSET (for [DEFAULT] CHARACTER SET / CHARSET),
   * COLLATE, AUTO_INCREMENT, COMMENT, ROW_FORMAT, KEY_BLOCK_SIZE, SLICES, REPLICAS, ...
   */
  readonly name: string;
  readonly value: string;
  /** How the value was written, so it prints back the same way. */
  readonly valueKind: 'string' | 'number' | 'word';
}

export interface CreateTable {
  readonly kind: 'createTable';
  readonly temporary: boolean;
  readonly ifNotExists: boolean;
  readonly table: TableName;
  readonly columns: readonly ColumnDef[];
  readonly constraints: readonly TableConstraint[];
  readonly options: readonly TableOption[];
  /** CREATE TABLE t LIKE other. */
  readonly like?: TableName;
  /** CREATE TABLE t [AS] SELECT ... */
  readonly query?: Query;
  readonly pos: number;
}
export interface DropTable {
  readonly kind: 'dropTable';
  readonly temporary: boolean;
  readonly ifExists: boolean;
  readonly tables: readonly TableName[];
  readonly pos: number;
}
export interface TruncateTable {
  readonly kind: 'truncate';
  readonly table: TableName;
  readonly pos: number;
}
export interface RenameTable {
  readonly kind: 'renameTable';
  readonly renames: readonly { readonly from: TableName; readonly to: TableName }[];
  readonly pos: number;
}
export interface ColumnPosition {
  readonly first?: boolean;
  readonly after?: string;
}
export type AlterAction =
  | { readonly kind: 'addColumn'; readonly column: ColumnDef; readonly position?: ColumnPosition }
  | { readonly kind: 'dropColumn'; readonly name: string }
  | {
      readonly kind: 'modifyColumn';
      readonly column: ColumnDef;
      readonly position?: ColumnPosition;
    }
  | {
      readonly kind: 'changeColumn';
      readonly oldName: string;
      readonly column: ColumnDef;
      readonly position?: ColumnPosition;
    }
  | { readonly kind: 'renameColumn'; readonly from: string; readonly to: string }
  | { readonly kind: 'alterColumnDefault'; readonly name: string; readonly default?: Expr }
  | { readonly kind: 'addConstraint'; readonly constraint: TableConstraint }
  | { readonly kind: 'dropIndex'; readonly name: string }
  | { readonly kind: 'dropPrimaryKey' }
  | { readonly kind: 'dropForeignKey'; readonly name: string }
  | { readonly kind: 'dropCheck'; readonly name: string }
  | { readonly kind: 'renameIndex'; readonly from: string; readonly to: string }
  | { readonly kind: 'renameTable'; readonly to: TableName }
  | { readonly kind: 'tableOptions'; readonly options: readonly TableOption[] }
  /** ALGORITHM = x / LOCK = x: how to run, not what to change. */
  | { readonly kind: 'algorithm'; readonly value: string }
  | { readonly kind: 'lock'; readonly value: string }
  | { readonly kind: 'convertCharset'; readonly charset: string; readonly collation?: string };

export interface AlterTable {
  readonly kind: 'alterTable';
  readonly table: TableName;
  readonly actions: readonly AlterAction[];
  readonly pos: number;
}
export interface CreateIndex {
  readonly kind: 'createIndex';
  readonly unique: boolean;
  readonly indexType?: 'FULLTEXT' | 'SPATIAL';
  readonly ifNotExists: boolean;
  readonly name: string;
  readonly table: TableName;
  readonly columns: readonly IndexColumn[];
  readonly options: IndexOptions;
  readonly pos: number;
}
export interface DropIndex {
  readonly kind: 'dropIndex';
  readonly name: string;
  readonly table: TableName;
  readonly pos: number;
}
export interface CreateDatabase {
  readonly kind: 'createDatabase';
  readonly ifNotExists: boolean;
  readonly name: string;
  readonly charset?: string;
  readonly collation?: string;
  readonly pos: number;
}
export interface DropDatabase {
  readonly kind: 'dropDatabase';
  readonly ifExists: boolean;
  readonly name: string;
  readonly pos: number;
}
export interface AlterDatabase {
  readonly kind: 'alterDatabase';
  readonly name?: string;
  readonly charset?: string;
  readonly collation?: string;
  readonly pos: number;
}

// ---------------------------------------------------------------------------------------------
// Session, transactions, administration

export interface Use {
  readonly kind: 'use';
  readonly db: string;
  readonly pos: number;
}

export type SetItem =
  | { readonly kind: 'names'; readonly charset: string; readonly collation?: string }
  | { readonly kind: 'charset'; readonly charset: string }
  | {
      readonly kind: 'variable';
      /** `user` for `@x`; otherwise the system variable scope (absent: session). */
      readonly scope: VarScope | 'user' | undefined;
      readonly name: string;
      readonly value: Expr;
    }
  | { readonly kind: 'password'; readonly user?: UserSpec; readonly password: string };

export interface SetStatement {
  readonly kind: 'set';
  readonly items: readonly SetItem[];
  readonly pos: number;
}
export type IsolationLevel =
  'READ UNCOMMITTED' | 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';
export interface SetTransaction {
  readonly kind: 'setTransaction';
  /** Absent: the next transaction only. */
  readonly scope?: 'SESSION' | 'GLOBAL';
  readonly isolationLevel?: IsolationLevel;
  readonly accessMode?: 'READ ONLY' | 'READ WRITE';
  readonly pos: number;
}

export type ShowTarget =
  | 'DATABASES'
  | 'TABLES'
  | 'COLUMNS'
  | 'INDEX'
  | 'CREATE TABLE'
  | 'CREATE DATABASE'
  | 'CREATE VIEW'
  | 'VARIABLES'
  | 'STATUS'
  | 'WARNINGS'
  | 'ERRORS'
  | 'COUNT WARNINGS'
  | 'COUNT ERRORS'
  | 'PROCESSLIST'
  | 'ENGINES'
  | 'CHARSET'
  | 'COLLATION'
  | 'GRANTS'
  | 'TABLE STATUS'
  | 'PRIVILEGES'
  | 'PLUGINS'
  | 'MASTER STATUS'
  | 'BINARY LOGS'
  | 'TRIGGERS'
  | 'EVENTS'
  | 'FUNCTION STATUS'
  | 'PROCEDURE STATUS'
  | 'OPEN TABLES';

export interface Show {
  readonly kind: 'show';
  readonly target: ShowTarget;
  readonly full: boolean;
  /** VARIABLES / STATUS. */
  readonly scope?: 'SESSION' | 'GLOBAL';
  /** FROM/IN db (TABLES, TABLE STATUS, COLUMNS, INDEX) or the database of SHOW CREATE DATABASE. */
  readonly db?: string;
  /** COLUMNS / INDEX / CREATE TABLE. */
  readonly table?: TableName;
  readonly like?: string;
  readonly where?: Expr;
  /** SHOW GRANTS FOR u. */
  readonly user?: UserSpec;
  /** SHOW CREATE DATABASE IF NOT EXISTS. */
  readonly ifNotExists?: boolean;
  /** SHOW WARNINGS / ERRORS LIMIT. */
  readonly limit?: Limit;
  readonly pos: number;
}
export interface Describe {
  readonly kind: 'describe';
  readonly table: TableName;
  readonly column?: string;
  readonly pos: number;
}
export interface Explain {
  readonly kind: 'explain';
  readonly format?: string;
  readonly analyze: boolean;
  readonly statement: Query | Insert | Update | Delete;
  readonly pos: number;
}

export interface Begin {
  readonly kind: 'begin';
  readonly readOnly?: boolean;
  readonly consistentSnapshot: boolean;
  readonly pos: number;
}
export interface Commit {
  readonly kind: 'commit';
  readonly pos: number;
}
export interface Rollback {
  readonly kind: 'rollback';
  readonly savepoint?: string;
  readonly pos: number;
}
export interface Savepoint {
  readonly kind: 'savepoint';
  readonly name: string;
  readonly pos: number;
}
export interface ReleaseSavepoint {
  readonly kind: 'releaseSavepoint';
  readonly name: string;
  readonly pos: number;
}
export interface LockTables {
  readonly kind: 'lockTables';
  readonly tables: readonly {
    readonly table: TableName;
    readonly alias?: string;
    readonly mode: 'READ' | 'READ LOCAL' | 'WRITE' | 'LOW_PRIORITY WRITE';
  }[];
  readonly pos: number;
}
export interface UnlockTables {
  readonly kind: 'unlockTables';
  readonly pos: number;
}
export interface Kill {
  readonly kind: 'kill';
  readonly scope: 'CONNECTION' | 'QUERY';
  readonly id: Expr;
  readonly pos: number;
}

export interface UserSpec {
  readonly user: string;
  /** `%` when not given. */
  readonly host: string;
  /** `CURRENT_USER[()]`: the session's own account (`user` and `host` are then empty). */
  readonly current?: boolean;
}
export interface UserAuth {
  readonly user: UserSpec;
  readonly password?: string;
  readonly plugin?: string;
}
export interface CreateUser {
  readonly kind: 'createUser';
  readonly ifNotExists: boolean;
  readonly users: readonly UserAuth[];
  readonly pos: number;
}
export interface AlterUser {
  readonly kind: 'alterUser';
  readonly ifExists: boolean;
  readonly users: readonly UserAuth[];
  readonly pos: number;
}
export interface DropUser {
  readonly kind: 'dropUser';
  readonly ifExists: boolean;
  readonly users: readonly UserSpec[];
  readonly pos: number;
}
export interface Privilege {
  /** Upper-cased: SELECT, INSERT, ALL (for ALL [PRIVILEGES]), CREATE USER, GRANT OPTION, ... */
  readonly name: string;
  readonly columns?: readonly string[];
}
/** `db.tbl`, `db.*`, `*.*`, `*`, `tbl`. `*` is kept as the string `*`. */
export interface GrantTarget {
  readonly db?: string;
  readonly table: string;
}
export interface Grant {
  readonly kind: 'grant';
  readonly privileges: readonly Privilege[];
  readonly on: GrantTarget;
  readonly to: readonly UserSpec[];
  readonly withGrantOption: boolean;
  readonly pos: number;
}
export interface Revoke {
  readonly kind: 'revoke';
  readonly privileges: readonly Privilege[];
  /** Absent for `REVOKE ALL PRIVILEGES, GRANT OPTION FROM u` (every level). */
  readonly on?: GrantTarget;
  readonly from: readonly UserSpec[];
  readonly pos: number;
}
export interface Flush {
  readonly kind: 'flush';
  /** Upper-cased: PRIVILEGES, TABLES, STATUS, LOGS, ... */
  readonly targets: readonly string[];
  readonly pos: number;
}
/** Tessera's own cluster administration: `ALTER CLUSTER ADD NODE [ZONE 'z']`, `DRAIN NODE n`... */
export interface AlterCluster {
  readonly kind: 'alterCluster';
  readonly action: 'ADD NODE' | 'DRAIN NODE' | 'REMOVE NODE' | 'KILL NODE' | 'RESTART NODE';
  /** The node id (absent for ADD NODE). */
  readonly node?: string;
  readonly zone?: string;
  readonly pos: number;
}
/** `DO expr, ...`. */
export interface Do {
  readonly kind: 'do';
  readonly exprs: readonly Expr[];
  readonly pos: number;
}

export type Statement =
  | Select
  | Union
  | Insert
  | Update
  | Delete
  | CreateTable
  | DropTable
  | TruncateTable
  | RenameTable
  | AlterTable
  | CreateIndex
  | DropIndex
  | CreateDatabase
  | DropDatabase
  | AlterDatabase
  | Use
  | SetStatement
  | SetTransaction
  | Show
  | Describe
  | Explain
  | Begin
  | Commit
  | Rollback
  | Savepoint
  | ReleaseSavepoint
  | LockTables
  | UnlockTables
  | Kill
  | CreateUser
  | AlterUser
  | DropUser
  | Grant
  | Revoke
  | Flush
  | AlterCluster
  | Do;

export type StatementKind = Statement['kind'];
