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
import {
  binary,
  defaultCollation,
  double,
  int,
  SqlError,
  SqlEvalError,
  SqlSession,
  str,
  uint,
} from '@tessera/sql';
import type { CatalogPort, SessionDeps, SqlValue } from '@tessera/sql';

import type {
  Account,
  ColumnDefinition,
  CommandContext,
  Handler,
  PreparedStatement,
  QueryContext,
  QueryResult,
  Session,
} from '../handler';
import { MysqlError } from '../protocol/errors';
import { findAccount } from './accounts';
import type { AccountSource } from './accounts';
import { columnDefinition, queryResult } from './result-mapping';
import { ColumnType } from '../protocol/constants';
import type { BoundParam } from '../protocol/values';

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

  /** COM_STMT_PREPARE: parsed once by the session; queries describe their columns. */
  async prepare(session: Session, statementId: number, sql: string): Promise<PreparedStatement> {
    const engine = this.sqlSession(session);
    try {
      const prepared = await engine.prepare(statementId, sql);
      return { paramCount: prepared.paramCount, columns: prepared.columns.map(columnDefinition) };
    } catch (error) {
      throw mysqlErrorOf(error);
    }
  }

  /** COM_STMT_EXECUTE: the parameters as the client typed them, as engine values. */
  async *execute(
    session: Session,
    statementId: number,
    params: readonly BoundParam[],
    ctx: CommandContext,
  ): AsyncGenerator<QueryResult> {
    this.questions++;
    const engine = this.sqlSession(session);
    try {
      const outcome = await engine.executePrepared(statementId, params.map(paramValue));
      syncSession(session, engine);
      if (ctx.signal.aborted) {
        throw MysqlError.of('ER_QUERY_INTERRUPTED', 'Query execution was interrupted');
      }
      yield queryResult(outcome);
    } finally {
      syncSession(session, engine);
    }
  }

  closeStatement(session: Session, statementId: number): void {
    this.connections.get(session.connectionId)?.sql.closePrepared(statementId);
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

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * A COM_STMT_EXECUTE parameter as an engine value: integers by signedness, FLOAT/DOUBLE as
 * doubles, strings (DECIMAL included: exact) in utf8mb4, bytes as binary, temporal values as
 * their canonical text (the engine converts them to the column or comparison type).
 */
export function paramValue(param: BoundParam): SqlValue {
  const v = param.value;
  if (v === null) return null;
  if (typeof v === 'bigint') return param.unsigned ? uint(v) : int(v);
  if (typeof v === 'number') {
    if (
      Number.isInteger(v) &&
      param.type !== ColumnType.Float &&
      param.type !== ColumnType.Double
    ) {
      return param.unsigned ? uint(BigInt(v)) : int(BigInt(v));
    }
    return double(v);
  }
  if (typeof v === 'string') return str(v, defaultCollation);
  if (v instanceof Uint8Array) return binary(v);
  if (v.kind === 'datetime') {
    const date = `${pad(v.year, 4)}-${pad(v.month)}-${pad(v.day)}`;
    if (param.type === ColumnType.Date) return str(date, defaultCollation);
    const frac = v.microsecond === 0 ? '' : `.${pad(v.microsecond, 6)}`;
    return str(`${date} ${pad(v.hour)}:${pad(v.minute)}:${pad(v.second)}${frac}`, defaultCollation);
  }
  const frac = v.microseconds === 0 ? '' : `.${pad(v.microseconds, 6)}`;
  return str(
    `${v.negative ? '-' : ''}${pad(v.hours)}:${pad(v.minutes)}:${pad(v.seconds)}${frac}`,
    defaultCollation,
  );
}

/** The protocol reports these in every OK/EOF; the engine is their source of truth. */
function syncSession(session: Session, sql: SqlSession): void {
  session.database = sql.database;
  session.inTransaction = sql.inTransaction;
  session.autocommit = sql.autocommit;
}
