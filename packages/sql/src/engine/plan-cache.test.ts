/**
 * The prepared statements' plan cache (select.ts `QueryPlanCache`, session.ts): a varied set of
 * prepared statements run many times with changing parameters, interleaved with DDL, USE, SET
 * sql_mode and SET NAMES, must answer exactly what the same SQL answers as text. Two sessions
 * over separate catalogs and data get the same statements: one through PREPARE / EXECUTE, the
 * other as COM_QUERY with the parameters written as literals.
 */
import { describe, expect, it } from 'vitest';
import { toText } from '../eval/convert.js';
import { defaultCollation } from '../encoding/key-codec.js';
import type { Collation } from '../encoding/key-codec.js';
import { int, str } from '../eval/value.js';
import type { SqlValue } from '../eval/value.js';
import type { SqlSession, StatementOutcome } from './session.js';
import { run, session } from './test/sql-session.js';

/** An outcome as comparable text: columns, rows, counts, warnings, or the error. */
function shown(o: StatementOutcome | undefined): unknown {
  if (o === undefined) return 'nothing';
  switch (o.kind) {
    case 'error':
      return { error: o.errno, sqlState: o.sqlState, message: o.message };
    case 'rows':
      return {
        columns: o.columns.map((c) => c.name),
        rows: o.rows.map((r) => r.map((v) => toText(v))),
        warnings: o.warnings,
      };
    case 'ok':
      return { affected: o.affectedRows, warnings: o.warnings };
    case 'stream':
      throw new Error('the test session was made without streamResults');
  }
}

function literal(v: SqlValue): string {
  if (v === null) return 'NULL';
  if (v.kind === 'int' || v.kind === 'uint') return String(v.v);
  return `'${(toText(v) ?? '').replace(/'/g, "''")}'`;
}

/** `sql` with its `?`s replaced by `params` as literals (none of the statements quote a `?`). */
function inline(sql: string, params: readonly SqlValue[]): string {
  let i = 0;
  return sql.replace(/\?/g, () => literal(params[i++] ?? null));
}

async function text(s: SqlSession, sql: string): Promise<StatementOutcome | undefined> {
  const out: StatementOutcome[] = [];
  for await (const o of s.execute(sql, false)) out.push(o);
  return out.at(-1);
}

const SETUP = [
  'CREATE TABLE t1 (id INT PRIMARY KEY, k INT NOT NULL, c VARCHAR(20) NOT NULL)',
  'CREATE TABLE t2 (id INT PRIMARY KEY, t1_id INT, v INT)',
  ...Array.from(
    { length: 30 },
    (_, i) => `INSERT INTO t1 VALUES (${i + 1}, ${i % 4}, '${i % 3 === 0 ? 'C' : 'c'}${i % 5}')`,
  ),
  ...Array.from(
    { length: 40 },
    (_, i) => `INSERT INTO t2 VALUES (${i + 1}, ${(i % 35) + 1}, ${i % 7})`,
  ),
  'CREATE DATABASE other',
  'CREATE TABLE other.t1 (id INT PRIMARY KEY, k INT NOT NULL, c VARCHAR(20) NOT NULL)',
  "INSERT INTO other.t1 VALUES (1, 9, 'o1'), (2, 9, 'o2'), (5, 8, 'o5')",
];

/** The prepared statements, with how each makes its parameters from a number. */
const STATEMENTS: { sql: string; params: (n: number, collation: Collation) => SqlValue[] }[] = [
  { sql: 'SELECT c FROM t1 WHERE id = ?', params: (n) => [int(n % 40)] },
  {
    sql: 'SELECT c FROM t1 WHERE id = ?',
    params: (n, collation) => [str(String(n % 35), collation)],
  },
  { sql: 'SELECT * FROM t1 WHERE id = ?', params: (n) => [n % 7 === 0 ? null : int(n % 33)] },
  {
    sql: 'SELECT id, c FROM t1 WHERE id BETWEEN ? AND ? ORDER BY id',
    params: (n) => [int(n % 20), int((n % 20) + (n % 6))],
  },
  {
    sql: 'SELECT t1.id, t2.v FROM t1 JOIN t2 ON t2.t1_id = t1.id WHERE t1.k = ? ORDER BY t1.id, t2.v',
    params: (n) => [int(n % 5)],
  },
  {
    sql: 'SELECT k, COUNT(*), SUM(id) FROM t1 WHERE id > ? GROUP BY k ORDER BY k',
    params: (n) => [int(n % 30)],
  },
  {
    sql: 'SELECT id FROM t1 WHERE id IN (SELECT t1_id FROM t2 WHERE v > ?) AND k <> ? ORDER BY id',
    params: (n) => [int(n % 7), int(n % 4)],
  },
  {
    sql: 'SELECT id, (SELECT COUNT(*) FROM t2 WHERE t2.t1_id = t1.id AND t2.v >= ?) AS n FROM t1 WHERE id < ? ORDER BY id',
    params: (n) => [int(n % 7), int(n % 12)],
  },
  {
    sql: 'SELECT id FROM t1 WHERE c = ? ORDER BY id',
    params: (n, collation) => [str(`c${n % 5}`, collation)],
  },
  {
    sql: 'SELECT x FROM (SELECT id AS x FROM t1 WHERE id < ?) d ORDER BY x',
    params: (n) => [int(n % 9)],
  },
  {
    sql: 'SELECT id FROM t1 WHERE id = ? + 0.5 OR k = ? ORDER BY id',
    params: (n) => [int(n % 3), int(n % 4)],
  },
  {
    sql: 'INSERT INTO t1 (id, k, c) VALUES (?, ?, ?)',
    params: (n, collation) => [int(100 + n), int(n % 4), str(`n${n}`, collation)],
  },
  { sql: 'UPDATE t1 SET k = k + ? WHERE id = ?', params: (n) => [int(1), int(n % 30)] },
  {
    sql: 'SELECT id, 10 DIV ? AS q FROM t1 WHERE id = ?',
    params: (n) => [int(n % 2), int((n % 3) + 1)],
  },
];

/** Between rounds: catalog changes, another database, other session settings. */
const BETWEEN = [
  'ALTER TABLE t1 ADD COLUMN extra INT DEFAULT 7',
  'CREATE INDEX ik ON t1 (k)',
  'USE other',
  'USE shop',
  "SET sql_mode = ''",
  'DROP TABLE t2',
  'CREATE TABLE t2 (v INT, t1_id INT, id INT PRIMARY KEY)',
  'INSERT INTO t2 VALUES (3, 1, 1), (6, 2, 2), (1, 2, 3)',
  'SET NAMES utf8mb4 COLLATE utf8mb4_bin',
  'ALTER TABLE t1 DROP COLUMN extra',
  "SET sql_mode = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO'",
  'DROP INDEX ik ON t1',
];

describe('the plan cache of prepared statements', () => {
  it('answers every EXECUTE exactly as the same SQL as text, across DDL, USE and SET', async () => {
    const prepared = await session();
    const plain = await session();
    for (const s of [prepared, plain]) await run(s, SETUP.join('; '));
    for (const [i, { sql }] of STATEMENTS.entries()) await prepared.prepare(i + 1, sql);
    let n = 7;
    // String parameters arrive as the gateway decodes them, in utf8mb4_0900_ai_ci whatever
    // SET NAMES said; the session takes them in the connection's collation, as it takes a
    // literal of the text (the SET NAMES … COLLATE utf8mb4_bin round checks that too).
    const collation = defaultCollation;
    let compared = 0;
    for (let round = 0; round <= BETWEEN.length; round++) {
      for (let repeat = 0; repeat < 4; repeat++) {
        for (const [i, { sql, params }] of STATEMENTS.entries()) {
          n = (n * 31 + 17) % 1009;
          const values = params(n, collation);
          const got = await prepared.executePrepared(i + 1, values);
          const want = await text(plain, inline(sql, values));
          expect(
            shown(got),
            `${sql} with ${values.map(literal).join(', ')} (round ${round})`,
          ).toEqual(shown(want));
          compared++;
        }
      }
      const change = BETWEEN[round];
      if (change !== undefined) {
        const a = await text(prepared, change);
        expect(a?.kind, change).not.toBe('error');
        expect(shown(a), change).toEqual(shown(await text(plain, change)));
      }
    }
    expect(compared).toBe(STATEMENTS.length * 4 * (BETWEEN.length + 1));
    // The point get reused its compiled FROM clause: built once per catalog / setting change.
    const stats = prepared.planCacheStats(1);
    expect(stats?.hits).toBeGreaterThan(stats?.misses ?? Infinity);
    // A FROM holding a derived table is built at every EXECUTE (the derived query's own FROM,
    // of a base table, is kept).
    const derived = prepared.planCacheStats(10);
    expect(derived?.misses).toBeGreaterThanOrEqual(4 * (BETWEEN.length + 1));
    expect(derived?.hits).toBeGreaterThan(0);
  });
});
