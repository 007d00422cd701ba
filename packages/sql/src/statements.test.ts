import { describe, expect, it } from 'vitest';
import type { Statement } from './ast.js';
import { SqlEmptyQueryError, SqlNotSupportedError } from './errors.js';
import { parse, parseMulti, parseOne } from './parser.js';
import { splitStatements } from './split.js';
import { stripPositions } from './testing.js';

const ast = (sql: string): unknown => stripPositions(parse(sql));
const kindOf = (sql: string): Statement['kind'] => parse(sql).kind;

describe('SELECT', () => {
  it('parses a point select', () => {
    expect(ast('SELECT * FROM t WHERE id = 42')).toEqual({
      kind: 'select',
      hints: [],
      distinct: false,
      options: [],
      columns: [{ kind: 'star' }],
      from: [{ kind: 'table', table: { name: 't' } }],
      where: {
        kind: 'binary',
        op: '=',
        left: { kind: 'column', name: 'id' },
        right: { kind: 'number', text: '42', numberType: 'int' },
      },
      groupBy: [],
      orderBy: [],
    });
  });

  it('keeps the select item text and aliases', () => {
    const s = parse('SELECT a+1, b AS x, c y, d "z", t.*, db.u.* FROM t');
    expect(s).toMatchObject({
      columns: [
        { source: 'a+1' },
        { alias: 'x' },
        { alias: 'y' },
        { alias: 'z' },
        { kind: 'star', table: 't' },
        { kind: 'star', db: 'db', table: 'u' },
      ],
    });
  });

  it('parses joins', () => {
    expect(
      ast(
        'SELECT * FROM a JOIN b ON a.x = b.x LEFT OUTER JOIN c USING (y) CROSS JOIN d, e RIGHT JOIN f ON 1',
      ),
    ).toMatchObject({
      from: [
        {
          kind: 'join',
          type: 'CROSS',
          left: {
            type: 'LEFT',
            using: ['y'],
            left: { type: 'INNER', on: { op: '=' } },
          },
        },
        { kind: 'join', type: 'RIGHT' },
      ],
    });
    expect(ast('SELECT * FROM a NATURAL JOIN b STRAIGHT_JOIN c')).toMatchObject({
      from: [{ type: 'STRAIGHT', left: { type: 'INNER', natural: true } }],
    });
  });

  it('parses derived tables, index hints and DUAL', () => {
    expect(ast('SELECT * FROM (SELECT 1 AS a) AS d (x)')).toMatchObject({
      from: [{ kind: 'derived', alias: 'd', columns: ['x'] }],
    });
    expect(ast('SELECT * FROM t FORCE INDEX (PRIMARY) USE KEY FOR ORDER BY (k)')).toMatchObject({
      from: [
        {
          indexHints: [
            { type: 'FORCE', indexes: ['PRIMARY'] },
            { type: 'USE', scope: 'ORDER BY', indexes: ['k'] },
          ],
        },
      ],
    });
    expect(ast('SELECT 1 FROM DUAL')).toMatchObject({ from: [] });
  });

  it('parses GROUP BY, HAVING, ORDER BY and every LIMIT form', () => {
    expect(ast('SELECT a FROM t GROUP BY a HAVING COUNT(*) > 1 ORDER BY a DESC, b')).toMatchObject({
      groupBy: [{ name: 'a' }],
      having: { op: '>' },
      orderBy: [{ desc: true }, { desc: false }],
    });
    expect(ast('SELECT 1 LIMIT 5')).toMatchObject({ limit: { count: { text: '5' } } });
    expect(ast('SELECT 1 LIMIT 10, 5')).toMatchObject({
      limit: { count: { text: '5' }, offset: { text: '10' } },
    });
    expect(ast('SELECT 1 LIMIT 5 OFFSET 10')).toMatchObject({
      limit: { count: { text: '5' }, offset: { text: '10' } },
    });
  });

  it('parses locking clauses', () => {
    expect(ast('SELECT * FROM t FOR UPDATE')).toMatchObject({ lock: { mode: 'UPDATE' } });
    expect(ast('SELECT * FROM t FOR SHARE NOWAIT')).toMatchObject({
      lock: { mode: 'SHARE', wait: 'NOWAIT' },
    });
    expect(ast('SELECT * FROM t LOCK IN SHARE MODE')).toMatchObject({ lock: { mode: 'SHARE' } });
  });

  it('parses UNION, EXCEPT, INTERSECT with parentheses and a trailing ORDER BY / LIMIT', () => {
    expect(ast('SELECT 1 UNION ALL SELECT 2 UNION SELECT 3 ORDER BY 1 LIMIT 2')).toMatchObject({
      kind: 'union',
      all: false,
      left: { kind: 'union', all: true },
      orderBy: [{}],
      limit: {},
    });
    expect(
      ast('(SELECT a FROM t ORDER BY a LIMIT 1) UNION DISTINCT (SELECT b FROM u)'),
    ).toMatchObject({
      kind: 'union',
      left: { kind: 'select', limit: {} },
      right: { kind: 'select' },
    });
    expect(ast('SELECT 1 UNION SELECT 2 INTERSECT SELECT 3')).toMatchObject({
      op: 'UNION',
      right: { op: 'INTERSECT' },
    });
  });

  it('attaches hints', () => {
    const s = parse('/*FORCE_MASTER*/ SELECT /*+ MAX_EXECUTION_TIME(100) */ 1');
    expect(s).toMatchObject({
      hints: [
        { kind: 'routing', name: 'FORCE_MASTER' },
        { kind: 'optimizer', name: 'MAX_EXECUTION_TIME', args: ['100'] },
      ],
    });
    expect(parseOne('/*FORCE_SLAVE*/ SHOW TABLES').leadingHints).toMatchObject([
      { name: 'FORCE_SLAVE' },
    ]);
  });

  it('treats non-reserved keywords as names', () => {
    expect(
      ast('SELECT status, date, user, comment, key_block_size, `key` FROM `table` AS timestamp'),
    ).toMatchObject({
      columns: [
        { expr: { name: 'status' } },
        { expr: { name: 'date' } },
        { expr: { name: 'user' } },
        { expr: { name: 'comment' } },
        { expr: { name: 'key_block_size' } },
        { expr: { name: 'key' } },
      ],
      from: [{ alias: 'timestamp' }],
    });
  });
});

describe('INSERT / REPLACE / UPDATE / DELETE', () => {
  it('parses multi-row INSERT with ON DUPLICATE KEY UPDATE', () => {
    expect(
      ast(
        'INSERT IGNORE INTO db.t (a, b) VALUES (1, DEFAULT), (2, 3) ON DUPLICATE KEY UPDATE a = VALUES(a), b = b + 1',
      ),
    ).toMatchObject({
      kind: 'insert',
      replace: false,
      ignore: true,
      table: { db: 'db', name: 't' },
      columns: ['a', 'b'],
      source: {
        kind: 'values',
        rows: [
          [{ text: '1' }, { kind: 'default' }],
          [{}, {}],
        ],
      },
      onDuplicateKeyUpdate: [
        { column: { name: 'a' }, value: { name: 'VALUES' } },
        { value: { op: '+' } },
      ],
    });
  });

  it('parses INSERT ... SELECT, INSERT ... SET and REPLACE', () => {
    expect(ast('INSERT INTO t SELECT * FROM u')).toMatchObject({ source: { kind: 'query' } });
    expect(ast('INSERT INTO t (a) (SELECT 1)')).toMatchObject({
      columns: ['a'],
      source: { kind: 'query' },
    });
    expect(ast('INSERT t SET a = 1, b = 2')).toMatchObject({
      source: { kind: 'set', assignments: [{}, {}] },
    });
    expect(ast('REPLACE INTO t VALUES (1)')).toMatchObject({ kind: 'insert', replace: true });
  });

  it('parses single- and multi-table UPDATE', () => {
    expect(
      ast('UPDATE LOW_PRIORITY t SET a = a + 1 WHERE id = 1 ORDER BY id LIMIT 10'),
    ).toMatchObject({
      kind: 'update',
      lowPriority: true,
      tables: [{ kind: 'table' }],
      set: [{ column: { name: 'a' } }],
      orderBy: [{}],
      limit: {},
    });
    expect(ast('UPDATE a JOIN b ON a.id = b.id SET a.x = b.x, b.y = 2')).toMatchObject({
      tables: [{ kind: 'join' }],
      set: [{ column: { table: 'a', name: 'x' } }, { column: { table: 'b' } }],
    });
  });

  it('parses every DELETE form', () => {
    expect(ast('DELETE FROM t WHERE a = 1 ORDER BY b LIMIT 3')).toMatchObject({
      kind: 'delete',
      from: [{ table: { name: 't' } }],
      orderBy: [{}],
      limit: {},
    });
    expect(ast('DELETE t1, t2.* FROM t1 JOIN t2 ON t1.a = t2.a')).toMatchObject({
      targets: [{ name: 't1' }, { name: 't2' }],
      from: [{ kind: 'join' }],
    });
    expect(ast('DELETE QUICK FROM t1 USING t1 JOIN t2 WHERE t1.a = t2.a')).toMatchObject({
      quick: true,
      targets: [{ name: 't1' }],
      where: {},
    });
  });
});

describe('DDL', () => {
  it('parses CREATE TABLE with types, column options, keys and table options', () => {
    const s = ast(`CREATE TABLE IF NOT EXISTS shop.items (
      id BIGINT(20) UNSIGNED ZEROFILL NOT NULL AUTO_INCREMENT,
      price DECIMAL(12,4) NOT NULL DEFAULT '0.0000',
      ratio DOUBLE, f FLOAT(7,3), flag BOOL DEFAULT TRUE, bits BIT(8) DEFAULT b'0',
      name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL COMMENT 'the name',
      body LONGTEXT, raw VARBINARY(16), blob1 MEDIUMBLOB,
      born DATE, at DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
      t TIME(3), y YEAR, doc JSON, state ENUM('a','b') DEFAULT 'a', tags SET('x','y'),
      status INT UNIQUE, date DATE, user VARCHAR(10), comment TEXT, key_block_size INT,
      neg INT DEFAULT -1, expr INT DEFAULT (1 + 2),
      PRIMARY KEY (id),
      UNIQUE KEY uk_name (name(10)),
      KEY idx_born (born DESC, at),
      INDEX (price) USING BTREE COMMENT 'p',
      CONSTRAINT fk FOREIGN KEY (status) REFERENCES other (id) ON DELETE CASCADE,
      CHECK (price >= 0)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci AUTO_INCREMENT=100 COMMENT='items' SLICES = 8 REPLICAS = 3`);
    expect(s).toMatchObject({
      kind: 'createTable',
      ifNotExists: true,
      table: { db: 'shop', name: 'items' },
      columns: [
        {
          name: 'id',
          type: { name: 'BIGINT', length: 20, unsigned: true, zerofill: true },
          nullable: false,
          autoIncrement: true,
        },
        {
          name: 'price',
          type: { name: 'DECIMAL', length: 12, scale: 4 },
          default: { kind: 'string', value: '0.0000' },
        },
        { type: { name: 'DOUBLE' } },
        { type: { name: 'FLOAT', length: 7, scale: 3 } },
        { type: { name: 'BOOLEAN' }, default: { kind: 'bool', value: true } },
        { type: { name: 'BIT', length: 8 }, default: { kind: 'bit' } },
        {
          type: { name: 'VARCHAR', length: 255, charset: 'utf8mb4', collation: 'utf8mb4_bin' },
          comment: 'the name',
        },
        { type: { name: 'LONGTEXT' } },
        { type: { name: 'VARBINARY', length: 16 } },
        { type: { name: 'MEDIUMBLOB' } },
        { type: { name: 'DATE' } },
        {
          type: { name: 'DATETIME', length: 6 },
          default: { name: 'CURRENT_TIMESTAMP' },
          onUpdate: { name: 'CURRENT_TIMESTAMP' },
        },
        { type: { name: 'TIME', length: 3 } },
        { type: { name: 'YEAR' } },
        { type: { name: 'JSON' } },
        { type: { name: 'ENUM', values: ['a', 'b'] } },
        { type: { name: 'SET', values: ['x', 'y'] } },
        { name: 'status', unique: true },
        { name: 'date' },
        { name: 'user' },
        { name: 'comment' },
        { name: 'key_block_size' },
        { name: 'neg', default: { text: '-1' } },
        { name: 'expr', default: { kind: 'binary' } },
      ],
      constraints: [
        { kind: 'primaryKey', columns: [{ name: 'id' }] },
        { kind: 'index', unique: true, name: 'uk_name', columns: [{ name: 'name', length: 10 }] },
        { kind: 'index', unique: false, name: 'idx_born', columns: [{ desc: true }, {}] },
        { kind: 'index', options: { using: 'BTREE', comment: 'p' } },
        {
          kind: 'foreignKey',
          name: 'fk',
          references: { table: { name: 'other' }, onDelete: 'CASCADE' },
        },
        { kind: 'check' },
      ],
      options: [
        { name: 'ENGINE', value: 'InnoDB' },
        { name: 'CHARSET', value: 'utf8mb4' },
        { name: 'COLLATE', value: 'utf8mb4_0900_ai_ci' },
        { name: 'AUTO_INCREMENT', value: '100' },
        { name: 'COMMENT', value: 'items', valueKind: 'string' },
        { name: 'SLICES', value: '8', valueKind: 'number' },
        { name: 'REPLICAS', value: '3' },
      ],
    });
  });

  it('parses CREATE TABLE LIKE / AS SELECT', () => {
    expect(ast('CREATE TABLE a LIKE b')).toMatchObject({ like: { name: 'b' } });
    expect(ast('CREATE TABLE a (LIKE b)')).toMatchObject({ like: { name: 'b' } });
    expect(ast('CREATE TABLE a AS SELECT 1')).toMatchObject({ query: { kind: 'select' } });
  });

  it('parses DROP / TRUNCATE / RENAME', () => {
    expect(ast('DROP TABLE IF EXISTS a, db.b')).toMatchObject({
      kind: 'dropTable',
      ifExists: true,
      tables: [{}, {}],
    });
    expect(ast('TRUNCATE TABLE t')).toMatchObject({ kind: 'truncate' });
    expect(ast('TRUNCATE t')).toMatchObject({ kind: 'truncate' });
    expect(ast('RENAME TABLE a TO b, c TO d')).toMatchObject({ renames: [{}, {}] });
  });

  it('parses ALTER TABLE actions', () => {
    expect(
      ast(
        'ALTER TABLE t ADD COLUMN c INT NOT NULL AFTER b, ADD d INT FIRST, DROP COLUMN e, MODIFY f BIGINT, ' +
          'CHANGE COLUMN g h VARCHAR(5), ADD INDEX i (a), ADD UNIQUE KEY u (b), ADD PRIMARY KEY (id), ' +
          'DROP INDEX i, DROP KEY j, DROP PRIMARY KEY, RENAME TO t2, RENAME COLUMN a TO b, ' +
          'ALTER COLUMN x SET DEFAULT 5, ALTER y DROP DEFAULT, ENGINE = InnoDB, ALGORITHM=INPLACE, LOCK=NONE',
      ),
    ).toMatchObject({
      actions: [
        { kind: 'addColumn', position: { after: 'b' } },
        { kind: 'addColumn', position: { first: true } },
        { kind: 'dropColumn', name: 'e' },
        { kind: 'modifyColumn' },
        { kind: 'changeColumn', oldName: 'g', column: { name: 'h' } },
        { kind: 'addConstraint', constraint: { kind: 'index', name: 'i' } },
        { kind: 'addConstraint', constraint: { unique: true } },
        { kind: 'addConstraint', constraint: { kind: 'primaryKey' } },
        { kind: 'dropIndex', name: 'i' },
        { kind: 'dropIndex', name: 'j' },
        { kind: 'dropPrimaryKey' },
        { kind: 'renameTable', to: { name: 't2' } },
        { kind: 'renameColumn', from: 'a', to: 'b' },
        { kind: 'alterColumnDefault', name: 'x', default: { text: '5' } },
        { kind: 'alterColumnDefault', name: 'y' },
        { kind: 'tableOptions', options: [{ name: 'ENGINE' }] },
        { kind: 'algorithm', value: 'INPLACE' },
        { kind: 'lock', value: 'NONE' },
      ],
    });
  });

  it('parses indexes and databases', () => {
    expect(ast('CREATE UNIQUE INDEX u ON t (a, b(4))')).toMatchObject({
      kind: 'createIndex',
      unique: true,
      columns: [{ name: 'a' }, { name: 'b', length: 4 }],
    });
    expect(ast('DROP INDEX i ON db.t')).toMatchObject({ kind: 'dropIndex', name: 'i' });
    expect(
      ast('CREATE SCHEMA IF NOT EXISTS d DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin'),
    ).toMatchObject({
      kind: 'createDatabase',
      ifNotExists: true,
      charset: 'utf8mb4',
      collation: 'utf8mb4_bin',
    });
    expect(ast('DROP DATABASE IF EXISTS d')).toMatchObject({
      kind: 'dropDatabase',
      ifExists: true,
    });
  });
});

describe('session, transactions, administration', () => {
  it('parses SET in all its forms', () => {
    expect(ast("SET NAMES 'utf8mb4' COLLATE 'utf8mb4_general_ci'")).toMatchObject({
      items: [{ kind: 'names', charset: 'utf8mb4', collation: 'utf8mb4_general_ci' }],
    });
    expect(ast('SET CHARACTER SET utf8')).toMatchObject({
      items: [{ kind: 'charset', charset: 'utf8' }],
    });
    expect(
      ast(
        "SET autocommit = 1, SESSION sql_mode = 'ANSI', GLOBAL max_connections = 10, @@session.x = ON, @u := 5, LOCAL y = OFF",
      ),
    ).toMatchObject({
      items: [
        { name: 'autocommit', scope: undefined },
        { name: 'sql_mode', scope: 'session' },
        { name: 'max_connections', scope: 'global' },
        { name: 'x', scope: 'session', value: { name: 'ON' } },
        { name: 'u', scope: 'user' },
        { name: 'y', scope: 'session', value: { name: 'OFF' } },
      ],
    });
    expect(ast('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED')).toEqual({
      kind: 'setTransaction',
      scope: 'SESSION',
      isolationLevel: 'READ COMMITTED',
    });
    expect(ast('SET TRANSACTION READ ONLY')).toEqual({
      kind: 'setTransaction',
      accessMode: 'READ ONLY',
    });
  });

  it.each([
    ['SHOW DATABASES', { target: 'DATABASES' }],
    ["SHOW FULL TABLES FROM db LIKE 'a%'", { target: 'TABLES', full: true, db: 'db', like: 'a%' }],
    ['SHOW TABLES WHERE x = 1', { target: 'TABLES', where: {} }],
    [
      'SHOW FULL COLUMNS FROM t FROM db',
      { target: 'COLUMNS', full: true, table: { name: 't' }, db: 'db' },
    ],
    ['SHOW FIELDS IN db.t', { target: 'COLUMNS', table: { db: 'db', name: 't' } }],
    ['SHOW INDEX FROM t', { target: 'INDEX' }],
    ['SHOW KEYS IN t', { target: 'INDEX' }],
    ['SHOW CREATE TABLE t', { target: 'CREATE TABLE' }],
    ['SHOW CREATE DATABASE d', { target: 'CREATE DATABASE', db: 'd' }],
    ["SHOW GLOBAL VARIABLES LIKE 'max%'", { target: 'VARIABLES', scope: 'GLOBAL', like: 'max%' }],
    ["SHOW SESSION STATUS LIKE 'x'", { target: 'STATUS', scope: 'SESSION' }],
    ['SHOW WARNINGS', { target: 'WARNINGS' }],
    ['SHOW ERRORS LIMIT 5', { target: 'ERRORS', limit: {} }],
    ['SHOW FULL PROCESSLIST', { target: 'PROCESSLIST', full: true }],
    ['SHOW ENGINES', { target: 'ENGINES' }],
    ['SHOW CHARSET', { target: 'CHARSET' }],
    ['SHOW COLLATION', { target: 'COLLATION' }],
    ["SHOW GRANTS FOR 'u'@'h'", { target: 'GRANTS', user: { user: 'u', host: 'h' } }],
    ['SHOW TABLE STATUS FROM db', { target: 'TABLE STATUS', db: 'db' }],
  ])('%s', (sql, expected) => {
    expect(ast(sql)).toMatchObject({ kind: 'show', ...expected });
  });

  it('parses DESCRIBE and EXPLAIN', () => {
    expect(ast('DESCRIBE t')).toMatchObject({ kind: 'describe', table: { name: 't' } });
    expect(ast('DESC db.t c')).toMatchObject({ kind: 'describe', column: 'c' });
    expect(ast('EXPLAIN t')).toMatchObject({ kind: 'describe' });
    expect(ast('EXPLAIN FORMAT=TREE SELECT 1')).toMatchObject({
      kind: 'explain',
      format: 'TREE',
      statement: { kind: 'select' },
    });
    expect(ast('EXPLAIN UPDATE t SET a = 1')).toMatchObject({ statement: { kind: 'update' } });
  });

  it('parses transaction control', () => {
    expect(kindOf('BEGIN')).toBe('begin');
    expect(kindOf('BEGIN WORK')).toBe('begin');
    expect(ast('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY')).toEqual({
      kind: 'begin',
      readOnly: true,
      consistentSnapshot: true,
    });
    expect(kindOf('COMMIT WORK')).toBe('commit');
    expect(ast('ROLLBACK')).toEqual({ kind: 'rollback' });
    expect(ast('ROLLBACK TO SAVEPOINT s1')).toEqual({ kind: 'rollback', savepoint: 's1' });
    expect(ast('ROLLBACK WORK TO s1')).toEqual({ kind: 'rollback', savepoint: 's1' });
    expect(ast('SAVEPOINT s1')).toEqual({ kind: 'savepoint', name: 's1' });
    expect(ast('RELEASE SAVEPOINT s1')).toEqual({ kind: 'releaseSavepoint', name: 's1' });
    expect(ast('LOCK TABLES t READ, u WRITE')).toMatchObject({
      tables: [{ mode: 'READ' }, { mode: 'WRITE' }],
    });
    expect(kindOf('UNLOCK TABLES')).toBe('unlockTables');
  });

  it('parses KILL, USE, FLUSH, DO', () => {
    expect(ast('KILL 5')).toMatchObject({ kind: 'kill', scope: 'CONNECTION', id: { text: '5' } });
    expect(ast('KILL QUERY 5')).toMatchObject({ scope: 'QUERY' });
    expect(ast('USE `my db`')).toEqual({ kind: 'use', db: 'my db' });
    expect(ast('FLUSH PRIVILEGES')).toEqual({ kind: 'flush', targets: ['PRIVILEGES'] });
    expect(ast('DO SLEEP(1)')).toMatchObject({ kind: 'do' });
  });

  it('parses users and privileges', () => {
    expect(ast("CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'secret'")).toEqual({
      kind: 'createUser',
      ifNotExists: true,
      users: [{ user: { user: 'app', host: '%' }, password: 'secret' }],
    });
    expect(
      ast("CREATE USER u@localhost IDENTIFIED WITH caching_sha2_password BY 'p'"),
    ).toMatchObject({
      users: [
        { user: { user: 'u', host: 'localhost' }, plugin: 'caching_sha2_password', password: 'p' },
      ],
    });
    expect(ast("ALTER USER 'u'@'h' IDENTIFIED BY 'q'")).toMatchObject({
      kind: 'alterUser',
      users: [{ password: 'q' }],
    });
    expect(ast("DROP USER IF EXISTS 'u', 'v'@'h'")).toMatchObject({
      kind: 'dropUser',
      users: [
        { user: 'u', host: '%' },
        { user: 'v', host: 'h' },
      ],
    });
    expect(
      ast("GRANT SELECT (a, b), INSERT, CREATE USER ON db.* TO 'u'@'%' WITH GRANT OPTION"),
    ).toEqual({
      kind: 'grant',
      privileges: [
        { name: 'SELECT', columns: ['a', 'b'] },
        { name: 'INSERT' },
        { name: 'CREATE USER' },
      ],
      on: { db: 'db', table: '*' },
      to: [{ user: 'u', host: '%' }],
      withGrantOption: true,
    });
    expect(ast("GRANT ALL PRIVILEGES ON *.* TO 'root'@'localhost'")).toMatchObject({
      privileges: [{ name: 'ALL' }],
      on: { db: '*', table: '*' },
    });
    expect(ast("REVOKE UPDATE ON db.t FROM 'u'@'%'")).toMatchObject({
      kind: 'revoke',
      on: { db: 'db', table: 't' },
    });
    expect(ast("REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'u'@'%', v")).toEqual({
      kind: 'revoke',
      privileges: [{ name: 'ALL' }, { name: 'GRANT OPTION' }],
      from: [
        { user: 'u', host: '%' },
        { user: 'v', host: '%' },
      ],
    });
    expect(ast('SHOW GRANTS FOR CURRENT_USER()')).toMatchObject({
      user: { user: '', host: '', current: true },
    });
    expect(ast("ALTER USER CURRENT_USER IDENTIFIED BY 'p'")).toMatchObject({
      users: [{ user: { current: true }, password: 'p' }],
    });
    expect(() => parseOne('CREATE USER CURRENT_USER()')).toThrow(/near 'CURRENT_USER\(\)'/);
    expect(() => parseOne('GRANT SELECT INSERT ON *.* TO u')).toThrow(/near 'INSERT ON/);
    expect(() => parseOne('GRANT SELECT ON *.t TO u')).toThrow(/near 't TO u'/);
  });

  it('parses ALTER CLUSTER', () => {
    expect(ast("ALTER CLUSTER ADD NODE ZONE 'z2'")).toEqual({
      kind: 'alterCluster',
      action: 'ADD NODE',
      zone: 'z2',
    });
    expect(ast("alter cluster add node in zone 'eu-1'")).toEqual({
      kind: 'alterCluster',
      action: 'ADD NODE',
      zone: 'eu-1',
    });
    expect(ast('ALTER CLUSTER ADD NODE')).toEqual({ kind: 'alterCluster', action: 'ADD NODE' });
    expect(() => parseOne("ALTER CLUSTER ADD NODE IN 'z'")).toThrow(/near ''z''/);
    for (const verb of ['DRAIN', 'REMOVE', 'KILL', 'RESTART']) {
      expect(ast(`ALTER CLUSTER ${verb} NODE 4`)).toEqual({
        kind: 'alterCluster',
        action: `${verb} NODE`,
        node: '4',
      });
    }
  });
});

describe('versioned comments and mysqldump output', () => {
  it('parses a mysqldump preamble', () => {
    const dump = `
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!50503 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
DROP TABLE IF EXISTS \`t\`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
CREATE TABLE \`t\` (
  \`id\` int NOT NULL AUTO_INCREMENT,
  PRIMARY KEY (\`id\`)
) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;
LOCK TABLES \`t\` WRITE;
/*!40000 ALTER TABLE \`t\` DISABLE KEYS */;
INSERT INTO \`t\` VALUES (1),(2);
UNLOCK TABLES;
/*!80099 SET future_only = 1 */;
/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
`;
    const kinds = parseMultiSafe(dump);
    expect(kinds).toEqual([
      'set',
      'set',
      'set',
      'set',
      'set',
      'set',
      'dropTable',
      'set',
      'createTable',
      'lockTables',
      'notSupported',
      'insert',
      'unlockTables',
      'set',
    ]);
  });
});

/** Statement kinds of a dump, executing each piece on its own as the gateway does. */
function parseMultiSafe(text: string): string[] {
  return splitStatements(text)
    .map((piece) => {
      try {
        return parse(piece).kind;
      } catch (error) {
        if (error instanceof SqlNotSupportedError) return 'notSupported';
        if (error instanceof SqlEmptyQueryError) return 'empty';
        throw error;
      }
    })
    .filter((k) => k !== 'empty');
}

describe('multi-statements', () => {
  it('splits respecting strings, identifiers and comments', () => {
    expect(
      splitStatements(
        'SELECT \';\'; SELECT `a;b` -- c;\n; /* ; */ SELECT "x\\";" ; ;  # only a comment;\n',
      ),
    ).toEqual(["SELECT ';'", 'SELECT `a;b` -- c;', '/* ; */ SELECT "x\\";"']);
  });

  it('parses several statements with their text and parameter counts', () => {
    const parsed = parseMulti('SELECT ?; ; UPDATE t SET a = ? WHERE b = ?;');
    expect(parsed.map((p) => [p.statement.kind, p.text, p.paramCount])).toEqual([
      ['select', 'SELECT ?', 1],
      ['update', 'UPDATE t SET a = ? WHERE b = ?', 2],
    ]);
  });
});
