// Joins: planned order, hash joins, index-lookup joins and outer joins give the results MySQL's
// nested-loop semantics define — whatever the FROM order, whatever the value types.
import { Transaction } from '@tessera/txn';
import { describe, expect, it, vi } from 'vitest';
import type { SqlSession } from './session.js';
import { fails, rows, run, session } from './test/sql-session.js';

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((x, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [x, ...p]),
  );
}

const sorted = (r: (string | null)[][]) =>
  r.map((x) => JSON.stringify(x)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The rows of `sql`, in a canonical order (for queries without ORDER BY). */
async function rowSet(s: SqlSession, sql: string): Promise<string[]> {
  return sorted(await rows(s, sql));
}

/** The operators EXPLAIN shows, trimmed, in tree order. */
async function operators(s: SqlSession, sql: string): Promise<string[]> {
  return (await rows(s, `EXPLAIN ${sql}`)).map((r) => (r[1] ?? '').trim());
}

async function graph(): Promise<SqlSession> {
  const s = await session();
  await run(
    s,
    'CREATE TABLE a (id INT PRIMARY KEY, x INT, tag VARCHAR(10)); ' +
      'CREATE TABLE b (id INT PRIMARY KEY, a_id INT, y INT, KEY k_a (a_id)); ' +
      'CREATE TABLE c (id INT PRIMARY KEY, b_id INT, z VARCHAR(10)); ' +
      'CREATE TABLE d (k VARCHAR(10) PRIMARY KEY, w INT)',
  );
  await run(
    s,
    "INSERT INTO a VALUES (1, 10, 'red'), (2, 20, 'blue'), (3, NULL, 'red'), (4, 10, NULL); " +
      'INSERT INTO b VALUES (1, 1, 5), (2, 1, 6), (3, 2, 5), (4, NULL, 7), (5, 3, NULL), (6, 9, 5); ' +
      "INSERT INTO c VALUES (1, 1, 'Red'), (2, 1, 'blue'), (3, 3, 'RED'), (4, NULL, 'x'), (5, 5, NULL); " +
      "INSERT INTO d VALUES ('red', 1), ('BLUE', 2), ('x', 3)",
  );
  return s;
}

describe('join order', () => {
  it('gives the same rows whatever the FROM order (comma joins and JOIN ... ON)', async () => {
    const s = await graph();
    const tables = ['a', 'b', 'c', 'd'];
    const where = 'b.a_id = a.id AND c.b_id = b.id AND d.k = c.z AND a.x IS NOT NULL AND b.y < 7';
    const expected = await rowSet(s, `SELECT a.id, b.id, c.id, d.w FROM a, b, c, d WHERE ${where}`);
    // By hand: a1-b1-c1 'Red'→red, a1-b1-c2 'blue'→BLUE, a1-b2? b2 has no c; a2-b3-c3 'RED'.
    expect(expected).toEqual(
      sorted([
        ['1', '1', '1', '1'],
        ['1', '1', '2', '2'],
        ['2', '3', '3', '1'],
      ]),
    );
    for (const order of permutations(tables)) {
      expect(
        await rowSet(s, `SELECT a.id, b.id, c.id, d.w FROM ${order.join(', ')} WHERE ${where}`),
      ).toEqual(expected);
      const [first, ...rest] = order;
      const joined = `${first ?? ''} ${rest.map((t) => `JOIN ${t}`).join(' ')}`;
      expect(
        await rowSet(s, `SELECT a.id, b.id, c.id, d.w FROM ${joined} ON TRUE WHERE ${where}`),
      ).toEqual(expected);
    }
  });

  it('starts from the most selective table and joins along equalities', async () => {
    const s = await graph();
    // a's primary key fixed: a point get first, then b by its index on a_id, then c, then d.
    const ops = await operators(
      s,
      'SELECT * FROM d, c, b, a WHERE b.a_id = a.id AND c.b_id = b.id AND d.k = c.z AND a.id = 1',
    );
    expect(ops[0]).toMatch(/join$/);
    const reads = (
      await rows(
        s,
        'EXPLAIN SELECT * FROM d, c, b, a WHERE b.a_id = a.id AND c.b_id = b.id AND d.k = c.z AND a.id = 1',
      )
    )
      .filter((r) => r[2] !== null)
      .map((r) => [r[2], r[3]]);
    expect(reads[0]).toEqual(['a', 'point get']);
    expect(reads.map((r) => r[0])).toEqual(['a', 'b', 'c', 'd']);
    // No cross product while a connected table remains: `d` (joined to c only) comes after c.
    expect(
      await rowSet(
        s,
        'SELECT a.id, c.id, d.w FROM d, c, b, a WHERE b.a_id = a.id AND c.b_id = b.id AND d.k = c.z AND a.id = 1',
      ),
    ).toEqual(
      sorted([
        ['1', '1', '1'],
        ['1', '2', '2'],
      ]),
    );
  });

  it('cross joins unconnected tables, and keeps errors of the whole WHERE', async () => {
    const s = await graph();
    expect(await rows(s, 'SELECT COUNT(*) FROM a, d WHERE a.x = 10')).toEqual([['6']]);
    expect(await rows(s, 'SELECT COUNT(*) FROM a, b, d WHERE d.w > 1 AND a.id < 3')).toEqual([
      ['24'],
    ]);
    expect(await fails(s, 'SELECT 1 FROM a, b WHERE id = 1')).toBe(
      "1052: Column 'id' in where clause is ambiguous",
    );
    expect(await fails(s, 'SELECT 1 FROM a JOIN b ON a.id = c.id')).toBe(
      "1054: Unknown column 'c.id' in 'on clause'",
    );
    expect(await fails(s, 'SELECT 1 FROM a, b AS a')).toBe("1066: Not unique table/alias: 'a'");
    expect(await rows(s, 'SELECT COUNT(*) FROM a, b WHERE 1 = 0')).toEqual([['0']]);
  });
});

describe('hash join semantics', () => {
  /** `x = y` joined by hash, and the same pairs by a nested loop (OR defeats the hashing). */
  async function sameAsNestedLoop(s: SqlSession, on: string): Promise<string[]> {
    const hashed = await rowSet(s, `SELECT l.id, r.id FROM l JOIN r ON ${on}`);
    expect(await operators(s, `SELECT l.id, r.id FROM l JOIN r ON ${on}`)).toContain('Hash join');
    const looped = await rowSet(s, `SELECT l.id, r.id FROM l JOIN r ON (${on}) OR 1 = 0`);
    expect(hashed).toEqual(looped);
    return hashed;
  }

  it('never matches NULL, and LEFT JOIN keeps the unmatched rows once', async () => {
    const s = await session();
    await run(
      s,
      'CREATE TABLE l (id INT PRIMARY KEY, v INT); CREATE TABLE r (id INT PRIMARY KEY, v INT); ' +
        'INSERT INTO l VALUES (1, 1), (2, NULL), (3, 3); INSERT INTO r VALUES (1, NULL), (2, 1), (3, 1)',
    );
    expect(await sameAsNestedLoop(s, 'l.v = r.v')).toEqual(
      sorted([
        ['1', '2'],
        ['1', '3'],
      ]),
    );
    expect(await rowSet(s, 'SELECT l.id, r.id FROM l LEFT JOIN r ON l.v = r.v')).toEqual(
      sorted([
        ['1', '2'],
        ['1', '3'],
        ['2', null],
        ['3', null],
      ]),
    );
    // NULL-safe equality is no hash key: NULL <=> NULL holds.
    expect(await rowSet(s, 'SELECT l.id, r.id FROM l JOIN r ON l.v <=> r.v')).toEqual(
      sorted([
        ['1', '2'],
        ['1', '3'],
        ['2', '1'],
      ]),
    );
  });

  it('compares strings under the collation: case, accents and trailing spaces as `=` does', async () => {
    const s = await session();
    await run(
      s,
      'CREATE TABLE l (id INT PRIMARY KEY, v VARCHAR(10), g VARCHAR(10) COLLATE utf8mb4_general_ci, bn VARCHAR(10) COLLATE utf8mb4_bin); ' +
        'CREATE TABLE r (id INT PRIMARY KEY, v VARCHAR(10), g VARCHAR(10) COLLATE utf8mb4_general_ci, bn VARCHAR(10) COLLATE utf8mb4_bin); ' +
        "INSERT INTO l VALUES (1, 'Abc', 'a', 'A'), (2, 'été', 'b ', 'b'), (3, 'x ', 'C', 'c '); " +
        "INSERT INTO r VALUES (1, 'aBC', 'a  ', 'a'), (2, 'ete', 'B', 'b'), (3, 'x', 'c', 'c')",
    );
    // utf8mb4_0900_ai_ci: case and accents ignored, trailing spaces significant (NO PAD).
    expect(await sameAsNestedLoop(s, 'l.v = r.v')).toEqual(
      sorted([
        ['1', '1'],
        ['2', '2'],
      ]),
    );
    // utf8mb4_general_ci: PAD SPACE.
    expect(await sameAsNestedLoop(s, 'l.g = r.g')).toEqual(
      sorted([
        ['1', '1'],
        ['2', '2'],
        ['3', '3'],
      ]),
    );
    // utf8mb4_bin wins over a _ci column of the same coercibility: case counts, PAD SPACE.
    expect(await sameAsNestedLoop(s, 'l.bn = r.g')).toEqual(sorted([['3', '3']]));
    expect(await sameAsNestedLoop(s, 'l.bn = r.bn')).toEqual(
      sorted([
        ['2', '2'],
        ['3', '3'],
      ]),
    );
    // An explicit COLLATE decides.
    expect(await sameAsNestedLoop(s, 'l.bn = r.bn COLLATE utf8mb4_general_ci')).toEqual(
      sorted([
        ['1', '1'],
        ['2', '2'],
        ['3', '3'],
      ]),
    );
  });

  it('compares numbers across INT, DECIMAL, DOUBLE and strings as `=` does', async () => {
    const s = await session();
    await run(
      s,
      'CREATE TABLE l (id INT PRIMARY KEY, i INT, dc DECIMAL(6,2), db DOUBLE, s VARCHAR(10), u BIGINT UNSIGNED, dt DATETIME, d DATE); ' +
        'CREATE TABLE r (id INT PRIMARY KEY, i INT, dc DECIMAL(6,2), db DOUBLE, s VARCHAR(10), u BIGINT UNSIGNED, dt DATETIME, d DATE); ' +
        "INSERT INTO l VALUES (1, 1, 1.00, 0.1, '05', 18446744073709551615, '2024-01-02 00:00:00', '2024-01-02'), " +
        "(2, 2, 2.50, 1, 'abc', 5, '2024-01-02 10:00:00', '2024-01-03'), (3, -1, -0.00, -0.0, '1e1', 0, NULL, NULL); " +
        "INSERT INTO r VALUES (1, 1, 1, 0.1, '5', 18446744073709551615, '2024-01-02', '2024-01-02'), " +
        "(2, 3, 2.5, 1.0, '0', 5, '2024-01-02 10:00:00.000', '2024-01-02'), (3, 0, 0, 0, '10', 0, NULL, NULL)",
    );
    const pairs = [
      'l.i = r.i',
      'l.i = r.dc',
      'l.dc = r.dc',
      'l.dc = r.i',
      'l.db = r.db',
      'l.i = r.db',
      'l.dc = r.db',
      'l.db = r.i',
      'l.s = r.i',
      'l.s = r.s',
      'l.s = r.db',
      'l.u = r.u',
      'l.u = r.i',
      'l.dt = r.dt',
      'l.d = r.dt',
      'l.dt = r.d',
      'l.d = r.d',
      'l.i + 1 = r.i',
      'l.dc * 2 = r.db * 2',
    ];
    for (const on of pairs) await sameAsNestedLoop(s, on);
    // A few by hand.
    expect(await sameAsNestedLoop(s, 'l.i = r.dc')).toEqual(sorted([['1', '1']]));
    expect(await sameAsNestedLoop(s, 'l.dc = r.dc')).toEqual(
      sorted([
        ['1', '1'],
        ['2', '2'],
        ['3', '3'],
      ]),
    );
    // '05' = 5, 'abc' = 0 (with a warning) and '1e1' = 10: strings against numbers compare
    // as doubles.
    expect(await sameAsNestedLoop(s, 'l.s = r.i')).toEqual(sorted([['2', '3']]));
    expect(await sameAsNestedLoop(s, 'l.s = r.s')).toEqual([]);
    expect(await sameAsNestedLoop(s, 'l.s = r.db')).toEqual(sorted([['2', '3']]));
    expect(await sameAsNestedLoop(s, 'l.d = r.dt')).toEqual(sorted([['1', '1']]));
  });

  it('finds the pairs a nested loop finds, for every pair of column types (seeded)', async () => {
    const s = await session();
    const columns = {
      i: 'INT',
      dc: 'DECIMAL(5,2)',
      db: 'DOUBLE',
      ci: 'VARCHAR(12)',
      bn: 'VARCHAR(6) COLLATE utf8mb4_bin',
      d: 'DATE',
      dt: 'DATETIME',
      y: 'YEAR',
    } as const;
    const pools: Record<keyof typeof columns, readonly string[]> = {
      i: ['0', '1', '2', '2001', 'NULL'],
      dc: ['0', '1.00', '1.5', '2', 'NULL'],
      db: ['0', '1', '1.5', '2001', 'NULL'],
      ci: ["'a'", "'A'", "'1'", "'01'", "'2001'", "'2024-01-01'", 'NULL'],
      bn: ["'a'", "'A'", "'1'", "'a '", 'NULL'],
      d: ["'2024-01-01'", "'2024-01-02'", 'NULL'],
      dt: ["'2024-01-01 00:00:00'", "'2024-01-01 12:00:00'", 'NULL'],
      y: ['2001', '2024', 'NULL'],
    };
    let seed = 7;
    const pick = <T>(xs: readonly T[]): T => {
      seed = (seed * 1_103_515_245 + 12_345) >>> 0;
      const x = xs[seed % xs.length];
      if (x === undefined) throw new Error('empty pool');
      return x;
    };
    const names = Object.keys(columns) as (keyof typeof columns)[];
    const ddl = names.map((n) => `${n} ${columns[n]}`).join(', ');
    await run(
      s,
      `CREATE TABLE l (id INT PRIMARY KEY, ${ddl}); CREATE TABLE r (id INT PRIMARY KEY, ${ddl})`,
    );
    for (const t of ['l', 'r']) {
      const values = Array.from(
        { length: 12 },
        (_, id) => `(${id}, ${names.map((n) => pick(pools[n])).join(', ')})`,
      );
      await run(s, `INSERT INTO ${t} VALUES ${values.join(', ')}`);
    }
    let matched = 0;
    for (const a of names) {
      for (const b of names) matched += (await sameAsNestedLoop(s, `l.${a} = r.${b}`)).length;
    }
    expect(matched).toBeGreaterThan(100);
  });

  it('joins on several keys at once, some without a normal form', async () => {
    const s = await session();
    await run(
      s,
      'CREATE TABLE l (id INT PRIMARY KEY, a INT, b VARCHAR(5)); CREATE TABLE r (id INT PRIMARY KEY, a DECIMAL(4,1), b INT); ' +
        "INSERT INTO l VALUES (1, 1, '1'), (2, 1, 'x'), (3, 2, '02'); INSERT INTO r VALUES (1, 1.0, 1), (2, 1.0, 0), (3, 2.0, 2), (4, 2.5, 2)",
    );
    expect(await sameAsNestedLoop(s, 'l.a = r.a AND l.b = r.b')).toEqual(
      sorted([
        ['1', '1'],
        ['2', '2'],
        ['3', '3'],
      ]),
    );
  });
});

describe('outer joins', () => {
  it('applies ON while matching and WHERE after null-extension', async () => {
    const s = await graph();
    expect(
      await rowSet(s, 'SELECT a.id, b.id FROM a LEFT JOIN b ON b.a_id = a.id AND b.y = 5'),
    ).toEqual(
      sorted([
        ['1', '1'],
        ['2', '3'],
        ['3', null],
        ['4', null],
      ]),
    );
    expect(
      await rowSet(s, 'SELECT a.id, b.id FROM a LEFT JOIN b ON b.a_id = a.id WHERE b.y = 5'),
    ).toEqual(
      sorted([
        ['1', '1'],
        ['2', '3'],
      ]),
    );
    expect(
      await rowSet(s, 'SELECT a.id, b.id FROM a LEFT JOIN b ON b.a_id = a.id WHERE b.id IS NULL'),
    ).toEqual(sorted([['4', null]]));
    // A condition on the preserved side inside ON does not filter its rows.
    expect(
      await rowSet(s, 'SELECT a.id, b.id FROM a LEFT JOIN b ON a.x = 20 AND b.a_id = a.id'),
    ).toEqual(
      sorted([
        ['1', null],
        ['2', '3'],
        ['3', null],
        ['4', null],
      ]),
    );
    expect(await rowSet(s, 'SELECT a.id, b.id FROM a LEFT JOIN b ON 1 = 0 WHERE a.id < 3')).toEqual(
      sorted([
        ['1', null],
        ['2', null],
      ]),
    );
  });

  it('keeps RIGHT JOIN, chains and outer joins among comma-joined tables', async () => {
    const s = await graph();
    expect(await rowSet(s, 'SELECT a.id, b.id FROM a RIGHT JOIN b ON b.a_id = a.id')).toEqual(
      sorted([
        ['1', '1'],
        ['1', '2'],
        ['2', '3'],
        [null, '4'],
        ['3', '5'],
        [null, '6'],
      ]),
    );
    expect(
      await rowSet(
        s,
        'SELECT a.id, b.id, c.id FROM a LEFT JOIN b ON b.a_id = a.id LEFT JOIN c ON c.b_id = b.id WHERE a.id <> 1',
      ),
    ).toEqual(
      sorted([
        ['2', '3', '3'],
        ['3', '5', '5'],
        ['4', null, null],
      ]),
    );
    // d, then (a LEFT JOIN b) as one unit: the comma join reorders around it, not into it.
    const q = (from: string) =>
      rowSet(s, `SELECT d.w, a.id, b.id FROM ${from} WHERE d.k = a.tag AND a.id < 4`);
    const expected = sorted([
      ['1', '1', '1'],
      ['1', '1', '2'],
      ['1', '3', '5'],
      ['2', '2', '3'],
    ]);
    expect(await q('d, a LEFT JOIN b ON b.a_id = a.id')).toEqual(expected);
    expect(await q('a LEFT JOIN b ON b.a_id = a.id, d')).toEqual(expected);
    expect(
      await rowSet(s, 'SELECT b.id, c.id FROM b JOIN a ON a.id = b.a_id LEFT JOIN c USING (id)'),
    ).toEqual(
      sorted([
        ['1', '1'],
        ['2', '2'],
        ['3', '3'],
        ['5', '5'],
      ]),
    );
  });
});

/** The key reads and range scans a statement makes (every transaction's, spied on). */
async function reads(s: SqlSession, sql: string): Promise<{ gets: number; scans: number }> {
  const get = vi.spyOn(Transaction.prototype, 'get');
  const scan = vi.spyOn(Transaction.prototype, 'scan');
  // A scan that pushes work to the slices (pushdown-plan.ts) is a scan too.
  const program = vi.spyOn(Transaction.prototype, 'scanProgram');
  try {
    await run(s, sql);
    return {
      gets: get.mock.calls.length,
      scans: scan.mock.calls.length + program.mock.calls.length,
    };
  } finally {
    get.mockRestore();
    scan.mockRestore();
    program.mockRestore();
  }
}

describe('index-lookup joins', () => {
  async function shop(): Promise<SqlSession> {
    const s = await session();
    await run(
      s,
      'CREATE TABLE cust (id INT PRIMARY KEY, name VARCHAR(10), email VARCHAR(20), UNIQUE KEY u_email (email)); ' +
        'CREATE TABLE ord (id INT PRIMARY KEY, cust_id INT, ref VARCHAR(10), total DECIMAL(6,2), KEY k_cust (cust_id)); ' +
        "INSERT INTO cust VALUES (1, 'ann', 'ann@x'), (2, 'bob', 'bob@x'), (3, 'cy', NULL); " +
        "INSERT INTO ord VALUES (10, 1, '1', 5), (11, 1, 'ann@X', 7), (12, 2, '02', 30), (13, NULL, NULL, 1), (14, 9, '3', 2)",
    );
    return s;
  }

  it('looks up the primary key, a unique and a non-unique index per outer row', async () => {
    const s = await shop();
    const byPk =
      'SELECT o.id, c.name FROM ord o JOIN cust c ON c.id = o.cust_id WHERE o.id IN (10, 12, 13, 14)';
    expect(await operators(s, byPk)).toEqual(['Index lookup join', 'Read', 'Lookup']);
    // Four orders by key, then their three distinct non-NULL customers by key: nothing scanned.
    expect(await reads(s, byPk)).toEqual({ gets: 7, scans: 0 });
    expect(await rowSet(s, byPk)).toEqual(
      sorted([
        ['10', 'ann'],
        ['12', 'bob'],
      ]),
    );
    const byIndex = 'SELECT c.name, o.id FROM cust c JOIN ord o ON o.cust_id = c.id WHERE c.id = 1';
    expect(await operators(s, byIndex)).toEqual(['Index lookup join', 'Read', 'Lookup']);
    expect(await rowSet(s, byIndex)).toEqual(
      sorted([
        ['ann', '10'],
        ['ann', '11'],
      ]),
    );
    // The unique index on email, with the collation deciding ('ann@X' = 'ann@x').
    const byUnique =
      'SELECT o.id, c.name FROM ord o JOIN cust c ON c.email = o.ref WHERE o.id = 11';
    expect(await operators(s, byUnique)).toEqual(['Index lookup join', 'Read', 'Lookup']);
    expect(await rowSet(s, byUnique)).toEqual(sorted([['11', 'ann']]));
    // LEFT JOIN by lookup keeps unmatched and NULL-keyed outer rows.
    const left =
      'SELECT o.id, c.name FROM ord o LEFT JOIN cust c ON c.id = o.cust_id WHERE o.id > 11';
    expect(await operators(s, left)).toEqual(['Left index lookup join', 'Read', 'Lookup']);
    expect(await rowSet(s, left)).toEqual(
      sorted([
        ['12', 'bob'],
        ['13', null],
        ['14', null],
      ]),
    );
  });

  it('checks `=` on what the keys found, and reads instead when a value is no key', async () => {
    const s = await shop();
    // ref holds strings: against the INT primary key they compare as numbers ('02' = 2), which
    // a key read cannot follow, so the lookup falls back to a scan and a hash join.
    const q = 'SELECT o.id, c.id FROM ord o JOIN cust c ON c.id = o.ref WHERE o.id IN (10, 12, 14)';
    expect(await operators(s, q)).toEqual(['Index lookup join', 'Read', 'Lookup']);
    expect(await reads(s, q)).toEqual({ gets: 3, scans: 1 });
    expect(await rowSet(s, q)).toEqual(
      sorted([
        ['10', '1'],
        ['12', '2'],
        ['14', '3'],
      ]),
    );
    // 1.5 rounds to the key 2 when fitted to INT, but 1.5 = 2 is false.
    await run(
      s,
      'CREATE TABLE f (id INT PRIMARY KEY, v DECIMAL(3,1)); INSERT INTO f VALUES (1, 1.5), (2, 2.0)',
    );
    expect(
      await rowSet(s, 'SELECT f.id, c.id FROM f JOIN cust c ON c.id = f.v WHERE f.id IN (1, 2)'),
    ).toEqual(sorted([['2', '2']]));
  });

  it('hashes instead when the outer side outgrows the lookup limit', async () => {
    const s = await shop();
    await run(s, 'CREATE TABLE many (id INT PRIMARY KEY, c INT)');
    const values = Array.from({ length: 1200 }, (_, i) => `(${i + 1}, ${(i % 4) + 1})`);
    await run(s, `INSERT INTO many VALUES ${values.join(', ')}`);
    // The range is estimated under the limit; 1200 rows arrive: read cust and hash.
    const q =
      'SELECT c.name, COUNT(*) FROM many m JOIN cust c ON c.id = m.c WHERE m.id BETWEEN 1 AND 1200 GROUP BY c.name';
    expect(await operators(s, q)).toContain('Index lookup join');
    // One range scan of `many` and one scan of cust, no key reads.
    expect(await reads(s, q)).toEqual({ gets: 0, scans: 2 });
    // Under the limit, keys: 4 distinct customers looked up.
    expect(await reads(s, q.replace('1200', '40'))).toEqual({ gets: 4, scans: 1 });
    expect(await rowSet(s, q)).toEqual(
      sorted([
        ['ann', '300'],
        ['bob', '300'],
        ['cy', '300'],
      ]),
    );
  });
});
