/**
 * One client session of the SQL engine: its current database, variables, warnings and
 * transaction flags, and the dispatch of each statement to its executor. The gateway's
 * Handler drives it (one call at a time per session).
 *
 * Built so far: the statements clients and tools send on connect (SET NAMES / autocommit /
 * session variables, SELECT @@var / DATABASE() / VERSION() and any SELECT without FROM),
 * SHOW VARIABLES / WARNINGS, USE, and the DDL in ddl.ts. Statements whose executor does not
 * exist yet are refused with 1235 (never answered with made-up results).
 *
 * Connections (processes.ts, status.ts): SHOW PROCESSLIST, KILL and SHOW STATUS go through the
 * gateway's ProcessPort (`deps.processes`), which also hears of every statement's start (its
 * Com_xxx counter). `execute` / `executePrepared` take the command's abort signal: a KILL
 * makes the running statement fail with 1317 at its next check and undoes its writes.
 *
 * Cluster operations (cluster-ops.ts): ALTER CLUSTER ADD / DRAIN / REMOVE / KILL / RESTART NODE
 * go through the host's ClusterOpsPort (`deps.clusterOps`; 1235 without it).
 *
 * Streamed results (stream-scan.ts; a session made with `streamResults`, as the gateway makes
 * them): a single-table scan answers a 'stream' result whose rows are produced while the
 * consumer reads them. The statement lasts until that stream ends (`streamed`): its autocommit
 * transaction stays open, its warnings and FOUND_ROWS() are set from the rows produced, and an
 * error mid-stream is thrown to the consumer as the MySQL error. The next statement (or a
 * reset) closes a stream left unread. ROW_COUNT() / FOUND_ROWS() follow MySQL (`counted`).
 *
 * Every statement is first checked against the session's account's grants in the catalog
 * view it starts with (session-access.ts, statement-privileges.ts); the executors then see
 * only the databases and tables the account holds some privilege on. The account statements
 * (CREATE USER, GRANT, SHOW GRANTS, ...) run in accounts.ts.
 *
 * Prepared statements (COM_STMT_PREPARE / EXECUTE / CLOSE): parsed once; each keeps a plan
 * cache (select.ts `QueryPlanCache`) of its queries' compiled FROM clauses — tables resolved,
 * WHERE / ON bound and compiled — reused by every EXECUTE whose key is unchanged: the catalog
 * version (any DDL or grant), the current database (both added by select.ts) and the session
 * settings binding and comparison read (`planCache`: collation_connection, sql_mode,
 * time_zone). Access paths are chosen again per EXECUTE (they depend on parameter values) and
 * privileges checked again. Not cached: INSERT / UPDATE / DELETE, the SELECT list / GROUP BY /
 * ORDER BY binding, FROM clauses with derived or system tables.
 *
 * COM_QUERY texts (`executeText`): a SELECT with FROM or a set operation is parameterized after
 * parsing (query-shape.ts: the literals compared in WHERE / ON become parameters) and looked up
 * by its shape in an LRU of `tessera_plan_cache_size` shapes (default 200, 0: off; SESSION
 * only). A hit runs the shape's kept statement object with this text's values and the shape's
 * `QueryPlanCache`, exactly as an EXECUTE does (same keys, same invalidation, privileges
 * checked at every run); a shape whose first run fails is dropped. Hits and misses:
 * `shapeCacheStats`, SHOW SESSION STATUS `Tessera_plan_cache_hits` / `_misses`.
 */
import type { Expr, SelectExprItem, SetStatement, Show, Statement } from '../ast.js';
import { defaultCollation } from '../encoding/key-codec.js';
import type { Collation } from '../encoding/key-codec.js';
import { collationNamed } from '../encoding/key-codec.js';
import { SqlError, SqlNotSupportedError, SqlSemanticError } from '../errors.js';
import { bind } from '../eval/bind.js';
import { createContext } from '../eval/context.js';
import type { EvalContext } from '../eval/context.js';
import { SqlEvalError } from '../eval/errors.js';
import type { EvalWarning } from '../eval/errors.js';
import { evaluate } from '../eval/evaluate.js';
import { conformValue, inferType, longlong, varString } from '../eval/types.js';
import { int, str, uint } from '../eval/value.js';
import type { SqlValue } from '../eval/value.js';
import { toText } from '../eval/convert.js';
import { parseMulti, parseOne } from '../parser.js';
import type { ParsedStatement } from '../parser.js';
import type { RoutingTable } from '../storage/layout.js';
import type { Transaction, TxnClient, TxnSavepoint } from '@tessera/txn';
import { isTxnError } from '@tessera/txn';
import type { CatalogPort, CatalogView } from './catalog-port.js';
import { hasPrivilege } from './privileges.js';
import { showColumns, showCreateTable, showIndex } from './describe.js';
import { executeDelete, executeInsert, executeUpdate } from './dml.js';
import { executeMultiDelete, executeMultiUpdate, isMultiTable } from './multi-table.js';
import {
  describeQuery,
  executeQuery,
  hasAggregate,
  hasSubquery,
  QueryPlanCache,
} from './select.js';
import { explainStatement } from './explain.js';
import { alterTable, createIndex, dropIndex } from './alter.js';
import type { AlterContext } from './alter.js';
import type { DmlContext } from './dml.js';
import { refreshRouting } from './tables.js';
import {
  alterUser,
  createUser,
  dropUser,
  grant,
  revoke,
  setPassword,
  showGrants,
} from './accounts.js';
import { SessionAccess } from './session-access.js';
import {
  kill,
  queryInterrupted,
  requirePort,
  showProcesslist,
  visibleProcesses,
} from './processes.js';
import type { ProcessInfo, ProcessPort, ProcessViewer } from './processes.js';
import { alterCluster } from './cluster-ops.js';
import type { ClusterOpsPort } from './cluster-ops.js';
import { comCounter, showStatus } from './status.js';
import { StatementStream } from './stream-scan.js';
import type { StreamEnd } from './stream-scan.js';
import {
  parameterize,
  PLAN_CACHE_SIZE_DEFAULT,
  PLAN_CACHE_SIZE_MAX,
  QueryShapeCache,
} from './query-shape.js';
import {
  STATEMENT_MEMORY_LIMIT_DEFAULT,
  STATEMENT_MEMORY_LIMIT_MIN,
  StatementWork,
} from './statement-work.js';
import { fieldList } from './field-list.js';
import type { FieldListColumn } from './field-list.js';
import type { StatementAccess } from './session-access.js';
import {
  createDatabase,
  createTable,
  dropDatabase,
  dropTable,
  renameTables,
  showDatabases,
  showTables,
  truncateTable,
  useDatabase,
} from './ddl.js';
import type { EngineResult, EngineWarning, ResultColumn } from './ddl.js';

export const serverVersion = '8.0.36-tessera';

export interface SessionDeps {
  readonly catalog: CatalogPort;
  readonly connectionId: number;
  /** The login as the client sent it and the client's address (USER()). */
  readonly user: string;
  readonly host: string;
  /**
   * The account the login matched (`host` as stored, possibly a pattern): CURRENT_USER(), and
   * whose grants every statement is checked against (privileges.ts). `usedPassword`: the
   * login proved a password (1045's "using password: YES").
   */
  readonly account: {
    readonly user: string;
    readonly host: string;
    readonly usedPassword: boolean;
  };
  /** The stored credential of `password` under `plugin` (CREATE / ALTER USER, SET PASSWORD). */
  readonly makeCredential: (plugin: string, password: string) => Promise<string>;
  /** Microseconds since the Unix epoch (statement-stable NOW()). */
  readonly nowMicros: () => bigint;
  /** Uniform in [0, 1) (RAND(), UUID()). */
  readonly random: () => number;
  /**
   * Where table data lives: a transaction client whose router is `routing` (the session
   * refreshes it from the catalog). Without it, statements on tables answer 1235.
   */
  readonly data?: { readonly txn: TxnClient; readonly routing: RoutingTable };
  /**
   * The gateway's connections, bound to this session's (processes.ts): SHOW PROCESSLIST, KILL,
   * SHOW STATUS. Without it those answer 1235.
   */
  readonly processes?: ProcessPort;
  /**
   * The host's cluster operations (cluster-ops.ts): ALTER CLUSTER ADD / DRAIN / REMOVE / KILL /
   * RESTART NODE. Without it those answer 1235.
   */
  readonly clusterOps?: ClusterOpsPort;
  /**
   * Lets the event loop run (the host: `setImmediate`): a statement's in-memory work pauses on
   * it every slice of rows so the rest of the process is served and a KILL is heard
   * (statement-work.ts). Default: a resolved promise (deterministic tests; no other task runs).
   */
  readonly yieldToEventLoop?: () => Promise<void>;
  /**
   * Single-table scans answer 'stream' results: rows produced while the consumer reads them
   * (stream-scan.ts). The gateway sets it; without it every result is an array (tests, slt).
   */
  readonly streamResults?: boolean;
}

/** A statement's outcome as the gateway writes it: a result, or MySQL's error. */
export type StatementOutcome =
  | EngineResult
  | {
      readonly kind: 'error';
      readonly errno: number;
      readonly sqlState: string;
      readonly message: string;
    };

/** Session variables with their defaults (the subset tools read and set). */
function defaultVariables(): Map<string, SqlValue> {
  const s = (v: string) => str(v, defaultCollation);
  return new Map<string, SqlValue>([
    ['autocommit', int(1)],
    ['auto_increment_increment', int(1)],
    ['auto_increment_offset', int(1)],
    ['character_set_client', s('utf8mb4')],
    ['character_set_connection', s('utf8mb4')],
    ['character_set_results', s('utf8mb4')],
    ['character_set_server', s('utf8mb4')],
    ['character_set_database', s('utf8mb4')],
    ['collation_connection', s('utf8mb4_0900_ai_ci')],
    ['collation_server', s('utf8mb4_0900_ai_ci')],
    ['collation_database', s('utf8mb4_0900_ai_ci')],
    ['div_precision_increment', int(4)],
    ['group_concat_max_len', int(1024)],
    ['init_connect', s('')],
    ['interactive_timeout', int(28_800)],
    ['license', s('Apache-2.0')],
    ['lower_case_table_names', int(0)],
    ['max_allowed_packet', int(67_108_864)],
    ['net_buffer_length', int(16_384)],
    ['net_write_timeout', int(60)],
    ['performance_schema', int(0)],
    ['query_cache_size', int(0)],
    ['query_cache_type', s('OFF')],
    [
      'sql_mode',
      s(
        'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION',
      ),
    ],
    ['sql_select_limit', uint(18_446_744_073_709_551_615n)],
    ['tessera_statement_memory_limit', uint(STATEMENT_MEMORY_LIMIT_DEFAULT)],
    // Scans push filters, projections, top-N and partial aggregates to the slices.
    ['tessera_pushdown', int(1)],
    ['tessera_plan_cache_size', uint(PLAN_CACHE_SIZE_DEFAULT)],
    ['system_time_zone', s('UTC')],
    ['time_zone', s('SYSTEM')],
    ['transaction_isolation', s('REPEATABLE-READ')],
    ['transaction_read_only', int(0)],
    ['tx_isolation', s('REPEATABLE-READ')],
    ['version', s(serverVersion)],
    ['version_comment', s('Tessera distributed SQL')],
    ['version_compile_os', s('Linux')],
    ['wait_timeout', int(28_800)],
    ['warning_count', int(0)],
    ['error_count', int(0)],
  ]);
}

const readOnlyVariables = new Set([
  'version',
  'version_comment',
  'version_compile_os',
  'license',
  'lower_case_table_names',
  'system_time_zone',
  'warning_count',
  'error_count',
  'performance_schema',
]);

/**
 * How many times an autocommit statement is run again after losing a write conflict, or
 * after a clean unavailability (UNAVAILABLE: nothing was committed).
 */
const AUTOCOMMIT_RETRIES = 8;

/**
 * How long (µs, by `nowMicros`) an autocommit statement may keep being retried after clean
 * unavailability, counted from its first attempt: the KV client's failover window (10 s,
 * vtgate's), so a statement never waits much past it however many retries it makes.
 */
const FAILOVER_WINDOW_MICROS = 10_000_000n;

export class SqlSession {
  database: string | undefined;
  inTransaction = false;
  private readonly variables = defaultVariables();
  private readonly userVars = new Map<string, SqlValue>();
  private warnings: EngineWarning[] = [];
  private collation: Collation = defaultCollation;
  /** The open explicit (BEGIN, or autocommit = 0) transaction. */
  private txn: Transaction | undefined;
  /** Prepared statements by the protocol's id. */
  private readonly prepared = new Map<
    number,
    { statement: Statement; paramCount: number; plans: QueryPlanCache }
  >();
  /** SAVEPOINTs of the open transaction, oldest first. */
  private savepoints: { readonly name: string; readonly at: TxnSavepoint }[] = [];
  /** The parameters of the prepared statement being executed. */
  private params: readonly SqlValue[] | undefined;
  /**
   * The plan cache of the prepared statement or query shape being executed (select.ts
   * `QueryPlanCache`).
   */
  private plans: QueryPlanCache | undefined;
  /** The COM_QUERY texts' shapes (query-shape.ts), `tessera_plan_cache_size` of them. */
  private readonly shapes = new QueryShapeCache(PLAN_CACHE_SIZE_DEFAULT);
  /** What literals evaluate in for `parameterize` (only the connection collation is read). */
  private literals: EvalContext | undefined;
  /** Aborted when the running command is killed (KILL QUERY / CONNECTION). */
  private signal: AbortSignal | undefined;
  /** ROW_COUNT() and FOUND_ROWS() as the previous statement left them. */
  private rowCount = -1n;
  private foundRows = 0n;
  /** The streamed result still being read (stream-scan.ts): closed before the next statement. */
  private openStream: StatementStream | undefined;
  /** Who the session is, and what the running statement was allowed to see. */
  private readonly access: SessionAccess;
  private statement: StatementAccess | undefined;

  constructor(private readonly deps: SessionDeps) {
    const { account } = deps;
    this.access = new SessionAccess(
      deps.catalog,
      {
        account: { user: account.user, host: account.host },
        user: deps.user,
        clientHost: deps.host,
        usedPassword: account.usedPassword,
      },
      deps.makeCredential,
    );
  }

  get autocommit(): boolean {
    const v = this.variables.get('autocommit');
    return v?.kind === 'int' && v.v !== 0n;
  }

  /** COM_INIT_DB and USE. */
  async use(database: string): Promise<void> {
    await this.access.authorizeUse(database);
    this.database = await useDatabase(database, {
      catalog: this.deps.catalog,
      database: this.database,
    });
  }

  /** COM_RESET_CONNECTION: variables, warnings and the transaction back to a new session's. */
  reset(): void {
    void this.closeStream().catch(() => undefined);
    void this.txn?.rollback().catch(() => undefined);
    this.txn = undefined;
    this.variables.clear();
    for (const [k, v] of defaultVariables()) this.variables.set(k, v);
    this.userVars.clear();
    this.warnings = [];
    this.inTransaction = false;
    this.collation = defaultCollation;
    this.shapes.clear();
    this.shapes.resize(PLAN_CACHE_SIZE_DEFAULT);
  }

  /**
   * COM_STMT_PREPARE: one statement, parsed once; its `?` count and, for queries, the result
   * columns (from the catalog, nothing read).
   */
  async prepare(
    id: number,
    sql: string,
  ): Promise<{ readonly paramCount: number; readonly columns: readonly ResultColumn[] }> {
    let parsed;
    try {
      parsed = parseOne(sql);
    } catch (error) {
      throw this.asSqlError(error);
    }
    const { statement, paramCount } = parsed;
    let columns: ResultColumn[] = [];
    // Privileges are checked at PREPARE as MySQL does (and again at every EXECUTE).
    const access = await this.access.authorize(statement, this.database).catch((error: unknown) => {
      throw this.asSqlError(error);
    });
    if (statement.kind === 'union' || statement.kind === 'select') {
      const view = access?.visible ?? (await this.deps.catalog.view());
      try {
        columns = describeQuery(statement, {
          view,
          database: this.database,
          evalContext: () => this.context([]),
        });
      } catch (error) {
        throw this.asSqlError(error);
      }
    }
    this.prepared.set(id, { statement, paramCount, plans: new QueryPlanCache() });
    return { paramCount, columns };
  }

  /** COM_STMT_EXECUTE: the prepared statement with `params` bound to its `?`s, in order. */
  async executePrepared(
    id: number,
    params: readonly SqlValue[],
    signal?: AbortSignal,
  ): Promise<StatementOutcome> {
    this.signal = signal;
    const prepared = this.prepared.get(id);
    if (prepared === undefined) {
      return this.errorOutcome(
        new SqlSemanticError(
          1243,
          'HY000',
          `Unknown prepared statement handler (${id}) given to mysqld_stmt_execute`,
        ),
      );
    }
    if (params.length !== prepared.paramCount) {
      return this.errorOutcome(
        new SqlSemanticError(1210, 'HY000', 'Incorrect arguments to mysqld_stmt_execute'),
      );
    }
    // A string parameter is a literal in the connection's collation, as the same value written
    // into the text would be (the protocol layer does not know SET NAMES … COLLATE).
    this.params = params.map((p) =>
      p?.kind === 'string' && p.collation !== this.collation
        ? { ...p, collation: this.collation }
        : p,
    );
    this.plans = prepared.plans;
    try {
      return await this.executeOne(prepared.statement);
    } catch (error) {
      return this.errorOutcome(error);
    } finally {
      this.params = undefined;
      this.plans = undefined;
    }
  }

  /**
   * COM_FIELD_LIST: the columns of `table` in the current database with their defaults
   * (field-list.ts), with the privilege check of SHOW COLUMNS FROM table.
   */
  async fieldList(table: string, wildcard: string): Promise<FieldListColumn[]> {
    const show: Show = {
      kind: 'show',
      target: 'COLUMNS',
      full: false,
      table: { name: table, pos: 0 },
      pos: 0,
    };
    const access = await this.access.authorize(show, this.database);
    return fieldList(access?.catalog ?? this.deps.catalog, this.database, table, wildcard);
  }

  /**
   * How often prepared statement `id` reused a kept FROM clause and how often it built one
   * (tests and benchmarks of the plan cache); undefined for an unknown id.
   */
  planCacheStats(id: number): { readonly hits: number; readonly misses: number } | undefined {
    const plans = this.prepared.get(id)?.plans;
    return plans === undefined ? undefined : { hits: plans.hits, misses: plans.misses };
  }

  /**
   * How often a COM_QUERY text found its shape kept (hits) and how often its shape was new
   * (misses), and how many shapes are kept (tests, benchmarks; SHOW STATUS shows the first two).
   */
  shapeCacheStats(): { readonly hits: number; readonly misses: number; readonly size: number } {
    return { hits: this.shapes.hits, misses: this.shapes.misses, size: this.shapes.size };
  }

  /** COM_STMT_CLOSE. */
  closePrepared(id: number): void {
    this.prepared.delete(id);
  }

  private asSqlError(error: unknown): unknown {
    if (error instanceof SqlEvalError) {
      return new SqlSemanticError(error.code, error.sqlState, error.message);
    }
    return error;
  }

  /**
   * Runs a COM_QUERY text: every statement in order, stopping at the first error (which is
   * yielded, as MySQL answers it). Without `multiStatements`, a text of several statements is
   * a syntax error, as in MySQL. `signal` aborts when the command is killed: the running
   * statement stops with 1317 (its writes undone) and no further statement runs.
   */
  async *execute(
    sql: string,
    multiStatements: boolean,
    signal?: AbortSignal,
  ): AsyncGenerator<StatementOutcome> {
    this.signal = signal;
    let statements;
    try {
      statements = parseMulti(sql);
    } catch (error) {
      yield this.errorOutcome(error);
      return;
    }
    if (!multiStatements && statements.length > 1) {
      const second = statements[1];
      yield this.errorOutcome(
        new SqlSemanticError(
          1064,
          '42000',
          `You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '${sql.slice(second?.start ?? 0, (second?.start ?? 0) + 80)}' at line 1`,
        ),
      );
      return;
    }
    for (const parsed of statements) {
      try {
        const result = await this.executeText(parsed);
        yield result;
      } catch (error) {
        yield this.errorOutcome(error);
        return;
      }
    }
  }

  /**
   * A COM_QUERY statement, through the shape cache when it has a shape (query-shape.ts): the
   * shape's kept statement object runs with this text's literals as its parameters and with the
   * shape's plan cache, as a prepared statement's EXECUTE does. Keyed beyond the shape by the
   * current database and the settings `planCache` keys on (so alternating ones do not evict
   * each other's plans). A shape whose first run fails is dropped: a statement that does not
   * bind or plan is not kept.
   */
  private async executeText(parsed: ParsedStatement): Promise<EngineResult> {
    const shape = this.shapes.enabled ? parameterize(parsed, this.literalContext()) : undefined;
    if (shape === undefined) return this.executeOne(parsed.statement);
    const key = `${this.database ?? ''}\u0000${this.planSettings()}\u0000${shape.key}`;
    const entry = this.shapes.entryFor(key, shape.statement);
    this.params = shape.params;
    this.plans = entry.plans;
    try {
      const result = await this.executeOne(entry.statement);
      entry.proven = true;
      return result;
    } catch (error) {
      if (!entry.proven) this.shapes.forget(key, entry);
      throw error;
    } finally {
      this.params = undefined;
      this.plans = undefined;
    }
  }

  /** The context `parameterize` evaluates literals in: only its collation is read. */
  private literalContext(): EvalContext {
    if (this.literals?.collation !== this.collation) {
      this.literals = createContext({ nowMicros: 0n, random: () => 0, collation: this.collation });
    }
    return this.literals;
  }

  private errorOutcome(error: unknown): StatementOutcome {
    let outcome: { errno: number; sqlState: string; message: string };
    if (error instanceof SqlError) {
      outcome = { errno: error.errno, sqlState: error.sqlState, message: error.message };
    } else if (error instanceof SqlEvalError) {
      outcome = { errno: error.code, sqlState: error.sqlState, message: error.message };
    } else {
      throw error;
    }
    this.warnings = [{ level: 'Error', code: outcome.errno, message: outcome.message }];
    this.rowCount = -1n;
    return { kind: 'error', ...outcome };
  }

  private async executeOne(stmt: Statement): Promise<EngineResult> {
    // A streamed result not read to its end ends here (its transaction released).
    await this.closeStream();
    this.deps.processes?.statementStarted(comCounter(stmt));
    this.checkInterrupted();
    // SHOW WARNINGS reads the previous statement's; every other statement starts afresh.
    if (stmt.kind === 'show' && (stmt.target === 'WARNINGS' || stmt.target === 'ERRORS')) {
      return this.counted(stmt, this.showWarnings(stmt));
    }
    this.warnings = [];
    this.statement = await this.access.authorize(stmt, this.database);
    try {
      const ddl = {
        catalog: this.statement?.catalog ?? this.deps.catalog,
        database: this.database,
      };
      const result = await this.dispatch(stmt, ddl);
      this.warnings = [...result.warnings];
      return this.counted(stmt, result);
    } finally {
      this.statement = undefined;
    }
  }

  private async dispatch(
    stmt: Statement,
    ddl: { catalog: CatalogPort; database: string | undefined },
  ): Promise<EngineResult> {
    switch (stmt.kind) {
      case 'createDatabase':
        return createDatabase(stmt, ddl);
      case 'dropDatabase': {
        const result = await dropDatabase(stmt, ddl);
        if (this.database === stmt.name) this.database = undefined;
        return result;
      }
      case 'createTable':
        return createTable(stmt, ddl);
      case 'dropTable':
        return dropTable(stmt, ddl);
      case 'renameTable':
        return renameTables(stmt, ddl);
      case 'createIndex':
        return createIndex(stmt, this.alterContext());
      case 'dropIndex':
        return dropIndex(stmt, this.alterContext());
      case 'alterTable':
        return alterTable(stmt, this.alterContext());
      case 'truncate':
        return truncateTable(stmt, ddl);
      case 'use':
        await this.use(stmt.db);
        return ok();
      case 'describe':
        return showColumns(stmt.table, false, stmt.column, ddl.catalog, this.database);
      case 'explain':
        // The plan the statement would run (explain.ts); nothing is read.
        return explainStatement(stmt, {
          view: this.statement?.view ?? (await this.deps.catalog.view()),
          database: this.database,
          evalContext: () => this.context([]),
          pushdown: this.pushdownOn(),
        });
      case 'set': {
        const [only, ...others] = stmt.items;
        if (only?.kind === 'password' && others.length === 0) {
          return setPassword(only.user, only.password, this.access.accountContext(this.database));
        }
        return this.set(stmt);
      }
      case 'show':
        return this.show(stmt, ddl);
      case 'select':
        if (stmt.from.length === 0 && !hasSubquery(stmt) && !hasAggregate(stmt)) {
          return this.selectWithoutFrom(stmt.columns, stmt.where);
        }
        return this.withTransaction(false, (ctx) =>
          executeQuery(stmt, ctx, this.planCache(), { stream: this.deps.streamResults === true }),
        );
      case 'union':
        return this.withTransaction(false, (ctx) => executeQuery(stmt, ctx, this.planCache()));
      case 'insert':
        return this.withTransaction(true, (ctx) => executeInsert(stmt, ctx));
      case 'update':
        return this.withTransaction(true, (ctx) =>
          isMultiTable(stmt) ? executeMultiUpdate(stmt, ctx) : executeUpdate(stmt, ctx),
        );
      case 'delete':
        return this.withTransaction(true, (ctx) =>
          isMultiTable(stmt) ? executeMultiDelete(stmt, ctx) : executeDelete(stmt, ctx),
        );
      case 'begin':
        await this.finishTransaction(true);
        this.txn = await this.data().txn.begin();
        this.inTransaction = true;
        return ok();
      case 'commit':
        await this.finishTransaction(true);
        return ok();
      case 'rollback':
        if (stmt.savepoint !== undefined) {
          const i = this.savepointIndex(stmt.savepoint);
          const target = this.savepoints[i];
          if (target !== undefined) this.txn?.rollbackTo(target.at);
          // Savepoints set after it are gone; it stays.
          this.savepoints = this.savepoints.slice(0, i + 1);
          return ok();
        }
        await this.finishTransaction(false);
        return ok();
      case 'savepoint': {
        // With autocommit = 0 the transaction starts here; with autocommit and no BEGIN there
        // is nothing to return to, as in MySQL.
        if (this.txn === undefined && !this.autocommit) {
          this.txn = await this.data().txn.begin();
          this.inTransaction = true;
        }
        if (this.txn === undefined) return ok();
        const name = stmt.name.toLowerCase();
        this.savepoints = [
          ...this.savepoints.filter((sp) => sp.name !== name),
          { name, at: this.txn.savepoint() },
        ];
        return ok();
      }
      case 'releaseSavepoint':
        this.savepoints = this.savepoints.slice(0, this.savepointIndex(stmt.name));
        return ok();
      case 'do':
        return ok();
      case 'kill': {
        const port = requirePort(this.deps.processes, 'KILL');
        const viewer = this.processViewer(await this.deps.catalog.view());
        return kill(stmt, this.context([]), port, viewer);
      }
      case 'createUser':
        return createUser(stmt, this.access.accountContext(this.database));
      case 'alterUser':
        return alterUser(stmt, this.access.accountContext(this.database));
      case 'dropUser':
        return dropUser(stmt, this.access.accountContext(this.database));
      case 'grant':
        return grant(stmt, this.access.accountContext(this.database));
      case 'revoke':
        return revoke(stmt, this.access.accountContext(this.database));
      // Not built yet: refused honestly (1235), never answered with made-up results.
      case 'alterDatabase':
      case 'setTransaction':
      case 'lockTables':
      case 'unlockTables':
      case 'flush':
        throw new SqlNotSupportedError(`${stmt.kind} statements (not built yet)`, 0);
      case 'alterCluster':
        return alterCluster(stmt, this.deps.clusterOps);
    }
  }

  private data(): NonNullable<SessionDeps['data']> {
    const data = this.deps.data;
    if (data === undefined) {
      throw new SqlNotSupportedError('table data in this session (no data layer)', 0);
    }
    return data;
  }

  /** Commits (or rolls back) the open explicit transaction, if any. */
  /** The position of savepoint `name` (names case-insensitive); 1305 when there is none. */
  private savepointIndex(name: string): number {
    const i = this.savepoints.findIndex((sp) => sp.name === name.toLowerCase());
    if (i < 0) throw new SqlSemanticError(1305, '42000', `SAVEPOINT ${name} does not exist`);
    return i;
  }

  private alterContext(): AlterContext {
    const catalog = this.statement?.catalog ?? this.deps.catalog;
    return {
      catalog,
      database: this.database,
      data: this.data(),
      evalContext: () => this.context([]),
      owner: `connection ${this.deps.connectionId}`,
      nowMicros: this.deps.nowMicros,
    };
  }

  private async finishTransaction(commit: boolean): Promise<void> {
    const txn = this.txn;
    this.txn = undefined;
    this.inTransaction = false;
    this.savepoints = [];
    if (txn === undefined) return;
    try {
      if (commit) {
        this.deps.processes?.stateChanged('waiting for handler commit');
        await txn.commit();
      } else await txn.rollback();
    } catch (error) {
      // A COMMIT that failed cleanly (a slice unreachable for the whole failover window before
      // the commit point, or a lost commit answer the primary's status showed rolled back)
      // lost the transaction's work: 1213, retryable, as for a conflict. The transaction is
      // already over (above).
      if (commit && isTxnError(error, 'UNAVAILABLE')) throw lostTransaction(error.message);
      throw txnToSql(error);
    }
  }

  /**
   * Runs a statement on table data in the open transaction, or — with autocommit — in its own
   * one, committed if it writes and succeeds. With autocommit off, the first statement opens
   * the transaction that COMMIT / ROLLBACK ends. A failed statement in an autocommit
   * transaction rolls it back.
   */
  private async withTransaction(
    writes: boolean,
    run: (ctx: DmlContext) => Promise<EngineResult>,
  ): Promise<EngineResult> {
    const data = this.data();
    // The statement's view (its privileges were checked in it); routing needs all of it.
    const access = this.statement;
    const view = access?.view ?? (await this.deps.catalog.view());
    refreshRouting(data.routing, view);
    if (this.txn === undefined && !this.autocommit) {
      this.txn = await data.txn.begin().catch((e: unknown) => {
        throw txnToSql(e);
      });
      this.inTransaction = true;
    }
    const own = this.txn === undefined;
    // An autocommit statement that loses a write conflict runs again in a new transaction
    // (its snapshot moves past the winner), as the clients expect from MySQL, where it
    // would have waited for the lock instead. So does one that met a slice without a leader
    // (UNAVAILABLE: nothing committed; a commit whose answer was lost and that the primary's
    // status showed rolled back counts too), within the failover window: a leader change is
    // not the client's business. UNDETERMINED (the commit may have applied) is never retried.
    // Inside an explicit transaction the client decides.
    const startedMicros = this.deps.nowMicros();
    const retryable = (error: unknown, attempt: number): boolean => {
      if (!own || attempt >= AUTOCOMMIT_RETRIES || !isTxnError(error)) return false;
      switch (error.code) {
        case 'WRITE_CONFLICT':
        case 'TXN_ABORTED':
          return true;
        case 'UNAVAILABLE':
          return this.deps.nowMicros() - startedMicros < FAILOVER_WINDOW_MICROS;
        case 'LOCK_TIMEOUT':
        case 'SNAPSHOT_TOO_OLD':
        case 'KEY_TOO_LARGE':
        case 'TXN_TOO_LARGE':
        case 'UNDETERMINED':
        case 'TXN_CLOSED':
        case 'PROGRAM_REFUSED':
          return false;
      }
    };
    for (let attempt = 0; ; attempt++) {
      let txn = this.txn;
      if (txn === undefined) {
        try {
          txn = await data.txn.begin();
        } catch (e) {
          if (retryable(e, attempt)) continue;
          throw txnToSql(e);
        }
      }
      const warnings: EvalWarning[] = [];
      // Inside a transaction a failed statement leaves nothing behind (MySQL's statement
      // atomicity): its writes are rolled back to where it started.
      const start = own ? undefined : txn.savepoint();
      try {
        const result = await run({
          catalog: access?.catalog ?? this.deps.catalog,
          view: access?.visible ?? view,
          database: this.database,
          txn,
          evalContext: () => this.context(warnings),
          checkInterrupted: () => {
            this.checkInterrupted();
          },
          work: this.statementWork(),
          processes: () => this.visibleProcesses(view),
          pushdown: this.pushdownOn(),
        });
        if (result.kind === 'stream') return this.streamed(result, own ? txn : undefined, warnings);
        if (own) {
          // A statement killed after its last row is not committed (MySQL checks before commit).
          this.checkInterrupted();
          if (writes) {
            this.deps.processes?.stateChanged('waiting for handler commit');
            await txn.commit();
          } else await txn.rollback();
        }
        const extra = warnings.map((w) => ({ level: w.level, code: w.code, message: w.message }));
        return { ...result, warnings: [...result.warnings, ...extra] };
      } catch (error) {
        if (own && txn.state === 'active') await txn.rollback().catch(() => undefined);
        if (start !== undefined && txn.state === 'active') txn.rollbackTo(start);
        if (retryable(error, attempt)) continue;
        throw txnToSql(error);
      }
    }
  }

  /**
   * The running prepared statement's plan cache with the session settings it is keyed by
   * beyond the catalog version and database (which select.ts adds): the connection collation
   * (comparisons), sql_mode and time_zone (read by evaluation).
   */
  private planCache(): { readonly cache: QueryPlanCache; readonly key: string } | undefined {
    if (this.plans === undefined) return undefined;
    return { cache: this.plans, key: this.planSettings() };
  }

  /** The session settings kept plans depend on: collation_connection, sql_mode, time_zone. */
  private planSettings(): string {
    const setting = (name: string) => toText(this.variables.get(name) ?? null) ?? '';
    return `${this.collation.name}\u0000${setting('sql_mode')}\u0000${setting('time_zone')}`;
  }

  /**
   * ROW_COUNT() and FOUND_ROWS() after `result` (MySQL): a result set makes ROW_COUNT() -1 and,
   * for a query, FOUND_ROWS() its row count (a streamed one's when it ends: `streamed`); any
   * other statement makes ROW_COUNT() its affected rows (0 for DDL). Errors make it -1
   * (`errorOutcome`). SQL_CALC_FOUND_ROWS is not built: FOUND_ROWS() counts the rows sent.
   */
  private counted(stmt: Statement, result: EngineResult): EngineResult {
    switch (result.kind) {
      case 'ok':
        this.rowCount = BigInt(result.affectedRows);
        break;
      case 'rows':
        this.rowCount = -1n;
        if (stmt.kind === 'select' || stmt.kind === 'union') {
          this.foundRows = BigInt(result.rows.length);
        }
        break;
      case 'stream':
        this.rowCount = -1n;
        break;
    }
    return result;
  }

  /**
   * A streamed result (stream-scan.ts): the statement lasts as long as its rows are read. Its
   * own (autocommit) transaction stays open until the stream ends — every row read, the
   * consumer stopping, an error, the next statement or a reset (`closeStream`) — and is then
   * released (read-only: nothing to commit). The statement's warnings and FOUND_ROWS() are set
   * from the rows actually produced; an error mid-stream reaches the consumer as the MySQL
   * error the statement would have answered, after the rows already read.
   */
  private streamed(
    result: Extract<EngineResult, { kind: 'stream' }>,
    own: Transaction | undefined,
    evalWarnings: readonly EvalWarning[],
  ): EngineResult {
    const warnings = (): EngineWarning[] => [
      ...result.warnings,
      ...evalWarnings.map((w) => ({ level: w.level, code: w.code, message: w.message })),
    ];
    const stream: StatementStream = new StatementStream(result.rows, {
      mapError: (error) => txnToSql(this.asSqlError(error)),
      ended: async (end: StreamEnd) => {
        if (this.openStream === stream) this.openStream = undefined;
        if (end.kind === 'failed') {
          if (end.error instanceof SqlError) {
            const { errno, message } = end.error;
            this.warnings = [{ level: 'Error', code: errno, message }];
          }
          this.rowCount = -1n;
        } else {
          this.warnings = warnings();
          this.foundRows = BigInt(end.rows);
        }
        if (own?.state === 'active') await own.rollback().catch(() => undefined);
      },
    });
    this.openStream = stream;
    return {
      kind: 'stream',
      columns: result.columns,
      rows: stream,
      get warnings() {
        return warnings();
      },
    };
  }

  /** Ends the streamed result still open, if any (it releases its transaction). */
  private async closeStream(): Promise<void> {
    const open = this.openStream;
    this.openStream = undefined;
    await open?.close();
  }

  private context(warnings: EvalWarning[]): EvalContext {
    return createContext({
      ...(this.params === undefined ? {} : { params: this.params }),
      nowMicros: this.deps.nowMicros(),
      random: this.deps.random,
      userVars: this.userVars,
      sysVars: this.variables,
      warnings,
      collation: this.collation,
      session: {
        database: this.database ?? null,
        user: `${this.deps.user}@${this.deps.host}`,
        currentUser: `${this.deps.account.user}@${this.deps.account.host}`,
        connectionId: BigInt(this.deps.connectionId),
        rowCount: this.rowCount,
        foundRows: this.foundRows,
        version: serverVersion,
      },
    });
  }

  private selectWithoutFrom(
    items: readonly (SelectExprItem | { kind: 'star' })[],
    where: Expr | undefined,
  ): EngineResult {
    const warnings: EvalWarning[] = [];
    const ctx = this.context(warnings);
    const exprs: SelectExprItem[] = [];
    for (const item of items) {
      if (item.kind === 'star') throw new SqlSemanticError(1096, 'HY000', 'No tables used');
      exprs.push(item);
    }
    for (const item of exprs)
      bind(item.expr, [], { clause: 'field list', session: { database: this.database ?? null } });
    const types = exprs.map((item) =>
      inferType(item.expr, {
        column: () => varString(0, this.collation),
        collation: this.collation,
      }),
    );
    const columns: ResultColumn[] = exprs.map((item, i) => ({
      name: item.alias ?? item.source,
      type: types[i] ?? longlong(),
    }));
    let rows: SqlValue[][] = [
      exprs.map((item, i) => {
        const rt = types[i];
        const v = evaluate(item.expr, ctx);
        return rt === undefined ? v : conformValue(v, rt, ctx);
      }),
    ];
    if (where !== undefined) {
      const keep = evaluate(where, ctx);
      const truthy = keep !== null && toText(keep) !== '0' && toText(keep) !== '';
      if (!truthy) rows = [];
    }
    return {
      kind: 'rows',
      columns,
      rows,
      warnings: warnings.map((w) => ({ level: w.level, code: w.code, message: w.message })),
    };
  }

  private set(stmt: SetStatement): EngineResult {
    const warnings: EvalWarning[] = [];
    const ctx = this.context(warnings);
    for (const item of stmt.items) {
      switch (item.kind) {
        case 'names':
        case 'charset': {
          const charset = item.charset.toLowerCase();
          if (!['utf8mb4', 'utf8', 'utf8mb3', 'latin1', 'binary', 'ascii'].includes(charset)) {
            throw new SqlSemanticError(1115, '42000', `Unknown character set: '${item.charset}'`);
          }
          const collationName = item.kind === 'names' ? item.collation?.toLowerCase() : undefined;
          if (collationName !== undefined) {
            const collation = collationNamed(collationName);
            if (collation === undefined) {
              throw new SqlSemanticError(1273, 'HY000', `Unknown collation: '${collationName}'`);
            }
            this.collation = collation;
            this.variables.set('collation_connection', str(collationName, defaultCollation));
          }
          for (const v of [
            'character_set_client',
            'character_set_results',
            'character_set_connection',
          ]) {
            this.variables.set(v, str(charset === 'utf8' ? 'utf8mb3' : charset, defaultCollation));
          }
          break;
        }
        case 'variable': {
          // A bare word set to a system variable is its text (`SET autocommit = OFF`,
          // `SET sql_mode = ANSI`), as in MySQL.
          const value =
            item.scope !== 'user' && item.value.kind === 'column' && item.value.table === undefined
              ? str(item.value.name, this.collation)
              : evaluate(item.value, ctx);
          if (item.scope === 'user') {
            this.userVars.set(item.name.toLowerCase(), value);
            break;
          }
          const name = item.name.toLowerCase();
          if (
            item.scope === 'global' ||
            item.scope === 'persist' ||
            item.scope === 'persist_only'
          ) {
            throw new SqlSemanticError(
              1227,
              '42000',
              'Access denied; you need (at least one of) the SUPER or SYSTEM_VARIABLES_ADMIN privilege(s) for this operation',
            );
          }
          if (!this.variables.has(name)) {
            throw new SqlSemanticError(1193, 'HY000', `Unknown system variable '${item.name}'`);
          }
          if (readOnlyVariables.has(name)) {
            throw new SqlSemanticError(
              1238,
              'HY000',
              `Variable '${item.name}' is a read only variable`,
            );
          }
          this.variables.set(
            name,
            name === 'autocommit' || name === 'tessera_pushdown'
              ? normalizeSwitch(item.name, value)
              : name === 'tessera_statement_memory_limit'
                ? memoryLimit(item.name, value, warnings)
                : name === 'tessera_plan_cache_size'
                  ? planCacheSize(item.name, value, warnings)
                  : value,
          );
          if (name === 'tessera_plan_cache_size') {
            this.shapes.resize(Number(toText(this.variables.get(name) ?? null)));
          }
          if (name === 'autocommit' && this.autocommit) this.inTransaction = false;
          break;
        }
        case 'password':
          throw new SqlNotSupportedError('SET PASSWORD', stmt.pos);
      }
    }
    return ok(warnings.map((w) => ({ level: w.level, code: w.code, message: w.message })));
  }

  private async show(
    stmt: Show,
    ddl: { catalog: CatalogPort; database: string | undefined },
  ): Promise<EngineResult> {
    switch (stmt.target) {
      case 'DATABASES':
        return showDatabases(stmt, ddl);
      case 'TABLES':
        return showTables(stmt, ddl);
      case 'VARIABLES':
        return this.showVariables(stmt);
      case 'COLUMNS': {
        if (stmt.table === undefined)
          throw new SqlNotSupportedError('SHOW COLUMNS without a table', stmt.pos);
        const table = stmt.db === undefined ? stmt.table : { ...stmt.table, db: stmt.db };
        return showColumns(table, stmt.full, stmt.like, ddl.catalog, this.database);
      }
      case 'INDEX':
        return showIndex(stmt, ddl.catalog, this.database);
      case 'CREATE TABLE': {
        if (stmt.table === undefined)
          throw new SqlNotSupportedError('SHOW CREATE TABLE without a table', stmt.pos);
        return showCreateTable(stmt.table, ddl.catalog, this.database);
      }
      case 'GRANTS':
        return showGrants(stmt, this.access.accountContext(this.database));
      case 'WARNINGS':
      case 'ERRORS':
        return this.showWarnings(stmt);
      case 'PROCESSLIST':
        return showProcesslist(stmt, this.visibleProcesses(await this.deps.catalog.view()));
      case 'STATUS':
        return showStatus(stmt, requirePort(this.deps.processes, 'SHOW STATUS'), {
          Tessera_plan_cache_hits: this.shapes.hits,
          Tessera_plan_cache_misses: this.shapes.misses,
        });
      case 'BINARY LOGS':
      case 'CHARSET':
      case 'COLLATION':
      case 'COUNT ERRORS':
      case 'COUNT WARNINGS':
      case 'CREATE DATABASE':
      case 'CREATE VIEW':
      case 'ENGINES':
      case 'EVENTS':
      case 'FUNCTION STATUS':
      case 'MASTER STATUS':
      case 'OPEN TABLES':
      case 'PLUGINS':
      case 'PRIVILEGES':
      case 'PROCEDURE STATUS':
      case 'TABLE STATUS':
      case 'TRIGGERS':
        throw new SqlNotSupportedError(`SHOW ${stmt.target} (not built yet)`, stmt.pos);
    }
  }

  /** `tessera_pushdown`: whether scans push work to the slices (pushdown-plan.ts). */
  private pushdownOn(): boolean {
    const v = this.variables.get('tessera_pushdown');
    return !(v?.kind === 'int' && v.v === 0n);
  }

  /** A statement's pacing and memory bound: the session's yield, kill check and limit. */
  private statementWork(): StatementWork {
    const limit = this.variables.get('tessera_statement_memory_limit');
    return new StatementWork({
      ...(this.deps.yieldToEventLoop === undefined
        ? {}
        : { yieldToEventLoop: this.deps.yieldToEventLoop }),
      checkInterrupted: () => {
        this.checkInterrupted();
      },
      memoryLimitBytes:
        limit?.kind === 'uint' || limit?.kind === 'int'
          ? Number(limit.v)
          : STATEMENT_MEMORY_LIMIT_DEFAULT,
    });
  }

  /** 1317 once the running command was killed. */
  private checkInterrupted(): void {
    if (this.signal?.aborted === true) throw queryInterrupted();
  }

  /**
   * Who asks about connections, and what the account's grants in `view` allow: PROCESS (see
   * every connection) and SUPER (kill any). The one place KILL and PROCESSLIST decide by
   * privilege.
   */
  private processViewer(view: CatalogView): ProcessViewer {
    const { account } = this.deps;
    return {
      connectionId: this.deps.connectionId,
      user: this.deps.user,
      seesAll: hasPrivilege(view, account, 'PROCESS'),
      killsAny: hasPrivilege(view, account, 'SUPER'),
    };
  }

  /** The gateway's connections this session may see (SHOW PROCESSLIST's rows). */
  private visibleProcesses(view: CatalogView): ProcessInfo[] {
    const port = requirePort(this.deps.processes, 'the process list');
    return visibleProcesses(port, this.processViewer(view));
  }

  private showVariables(stmt: Show): EngineResult {
    if (stmt.where !== undefined) throw new SqlNotSupportedError('SHOW VARIABLES WHERE', stmt.pos);
    const like = stmt.like === undefined ? undefined : likePattern(stmt.like);
    const rows = [...this.variables.entries()]
      .filter(([name]) => like?.test(name) ?? true)
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([name, value]) => [
        str(name, defaultCollation),
        str(toText(value) ?? '', defaultCollation),
      ]);
    return {
      kind: 'rows',
      columns: [
        { name: 'Variable_name', type: varString(64, defaultCollation, false) },
        { name: 'Value', type: varString(1024, defaultCollation) },
      ],
      rows,
      warnings: [],
    };
  }

  private showWarnings(stmt: Show): EngineResult {
    const errorsOnly = stmt.target === 'ERRORS';
    const rows = this.warnings
      .filter((w) => !errorsOnly || w.level === 'Error')
      .map((w) => [str(w.level, defaultCollation), int(w.code), str(w.message, defaultCollation)]);
    return {
      kind: 'rows',
      columns: [
        { name: 'Level', type: varString(7, defaultCollation, false) },
        { name: 'Code', type: longlong(4, false, true) },
        { name: 'Message', type: varString(512, defaultCollation, false) },
      ],
      rows,
      warnings: this.warnings,
    };
  }
}

function ok(warnings: readonly EngineWarning[] = []): EngineResult {
  return { kind: 'ok', affectedRows: 0, warnings };
}

function normalizeSwitch(name: string, value: SqlValue): SqlValue {
  const text = (toText(value) ?? '').toUpperCase();
  if (text === '1' || text === 'ON') return int(1);
  if (text === '0' || text === 'OFF') return int(0);
  throw new SqlSemanticError(
    1231,
    '42000',
    `Variable '${name}' can't be set to the value of '${toText(value) ?? 'NULL'}'`,
  );
}

/**
 * `tessera_statement_memory_limit`: an integer number of bytes (MySQL's rules for a numeric
 * variable: a non-integer is 1232, a value below the minimum is raised to it with warning 1292
 * "Truncated incorrect ... value", as for sort_buffer_size).
 */
function memoryLimit(name: string, value: SqlValue, warnings: EvalWarning[]): SqlValue {
  const text = value === null ? '' : (toText(value) ?? '');
  if (
    value === null ||
    !(value.kind === 'int' || value.kind === 'uint' || /^\s*[+-]?\d+\s*$/.test(text))
  ) {
    throw new SqlSemanticError(1232, '42000', `Incorrect argument type to variable '${name}'`);
  }
  const n = BigInt(text.trim());
  if (n < BigInt(STATEMENT_MEMORY_LIMIT_MIN)) {
    warnings.push({
      level: 'Warning',
      code: 1292,
      message: `Truncated incorrect ${name} value: '${text.trim()}'`,
    });
    return uint(STATEMENT_MEMORY_LIMIT_MIN);
  }
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return uint(n > max ? max : n);
}

/**
 * `tessera_plan_cache_size`: how many COM_QUERY shapes the session keeps, 0 (none: the cache
 * is off) to PLAN_CACHE_SIZE_MAX. MySQL's rules for a numeric variable: a non-integer is 1232,
 * a value out of range is clipped to it with warning 1292.
 */
function planCacheSize(name: string, value: SqlValue, warnings: EvalWarning[]): SqlValue {
  const text = value === null ? '' : (toText(value) ?? '');
  if (
    value === null ||
    !(value.kind === 'int' || value.kind === 'uint' || /^\s*[+-]?\d+\s*$/.test(text))
  ) {
    throw new SqlSemanticError(1232, '42000', `Incorrect argument type to variable '${name}'`);
  }
  const n = BigInt(text.trim());
  const clipped = n < 0n ? 0n : n > BigInt(PLAN_CACHE_SIZE_MAX) ? BigInt(PLAN_CACHE_SIZE_MAX) : n;
  if (clipped !== n) {
    warnings.push({
      level: 'Warning',
      code: 1292,
      message: `Truncated incorrect ${name} value: '${text.trim()}'`,
    });
  }
  return uint(clipped);
}

function likePattern(pattern: string): RegExp {
  let out = '';
  for (const c of pattern) {
    if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 'i');
}

/**
 * 1213 (40001) for a transaction that lost its work to unavailability: the client's cue to run
 * it again (MySQL's text first, for clients that match on it, then why).
 */
function lostTransaction(why: string): SqlSemanticError {
  return new SqlSemanticError(
    1213,
    '40001',
    `Deadlock found when trying to get lock; try restarting transaction (the transaction was ` +
      `rolled back, nothing committed: ${why})`,
  );
}

/** Transaction-layer failures as MySQL errors (anything else passes through). */
function txnToSql(error: unknown): unknown {
  if (!isTxnError(error)) return error;
  switch (error.code) {
    case 'WRITE_CONFLICT':
    case 'TXN_ABORTED':
      return new SqlSemanticError(
        1213,
        '40001',
        'Deadlock found when trying to get lock; try restarting transaction',
      );
    case 'LOCK_TIMEOUT':
      return new SqlSemanticError(
        1205,
        'HY000',
        'Lock wait timeout exceeded; try restarting transaction',
      );
    case 'UNDETERMINED':
      // MySQL has no code for "outcome unknown" (the standard's 08007 is not among MySQL's):
      // 1105 with words a person and a log search understand. Never retried by the server.
      return new SqlSemanticError(
        1105,
        'HY000',
        `UNDETERMINED: the transaction's outcome is unknown — it may or may not have ` +
          `committed; check the data before running it again (${error.message})`,
      );
    case 'UNAVAILABLE':
    case 'SNAPSHOT_TOO_OLD':
    case 'KEY_TOO_LARGE':
    case 'TXN_TOO_LARGE':
    case 'TXN_CLOSED':
    case 'PROGRAM_REFUSED':
      return new SqlSemanticError(1105, 'HY000', `${error.code}: ${error.message}`);
  }
}
