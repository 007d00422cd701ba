import { describe, expect, it } from 'vitest';
import { toText } from '../eval/convert.js';
import { SqlSession } from './session.js';
import type { StatementOutcome } from './session.js';
import { MemoryCatalog } from './test/memory-catalog.js';
import { rootLogin } from './test/sql-session.js';

function session(catalog = new MemoryCatalog()): SqlSession {
  return new SqlSession({
    catalog,
    connectionId: 7,
    user: 'root',
    host: '127.0.0.1',
    ...rootLogin,
    nowMicros: () => 1_767_225_600_000_000n, // 2026-01-01 00:00:00 UTC
    random: () => 0.5,
  });
}

async function all(s: SqlSession, sql: string, multi = true): Promise<StatementOutcome[]> {
  const out: StatementOutcome[] = [];
  for await (const r of s.execute(sql, multi)) out.push(r);
  return out;
}

async function rows(s: SqlSession, sql: string): Promise<(string | null)[][]> {
  const [r] = await all(s, sql);
  if (r?.kind !== 'rows') throw new Error(`not rows: ${JSON.stringify(r)}`);
  return r.rows.map((row) => row.map((v) => toText(v)));
}

describe('SqlSession', () => {
  it('answers what clients send on connect', async () => {
    const s = session();
    expect(await rows(s, 'select @@version_comment limit 1')).toEqual([
      ['Tessera distributed SQL'],
    ]);
    expect(await rows(s, 'SELECT VERSION(), DATABASE(), CONNECTION_ID(), 1 + 1')).toEqual([
      ['8.0.36-tessera', null, '7', '2'],
    ]);
    expect(await all(s, 'SET NAMES utf8mb4 COLLATE utf8mb4_bin, autocommit = 0, @x = 5')).toEqual([
      { kind: 'ok', affectedRows: 0, warnings: [] },
    ]);
    expect(s.autocommit).toBe(false);
    expect(await rows(s, 'SELECT @x * 2, @@autocommit, @@session.collation_connection')).toEqual([
      ['10', '0', 'utf8mb4_bin'],
    ]);
    expect(await rows(s, "SHOW VARIABLES LIKE 'version%'")).toEqual([
      ['version', '8.0.36-tessera'],
      ['version_comment', 'Tessera distributed SQL'],
      ['version_compile_os', 'Linux'],
    ]);
    const [first] = await all(s, 'SELECT 1 AS one');
    expect(first).toMatchObject({
      kind: 'rows',
      columns: [{ name: 'one', type: { family: 'LONGLONG' } }],
    });
  });

  it('answers errors with MySQL codes, keeps them for SHOW WARNINGS, and stops a multi-statement', async () => {
    const s = session();
    const out = await all(s, 'SELECT 1; SELECT nope; SELECT 3');
    expect(out.map((o) => o.kind)).toEqual(['rows', 'error']);
    expect(out[1]).toMatchObject({
      errno: 1054,
      sqlState: '42S22',
      message: "Unknown column 'nope' in 'field list'",
    });
    expect(await rows(s, 'SHOW WARNINGS')).toEqual([
      ['Error', '1054', "Unknown column 'nope' in 'field list'"],
    ]);
    expect(await all(s, 'SELEC 1')).toMatchObject([
      { kind: 'error', errno: 1064, sqlState: '42000' },
    ]);
    expect(await all(s, 'SELECT 1; SELECT 2', false)).toMatchObject([
      { kind: 'error', errno: 1064 },
    ]);
    expect(await all(s, 'SET @@nope = 1')).toMatchObject([{ kind: 'error', errno: 1193 }]);
    expect(await all(s, 'SET version = 1')).toMatchObject([{ kind: 'error', errno: 1238 }]);
    expect(await all(s, "SET autocommit = 'maybe'")).toMatchObject([
      { kind: 'error', errno: 1231 },
    ]);
    expect(await all(s, 'SET GLOBAL autocommit = 1')).toMatchObject([
      { kind: 'error', errno: 1227 },
    ]);
    expect(await all(s, 'SELECT * FROM t')).toMatchObject([{ kind: 'error', errno: 1235 }]);
    // A division by zero is a warning, kept for SHOW WARNINGS.
    expect(await rows(s, 'SELECT 1/0')).toEqual([[null]]);
    expect(await rows(s, 'SHOW WARNINGS')).toEqual([['Warning', '1365', 'Division by 0']]);
  });

  it('runs DDL and USE through the catalog, and follows the current database', async () => {
    const s = session();
    const out = await all(
      s,
      'CREATE DATABASE shop; USE shop; CREATE TABLE t (id INT PRIMARY KEY); SHOW TABLES',
    );
    expect(out.map((o) => o.kind)).toEqual(['ok', 'ok', 'ok', 'rows']);
    expect(s.database).toBe('shop');
    expect(await rows(s, 'SELECT DATABASE()')).toEqual([['shop']]);
    expect(await all(s, 'USE nope')).toMatchObject([{ kind: 'error', errno: 1049 }]);
    await all(s, 'DROP DATABASE shop');
    expect(s.database).toBeUndefined();
  });
});
