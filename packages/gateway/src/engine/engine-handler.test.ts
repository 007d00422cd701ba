/**
 * The engine handler against a real driver: mysql2 over real TCP, a real SqlSession per
 * connection, over an in-memory catalog (test/memory-catalog.ts).
 */
import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import type { Connection, ConnectionOptions, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

import {
  allPrivilegesAt,
  AuthPlugin,
  ColumnType,
  MysqlServer,
  nativeCredential,
  sha2Credential,
} from '../index';
import type { StoredAccount } from '../index';
import { testKeys } from '../test/harness';
import { EngineHandler } from './engine-handler';
import { findAccount } from './accounts';
import { MemoryCatalog } from './test/memory-catalog';
import type { TestAccount } from './test/memory-catalog';

const TEST_COST = { N: 1024, r: 8, p: 1 };
const ROOT_PASSWORD = 'root-secret';
const NATIVE_PASSWORD = 'native-secret';

let server: MysqlServer;
let handler: EngineHandler;
let port: number;
/** What the statement observer was told, in order. */
const statementsEnded: { durationMicros: number; failed: boolean }[] = [];
/** The observer's monotonic clock: each reading 1 ms after the previous one. */
let monotonicMs = 0;

beforeAll(async () => {
  const accounts: TestAccount[] = [
    {
      user: 'root',
      host: '%',
      plugin: AuthPlugin.CACHING_SHA2,
      credential: await sha2Credential(ROOT_PASSWORD, randomBytes(16), TEST_COST),
      grants: [
        { database: '*', table: '*', privileges: allPrivilegesAt('global'), grantOption: true },
      ],
    },
    {
      user: 'app',
      host: '127.0.0.%',
      plugin: AuthPlugin.NATIVE,
      credential: nativeCredential(NATIVE_PASSWORD),
      grants: [],
    },
    // Less specific than 127.0.0.%: never chosen for a loopback client.
    {
      user: 'app',
      host: '%',
      plugin: AuthPlugin.NATIVE,
      credential: nativeCredential('other'),
      grants: [],
    },
  ];
  // One catalog is both the sessions' catalog and the logins' accounts, as in the server.
  const catalog = new MemoryCatalog(accounts);
  handler = new EngineHandler({
    catalog,
    accounts: catalog,
    nowMicros: () => BigInt(Date.UTC(2024, 1, 29, 12, 30, 45)) * 1000n,
    random: () => 0.5,
    uptimeSeconds: () => 100,
    randomBytes: (n) => randomBytes(n),
    scryptCost: TEST_COST,
    statements: {
      monotonicMs: () => ++monotonicMs,
      onStatementEnd: (durationMicros, failed) => {
        statementsEnded.push({ durationMicros, failed });
      },
    },
  });
  server = new MysqlServer({
    handler,
    random: { bytes: (n) => randomBytes(n) },
    keys: await testKeys(),
  });
  ({ port } = await server.listen({ host: '127.0.0.1', port: 0 }));
});

afterAll(async () => {
  await server.close();
});

function connect(options: ConnectionOptions = {}): Promise<Connection> {
  return mysql.createConnection({
    host: '127.0.0.1',
    port,
    user: 'root',
    password: ROOT_PASSWORD,
    ...options,
  });
}

describe('authentication through the account source', () => {
  it('caching_sha2 over TLS and over plain TCP (RSA), native with a host pattern', async () => {
    for (const options of [{ ssl: { rejectUnauthorized: false } }, {}]) {
      server.sha2Cache.invalidate('root', '127.0.0.1');
      const conn = await connect(options);
      const [rows] = await conn.query<RowDataPacket[]>('SELECT CURRENT_USER() AS u, USER() AS v');
      expect(rows[0]?.v).toBe('root@127.0.0.1');
      await conn.end();
    }
    const app = await connect({ user: 'app', password: NATIVE_PASSWORD });
    await app.end();
  });

  it('answers 1045 for a wrong password or an unknown user, 1049 for an unknown database', async () => {
    await expect(connect({ password: 'wrong' })).rejects.toMatchObject({ errno: 1045 });
    await expect(connect({ user: 'nobody' })).rejects.toMatchObject({ errno: 1045 });
    await expect(connect({ database: 'nope' })).rejects.toMatchObject({
      errno: 1049,
      sqlState: '42000',
      sqlMessage: "Unknown database 'nope'",
    });
  });
});

describe('queries', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await connect({ dateStrings: true, multipleStatements: true });
  });
  afterAll(async () => {
    await conn.end();
  });

  it('SELECT without FROM: values and column types as MySQL sends them', async () => {
    const [rows, fields] = await conn.query<RowDataPacket[]>(
      "SELECT 1 AS i, 1.50 AS d, 2.5e0 AS f, 'héllo' AS s, NULL AS n, DATE '2024-02-29' AS dt, " +
        "TIMESTAMP '1999-12-31 23:59:58.123' AS ts, TIME '-01:02:03' AS tm, @@version_comment AS vc",
    );
    expect(rows).toEqual([
      {
        i: 1,
        d: '1.50',
        f: 2.5,
        s: 'héllo',
        n: null,
        dt: '2024-02-29',
        ts: '1999-12-31 23:59:58.123',
        tm: '-01:02:03',
        vc: 'Tessera distributed SQL',
      },
    ]);
    // (@@version_comment's type is the engine's choice: not pinned here.)
    expect(fields.slice(0, 8).map((f) => f.columnType)).toEqual([
      ColumnType.LongLong,
      ColumnType.NewDecimal,
      ColumnType.Double,
      ColumnType.VarString,
      ColumnType.Null,
      ColumnType.Date,
      ColumnType.DateTime,
      ColumnType.Time,
    ]);
    expect(fields[0]?.flags).toBe(1 /* NOT_NULL */ | 128 /* BINARY */ | 0x8000 /* NUM */);
    expect(fields[3]?.characterSet).toBe(255);
    expect(fields[1]?.decimals).toBe(2);
  });

  it('NOW() comes from the injected clock', async () => {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT NOW() AS now');
    expect(rows[0]?.now).toBe('2024-02-29 12:30:45');
  });

  it('DDL through the catalog, USE, SHOW TABLES / DATABASES, DATABASE()', async () => {
    await conn.query('CREATE DATABASE shop');
    await conn.query('USE shop');
    const [created] = await conn.query<ResultSetHeader>(
      'CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))',
    );
    expect(created.affectedRows).toBe(0);
    const [tables] = await conn.query<RowDataPacket[]>('SHOW TABLES');
    expect(tables).toEqual([{ Tables_in_shop: 't' }]);
    const [dbs] = await conn.query<RowDataPacket[]>('SHOW DATABASES');
    expect(dbs.map((r) => String(r.Database))).toEqual(['information_schema', 'shop', 'system']);
    const [current] = await conn.query<RowDataPacket[]>('SELECT DATABASE() AS db');
    expect(current[0]?.db).toBe('shop');
  });

  it('errors keep their MySQL code and SQLSTATE; a warning count reaches the OK packet', async () => {
    await expect(conn.query('SELEC 1')).rejects.toMatchObject({
      errno: 1064,
      sqlState: '42000',
    });
    await expect(conn.query('CREATE DATABASE shop')).rejects.toMatchObject({ errno: 1007 });
    const [ok] = await conn.query<ResultSetHeader>('CREATE DATABASE IF NOT EXISTS shop');
    expect(ok.warningStatus).toBe(1);
    const [warnings] = await conn.query<RowDataPacket[]>('SHOW WARNINGS');
    expect(warnings[0]?.Code).toBe(1007);
  });

  it('multi-statements: one result per statement, stopping at the first error', async () => {
    const [results] = await conn.query<RowDataPacket[][]>('SELECT 1 AS a; SELECT 2 AS b');
    expect(results).toEqual([[{ a: 1 }], [{ b: 2 }]]);
    await expect(conn.query('SELECT 1; SELEC 2; SELECT 3')).rejects.toMatchObject({
      errno: 1064,
    });
  });

  it('without CLIENT_MULTI_STATEMENTS a second statement is a syntax error', async () => {
    const single = await connect();
    await expect(single.query('SELECT 1; SELECT 2')).rejects.toMatchObject({ errno: 1064 });
    await single.end();
  });

  it('autocommit reaches the status flags', async () => {
    const [off] = await conn.query<ResultSetHeader>('SET autocommit = 0');
    expect(off.serverStatus & 0x0002).toBe(0);
    const [on] = await conn.query<ResultSetHeader>('SET autocommit = 1');
    expect(on.serverStatus & 0x0002).toBe(0x0002);
  });
});

describe('session lifecycle', () => {
  it('COM_CHANGE_USER and COM_RESET_CONNECTION start a fresh engine session', async () => {
    const conn = await connect();
    await conn.query('SET @x = 42');
    await conn.changeUser({ user: 'app', password: NATIVE_PASSWORD });
    const [rows] = await conn.query<RowDataPacket[]>('SELECT @x AS x, USER() AS u');
    expect(rows).toEqual([{ x: null, u: 'app@127.0.0.1' }]);
    await conn.query('SET @y = 1');
    await conn.reset();
    const [after] = await conn.query<RowDataPacket[]>('SELECT @y AS y');
    expect(after).toEqual([{ y: null }]);
    await conn.end();
  });

  it('prepared statements: parameters bound, columns described, errors as MySQL', async () => {
    const conn = await connect();
    const [rows] = await conn.execute<RowDataPacket[]>(
      'SELECT ? + 1 AS n, CONCAT(?, ?) AS s, ? IS NULL AS z, ? AS d',
      [41, 'a', 'b', null, '2024-02-29'],
    );
    expect(rows).toEqual([{ n: 42, s: 'ab', z: 1, d: '2024-02-29' }]);
    // The same statement text runs again with other values (mysql2 caches the statement).
    const [again] = await conn.execute<RowDataPacket[]>(
      'SELECT ? + 1 AS n, CONCAT(?, ?) AS s, ? IS NULL AS z, ? AS d',
      [1, 'x', 'y', 3, 'q'],
    );
    expect(again).toEqual([{ n: 2, s: 'xy', z: 0, d: 'q' }]);
    await expect(conn.execute('SELEC ?', [1])).rejects.toMatchObject({ errno: 1064 });
    await expect(conn.execute('SELECT nope FROM t WHERE 0', [])).rejects.toMatchObject({
      errno: 1046,
    });
    const [rows2] = await conn.query<RowDataPacket[]>('SELECT 1 AS one');
    expect(rows2).toEqual([{ one: 1 }]);
    await conn.end();
  });

  it('COM_STATISTICS reports uptime, sessions and questions', () => {
    expect(handler.statistics()).toMatch(
      /^Uptime: 100 {2}Threads: \d+ {2}Questions: \d+ {2}Queries per second avg: \d+\.\d{3}$/,
    );
  });
});

describe('statement observer', () => {
  it('is told once per statement of a text and per prepared execution, with its time and failure', async () => {
    const conn = await connect({ multipleStatements: true });
    const from = statementsEnded.length;
    const readingsBefore = monotonicMs;
    await conn.query('SELECT 1 AS a; SELECT 2 AS b');
    await expect(conn.query('SELECT 1; SELECT nope; SELECT 3')).rejects.toMatchObject({
      errno: 1054,
    });
    await expect(conn.query('SELEC 1')).rejects.toMatchObject({ errno: 1064 });
    await conn.execute('SELECT ? + 1 AS n', [1]);
    await conn.execute('SELECT ? + 1 AS n', [2]);
    // A statement the server refuses to prepare never executes: nothing to report.
    await expect(conn.execute('SELECT ? + nope', [1])).rejects.toMatchObject({ errno: 1054 });
    await conn.end();
    const ok = { durationMicros: 1000, failed: false };
    const failed = { durationMicros: 1000, failed: true };
    // Each statement: one reading when it ends, 1 ms after the one that started it (the
    // command's start or the previous statement's end).
    expect(statementsEnded.slice(from)).toEqual([ok, ok, ok, failed, failed, ok, ok]);
    // Readings: one per command run (3 queries, 2 executions) and one per statement.
    expect(monotonicMs - readingsBefore).toBe(5 + 7);
  });
});

describe('accounts made by SQL', () => {
  it('log in with the plugin they were made with, as the account that matched', async () => {
    const root = await connect();
    await root.query("CREATE USER 'sha'@'127.0.0.1' IDENTIFIED BY 'sha-pw'");
    await root.query(
      "CREATE USER 'nat'@'127.0.0.%' IDENTIFIED WITH mysql_native_password BY 'nat-pw'",
    );
    for (const [user, password, account] of [
      ['sha', 'sha-pw', 'sha@127.0.0.1'],
      ['nat', 'nat-pw', 'nat@127.0.0.%'],
    ] as const) {
      const conn = await connect({ user, password, ssl: { rejectUnauthorized: false } });
      const [rows] = await conn.query<RowDataPacket[]>('SELECT CURRENT_USER() AS c, USER() AS u');
      expect(rows).toEqual([{ c: account, u: `${user}@127.0.0.1` }]);
      // No privileges yet: refused as MySQL refuses, with its SQLSTATE.
      await expect(conn.query('CREATE DATABASE nope')).rejects.toMatchObject({
        errno: 1044,
        sqlState: '42000',
        sqlMessage: `Access denied for user '${user}'@'${account.split('@')[1] ?? ''}' to database 'nope'`,
      });
      await conn.end();
    }
    await root.query("ALTER USER 'nat'@'127.0.0.%' IDENTIFIED BY 'new-pw'");
    await expect(connect({ user: 'nat', password: 'nat-pw' })).rejects.toMatchObject({
      errno: 1045,
    });
    const renewed = await connect({ user: 'nat', password: 'new-pw' });
    await renewed.end();
    await root.query("DROP USER 'sha'@'127.0.0.1', 'nat'@'127.0.0.%'");
    await expect(
      connect({ user: 'sha', password: 'sha-pw', ssl: { rejectUnauthorized: false } }),
    ).rejects.toMatchObject({ errno: 1045 });
    await root.end();
  });
});

describe('findAccount', () => {
  const account = (user: string, host: string): StoredAccount => ({
    user,
    host,
    plugin: AuthPlugin.NATIVE,
    credential: host,
  });
  const accounts = [
    account('u', '%'),
    account('u', '10.0.%'),
    account('u', '10.0.0.%'),
    account('u', '10.0.0.7'),
    account('u', 'localhost'),
    account('v', '10.0.0._'),
  ];
  const credentialOf = (user: string, host: string) =>
    findAccount(accounts, user, host)?.credential;

  it('prefers the exact host, then the longest literal prefix, then %', () => {
    expect(credentialOf('u', '10.0.0.7')).toBe('10.0.0.7');
    expect(credentialOf('u', '10.0.0.8')).toBe('10.0.0.%');
    expect(credentialOf('u', '::ffff:10.0.1.1')).toBe('10.0.%');
    expect(credentialOf('u', '192.168.1.1')).toBe('%');
    expect(credentialOf('u', '127.0.0.1')).toBe('localhost');
    expect(credentialOf('v', '10.0.0.9')).toBe('10.0.0._');
    expect(credentialOf('v', '10.0.0.10')).toBeUndefined();
    expect(credentialOf('w', '10.0.0.7')).toBeUndefined();
  });

  it('refuses an account whose plugin the gateway does not speak', () => {
    expect(
      findAccount(
        [{ user: 'x', host: '%', plugin: 'auth_socket', credential: '' }],
        'x',
        '1.2.3.4',
      ),
    ).toBeUndefined();
  });
});
