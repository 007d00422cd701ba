/**
 * Cooperative, bounded statements (statement-work.ts): a big join pauses on the injected
 * yield (and so lets other work run on a real event loop), a KILL lands between slices, and the
 * statement's memory limit refuses what would exhaust the heap, leaving the session usable.
 */
import { describe, expect, it } from 'vitest';
import { SqlSession } from './session.js';
import type { StatementOutcome } from './session.js';
import { localData } from './test/local-data.js';
import { MemoryCatalog } from './test/memory-catalog.js';
import { fails, nodes, rootLogin, rows, run } from './test/sql-session.js';

const SIDE_ROWS = 600;

/** Tables a (id 1..SIDE_ROWS, v = id % 7) and b (id 1..SIDE_ROWS). */
async function crossJoinSession(yieldToEventLoop?: () => Promise<void>): Promise<SqlSession> {
  const s = new SqlSession({
    catalog: new MemoryCatalog(nodes),
    connectionId: 1,
    user: 'root',
    host: 'localhost',
    ...rootLogin,
    nowMicros: () => 1_767_225_600_000_000n,
    random: () => 0.25,
    data: await localData(),
    ...(yieldToEventLoop === undefined ? {} : { yieldToEventLoop }),
  });
  await run(s, 'CREATE DATABASE shop; USE shop');
  await run(s, 'CREATE TABLE a (id INT PRIMARY KEY, v INT); CREATE TABLE b (id INT PRIMARY KEY)');
  const values = (n: number, row: (i: number) => string) =>
    Array.from({ length: n }, (_, i) => row(i + 1)).join(', ');
  await run(s, `INSERT INTO a VALUES ${values(SIDE_ROWS, (i) => `(${i}, ${i % 7})`)}`);
  await run(s, `INSERT INTO b VALUES ${values(SIDE_ROWS, (i) => `(${i})`)}`);
  return s;
}

async function outcomes(
  s: SqlSession,
  sql: string,
  signal?: AbortSignal,
): Promise<StatementOutcome[]> {
  const out: StatementOutcome[] = [];
  for await (const r of s.execute(sql, true, signal)) out.push(r);
  return out;
}

const ids = Array.from({ length: SIDE_ROWS }, (_, i) => i + 1);

const immediate = () =>
  new Promise<void>((resolve) => {
    setImmediate(resolve);
  });

describe('cooperative execution', () => {
  it('pauses on the injected yield all through a cross join, its grouping and its sort', async () => {
    let yields = 0;
    const s = await crossJoinSession(() => {
      yields++;
      return Promise.resolve();
    });
    yields = 0;
    expect(await rows(s, 'SELECT COUNT(*), SUM(a.v) FROM a, b')).toEqual([
      [String(SIDE_ROWS * SIDE_ROWS), String(SIDE_ROWS * ids.reduce((t, i) => t + (i % 7), 0))],
    ]);
    // 360 000 pairs, 2 000 rows a slice: well over a hundred pauses in the join alone.
    expect(yields).toBeGreaterThan(150);

    yields = 0;
    // A join inside a derived table, grouped and ordered (the merge sort pauses too).
    expect(
      await rows(
        s,
        'SELECT v, COUNT(*) FROM (SELECT a.v FROM a JOIN b ON a.id < b.id) AS d GROUP BY v ORDER BY v DESC LIMIT 2',
      ),
    ).toEqual(
      [6, 5].map((v) => [
        String(v),
        String(ids.filter((i) => i % 7 === v).reduce((t, i) => t + SIDE_ROWS - i, 0)),
      ]),
    );
    expect(yields).toBeGreaterThan(50);
  });

  it('lets other tasks of a real event loop run while a cross join runs', async () => {
    const s = await crossJoinSession(immediate);
    let ticks = 0;
    let done = false;
    const ticker = (): void => {
      if (done) return;
      ticks++;
      setImmediate(ticker);
    };
    setImmediate(ticker);
    const query = rows(s, 'SELECT COUNT(*) FROM a CROSS JOIN b WHERE a.v = 3');
    const result = await query;
    done = true;
    expect(result).toEqual([[String(ids.filter((i) => i % 7 === 3).length * SIDE_ROWS)]]);
    // The ticker ran between the join's slices (a synchronous join lets it run ~once).
    expect(ticks).toBeGreaterThan(50);
  });

  it('stops a cross join killed mid-way with 1317, and the session stays usable', async () => {
    const controller = new AbortController();
    let yields = 0;
    const s = await crossJoinSession(() => {
      // KILL QUERY arrives while the join is running (after 20 slices).
      if (++yields === 20) controller.abort();
      return Promise.resolve();
    });
    yields = 0;
    const out = await outcomes(s, 'SELECT a.id, b.id FROM a, b ORDER BY a.id', controller.signal);
    expect(out.at(-1)).toMatchObject({ kind: 'error', errno: 1317, sqlState: '70100' });
    expect(yields).toBeLessThan(25);
    expect(await rows(s, 'SELECT COUNT(*) FROM a')).toEqual([[String(SIDE_ROWS)]]);
  });
});

describe('the statement memory limit', () => {
  it('refuses a cross join past tessera_statement_memory_limit with 3170, session usable', async () => {
    const s = await crossJoinSession();
    expect(await rows(s, 'SELECT @@tessera_statement_memory_limit')).toEqual([['268435456']]);
    await run(s, 'SET SESSION tessera_statement_memory_limit = 4000000');
    expect(await rows(s, 'SELECT @@session.tessera_statement_memory_limit')).toEqual([['4000000']]);
    expect(await fails(s, 'SELECT a.id, b.id FROM a, b')).toBe(
      "3170: Memory capacity of 4000000 bytes for 'tessera_statement_memory_limit' exceeded. The statement was stopped; raise the limit or make the statement read fewer rows.",
    );
    // The same session answers a smaller query, and a larger limit lets the join through.
    expect(await rows(s, 'SELECT COUNT(*) FROM a, b WHERE a.id <= 3 AND b.id <= 4')).toEqual([
      ['12'],
    ]);
    await run(s, 'SET tessera_statement_memory_limit = 268435456');
    expect(await rows(s, 'SELECT COUNT(*) FROM a, b')).toEqual([[String(SIDE_ROWS * SIDE_ROWS)]]);
  });

  it('undoes the writes of a statement it stops, inside a transaction', async () => {
    const s = await crossJoinSession();
    await run(s, 'CREATE TABLE pairs (x INT, y INT, PRIMARY KEY (x, y))');
    await run(s, 'SET tessera_statement_memory_limit = 2000000; BEGIN');
    await run(s, 'INSERT INTO pairs VALUES (0, 0)');
    expect(await fails(s, 'INSERT INTO pairs SELECT a.id, b.id FROM a, b')).toMatch(/^3170: /);
    expect(await rows(s, 'SELECT x, y FROM pairs')).toEqual([['0', '0']]);
    await run(s, 'COMMIT');
    expect(await rows(s, 'SELECT COUNT(*) FROM pairs')).toEqual([['1']]);
  });

  it('bounds sorting, DISTINCT and set operations too', async () => {
    const s = await crossJoinSession();
    await run(s, 'SET tessera_statement_memory_limit = 65536');
    expect(await fails(s, 'SELECT id FROM a ORDER BY v')).toMatch(/^3170: /);
    expect(await fails(s, 'SELECT id FROM a UNION SELECT id FROM b')).toMatch(/^3170: /);
    expect(await rows(s, 'SELECT DISTINCT v FROM a WHERE id < 20 ORDER BY v')).toHaveLength(7);
  });

  it('takes integers only, raising a value below 64 KiB to it with warning 1292', async () => {
    const s = await crossJoinSession();
    expect(await fails(s, "SET tessera_statement_memory_limit = 'lots'")).toBe(
      "1232: Incorrect argument type to variable 'tessera_statement_memory_limit'",
    );
    expect(await fails(s, 'SET tessera_statement_memory_limit = 1.5')).toMatch(/^1232: /);
    await run(s, 'SET tessera_statement_memory_limit = 10');
    expect(await rows(s, 'SHOW WARNINGS')).toEqual([
      ['Warning', '1292', "Truncated incorrect tessera_statement_memory_limit value: '10'"],
    ]);
    expect(await rows(s, 'SELECT @@tessera_statement_memory_limit')).toEqual([['65536']]);
    expect(await fails(s, 'SET GLOBAL tessera_statement_memory_limit = 1000000')).toMatch(
      /^1227: /,
    );
  });
});
