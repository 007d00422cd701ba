// Scan pushdown on the data node: ns per row the 'sql' processor spends on sysbench-like rows
// (`tsx bench/pushdown.ts`), next to what the gateway spends reading every column of a row
// (decodeRow + fromRowValue, the executor's read) — the work pushdown moves, not a test.
// Wall-clock use is fine here (bench/ is not engine code).

import { exprOf, seededRandom, testContext } from '../src/eval/testing.js';
import type { FuncCall } from '../src/ast.js';
import { decodeRow } from '../src/encoding/row-codec.js';
import { fromRowValue } from '../src/engine/column-values.js';
import { buildScanProgram, pushdownSettings, sqlScanProcessor } from '../src/pushdown/index.js';
import type { PushdownOutput } from '../src/pushdown/index.js';
import { testTable } from '../src/pushdown/testing.js';

const ROWS = 20_000;
const rnd = seededRandom(1);
const letters = 'abcdefghijklmnopqrstuvwxyz0123456789-';
const text = (n: number) =>
  Array.from({ length: n }, () => letters[Math.floor(rnd() * letters.length)]).join('');
const T = testTable(
  `CREATE TABLE sbtest1 (id INT UNSIGNED NOT NULL, k INT UNSIGNED NOT NULL DEFAULT 0,
     c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', price DECIMAL(10,2),
     created DATETIME, PRIMARY KEY (id))`,
  Array.from({ length: ROWS }, (_, i) => ({
    id: BigInt(i),
    k: BigInt(Math.floor(rnd() * 1000)),
    c: text(119),
    pad: text(59),
    price: (rnd() * 1000).toFixed(2),
    created: `2024-0${1 + Math.floor(rnd() * 9)}-1${Math.floor(rnd() * 9)} 12:00:00`,
  })),
);
const settings = pushdownSettings(testContext().ctx);
const call = (sql: string) => exprOf(sql) as FuncCall;

const CASES: [string, readonly string[], PushdownOutput, readonly number[] | undefined][] = [
  ['k < 100, all columns (10% pass)', ['k < 100'], { kind: 'rows' }, undefined],
  ['k < 100, project id, k', ['k < 100'], { kind: 'rows' }, [1, 2]],
  ["c LIKE 'a%' (3% pass)", ["c LIKE 'a%'"], { kind: 'rows' }, [1]],
  ["created >= '2024-05-01'", ["created >= '2024-05-01'"], { kind: 'rows' }, [1]],
  [
    'top 10 by price',
    [],
    { kind: 'topN', keys: [{ expr: exprOf('price'), desc: true }], n: 10 },
    [1, 5],
  ],
  [
    'GROUP BY k: COUNT, SUM(price), MAX(c)',
    [],
    {
      kind: 'aggregate',
      groupBy: [exprOf('k')],
      calls: ['COUNT(*)', 'SUM(price)', 'MAX(c)'].map(call),
    },
    [1, 2],
  ],
];

function nsPerRow(run: () => void): number {
  for (let i = 0; i < 3; i++) run();
  const start = performance.now();
  let reps = 0;
  while (performance.now() - start < 1500) {
    run();
    reps++;
  }
  return ((performance.now() - start) * 1e6) / (reps * ROWS);
}

const baseline = nsPerRow(() => {
  for (const r of T.rows) {
    const stored = decodeRow(r.value);
    for (const c of T.table.columns) fromRowValue(stored.get(c.id), c);
  }
});
console.log(
  `${'gateway read of every column (no pushdown)'.padEnd(44)} ${baseline.toFixed(0).padStart(6)} ns/row`,
);

for (const [name, where, output, project] of CASES) {
  const spec = buildScanProgram({
    table: T.table,
    settings,
    filter: where.map(exprOf),
    ...(project === undefined ? {} : { project }),
    output,
  });
  if (spec === undefined) throw new Error(`not pushed: ${name}`);
  const processor = sqlScanProcessor();
  let outputs = 0;
  let bytes = 0;
  const ns = nsPerRow(() => {
    const run = processor.open(spec.program);
    for (const r of T.rows) run.row(r.key, r.value);
    const out = run.finish();
    outputs = out.length;
    bytes = out.reduce((n, o) => n + o.key.length + o.value.length, 0);
  });
  const raw = T.rows.reduce((n, r) => n + r.key.length + r.value.length, 0);
  console.log(
    `${name.padEnd(44)} ${ns.toFixed(0).padStart(6)} ns/row   ${String(outputs).padStart(6)} outputs, ${((100 * bytes) / raw).toFixed(1)}% of the bytes`,
  );
}
