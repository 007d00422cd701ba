import { describe, expect, it } from 'vitest';
import type { AlterTable } from '../ast.js';
import { createContext } from '../eval/context.js';
import { parse } from '../parser.js';
import type { TableDefinition } from '../schema/definition.js';
import { abandonedAfterMicros, alterTable } from './alter.js';
import type { CatalogPort, CatalogView } from './catalog-port.js';
import { SqlSession } from './session.js';
import { localData } from './test/local-data.js';
import { MemoryCatalog } from './test/memory-catalog.js';
import { fails, nodes, rootLogin, rows, run, session } from './test/sql-session.js';

const now = 1_767_225_600_000_000n; // 2026-01-01 00:00:00 UTC, the helper sessions' clock

const showCreate = async (s: SqlSession, table = 't') =>
  (await rows(s, `SHOW CREATE TABLE ${table}`))[0]?.[1];

/** The table's representations (index names as placed), from the read-only system database. */
const representations = async (s: SqlSession, table = 't') =>
  (
    await rows(
      s,
      `SELECT index_name FROM system.representations WHERE table_name = '${table}' ORDER BY index_name`,
    )
  ).map((r) => r[0]);

/** Sessions sharing one catalog and one store (and a direct ALTER with test knobs). */
async function cluster() {
  const catalog = new MemoryCatalog(nodes);
  const data = await localData();
  let clock = now;
  const connect = (id: number, over: CatalogPort = catalog) =>
    new SqlSession({
      catalog: over,
      connectionId: id,
      user: 'root',
      host: 'localhost',
      ...rootLogin,
      nowMicros: () => clock,
      random: () => 0.25,
      data,
    });
  const admin = connect(1);
  await run(admin, 'CREATE DATABASE shop; USE shop');
  const alter = (sql: string, afterRound?: (round: number) => Promise<void>) =>
    alterTable(parse(sql) as AlterTable, {
      catalog,
      database: 'shop',
      data,
      evalContext: () => createContext({ nowMicros: clock, random: () => 0.25 }),
      owner: 'test',
      nowMicros: () => clock,
      ...(afterRound === undefined ? {} : { afterRound }),
    });
  return {
    catalog,
    admin,
    connect,
    alter,
    advance: (micros: bigint) => {
      clock += micros;
    },
  };
}

describe('ALTER TABLE ADD COLUMN', () => {
  it('adds columns without touching the rows: old rows read the default, or the implicit one', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10))');
    await run(s, "INSERT INTO t VALUES (1, 'x'), (2, NULL)");
    const [added] = await run(
      s,
      "ALTER TABLE t ADD COLUMN n INT NOT NULL DEFAULT 7, ADD COLUMN z INT NOT NULL, ADD COLUMN e ENUM('p', 'q') NOT NULL, ADD COLUMN v VARCHAR(5) NOT NULL, ADD COLUMN u INT, ADD COLUMN d DECIMAL(5,2) NOT NULL DEFAULT 1.5, ADD COLUMN j JSON NOT NULL",
    );
    expect(added).toMatchObject({
      affectedRows: 0,
      info: 'Records: 0  Duplicates: 0  Warnings: 0',
    });
    expect(await rows(s, 'SELECT * FROM t ORDER BY id')).toEqual([
      ['1', 'x', '7', '0', 'p', '', null, '1.50', 'null'],
      ['2', null, '7', '0', 'p', '', null, '1.50', 'null'],
    ]);
    // New rows take the defaults as usual; NOT NULL without a default must be given.
    expect(await fails(s, "INSERT INTO t (id, a) VALUES (3, 'y')")).toBe(
      "1364: Field 'z' doesn't have a default value",
    );
    await run(s, "INSERT INTO t (id, z, e, v, j) VALUES (3, 5, 'q', 'vv', '[1]')");
    expect(await rows(s, 'SELECT n, z, e, v, d, j FROM t WHERE id = 3')).toEqual([
      ['7', '5', 'q', 'vv', '1.50', '[1]'],
    ]);
    // An old row updated keeps the value it read.
    await run(s, 'UPDATE t SET a = "w" WHERE id = 1');
    expect(await rows(s, 'SELECT a, n, z FROM t WHERE id = 1')).toEqual([['w', '7', '0']]);
  });

  it('places columns FIRST / AFTER, with the parenthesised form, and says so everywhere', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE t (id INT PRIMARY KEY, b INT)');
    await run(s, 'INSERT INTO t VALUES (1, 2)');
    await run(s, 'ALTER TABLE t ADD COLUMN a INT DEFAULT 1 AFTER id, ADD f INT FIRST');
    await run(s, 'ALTER TABLE t ADD (c INT, d VARCHAR(3) DEFAULT "dd")');
    expect(await rows(s, 'SELECT * FROM t')).toEqual([[null, '1', '1', '2', null, 'dd']]);
    expect((await rows(s, 'DESCRIBE t')).map((r) => r.slice(0, 5))).toEqual([
      ['f', 'int', 'YES', '', null],
      ['id', 'int', 'NO', 'PRI', null],
      ['a', 'int', 'YES', '', '1'],
      ['b', 'int', 'YES', '', null],
      ['c', 'int', 'YES', '', null],
      ['d', 'varchar(3)', 'YES', '', 'dd'],
    ]);
    expect(
      await rows(
        s,
        "SELECT COLUMN_NAME, ORDINAL_POSITION FROM information_schema.COLUMNS WHERE TABLE_NAME = 't' ORDER BY ORDINAL_POSITION",
      ),
    ).toEqual([
      ['f', '1'],
      ['id', '2'],
      ['a', '3'],
      ['b', '4'],
      ['c', '5'],
      ['d', '6'],
    ]);
    expect(await showCreate(s)).toBe(
      [
        'CREATE TABLE `t` (',
        '  `f` int DEFAULT NULL,',
        '  `id` int NOT NULL,',
        "  `a` int DEFAULT '1',",
        '  `b` int DEFAULT NULL,',
        '  `c` int DEFAULT NULL,',
        "  `d` varchar(3) DEFAULT 'dd',",
        '  PRIMARY KEY (`id`)',
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci',
      ].join('\n'),
    );
  });

  it('answers 1060, 1054, 1067 and 1292 as MySQL does, changing nothing', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE t (id INT PRIMARY KEY, a INT)');
    expect(await fails(s, 'ALTER TABLE t ADD COLUMN A INT')).toBe(
      "1060: Duplicate column name 'A'",
    );
    expect(await fails(s, 'ALTER TABLE t ADD COLUMN x INT, ADD COLUMN x INT')).toBe(
      "1060: Duplicate column name 'x'",
    );
    expect(await fails(s, 'ALTER TABLE t ADD COLUMN x INT AFTER nope')).toBe(
      "1054: Unknown column 'nope' in 't'",
    );
    expect(await fails(s, "ALTER TABLE t ADD COLUMN x INT DEFAULT 'abc'")).toBe(
      "1067: Invalid default value for 'x'",
    );
    expect(await fails(s, 'ALTER TABLE nope ADD COLUMN x INT')).toBe(
      "1146: Table 'shop.nope' doesn't exist",
    );
    // A NOT NULL date without a default: fine on an empty table, refused over rows (strict).
    await run(s, 'ALTER TABLE t ADD COLUMN d DATE NOT NULL');
    await run(s, "INSERT INTO t VALUES (1, 1, '2026-02-03')");
    expect(await fails(s, 'ALTER TABLE t ADD COLUMN d2 DATETIME NOT NULL')).toBe(
      "1292: Incorrect datetime value: '0000-00-00 00:00:00' for column 'd2' at row 1",
    );
    expect((await rows(s, 'DESCRIBE t')).map((r) => r[0])).toEqual(['id', 'a', 'd']);
  });

  it('fills old rows once: a later SET DEFAULT changes new rows only; a re-added name starts empty', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE t (id INT PRIMARY KEY, b INT)');
    await run(s, 'INSERT INTO t VALUES (1, 10)');
    await run(s, 'ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 5');
    await run(s, 'ALTER TABLE t ALTER COLUMN c SET DEFAULT 6');
    await run(s, 'INSERT INTO t (id) VALUES (2)');
    expect(await rows(s, 'SELECT id, c FROM t ORDER BY id')).toEqual([
      ['1', '5'],
      ['2', '6'],
    ]);
    // Column ids are never reused: the dropped b's values do not come back.
    await run(s, 'ALTER TABLE t DROP COLUMN b');
    await run(s, 'ALTER TABLE t ADD COLUMN b INT');
    expect(await rows(s, 'SELECT id, b FROM t ORDER BY id')).toEqual([
      ['1', null],
      ['2', null],
    ]);
  });

  it('computes per-row defaults: DEFAULT (expr), CURRENT_TIMESTAMP, AUTO_INCREMENT in key order', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE t (id INT PRIMARY KEY, v INT)');
    await run(s, 'INSERT INTO t VALUES (30, 3), (10, 1), (20, 2)');
    await run(
      s,
      "ALTER TABLE t ADD COLUMN e VARCHAR(10) DEFAULT (CONCAT('e', 'x')), ADD COLUMN ts DATETIME DEFAULT CURRENT_TIMESTAMP",
    );
    expect(await rows(s, 'SELECT id, e, ts FROM t ORDER BY id')).toEqual([
      ['10', 'ex', '2026-01-01 00:00:00'],
      ['20', 'ex', '2026-01-01 00:00:00'],
      ['30', 'ex', '2026-01-01 00:00:00'],
    ]);
    expect(await fails(s, 'ALTER TABLE t ADD COLUMN n INT AUTO_INCREMENT')).toBe(
      '1075: Incorrect table definition; there can be only one auto column and it must be defined as a key',
    );
    const [added] = await run(s, 'ALTER TABLE t ADD COLUMN n INT AUTO_INCREMENT UNIQUE');
    expect(added).toMatchObject({
      affectedRows: 3,
      info: 'Records: 3  Duplicates: 0  Warnings: 0',
    });
    expect(await rows(s, 'SELECT id, n FROM t ORDER BY id')).toEqual([
      ['10', '1'],
      ['20', '2'],
      ['30', '3'],
    ]);
    await run(s, 'INSERT INTO t (id) VALUES (40)');
    expect(await rows(s, 'SELECT n FROM t WHERE id = 40')).toEqual([['4']]);
    expect(await rows(s, 'SELECT id FROM t WHERE n = 2')).toEqual([['20']]);
    // One auto column per table; a table without a primary key has a hidden one already.
    expect(await fails(s, 'ALTER TABLE t ADD COLUMN m INT AUTO_INCREMENT UNIQUE')).toBe(
      '1075: Incorrect table definition; there can be only one auto column and it must be defined as a key',
    );
    await run(s, 'CREATE TABLE h (v INT)');
    expect(await fails(s, 'ALTER TABLE h ADD COLUMN m INT AUTO_INCREMENT UNIQUE')).toMatch(
      /^1235: .*AUTO_INCREMENT column in a table without a primary key/,
    );
  });
});

describe('ALTER TABLE DROP COLUMN', () => {
  it('drops columns from rows and indexes: an index left empty goes, a shorter one is rebuilt', async () => {
    const s = await session();
    await run(
      s,
      'CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, c INT, KEY ka (a), KEY kbc (b, c))',
    );
    await run(s, 'INSERT INTO t VALUES (1, 1, 10, 100), (2, 2, 20, 200), (3, 3, 20, 300)');
    await run(s, 'ALTER TABLE t DROP COLUMN a, DROP COLUMN c');
    expect(await rows(s, 'SELECT * FROM t ORDER BY id')).toEqual([
      ['1', '10'],
      ['2', '20'],
      ['3', '20'],
    ]);
    expect((await rows(s, 'SHOW INDEX FROM t')).map((r) => [r[2], r[4]])).toEqual([
      ['PRIMARY', 'id'],
      ['kbc', 'b'],
    ]);
    expect(await representations(s)).toEqual(['kbc', 'PRIMARY']);
    // The rebuilt index finds rows (and is maintained).
    await run(s, 'INSERT INTO t VALUES (4, 20)');
    expect(await rows(s, 'SELECT id FROM t WHERE b = 20 ORDER BY id')).toEqual([
      ['2'],
      ['3'],
      ['4'],
    ]);
    await run(s, 'DELETE FROM t WHERE b = 20');
    expect(await rows(s, 'SELECT id FROM t')).toEqual([['1']]);
  });

  it('answers 1091, 1090, 1828 and refuses a primary key column with 1235', async () => {
    const s = await session();
    await run(
      s,
      'CREATE TABLE t (id INT PRIMARY KEY, a INT, r INT, FOREIGN KEY (r) REFERENCES o (id))',
    );
    expect(await fails(s, 'ALTER TABLE t DROP COLUMN nope')).toBe(
      "1091: Can't DROP 'nope'; check that column/key exists",
    );
    expect(await fails(s, 'ALTER TABLE t DROP COLUMN a, DROP COLUMN a')).toBe(
      "1091: Can't DROP 'a'; check that column/key exists",
    );
    expect(await fails(s, 'ALTER TABLE t DROP COLUMN r')).toBe(
      "1828: Cannot drop column 'r': needed in a foreign key constraint 't_ibfk_1'",
    );
    expect(await fails(s, 'ALTER TABLE t DROP COLUMN id')).toMatch(/^1235: .*primary key column/);
    await run(s, 'CREATE TABLE one (a INT)');
    expect(await fails(s, 'ALTER TABLE one DROP COLUMN a')).toBe(
      "1090: You can't delete all columns with ALTER TABLE; use DROP TABLE instead",
    );
    // Dropping and adding in one ALTER refers to the table as it was.
    await run(s, 'ALTER TABLE one DROP COLUMN a, ADD COLUMN a VARCHAR(3)');
    expect((await rows(s, 'DESCRIBE one')).map((r) => r.slice(0, 2))).toEqual([
      ['a', 'varchar(3)'],
    ]);
    expect(await fails(s, 'ALTER TABLE t ADD x INT AFTER a, DROP a')).toBe(
      "1054: Unknown column 'a' in 't'",
    );
  });
});

describe('ALTER TABLE MODIFY / CHANGE', () => {
  it('converts every value to the new type and rebuilds the indexes over it', async () => {
    const s = await session();
    await run(
      s,
      'CREATE TABLE t (id INT PRIMARY KEY, b INT, c VARCHAR(10), KEY kb (b), UNIQUE KEY uc (c))',
    );
    await run(s, "INSERT INTO t VALUES (1, 5, '10'), (2, 40, '2'), (3, NULL, '30')");
    const [modified] = await run(s, 'ALTER TABLE t MODIFY b VARCHAR(5), MODIFY c INT');
    expect(modified).toMatchObject({
      affectedRows: 3,
      info: 'Records: 3  Duplicates: 0  Warnings: 0',
    });
    // Ordered as their new types order: text for b, numbers for c.
    expect(await rows(s, 'SELECT b FROM t ORDER BY b')).toEqual([[null], ['40'], ['5']]);
    expect(await rows(s, 'SELECT c FROM t ORDER BY c')).toEqual([['2'], ['10'], ['30']]);
    expect(await rows(s, "SELECT id FROM t WHERE b = '40'")).toEqual([['2']]);
    expect(await rows(s, 'SELECT id FROM t WHERE c = 30')).toEqual([['3']]);
    expect(await fails(s, 'INSERT INTO t VALUES (4, NULL, 10)')).toBe(
      "1062: Duplicate entry '10' for key 't.uc'",
    );
    expect(await fails(s, "INSERT INTO t VALUES (4, '123456', 11)")).toBe(
      "1406: Data too long for column 'b' at row 1",
    );
    expect(await showCreate(s)).toBe(
      [
        'CREATE TABLE `t` (',
        '  `id` int NOT NULL,',
        '  `b` varchar(5) DEFAULT NULL,',
        '  `c` int DEFAULT NULL,',
        '  PRIMARY KEY (`id`),',
        '  KEY `kb` (`b`),',
        '  UNIQUE KEY `uc` (`c`)',
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci',
      ].join('\n'),
    );
    // The old entries went with their representations.
    expect(await representations(s)).toHaveLength(3);
  });

  it('refuses values that do not fit (1264, 1265, 1366, 1138) and leaves the table as it was', async () => {
    const s = await session();
    await run(
      s,
      "CREATE TABLE t (id INT PRIMARY KEY, n INT, v VARCHAR(10), e ENUM('a', 'b', 'c'), KEY kn (n))",
    );
    await run(
      s,
      "INSERT INTO t VALUES (1, 1, 'ok', 'a'), (2, 300, 'abc', 'c'), (3, NULL, 'x', 'b')",
    );
    const before = await showCreate(s);
    const data = await rows(s, 'SELECT * FROM t ORDER BY id');
    const reps = await representations(s);
    expect(await fails(s, 'ALTER TABLE t MODIFY n TINYINT')).toBe(
      "1264: Out of range value for column 'n' at row 2",
    );
    expect(await fails(s, 'ALTER TABLE t MODIFY v INT')).toBe(
      "1366: Incorrect integer value: 'ok' for column 'v' at row 1",
    );
    expect(await fails(s, 'ALTER TABLE t MODIFY v VARCHAR(2)')).toBe(
      "1265: Data truncated for column 'v' at row 2",
    );
    expect(await fails(s, "ALTER TABLE t MODIFY e ENUM('a', 'b')")).toBe(
      "1265: Data truncated for column 'e' at row 2",
    );
    expect(await fails(s, 'ALTER TABLE t MODIFY n INT NOT NULL')).toBe(
      '1138: Invalid use of NULL value',
    );
    expect(await showCreate(s)).toBe(before);
    expect(await rows(s, 'SELECT * FROM t ORDER BY id')).toEqual(data);
    expect(await representations(s)).toEqual(reps);
    // The table takes writes again, and its index still answers.
    await run(s, "INSERT INTO t VALUES (4, 4, 'four', 'a')");
    expect(await rows(s, 'SELECT id FROM t WHERE n = 300')).toEqual([['2']]);
    // Without the offending values the same changes go through.
    await run(s, 'DELETE FROM t WHERE id IN (2, 3)');
    await run(
      s,
      "ALTER TABLE t MODIFY n TINYINT NOT NULL, MODIFY v VARCHAR(4), MODIFY e ENUM('a', 'b')",
    );
    expect(await fails(s, "INSERT INTO t VALUES (5, NULL, 'x', 'a')")).toBe(
      "1048: Column 'n' cannot be null",
    );
    expect(await rows(s, 'SELECT * FROM t ORDER BY id')).toEqual([
      ['1', '1', 'ok', 'a'],
      ['4', '4', 'four', 'a'],
    ]);
  });

  it('keeps values a wider type reads the same (no rewrite), and checks a narrower one', async () => {
    const s = await session();
    await run(
      s,
      "CREATE TABLE t (id INT PRIMARY KEY, n SMALLINT, v VARCHAR(5), e ENUM('a', 'b'), KEY kn (n))",
    );
    await run(s, "INSERT INTO t VALUES (1, 7, 'xy', 'b')");
    const [wider] = await run(
      s,
      "ALTER TABLE t MODIFY n BIGINT, MODIFY v TEXT, MODIFY e ENUM('a', 'b', 'c')",
    );
    expect(wider).toMatchObject({ affectedRows: 0 });
    expect(await representations(s)).toEqual(['kn', 'PRIMARY']);
    const [narrower] = await run(s, 'ALTER TABLE t MODIFY n TINYINT NOT NULL, MODIFY v VARCHAR(2)');
    expect(narrower).toMatchObject({
      affectedRows: 0,
      info: 'Records: 0  Duplicates: 0  Warnings: 0',
    });
    expect(await rows(s, 'SELECT * FROM t WHERE n = 7')).toEqual([['1', '7', 'xy', 'b']]);
    expect(await representations(s)).toEqual(['kn', 'PRIMARY']);
  });

  it('renames and moves with CHANGE / MODIFY … FIRST | AFTER; 1054 and 1060 as MySQL', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(5), KEY ka (a))');
    await run(s, "INSERT INTO t VALUES (1, 10, '7')");
    await run(s, 'ALTER TABLE t CHANGE a aa BIGINT NOT NULL AFTER b, MODIFY b VARCHAR(5) FIRST');
    expect((await rows(s, 'DESCRIBE t')).map((r) => r.slice(0, 4))).toEqual([
      ['b', 'varchar(5)', 'YES', ''],
      ['id', 'int', 'NO', 'PRI'],
      ['aa', 'bigint', 'NO', 'MUL'],
    ]);
    expect(await rows(s, 'SELECT * FROM t WHERE aa = 10')).toEqual([['7', '1', '10']]);
    expect((await rows(s, 'SHOW INDEX FROM t')).map((r) => [r[2], r[4]])).toEqual([
      ['PRIMARY', 'id'],
      ['ka', 'aa'],
    ]);
    expect(await fails(s, 'ALTER TABLE t MODIFY nope INT')).toBe(
      "1054: Unknown column 'nope' in 't'",
    );
    expect(await fails(s, 'ALTER TABLE t CHANGE nope x INT')).toBe(
      "1054: Unknown column 'nope' in 't'",
    );
    expect(await fails(s, 'ALTER TABLE t CHANGE aa b INT')).toBe("1060: Duplicate column name 'b'");
    expect(await fails(s, 'ALTER TABLE t MODIFY aa INT AFTER nope')).toBe(
      "1054: Unknown column 'nope' in 't'",
    );
    // Changes name the columns as they were: two can swap names.
    await run(s, 'ALTER TABLE t CHANGE b aa BIGINT, CHANGE aa b VARCHAR(5)');
    expect(await rows(s, 'SELECT aa, b FROM t')).toEqual([['7', '10']]);
    // …but each column is changed once per ALTER.
    expect(await fails(s, 'ALTER TABLE t MODIFY b INT, MODIFY b BIGINT')).toBe(
      "1054: Unknown column 'b' in 't'",
    );
  });

  it('rewrites a table of several pages (1 000 rows per transaction), numbering rows across them', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE big (id INT PRIMARY KEY, n INT, KEY kn (n))');
    const values = Array.from({ length: 2_100 }, (_, i) => `(${i + 1}, ${i % 100})`);
    await run(s, `INSERT INTO big VALUES ${values.join(', ')}`);
    const [modified] = await run(s, 'ALTER TABLE big MODIFY n VARCHAR(4)');
    expect(modified).toMatchObject({ affectedRows: 2_100 });
    expect(await rows(s, "SELECT COUNT(*), MIN(id), MAX(id) FROM big WHERE n = '7'")).toEqual([
      ['21', '8', '2008'],
    ]);
    await run(s, "UPDATE big SET n = 'long' WHERE id = 2050");
    expect(await fails(s, 'ALTER TABLE big MODIFY n INT')).toBe(
      "1366: Incorrect integer value: 'long' for column 'n' at row 2050",
    );
  });

  it('rebuilds a unique index whose collation changes, refusing duplicates with 1062', async () => {
    const s = await session();
    await run(
      s,
      'CREATE TABLE t (id INT PRIMARY KEY, c VARCHAR(5) COLLATE utf8mb4_bin, UNIQUE KEY uc (c))',
    );
    await run(s, "INSERT INTO t VALUES (1, 'a'), (2, 'A')");
    expect(await fails(s, 'ALTER TABLE t MODIFY c VARCHAR(5)')).toBe(
      "1062: Duplicate entry 'A' for key 't.uc'",
    );
    await run(s, "UPDATE t SET c = 'b' WHERE id = 2");
    await run(s, 'ALTER TABLE t MODIFY c VARCHAR(5)');
    expect(await rows(s, "SELECT id FROM t WHERE c = 'B'")).toEqual([['2']]);
  });

  it('refuses to convert a primary key column (1235) but widens it', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE t (id INT PRIMARY KEY, v INT)');
    await run(s, 'INSERT INTO t VALUES (1, 1)');
    expect(await fails(s, 'ALTER TABLE t MODIFY id VARCHAR(10)')).toMatch(/^1235: /);
    expect(await fails(s, 'ALTER TABLE t MODIFY id INT NULL')).toBe(
      '1171: All parts of a PRIMARY KEY must be NOT NULL; if you need NULL in a key, use UNIQUE instead',
    );
    await run(s, 'ALTER TABLE t MODIFY id BIGINT');
    expect((await rows(s, 'DESCRIBE t'))[0]?.slice(0, 3)).toEqual(['id', 'bigint', 'NO']);
    expect(await rows(s, 'SELECT v FROM t WHERE id = 1')).toEqual([['1']]);
  });
});

describe('ALTER TABLE RENAME COLUMN, defaults, RENAME TO, keys', () => {
  it('renames columns (indexes follow), sets and drops defaults', async () => {
    const s = await session();
    await run(
      s,
      'CREATE TABLE t (id INT PRIMARY KEY, a INT NOT NULL DEFAULT 1, b TEXT, KEY ka (a))',
    );
    await run(s, 'INSERT INTO t (id) VALUES (1)');
    await run(s, 'ALTER TABLE t RENAME COLUMN a TO x');
    await run(s, 'ALTER TABLE t ALTER COLUMN x SET DEFAULT 2');
    await run(s, 'INSERT INTO t (id) VALUES (2)');
    expect(await rows(s, 'SELECT id, x FROM t WHERE x = 2')).toEqual([['2', '2']]);
    expect((await rows(s, 'SHOW INDEX FROM t')).map((r) => [r[2], r[4]])).toEqual([
      ['PRIMARY', 'id'],
      ['ka', 'x'],
    ]);
    await run(s, 'ALTER TABLE t ALTER COLUMN x DROP DEFAULT');
    expect(await fails(s, 'INSERT INTO t (id) VALUES (3)')).toBe(
      "1364: Field 'x' doesn't have a default value",
    );
    expect(await fails(s, 'ALTER TABLE t RENAME COLUMN nope TO y')).toBe(
      "1054: Unknown column 'nope' in 't'",
    );
    expect(await fails(s, 'ALTER TABLE t RENAME COLUMN x TO b')).toBe(
      "1060: Duplicate column name 'b'",
    );
    expect(await fails(s, 'ALTER TABLE t RENAME COLUMN x TO y, MODIFY y INT')).toBe(
      "1054: Unknown column 'y' in 't'",
    );
    expect(await fails(s, "ALTER TABLE t ALTER COLUMN b SET DEFAULT 'z'")).toBe(
      "1101: BLOB, TEXT, GEOMETRY or JSON column 'b' can't have a default value",
    );
    expect(await fails(s, "ALTER TABLE t ALTER COLUMN x SET DEFAULT 'z'")).toBe(
      "1067: Invalid default value for 'x'",
    );
    expect(await fails(s, 'ALTER TABLE t ALTER COLUMN nope DROP DEFAULT')).toBe(
      "1054: Unknown column 'nope' in 't'",
    );
  });

  it('renames the table inside ALTER TABLE, with its other changes, or not at all (1050)', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE t (id INT PRIMARY KEY)');
    await run(s, 'CREATE TABLE taken (id INT PRIMARY KEY)');
    await run(s, 'INSERT INTO t VALUES (1)');
    expect(await fails(s, 'ALTER TABLE t ADD COLUMN a INT, RENAME TO taken')).toBe(
      "1050: Table 'taken' already exists",
    );
    expect((await rows(s, 'DESCRIBE t')).map((r) => r[0])).toEqual(['id']);
    await run(s, 'ALTER TABLE t ADD COLUMN a INT DEFAULT 3, RENAME TO u');
    expect(await rows(s, 'SELECT * FROM u')).toEqual([['1', '3']]);
    expect(await fails(s, 'SELECT * FROM t')).toBe("1146: Table 'shop.t' doesn't exist");
    await run(s, 'ALTER TABLE u RENAME AS t');
    expect(await rows(s, 'SELECT * FROM t')).toEqual([['1', '3']]);
  });

  it('renames and drops keys, records foreign keys, and answers MySQL errors for the rest', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE t (id INT PRIMARY KEY, a INT, KEY ka (a))');
    await run(s, 'INSERT INTO t VALUES (1, 5)');
    await run(s, 'ALTER TABLE t RENAME INDEX ka TO kx');
    expect(await rows(s, 'SELECT id FROM t WHERE a = 5')).toEqual([['1']]);
    expect((await rows(s, 'SHOW INDEX FROM t')).map((r) => r[2])).toEqual(['PRIMARY', 'kx']);
    expect(await fails(s, 'ALTER TABLE t RENAME INDEX nope TO z')).toBe(
      "1176: Key 'nope' doesn't exist in table 't'",
    );
    expect(await fails(s, 'ALTER TABLE t DROP PRIMARY KEY')).toMatch(/^1235: /);
    expect(await fails(s, 'ALTER TABLE t ADD PRIMARY KEY (a)')).toBe(
      '1068: Multiple primary key defined',
    );
    expect(await fails(s, 'ALTER TABLE t DROP FOREIGN KEY nope')).toBe(
      "1091: Can't DROP 'nope'; check that column/key exists",
    );
    expect(await fails(s, 'ALTER TABLE t DROP CHECK nope')).toBe(
      "3821: Check constraint 'nope' is not found in the table.",
    );
    expect(await fails(s, 'ALTER TABLE t SLICES = 4')).toMatch(/^1235: .*SLICES/);
    expect(await fails(s, 'ALTER TABLE t ALGORITHM = FAST')).toBe("1800: Unknown ALGORITHM 'FAST'");
    expect(await fails(s, 'ALTER TABLE t MODIFY a VARCHAR(3), ALGORITHM = INSTANT')).toMatch(
      /^1846: ALGORITHM=INSTANT is not supported\. Reason: .*Try ALGORITHM=COPY\/INPLACE\.$/,
    );
    expect(await fails(s, 'ALTER TABLE t ADD INDEX (id, a), LOCK = NONE')).toMatch(
      /^1846: LOCK=NONE is not supported\./,
    );
    await run(s, 'ALTER TABLE t ADD COLUMN b INT, ALGORITHM = INSTANT, LOCK = NONE');
    await run(s, "ALTER TABLE t COMMENT = 'hello', ENGINE = InnoDB");
    expect(await showCreate(s)).toMatch(/COMMENT='hello'$/);
  });

  it('is all or nothing: a failing action anywhere leaves definition and data as they were', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(10), KEY kb (b))');
    await run(s, "INSERT INTO t VALUES (1, 1, 'one'), (2, 1000, 'two')");
    const before = await showCreate(s);
    const reps = await representations(s);
    // The data fails the last change: the added column, index and conversion are all undone.
    expect(
      await fails(
        s,
        'ALTER TABLE t ADD COLUMN c INT DEFAULT 9, ADD UNIQUE INDEX ua (a), MODIFY b VARCHAR(20), DROP INDEX kb, MODIFY a TINYINT',
      ),
    ).toBe("1264: Out of range value for column 'a' at row 2");
    // The plan fails on the last action: nothing was proposed.
    expect(await fails(s, 'ALTER TABLE t ADD COLUMN c INT, DROP COLUMN nope')).toBe(
      "1091: Can't DROP 'nope'; check that column/key exists",
    );
    expect(await showCreate(s)).toBe(before);
    expect(await representations(s)).toEqual(reps);
    expect(await rows(s, 'SELECT * FROM t ORDER BY id')).toEqual([
      ['1', '1', 'one'],
      ['2', '1000', 'two'],
    ]);
    expect(await rows(s, "SELECT id FROM t WHERE b = 'two'")).toEqual([['2']]);
    await run(s, "INSERT INTO t VALUES (3, 3, 'three')");
  });
});

describe('ALTER TABLE with columns and keys together', () => {
  it('adds a column and an index over it at once, redefines a key in place, converts the charset', async () => {
    const s = await session();
    await run(
      s,
      'CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(5), KEY k (a)) DEFAULT CHARSET = latin1',
    );
    await run(s, "INSERT INTO t VALUES (1, 'x'), (2, 'y')");
    await run(
      s,
      'ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 3, ADD INDEX kc (c), ADD COLUMN u INT UNIQUE',
    );
    expect(await rows(s, 'SELECT id FROM t WHERE c = 3 ORDER BY id')).toEqual([['1'], ['2']]);
    await run(s, 'UPDATE t SET u = id');
    expect(await fails(s, 'UPDATE t SET u = 1 WHERE id = 2')).toBe(
      "1062: Duplicate entry '1' for key 't.u'",
    );
    // DROP INDEX k, ADD INDEX k: the same name over other columns, entries written anew.
    await run(s, 'ALTER TABLE t DROP INDEX k, ADD INDEX k (c, a)');
    expect(await rows(s, "SELECT id FROM t WHERE c = 3 AND a = 'y'")).toEqual([['2']]);
    expect((await rows(s, 'SHOW INDEX FROM t')).map((r) => [r[2], r[4]])).toEqual([
      ['PRIMARY', 'id'],
      ['u', 'u'],
      ['kc', 'c'],
      ['k', 'c'],
      ['k', 'a'],
    ]);
    await run(s, 'ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4');
    expect(await showCreate(s)).toBe(
      [
        'CREATE TABLE `t` (',
        '  `id` int NOT NULL,',
        '  `a` varchar(5) DEFAULT NULL,',
        "  `c` int NOT NULL DEFAULT '3',",
        '  `u` int DEFAULT NULL,',
        '  PRIMARY KEY (`id`),',
        '  UNIQUE KEY `u` (`u`),',
        '  KEY `kc` (`c`),',
        '  KEY `k` (`c`,`a`)',
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci',
      ].join('\n'),
    );
    expect(await rows(s, "SELECT id FROM t WHERE c = 3 AND a = 'Y'")).toEqual([['2']]);
    // CREATE INDEX IF NOT EXISTS (MariaDB's) over a taken name is a note.
    const [note] = await run(s, 'CREATE INDEX IF NOT EXISTS kc ON t (a)');
    expect(note).toMatchObject({ warnings: [{ level: 'Note', code: 1061 }] });
  });
});

describe('ALTER TABLE and AUTO_INCREMENT', () => {
  it('keeps the counter over a rewrite, moves it past values of a column made AUTO_INCREMENT, and to AUTO_INCREMENT = n', async () => {
    const s = await session();
    await run(s, 'CREATE TABLE t (id INT PRIMARY KEY AUTO_INCREMENT, v INT)');
    await run(s, 'INSERT INTO t (v) VALUES (1), (2), (3)');
    await run(s, 'ALTER TABLE t MODIFY v VARCHAR(5), MODIFY id BIGINT NOT NULL AUTO_INCREMENT');
    const [inserted] = await run(s, "INSERT INTO t (v) VALUES ('x')");
    expect(inserted).toMatchObject({ lastInsertId: 4n });
    // A column made AUTO_INCREMENT: the next value is past the largest one stored.
    await run(s, 'CREATE TABLE m (id INT PRIMARY KEY, v INT)');
    await run(s, 'INSERT INTO m VALUES (5, 1), (9, 2)');
    await run(s, 'ALTER TABLE m MODIFY id INT NOT NULL AUTO_INCREMENT');
    await run(s, 'INSERT INTO m (v) VALUES (3)');
    expect(await rows(s, 'SELECT id FROM m WHERE v = 3')).toEqual([['10']]);
    expect((await rows(s, 'DESCRIBE m'))[0]?.[5]).toBe('auto_increment');
    await run(s, 'ALTER TABLE m AUTO_INCREMENT = 100');
    await run(s, 'INSERT INTO m (v) VALUES (4)');
    expect(await rows(s, 'SELECT id FROM m WHERE v = 4')).toEqual([['100']]);
    // The counter never goes back below what was handed out.
    await run(s, 'ALTER TABLE m AUTO_INCREMENT = 50');
    await run(s, 'INSERT INTO m (v) VALUES (5)');
    expect(await rows(s, 'SELECT id FROM m WHERE v = 5')).toEqual([['101']]);
    // Taking AUTO_INCREMENT off is metadata only.
    await run(s, 'ALTER TABLE m MODIFY id INT NOT NULL');
    expect(await fails(s, 'INSERT INTO m (v) VALUES (6)')).toBe(
      "1364: Field 'id' doesn't have a default value",
    );
  });
});

describe('ALTER TABLE while others write', () => {
  it('refuses writes while it writes rows (1205), serves reads with the old definition, and carries over rows a writer that resolved the table earlier committed meanwhile', async () => {
    const { catalog, admin, connect, alter } = await cluster();
    await run(admin, 'CREATE TABLE t (id INT PRIMARY KEY, n VARCHAR(10), KEY kn (n))');
    await run(admin, "INSERT INTO t VALUES (1, '10'), (2, '20'), (3, '30')");
    // A writer whose catalog view predates the ALTER (a statement already under way).
    const frozen: CatalogView = await catalog.view();
    const stale = connect(2, {
      view: () => Promise.resolve(frozen),
      propose: (command) => catalog.propose(command),
    });
    await run(stale, 'USE shop');
    const fresh = connect(3);
    await run(fresh, 'USE shop');
    const seen: string[] = [];
    const result = await alter('ALTER TABLE t MODIFY n INT', async (round) => {
      if (round !== 1) return;
      seen.push(await fails(fresh, "INSERT INTO t VALUES (9, '90')"));
      seen.push(JSON.stringify(await rows(fresh, 'SELECT n FROM t WHERE id = 2')));
      await run(stale, "INSERT INTO t VALUES (4, '40')");
      await run(stale, "UPDATE t SET n = '21' WHERE id = 2");
      await run(stale, 'DELETE FROM t WHERE id = 3');
    });
    expect(result).toMatchObject({ kind: 'ok', affectedRows: 3 });
    expect(seen).toEqual([
      '1205: Lock wait timeout exceeded; try restarting transaction',
      '[["20"]]',
    ]);
    expect(await rows(fresh, 'SELECT id, n FROM t ORDER BY n')).toEqual([
      ['1', '10'],
      ['2', '21'],
      ['4', '40'],
    ]);
    // The rebuilt index holds exactly the rows there are (converted), none of the deleted one.
    expect(await rows(fresh, 'SELECT id FROM t WHERE n = 21')).toEqual([['2']]);
    expect(await rows(fresh, 'SELECT id FROM t WHERE n = 40')).toEqual([['4']]);
    expect(await rows(fresh, 'SELECT id FROM t WHERE n = 30')).toEqual([]);
    expect(await rows(fresh, 'SELECT id FROM t WHERE n = 20')).toEqual([]);
    await run(fresh, "INSERT INTO t VALUES (9, '90')");
  });

  it('a lock left by an ALTER that died holds writes off until the next ALTER takes it over', async () => {
    const { catalog, admin, alter, advance } = await cluster();
    await run(admin, 'CREATE TABLE t (id INT PRIMARY KEY, v INT)');
    await run(admin, 'INSERT INTO t VALUES (1, 1)');
    const view = await catalog.view();
    const table = view.tables.find((x) => x.name === 't');
    if (table === undefined) throw new Error('no table t');
    const definition = table.definition as TableDefinition;
    // The lock a dead ALTER left: a pending definition and a representation placed for it.
    await catalog.propose({
      kind: 'alterTable',
      database: 'shop',
      name: 't',
      expectedVersion: table.version,
      definition: {
        ...definition,
        pendingAlter: { definition, owner: 'dead v1', startedAtMicros: String(now) },
      },
      addRepresentations: [{ name: 'kv#1.1' }],
    });
    expect(await fails(admin, 'INSERT INTO t VALUES (2, 2)')).toBe(
      '1205: Lock wait timeout exceeded; try restarting transaction',
    );
    expect(await rows(admin, 'SELECT * FROM t')).toEqual([['1', '1']]);
    expect(await fails(admin, 'TRUNCATE TABLE t')).toBe(
      '1205: Lock wait timeout exceeded; try restarting transaction',
    );
    await expect(alter('ALTER TABLE t ADD COLUMN w INT')).rejects.toMatchObject({ errno: 1205 });
    advance(abandonedAfterMicros + 1n);
    await alter('ALTER TABLE t ADD COLUMN w INT DEFAULT 4');
    await run(admin, 'INSERT INTO t (id, v) VALUES (2, 2)');
    expect(await rows(admin, 'SELECT * FROM t ORDER BY id')).toEqual([
      ['1', '1', '4'],
      ['2', '2', '4'],
    ]);
    expect(await representations(admin)).toEqual(['PRIMARY']);
  });
});
