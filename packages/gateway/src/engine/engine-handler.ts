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
 * Streamed results: sessions are made with `streamResults`, so a single-table scan's outcome
 * is a 'stream' whose rows the protocol pulls while it writes them (backpressure reaches the
 * scan); result-mapping.ts turns an engine error thrown mid-stream into the MysqlError the
 * protocol sends after the rows already written, and reads the warning count only after the
 * last row. The command (PROCESSLIST's Query) lasts until the stream ends: this generator is
 * resumed only after the protocol read the rows.
 *
 * Connections as SQL (SHOW PROCESSLIST, KILL, SHOW STATUS, system.sessions): the
 * ProcessRegistry (process-registry.ts) tracks what each connection runs and counts; every
 * SqlSession gets a ProcessPort bound to its connection, and KILL reaches the MysqlServer
 * through the ConnectionControl it attaches. Commands pass `ctx.signal` to the engine, which
 * stops a killed statement with 1317 and undoes its writes.
 *
 * Host bindings (clock, randomness, uptime) are injected: this is engine-package code.
 */
import { binary, defaultCollation, double, int, SqlSession, str, uint } from '@tessera/sql';
import type { CatalogPort, KillScope, ProcessInfo, SessionDeps, SqlValue } from '@tessera/sql';

import type {
  Account,
  ColumnDefinition,
  CommandContext,
  ConnectionControl,
  Handler,
  PreparedStatement,
  QueryContext,
  QueryResult,
  Session,
} from '../handler';
import { findAccount } from './accounts';
import type { AccountSource } from './accounts';
import { ProcessRegistry } from './process-registry';
import { columnDefinition, mysqlErrorOf, queryResult } from './result-mapping';
import { AuthPlugin, ColumnType } from '../protocol/constants';
import { nativeCredential, sha2Credential } from '../protocol/credentials';
import type { ScryptCost } from '../protocol/credentials';
import type { BoundParam, Row } from '../protocol/values';

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
   * Cryptographically random bytes: the salts of the caching_sha2_password credentials that
   * CREATE USER / ALTER USER / SET PASSWORD make.
   */
  readonly randomBytes: (n: number) => Uint8Array;
  /** scrypt's cost for those credentials (default: DEFAULT_SCRYPT_COST; tests lower it). */
  readonly scryptCost?: ScryptCost;
  /**
   * Where table data lives: one transaction client for all sessions, routed by `routing` (the
   * sessions refresh it from the catalog). Without it, statements on tables answer 1235.
   */
  readonly data?: SessionDeps['data'];
  /**
   * The host's data nodes (the embedded cluster only): ALTER CLUSTER KILL / RESTART NODE.
   * Without it those answer 1235.
   */
  readonly clusterOps?: SessionDeps['clusterOps'];
  /**
   * Lets the event loop run (the host: `setImmediate`): statements pause on it every slice of
   * rows of in-memory work, so one big join does not stall the process (SessionDeps).
   */
  readonly yieldToEventLoop?: () => Promise<void>;
  /** Told of every statement that finished (the host's metrics: statements/s, latency). */
  readonly statements?: StatementObserver;
}

/**
 * Watches statements end, for the host's metrics. `onStatementEnd` is called once per
 * statement of a COM_QUERY text and per prepared execution, with the time from the statement's
 * start to its outcome — for a streamed result set, to the end of its stream (the last row
 * written, or the error that ended it) — and whether it failed (an error outcome, or an error
 * thrown or raised mid-stream). A text the parser refuses is one failed statement.
 */
export interface StatementObserver {
  /** Monotonic time in ms with a sub-millisecond fraction (the host: `performance.now()`). */
  readonly monotonicMs: () => number;
  readonly onStatementEnd: (durationMicros: number, failed: boolean) => void;
}

interface Connection {
  /** The login the SQL session was made for (COM_CHANGE_USER makes a new one). */
  readonly user: string;
  readonly sql: SqlSession;
}

export class EngineHandler implements Handler {
  private readonly connections = new Map<number, Connection>();
  /** Every connection the protocol holds, authenticated or not: PROCESSLIST, KILL, STATUS. */
  private readonly processes: ProcessRegistry;
  /** The text of each prepared statement (PROCESSLIST's Info while it executes). */
  private readonly preparedTexts = new Map<string, string>();

  constructor(private readonly options: EngineHandlerOptions) {
    this.processes = new ProcessRegistry({
      nowMicros: options.nowMicros,
      uptimeSeconds: options.uptimeSeconds,
    });
  }

  attach(control: ConnectionControl): void {
    this.processes.attach(control);
  }

  /** Connections with an SQL session (authenticated and used at least once). */
  get sessionCount(): number {
    return this.connections.size;
  }

  /** This gateway's connections as SHOW PROCESSLIST lists them (the console's Sessions page). */
  processList(): ProcessInfo[] {
    return this.processes.list();
  }

  /**
   * KILL [CONNECTION | QUERY] from outside any connection (an operator in the console): false
   * when no such connection is open here.
   */
  killProcess(id: number, scope: KillScope): boolean {
    return this.processes.killFromOutside(id, scope) === 'killed';
  }

  newConnection(session: Session): void {
    this.processes.opened(session);
  }

  async lookupAccount(user: string, host: string): Promise<Account | undefined> {
    return findAccount(await this.options.accounts.accounts(), user, host);
  }

  async initDb(session: Session, database: string): Promise<void> {
    const sql = this.sqlSession(session);
    // COM_INIT_DB counts; the database named in the handshake does not (as MySQL).
    if (session.authenticated) this.processes.question(session, 'Com_change_db');
    this.processes.begin(session, 'Init DB', database);
    try {
      await sql.use(database);
    } catch (error) {
      throw mysqlErrorOf(error);
    } finally {
      this.processes.end(session);
    }
    syncSession(session, sql);
  }

  /**
   * COM_QUERY. A KILL reaches the engine through `ctx.signal`: the running statement answers
   * 1317 and nothing after it runs; a statement that finished before the KILL keeps its answer.
   */
  async *query(session: Session, sql: string, ctx: QueryContext): AsyncGenerator<QueryResult> {
    const engine = this.sqlSession(session);
    const timing = new StatementTiming(this.options.statements);
    this.processes.begin(session, 'Query', sql);
    try {
      for await (const outcome of engine.execute(sql, ctx.multiStatements, ctx.signal)) {
        syncSession(session, engine);
        this.processes.statementEnded(session);
        // Resumed once the protocol wrote the result (a stream: all its rows).
        yield timing.outcome(queryResult(outcome));
        timing.ended();
      }
    } catch (error) {
      timing.threw();
      throw error;
    } finally {
      timing.ended();
      syncSession(session, engine);
      this.processes.end(session);
    }
  }

  /** COM_STMT_PREPARE: parsed once by the session; queries describe their columns. */
  async prepare(session: Session, statementId: number, sql: string): Promise<PreparedStatement> {
    const engine = this.sqlSession(session);
    this.processes.count(session, 'Com_stmt_prepare');
    this.processes.begin(session, 'Prepare', sql);
    try {
      const prepared = await engine.prepare(statementId, sql);
      this.preparedTexts.set(`${session.connectionId}:${statementId}`, sql);
      return { paramCount: prepared.paramCount, columns: prepared.columns.map(columnDefinition) };
    } catch (error) {
      throw mysqlErrorOf(error);
    } finally {
      this.processes.end(session);
    }
  }

  /** COM_STMT_EXECUTE: the parameters as the client typed them, as engine values. */
  async *execute(
    session: Session,
    statementId: number,
    params: readonly BoundParam[],
    ctx: CommandContext,
  ): AsyncGenerator<QueryResult> {
    const engine = this.sqlSession(session);
    this.processes.count(session, 'Com_stmt_execute');
    const text = this.preparedTexts.get(`${session.connectionId}:${statementId}`);
    const timing = new StatementTiming(this.options.statements);
    this.processes.begin(session, 'Execute', text);
    try {
      const outcome = await engine.executePrepared(statementId, params.map(paramValue), ctx.signal);
      syncSession(session, engine);
      yield timing.outcome(queryResult(outcome));
    } catch (error) {
      timing.threw();
      throw error;
    } finally {
      timing.ended();
      syncSession(session, engine);
      this.processes.end(session);
    }
  }

  closeStatement(session: Session, statementId: number): void {
    this.processes.count(session, 'Com_stmt_close');
    this.preparedTexts.delete(`${session.connectionId}:${statementId}`);
    this.connections.get(session.connectionId)?.sql.closePrepared(statementId);
  }

  /** COM_FIELD_LIST: the table's columns with their defaults, checked as SHOW COLUMNS. */
  async fieldList(
    session: Session,
    table: string,
    wildcard: string,
  ): Promise<readonly ColumnDefinition[]> {
    const engine = this.sqlSession(session);
    this.processes.question(session, 'Com_show_fields');
    this.processes.begin(session, 'Field List', table);
    try {
      const columns = await engine.fieldList(table, wildcard);
      return columns.map((c) => ({ ...columnDefinition(c), defaultValue: c.defaultValue }));
    } catch (error) {
      throw mysqlErrorOf(error);
    } finally {
      this.processes.end(session);
    }
  }

  statistics(): string {
    return this.processes.statistics();
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
    this.processes.closed(session);
    // An open transaction dies with its connection (nothing of it reached the slices).
    this.connections.get(session.connectionId)?.sql.reset();
    this.connections.delete(session.connectionId);
  }

  /** The stored credential for a password, in the format the protocol checks (credentials.ts). */
  private readonly makeCredential = async (plugin: string, password: string): Promise<string> => {
    switch (plugin) {
      case AuthPlugin.NATIVE:
        return nativeCredential(password);
      case AuthPlugin.CACHING_SHA2:
        return sha2Credential(password, this.options.randomBytes(16), this.options.scryptCost);
      default:
        throw new Error(`no credential format for plugin '${plugin}'`);
    }
  };

  private sqlSession(session: Session): SqlSession {
    const existing = this.connections.get(session.connectionId);
    if (existing !== undefined && existing.user === session.user) return existing.sql;
    const sql = new SqlSession({
      catalog: this.options.catalog,
      connectionId: session.connectionId,
      processes: this.processes.portFor(session),
      user: session.user,
      host: session.host,
      // The account the protocol authenticated (its host may be a pattern such as '%').
      account: {
        user: session.user,
        host: session.account?.host ?? session.host,
        usedPassword: (session.account?.credential ?? '') !== '',
      },
      makeCredential: this.makeCredential,
      nowMicros: this.options.nowMicros,
      random: this.options.random,
      // Scans stream: rows leave while the scan runs (the protocol writes them with backpressure).
      streamResults: true,
      ...(this.options.data === undefined ? {} : { data: this.options.data }),
      ...(this.options.clusterOps === undefined ? {} : { clusterOps: this.options.clusterOps }),
      ...(this.options.yieldToEventLoop === undefined
        ? {}
        : { yieldToEventLoop: this.options.yieldToEventLoop }),
    });
    if (session.database !== undefined) sql.database = session.database;
    this.connections.set(session.connectionId, { user: session.user, sql });
    return sql;
  }
}

/**
 * One command's statements, timed for a `StatementObserver`: a statement starts when the
 * previous one ended (or the command began) and ends when its result was written — `ended()`
 * once the protocol resumed the handler, or in its `finally` when the protocol stopped early —
 * or when the engine threw. Each statement that produced an outcome (or threw) is reported
 * exactly once.
 */
class StatementTiming {
  private startedMs: number;
  /** A statement produced its outcome (or threw) and is not reported yet. */
  private pending = false;
  private failed = false;

  constructor(private readonly observer: StatementObserver | undefined) {
    this.startedMs = observer?.monotonicMs() ?? 0;
  }

  /** The statement's outcome; a streamed result set is watched for an error that ends it. */
  outcome(result: QueryResult): QueryResult {
    if (this.observer === undefined) return result;
    this.pending = true;
    if (result.kind === 'error') this.failed = true;
    if (result.kind !== 'resultset' || !(Symbol.asyncIterator in result.rows)) return result;
    const rows = watchStream(result.rows, () => {
      this.failed = true;
    });
    // `warnings` of a stream is read after its last row (a getter): keep it one.
    return {
      kind: 'resultset',
      columns: result.columns,
      rows,
      get warnings() {
        return result.warnings;
      },
    };
  }

  /** The engine threw instead of answering: the statement running failed. */
  threw(): void {
    this.pending = true;
    this.failed = true;
  }

  ended(): void {
    const observer = this.observer;
    if (observer === undefined || !this.pending) return;
    const now = observer.monotonicMs();
    observer.onStatementEnd(Math.max(0, now - this.startedMs) * 1000, this.failed);
    this.startedMs = now;
    this.pending = false;
    this.failed = false;
  }
}

/** A streamed result's rows, unchanged, calling `onError` when the stream ends in an error. */
async function* watchStream(rows: AsyncIterable<Row>, onError: () => void): AsyncGenerator<Row> {
  try {
    yield* rows;
  } catch (error) {
    onError();
    throw error;
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
