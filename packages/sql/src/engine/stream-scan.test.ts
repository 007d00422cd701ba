import { Transaction } from '@tessera/txn';
import { describe, expect, it, vi } from 'vitest';
import { toText } from '../eval/convert.js';
import type { SqlValue } from '../eval/value.js';
import type { EngineResult } from './ddl.js';
import { SqlSession } from './session.js';
import type { SessionDeps, StatementOutcome } from './session.js';
import { localData } from './test/local-data.js';
import { MemoryCatalog } from './test/memory-catalog.js';
import { nodes, rootLogin, run } from './test/sql-session.js';

/** Sessions over one catalog and one data layer: `streaming` answers scans as streams. */
async function sessions(): Promise<{
  streaming: SqlSession;
  plain: SqlSession;
  make: (deps?: Partial<SessionDeps>) => Promise<SqlSession>;
}> {
  const catalog = new MemoryCatalog(nodes);
  const data = await localData();
  let id = 0;
  const make = async (deps: Partial<SessionDeps> = {}) => {
    const s = new SqlSession({
      catalog,
      connectionId: ++id,
      user: 'root',
      host: 'localhost',
      ...rootLogin,
      nowMicros: () => 1_767_225_600_000_000n,
      random: () => 0.25,
      data,
      ...deps,
    });
    if (id > 1) await run(s, 'USE shop');
    return s;
  };
  const plain = await make();
  await run(plain, 'CREATE DATABASE shop; USE shop');
  const streaming = await make({ streamResults: true });
  return { streaming, plain, make };
}

/** The one outcome of `sql`. */
async function one(s: SqlSession, sql: string, signal?: AbortSignal): Promise<StatementOutcome> {
  const out: StatementOutcome[] = [];
  for await (const o of s.execute(sql, false, signal)) out.push(o);
  const [only] = out;
  if (only === undefined || out.length !== 1) throw new Error(`${sql}: ${out.length} outcomes`);
  return only;
}

const text = (row: readonly SqlValue[]) => row.map((v) => toText(v));

/** An outcome as comparable data, a stream read to its end (or its error). */
async function shown(o: StatementOutcome): Promise<unknown> {
  switch (o.kind) {
    case 'error':
      return { error: o.errno, message: o.message };
    case 'ok':
      return { ok: o.affectedRows, warnings: o.warnings };
    case 'rows':
      return { columns: o.columns, rows: o.rows.map(text), warnings: o.warnings };
    case 'stream': {
      const rows: (string | null)[][] = [];
      try {
        for await (const r of o.rows) rows.push(text(r));
      } catch (error) {
        return { error: (error as { errno?: number }).errno, after: rows };
      }
      return { columns: o.columns, rows, warnings: o.warnings };
    }
  }
}

async function values(s: SqlSession, sql: string): Promise<(string | null)[][]> {
  const o = await one(s, sql);
  if (o.kind === 'rows') return o.rows.map(text);
  if (o.kind !== 'stream') throw new Error(`${sql}: ${JSON.stringify(o)}`);
  const out: (string | null)[][] = [];
  for await (const r of o.rows) out.push(text(r));
  return out;
}

async function loaded(rowCount: number) {
  const s = await sessions();
  await run(
    s.plain,
    'CREATE TABLE t (id INT PRIMARY KEY, k INT, c VARCHAR(20), j VARCHAR(40), d DECIMAL(6,2), ' +
      'ts DATETIME, hidden_ok INT, INDEX (k))',
  );
  for (let at = 0; at < rowCount; at += 500) {
    const rows: string[] = [];
    for (let i = at; i < Math.min(rowCount, at + 500); i++) {
      const c = i % 11 === 0 ? 'NULL' : `'c${i % 23}${i % 5 === 0 ? 'x' : ''}'`;
      rows.push(
        `(${i}, ${i % 17}, ${c}, '{"a": ${i % 4}}', ${(i % 100) / 4}, '2026-01-${String(1 + (i % 28)).padStart(2, '0')} 10:00:00', ${i % 3})`,
      );
    }
    await run(s.plain, `INSERT INTO t VALUES ${rows.join(', ')}`);
  }
  return s;
}

describe('streamed scans', () => {
  it('answer exactly what the materializing path answers: columns, rows, order, warnings, errors', async () => {
    const { streaming, plain } = await loaded(1_200);
    const queries = [
      'SELECT * FROM t',
      'SELECT t.* FROM t WHERE hidden_ok = 2',
      'SELECT id, c, d * 2 AS dd, ts FROM t WHERE id BETWEEN 100 AND 180',
      'SELECT id FROM t WHERE id > 1100 AND c LIKE "c1%"',
      'SELECT c + 1, id FROM t WHERE hidden_ok < 1', // conversion warnings per row
      "SELECT id FROM t WHERE c = 5 OR c > 'c2'", // string/number comparisons, warnings
      'SELECT id, CONCAT(c, id), d / 0 FROM t WHERE id < 40', // division by zero warnings
      'SELECT id FROM t WHERE RAND() < 2 AND hidden_ok = 1', // a non-plain conjunct: filter order
      'SELECT id FROM t WHERE id >= 5 AND id < 7 LIMIT 1',
      'SELECT id, c FROM t LIMIT 10',
      'SELECT id, c FROM t LIMIT 5, 7',
      'SELECT id FROM t WHERE hidden_ok = 2 LIMIT 3 OFFSET 2',
      'SELECT id FROM t LIMIT 0',
      'SELECT id FROM t WHERE 1 = 0',
      'SELECT id FROM t WHERE id > 5000',
      'SELECT UPPER(c), hidden_ok FROM t AS x WHERE x.id < 30',
      "SELECT id FROM t WHERE JSON_EXTRACT(j, '$.a') = 2 AND id < 50",
      'SELECT nope FROM t', // 1054
      'SELECT id FROM nowhere', // 1146
      'SELECT id FROM t WHERE nope = 1', // 1054 in where clause
    ];
    // The streams push their filters and columns to the slices; the reference reads plainly.
    await run(plain, 'SET tessera_pushdown = OFF');
    const programs = vi.spyOn(Transaction.prototype, 'programStream');
    const notStreamed: string[] = [];
    try {
      for (const sql of queries) {
        const a = await one(streaming, sql);
        const b = await one(plain, sql);
        if (a.kind !== 'stream') notStreamed.push(sql);
        expect(b.kind).not.toBe('stream');
        expect(await shown(a), sql).toEqual(await shown(b));
      }
      expect(programs.mock.calls.length).toBeGreaterThan(5);
    } finally {
      programs.mockRestore();
    }
    // Every query above streamed but those failing before reading anything.
    expect(notStreamed).toEqual(queries.slice(-3));
  });

  it('leave to the materializing path what cannot stream', async () => {
    const { streaming } = await loaded(50);
    await run(streaming, 'CREATE TABLE u (id INT PRIMARY KEY, v INT)');
    const materialized = [
      'SELECT * FROM t ORDER BY id',
      'SELECT k, COUNT(*) FROM t GROUP BY k',
      'SELECT COUNT(*) FROM t',
      'SELECT DISTINCT k FROM t',
      'SELECT * FROM t WHERE id = 3', // point get
      'SELECT * FROM t WHERE id IN (1, 2)', // batch get
      'SELECT * FROM t WHERE k = 3 AND id > 0 AND k IS NOT NULL', // index lookup
      'SELECT * FROM t WHERE id IN (SELECT id FROM u)',
      'SELECT (SELECT 1) FROM t',
      'SELECT * FROM t, u',
      'SELECT * FROM t JOIN u ON t.id = u.id',
      'SELECT * FROM (SELECT * FROM t) AS d',
      'SELECT * FROM t FOR UPDATE',
      'SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 1',
      'SELECT * FROM information_schema.TABLES',
      'SELECT * FROM t UNION ALL SELECT * FROM t',
    ];
    for (const sql of materialized) {
      const o = await one(streaming, sql);
      expect(o.kind, `${sql}: ${o.kind === 'error' ? o.message : ''}`).toBe('rows');
    }
    // INSERT … SELECT reads its query as arrays.
    await run(streaming, 'INSERT INTO u SELECT id, k FROM t');
    expect(await values(streaming, 'SELECT COUNT(*) FROM u')).toEqual([['50']]);
  });

  it('keep the snapshot until the stream ends, and release it after', async () => {
    const { streaming, plain } = await loaded(300);
    const o = await one(streaming, 'SELECT id FROM t');
    if (o.kind !== 'stream') throw new Error('not streamed');
    const it = o.rows[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done === true ? undefined : text(first.value)).toEqual(['0']);
    // Another session changes the table while the stream is open: the stream reads its snapshot.
    await run(plain, 'DELETE FROM t WHERE id >= 100; INSERT INTO t (id) VALUES (1000)');
    let count = 1;
    for (;;) {
      const next = await it.next();
      if (next.done === true) break;
      count++;
    }
    expect(count).toBe(300);
    expect(await values(streaming, 'SELECT FOUND_ROWS(), ROW_COUNT()')).toEqual([['300', '-1']]);
    // A new statement reads a new snapshot.
    expect(await values(streaming, 'SELECT COUNT(*) FROM t')).toEqual([['101']]);
  });

  it('set warnings and FOUND_ROWS() from the rows actually produced', async () => {
    const { streaming } = await loaded(200);
    // Every row's c + 1 warns (or is NULL); only the rows sent are evaluated, as MySQL.
    const o = await one(streaming, 'SELECT id, c + 1 FROM t WHERE c IS NOT NULL LIMIT 3');
    if (o.kind !== 'stream') throw new Error('not streamed');
    expect(await shown(o)).toMatchObject({
      rows: [
        ['1', '1'],
        ['2', '1'],
        ['3', '1'],
      ],
    });
    expect(o.warnings.map((w) => w.code)).toEqual([1292, 1292, 1292]);
    expect(await values(streaming, 'SHOW WARNINGS')).toHaveLength(3);
    expect(await values(streaming, 'SELECT FOUND_ROWS()')).toEqual([['3']]);
    // The consumer stops after two rows: the statement ends there.
    const partial = await one(streaming, 'SELECT id FROM t');
    if (partial.kind !== 'stream') throw new Error('not streamed');
    let read = 0;
    for await (const row of partial.rows) {
      expect(text(row)).toEqual([String(read)]);
      if (++read === 2) break;
    }
    expect(await values(streaming, 'SELECT FOUND_ROWS()')).toEqual([['2']]);
    // A materialized result counts the same way.
    expect(await values(streaming, 'SELECT id FROM t ORDER BY id DESC LIMIT 7')).toHaveLength(7);
    expect(await values(streaming, 'SELECT FOUND_ROWS()')).toEqual([['7']]);
    // ROW_COUNT() after DML, DDL, an error and a result set, as MySQL.
    await run(streaming, 'UPDATE t SET k = 99 WHERE id < 4');
    expect(await values(streaming, 'SELECT ROW_COUNT()')).toEqual([['4']]);
    expect(await values(streaming, 'SELECT ROW_COUNT()')).toEqual([['-1']]);
    await run(streaming, 'CREATE TABLE other (id INT PRIMARY KEY)');
    expect(await values(streaming, 'SELECT ROW_COUNT()')).toEqual([['0']]);
    expect((await one(streaming, 'SELECT nope FROM t')).kind).toBe('error');
    // FOUND_ROWS(): the last SELECT's one row (DDL and errors leave it).
    expect(await values(streaming, 'SELECT ROW_COUNT(), FOUND_ROWS()')).toEqual([['-1', '1']]);
  });

  it('a stream not read before the next statement is closed, and cannot be read after', async () => {
    const { streaming } = await loaded(20);
    const outcomes: StatementOutcome[] = [];
    for await (const o of streaming.execute('SELECT id FROM t; SELECT 1', true)) outcomes.push(o);
    const [first, second] = outcomes;
    expect(first?.kind).toBe('stream');
    expect(second?.kind).toBe('rows');
    const stale = first as Extract<EngineResult, { kind: 'stream' }>;
    await expect(
      (async () => {
        for await (const row of stale.rows) expect(row).toBeUndefined();
      })(),
    ).rejects.toThrow(/read once/);
  });

  it('see the explicit transaction’s own writes', async () => {
    const { streaming } = await loaded(30);
    await run(
      streaming,
      "BEGIN; INSERT INTO t (id, c) VALUES (1000, 'mine'), (-1, 'first'); DELETE FROM t WHERE id BETWEEN 5 AND 24; UPDATE t SET c = 'changed' WHERE id = 2",
    );
    const got = await values(streaming, 'SELECT id, c FROM t WHERE id < 2000');
    expect(got.map((r) => r[0])).toEqual([
      '-1',
      ...['0', '1', '2', '3', '4', '25', '26', '27', '28', '29'],
      '1000',
    ]);
    expect(got[0]?.[1]).toBe('first');
    expect(got[3]?.[1]).toBe('changed');
    await run(streaming, 'ROLLBACK');
    expect(await values(streaming, 'SELECT COUNT(*) FROM t')).toEqual([['30']]);
  });

  it('end with the statement’s error after the rows already produced, and keep the session usable', async () => {
    const { streaming } = await loaded(40);
    await run(streaming, "UPDATE t SET j = 'not json' WHERE id = 25");
    const o = await one(streaming, "SELECT id FROM t WHERE JSON_EXTRACT(j, '$.a') >= 0");
    expect(o.kind).toBe('stream');
    const got = await shown(o);
    expect(got).toMatchObject({ error: 3141 });
    expect((got as { after: unknown[] }).after).toHaveLength(25);
    expect(await values(streaming, 'SHOW WARNINGS')).toEqual([
      [
        'Error',
        '3141',
        'Invalid JSON text in argument 1 to function json_extract: "Invalid value." at position 0.',
      ],
    ]);
    expect(await values(streaming, 'SELECT ROW_COUNT()')).toEqual([['-1']]);
    expect(await values(streaming, 'SELECT COUNT(*) FROM t')).toEqual([['40']]);
  });

  it('stop with 1317 when killed mid-stream', async () => {
    const { streaming } = await loaded(100);
    const kill = new AbortController();
    const o = await one(streaming, 'SELECT id FROM t', kill.signal);
    if (o.kind !== 'stream') throw new Error('not streamed');
    const read: string[] = [];
    const failure = await (async () => {
      try {
        for await (const row of o.rows) {
          read.push(toText(row[0] ?? null) ?? '');
          if (read.length === 10) kill.abort();
        }
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toMatchObject({ errno: 1317, sqlState: '70100' });
    expect(read).toHaveLength(10);
  });

  it('are not charged to the statement memory limit, which still bounds what is materialized', async () => {
    const { streaming } = await loaded(3_000);
    await run(streaming, 'SET tessera_statement_memory_limit = 65536');
    expect(await values(streaming, 'SELECT * FROM t')).toHaveLength(3_000);
    expect(await shown(await one(streaming, 'SELECT * FROM t ORDER BY id'))).toMatchObject({
      error: 3170,
    });
  });
});
