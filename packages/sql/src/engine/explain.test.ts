// EXPLAIN: the operators, access paths, slices and ranking replicas of the plan the executor
// runs (the same planning), for SELECT, INSERT, UPDATE and DELETE; nothing read.
import { Transaction } from '@tessera/txn';
import { describe, expect, it, vi } from 'vitest';
import type { SqlSession } from './session.js';
import { groupIdOfSlice } from '@tessera/txn';
import { TABLE_ROWS_GUESS } from './join-plan.js';
import { MemoryCatalog } from './test/memory-catalog.js';
import { fails, nodes, rows, run, session } from './test/sql-session.js';

async function shop(): Promise<SqlSession> {
  const s = await session();
  await run(
    s,
    'CREATE TABLE c (id INT PRIMARY KEY, name VARCHAR(10), city VARCHAR(10), KEY k_city (city)); ' +
      'CREATE TABLE o (id INT PRIMARY KEY, cust INT, total INT, KEY k_cust (cust)); ' +
      "INSERT INTO c VALUES (1, 'ann', 'oslo'), (2, 'bob', 'rome'), (3, 'cy', 'oslo'); " +
      'INSERT INTO o VALUES (10, 1, 5), (11, 1, 7), (12, 2, 30), (13, 9, 1)',
  );
  return s;
}

/** The ranking replicas of a representation's slices, from the system database. */
async function rankingNodes(s: SqlSession, table: string, index: string): Promise<string[]> {
  const found = await rows(
    s,
    `SELECT s.ranking_node FROM system.slices s JOIN system.representations r ON r.representation_id = s.representation_id WHERE r.table_schema = 'shop' AND r.table_name = '${table}' AND r.index_name = '${index}'`,
  );
  return found.map((r) => r[0] ?? '');
}

const distinctSorted = (xs: readonly string[]) =>
  [...new Set(xs)].sort((a, b) => Number(a) - Number(b)).join(',');

describe('EXPLAIN', () => {
  it('shows a join as operators over reads, with access paths, slices and nodes', async () => {
    const s = await shop();
    const out = await run(
      s,
      "EXPLAIN SELECT c.name, SUM(o.total) FROM c, o WHERE o.cust = c.id AND c.city = 'oslo' GROUP BY c.name ORDER BY 2 DESC LIMIT 2",
    );
    const last = out.at(-1);
    if (last?.kind !== 'rows') throw new Error('rows expected');
    expect(last.columns.map((c) => c.name)).toEqual([
      'id',
      'operator',
      'table',
      'access',
      'slices',
      'nodes',
      'estimated_rows',
      'condition',
      'pushed_down',
    ]);
    const all = distinctSorted(await rankingNodes(s, 'o', 'PRIMARY'));
    const cityIndex = distinctSorted(await rankingNodes(s, 'c', 'k_city'));
    // (The last column, pushed_down, is checked in pushdown.test.ts: nothing is pushed here.)
    expect(
      (
        await rows(
          s,
          "EXPLAIN SELECT c.name, SUM(o.total) FROM c, o WHERE o.cust = c.id AND c.city = 'oslo' GROUP BY c.name ORDER BY 2 DESC LIMIT 2",
        )
      ).map((r) => r.slice(0, 8)),
    ).toEqual([
      ['1', 'Limit', null, null, null, null, null, '2'],
      ['2', '  Sort', null, null, null, null, null, '2 DESC'],
      ['3', '    Aggregate', null, null, null, null, null, 'GROUP BY `c`.`name`'],
      ['4', '      Index lookup join', null, null, null, null, '100', '`c`.`id` = `o`.`cust`'],
      [
        '5',
        '        Read',
        'c',
        'index lookup k_city, then PRIMARY',
        '3 of 3',
        cityIndex,
        '100',
        "`c`.`city` = 'oslo'",
      ],
      [
        '6',
        '        Lookup',
        'o',
        'get k_cust, then PRIMARY by (`c`.`id`) per outer row; over 1000 outer rows: full scan and a hash join',
        'by key, of 3',
        distinctSorted(await rankingNodes(s, 'o', 'k_cust')),
        null,
        null,
      ],
    ]);
    // Two full scans: a hash join; every slice of PRIMARY read, on its ranking replicas.
    expect(
      (await rows(s, 'EXPLAIN SELECT * FROM o AS x JOIN c ON c.id = x.cust')).map((r) =>
        r.slice(0, 8),
      ),
    ).toEqual([
      ['1', 'Hash join', null, null, null, null, '1000', '`x`.`cust` = `c`.`id`'],
      ['2', '  Read', 'o AS x', 'full scan', '3 of 3', all, '1000', null],
      [
        '3',
        '  Read',
        'c',
        'full scan',
        '3 of 3',
        distinctSorted(await rankingNodes(s, 'c', 'PRIMARY')),
        '1000',
        null,
      ],
    ]);
  });

  it('names the one slice and node of a point get, and counts a batch', async () => {
    const s = await shop();
    const [point] = await rows(s, 'EXPLAIN SELECT * FROM o WHERE id = 12');
    expect(point?.slice(1, 5)).toEqual(['Read', 'o', 'point get', '1 of 3']);
    expect(await rankingNodes(s, 'o', 'PRIMARY')).toContain(point?.[5]);
    expect(point?.[6]).toBe('1');
    const [batch] = await rows(s, 'EXPLAIN SELECT * FROM o WHERE id IN (10, 11, 12, 13, NULL)');
    expect(batch?.[3]).toBe('batch get (4 keys)');
    // An integral DOUBLE (what mysql2 binds for a JS number) is still a point get; a
    // fractional one equals no integer and is not.
    const [asDouble] = await rows(s, 'EXPLAIN SELECT * FROM o WHERE id = 12e0');
    expect(asDouble?.[3]).toBe('point get');
    expect(await rows(s, 'SELECT id, total FROM o WHERE id = 12e0')).toEqual([['12', '30']]);
    const [fractional] = await rows(s, 'EXPLAIN SELECT * FROM o WHERE id = 12.5e0');
    expect(fractional?.[3]).not.toBe('point get');
    expect(await rows(s, 'SELECT id FROM o WHERE id = 12.5e0')).toEqual([]);
    expect(Number(batch?.[4]?.split(' ')[0])).toBeLessThanOrEqual(3);
    expect(await rows(s, 'EXPLAIN SELECT * FROM o WHERE id BETWEEN 10 AND 11')).toEqual([
      [
        '1',
        'Read',
        'o',
        'range',
        '3 of 3',
        distinctSorted(await rankingNodes(s, 'o', 'PRIMARY')),
        '112',
        '`id` BETWEEN 10 AND 11',
        // The range's rows are filtered on the slices too (pushdown-plan.ts).
        'filter (1 condition)',
      ],
    ]);
  });

  it("estimates a table's rows from its replicas' reported record counts", async () => {
    const catalog = new MemoryCatalog(nodes);
    const s = await session(catalog);
    await run(
      s,
      'CREATE TABLE big (id INT PRIMARY KEY, k INT) SLICES = 3; ' +
        'CREATE TABLE small (id INT PRIMARY KEY, k INT) SLICES = 2',
    );
    // Without reports: the planner's fixed guess.
    const [guessed] = await rows(s, 'EXPLAIN SELECT * FROM big');
    expect(guessed?.[6]).toBe(String(TABLE_ROWS_GUESS));
    // The nodes report 40 000 records on each slice of big, 5 on each of small (the ranking
    // replica's report counts; a follower's does not).
    const view = await catalog.view();
    const stats = (table: string, records: number) => {
      const id = view.tables.find((t) => t.name === table)?.representations[0]?.representationId;
      const rep = view.representations.find((r) => r.id === id);
      return (rep?.slices ?? []).flatMap((slice) =>
        slice.members.map((m) => ({
          nodeId: m.node,
          groupId: groupIdOfSlice(slice.id),
          raftRole: m.node === slice.rankingReplica ? 'leader' : 'follower',
          applied: 1,
          appliedCommitTs: 1,
          records: m.node === slice.rankingReplica ? records : 999_999,
        })),
      );
    };
    catalog.replicaStats = [...stats('big', 40_000), ...stats('small', 5)];
    const [big] = await rows(s, 'EXPLAIN SELECT * FROM big');
    expect(big?.[6]).toBe('120000');
    const [small] = await rows(s, 'EXPLAIN SELECT * FROM small');
    expect(small?.[6]).toBe('10');
    // The join starts from the small table and looks big up by its primary key.
    const plan = await rows(s, 'EXPLAIN SELECT * FROM big, small WHERE big.id = small.k');
    expect(plan.map((r) => [r[1]?.trim(), r[2]])).toEqual([
      ['Index lookup join', null],
      ['Read', 'small'],
      ['Lookup', 'big'],
    ]);
    // A slice without a report: no estimate, the guess again.
    catalog.replicaStats = stats('big', 40_000).slice(1);
    const [partial] = await rows(s, 'EXPLAIN SELECT * FROM big');
    expect(partial?.[6]).toBe(String(TABLE_ROWS_GUESS));
  });

  it('prints the tree format', async () => {
    const s = await shop();
    const [[tree]] = (await rows(
      s,
      'EXPLAIN FORMAT=TREE SELECT o.id FROM o LEFT JOIN c ON c.id = o.cust WHERE o.total > 4',
    )) as [[string]];
    const lines = tree.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    // About a third of o's (guessed) 1000 rows: fewer than c's full scan reads, so by key.
    expect(lines[0]).toBe('-> Left index lookup join [`o`.`cust` = `c`.`id`] (rows=334)');
    expect(lines[1]).toMatch(
      /^ {4}-> Read on o \(full scan\) \[`o`\.`total` > 4\] \{slices 3 of 3 on nodes [\d,]+\} \(rows=334\) \{pushed to slices: filter \(1 condition\)\}$/,
    );
    expect(lines[2]).toMatch(
      /^ {4}-> Lookup on c \(get PRIMARY by \(`o`\.`cust`\) per outer row; over 1000 outer rows: full scan and a hash join\) \{slices by key, of 3 on nodes [\d,]+\}$/,
    );
  });

  it('explains UPDATE, DELETE and INSERT with the access path their rows are found by', async () => {
    const s = await shop();
    expect(await rows(s, 'EXPLAIN UPDATE o SET total = total + 1 WHERE id = 10')).toEqual([
      ['1', 'Update', 'o', null, null, null, null, 'SET `total` = `total` + 1', null],
      [
        '2',
        '  Read',
        'o',
        'point get',
        '1 of 3',
        expect.stringMatching(/^\d$/) as unknown as string,
        null,
        '`id` = 10',
        null,
      ],
    ]);
    expect(
      (await rows(s, 'EXPLAIN DELETE FROM o WHERE cust = 1 ORDER BY id LIMIT 1')).map((r) =>
        r.slice(1, 5),
      ),
    ).toEqual([
      ['Delete', 'o', null, null],
      ['  Limit', null, null, null],
      ['    Sort', null, null, null],
      ['      Read', 'o', 'index lookup k_cust, then PRIMARY', '3 of 3'],
    ]);
    expect(
      (await rows(s, 'EXPLAIN INSERT INTO o SELECT id + 100, id, 0 FROM c WHERE id = 2')).map((r) =>
        r.slice(1, 5),
      ),
    ).toEqual([
      ['Insert', 'o', 'put by key: PRIMARY + k_cust', 'by key, of 3'],
      ['  Read', 'c', 'point get', '1 of 3'],
    ]);
    // A subquery is planned over tables read whole.
    expect(
      (await rows(s, 'EXPLAIN DELETE FROM c WHERE id NOT IN (SELECT cust FROM o)')).map((r) =>
        r.slice(1, 4),
      ),
    ).toEqual([
      ['Delete', 'c', null],
      ['  Read', 'c', 'full scan'],
      ['  Subquery', null, null],
      ['    Read', 'o', 'full scan, whole table read before the query runs'],
    ]);
  });

  it('reads nothing, and answers MySQL errors', async () => {
    const s = await shop();
    const get = vi.spyOn(Transaction.prototype, 'get');
    const scan = vi.spyOn(Transaction.prototype, 'scan');
    try {
      await run(s, 'EXPLAIN SELECT * FROM c JOIN o ON o.cust = c.id WHERE c.id = 1');
      await run(s, 'EXPLAIN SELECT * FROM (SELECT cust, COUNT(*) AS n FROM o GROUP BY cust) AS t');
      expect(get).not.toHaveBeenCalled();
      expect(scan).not.toHaveBeenCalled();
    } finally {
      get.mockRestore();
      scan.mockRestore();
    }
    expect(await fails(s, 'EXPLAIN ANALYZE SELECT * FROM c')).toBe(
      "1235: This version of MySQL doesn't yet support 'EXPLAIN ANALYZE'",
    );
    expect(await fails(s, 'EXPLAIN FORMAT=JSON SELECT * FROM c')).toBe(
      "1235: This version of MySQL doesn't yet support 'EXPLAIN FORMAT=JSON'",
    );
    expect(await fails(s, 'EXPLAIN FORMAT=yaml SELECT * FROM c')).toBe(
      "1791: Unknown EXPLAIN format name: 'yaml'",
    );
    expect(await fails(s, 'EXPLAIN SELECT * FROM nope')).toBe(
      "1146: Table 'shop.nope' doesn't exist",
    );
    expect(await fails(s, 'EXPLAIN SELECT nope FROM c WHERE nope = 1')).toBe(
      "1054: Unknown column 'nope' in 'where clause'",
    );
  });

  it('shows derived tables, set operations and subqueries with their own plans', async () => {
    const s = await shop();
    expect(
      (
        await rows(
          s,
          'EXPLAIN SELECT t.n FROM (SELECT cust, COUNT(*) AS n FROM o WHERE id > 10 GROUP BY cust) AS t UNION ALL SELECT (SELECT MAX(total) FROM o) FROM c WHERE id = 3',
        )
      ).map((r) => r.slice(1, 4)),
    ).toEqual([
      ['Union all', null, null],
      ['  Derived table', 't', 'in memory'],
      ['    Aggregate', null, null],
      ['      Read', 'o', 'range'],
      ['  Project', null, null],
      ['    Read', 'c', 'point get'],
      ['    Subquery', null, null],
      ['      Aggregate', null, null],
      ['        Read', 'o', 'full scan, whole table read before the query runs'],
    ]);
  });
});
