import { describe, expect, it } from 'vitest';
import { SqlSession } from './session.js';
import { localData } from './test/local-data.js';
import { MemoryCatalog } from './test/memory-catalog.js';
import { fails, nodes, rootLogin, rows, run, session } from './test/sql-session.js';

describe('INSERT and SELECT over the transactional store', () => {
  it('inserts rows with defaults and AUTO_INCREMENT, and reads them back by key and by scan', async () => {
    const s = await session();
    await run(
      s,
      'CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer VARCHAR(20) NOT NULL, total DECIMAL(10,2) NOT NULL DEFAULT 0, note TEXT) SLICES = 4',
    );
    const [insert] = await run(
      s,
      "INSERT INTO orders (customer, total) VALUES ('ann', 12.5), ('bob', 3), ('cy', '7.25')",
    );
    expect(insert).toMatchObject({ kind: 'ok', affectedRows: 3, lastInsertId: 1n });
    await run(s, "INSERT INTO orders SET customer = 'dee'");
    expect(await rows(s, 'SELECT * FROM orders ORDER BY id')).toEqual([
      ['1', 'ann', '12.50', null],
      ['2', 'bob', '3.00', null],
      ['3', 'cy', '7.25', null],
      ['4', 'dee', '0.00', null],
    ]);
    expect(await rows(s, 'SELECT customer, total * 2 AS doubled FROM orders WHERE id = 2')).toEqual(
      [['bob', '6.00']],
    );
    expect(await rows(s, "SELECT id FROM orders WHERE customer = 'ANN'")).toEqual([['1']]);
    expect(
      await rows(s, 'SELECT id FROM orders WHERE total > 5 ORDER BY total DESC LIMIT 1'),
    ).toEqual([['1']]);
    expect(await rows(s, 'SELECT id FROM orders WHERE id = 99')).toEqual([]);
    // An explicit id moves AUTO_INCREMENT past it.
    await run(s, "INSERT INTO orders (id, customer) VALUES (10, 'eve')");
    const [next] = await run(s, "INSERT INTO orders (customer) VALUES ('fay')");
    expect(next).toMatchObject({ lastInsertId: 11n });
  });

  it('enforces keys and column types with MySQL errors', async () => {
    const s = await session();
    await run(
      s,
      'CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(30) NOT NULL, age TINYINT UNSIGNED, UNIQUE KEY email (email))',
    );
    await run(s, "INSERT INTO u VALUES (1, 'a@x', 30)");
    expect(await fails(s, "INSERT INTO u VALUES (1, 'b@x', 1)")).toBe(
      "1062: Duplicate entry '1' for key 'u.PRIMARY'",
    );
    expect(await fails(s, "INSERT INTO u VALUES (2, 'A@X', 1)")).toBe(
      "1062: Duplicate entry 'A@X' for key 'u.email'",
    );
    expect(await fails(s, "INSERT INTO u VALUES (3, 'c@x', 300)")).toBe(
      "1264: Out of range value for column 'age' at row 1",
    );
    expect(await fails(s, "INSERT INTO u VALUES (3, 'c@x', 'old')")).toBe(
      "1366: Incorrect integer value: 'old' for column 'age' at row 1",
    );
    expect(await fails(s, 'INSERT INTO u (id) VALUES (3)')).toBe(
      "1364: Field 'email' doesn't have a default value",
    );
    expect(await fails(s, 'INSERT INTO u VALUES (3, NULL, 1)')).toBe(
      "1048: Column 'email' cannot be null",
    );
    expect(
      await fails(s, "INSERT INTO u VALUES (3, 'this-address-is-far-too-long@x.example', 1)"),
    ).toBe("1406: Data too long for column 'email' at row 1");
    expect(await fails(s, 'INSERT INTO u (id, nope) VALUES (3, 1)')).toBe(
      "1054: Unknown column 'nope' in 'field list'",
    );
    expect(await fails(s, 'INSERT INTO u VALUES (3)')).toBe(
      "1136: Column count doesn't match value count at row 1",
    );
    expect(await fails(s, 'SELECT * FROM ghost')).toBe("1146: Table 'shop.ghost' doesn't exist");
    // A failed multi-row insert writes nothing.
    expect(await fails(s, "INSERT INTO u VALUES (5, 'e@x', 1), (1, 'f@x', 2)")).toMatch(/^1062/);
    expect(await rows(s, 'SELECT id FROM u ORDER BY id')).toEqual([['1']]);
    // IGNORE skips duplicates.
    const [ignored] = await run(s, "INSERT IGNORE INTO u VALUES (1, 'z@x', 1), (6, 'g@x', 2)");
    expect(ignored).toMatchObject({ affectedRows: 1 });
  });

  it('keeps writes of an explicit transaction invisible to others until COMMIT, and drops them on ROLLBACK', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE t (id INT PRIMARY KEY, v INT)');
    await run(s, 'BEGIN; INSERT INTO t VALUES (1, 10)');
    expect(s.inTransaction).toBe(true);
    expect(await rows(s, 'SELECT v FROM t WHERE id = 1')).toEqual([['10']]);
    await run(s, 'ROLLBACK');
    expect(await rows(s, 'SELECT v FROM t')).toEqual([]);
    await run(s, 'SET autocommit = 0; INSERT INTO t VALUES (2, 20); COMMIT');
    expect(await rows(s, 'SELECT id, v FROM t')).toEqual([['2', '20']]);
  });

  it('updates and deletes rows, keeping unique indexes right', async () => {
    const s = await session();
    await run(
      s,
      'CREATE TABLE acct (id INT PRIMARY KEY, owner VARCHAR(10) NOT NULL, balance INT NOT NULL, UNIQUE KEY owner (owner))',
    );
    await run(s, "INSERT INTO acct VALUES (1, 'ann', 100), (2, 'bob', 50), (3, 'cy', 0)");
    const [moved] = await run(s, 'UPDATE acct SET balance = balance - 30 WHERE id = 1');
    expect(moved).toMatchObject({
      affectedRows: 1,
      info: 'Rows matched: 1  Changed: 1  Warnings: 0',
    });
    const [none] = await run(s, 'UPDATE acct SET balance = balance WHERE id = 2');
    expect(none).toMatchObject({
      affectedRows: 0,
      info: 'Rows matched: 1  Changed: 0  Warnings: 0',
    });
    // Assignments see earlier ones, left to right.
    await run(
      s,
      'UPDATE acct SET balance = balance + 1, owner = CONCAT(owner, balance) WHERE id = 2',
    );
    expect(await rows(s, 'SELECT owner, balance FROM acct WHERE id = 2')).toEqual([
      ['bob51', '51'],
    ]);
    // A unique index follows the new value; the old one is free again.
    expect(await fails(s, "UPDATE acct SET owner = 'ANN' WHERE id = 3")).toBe(
      "1062: Duplicate entry 'ANN' for key 'acct.owner'",
    );
    await run(s, "UPDATE acct SET owner = 'dee' WHERE id = 1");
    await run(s, "INSERT INTO acct VALUES (4, 'ann', 5)");
    // Changing the primary key moves the row.
    await run(s, 'UPDATE acct SET id = 10 WHERE id = 3');
    expect(await rows(s, 'SELECT id FROM acct ORDER BY id')).toEqual([['1'], ['2'], ['4'], ['10']]);
    expect(await fails(s, 'UPDATE acct SET id = 1 WHERE id = 2')).toBe(
      "1062: Duplicate entry '1' for key 'acct.PRIMARY'",
    );
    const [deleted] = await run(s, 'DELETE FROM acct WHERE balance < 60 ORDER BY id LIMIT 2');
    expect(deleted).toMatchObject({ affectedRows: 2 });
    expect(await rows(s, 'SELECT id, owner FROM acct ORDER BY id')).toEqual([
      ['1', 'dee'],
      ['10', 'cy'],
    ]);
    // The deleted owners' unique entries are gone too.
    await run(s, "INSERT INTO acct VALUES (5, 'bob51', 1), (6, 'ann', 1)");
    expect(await rows(s, 'SELECT COUNT(*), SUM(balance), MAX(owner) FROM acct')).toEqual([
      ['4', '72', 'dee'],
    ]);
    await run(s, 'DELETE FROM acct');
    expect(await rows(s, 'SELECT COUNT(*), SUM(balance) FROM acct')).toEqual([['0', null]]);
  });

  it('renames tables (across databases too) and truncates them back to empty', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(5))');
    await run(s, "INSERT INTO t (v) VALUES ('a'), ('b'), ('c')");
    await run(s, 'CREATE DATABASE archive');
    await run(s, 'RENAME TABLE t TO t2');
    expect(await fails(s, 'SELECT * FROM t')).toBe("1146: Table 'shop.t' doesn't exist");
    expect(await rows(s, 'SELECT id, v FROM t2 ORDER BY id')).toEqual([
      ['1', 'a'],
      ['2', 'b'],
      ['3', 'c'],
    ]);
    // The whole list is checked before anything moves.
    expect(await fails(s, 'RENAME TABLE t2 TO t3, nope TO t4')).toBe(
      "1146: Table 'shop.nope' doesn't exist",
    );
    expect(await rows(s, 'SHOW TABLES')).toEqual([['t2']]);
    await run(s, 'CREATE TABLE other (id INT PRIMARY KEY)');
    expect(await fails(s, 'RENAME TABLE t2 TO other')).toBe("1050: Table 'other' already exists");
    expect(await fails(s, 'RENAME TABLE t2 TO nodb.t')).toBe("1049: Unknown database 'nodb'");
    // A swap in one statement, then a move to another database.
    await run(s, 'RENAME TABLE t2 TO tmp, other TO t2, tmp TO other');
    expect(await rows(s, 'SELECT COUNT(*) FROM other')).toEqual([['3']]);
    await run(s, 'RENAME TABLE other TO archive.old');
    expect(await rows(s, 'SELECT v FROM archive.old WHERE id = 2')).toEqual([['b']]);
    await run(s, 'TRUNCATE TABLE archive.old');
    expect(await rows(s, 'SELECT COUNT(*) FROM archive.old')).toEqual([['0']]);
    await run(s, "INSERT INTO archive.old (v) VALUES ('z')");
    expect(await rows(s, 'SELECT id, v FROM archive.old')).toEqual([['1', 'z']]);
    expect(await fails(s, 'TRUNCATE TABLE nope')).toBe("1146: Table 'shop.nope' doesn't exist");
  });

  it('inserts from a SELECT, replaces rows and updates on duplicate keys', async () => {
    const s = await session();
    await run(
      s,
      'CREATE TABLE t (id INT PRIMARY KEY, code VARCHAR(5), n INT NOT NULL DEFAULT 0, UNIQUE KEY code (code))',
    );
    await run(s, "INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)");
    // INSERT ... SELECT reads first (here from the table it writes), then inserts.
    const [copied] = await run(
      s,
      "INSERT INTO t (id, code, n) SELECT id + 10, CONCAT(code, 'x'), n * 10 FROM t WHERE id < 3",
    );
    expect(copied).toMatchObject({
      affectedRows: 2,
      info: 'Records: 2  Duplicates: 0  Warnings: 0',
    });
    expect(await rows(s, 'SELECT id, code, n FROM t WHERE id > 10 ORDER BY id')).toEqual([
      ['11', 'ax', '10'],
      ['12', 'bx', '20'],
    ]);
    expect(await fails(s, 'INSERT INTO t (id) SELECT id, code FROM t')).toBe(
      "1136: Column count doesn't match value count at row 1",
    );
    expect(await fails(s, 'INSERT INTO t (id, code) SELECT id, code FROM t WHERE id = 1')).toBe(
      "1062: Duplicate entry '1' for key 't.PRIMARY'",
    );
    // IGNORE skips duplicates with a warning each.
    const [ignored] = await run(s, "INSERT IGNORE INTO t VALUES (1, 'q', 0), (4, 'd', 4)");
    expect(ignored).toMatchObject({
      affectedRows: 1,
      info: 'Records: 2  Duplicates: 1  Warnings: 1',
      warnings: [{ code: 1062, message: "Duplicate entry '1' for key 't.PRIMARY'" }],
    });
    // REPLACE deletes every row in the way: here one by primary key and one by unique code.
    const [replaced] = await run(s, "REPLACE INTO t VALUES (1, 'b', 100)");
    expect(replaced).toMatchObject({ affectedRows: 3 });
    expect(await rows(s, 'SELECT id, code, n FROM t WHERE id < 5 ORDER BY id')).toEqual([
      ['1', 'b', '100'],
      ['3', 'c', '3'],
      ['4', 'd', '4'],
    ]);
    const [fresh] = await run(s, "REPLACE INTO t VALUES (5, 'e', 5)");
    expect(fresh).toMatchObject({ affectedRows: 1 });
    // ON DUPLICATE KEY UPDATE: 1 per insert, 2 per changed row, 0 for a row left as it was.
    const [upserted] = await run(
      s,
      "INSERT INTO t VALUES (3, 'zz', 7), (6, 'f', 6), (4, 'd', 4) ON DUPLICATE KEY UPDATE n = n + VALUES(n), code = UPPER(code)",
    );
    expect(upserted).toMatchObject({
      affectedRows: 5,
      info: 'Records: 3  Duplicates: 2  Warnings: 0',
    });
    expect(await rows(s, 'SELECT id, code, n FROM t WHERE id IN (3, 4, 6) ORDER BY id')).toEqual([
      ['3', 'C', '10'],
      ['4', 'D', '8'],
      ['6', 'f', '6'],
    ]);
    const [same] = await run(s, "INSERT INTO t VALUES (6, 'f', 6) ON DUPLICATE KEY UPDATE n = n");
    expect(same).toMatchObject({ affectedRows: 0 });
    // A duplicate found through the unique index updates that row; the update itself must
    // not collide with another row.
    await run(s, "INSERT INTO t VALUES (99, 'C', 0) ON DUPLICATE KEY UPDATE n = -1");
    expect(await rows(s, "SELECT id, n FROM t WHERE code = 'c'")).toEqual([['3', '-1']]);
    expect(
      await fails(s, "INSERT INTO t VALUES (6, 'x', 0) ON DUPLICATE KEY UPDATE code = 'b'"),
    ).toBe("1062: Duplicate entry 'b' for key 't.code'");
    expect(await rows(s, 'SELECT COUNT(*) FROM t')).toEqual([['7']]);
  });

  it('creates and drops indexes on tables with rows (backfilled, unique values checked)', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE t (id INT PRIMARY KEY, k INT NOT NULL, c VARCHAR(10))');
    await run(s, "INSERT INTO t VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 10, 'c')");
    const [created] = await run(s, 'CREATE INDEX k_1 ON t (k)');
    expect(created).toMatchObject({ info: 'Records: 0  Duplicates: 0  Warnings: 0' });
    expect((await rows(s, 'SHOW INDEX FROM t')).map((r) => [r[2], r[4]])).toEqual([
      ['PRIMARY', 'id'],
      ['k_1', 'k'],
    ]);
    expect(await fails(s, 'CREATE INDEX k_1 ON t (c)')).toBe("1061: Duplicate key name 'k_1'");
    expect(await fails(s, 'CREATE INDEX k_2 ON t (nope)')).toBe(
      "1072: Key column 'nope' doesn't exist in table",
    );
    expect(await fails(s, 'CREATE INDEX k_2 ON nope (k)')).toBe(
      "1146: Table 'shop.nope' doesn't exist",
    );
    // A unique index over duplicated values is refused, and the table is as it was.
    expect(await fails(s, 'CREATE UNIQUE INDEX uk ON t (k)')).toBe(
      "1062: Duplicate entry '10' for key 't.uk'",
    );
    expect((await rows(s, 'SHOW INDEX FROM t')).map((r) => r[2])).toEqual(['PRIMARY', 'k_1']);
    // Over distinct values it is built from the rows, and then enforced on writes.
    await run(s, 'ALTER TABLE t ADD UNIQUE KEY uc (c), ALGORITHM = INPLACE');
    expect(await fails(s, "INSERT INTO t VALUES (4, 40, 'A')")).toBe(
      "1062: Duplicate entry 'A' for key 't.uc'",
    );
    expect(await fails(s, "UPDATE t SET c = 'b' WHERE id = 1")).toBe(
      "1062: Duplicate entry 'b' for key 't.uc'",
    );
    await run(s, "INSERT INTO t VALUES (4, 40, 'd')");
    expect(await fails(s, 'DROP INDEX nope ON t')).toBe(
      "1091: Can't DROP 'nope'; check that column/key exists",
    );
    await run(s, 'ALTER TABLE t DROP INDEX uc');
    await run(s, 'DROP INDEX k_1 ON t');
    await run(s, "INSERT INTO t VALUES (5, 50, 'a')");
    expect(await rows(s, "SELECT id FROM t WHERE c = 'a' ORDER BY id")).toEqual([['1'], ['5']]);
    expect((await rows(s, 'SHOW INDEX FROM t')).map((r) => r[2])).toEqual(['PRIMARY']);
  });

  it('answers information_schema from the catalog, as tools query it', async () => {
    const s = await session();
    await run(
      s,
      'CREATE TABLE t (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL, price DECIMAL(8,2) DEFAULT 1.50, made DATETIME(3), UNIQUE KEY name (name), KEY price (price, made))',
    );
    expect(
      await rows(
        s,
        "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ('shop', 'system') ORDER BY 1",
      ),
    ).toEqual([
      ['shop', 'utf8mb4'],
      ['system', 'utf8mb4'],
    ]);
    expect(
      await rows(
        s,
        "SELECT table_name, table_type, engine FROM INFORMATION_SCHEMA.tables WHERE table_schema = 'shop'",
      ),
    ).toEqual([['t', 'BASE TABLE', 'Tessera']]);
    expect(
      await rows(
        s,
        "SELECT COLUMN_NAME, ORDINAL_POSITION, COLUMN_DEFAULT, IS_NULLABLE, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, CHARACTER_OCTET_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION, COLUMN_TYPE, COLUMN_KEY, EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' ORDER BY ORDINAL_POSITION",
      ),
    ).toEqual([
      [
        'id',
        '1',
        null,
        'NO',
        'int',
        null,
        null,
        '10',
        '0',
        null,
        'int unsigned',
        'PRI',
        'auto_increment',
      ],
      ['name', '2', null, 'NO', 'varchar', '20', '80', null, null, null, 'varchar(20)', 'UNI', ''],
      [
        'price',
        '3',
        '1.50',
        'YES',
        'decimal',
        null,
        null,
        '8',
        '2',
        null,
        'decimal(8,2)',
        'MUL',
        '',
      ],
      ['made', '4', null, 'YES', 'datetime', null, null, null, null, '3', 'datetime(3)', '', ''],
    ]);
    expect(
      await rows(
        s,
        "SELECT INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_NAME = 't' ORDER BY INDEX_NAME, SEQ_IN_INDEX",
      ),
    ).toEqual([
      ['name', '0', '1', 'name'],
      ['price', '1', '1', 'price'],
      ['price', '1', '2', 'made'],
      ['PRIMARY', '0', '1', 'id'],
    ]);
    expect(
      await rows(
        s,
        "SELECT CONSTRAINT_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_NAME = 't' ORDER BY 1",
      ),
    ).toEqual([
      ['name', 'name'],
      ['PRIMARY', 'id'],
    ]);
    expect(await rows(s, "SHOW TABLES FROM information_schema LIKE 'S%'")).toEqual([
      ['SCHEMATA'],
      ['STATISTICS'],
    ]);
    expect(await fails(s, 'SELECT * FROM information_schema.nope')).toBe(
      "1109: Unknown table 'nope' in information_schema",
    );
    expect(await fails(s, "DELETE FROM information_schema.TABLES WHERE TABLE_NAME = 't'")).toMatch(
      /^1044: /,
    );
  });

  it('runs an autocommit statement again when it loses a write conflict', async () => {
    const catalog = new MemoryCatalog(nodes);
    const data = await localData();
    const open = (connectionId: number) =>
      new SqlSession({
        catalog,
        connectionId,
        user: 'root',
        host: 'localhost',
        ...rootLogin,
        nowMicros: () => 1_767_225_600_000_000n,
        random: () => 0.25,
        data,
      });
    const a = open(1);
    const b = open(2);
    await run(a, 'CREATE DATABASE bank; USE bank; CREATE TABLE c (id INT PRIMARY KEY, n INT)');
    await run(a, 'INSERT INTO c VALUES (1, 0)');
    await run(b, 'USE bank');
    // Interleaved increments of one row from two sessions: each must land exactly once.
    const bump = async (s: SqlSession) => {
      for (let i = 0; i < 15; i++) await run(s, 'UPDATE c SET n = n + 1 WHERE id = 1');
    };
    await Promise.all([bump(a), bump(b)]);
    expect(await rows(a, 'SELECT n FROM c')).toEqual([['30']]);
    // Inside an explicit transaction the conflict is the client's to handle (1213).
    await run(a, 'BEGIN');
    await run(a, 'UPDATE c SET n = 100 WHERE id = 1');
    await run(b, 'UPDATE c SET n = 200 WHERE id = 1');
    expect(await fails(a, 'COMMIT')).toBe(
      '1213: Deadlock found when trying to get lock; try restarting transaction',
    );
    expect(await rows(b, 'SELECT n FROM c')).toEqual([['200']]);
    // SELECT ... FOR UPDATE puts the rows it reads in the write set: a concurrent change of
    // such a row fails this transaction at commit, though it never wrote that row itself.
    await run(a, 'INSERT INTO c VALUES (2, 0)');
    for (const lock of ['', ' FOR UPDATE']) {
      await run(a, 'BEGIN');
      expect(await rows(a, `SELECT n FROM c WHERE id = 1${lock}`)).toEqual([['200']]);
      await run(a, 'UPDATE c SET n = n + 1 WHERE id = 2');
      await run(b, 'UPDATE c SET n = n - 1 WHERE id = 1');
      if (lock === '') await run(a, 'COMMIT');
      else expect(await fails(a, 'COMMIT')).toMatch(/^1213: /);
      await run(b, 'UPDATE c SET n = 200 WHERE id = 1');
    }
    expect(await rows(a, 'SELECT id, n FROM c ORDER BY id')).toEqual([
      ['1', '200'],
      ['2', '1'],
    ]);
  });

  it('keeps statements atomic inside transactions, and returns to savepoints', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE t (id INT PRIMARY KEY, v INT)');
    await run(s, 'BEGIN');
    await run(s, 'INSERT INTO t VALUES (1, 1)');
    // The failing multi-row INSERT leaves none of its rows behind; the transaction goes on.
    expect(await fails(s, 'INSERT INTO t VALUES (2, 2), (3, 3), (1, 9)')).toBe(
      "1062: Duplicate entry '1' for key 't.PRIMARY'",
    );
    await run(s, 'SAVEPOINT a');
    await run(s, 'INSERT INTO t VALUES (4, 4)');
    await run(s, 'SAVEPOINT b');
    await run(s, 'UPDATE t SET v = 40 WHERE id = 4');
    await run(s, 'ROLLBACK TO SAVEPOINT b');
    expect(await rows(s, 'SELECT id, v FROM t ORDER BY id')).toEqual([
      ['1', '1'],
      ['4', '4'],
    ]);
    await run(s, 'ROLLBACK TO a');
    // b was set after a, so it is gone; a stays.
    expect(await fails(s, 'ROLLBACK TO SAVEPOINT b')).toBe('1305: SAVEPOINT b does not exist');
    await run(s, 'INSERT INTO t VALUES (5, 5)');
    await run(s, 'RELEASE SAVEPOINT a');
    expect(await fails(s, 'ROLLBACK TO a')).toBe('1305: SAVEPOINT a does not exist');
    await run(s, 'COMMIT');
    expect(await rows(s, 'SELECT id FROM t ORDER BY id')).toEqual([['1'], ['5']]);
    // autocommit = 0: SAVEPOINT opens the transaction.
    await run(s, 'SET autocommit = 0; SAVEPOINT x; DELETE FROM t; ROLLBACK TO x; COMMIT');
    expect(await rows(s, 'SELECT COUNT(*) FROM t')).toEqual([['2']]);
  });

  it('reads primary-key ranges (only the range is scanned; WHERE still decides)', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE r (id BIGINT PRIMARY KEY, v INT) SLICES = 4');
    await run(s, 'CREATE TABLE u (id TINYINT UNSIGNED PRIMARY KEY)');
    const values = Array.from({ length: 30 }, (_, i) => `(${i - 10}, ${i})`).join(', ');
    await run(s, `INSERT INTO r VALUES ${values}`);
    await run(s, 'INSERT INTO u VALUES (0), (1), (254), (255)');
    const ids = async (sql: string) => (await rows(s, sql)).map((r) => r[0]);
    expect(await ids('SELECT id FROM r WHERE id BETWEEN -2 AND 2 ORDER BY id')).toEqual([
      '-2',
      '-1',
      '0',
      '1',
      '2',
    ]);
    expect(await ids('SELECT id FROM r WHERE id > 17 ORDER BY id')).toEqual(['18', '19']);
    expect(await ids('SELECT id FROM r WHERE 3 > id AND id >= 1.5 ORDER BY id')).toEqual(['2']);
    expect(await ids('SELECT id FROM r WHERE id < -9.5 OR id = 19 ORDER BY id')).toEqual([
      '-10',
      '19',
    ]);
    expect(await ids('SELECT id FROM r WHERE id > 5 AND id < 3')).toEqual([]);
    expect(await ids('SELECT id FROM r WHERE id >= 99999999999999999999')).toEqual([]);
    expect(await ids('SELECT id FROM u WHERE id > -5 AND id <= 1000 ORDER BY id')).toEqual([
      '0',
      '1',
      '254',
      '255',
    ]);
    expect(await ids('SELECT id FROM u WHERE id >= 254.5')).toEqual(['255']);
    const [deleted] = await run(s, 'DELETE FROM r WHERE id BETWEEN 0 AND 9');
    expect(deleted).toMatchObject({ affectedRows: 10 });
    expect(await rows(s, 'SELECT COUNT(*), MIN(id), MAX(id) FROM r')).toEqual([
      ['20', '-10', '19'],
    ]);
  });

  it('finds rows through secondary indexes (unique, non-unique, leading columns)', async () => {
    const s = await session();
    await run(
      s,
      'CREATE TABLE x (id INT PRIMARY KEY, k INT, code VARCHAR(10), a INT, b VARCHAR(5), UNIQUE KEY code (code), KEY k (k), KEY ab (a, b))',
    );
    await run(
      s,
      "INSERT INTO x VALUES (1, 10, 'a', 1, 'p'), (2, 20, 'b', 1, 'q'), (3, 10, 'c', 2, 'p'), (4, NULL, '05', 2, 'q'), (5, 10, NULL, 1, 'p')",
    );
    const ids = async (sql: string) => (await rows(s, sql)).map((r) => r[0]);
    expect(await ids('SELECT id FROM x WHERE k = 10 ORDER BY id')).toEqual(['1', '3', '5']);
    expect(await ids("SELECT id FROM x WHERE code = 'B'")).toEqual(['2']);
    expect(await ids("SELECT id FROM x WHERE a = 1 AND b = 'P' ORDER BY id")).toEqual(['1', '5']);
    expect(await ids('SELECT id FROM x WHERE a = 2 AND id > 3')).toEqual(['4']);
    expect(await ids('SELECT id FROM x WHERE k = 10 AND code IS NULL')).toEqual(['5']);
    // A number against a string column compares numerically: '05' = 5 (no key read there).
    expect(await ids('SELECT id FROM x WHERE code = 5')).toEqual(['4']);
    // Index entries follow updates and deletes.
    await run(s, 'UPDATE x SET k = 30 WHERE id = 3');
    await run(s, 'DELETE FROM x WHERE id = 1');
    expect(await ids('SELECT id FROM x WHERE k = 10')).toEqual(['5']);
    expect(await ids('SELECT id FROM x WHERE k = 30')).toEqual(['3']);
    // Inside a transaction the lookup sees the transaction's own writes.
    await run(s, 'BEGIN');
    await run(s, "INSERT INTO x VALUES (6, 30, 'f', 3, 'r')");
    expect(await ids('SELECT id FROM x WHERE k = 30 ORDER BY id')).toEqual(['3', '6']);
    await run(s, 'ROLLBACK');
    expect(await ids('SELECT id FROM x WHERE k = 30')).toEqual(['3']);
  });

  it('groups and aggregates with HAVING and ORDER BY', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE sales (id INT PRIMARY KEY, region VARCHAR(5), amount DECIMAL(8,2))');
    await run(
      s,
      "INSERT INTO sales VALUES (1,'eu',10),(2,'EU',5.5),(3,'us',7),(4,'us',1),(5,NULL,2),(6,'ap',100)",
    );
    expect(
      await rows(
        s,
        'SELECT region, COUNT(*) AS n, SUM(amount), AVG(amount) FROM sales GROUP BY region HAVING COUNT(*) > 1 ORDER BY SUM(amount) DESC',
      ),
    ).toEqual([
      ['eu', '2', '15.50', '7.750000'],
      ['us', '2', '8.00', '4.000000'],
    ]);
    expect(
      await rows(s, 'SELECT COUNT(DISTINCT region), MIN(amount) FROM sales WHERE id > 1'),
    ).toEqual([['3', '1.00']]);
    expect(
      await rows(
        s,
        "SELECT GROUP_CONCAT(id ORDER BY id SEPARATOR '-') FROM sales WHERE region = 'us'",
      ),
    ).toEqual([['3-4']]);
  });

  it('joins tables: inner, left, right, cross, USING, aliases, with grouping over the join', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE c (id INT PRIMARY KEY, name VARCHAR(10))');
    await run(s, 'CREATE TABLE o (id INT PRIMARY KEY, cid INT, amount INT)');
    await run(s, "INSERT INTO c VALUES (1,'ann'),(2,'bob'),(3,'cy')");
    await run(s, 'INSERT INTO o VALUES (10,1,5),(11,1,7),(12,2,1),(13,9,100)');
    expect(
      await rows(s, 'SELECT c.name, o.amount FROM c JOIN o ON o.cid = c.id ORDER BY o.id'),
    ).toEqual([
      ['ann', '5'],
      ['ann', '7'],
      ['bob', '1'],
    ]);
    expect(
      await rows(
        s,
        'SELECT x.name, COUNT(y.id) AS n, SUM(y.amount) FROM c AS x LEFT JOIN o AS y ON y.cid = x.id GROUP BY x.name ORDER BY x.name',
      ),
    ).toEqual([
      ['ann', '2', '12'],
      ['bob', '1', '1'],
      ['cy', '0', null],
    ]);
    expect(
      await rows(s, 'SELECT c.name, o.id FROM c RIGHT JOIN o ON o.cid = c.id WHERE c.id IS NULL'),
    ).toEqual([[null, '13']]);
    expect(await rows(s, 'SELECT COUNT(*) FROM c, o')).toEqual([['12']]);
    expect(await rows(s, 'SELECT name FROM c ORDER BY name DESC LIMIT 1 OFFSET 1')).toEqual([
      ['bob'],
    ]);
    expect(await fails(s, 'SELECT id FROM c JOIN o ON o.cid = c.id')).toBe(
      "1052: Column 'id' in field list is ambiguous",
    );
    expect(await fails(s, 'SELECT * FROM c JOIN c ON 1')).toBe("1066: Not unique table/alias: 'c'");
  });

  it('describes tables: DESCRIBE, SHOW FULL COLUMNS, SHOW INDEX, SHOW CREATE TABLE', async () => {
    const s = await session();
    await run(
      s,
      "CREATE TABLE t (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, name VARCHAR(20) COLLATE utf8mb4_bin NOT NULL DEFAULT 'x', price DECIMAL(8,2), created DATETIME DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (id), UNIQUE KEY name (name), KEY by_price (price, created)) SLICES = 2",
    );
    expect(await rows(s, 'DESCRIBE t')).toEqual([
      ['id', 'bigint unsigned', 'NO', 'PRI', null, 'auto_increment'],
      ['name', 'varchar(20)', 'NO', 'UNI', 'x', ''],
      ['price', 'decimal(8,2)', 'YES', 'MUL', null, ''],
      ['created', 'datetime', 'YES', '', 'CURRENT_TIMESTAMP', 'DEFAULT_GENERATED'],
    ]);
    expect((await rows(s, "SHOW FULL COLUMNS FROM t LIKE 'n%'"))[0]?.slice(0, 3)).toEqual([
      'name',
      'varchar(20)',
      'utf8mb4_bin',
    ]);
    expect((await rows(s, 'SHOW INDEX FROM t')).map((r) => [r[2], r[3], r[4], r[1]])).toEqual([
      ['PRIMARY', '1', 'id', '0'],
      ['name', '1', 'name', '0'],
      ['by_price', '1', 'price', '1'],
      ['by_price', '2', 'created', '1'],
    ]);
    expect(await rows(s, 'SHOW CREATE TABLE t')).toEqual([
      [
        't',
        [
          'CREATE TABLE `t` (',
          '  `id` bigint unsigned NOT NULL AUTO_INCREMENT,',
          "  `name` varchar(20) COLLATE utf8mb4_bin NOT NULL DEFAULT 'x',",
          '  `price` decimal(8,2) DEFAULT NULL,',
          '  `created` datetime DEFAULT CURRENT_TIMESTAMP,',
          '  PRIMARY KEY (`id`),',
          '  UNIQUE KEY `name` (`name`),',
          '  KEY `by_price` (`price`,`created`)',
          ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci SLICES=2',
        ].join('\n'),
      ],
    ]);
    // What SHOW CREATE TABLE prints creates the same table again.
    const [[, text]] = (await rows(s, 'SHOW CREATE TABLE t')) as [[string, string]];
    await run(s, text.replace('CREATE TABLE `t`', 'CREATE TABLE `t2`'));
    expect(await rows(s, 'DESCRIBE t2')).toEqual(await rows(s, 'DESCRIBE t'));
    expect(await fails(s, 'DESCRIBE nope')).toBe("1146: Table 'shop.nope' doesn't exist");
  });

  it('shows the cluster as the read-only system database', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE t (id INT PRIMARY KEY, v INT, KEY v (v)) SLICES = 3');
    expect(await rows(s, 'SHOW TABLES FROM system')).toEqual([
      ['nodes'],
      ['rebalancer_activity'],
      ['replicas'],
      ['representations'],
      ['sessions'],
      ['slices'],
      ['tables'],
    ]);
    expect(
      await rows(s, 'SELECT table_schema, table_name, representations FROM system.tables'),
    ).toEqual([['shop', 't', '2']]);
    expect(
      await rows(
        s,
        'SELECT index_name, slices FROM system.representations ORDER BY representation_id',
      ),
    ).toEqual([
      ['PRIMARY', '3'],
      ['v', '3'],
    ]);
    expect(await rows(s, 'SELECT COUNT(*), SUM(is_ranking) FROM system.replicas')).toEqual([
      ['12', '6'],
    ]);
    // Every member is the ranking replica or a plain one here (no loggers / learners asked
    // for); without reports from the nodes the position and load columns are NULL.
    expect(
      await rows(
        s,
        'SELECT role, COUNT(*), COUNT(applied_index), COUNT(size_bytes) FROM system.replicas GROUP BY role ORDER BY role',
      ),
    ).toEqual([
      ['ranking', '6', '0', '0'],
      ['replica', '6', '0', '0'],
    ]);
    expect(await fails(s, 'INSERT INTO system.nodes VALUES (1)')).toBe(
      "1036: Table 'nodes' is read only",
    );
    expect(await fails(s, 'SELECT * FROM system.nope')).toBe(
      "1146: Table 'system.nope' doesn't exist",
    );
  });

  it("shows the rebalancer's history as system.rebalancer_activity", async () => {
    const catalog = new MemoryCatalog(nodes);
    const s = await session(catalog);
    // A port that knows no history shows an empty table, not an error.
    expect(await rows(s, 'SELECT COUNT(*) FROM system.rebalancer_activity')).toEqual([['0']]);
    const rerank = {
      action: 'rerank',
      representation: 'shop.t',
      reason: 'node 3 down',
      state: 'done',
      bytes: 0,
      durationMs: 0,
    };
    catalog.rebalancerActivity = [
      { ...rerank, id: 1, atMs: 1_767_225_600_123, sliceId: 4, from: 3, to: 1 },
      { ...rerank, id: 2, atMs: 1_767_225_600_123, sliceId: 7, from: 3, to: 2 },
      // A future action without a source node shows NULL there.
      { ...rerank, id: 3, atMs: 1_767_225_601_000, sliceId: 9, from: 0, to: 2, reason: 'x' },
    ];
    expect(await rows(s, 'SELECT * FROM system.rebalancer_activity')).toEqual([
      [
        '2026-01-01 00:00:00.123',
        'rerank',
        '4',
        'shop.t',
        '3',
        '1',
        'node 3 down',
        'done',
        '0',
        '0',
      ],
      [
        '2026-01-01 00:00:00.123',
        'rerank',
        '7',
        'shop.t',
        '3',
        '2',
        'node 3 down',
        'done',
        '0',
        '0',
      ],
      ['2026-01-01 00:00:01.000', 'rerank', '9', 'shop.t', null, '2', 'x', 'done', '0', '0'],
    ]);
    expect(
      await rows(
        s,
        "SELECT `time`, slice, to_node FROM system.rebalancer_activity WHERE from_node = 3 AND reason LIKE 'node%' ORDER BY slice DESC",
      ),
    ).toEqual([
      ['2026-01-01 00:00:00.123', '7', '2'],
      ['2026-01-01 00:00:00.123', '4', '1'],
    ]);
    expect(await fails(s, 'DELETE FROM system.rebalancer_activity')).toBe(
      "1036: Table 'rebalancer_activity' is read only",
    );
    // A node-level entry (a finished drain) has no slice: NULL there, and no representation.
    catalog.rebalancerActivity = [
      {
        id: 4,
        atMs: 1_767_225_660_000,
        action: 'drained',
        sliceId: -1,
        representation: '',
        from: 4,
        to: 0,
        reason: 'node 4 drained: it holds no slice member any more',
        state: 'done',
        bytes: 30_000,
        durationMs: 60_000,
      },
    ];
    expect(
      await rows(
        s,
        "SELECT slice, from_node, to_node, bytes, duration_ms FROM system.rebalancer_activity WHERE action = 'drained'",
      ),
    ).toEqual([[null, '4', null, '30000', '60000']]);
  });
});
