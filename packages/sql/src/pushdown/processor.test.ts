import { describe, expect, it } from 'vitest';
import type { RowValue } from '../encoding/row-codec.js';
import { seededRandom } from '../eval/testing.js';
import { int, str } from '../eval/value.js';
import { collations } from '../encoding/key-codec.js';
import { decodeScanOutput } from './output.js';
import { sqlScanProcessor } from './processor.js';
import {
  type PushedAnswer,
  type TestQuery,
  type TestTable,
  pushed,
  reference,
  testTable,
} from './testing.js';

const CREATE = `CREATE TABLE items (
  id INT PRIMARY KEY,
  name VARCHAR(20),
  bname VARCHAR(20) COLLATE utf8mb4_bin,
  code VARBINARY(8),
  qty INT,
  price DECIMAL(10,2),
  ratio DOUBLE,
  txt VARCHAR(20),
  d DATE,
  dt DATETIME(3),
  tm TIME,
  j JSON,
  flags BIGINT UNSIGNED
)`;

/** 60 rows of mixed values, NULLs, case and accent variants, numeric and non-numeric text. */
function rows(): Record<string, RowValue>[] {
  const rnd = seededRandom(2024);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const out: Record<string, RowValue>[] = [];
  for (let i = 0; i < 60; i++) {
    out.push({
      id: BigInt(i),
      name: pick(['a', 'A', 'á', 'b', 'B', 'c', 'abc', null]),
      bname: pick(['a', 'A', 'b', null]),
      code: pick([Uint8Array.of(0x61), Uint8Array.of(0x41), Uint8Array.of(0x62, 0), null]),
      qty: pick([0n, 1n, 2n, 3n, -5n, 100n, null]),
      price: pick(['1.50', '1.5', '2.00', '0.10', '-3.25', '100.00', null]),
      ratio: pick([0.1, 0.2, 1.5, -0, 2, 1e20, null]),
      txt: pick(['12', 'abc', '3.5x', ' 7', '0', '', '1e2', null]),
      d: pick(['2024-01-01', '2024-03-15', '2023-12-31', '2024-02-29', null]),
      dt: pick([
        '2024-03-15 10:00:00.000',
        '2024-03-15 23:59:59.999',
        '2024-01-01 00:00:00.500',
        null,
      ]),
      tm: pick(['10:20:30', '23:00:00', '-01:00:00', '00:00:00', null]),
      j: pick(['{"a": 1}', '{"a": "x"}', '[1, 2]', 'null', null]),
      flags: pick([0n, 1n, 6n, 18446744073709551615n, null]),
    });
  }
  return out;
}

const T: TestTable = testTable(CREATE, rows());

/** Runs `q` both ways and checks the same rows and warnings come out. */
function same(q: TestQuery, budget = 7): PushedAnswer {
  const want = reference(T, q);
  const got = pushed(T, q, sqlScanProcessor(), budget);
  if ('refused' in got) throw new Error(`refused (${got.at}): ${got.refused}`);
  expect(got.rows).toEqual(want.rows);
  expect(got.warnings).toEqual(want.warnings);
  return got;
}

describe('rows: filters and projections on the node', () => {
  const filters: [string, string[]][] = [
    ['collation: a = A under _ci', ["name = 'a'"]],
    ['binary collation column', ["bname = 'a'"]],
    ['binary column', ["code = 'a'"]],
    ['LIKE under _ci', ["name LIKE 'A%'"]],
    ['int vs string number', ["qty > '1'"]],
    ['decimal vs int vs double', ['price >= qty', 'ratio < price + 1']],
    ['decimal equality keeps value (1.5 = 1.50)', ['price = 1.5']],
    ['double vs decimal literal', ['ratio = 0.1']],
    ['unsigned bits', ['flags & 2 <> 0']],
    ['dates vs strings', ["d > '2024-01-01'", "dt < '2024-03-15 12:00'"]],
    ['TIME vs DATETIME takes today', ['tm < dt']],
    ['CAST to DATETIME of a TIME', ["CAST(tm AS DATETIME) > '2024-03-15 09:00:00'"]],
    ['JSON', ["j->'$.a' = 1"]],
    ['IS NULL / IS NOT NULL', ['name IS NULL OR qty IS NOT NULL']],
    ['IN with NULL', ['qty IN (1, 2, NULL)']],
    ['string functions', ["UPPER(name) = 'ABC' OR CONCAT(name, bname) = 'aA'"]],
    ['date functions', ['YEAR(d) = 2024', "DATE_FORMAT(dt, '%H') = '23'"]],
  ];
  for (const [what, where] of filters) {
    it(what, () => {
      const got = same({ where, output: { kind: 'rows' } });
      // Clean filters never need the gateway's help.
      expect(got.counts.residual).toBe(0);
      expect(got.counts.row).toBe(got.rows.length);
    });
  }

  it('sends a row back residual when a filter warns on it (txt + 0 over non-numeric text)', () => {
    const got = same({ where: ['txt + 0 > 1'], output: { kind: 'rows' } });
    expect(got.warnings.length).toBeGreaterThan(0);
    expect(got.warnings[0]).toMatch(/^1292 Truncated incorrect DOUBLE value/);
    expect(got.counts.residual).toBeGreaterThan(0);
  });

  it('division by zero is a residual row, its warning raised once at the gateway', () => {
    const got = same({ where: ['price / qty > 0'], output: { kind: 'rows' } });
    expect(got.warnings.some((w) => w.startsWith('1365'))).toBe(true);
    expect(got.counts.residual).toBeGreaterThan(0);
  });

  it('CAST warnings make residual rows', () => {
    const got = same({ where: ['CAST(txt AS SIGNED) > 0'], output: { kind: 'rows' } });
    expect(got.warnings.length).toBeGreaterThan(0);
    expect(got.counts.residual).toBeGreaterThan(0);
  });

  it('an error on a row (1690 overflow) is left to the gateway', () => {
    const q: TestQuery = { where: ['qty > 0', 'flags + 1 > 0'], output: { kind: 'rows' } };
    // The reference fails on the first overflowing row; so does the pushed read at the gateway.
    expect(() => reference(T, q)).toThrow(/out of range/);
    expect(() => pushed(T, q, sqlScanProcessor())).toThrow(/out of range/);
  });

  it('evaluates every conjunct before dropping: a later warning keeps the row residual', () => {
    // qty = 999 is cleanly FALSE everywhere, but txt + 0 warns on some rows: those come back.
    const got = same({ where: ['qty = 999', 'txt + 0 > 1'], output: { kind: 'rows' } });
    expect(got.rows).toEqual([]);
    expect(got.counts.residual).toBeGreaterThan(0);
    expect(got.warnings).toEqual([]); // the gateway's short-circuit meets qty = 999 first
  });

  it('binds parameters', () => {
    const got = same({
      where: ['qty >= ?', 'name = ?'],
      params: [int(1), str('A', collations.utf8mb4_0900_ai_ci)],
      output: { kind: 'rows' },
    });
    expect(got.rows.length).toBeGreaterThan(0);
    expect(got.counts.residual).toBe(0);
  });

  it('stops after LIMIT passing rows, residual rows not counted', () => {
    const got = same({ where: ['txt + 0 >= 0'], output: { kind: 'rows', limit: 5 } }, 100);
    expect(got.rows).toHaveLength(5);
    expect(got.trace.examined).toBeLessThan(T.rows.length);
    const clean = same({ where: ["name = 'a'"], output: { kind: 'rows', limit: 3 } }, 100);
    expect(clean.trace.requests).toBe(1);
  });

  it('projects: rows carry the asked columns plus those the filters read', () => {
    const got = same({ where: ['qty > 0'], project: ['id', 'name'], output: { kind: 'rows' } });
    expect(got.rows.length).toBeGreaterThan(0);
    const proc = sqlScanProcessor();
    const res = pushed(
      T,
      { where: ['qty > 0'], project: ['id', 'name'], output: { kind: 'rows' } },
      proc,
    );
    if ('refused' in res) throw new Error(res.refused);
    const first = res.trace.outputs[0];
    if (first === undefined) throw new Error('no output');
    const out = decodeScanOutput(first.value);
    if (out.kind !== 'row') throw new Error(out.kind);
    // id (1), name (2), qty (5): nothing else.
    expect(out.row.length).toBeLessThan(T.rows[0]?.value.length ?? 0);
  });

  it('gives the same answer whatever the request size', () => {
    for (const budget of [1, 2, 5, 1000]) {
      same({ where: ['txt + 0 > 1', "name <> 'zz'"], output: { kind: 'rows' } }, budget);
    }
  });
});

describe('topN: the n best rows per request', () => {
  const cases: [string, TestQuery][] = [
    [
      'decimal DESC, id',
      {
        output: {
          kind: 'topN',
          keys: [
            ['price', true],
            ['id', false],
          ],
          n: 5,
        },
      },
    ],
    ['ties under _ci keep scan order', { output: { kind: 'topN', keys: [['name', false]], n: 7 } }],
    ['NULLs first ascending', { output: { kind: 'topN', keys: [['qty', false]], n: 10 } }],
    ['NULLs last descending', { output: { kind: 'topN', keys: [['d', true]], n: 10 } }],
    ['with a filter', { where: ['qty > 0'], output: { kind: 'topN', keys: [['dt', true]], n: 4 } }],
    ['an expression key', { output: { kind: 'topN', keys: [['price * qty', false]], n: 6 } }],
    ['a key that warns', { output: { kind: 'topN', keys: [['txt + 0', true]], n: 3 } }],
    [
      'a filter that warns',
      { where: ['txt + 0 > 1'], output: { kind: 'topN', keys: [['id', true]], n: 3 } },
    ],
    ['binary key', { output: { kind: 'topN', keys: [['code', false]], n: 8 } }],
  ];
  for (const [what, q] of cases) {
    it(what, () => {
      for (const budget of [3, 7, 100]) same(q, budget);
    });
  }

  it('sends back at most n rows per request, plus residual ones', () => {
    const got = same({ output: { kind: 'topN', keys: [['price', false]], n: 2 } }, 10);
    expect(got.counts.row).toBeLessThanOrEqual(2 * got.trace.requests);
    expect(got.counts.residual).toBe(0);
  });

  it('refuses at run time keys that mix types (the gateway reads without the program)', () => {
    const got = pushed(
      T,
      { output: { kind: 'topN', keys: [['IF(qty > 1, name, qty)', false]], n: 3 } },
      sqlScanProcessor(),
    );
    if (!('refused' in got)) throw new Error('ran');
    expect(got.at).toBe('run');
    expect(got.refused).toMatch(/ORDER BY mixes (number|text)/);
  });
});

describe('aggregate: partial states per group', () => {
  const cases: [string, TestQuery][] = [
    [
      'COUNT(*) without GROUP BY',
      { output: { kind: 'aggregate', groupBy: [], calls: ['COUNT(*)'] } },
    ],
    [
      'no rows, no GROUP BY: one empty group',
      {
        where: ['qty = 12345'],
        output: { kind: 'aggregate', groupBy: [], calls: ['COUNT(*)', 'SUM(qty)', 'MIN(name)'] },
      },
    ],
    [
      'GROUP BY a _ci column: first row and MIN / MAX ties as without pushdown',
      {
        output: {
          kind: 'aggregate',
          groupBy: ['name'],
          calls: [
            'COUNT(*)',
            'COUNT(txt)',
            'SUM(qty)',
            'AVG(price)',
            'MIN(bname)',
            'MAX(name)',
            'MIN(dt)',
            'MAX(d)',
          ],
        },
      },
    ],
    [
      'GROUP BY two expressions',
      {
        output: {
          kind: 'aggregate',
          groupBy: ['bname', 'YEAR(d)'],
          calls: ['SUM(price)', 'BIT_OR(flags)', 'BIT_AND(qty)', 'BIT_XOR(flags)'],
        },
      },
    ],
    [
      'numeric group keys: 1.5 and 1.50 are one group',
      {
        output: {
          kind: 'aggregate',
          groupBy: ['price'],
          calls: ['COUNT(*)', 'MAX(ratio)', 'MIN(code)'],
        },
      },
    ],
    [
      'residual rows from a warning filter interleave with groups',
      {
        where: ['txt + 0 >= 0'],
        output: {
          kind: 'aggregate',
          groupBy: ['name'],
          calls: ['COUNT(*)', 'MIN(name)', 'MAX(bname)', 'SUM(qty)'],
        },
      },
    ],
    [
      'residual rows from a warning group key',
      { output: { kind: 'aggregate', groupBy: ['txt + 0'], calls: ['COUNT(*)', 'MIN(name)'] } },
    ],
    [
      'residual rows from a warning argument',
      {
        output: {
          kind: 'aggregate',
          groupBy: ['bname'],
          calls: ['MAX(CAST(txt AS SIGNED))', 'COUNT(*)'],
        },
      },
    ],
    [
      'SUM / AVG of temporals and of exact expressions',
      {
        output: {
          kind: 'aggregate',
          groupBy: ['bname'],
          calls: ['SUM(d)', 'AVG(price * 2)', 'SUM(qty DIV 2)'],
        },
      },
    ],
    [
      'BIT_OR of text is added at the gateway',
      { output: { kind: 'aggregate', groupBy: [], calls: ['BIT_OR(txt)'] } },
    ],
  ];
  for (const [what, q] of cases) {
    it(what, () => {
      for (const budget of [1, 4, 13, 1000]) same(q, budget);
    });
  }

  it('a residual row ends the open groups: equal MIN values keep the earliest', () => {
    // MIN(name) over 'b', 'A' (residual: its filter warns), 'a': 'A' is the minimum first met;
    // 'a' equals it under _ci and comes later. Merging one segment holding 'b' and 'a' after the
    // residual row would answer 'a'.
    const t = testTable('CREATE TABLE g (id INT PRIMARY KEY, name VARCHAR(5), txt VARCHAR(5))', [
      { id: 1n, name: 'b', txt: '1' },
      { id: 2n, name: 'A', txt: 'x' },
      { id: 3n, name: 'a', txt: '1' },
    ]);
    const q: TestQuery = {
      where: ['txt + 0 >= 0'],
      output: { kind: 'aggregate', groupBy: [], calls: ['MIN(name)', 'MAX(name)'] },
    };
    const want = reference(t, q);
    expect(want.rows[0]).toMatch(/\|\| string:A \| string:b$/);
    const got = pushed(t, q, sqlScanProcessor(), 10);
    if ('refused' in got) throw new Error(got.refused);
    expect(got.rows).toEqual(want.rows);
    expect(got.warnings).toEqual(want.warnings);
    expect(got.counts).toEqual({ row: 0, residual: 1, group: 2 });
  });

  it('merges to fewer outputs than rows', () => {
    const got = same(
      { output: { kind: 'aggregate', groupBy: ['bname'], calls: ['COUNT(*)'] } },
      1000,
    );
    expect(got.counts.group).toBe(got.rows.length);
    expect(got.counts.residual).toBe(0);
  });

  it('MIN / MAX of mixed types refuse at run time', () => {
    const got = pushed(
      T,
      { output: { kind: 'aggregate', groupBy: [], calls: ['MIN(IF(qty > 1, name, qty))'] } },
      sqlScanProcessor(),
    );
    if (!('refused' in got)) throw new Error('ran');
    expect(got.at).toBe('run');
    expect(got.refused).toMatch(/MIN \/ MAX mixes/);
  });
});

describe('reverse scans', () => {
  it('treat the order rows arrive in as scan order', () => {
    const reversed: TestTable = { ...T, rows: [...T.rows].reverse() };
    const queries: TestQuery[] = [
      { where: ['txt + 0 > 1'], output: { kind: 'rows', limit: 4 } },
      { output: { kind: 'topN', keys: [['name', false]], n: 5 } },
      {
        where: ['txt + 0 >= 0'],
        output: { kind: 'aggregate', groupBy: ['name'], calls: ['MIN(bname)', 'COUNT(*)'] },
      },
    ];
    for (const q of queries) {
      const want = reference(reversed, q);
      const got = pushed(reversed, q, sqlScanProcessor(), 5);
      if ('refused' in got) throw new Error(got.refused);
      expect(got.rows).toEqual(want.rows);
      expect(got.warnings).toEqual(want.warnings);
    }
  });
});

describe('the program cache', () => {
  it('compiles the same bytes once, and keeps a bounded number', () => {
    const proc = sqlScanProcessor({ cacheEntries: 2 });
    const q = (n: number): TestQuery => ({ where: [`qty > ${n}`], output: { kind: 'rows' } });
    const a = pushed(T, q(1), proc, 10);
    if ('refused' in a) throw new Error(a.refused);
    // Six requests, one compile.
    expect(a.trace.requests).toBe(6);
    expect(proc.stats).toEqual({ compiled: 1, cached: 5 });
    pushed(T, q(2), proc, 60);
    pushed(T, q(3), proc, 60);
    expect(proc.stats.compiled).toBe(3);
    pushed(T, q(2), proc, 60); // still cached (the two newest)
    expect(proc.stats.compiled).toBe(3);
    pushed(T, q(1), proc, 60); // evicted
    expect(proc.stats.compiled).toBe(4);
  });
});
