import { describe, expect, it } from 'vitest';
import type { SqlSession } from './session.js';
import { fails, rows, run, session } from './test/sql-session.js';

async function shop(): Promise<SqlSession> {
  const s = await session();
  await run(
    s,
    'CREATE TABLE c (id INT PRIMARY KEY, name VARCHAR(10), city VARCHAR(10)); ' +
      'CREATE TABLE o (id INT PRIMARY KEY, cust INT, total INT); ' +
      "INSERT INTO c VALUES (1, 'ann', 'oslo'), (2, 'bob', 'rome'), (3, 'cy', 'oslo'), (4, 'dee', NULL); " +
      'INSERT INTO o VALUES (10, 1, 5), (11, 1, 7), (12, 2, 30), (13, 3, 1), (14, 9, 2)',
  );
  return s;
}

describe('subqueries, derived tables and set operations', () => {
  it('runs scalar subqueries, correlated and not, typed by their column', async () => {
    const s = await shop();
    expect(
      await rows(
        s,
        'SELECT name, (SELECT SUM(total) FROM o WHERE o.cust = c.id) AS spent, (SELECT MAX(total) FROM o) AS top FROM c ORDER BY 1',
      ),
    ).toEqual([
      ['ann', '12', '30'],
      ['bob', '30', '30'],
      ['cy', '1', '30'],
      ['dee', null, '30'],
    ]);
    // An inner column of the same name hides the outer one; qualified names reach out.
    expect(
      await rows(
        s,
        'SELECT id, (SELECT COUNT(*) FROM o WHERE id > 11 AND cust = c.id) FROM c ORDER BY id DESC',
      ),
    ).toEqual([
      ['4', '0'],
      ['3', '1'],
      ['2', '1'],
      ['1', '0'],
    ]);
    expect(await fails(s, 'SELECT (SELECT total FROM o) FROM c')).toBe(
      '1242: Subquery returns more than 1 row',
    );
    expect(await fails(s, 'SELECT (SELECT nope FROM o LIMIT 1) FROM c')).toBe(
      "1054: Unknown column 'nope' in 'field list'",
    );
    // Without FROM, a subquery still reads the snapshot.
    expect(await rows(s, 'SELECT (SELECT COUNT(*) FROM c) + 1')).toEqual([['5']]);
    const out = await run(s, 'SELECT (SELECT MAX(total) FROM o) AS m');
    const last = out.at(-1);
    if (last?.kind !== 'rows') throw new Error('rows expected');
    expect(last.columns[0]?.type.family).not.toBe('BLOB');
  });

  it('filters with IN, NOT IN (NULL-aware), EXISTS and ANY / ALL', async () => {
    const s = await shop();
    expect(
      await rows(s, 'SELECT name FROM c WHERE id IN (SELECT cust FROM o) ORDER BY name'),
    ).toEqual([['ann'], ['bob'], ['cy']]);
    expect(await rows(s, 'SELECT name FROM c WHERE id NOT IN (SELECT cust FROM o)')).toEqual([
      ['dee'],
    ]);
    // NOT IN over a set holding NULL is never true.
    expect(
      await rows(s, 'SELECT name FROM c WHERE city NOT IN (SELECT city FROM c WHERE id > 2)'),
    ).toEqual([]);
    expect(
      await rows(
        s,
        'SELECT name FROM c WHERE NOT EXISTS (SELECT 1 FROM o WHERE o.cust = c.id AND o.total > 4) ORDER BY id',
      ),
    ).toEqual([['cy'], ['dee']]);
    expect(
      await rows(s, 'SELECT id FROM o WHERE total > ALL (SELECT total FROM o WHERE cust = 1)'),
    ).toEqual([['12']]);
    expect(
      await rows(
        s,
        'SELECT id FROM o WHERE total = ANY (SELECT total FROM o WHERE cust <> 1) ORDER BY id',
      ),
    ).toEqual([['12'], ['13'], ['14']]);
  });

  it('reads derived tables and joins them', async () => {
    const s = await shop();
    expect(
      await rows(
        s,
        'SELECT c.name, t.n, t.s FROM c JOIN (SELECT cust, COUNT(*) AS n, SUM(total) AS s FROM o GROUP BY cust) AS t ON t.cust = c.id WHERE t.s > 5 ORDER BY t.s',
      ),
    ).toEqual([
      ['ann', '2', '12'],
      ['bob', '1', '30'],
    ]);
    expect(
      await rows(s, 'SELECT x, y FROM (SELECT id, name FROM c WHERE id < 3) AS d (x, y)'),
    ).toEqual([
      ['1', 'ann'],
      ['2', 'bob'],
    ]);
    expect(await fails(s, 'SELECT * FROM (SELECT id, id FROM c) AS d')).toBe(
      "1060: Duplicate column name 'id'",
    );
  });

  it('combines queries with UNION [ALL], INTERSECT and EXCEPT, ordered and limited', async () => {
    const s = await shop();
    expect(
      await rows(s, 'SELECT city FROM c WHERE id < 3 UNION SELECT city FROM c ORDER BY city'),
    ).toEqual([[null], ['oslo'], ['rome']]);
    expect(
      await rows(s, 'SELECT cust FROM o UNION ALL SELECT id FROM c ORDER BY 1 DESC LIMIT 3'),
    ).toEqual([['9'], ['4'], ['3']]);
    expect(await rows(s, 'SELECT id FROM c INTERSECT SELECT cust FROM o ORDER BY id')).toEqual([
      ['1'],
      ['2'],
      ['3'],
    ]);
    expect(await rows(s, 'SELECT cust FROM o EXCEPT SELECT id FROM c')).toEqual([['9']]);
    expect(await rows(s, "SELECT 1 UNION SELECT 'a' ORDER BY 1")).toEqual([['1'], ['a']]);
    expect(await fails(s, 'SELECT id FROM c UNION SELECT id, name FROM c')).toBe(
      '1222: The used SELECT statements have a different number of columns',
    );
  });

  it('updates and deletes with subqueries, correlated or not', async () => {
    const s = await shop();
    const [deleted] = await run(s, 'DELETE FROM o WHERE cust NOT IN (SELECT id FROM c)');
    expect(deleted).toMatchObject({ affectedRows: 1 });
    const [updated] = await run(
      s,
      'UPDATE c SET city = (SELECT CONCAT(COUNT(*), SUM(total)) FROM o WHERE o.cust = c.id) WHERE EXISTS (SELECT 1 FROM o WHERE o.cust = c.id)',
    );
    expect(updated).toMatchObject({ affectedRows: 3 });
    expect(await rows(s, 'SELECT id, city FROM c ORDER BY id')).toEqual([
      ['1', '212'],
      ['2', '130'],
      ['3', '11'],
      ['4', null],
    ]);
    expect(await fails(s, 'DELETE FROM c WHERE id IN (SELECT id FROM c)')).toBe(
      "1093: You can't specify target table 'c' for update in FROM clause",
    );
  });

  it('aggregates without FROM over the one implicit row', async () => {
    const s = await shop();
    expect(await rows(s, 'SELECT COUNT(*), - MIN(4) * 35, SUM(2) + 1, COUNT(NULL)')).toEqual([
      ['1', '-140', '3', '0'],
    ]);
    expect(await rows(s, 'SELECT COUNT(*) HAVING COUNT(*) > 1')).toEqual([]);
  });

  it('joins comma-separated tables with WHERE applied while joining', async () => {
    const s = await shop();
    await run(
      s,
      "CREATE TABLE z (city VARCHAR(10), country VARCHAR(10)); INSERT INTO z VALUES ('oslo', 'no'), ('rome', 'it')",
    );
    expect(
      await rows(
        s,
        'SELECT c.name, o.total, z.country FROM c, o, z WHERE o.cust = c.id AND z.city = c.city AND o.total > 4 ORDER BY o.total',
      ),
    ).toEqual([
      ['ann', '5', 'no'],
      ['ann', '7', 'no'],
      ['bob', '30', 'it'],
    ]);
    // A condition over later tables, and OR across tables, still apply.
    expect(
      await rows(
        s,
        "SELECT COUNT(*) FROM c, o, z WHERE (z.country = 'it' OR o.total = 1) AND o.cust = c.id AND c.city = z.city",
      ),
    ).toEqual([['2']]);
    // Errors are those of the whole WHERE over the whole FROM.
    expect(await fails(s, 'SELECT 1 FROM c, o, z WHERE id = 1 AND city = 1')).toBe(
      "1052: Column 'id' in where clause is ambiguous",
    );
    expect(await fails(s, 'SELECT 1 FROM c, o WHERE c.id = o.cust AND nope = 1')).toBe(
      "1054: Unknown column 'nope' in 'where clause'",
    );
  });

  it('orders and groups by select-list position', async () => {
    const s = await shop();
    expect(
      await rows(s, 'SELECT cust, SUM(total) FROM o GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 2'),
    ).toEqual([
      ['2', '30'],
      ['1', '12'],
    ]);
    expect(await fails(s, 'SELECT id FROM c ORDER BY 2')).toBe(
      "1054: Unknown column '2' in 'order clause'",
    );
  });
});
