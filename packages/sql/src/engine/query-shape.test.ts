/**
 * The COM_QUERY plan cache (query-shape.ts, session.ts `executeText`): what `parameterize`
 * turns into parameters and what it leaves as written, the session's LRU of shapes (hits,
 * misses, invalidation by DDL and settings, errors on a first run, collations, privileges,
 * `tessera_plan_cache_size`, SHOW STATUS), and the promise itself — every statement answers
 * the same with the cache as without it — checked on seeded random traffic against a session
 * whose cache is off.
 */
import { describe, expect, it } from 'vitest';
import type { Expr, Query, Statement } from '../ast.js';
import { collations } from '../encoding/key-codec.js';
import type { Collation } from '../encoding/key-codec.js';
import { createContext } from '../eval/context.js';
import type { SqlValue } from '../eval/value.js';
import { SqlError } from '../errors.js';
import { parseOne } from '../parser.js';
import type { ProcessPort } from './processes.js';
import { parameterize, QueryShapeCache, SHAPE_PARAMS_MAX } from './query-shape.js';
import type { QueryShape } from './query-shape.js';
import { SqlSession } from './session.js';
import type { StatementOutcome } from './session.js';
import { localData } from './test/local-data.js';
import { MemoryCatalog } from './test/memory-catalog.js';
import { fails, nodes, rootLogin, rows, run, session, testCredential } from './test/sql-session.js';

function shapeOf(sql: string, collation: Collation = collations.utf8mb4_0900_ai_ci) {
  const ectx = createContext({ nowMicros: 0n, random: () => 0.5, collation });
  return parameterize(parseOne(sql), ectx);
}

function shaped(sql: string, collation?: Collation): QueryShape {
  const shape = shapeOf(sql, collation);
  if (shape === undefined) throw new Error(`no shape: ${sql}`);
  return shape;
}

/** The printed part of a shape's key (the parameterized statement). */
function printed(sql: string): string {
  const { key } = shaped(sql);
  const colon = key.indexOf(':');
  return key.slice(colon + 1, colon + 1 + Number(key.slice(0, colon)));
}

/** A parameter value as `kind:text` (strings with their collation and coercibility). */
function shown(v: SqlValue): string {
  if (v === null) return 'NULL';
  switch (v.kind) {
    case 'string':
      return `string(${v.collation.name},${v.coercibility}):${v.v}`;
    case 'binary':
      return `binary:${Buffer.from(v.v).toString('hex')}`;
    case 'int':
    case 'uint':
      return `${v.kind}:${v.v}`;
    case 'decimal':
      return `decimal:${v.v.coef}e-${v.v.scale}`;
    case 'double':
      return `double:${v.v}`;
    case 'date':
    case 'datetime':
    case 'timestamp':
    case 'time':
    case 'year':
    case 'json':
      return v.kind;
  }
}

describe('parameterize: what becomes a parameter', () => {
  it('number and string literals compared in WHERE, each with its own value', () => {
    const shape = shaped(
      "SELECT c FROM t WHERE id = 5017 AND name <> 'abc' OR -3 < k AND NOT (f >= 1.50) XOR g <=> 1e3",
    );
    expect(printed('SELECT c FROM t WHERE id=5017')).toBe('SELECT `c` FROM `t` WHERE `id` = ?');
    expect(shape.params.map(shown)).toEqual([
      'int:5017',
      'string(utf8mb4_0900_ai_ci,4):abc',
      'int:-3',
      'decimal:150e-2',
      'double:1000',
    ]);
    expect(shape.statement.kind).toBe('select');
  });

  it('IN lists, BETWEEN bounds, LIKE operands and patterns', () => {
    const shape = shaped(
      "SELECT a FROM t WHERE a IN (1, 2, 'x') AND b BETWEEN 3 AND 4 AND c LIKE 'p%' AND 'q' NOT LIKE d",
    );
    expect(shape.params.map(shown)).toEqual([
      'int:1',
      'int:2',
      'string(utf8mb4_0900_ai_ci,4):x',
      'int:3',
      'int:4',
      'string(utf8mb4_0900_ai_ci,4):p%',
      'string(utf8mb4_0900_ai_ci,4):q',
    ]);
    expect(printed('SELECT a FROM t WHERE a IN (1, 2) AND b BETWEEN 3 AND 4')).toBe(
      'SELECT `a` FROM `t` WHERE `a` IN (?, ?) AND `b` BETWEEN ? AND ?',
    );
  });

  it('ON conditions, derived tables, set-operation branches and subqueries in conditions', () => {
    const shape = shaped(
      'SELECT x FROM (SELECT a AS x FROM t WHERE a > 1) d JOIN u ON u.y = d.x AND u.z = 2 ' +
        'WHERE x IN (SELECT v FROM w WHERE w.k = 3) AND EXISTS (SELECT 1 FROM w WHERE w.k < 4) ' +
        'UNION SELECT b FROM t2 WHERE b = 5',
    );
    expect(shape.params.map(shown)).toEqual(['int:1', 'int:2', 'int:3', 'int:4', 'int:5']);
  });

  it('string values take the connection collation; introducers and N keep theirs', () => {
    const bin = collations.utf8mb4_bin;
    expect(shaped("SELECT a FROM t WHERE b = 'x'", bin).params.map(shown)).toEqual([
      'string(utf8mb4_bin,4):x',
    ]);
    expect(
      shaped("SELECT a FROM t WHERE b = N'x' AND c = _latin1'y' AND d = _binary'z'").params.map(
        shown,
      ),
    ).toEqual(['string(utf8mb4_0900_ai_ci,4):x', 'string(latin1_swedish_ci,4):y', 'binary:7a']);
  });

  it('numbers past BIGINT are BIGINT UNSIGNED, then DECIMAL, as their literals', () => {
    expect(
      shaped(
        'SELECT a FROM t WHERE a = 9223372036854775808 AND b = 99999999999999999999',
      ).params.map(shown),
    ).toEqual(['uint:9223372036854775808', 'decimal:99999999999999999999e-0']);
  });
});

describe('parameterize: what stays as written', () => {
  const cases: [string, string][] = [
    ['SELECT 1, a + 2, a = 3 AS x FROM t', 'SELECT 1, `a` + 2, `a` = 3 AS `x` FROM `t`'],
    [
      'SELECT a FROM t GROUP BY a HAVING COUNT(*) > 1 ORDER BY 1 LIMIT 5 OFFSET 2',
      'SELECT `a` FROM `t` GROUP BY `a` HAVING COUNT(*) > 1 ORDER BY 1 LIMIT 5 OFFSET 2',
    ],
    [
      "SELECT a FROM t WHERE DATE_FORMAT(d, '%Y') = '2024' AND CAST(b AS CHAR(3)) = 'x'",
      "SELECT `a` FROM `t` WHERE DATE_FORMAT(`d`, '%Y') = ? AND CAST(`b` AS CHAR(3)) = ?",
    ],
    ['SELECT a FROM t WHERE a + 1 = 5', 'SELECT `a` FROM `t` WHERE `a` + 1 = ?'],
    [
      "SELECT a FROM t WHERE a = 0x10 AND b = b'1' AND c = DATE '2024-01-01' AND d = TRUE AND e = NULL",
      "SELECT `a` FROM `t` WHERE `a` = 0x10 AND `b` = b'1' AND `c` = DATE '2024-01-01' AND `d` = TRUE AND `e` = NULL",
    ],
    [
      "SELECT a FROM t WHERE c LIKE 'x!%' ESCAPE '!' AND c REGEXP 'y'",
      "SELECT `a` FROM `t` WHERE `c` LIKE ? ESCAPE '!' AND `c` REGEXP 'y'",
    ],
    [
      "SELECT a FROM t WHERE (a, b) = (1, 2) AND c = 'x' COLLATE utf8mb4_bin AND IF(a = 1, b, c) = 2",
      "SELECT `a` FROM `t` WHERE (`a`, `b`) = (1, 2) AND `c` = 'x' COLLATE utf8mb4_bin AND IF(`a` = 1, `b`, `c`) = ?",
    ],
    [
      'SELECT a FROM t WHERE CASE WHEN a = 1 THEN 2 END = 3',
      'SELECT `a` FROM `t` WHERE CASE WHEN `a` = 1 THEN 2 END = ?',
    ],
  ];
  for (const [sql, expected] of cases) {
    it(sql, () => {
      expect(printed(sql)).toBe(expected);
    });
  }

  it('has no shape: other statements, texts with ?, SELECT without FROM, too many parameters', () => {
    for (const sql of [
      'SELECT c FROM t WHERE id = ?',
      'EXPLAIN SELECT c FROM t WHERE id = 1',
      'INSERT INTO t VALUES (1)',
      'UPDATE t SET a = 1 WHERE id = 2',
      'DELETE FROM t WHERE id = 1',
      'SELECT 1 WHERE 1 = 1',
      'SET @a = 1',
      `SELECT a FROM t WHERE a IN (${Array.from({ length: SHAPE_PARAMS_MAX + 1 }, (_, i) => i).join(', ')})`,
      `SELECT a FROM t WHERE a = '${'x'.repeat(20_000)}'`,
    ]) {
      expect(shapeOf(sql), sql).toBeUndefined();
    }
    expect(
      shapeOf(
        `SELECT a FROM t WHERE a IN (${Array.from({ length: SHAPE_PARAMS_MAX }, (_, i) => i).join(', ')})`,
      ),
    ).toBeDefined();
  });

  it('leaves the parsed statement alone and shares the nodes it did not change', () => {
    const parsed = parseOne('SELECT a FROM t JOIN u ON t.x = u.y WHERE t.z = 1');
    const before = JSON.stringify(parsed.statement);
    const shape = shaped('SELECT a FROM t JOIN u ON t.x = u.y WHERE t.z = 1');
    const again = parameterize(parsed, createContext({ nowMicros: 0n, random: () => 0 }));
    expect(JSON.stringify(parsed.statement)).toBe(before);
    const select = (q: Query | Statement) => (q.kind === 'select' ? q : undefined);
    // The join had nothing to parameterize: the same node.
    expect(select(again?.statement ?? parsed.statement)?.from[0]).toBe(
      select(parsed.statement)?.from[0],
    );
    const where = select(shape.statement)?.where as Expr;
    expect(where.kind === 'binary' && where.right.kind).toBe('param');
  });
});

describe('parameterize: shape keys', () => {
  const key = (sql: string, collation?: Collation) => shaped(sql, collation).key;

  it('texts differing only in parameterized literals share a key', () => {
    expect(key('SELECT c FROM sbtest1 WHERE id=5017')).toBe(
      key('select c from sbtest1 where id = 1'),
    );
    expect(key("SELECT c FROM t WHERE name = 'abc'")).toBe(
      key("SELECT c FROM t WHERE name = 'ABC'"),
    );
    expect(key("SELECT c FROM t WHERE name = 'abc'")).toBe(
      key("SELECT c FROM t WHERE name = N'x'"),
    );
  });

  it('a parameter of another kind, collation or coercibility is another shape', () => {
    const base = key('SELECT c FROM t WHERE id = 5');
    expect(key('SELECT c FROM t WHERE id = 5.0')).not.toBe(base);
    expect(key('SELECT c FROM t WHERE id = 5e0')).not.toBe(base);
    expect(key("SELECT c FROM t WHERE id = '5'")).not.toBe(base);
    expect(key('SELECT c FROM t WHERE id = 18446744073709551615')).not.toBe(base);
    const text = key("SELECT c FROM t WHERE b = 'x'");
    expect(key("SELECT c FROM t WHERE b = _binary'x'")).not.toBe(text);
    expect(key("SELECT c FROM t WHERE b = _latin1'x'")).not.toBe(text);
    expect(key("SELECT c FROM t WHERE b = 'x'", collations.utf8mb4_bin)).not.toBe(text);
  });

  it('literals left as written, LIMIT and the names of unaliased items are part of the key', () => {
    expect(key('SELECT c FROM t WHERE id = 1 LIMIT 1')).not.toBe(
      key('SELECT c FROM t WHERE id = 1 LIMIT 2'),
    );
    expect(key('SELECT a + 1 FROM t WHERE id = 1')).not.toBe(key('SELECT a+1 FROM t WHERE id = 1'));
    expect(key('SELECT a + 1 AS x FROM t WHERE id = 1')).toBe(
      key('SELECT a+1 AS x FROM t WHERE id = 2'),
    );
    expect(key('SELECT c FROM t WHERE a + 1 = 2')).not.toBe(key('SELECT c FROM t WHERE a + 2 = 2'));
    expect(key('SELECT c FROM t WHERE a IN (1, 2)')).not.toBe(
      key('SELECT c FROM t WHERE a IN (1)'),
    );
  });
});

describe('QueryShapeCache', () => {
  const statement = parseOne('SELECT a FROM t').statement as Query;

  it('keeps the most recently used entries up to its capacity', () => {
    const cache = new QueryShapeCache(2);
    const a = cache.entryFor('a', statement);
    cache.entryFor('b', statement);
    expect(cache.entryFor('a', statement)).toBe(a);
    cache.entryFor('c', statement);
    expect(cache.size).toBe(2);
    expect(cache.entryFor('a', statement)).toBe(a);
    expect(cache.hits).toBe(2);
    expect(cache.misses).toBe(3);
    // 'b' was the least recently used.
    cache.entryFor('b', statement);
    expect(cache.misses).toBe(4);
  });

  it('resizes, forgets only the entry it is given, and is off at 0', () => {
    const cache = new QueryShapeCache(3);
    const a = cache.entryFor('a', statement);
    cache.entryFor('b', statement);
    cache.entryFor('c', statement);
    cache.resize(1);
    expect(cache.size).toBe(1);
    const c = cache.entryFor('c', statement);
    cache.forget('c', a);
    expect(cache.size).toBe(1);
    cache.forget('c', c);
    expect(cache.size).toBe(0);
    expect(cache.enabled).toBe(true);
    cache.resize(0);
    expect(cache.enabled).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// In the session

async function shop(): Promise<SqlSession> {
  const s = await session();
  await run(
    s,
    `CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20), b VARBINARY(10), k INT, KEY kk (k));
     INSERT INTO t VALUES (1, 'abc', 'x', 10), (2, 'ABD', 'X', 20), (3, 'zzz', 'y', 10)`,
  );
  return s;
}

const stats = (s: SqlSession) => {
  const { hits, misses, size } = s.shapeCacheStats();
  return { hits, misses, size };
};

describe('the session keeps shapes', () => {
  it('a repeated shape hits and answers with its own values', async () => {
    const s = await shop();
    expect(await rows(s, 'SELECT name FROM t WHERE id = 1')).toEqual([['abc']]);
    expect(await rows(s, 'SELECT name FROM t WHERE id=2')).toEqual([['ABD']]);
    expect(await rows(s, 'SELECT name FROM t WHERE id = 9')).toEqual([]);
    expect(await rows(s, 'SELECT id FROM t WHERE k = 10 ORDER BY id')).toEqual([['1'], ['3']]);
    expect(stats(s)).toEqual({ hits: 2, misses: 2, size: 2 });
    // Statements without a shape count neither way.
    await run(
      s,
      "SELECT 1; SET @a = 2; INSERT INTO t VALUES (4, 'q', 'q', 1); DELETE FROM t WHERE id = 4",
    );
    expect(stats(s)).toEqual({ hits: 2, misses: 2, size: 2 });
  });

  it('a string under a _ci collation hits the same shape and still compares case-insensitively', async () => {
    const s = await shop();
    expect(await rows(s, "SELECT id FROM t WHERE name = 'abc'")).toEqual([['1']]);
    expect(await rows(s, "SELECT id FROM t WHERE name = 'ABC'")).toEqual([['1']]);
    expect(await rows(s, "SELECT id FROM t WHERE name = 'abd'")).toEqual([['2']]);
    expect(stats(s)).toEqual({ hits: 2, misses: 1, size: 1 });
    // A binary string is another shape, compared byte for byte.
    expect(await rows(s, "SELECT id FROM t WHERE b = _binary'x'")).toEqual([['1']]);
    expect(await rows(s, "SELECT id FROM t WHERE b = _binary'X'")).toEqual([['2']]);
    expect(await rows(s, "SELECT id FROM t WHERE name = _binary'abc'")).toEqual([['1']]);
    expect(await rows(s, "SELECT id FROM t WHERE name = _binary'ABC'")).toEqual([]);
    expect(stats(s)).toEqual({ hits: 4, misses: 3, size: 3 });
  });

  it('SET NAMES, sql_mode and time_zone make other entries; each keeps answering right', async () => {
    const s = await shop();
    const q = (name: string) => rows(s, `SELECT id FROM t WHERE name = '${name}'`);
    expect(await q('ABC')).toEqual([['1']]);
    await run(s, 'SET NAMES utf8mb4 COLLATE utf8mb4_bin');
    expect(await q('ABC')).toEqual([]);
    expect(await q('abc')).toEqual([['1']]);
    expect(stats(s)).toEqual({ hits: 1, misses: 2, size: 2 });
    await run(s, 'SET NAMES utf8mb4 COLLATE utf8mb4_0900_ai_ci');
    expect(await q('ABC')).toEqual([['1']]);
    expect(stats(s)).toEqual({ hits: 2, misses: 2, size: 2 });
    await run(s, "SET sql_mode = ''");
    expect(await q('abc')).toEqual([['1']]);
    await run(s, "SET time_zone = '+03:00'");
    expect(await q('abc')).toEqual([['1']]);
    expect(stats(s)).toEqual({ hits: 2, misses: 4, size: 4 });
  });

  it('DDL between runs: the shape hits and its plans are built again', async () => {
    const s = await shop();
    const q = (id: number) => rows(s, `SELECT * FROM t WHERE id = ${id}`);
    expect(await q(1)).toEqual([['1', 'abc', 'x', '10']]);
    await run(s, 'ALTER TABLE t ADD COLUMN extra INT DEFAULT 7');
    expect(await q(2)).toEqual([['2', 'ABD', 'X', '20', '7']]);
    await run(s, 'DROP TABLE t; CREATE TABLE t (id INT PRIMARY KEY, other VARCHAR(5))');
    await run(s, "INSERT INTO t VALUES (3, 'new')");
    expect(await q(3)).toEqual([['3', 'new']]);
    await run(s, 'DROP TABLE t');
    expect(await fails(s, 'SELECT * FROM t WHERE id = 3')).toBe(
      "1146: Table 'shop.t' doesn't exist",
    );
    expect(stats(s)).toEqual({ hits: 3, misses: 1, size: 1 });
  });

  it('USE: the same text in another database is another entry', async () => {
    const s = await shop();
    await run(
      s,
      "CREATE DATABASE d2; CREATE TABLE d2.t (id INT PRIMARY KEY, name VARCHAR(5)); INSERT INTO d2.t VALUES (1, 'two')",
    );
    expect(await rows(s, 'SELECT name FROM t WHERE id = 1')).toEqual([['abc']]);
    await run(s, 'USE d2');
    expect(await rows(s, 'SELECT name FROM t WHERE id = 1')).toEqual([['two']]);
    await run(s, 'USE shop');
    expect(await rows(s, 'SELECT name FROM t WHERE id = 1')).toEqual([['abc']]);
    expect(stats(s)).toEqual({ hits: 1, misses: 2, size: 2 });
  });

  it('a shape whose first run fails is not kept; one that ran keeps its entry', async () => {
    const s = await shop();
    expect(await fails(s, 'SELECT nope FROM t WHERE id = 1')).toBe(
      "1054: Unknown column 'nope' in 'field list'",
    );
    expect(await fails(s, 'SELECT c FROM missing WHERE id = 1')).toBe(
      "1146: Table 'shop.missing' doesn't exist",
    );
    expect(stats(s)).toEqual({ hits: 0, misses: 2, size: 0 });
    await run(
      s,
      'CREATE TABLE missing (id INT PRIMARY KEY, c INT); INSERT INTO missing VALUES (1, 5)',
    );
    expect(await rows(s, 'SELECT c FROM missing WHERE id = 1')).toEqual([['5']]);
    expect(stats(s)).toEqual({ hits: 0, misses: 3, size: 1 });
    // An error on a later run (here: the command was killed) leaves the proven entry kept.
    const killed = new AbortController();
    killed.abort();
    const out: StatementOutcome[] = [];
    for await (const o of s.execute('SELECT c FROM missing WHERE id = 2', false, killed.signal)) {
      out.push(o);
    }
    expect(out.map((o) => (o.kind === 'error' ? o.errno : o.kind))).toEqual([1317]);
    expect(stats(s)).toEqual({ hits: 1, misses: 3, size: 1 });
    expect(await rows(s, 'SELECT c FROM missing WHERE id = 1')).toEqual([['5']]);
    expect(stats(s)).toEqual({ hits: 2, misses: 3, size: 1 });
  });

  it('privileges are checked at every run', async () => {
    const catalog = new MemoryCatalog(nodes);
    const data = await localData();
    const login = (user: string, connectionId: number) =>
      new SqlSession({
        catalog,
        connectionId,
        user,
        host: 'localhost',
        account: { user, host: '%', usedPassword: true },
        makeCredential: testCredential,
        nowMicros: () => 1_767_225_600_000_000n,
        random: () => 0.25,
        data,
      });
    const root = login('root', 1);
    await run(
      root,
      "CREATE DATABASE shop; USE shop; CREATE TABLE t (id INT PRIMARY KEY, c INT); INSERT INTO t VALUES (1, 5); CREATE USER 'u'@'%'; GRANT SELECT ON shop.t TO 'u'@'%'",
    );
    const u = login('u', 2);
    await run(u, 'USE shop');
    expect(await rows(u, 'SELECT c FROM t WHERE id = 1')).toEqual([['5']]);
    await run(root, "REVOKE SELECT ON shop.t FROM 'u'@'%'");
    expect(await fails(u, 'SELECT c FROM t WHERE id = 2')).toBe(
      "1142: SELECT command denied to user 'u'@'localhost' for table 't'",
    );
    expect(u.shapeCacheStats().hits).toBe(1);
  });

  it('tessera_plan_cache_size bounds the entries; 0 turns the cache off', async () => {
    const s = await shop();
    expect(await rows(s, "SHOW VARIABLES LIKE 'tessera_plan_cache_size'")).toEqual([
      ['tessera_plan_cache_size', '200'],
    ]);
    await run(s, 'SET tessera_plan_cache_size = 1');
    await rows(s, 'SELECT name FROM t WHERE id = 1');
    await rows(s, 'SELECT k FROM t WHERE id = 1');
    await rows(s, 'SELECT name FROM t WHERE id = 2');
    expect(stats(s)).toEqual({ hits: 0, misses: 3, size: 1 });
    await run(s, 'SET SESSION tessera_plan_cache_size = 0');
    expect(stats(s).size).toBe(0);
    await rows(s, 'SELECT name FROM t WHERE id = 1');
    expect(stats(s)).toEqual({ hits: 0, misses: 3, size: 0 });
    const [set] = await run(s, 'SET tessera_plan_cache_size = -5');
    expect(set?.kind === 'error' ? [] : set?.warnings).toEqual([
      {
        level: 'Warning',
        code: 1292,
        message: "Truncated incorrect tessera_plan_cache_size value: '-5'",
      },
    ]);
    expect(await rows(s, 'SELECT @@tessera_plan_cache_size')).toEqual([['0']]);
    await run(s, 'SET tessera_plan_cache_size = 1000000');
    expect(await rows(s, 'SELECT @@tessera_plan_cache_size')).toEqual([['10000']]);
    expect(await fails(s, "SET tessera_plan_cache_size = 'many'")).toBe(
      "1232: Incorrect argument type to variable 'tessera_plan_cache_size'",
    );
    expect(await fails(s, 'SET tessera_plan_cache_size = 1.5')).toBe(
      "1232: Incorrect argument type to variable 'tessera_plan_cache_size'",
    );
    expect(await fails(s, 'SET GLOBAL tessera_plan_cache_size = 5')).toMatch(/^1227: /);
    s.reset();
    expect(await rows(s, 'SELECT @@tessera_plan_cache_size')).toEqual([['200']]);
  });

  it('SHOW SESSION STATUS shows the hits and misses; GLOBAL does not keep them', async () => {
    const port: ProcessPort = {
      list: () => [],
      kill: () => 'unknown',
      status: () => new Map([['Questions', 3]]),
      statementStarted: () => undefined,
      stateChanged: () => undefined,
    };
    const s = new SqlSession({
      catalog: new MemoryCatalog(nodes),
      connectionId: 1,
      user: 'root',
      host: 'localhost',
      ...rootLogin,
      nowMicros: () => 1_767_225_600_000_000n,
      random: () => 0.25,
      data: await localData(),
      processes: port,
    });
    await run(s, 'CREATE DATABASE d; USE d; CREATE TABLE t (id INT PRIMARY KEY)');
    await run(s, 'SELECT id FROM t WHERE id = 1; SELECT id FROM t WHERE id = 2');
    await run(s, 'SELECT id FROM t WHERE id > 1');
    expect(await rows(s, "SHOW STATUS LIKE 'Tessera_plan_cache%'")).toEqual([
      ['Tessera_plan_cache_hits', '1'],
      ['Tessera_plan_cache_misses', '2'],
    ]);
    expect(await rows(s, "SHOW GLOBAL STATUS LIKE 'Tessera%'")).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The same answers with and without the cache

/** mulberry32: small, seeded. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCHEMA = [
  'CREATE TABLE t1 (id INT PRIMARY KEY, k INT NOT NULL, c VARCHAR(20) NOT NULL, d DECIMAL(8,2), KEY kk (k))',
  'CREATE TABLE t2 (id BIGINT PRIMARY KEY, t1_id INT, v VARCHAR(10) COLLATE utf8mb4_bin, dt DATE)',
  'CREATE TABLE t3 (a INT, b INT, c CHAR(5), PRIMARY KEY (a, b))',
  'CREATE TABLE t4 (s VARCHAR(10) PRIMARY KEY, n INT UNSIGNED)',
  ...Array.from(
    { length: 24 },
    (_, i) =>
      `INSERT INTO t1 VALUES (${i * 3 - 6}, ${i % 4}, '${i % 3 === 0 ? 'C' : 'c'}${i % 5}', ${(i * 1.25).toFixed(2)})`,
  ),
  ...Array.from(
    { length: 20 },
    (_, i) =>
      `INSERT INTO t2 VALUES (${i + 1}, ${(i % 9) * 3}, '${i % 2 === 0 ? 'c' : 'C'}${i % 4}', '2024-01-${String((i % 9) + 1).padStart(2, '0')}')`,
  ),
  ...Array.from({ length: 12 }, (_, i) => `INSERT INTO t3 VALUES (${i % 4}, ${i}, 'x${i % 3}')`),
  "INSERT INTO t4 VALUES ('a', 1), ('b', 2), ('A ', 3), ('5', 5), ('05', 6), ('x1', NULL)",
];

const LITERALS = [
  '0',
  '1',
  '-1',
  '3',
  '5',
  '6',
  '17',
  '2147483648',
  '18446744073709551615',
  '99999999999999999999',
  '1.5',
  '2.50',
  '-0.5',
  '3.0',
  '1e2',
  '6e0',
  '1e300',
  "'3'",
  "'05'",
  "' 6'",
  "'0x10'",
  "'6abc'",
  "'abc'",
  "''",
  "'c1'",
  "'C1'",
  "'c2 '",
  "'2024-01-03'",
  "'2024-01-03 00:00:00'",
  "N'c2'",
  "_utf8mb4'c3'",
  "_binary'c1'",
  "_latin1'c4'",
  'NULL',
  '0x10',
  'TRUE',
  "DATE '2024-01-02'",
  "'A'",
  "'a'",
  "'b'",
];

const PATTERNS = ["'c%'", "'C_'", "'%1'", "'c\\_1'", "'%'", "''", "'_'", "'x!%'", '5', "'6%'"];

const TEMPLATES = [
  'SELECT c FROM t1 WHERE id = {L}',
  'SELECT * FROM t1 WHERE id = {L}',
  'SELECT id, c FROM t1 WHERE id BETWEEN {L} AND {L}',
  'SELECT id FROM t1 WHERE id > {L} AND id <= {L}',
  'SELECT id FROM t1 WHERE id >= {L} OR id < {L}',
  'SELECT id FROM t1 WHERE id IN ({L}, {L}, {L})',
  'SELECT id FROM t1 WHERE k = {L} AND c <> {L}',
  'SELECT id, c FROM t1 WHERE c LIKE {P}',
  "SELECT id FROM t1 WHERE c NOT LIKE {P} ESCAPE '!'",
  'SELECT t1.id, t2.v FROM t1 JOIN t2 ON t2.t1_id = t1.id AND t2.v = {L} WHERE t1.k >= {L}',
  'SELECT t1.id, t2.id FROM t1 LEFT JOIN t2 ON t2.t1_id = t1.id AND t2.id < {L} WHERE t1.id <= {L}',
  'SELECT id FROM t1 WHERE id = (SELECT MAX(t1_id) FROM t2 WHERE v = {L})',
  'SELECT id FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.t1_id = t1.id AND t2.id > {L})',
  'SELECT id FROM t1 WHERE id IN (SELECT t1_id FROM t2 WHERE dt >= {L})',
  'SELECT x FROM (SELECT id AS x, k FROM t1 WHERE k = {L}) d WHERE x < {L}',
  'SELECT id FROM t1 WHERE k = {L} UNION SELECT id FROM t2 WHERE v = {L}',
  'SELECT id FROM t1 WHERE k = {L} UNION ALL SELECT t1_id FROM t2 WHERE id = {L} ORDER BY 1 LIMIT 4',
  'SELECT a, b FROM t3 WHERE a = {L}',
  'SELECT a, b, c FROM t3 WHERE a = {L} AND b = {L}',
  'SELECT a, b FROM t3 WHERE b BETWEEN {L} AND {L}',
  'SELECT n FROM t4 WHERE s = {L}',
  'SELECT s FROM t4 WHERE n = {L} OR s > {L}',
  'SELECT id FROM t2 WHERE dt = {L}',
  'SELECT id, dt FROM t2 WHERE dt > {L} AND id <> {L}',
  'SELECT id, d FROM t1 WHERE d = {L}',
  'SELECT id FROM t1 WHERE d BETWEEN {L} AND {L}',
  'SELECT id FROM t1 WHERE NOT (id = {L}) AND k <> {L} LIMIT 3',
  'SELECT k, COUNT(*), SUM(d) FROM t1 WHERE id < {L} GROUP BY k ORDER BY k',
  'SELECT id FROM t1 WHERE id = {L} + 1',
  'SELECT id, c = {L}, k + {L} FROM t1 WHERE id <= {L}',
  'SELECT id FROM t1 WHERE c = {L} COLLATE utf8mb4_bin',
  'SELECT id FROM t1 WHERE id = {L} FOR UPDATE',
  'SELECT nope FROM t1 WHERE id = {L}',
  'SELECT c FROM missing WHERE id = {L}',
  'SELECT id FROM t1 WHERE id = {L} AND c = {L}',
  'SELECT id FROM t1 WHERE {L} = id XOR k = {L}',
  'SELECT id FROM t1 WHERE (id, k) = ({L}, {L})',
  'SELECT id FROM t1 WHERE id <=> {L}',
  'SELECT COUNT(*) FROM t1 WHERE c IN ({L}, {L})',
  'SELECT DISTINCT k FROM t1 WHERE id > {L} ORDER BY k DESC',
];

/** Statements run on both sessions between queries: the catalog, data and settings move. */
const CHANGES = [
  'SET NAMES utf8mb4 COLLATE utf8mb4_bin',
  'SET NAMES utf8mb4',
  "SET sql_mode = ''",
  "SET sql_mode = 'STRICT_TRANS_TABLES'",
  "SET time_zone = '+03:00'",
  'ALTER TABLE t1 ADD COLUMN e INT DEFAULT 3',
  'ALTER TABLE t1 DROP COLUMN e',
  'CREATE INDEX kc ON t1 (c)',
  'DROP INDEX kc ON t1',
  "INSERT INTO t1 VALUES (100, 2, 'c1', 1.00)",
  'DELETE FROM t1 WHERE id = 100',
  'CREATE TABLE missing (id INT PRIMARY KEY, c INT)',
  'DROP TABLE IF EXISTS missing',
  'BEGIN',
  'COMMIT',
];

function fill(template: string, next: () => number): string {
  const pick = (list: readonly string[]) => list[Math.floor(next() * list.length)] ?? 'NULL';
  return template.replace(/\{L\}/g, () => pick(LITERALS)).replace(/\{P\}/g, () => pick(PATTERNS));
}

/** An outcome as comparable text: every column with its type, every value with its kind. */
function outcome(o: StatementOutcome | undefined): string {
  return JSON.stringify(o ?? 'nothing', (_, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v,
  );
}

/** The statement's outcome, a streamed result read to its end (as the gateway would). */
async function answer(s: SqlSession, sql: string): Promise<StatementOutcome | undefined> {
  const out: StatementOutcome[] = [];
  for await (const o of s.execute(sql, false)) {
    if (o.kind !== 'stream') {
      out.push(o);
      continue;
    }
    const rows: (readonly SqlValue[])[] = [];
    try {
      for await (const row of o.rows) rows.push(row);
      out.push({ kind: 'rows', columns: o.columns, rows, warnings: o.warnings });
    } catch (error) {
      if (!(error instanceof SqlError)) throw error;
      const { errno, sqlState, message } = error;
      out.push({ kind: 'error', errno, sqlState, message });
    }
  }
  return out.at(-1);
}

/** A session in database shop over its own catalog and data; `streamResults` as the gateway's. */
async function differentialSession(streamResults: boolean): Promise<SqlSession> {
  const s = new SqlSession({
    catalog: new MemoryCatalog(nodes),
    connectionId: 1,
    user: 'root',
    host: 'localhost',
    ...rootLogin,
    nowMicros: () => 1_767_225_600_000_000n,
    random: () => 0.25,
    data: await localData(),
    streamResults,
  });
  await run(s, 'CREATE DATABASE shop; USE shop');
  return s;
}

describe('the cache changes no answer', () => {
  for (const [seed, streamResults] of [
    [1, false],
    [2, false],
    [3, true],
    [4, true],
  ] as const) {
    const streamed = streamResults ? ', results streamed' : '';
    it(`seed ${seed}${streamed}: random queries answer the same with the cache on and off`, async () => {
      const cached = await differentialSession(streamResults);
      const plain = await differentialSession(streamResults);
      await run(plain, 'SET tessera_plan_cache_size = 0');
      for (const sql of SCHEMA) {
        await run(cached, sql);
        await run(plain, sql);
      }
      const next = rng(seed);
      for (let i = 0; i < 700; i++) {
        const change = next() < 0.04;
        const sql = change
          ? (CHANGES[Math.floor(next() * CHANGES.length)] ?? 'DO 1')
          : fill(TEMPLATES[Math.floor(next() * TEMPLATES.length)] ?? 'DO 1', next);
        const a = outcome(await answer(cached, sql));
        const b = outcome(await answer(plain, sql));
        expect(a, `seed ${seed}, statement ${i}: ${sql}`).toBe(b);
        // SHOW WARNINGS reads what the statement left behind.
        expect(outcome(await answer(cached, 'SHOW WARNINGS')), `warnings of ${sql}`).toBe(
          outcome(await answer(plain, 'SHOW WARNINGS')),
        );
      }
      const { hits, misses } = cached.shapeCacheStats();
      expect(hits).toBeGreaterThan(100);
      expect(misses).toBeGreaterThan(50);
      expect(plain.shapeCacheStats()).toEqual({ hits: 0, misses: 0, size: 0 });
    }, 60_000);
  }
});
