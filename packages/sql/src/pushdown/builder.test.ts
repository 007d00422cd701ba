import { describe, expect, it } from 'vitest';
import type { Expr, FuncCall } from '../ast.js';
import { FUNCTIONS } from '../eval/functions/index.js';
import { AGGREGATE_FUNCTIONS } from '../eval/functions/registry.js';
import { NOW_MICROS, exprOf, testContext } from '../eval/testing.js';
import { int } from '../eval/value.js';
import { type PushdownOutput, buildScanProgram, parseExprList } from './builder.js';
import { FUNCTION_CLASSES, PUSHABLE_AGGREGATES } from './determinism.js';
import { decodeProgram } from './program.js';
import { pushdownSettings } from './settings.js';
import { testTable } from './testing.js';

const T = testTable(
  `CREATE TABLE t (id INT PRIMARY KEY, a INT, s VARCHAR(10), r DOUBLE, m DECIMAL(8,2),
     d DATE, f FLOAT)`,
  [],
);
const settings = pushdownSettings(testContext().ctx);

function build(
  filter: readonly string[],
  output: PushdownOutput = { kind: 'rows' },
  params: readonly (ReturnType<typeof int> | null)[] = [],
): { program?: Uint8Array; reason?: string } {
  let reason: string | undefined;
  const spec = buildScanProgram(
    {
      table: T.table,
      settings,
      // One parse, as one statement: `?` numbered across the conjuncts.
      filter: filter.length === 0 ? [] : parseExprList(filter.join(', ')),
      params,
      output,
    },
    (why) => {
      reason = why;
    },
  );
  if (spec !== undefined) expect(spec.processor).toBe('sql');
  return {
    ...(spec === undefined ? {} : { program: spec.program }),
    ...(reason === undefined ? {} : { reason }),
  };
}

const call = (sql: string): FuncCall => {
  const e = exprOf(sql);
  if (e.kind !== 'call') throw new Error('not a call');
  return e;
};
const aggregate = (calls: string[], groupBy: string[] = []): PushdownOutput => ({
  kind: 'aggregate',
  groupBy: groupBy.map(exprOf),
  calls: calls.map(call),
});

describe('what is not pushed', () => {
  const refused: [string, RegExp][] = [
    ['a = (SELECT 1)', /subquery/],
    ['EXISTS (SELECT 1)', /subquery/],
    ['a IN (SELECT 1)', /subquery/],
    ['a > ANY (SELECT 1)', /subquery/],
    ['a = @v', /user variable/],
    ['(@v := a) > 1', /user variable/],
    ['a = @@sql_mode', /system variable/],
    ['a = ?', /parameter without a value/],
    ['d < NOW()', /NOW\(\) reads the clock/],
    ['d < CURDATE()', /reads the clock/],
    ['d < CURRENT_DATE', /reads the clock/],
    ['d < SYSDATE()', /reads the clock/],
    ['d < UTC_DATE()', /reads the clock/],
    ['a < UNIX_TIMESTAMP()', /UNIX_TIMESTAMP\(\) reads the clock/],
    ['r < RAND()', /is random/],
    ['s = UUID()', /is random/],
    ['s = USER()', /session/],
    ['s = CURRENT_USER()', /session/],
    ['s = SESSION_USER()', /session/],
    ['s = SYSTEM_USER()', /session/],
    ['s = DATABASE()', /session/],
    ['s = SCHEMA()', /session/],
    ['a = CONNECTION_ID()', /session/],
    ['a = LAST_INSERT_ID()', /session/],
    ['a = LAST_INSERT_ID(5)', /session/],
    ['a = FOUND_ROWS()', /session/],
    ['a = ROW_COUNT()', /session/],
    ['s = VERSION()', /session/],
    ['SLEEP(1) = 0', /unknown function SLEEP/],
    ['BENCHMARK(1, 1) = 0', /unknown function BENCHMARK/],
    ['GET_LOCK(s, 1) = 1', /unknown function GET_LOCK/],
    ['db1.f(a) = 1', /stored function db1\.f/],
    ['nosuch.a = 1', /Unknown column 'nosuch\.a'/],
    ['zz = 1', /Unknown column 'zz'/],
    ['COUNT(a) > 1', /aggregate COUNT/],
  ];
  for (const [sql, why] of refused) {
    it(sql, () => {
      const got = build([sql]);
      expect(got.program).toBeUndefined();
      expect(got.reason).toMatch(why);
    });
  }

  it('DEFAULT', () => {
    const e: Expr = { kind: 'binary', op: '=', left: exprOf('a'), right: { kind: 'default' } };
    let reason = '';
    expect(
      buildScanProgram({ table: T.table, settings, filter: [e], output: { kind: 'rows' } }, (w) => {
        reason = w;
      }),
    ).toBeUndefined();
    expect(reason).toMatch(/DEFAULT/);
  });

  it('aggregates without a partial state, or summing inexactly', () => {
    expect(build([], aggregate(['COUNT(DISTINCT a)'])).reason).toMatch(/DISTINCT/);
    expect(build([], aggregate(['SUM(DISTINCT a)'])).reason).toMatch(/DISTINCT/);
    expect(build([], aggregate(['GROUP_CONCAT(s)'])).reason).toMatch(/GROUP_CONCAT is not/);
    expect(build([], aggregate(['STD(a)'])).reason).toMatch(/STD is not/);
    expect(build([], aggregate(['SUM(r)'])).reason).toMatch(/DOUBLE values depends/);
    expect(build([], aggregate(['AVG(f)'])).reason).toMatch(/depends on the order/);
    expect(build([], aggregate(['SUM(s)'])).reason).toMatch(/depends on the order/);
    expect(build([], aggregate(['SUM(a + r)'])).reason).toMatch(/depends on the order/);
    expect(build([], aggregate(['MIN(RAND())'])).reason).toMatch(/random/);
    expect(build([], aggregate(['COUNT(*)'], ['NOW()'])).reason).toMatch(/clock/);
    // Exact sums and everything else are pushed.
    expect(
      build(
        [],
        aggregate(['SUM(a)', 'AVG(m)', 'SUM(d)', 'MIN(r)', 'MAX(s)', 'BIT_XOR(a)', 'COUNT(a, s)']),
      ).program,
    ).toBeDefined();
  });

  it('top-N and LIMIT shapes', () => {
    expect(build([], { kind: 'topN', keys: [], n: 3 }).reason).toMatch(/without ORDER BY/);
    expect(
      build([], { kind: 'topN', keys: [{ expr: exprOf('a'), desc: false }], n: 10_000_000 }).reason,
    ).toMatch(/sorted at the gateway/);
    expect(build(['a > 1'], { kind: 'rows', limit: 0 }).reason).toMatch(/LIMIT 0/);
    expect(build([], { kind: 'rows' }).reason).toMatch(/nothing to do/);
  });

  it('a projection naming a column the table lacks', () => {
    let reason = '';
    buildScanProgram(
      {
        table: T.table,
        settings,
        filter: [exprOf('a > 1')],
        project: [99],
        output: { kind: 'rows' },
      },
      (w) => {
        reason = w;
      },
    );
    expect(reason).toMatch(/column id 99/);
  });
});

describe('what is pushed', () => {
  it('deterministic functions over columns, literals of every kind, bound parameters', () => {
    const got = build(
      [
        "CONCAT(s, _utf8mb4'x', X'41', b'1') <> 'q'",
        "d > DATE '2024-01-01' + INTERVAL 1 DAY",
        'a BETWEEN ? AND ?',
        "s COLLATE utf8mb4_bin LIKE 'a%' ESCAPE '!'",
        'CAST(s AS DECIMAL(10,2)) > 1.50 AND r > 1e3 AND -(5) < a',
        "TRIM(LEADING 'x' FROM s) = 'y'",
        'TIMESTAMPDIFF(DAY, d, d) = 0',
        'UNIX_TIMESTAMP(d) > 0 AND FROM_UNIXTIME(a) IS NOT NULL',
        "JSON_EXTRACT(s, '$.a') = 1 OR s->>'$.b' = 'c'",
        'CASE a WHEN 1 THEN s ELSE NULL END IS NULL',
        'EXTRACT(YEAR FROM d) = 2024',
        '(a, s) IN ((1, ?), (2, ?))',
      ],
      { kind: 'rows' },
      [int(1), int(5), int(7), int(8)],
    );
    expect(got.reason).toBeUndefined();
    const program = decodeProgram(got.program ?? new Uint8Array());
    // Parameters in the order of the text's `?`.
    expect(program.params).toEqual([int(1), int(5), int(7), int(8)]);
    expect(program.filters).toBe(12);
    // Only the columns read travel (id is not read).
    expect(program.columns.map((c) => c.name)).toEqual(['a', 's', 'r', 'd']);
    expect(program.settings.todayMicros).toBe(NOW_MICROS - (NOW_MICROS % 86_400_000_000n));
  });

  it('renumbers parameters by where they stand in the shipped text', () => {
    const got = build(['a = ?', 's = ?'], { kind: 'rows' }, [null, int(9)]);
    // The caller's `?` 0 and 1 (a statement may number them anywhere).
    const e1: Expr = {
      kind: 'binary',
      op: '=',
      left: exprOf('a'),
      right: { kind: 'param', index: 3 },
    };
    const e2: Expr = {
      kind: 'binary',
      op: '=',
      left: exprOf('s'),
      right: { kind: 'param', index: 1 },
    };
    const spec = buildScanProgram({
      table: T.table,
      settings,
      filter: [e1, e2],
      params: [null, int(1), null, int(3)],
      output: { kind: 'rows' },
    });
    expect(decodeProgram(spec?.program ?? new Uint8Array()).params).toEqual([int(3), int(1)]);
    expect(decodeProgram(got.program ?? new Uint8Array()).params).toEqual([null, int(9)]);
  });
});

describe('the function allow-list', () => {
  it('classifies every function of the registry, and nothing else', () => {
    const registered = [...FUNCTIONS.keys()].sort();
    expect([...FUNCTION_CLASSES.keys()].sort()).toEqual(registered);
  });

  it('pushes only pure functions; aggregates only as the program calls', () => {
    const impure =
      `NOW CURRENT_TIMESTAMP LOCALTIME LOCALTIMESTAMP SYSDATE CURDATE CURRENT_DATE CURTIME
      CURRENT_TIME UTC_TIMESTAMP UTC_DATE UTC_TIME RAND UUID USER CURRENT_USER SESSION_USER
      SYSTEM_USER DATABASE SCHEMA CONNECTION_ID LAST_INSERT_ID FOUND_ROWS ROW_COUNT VERSION`
        .split(/\s+/)
        .filter((n) => n !== '');
    for (const name of impure) expect(FUNCTION_CLASSES.get(name), name).not.toBe('pure');
    const pureCount = [...FUNCTION_CLASSES.values()].filter((c) => c === 'pure').length;
    expect(pureCount).toBe(FUNCTION_CLASSES.size - impure.length);
    for (const name of PUSHABLE_AGGREGATES) expect(AGGREGATE_FUNCTIONS.has(name)).toBe(true);
  });
});
