/**
 * The SQL engine behind the wire protocol: one `SqlSession` per connection, accounts from an
 * injected `AccountSource` (the catalog's), results converted in result-mapping.ts.
 *
 *   ClientConnection ──► EngineHandler.query(session, sql)
 *                          │ SqlSession.execute(sql, multiStatements)   (parse, run, one outcome
 *                          ▼                                             per statement)
 *                        StatementOutcome ──► QueryResult (OK / result set / ERR)
 *                          │ after each statement: session.database / inTransaction /
 *                          ▼ autocommit copied to the protocol's Session (status flags)
 *
 * Host bindings (clock, randomness, uptime) are injected: this is engine-package code.
 */
import { SqlError, SqlEvalError, SqlSession } from '@tessera/sql';
import type { CatalogPort, SessionDeps } from '@tessera/sql';

import type {
  Account,
  ColumnDefinition,
  Handler,
  PreparedStatement,
  QueryContext,
  QueryResult,
  Session,
} from '../handler';
import { MysqlError } from '../protocol/errors';
import { findAccount } from './accounts';
import type { AccountSource } from './accounts';
import { queryResult } from './result-mapping';

export interface EngineHandlerOptions {
  /** The catalog the sessions read and change (the control plane's, through the host). */
  readonly catalog: CatalogPort;
  readonly accounts: AccountSource;
  /** Wall-clock microseconds since the Unix epoch (NOW(), CURRENT_TIMESTAMP). */
  readonly nowMicros: () => bigint;
  /** Uniform in [0, 1) (RAND(), UUID()). */
  readonly random: () => number;
  /** Seconds since the server started, for COM_STATISTICS. */
  readonly uptimeSeconds: () => number;
  /**
   * Where table data lives: one transaction client for all sessions, routed by `routing` (the
   * sessions refresh it from the catalog). Without it, statements on tables answer 1235.
   */
  readonly data?: SessionDeps['data'];
}

/** MySQL's ER_UNSUPPORTED_PS. */
const ER_UNSUPPORTED_PS = { code: 1295, sqlState: 'HY000' } as const;

interface Connection {
  /** The login the SQL session was made for (COM_CHANGE_USER makes a new one). */
  readonly user: string;
  readonly sql: SqlSession;
}

/** An engine error (thrown outside a statement, e.g. by `use`) as the client sees it. */
function mysqlErrorOf(error: unknown): unknown {
  if (error instanceof SqlError) {
    return new MysqlError(error.errno, error.sqlState, error.message, { cause: error });
  }
  if (error instanceof SqlEvalError) {
    return new MysqlError(error.code, error.sqlState, error.message, { cause: error });
  }
  return error;
}

export class EngineHandler implements Handler {
  private readonly connections = new Map<number, Connection>();
  /** Every connection the protocol holds, authenticated or not (COM_STATISTICS' Threads). */
  private readonly open = new Set<number>();
  private questions = 0;

  constructor(private readonly options: EngineHandlerOptions) {}

  /** Connections with an SQL session (authenticated and used at least once). */
  get sessionCount(): number {
    return this.connections.size;
  }

  newConnection(session: Session): void {
    this.open.add(session.connectionId);
  }

  async lookupAccount(user: string, host: string): Promise<Account | undefined> {
    return findAccount(await this.options.accounts.accounts(), user, host);
  }

  async initDb(session: Session, database: string): Promise<void> {
    const sql = this.sqlSession(session);
    try {
      await sql.use(database);
    } catch (error) {
      throw mysqlErrorOf(error);
    }
    syncSession(session, sql);
  }

  async *query(session: Session, sql: string, ctx: QueryContext): AsyncGenerator<QueryResult> {
    this.questions++;
    const engine = this.sqlSession(session);
    try {
      for await (const outcome of engine.execute(sql, ctx.multiStatements)) {
        syncSession(session, engine);
        if (ctx.signal.aborted) {
          throw MysqlError.of('ER_QUERY_INTERRUPTED', 'Query execution was interrupted');
        }
        yield queryResult(outcome);
      }
    } finally {
      syncSession(session, engine);
    }
  }

  /**
   * Prepared statements need the engine to take bound parameters, which it does not yet: they
   * are refused as MySQL refuses a statement it cannot prepare, so a driver can fall back to
   * the text protocol (mysql2's `query`, JDBC without useServerPrepStmts).
   */
  prepare(): Promise<PreparedStatement> {
    return Promise.reject(
      new MysqlError(
        ER_UNSUPPORTED_PS.code,
        ER_UNSUPPORTED_PS.sqlState,
        'This command is not supported in the prepared statement protocol yet',
      ),
    );
  }

  // eslint-disable-next-line require-yield -- no statement is ever prepared (see prepare)
  async *execute(_session: Session, statementId: number): AsyncGenerator<QueryResult> {
    await Promise.resolve();
    throw MysqlError.of(
      'ER_UNKNOWN_STMT_HANDLER',
      `Unknown prepared statement handler (${statementId}) given to mysqld_stmt_execute`,
    );
  }

  closeStatement(): void {
    // Nothing is prepared, so nothing to close.
  }

  fieldList(): Promise<readonly ColumnDefinition[]> {
    return Promise.reject(
      MysqlError.of(
        'ER_NOT_SUPPORTED_YET',
        "This version of Tessera doesn't yet support 'COM_FIELD_LIST (use SHOW COLUMNS)'",
      ),
    );
  }

  statistics(): string {
    const uptime = Math.max(0, Math.floor(this.options.uptimeSeconds()));
    const perSecond = uptime === 0 ? 0 : this.questions / uptime;
    return (
      `Uptime: ${uptime}  Threads: ${this.open.size}  Questions: ${this.questions}  ` +
      `Queries per second avg: ${perSecond.toFixed(3)}`
    );
  }

  /**
   * COM_RESET_CONNECTION and COM_CHANGE_USER: the engine session is reset (variables, open
   * transaction) and dropped; the next command starts a fresh one for `session.user` in
   * `session.database` (kept by a reset, cleared by a change of user).
   */
  resetSession(session: Session): Promise<void> {
    this.connections.get(session.connectionId)?.sql.reset();
    this.connections.delete(session.connectionId);
    return Promise.resolve();
  }

  connectionClosed(session: Session): void {
    this.open.delete(session.connectionId);
    this.connections.delete(session.connectionId);
  }

  private sqlSession(session: Session): SqlSession {
    const existing = this.connections.get(session.connectionId);
    if (existing !== undefined && existing.user === session.user) return existing.sql;
    const sql = new SqlSession({
      catalog: this.options.catalog,
      connectionId: session.connectionId,
      user: session.user,
      host: session.host,
      nowMicros: this.options.nowMicros,
      random: this.options.random,
      ...(this.options.data === undefined ? {} : { data: this.options.data }),
    });
    if (session.database !== undefined) sql.database = session.database;
    this.connections.set(session.connectionId, { user: session.user, sql });
    return sql;
  }
}

/** The protocol reports these in every OK/EOF; the engine is their source of truth. */
function syncSession(session: Session, sql: SqlSession): void {
  session.database = sql.database;
  session.inTransaction = sql.inTransaction;
  session.autocommit = sql.autocommit;
}
