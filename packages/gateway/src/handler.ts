/**
 * The narrow interface between the MySQL wire protocol and whatever answers queries (the SQL
 * engine; a toy in tests). The protocol layer knows nothing about SQL; the handler knows
 * nothing about packets, sequence ids, capability flags or authentication cryptography.
 *
 * Concurrency contract (as in Vitess' go/mysql Handler):
 * - calls for one connection never overlap: the next call starts after the previous one's
 *   promise settled and, for result streams, after its iterator finished or was abandoned;
 * - calls for different connections run concurrently;
 * - `connectionClosed` is called exactly once per connection that reached `newConnection`,
 *   after the last call for that connection settled;
 * - `ctx.signal` aborts when the client goes away, the connection is killed, or the query is
 *   killed (`MysqlServer.killQuery`); a handler should then stop and throw (the protocol
 *   answers ER_QUERY_INTERRUPTED if the connection is still open).
 * - `attach` is called once, by the MysqlServer the handler is given to, before any
 *   connection: it hands the handler the server's KILL (ConnectionControl).
 *
 * Errors: throw {@link MysqlError} for an answer the client should see with its code and
 * SQLSTATE; anything else becomes ER_UNKNOWN_ERROR (1105, HY000). Yielding an `error` result
 * is the same as throwing it, and ends the stream.
 */
import type { AuthPluginName, ColumnType } from './protocol/constants';
import type { BoundParam, Row } from './protocol/values';

/** What the protocol knows about a client connection. The handler owns the mutable fields. */
export interface Session {
  readonly connectionId: number;
  /** The authenticated user (changes with COM_CHANGE_USER). */
  readonly user: string;
  /**
   * The account the user authenticated as (from `lookupAccount`; changes with
   * COM_CHANGE_USER); undefined before authentication.
   */
  readonly account: Account | undefined;
  /** The client's address as seen by the server, e.g. '127.0.0.1'. */
  readonly host: string;
  /** The client's TCP port. */
  readonly port: number;
  /** Whether the handshake's authentication succeeded (false while it runs). */
  readonly authenticated: boolean;
  /** Bytes read from / written to the client's socket so far (TLS records included). */
  readonly bytesReceived: number;
  readonly bytesSent: number;
  readonly tls: boolean;
  /** Connection attributes the client sent (`_client_name`, `program_name`, …). */
  readonly attributes: ReadonlyMap<string, string>;
  /** The collation id the client asked for in its handshake. */
  readonly collation: number;
  /** The current database; set by the protocol after a successful `initDb`, or by the handler. */
  database: string | undefined;
  /** Reported in every OK/EOF as SERVER_STATUS_IN_TRANS; maintained by the handler. */
  inTransaction: boolean;
  /** Reported as SERVER_STATUS_AUTOCOMMIT; maintained by the handler. */
  autocommit: boolean;
}

/** A stored credential for one account. See README "Credential storage". */
export interface Account {
  /**
   * The account's host as stored (`%`, a pattern or a name), which with the user is who the
   * session is: CURRENT_USER() and whose privileges apply. Absent: the client's own host.
   */
  readonly host?: string;
  readonly plugin: AuthPluginName;
  /**
   * For mysql_native_password: '*' + HEX(SHA1(SHA1(password))) (MySQL's own format), or ''
   * for no password. For caching_sha2_password: '$scrypt$…' from `createCredential`, or ''.
   */
  readonly credential: string;
}

export interface ColumnDefinition {
  readonly name: string;
  readonly type: ColumnType;
  /** ColumnFlag bits (NOT_NULL, UNSIGNED, BINARY, …). */
  readonly flags?: number;
  /** Collation id; defaults to the session's for text types and binary (63) otherwise. */
  readonly collation?: number;
  /** Maximum display length in bytes; defaults by type. */
  readonly length?: number;
  /** Fractional digits (DECIMAL scale, fractional seconds; 0x1f for FLOAT/DOUBLE "not fixed"). */
  readonly decimals?: number;
  readonly schema?: string;
  readonly table?: string;
  readonly orgTable?: string;
  readonly orgName?: string;
  /** COM_FIELD_LIST only: the column's default as text; absent or null is sent as NULL. */
  readonly defaultValue?: string | null;
}

export interface OkResult {
  readonly kind: 'ok';
  readonly affectedRows?: number | bigint;
  readonly lastInsertId?: number | bigint;
  readonly warnings?: number;
  readonly info?: string;
}

export interface ResultSet {
  readonly kind: 'resultset';
  readonly columns: readonly ColumnDefinition[];
  /** Rows are written as they are produced, with backpressure from the socket. */
  readonly rows: Iterable<Row> | AsyncIterable<Row>;
  readonly warnings?: number;
}

export interface ErrorResult {
  readonly kind: 'error';
  readonly code: number;
  readonly sqlState: string;
  readonly message: string;
}

export type QueryResult = OkResult | ResultSet | ErrorResult;

/** The results of one command, in order; one per statement of a multi-statement query. */
export type ResultStream = Iterable<QueryResult> | AsyncIterable<QueryResult>;

export interface CommandContext {
  /** Aborted when the connection closes or the command is killed. */
  readonly signal: AbortSignal;
}

export interface QueryContext extends CommandContext {
  /**
   * Whether the client allows several statements in one COM_QUERY
   * (CLIENT_MULTI_STATEMENTS, toggled by COM_SET_OPTION). Without it the handler must reject
   * a multi-statement text as a syntax error (1064), as MySQL does.
   */
  readonly multiStatements: boolean;
}

export interface PreparedStatement {
  /** Number of '?' placeholders. */
  readonly paramCount: number;
  /** The result columns, if known at prepare time (may be empty). */
  readonly columns: readonly ColumnDefinition[];
}

/** What the server lets its handler do to connections (KILL). Unknown ids answer false. */
export interface ConnectionControl {
  /** KILL CONNECTION: closes the connection now, interrupting its running command. */
  kill(connectionId: number): boolean;
  /** KILL QUERY: interrupts the connection's running command (none running: no effect). */
  killQuery(connectionId: number): boolean;
  /** Closes the connection once its running command (if any) has answered. */
  end(connectionId: number): boolean;
}

export interface Handler {
  /** Once, from the server's constructor: how to kill its connections. */
  attach?(control: ConnectionControl): void;
  /** Before authentication: the connection exists (for limits, logging). */
  newConnection?(session: Session): void;
  /**
   * The account `user` would authenticate as from `host`, or undefined if none. The protocol
   * does the cryptography against the returned credential.
   */
  lookupAccount(user: string, host: string): Promise<Account | undefined>;
  /** COM_INIT_DB, `USE db`-like; also at connect when the client names a database. */
  initDb(session: Session, database: string, ctx: CommandContext): Promise<void>;
  /** COM_QUERY: the whole text, possibly several statements. */
  query(session: Session, sql: string, ctx: QueryContext): ResultStream;
  /** COM_STMT_PREPARE; `statementId` is allocated by the protocol and unique per connection. */
  prepare(
    session: Session,
    statementId: number,
    sql: string,
    ctx: CommandContext,
  ): Promise<PreparedStatement>;
  /** COM_STMT_EXECUTE with the parameters decoded (`params.length === paramCount`). */
  execute(
    session: Session,
    statementId: number,
    params: readonly BoundParam[],
    ctx: CommandContext,
  ): ResultStream;
  /** COM_STMT_CLOSE (also for every open statement on reset/change user/close). */
  closeStatement(session: Session, statementId: number): void;
  /**
   * COM_FIELD_LIST (deprecated): the columns of a table in the current database whose names
   * match `wildcard` (a LIKE pattern; '' = all), with their defaults.
   */
  fieldList?(
    session: Session,
    table: string,
    wildcard: string,
    ctx: CommandContext,
  ): Promise<readonly ColumnDefinition[]>;
  /** COM_STATISTICS: a one-line human-readable status. */
  statistics?(session: Session): string;
  /**
   * COM_RESET_CONNECTION and COM_CHANGE_USER: drop session state (variables, temporary
   * tables, open transaction). Prepared statements are closed first, one by one.
   */
  resetSession(session: Session): Promise<void>;
  /** Exactly once, after the last call for this connection settled. */
  connectionClosed?(session: Session): void;
}
