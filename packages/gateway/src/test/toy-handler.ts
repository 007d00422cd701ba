/**
 * An in-memory toy behind the Handler interface, for the protocol tests only: a few fixed
 * tables, literal SELECTs, `SELECT ?`, errors for unknown tables, a cancellable SLEEP.
 * Statements are matched by pattern; this is not SQL.
 */
import { randomBytes } from 'node:crypto';

import type {
  Account,
  BoundParam,
  ColumnDefinition,
  CommandContext,
  Handler,
  PreparedStatement,
  QueryContext,
  QueryResult,
  Row,
  Session,
} from '../index';
import {
  AuthPlugin,
  ColumnFlag,
  ColumnType,
  MysqlError,
  dateTime,
  nativeCredential,
  sha2Credential,
  time,
} from '../index';

export const PASSWORDS = {
  root: 'rootpw',
  native: 'nativepw',
  sha2: 'sha2pw',
} as const;

/** Cheap scrypt for tests (production uses DEFAULT_SCRYPT_COST). */
const TEST_COST = { N: 1024, r: 8, p: 1 };

export async function toyAccounts(): Promise<Map<string, Account>> {
  const salt = (): Uint8Array => randomBytes(16);
  return new Map<string, Account>([
    [
      'root',
      {
        plugin: AuthPlugin.CACHING_SHA2,
        credential: await sha2Credential(PASSWORDS.root, salt(), TEST_COST),
      },
    ],
    [
      'sha2',
      {
        plugin: AuthPlugin.CACHING_SHA2,
        credential: await sha2Credential(PASSWORDS.sha2, salt(), TEST_COST),
      },
    ],
    ['native', { plugin: AuthPlugin.NATIVE, credential: nativeCredential(PASSWORDS.native) }],
    ['nopw', { plugin: AuthPlugin.CACHING_SHA2, credential: '' }],
  ]);
}

export const TYPES_COLUMNS: readonly ColumnDefinition[] = [
  { name: 'tiny', type: ColumnType.Tiny },
  { name: 'utiny', type: ColumnType.Tiny, flags: ColumnFlag.UNSIGNED },
  { name: 'short', type: ColumnType.Short },
  { name: 'medium', type: ColumnType.Int24 },
  { name: 'long', type: ColumnType.Long },
  { name: 'longlong', type: ColumnType.LongLong },
  { name: 'ulonglong', type: ColumnType.LongLong, flags: ColumnFlag.UNSIGNED },
  { name: 'float', type: ColumnType.Float },
  { name: 'double', type: ColumnType.Double },
  { name: 'decimal', type: ColumnType.NewDecimal, decimals: 4, length: 12 },
  { name: 'varchar', type: ColumnType.VarString },
  { name: 'char', type: ColumnType.String },
  { name: 'blob', type: ColumnType.Blob, collation: 63 },
  { name: 'date', type: ColumnType.Date },
  { name: 'datetime', type: ColumnType.DateTime, decimals: 6 },
  { name: 'timestamp', type: ColumnType.Timestamp },
  { name: 'time', type: ColumnType.Time },
  { name: 'ftime', type: ColumnType.Time, decimals: 3 },
  { name: 'year', type: ColumnType.Year, flags: ColumnFlag.UNSIGNED },
  { name: 'json', type: ColumnType.Json },
  { name: 'enum', type: ColumnType.String, flags: ColumnFlag.ENUM },
  { name: 'nothing', type: ColumnType.VarString },
].map((c) => ({ ...c, table: 'types', schema: 'test' }));

export const TYPES_ROW: Row = [
  -128,
  255,
  -32768,
  -8388608,
  -2147483648,
  -9223372036854775808n,
  18446744073709551615n,
  1.5,
  3.141592653589793,
  '-12345.6789',
  'héllo wörld',
  'c',
  Uint8Array.of(0, 1, 2, 0xff),
  dateTime(2024, 2, 29),
  dateTime(1999, 12, 31, 23, 59, 58, 123456),
  dateTime(2038, 1, 19, 3, 14, 7),
  time(true, 838, 59, 59),
  time(false, 12, 34, 56, 500000),
  2024,
  '{"a": [1, 2]}',
  'b',
  null,
];

const USERS_COLUMNS: readonly ColumnDefinition[] = [
  {
    name: 'id',
    type: ColumnType.Long,
    flags: ColumnFlag.NOT_NULL | ColumnFlag.PRI_KEY,
    table: 'users',
  },
  { name: 'name', type: ColumnType.VarString, length: 400, table: 'users' },
];
const USERS_ROWS: Row[] = [
  [1, 'ada'],
  [2, 'grace'],
  [3, null],
];

const DATABASES = new Set(['test', 'other']);

function sleep(seconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, seconds * 1000);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });
}

/** Splits on ';' outside quotes; empty statements dropped. */
function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === ';') {
      out.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  out.push(current);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

function one(name: string, type: ColumnType, value: Row[number], flags = 0): QueryResult {
  return { kind: 'resultset', columns: [{ name, type, flags }], rows: [[value]] };
}

export interface ToyEvents {
  closed: number[];
  resets: number;
  statementsClosed: number;
}

export class ToyHandler implements Handler {
  readonly events: ToyEvents = { closed: [], resets: 0, statementsClosed: 0 };
  private readonly statements = new Map<string, { sql: string; paramCount: number }>();

  constructor(readonly accounts: Map<string, Account>) {}

  lookupAccount(user: string): Promise<Account | undefined> {
    return Promise.resolve(this.accounts.get(user));
  }

  initDb(session: Session, database: string): Promise<void> {
    if (!DATABASES.has(database)) {
      return Promise.reject(MysqlError.of('ER_BAD_DB_ERROR', `Unknown database '${database}'`));
    }
    session.database = database;
    return Promise.resolve();
  }

  async *query(session: Session, sql: string, ctx: QueryContext): AsyncGenerator<QueryResult> {
    const statements = splitStatements(sql);
    if (statements.length === 0) throw MysqlError.of('ER_EMPTY_QUERY', 'Query was empty');
    if (statements.length > 1 && !ctx.multiStatements) {
      throw MysqlError.of(
        'ER_PARSE_ERROR',
        `You have an error in your SQL syntax; check the manual near '${statements[1] ?? ''}' at line 1`,
      );
    }
    for (const statement of statements) yield await this.statement(session, statement, [], ctx);
  }

  private async statement(
    session: Session,
    sql: string,
    params: readonly BoundParam[],
    ctx: CommandContext,
  ): Promise<QueryResult> {
    let m: RegExpExecArray | null;
    if (/^select 1$/i.test(sql)) return one('1', ColumnType.LongLong, 1n, ColumnFlag.NOT_NULL);
    if (/^select \?$/i.test(sql)) {
      const p = params[0];
      return one(
        '?',
        p?.type ?? ColumnType.Null,
        p?.value ?? null,
        p?.unsigned ? ColumnFlag.UNSIGNED : 0,
      );
    }
    if (/^select length\(\?\)$/i.test(sql)) {
      const v = params[0]?.value;
      const length =
        v instanceof Uint8Array ? v.length : typeof v === 'string' ? Buffer.byteLength(v) : 0;
      return one('length', ColumnType.LongLong, length);
    }
    if ((m = /^select repeat\('(.)', (\d+)\)$/i.exec(sql))) {
      return one('repeat', ColumnType.LongBlob, (m[1] ?? '').repeat(Number(m[2])));
    }
    if ((m = /^select sleep\((\d+(?:\.\d+)?)\)$/i.exec(sql))) {
      await sleep(Number(m[1]), ctx.signal);
      return one('sleep', ColumnType.LongLong, 0);
    }
    if (/^select @@version_comment limit 1$/i.test(sql)) {
      return one('@@version_comment', ColumnType.VarString, 'Tessera toy');
    }
    if (/^select database\(\)$/i.test(sql))
      return one('database()', ColumnType.VarString, session.database ?? null);
    if (/^select user\(\)$/i.test(sql))
      return one('user()', ColumnType.VarString, `${session.user}@${session.host}`);
    if (/^select connection_id\(\)$/i.test(sql))
      return one('connection_id()', ColumnType.LongLong, session.connectionId);
    if (/^select \* from types$/i.test(sql)) {
      return { kind: 'resultset', columns: TYPES_COLUMNS, rows: [TYPES_ROW] };
    }
    if (/^select \* from users$/i.test(sql)) {
      return { kind: 'resultset', columns: USERS_COLUMNS, rows: USERS_ROWS };
    }
    if (/^select \* from users where id = \?$/i.test(sql)) {
      const id = Number(params[0]?.value);
      return {
        kind: 'resultset',
        columns: USERS_COLUMNS,
        rows: USERS_ROWS.filter((r) => r[0] === id),
      };
    }
    if ((m = /^select \* from (\w+)$/i.exec(sql))) {
      throw MysqlError.of(
        'ER_NO_SUCH_TABLE',
        `Table '${session.database ?? 'test'}.${m[1] ?? ''}' doesn't exist`,
      );
    }
    if (/^insert /i.test(sql)) {
      return { kind: 'ok', affectedRows: 1, lastInsertId: 42, warnings: /warn/i.test(sql) ? 2 : 0 };
    }
    if (/^begin$/i.test(sql)) {
      session.inTransaction = true;
      return { kind: 'ok' };
    }
    if (/^(commit|rollback)$/i.test(sql)) {
      session.inTransaction = false;
      return { kind: 'ok' };
    }
    if ((m = /^use (\w+)$/i.exec(sql))) {
      await this.initDb(session, m[1] ?? '');
      return { kind: 'ok' };
    }
    if ((m = /^set @(\w+) = (\d+)$/i.exec(sql))) return { kind: 'ok' };
    throw MysqlError.of(
      'ER_PARSE_ERROR',
      `You have an error in your SQL syntax near '${sql.slice(0, 40)}' at line 1`,
    );
  }

  prepare(session: Session, statementId: number, sql: string): Promise<PreparedStatement> {
    const paramCount = (sql.match(/\?/g) ?? []).length;
    if (/^select \* from (?!types$|users)/i.test(sql)) {
      return Promise.reject(
        MysqlError.of('ER_NO_SUCH_TABLE', `Table 'test.${sql.slice(14)}' doesn't exist`),
      );
    }
    this.statements.set(`${session.connectionId}:${statementId}`, { sql, paramCount });
    return Promise.resolve({ paramCount, columns: [] });
  }

  async *execute(
    session: Session,
    statementId: number,
    params: readonly BoundParam[],
    ctx: CommandContext,
  ): AsyncGenerator<QueryResult> {
    const stmt = this.statements.get(`${session.connectionId}:${statementId}`);
    if (stmt === undefined) throw new Error('no such statement');
    yield await this.statement(session, stmt.sql, params, ctx);
  }

  closeStatement(session: Session, statementId: number): void {
    this.statements.delete(`${session.connectionId}:${statementId}`);
    this.events.statementsClosed++;
  }

  fieldList(): Promise<readonly ColumnDefinition[]> {
    return Promise.resolve(USERS_COLUMNS);
  }

  resetSession(session: Session): Promise<void> {
    this.events.resets++;
    session.inTransaction = false;
    return Promise.resolve();
  }

  connectionClosed(session: Session): void {
    this.events.closed.push(session.connectionId);
  }
}
