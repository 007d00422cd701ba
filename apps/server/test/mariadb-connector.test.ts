/**
 * The `mariadb` npm connector (3.x) against the real server (embedded cluster, gateway,
 * engine): login over TLS and over plain TCP (caching_sha2 with the RSA key exchange), text
 * queries, prepared statements (binary protocol), batch inserts, transactions, a pool, and
 * MySQL's error codes surfaced with their SQLSTATE and symbolic code.
 */
import mariadb from 'mariadb';
import type { Connection, ConnectionConfig, SqlError } from 'mariadb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlServer } from './helpers';
import { startSqlServer } from './helpers';

const rootPassword = 'root-password-for-mariadb';

let server: SqlServer;

beforeAll(async () => {
  server = await startSqlServer(rootPassword);
}, 120_000);

afterAll(async () => {
  await server.close();
});

function config(options: Partial<ConnectionConfig> = {}): ConnectionConfig {
  return {
    host: '127.0.0.1',
    port: server.port,
    user: 'root',
    password: rootPassword,
    // caching_sha2 without TLS: the server's RSA key encrypts the password.
    allowPublicKeyRetrieval: true,
    // COUNT(*) and other BIGINT results come back as BigInt from this connector (as against
    // MySQL); numbers keep the assertions about values short.
    bigIntAsNumber: true,
    ...options,
  };
}

async function connect(options: Partial<ConnectionConfig> = {}): Promise<Connection> {
  const conn = await mariadb.createConnection(config(options));
  // A connection still open when the server stops reports it as an 'error' event.
  conn.on('error', () => undefined);
  return conn;
}

async function failure(call: Promise<unknown>): Promise<SqlError> {
  try {
    await call;
  } catch (e) {
    return e as SqlError;
  }
  throw new Error('expected the call to fail');
}

describe('the mariadb connector', () => {
  it('logs in over TLS and over plain TCP', async () => {
    for (const options of [{ ssl: { rejectUnauthorized: false } }, {}]) {
      server.running.mysql?.server.sha2Cache.invalidate('root', '127.0.0.1');
      const conn = await connect(options);
      expect(await conn.query('SELECT 1 AS one, @@version_comment AS vc')).toEqual([
        { one: 1, vc: 'Tessera distributed SQL' },
      ]);
      expect(conn.serverVersion()).toBe('8.0.36-tessera');
      await conn.end();
    }
  });

  it('text queries and prepared statements (binary protocol) over the same table', async () => {
    const conn = await connect({ multipleStatements: true });
    await conn.query(
      'CREATE DATABASE shop; USE shop; CREATE TABLE item (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, ' +
        'price DECIMAL(8,2), added DATETIME, UNIQUE KEY name (name))',
    );
    const inserted: unknown = await conn.query(
      "INSERT INTO item VALUES (1, 'pen', 1.50, '2024-02-29 12:30:45'), (2, 'ink', NULL, NULL)",
    );
    expect(inserted).toMatchObject({ affectedRows: 2, warningStatus: 0 });
    const rows: unknown = await conn.query('SELECT id, name, price, added FROM item ORDER BY id');
    expect(rows).toEqual([
      { id: 1, name: 'pen', price: '1.50', added: new Date(2024, 1, 29, 12, 30, 45) },
      { id: 2, name: 'ink', price: null, added: null },
    ]);

    // execute(): COM_STMT_PREPARE then COM_STMT_EXECUTE with binary parameters and rows.
    expect(await conn.execute('SELECT name, price FROM item WHERE id = ?', [1])).toEqual([
      { name: 'pen', price: '1.50' },
    ]);
    const added: unknown = await conn.execute(
      'INSERT INTO item (id, name, price) VALUES (?, ?, ?)',
      [3, 'nib', '0.25'],
    );
    expect(added).toMatchObject({ affectedRows: 1 });
    const stmt = await conn.prepare('SELECT name FROM item WHERE price > ? ORDER BY id');
    expect(stmt.id).toBeGreaterThan(0); // the server's statement id
    expect(await stmt.execute(['0.50'])).toEqual([{ name: 'pen' }]);
    expect(await stmt.execute(['0.10'])).toEqual([{ name: 'pen' }, { name: 'nib' }]);
    stmt.close();
    // Integer columns are described as MySQL describes them (INT as LONG, SMALLINT as SHORT,
    // BIGINT as LONGLONG), so without bigIntAsNumber only BIGINT comes back as a BigInt.
    const strict = await connect({ bigIntAsNumber: false, database: 'shop' });
    await strict.query('CREATE TABLE widths (a TINYINT, b SMALLINT, c MEDIUMINT, d INT, e BIGINT)');
    await strict.query('INSERT INTO widths VALUES (1, 2, 3, 4, 5)');
    for (const rowsOf of [
      () => strict.query('SELECT * FROM widths'),
      () => strict.execute('SELECT * FROM widths WHERE a = ?', [1]),
    ]) {
      expect(await rowsOf()).toEqual([{ a: 1, b: 2, c: 3, d: 4, e: 5n }]);
    }
    await strict.end();
    await conn.end();
  });

  it('batch inserts every row set', async () => {
    const conn = await connect({ database: 'shop' });
    const outcome = await conn.batch('INSERT INTO item (id, name, price) VALUES (?, ?, ?)', [
      [10, 'a', '1.00'],
      [11, 'b', '2.00'],
      [12, 'c', null],
    ]);
    // Against a MySQL server (no MariaDB bulk command) the connector executes the prepared
    // statement once per row set and answers each OK.
    const oks = Array.isArray(outcome) ? outcome : [outcome];
    expect(oks.reduce((sum, ok) => sum + ok.affectedRows, 0)).toBe(3);
    expect(await conn.query('SELECT id, name FROM item WHERE id >= 10 ORDER BY id')).toEqual([
      { id: 10, name: 'a' },
      { id: 11, name: 'b' },
      { id: 12, name: 'c' },
    ]);
    await conn.query('DELETE FROM item WHERE id >= 10');
    await conn.end();
  });

  it('transactions: commit keeps, rollback undoes, another connection sees only commits', async () => {
    const conn = await connect({ database: 'shop' });
    const other = await connect({ database: 'shop' });
    await conn.beginTransaction();
    await conn.query("INSERT INTO item (id, name) VALUES (20, 'kept')");
    expect(await other.query('SELECT COUNT(*) AS n FROM item WHERE id = 20')).toEqual([{ n: 0 }]);
    await conn.commit();
    expect(await other.query('SELECT COUNT(*) AS n FROM item WHERE id = 20')).toEqual([{ n: 1 }]);
    await conn.beginTransaction();
    await conn.query("INSERT INTO item (id, name) VALUES (21, 'undone')");
    await conn.query('DELETE FROM item WHERE id = 20');
    await conn.rollback();
    expect(await conn.query('SELECT id FROM item WHERE id IN (20, 21)')).toEqual([{ id: 20 }]);
    await conn.query('DELETE FROM item WHERE id = 20');
    await Promise.all([conn.end(), other.end()]);
  });

  it('a pool shares its connections between concurrent callers', async () => {
    const pool = mariadb.createPool({ ...config({ database: 'shop' }), connectionLimit: 3 });
    try {
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          pool.query<{ id: number; n: number }[]>(`SELECT CONNECTION_ID() AS id, ${i} AS n`),
        ),
      );
      expect(answers.map((rows) => rows[0]?.n)).toEqual(Array.from({ length: 12 }, (_, i) => i));
      const ids = new Set(answers.map((rows) => rows[0]?.id));
      expect(ids.size).toBeGreaterThanOrEqual(1);
      expect(ids.size).toBeLessThanOrEqual(3);
      expect(await pool.execute('SELECT name FROM item WHERE id = ?', [2])).toEqual([
        { name: 'ink' },
      ]);
    } finally {
      await pool.end();
    }
  });

  it('surfaces MySQL error numbers, SQLSTATEs and codes', async () => {
    const conn = await connect({ database: 'shop' });
    const duplicate = await failure(conn.query("INSERT INTO item (id, name) VALUES (1, 'again')"));
    expect(duplicate).toMatchObject({
      errno: 1062,
      sqlState: '23000',
      code: 'ER_DUP_ENTRY',
      sqlMessage: "Duplicate entry '1' for key 'item.PRIMARY'",
    });
    const byKey = await failure(
      conn.execute('INSERT INTO item (id, name) VALUES (?, ?)', [9, 'pen']),
    );
    expect(byKey).toMatchObject({
      errno: 1062,
      sqlMessage: "Duplicate entry 'pen' for key 'item.name'",
    });
    const missing = await failure(conn.query('SELECT * FROM nothing'));
    expect(missing).toMatchObject({
      errno: 1146,
      sqlState: '42S02',
      code: 'ER_NO_SUCH_TABLE',
      sqlMessage: "Table 'shop.nothing' doesn't exist",
    });
    expect(await failure(conn.prepare('SELECT * FROM nothing WHERE id = ?'))).toMatchObject({
      errno: 1146,
    });
    expect(await failure(conn.query('SELEC 1'))).toMatchObject({
      errno: 1064,
      sqlState: '42000',
      code: 'ER_PARSE_ERROR',
    });
    const denied = await failure(connect({ password: 'wrong' }));
    expect(denied).toMatchObject({
      errno: 1045,
      sqlState: '28000',
      code: 'ER_ACCESS_DENIED_ERROR',
    });
    // The connection survives its errors.
    expect(await conn.query('SELECT COUNT(*) AS n FROM item')).toEqual([{ n: 3 }]);
    await conn.end();
  });
});
