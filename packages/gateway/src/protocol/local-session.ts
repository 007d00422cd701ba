/**
 * A connection of the gateway without a socket: the console's SQL page runs its statements
 * through one, in process, on the very handler wire clients reach.
 *
 *   MysqlServer.openLocalSession(user, accountHost)
 *     │ handler.lookupAccount(user, accountHost): the account must exist, exactly that one
 *     │ same connection-id counter as sockets; handler.newConnection → SHOW PROCESSLIST (host
 *     ▼ `console`), KILL reaches it through the server's ConnectionControl
 *   LocalSession.use(db) ─► handler.initDb          (COM_INIT_DB)
 *   LocalSession.query(sql) ─► handler.query        (COM_QUERY, multi-statements allowed)
 *     │ each result collected: rows as the text protocol writes them, `maxRows` kept, the rest
 *     ▼ counted; after an error nothing more is read (as the protocol)
 *   LocalSession.close() ─► handler.connectionClosed (an open transaction is rolled back)
 *
 * No password is checked: the caller (the console) has already authenticated its own user and
 * maps it to a database account, so the session is that account's from the start. Privileges
 * are still the database's: the engine checks them as for any connection of that account.
 *
 * The handler's concurrency contract holds here as on a socket: one command at a time (a second
 * `query` while one runs is refused), `connectionClosed` exactly once, after the last call
 * settled.
 */
import type {
  Account,
  ErrorResult,
  Handler,
  OkResult,
  QueryResult,
  ResultSet,
  Session,
} from '../handler';
import { ColumnFlag, ColumnType } from './constants';
import { MysqlError } from './errors';
import { resolveColumn } from './packets';
import type { ResolvedColumn } from './packets';
import { textBytes } from './values';
import type { Value } from './values';

/** The client host SHOW PROCESSLIST shows for a local session (no port: no socket). */
export const LOCAL_SESSION_HOST = 'console';

/** One result column: its name and MySQL's name for its wire type (`LONGLONG`, `VAR_STRING`). */
export interface LocalColumn {
  readonly name: string;
  readonly type: string;
}

/** A row as the text protocol shows it: each value its text, null for SQL NULL. */
export type TextRow = readonly (string | null)[];

/** One statement's outcome, collected. */
export type LocalResult =
  | {
      readonly kind: 'rows';
      readonly columns: readonly LocalColumn[];
      /** The first `maxRows` rows. */
      readonly rows: readonly TextRow[];
      /** Every row the statement returned (more than `rows.length` when cut). */
      readonly rowCount: number;
      readonly warnings: number;
    }
  | {
      readonly kind: 'ok';
      readonly affectedRows: number;
      readonly lastInsertId: number;
      readonly warnings: number;
      readonly info: string;
    }
  | ErrorResult;

export interface LocalQueryOptions {
  /** Rows kept per result set; the rest are counted. */
  readonly maxRows: number;
}

/** What a local session needs from its server. */
export interface LocalSessionEnvironment {
  readonly handler: Handler;
  readonly defaultCollation: number;
  /** Called once, when the session is gone (the server forgets it). */
  readonly onClosed: () => void;
}

class LocalSessionState implements Session {
  readonly host = LOCAL_SESSION_HOST;
  /** No socket: SHOW PROCESSLIST shows the host alone, as MySQL does for a socket file. */
  readonly port = 0;
  readonly authenticated = true;
  readonly bytesReceived = 0;
  readonly bytesSent = 0;
  readonly tls = false;
  readonly attributes: ReadonlyMap<string, string> = new Map([['_client_name', 'tessera-console']]);
  database: string | undefined = undefined;
  inTransaction = false;
  autocommit = true;
  constructor(
    readonly connectionId: number,
    readonly user: string,
    readonly account: Account,
    readonly collation: number,
  ) {}
}

type Phase = 'idle' | 'busy' | 'closed';

export class LocalSession {
  readonly session: LocalSessionState;
  private phase: Phase = 'idle';
  private closeRequested = false;
  private command: AbortController | undefined;
  private resolveClosed: () => void = () => undefined;
  /** Resolves once `connectionClosed` was called for this session. */
  readonly closed: Promise<void>;

  constructor(
    readonly id: number,
    user: string,
    account: Account,
    private readonly env: LocalSessionEnvironment,
  ) {
    this.session = new LocalSessionState(id, user, account, env.defaultCollation);
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    env.handler.newConnection?.(this.session);
  }

  get isClosed(): boolean {
    return this.phase === 'closed';
  }

  /** The default database, as the handler keeps it (a USE changes it). */
  get database(): string | undefined {
    return this.session.database;
  }

  /** COM_INIT_DB: the error (unknown database, no privilege) or undefined when it is set. */
  async use(database: string): Promise<ErrorResult | undefined> {
    const signal = this.begin();
    if (signal instanceof MysqlError) return errorResult(signal);
    try {
      await this.env.handler.initDb(this.session, database, { signal });
      this.session.database = database;
      return undefined;
    } catch (e) {
      return errorResult(signal.aborted ? interrupted() : MysqlError.fromUnknown(e));
    } finally {
      this.finish();
    }
  }

  /**
   * COM_QUERY with multi-statements allowed: one result per statement, in order; an error ends
   * the stream (nothing after it runs). Each result set is read to its end before the next
   * statement is asked for, so a streamed scan holds no more than the rows kept.
   */
  async *query(sql: string, options: LocalQueryOptions): AsyncGenerator<LocalResult> {
    const signal = this.begin();
    if (signal instanceof MysqlError) {
      yield errorResult(signal);
      return;
    }
    const stream = this.env.handler.query(this.session, sql, { signal, multiStatements: true });
    const iterator = toAsync(stream);
    try {
      for (;;) {
        let next: IteratorResult<QueryResult>;
        try {
          next = await iterator.next();
        } catch (e) {
          yield errorResult(signal.aborted ? interrupted() : MysqlError.fromUnknown(e));
          return;
        }
        if (next.done === true) return;
        const result = next.value;
        switch (result.kind) {
          case 'error':
            yield result;
            return;
          case 'ok':
            yield okResult(result);
            break;
          case 'resultset': {
            const collected = await this.collect(result, options.maxRows, signal);
            yield collected;
            if (collected.kind === 'error') return;
            break;
          }
        }
      }
    } finally {
      await iterator.return(undefined);
      this.finish();
    }
  }

  /** KILL CONNECTION: interrupts the running command; the session closes once it answered. */
  kill(): void {
    this.command?.abort();
    this.closeGracefully();
  }

  /** KILL QUERY: interrupts the running command, if any. */
  killQuery(): void {
    this.command?.abort();
  }

  /** Closes now when idle, else once the running command has answered. */
  closeGracefully(): void {
    this.closeRequested = true;
    if (this.phase === 'idle') this.close();
  }

  /**
   * Ends the session (the owner calls it when done; idempotent): the handler drops its engine
   * session, rolling back an open transaction. While a command runs, it closes after it.
   */
  close(): void {
    if (this.phase === 'busy') {
      this.closeRequested = true;
      return;
    }
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.env.handler.connectionClosed?.(this.session);
    this.env.onClosed();
    this.resolveClosed();
  }

  /** Starts a command: its signal, or the error to answer when the session is gone. */
  private begin(): AbortSignal | MysqlError {
    if (this.phase === 'closed' || this.closeRequested) {
      return MysqlError.of('ER_QUERY_INTERRUPTED', 'The session was closed or killed');
    }
    if (this.phase === 'busy') throw new Error('a local session runs one command at a time');
    this.phase = 'busy';
    const controller = new AbortController();
    this.command = controller;
    return controller.signal;
  }

  private finish(): void {
    this.command = undefined;
    this.phase = 'idle';
    if (this.closeRequested) this.close();
  }

  /** Reads a result set to its end: the first `maxRows` rows as text, the rest counted. */
  private async collect(
    result: ResultSet,
    maxRows: number,
    signal: AbortSignal,
  ): Promise<LocalResult> {
    const columns = result.columns.map((c) => resolveColumn(c, this.session.collation));
    const rows: TextRow[] = [];
    let rowCount = 0;
    try {
      for await (const values of result.rows) {
        rowCount++;
        if (rows.length < maxRows) rows.push(columns.map((c, i) => textValue(values[i], c)));
      }
    } catch (e) {
      return errorResult(signal.aborted ? interrupted() : MysqlError.fromUnknown(e));
    }
    return {
      kind: 'rows',
      columns: columns.map((c) => ({ name: c.def.name, type: columnTypeName(c.type) })),
      rows,
      rowCount,
      // Read after the last row: a streamed result counts its warnings as it goes.
      warnings: result.warnings ?? 0,
    };
  }
}

const utf8 = new TextDecoder('utf-8');

/**
 * A value as the text protocol writes it (values.ts's `textBytes`, the one formatting), read
 * back as text. Binary strings (the BINARY flag on a non-numeric column) are shown in hex,
 * `0x…`, as the mysql client's --binary-as-hex does: their bytes need not be UTF-8.
 */
function textValue(value: Value | undefined, column: ResolvedColumn): string | null {
  if (value === null || value === undefined) return null;
  const bytes = textBytes(value, column);
  const binary = (column.flags & ColumnFlag.BINARY) !== 0 && (column.flags & ColumnFlag.NUM) === 0;
  const temporal =
    column.type === ColumnType.Date ||
    column.type === ColumnType.DateTime ||
    column.type === ColumnType.Timestamp ||
    column.type === ColumnType.Time;
  if (binary && !temporal && column.type !== ColumnType.Json) return `0x${hex(bytes)}`;
  return utf8.decode(bytes);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** MySQL's names for the wire types (enum_field_types without the MYSQL_TYPE_ prefix). */
const TYPE_NAMES: Readonly<Record<ColumnType, string>> = {
  [ColumnType.Decimal]: 'DECIMAL',
  [ColumnType.Tiny]: 'TINY',
  [ColumnType.Short]: 'SHORT',
  [ColumnType.Long]: 'LONG',
  [ColumnType.Float]: 'FLOAT',
  [ColumnType.Double]: 'DOUBLE',
  [ColumnType.Null]: 'NULL',
  [ColumnType.Timestamp]: 'TIMESTAMP',
  [ColumnType.LongLong]: 'LONGLONG',
  [ColumnType.Int24]: 'INT24',
  [ColumnType.Date]: 'DATE',
  [ColumnType.Time]: 'TIME',
  [ColumnType.DateTime]: 'DATETIME',
  [ColumnType.Year]: 'YEAR',
  [ColumnType.VarChar]: 'VARCHAR',
  [ColumnType.Bit]: 'BIT',
  [ColumnType.Json]: 'JSON',
  [ColumnType.NewDecimal]: 'NEWDECIMAL',
  [ColumnType.Enum]: 'ENUM',
  [ColumnType.Set]: 'SET',
  [ColumnType.TinyBlob]: 'TINY_BLOB',
  [ColumnType.MediumBlob]: 'MEDIUM_BLOB',
  [ColumnType.LongBlob]: 'LONG_BLOB',
  [ColumnType.Blob]: 'BLOB',
  [ColumnType.VarString]: 'VAR_STRING',
  [ColumnType.String]: 'STRING',
  [ColumnType.Geometry]: 'GEOMETRY',
};

export function columnTypeName(type: ColumnType): string {
  return TYPE_NAMES[type];
}

function okResult(result: OkResult): LocalResult {
  return {
    kind: 'ok',
    affectedRows: Number(result.affectedRows ?? 0),
    lastInsertId: Number(result.lastInsertId ?? 0),
    warnings: result.warnings ?? 0,
    info: result.info ?? '',
  };
}

function errorResult(e: MysqlError): ErrorResult {
  return { kind: 'error', code: e.code, sqlState: e.sqlState, message: e.message };
}

function interrupted(): MysqlError {
  return MysqlError.of('ER_QUERY_INTERRUPTED', 'Query execution was interrupted');
}

async function* toAsync<T>(items: Iterable<T> | AsyncIterable<T>): AsyncGenerator<T> {
  yield* items;
}
