// Multi-table UPDATE and DELETE over the join machinery: each target row changed once, indexes
// kept, MySQL's errors.
import { describe, expect, it } from 'vitest';
import type { SqlSession } from './session.js';
import { fails, rows, run, session } from './test/sql-session.js';

async function shop(): Promise<SqlSession> {
  const s = await session();
  await run(
    s,
    'CREATE TABLE c (id INT PRIMARY KEY, name VARCHAR(10), vip INT DEFAULT 0, UNIQUE KEY u_name (name)); ' +
      'CREATE TABLE o (id INT PRIMARY KEY, cust INT, total INT, note VARCHAR(10), KEY k_cust (cust)); ' +
      'CREATE TABLE log (msg VARCHAR(20)); ' +
      "INSERT INTO c VALUES (1, 'ann', 0), (2, 'bob', 0), (3, 'cy', 0); " +
      'INSERT INTO o VALUES (10, 1, 5, NULL), (11, 1, 70, NULL), (12, 2, 30, NULL), (13, 9, 1, NULL); ' +
      "INSERT INTO log VALUES ('a'), ('b')",
  );
  return s;
}

async function ok(s: SqlSession, sql: string): Promise<unknown> {
  const out = await run(s, sql);
  return out.at(-1);
}

describe('multi-table UPDATE', () => {
  it('updates each matched row once, from the joined values, in one or several tables', async () => {
    const s = await shop();
    // Ann has two orders: her row is matched twice but changed once.
    expect(
      await ok(s, 'UPDATE c JOIN o ON o.cust = c.id SET c.vip = c.vip + 1 WHERE o.total > 1'),
    ).toMatchObject({
      kind: 'ok',
      affectedRows: 2,
      info: 'Rows matched: 2  Changed: 2  Warnings: 0',
    });
    expect(await rows(s, 'SELECT id, vip FROM c ORDER BY id')).toEqual([
      ['1', '1'],
      ['2', '1'],
      ['3', '0'],
    ]);
    // Both sides at once, values from the other table; comma-join form.
    await run(
      s,
      "UPDATE c, o SET o.note = c.name, c.vip = 7 WHERE o.cust = c.id AND c.name = 'bob'",
    );
    expect(await rows(s, 'SELECT id, note FROM o ORDER BY id')).toEqual([
      ['10', null],
      ['11', null],
      ['12', 'bob'],
      ['13', null],
    ]);
    expect(await rows(s, "SELECT vip FROM c WHERE name = 'bob'")).toEqual([['7']]);
    // A LEFT JOIN's missing side changes nothing; unqualified columns resolve to their table.
    await run(s, "UPDATE o LEFT JOIN c ON c.id = o.cust SET note = IFNULL(name, 'orphan')");
    expect(await rows(s, 'SELECT id, note FROM o ORDER BY id')).toEqual([
      ['10', 'ann'],
      ['11', 'ann'],
      ['12', 'bob'],
      ['13', 'orphan'],
    ]);
  });

  it('keeps secondary and unique indexes, and refuses a duplicate', async () => {
    const s = await shop();
    await run(s, 'UPDATE o JOIN c ON c.id = o.cust SET o.cust = o.cust + 100 WHERE c.id = 1');
    expect(await rows(s, 'SELECT id FROM o WHERE cust = 101 ORDER BY id')).toEqual([
      ['10'],
      ['11'],
    ]);
    expect(await rows(s, 'SELECT id FROM o WHERE cust = 1')).toEqual([]);
    expect(
      await fails(s, "UPDATE c JOIN o ON o.cust = c.id SET c.name = 'ann' WHERE c.id = 2"),
    ).toBe("1062: Duplicate entry 'ann' for key 'c.u_name'");
    // The failed statement changed nothing.
    expect(await rows(s, 'SELECT name FROM c ORDER BY id')).toEqual([['ann'], ['bob'], ['cy']]);
  });

  it("answers MySQL's errors", async () => {
    const s = await shop();
    expect(await fails(s, 'UPDATE c JOIN o ON o.cust = c.id SET id = 1')).toBe(
      "1052: Column 'id' in field list is ambiguous",
    );
    expect(await fails(s, 'UPDATE c JOIN o ON o.cust = c.id SET nope = 1')).toBe(
      "1054: Unknown column 'nope' in 'field list'",
    );
    expect(await fails(s, 'UPDATE c JOIN o ON o.cust = c.id SET c.vip = 1 LIMIT 1')).toBe(
      '1221: Incorrect usage of UPDATE and LIMIT',
    );
    expect(await fails(s, 'UPDATE c JOIN o ON o.cust = c.id SET c.vip = 1 ORDER BY c.id')).toBe(
      '1221: Incorrect usage of UPDATE and ORDER BY',
    );
    expect(await fails(s, 'UPDATE c JOIN (SELECT 1 AS x) d ON d.x = c.id SET d.x = 2')).toBe(
      '1288: The target table d of the UPDATE is not updatable',
    );
  });
});

describe('multi-table DELETE', () => {
  it('deletes the matched rows of the named tables, each once', async () => {
    const s = await shop();
    expect(
      await ok(s, "DELETE o FROM o JOIN c ON c.id = o.cust WHERE c.name = 'ann'"),
    ).toMatchObject({ kind: 'ok', affectedRows: 2 });
    expect(await rows(s, 'SELECT id FROM o ORDER BY id')).toEqual([['12'], ['13']]);
    // Both tables, USING form; indexes follow.
    await run(s, 'DELETE FROM c, o USING c JOIN o ON o.cust = c.id WHERE o.total = 30');
    expect(await rows(s, 'SELECT id FROM c ORDER BY id')).toEqual([['1'], ['3']]);
    expect(await rows(s, 'SELECT id FROM o ORDER BY id')).toEqual([['13']]);
    expect(await rows(s, "SELECT id FROM c WHERE name = 'bob'")).toEqual([]);
    expect(await rows(s, 'SELECT id FROM o WHERE cust = 2')).toEqual([]);
    // Aliases, and a table without a primary key (its hidden row id finds the row).
    await run(s, "DELETE l FROM log AS l, c WHERE l.msg = 'a' AND c.id = 1");
    expect(await rows(s, 'SELECT msg FROM log')).toEqual([['b']]);
  });

  it("answers MySQL's errors", async () => {
    const s = await shop();
    expect(await fails(s, 'DELETE x FROM o JOIN c ON c.id = o.cust')).toBe(
      "1109: Unknown table 'x' in MULTI DELETE",
    );
    // MySQL's grammar has no ORDER BY / LIMIT for the multi-table form: a syntax error.
    expect(await fails(s, 'DELETE o FROM o JOIN c ON c.id = o.cust LIMIT 1')).toBe(
      "1064: You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near 'LIMIT 1' at line 1",
    );
  });
});
