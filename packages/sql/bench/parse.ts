// Parse throughput: µs per statement for representative shapes. A benchmark, not a test:
// `npm run bench -w @tessera/sql`. Wall-clock use is fine here (bench/ is not engine code).

import { parse } from '../src/index.js';

const CASES: readonly (readonly [string, string])[] = [
  ['point select', 'SELECT * FROM t WHERE id = 42'],
  ['point select, prepared', 'SELECT c1, c2 FROM db.t WHERE id = ?'],
  [
    'insert, 4 rows',
    "INSERT INTO sbtest1 (id, k, c, pad) VALUES (1, 10, 'aaa', 'bbb'), (2, 20, 'ccc', 'ddd'), (3, 30, 'eee', 'fff'), (4, 40, 'ggg', 'hhh')",
  ],
  [
    'join + group by',
    'SELECT o.customer_id, COUNT(*) AS n, SUM(l.price * l.qty) AS total FROM orders o JOIN order_lines l ON l.order_id = o.id LEFT JOIN customers c ON c.id = o.customer_id WHERE o.created_at >= ? AND c.region IN (1, 2, 3) GROUP BY o.customer_id HAVING total > 100 ORDER BY total DESC LIMIT 10',
  ],
  ['sysbench range', 'SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c'],
  ['update', 'UPDATE sbtest1 SET k = k + 1 WHERE id = ?'],
  [
    'create table',
    "CREATE TABLE IF NOT EXISTS sbtest1 (id INT UNSIGNED NOT NULL AUTO_INCREMENT, k INT UNSIGNED NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', created TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3), PRIMARY KEY (id), KEY k_1 (k)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 SLICES=8",
  ],
  ['set names', "SET NAMES 'utf8mb4' COLLATE 'utf8mb4_general_ci'"],
];

const WARMUP_MS = 300;
const MEASURE_MS = 1000;

function measure(sql: string): number {
  const warmEnd = performance.now() + WARMUP_MS;
  while (performance.now() < warmEnd) for (let i = 0; i < 1000; i++) parse(sql);
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < MEASURE_MS) {
    for (let i = 0; i < 1000; i++) parse(sql);
    ops += 1000;
    now = performance.now();
  }
  return ((now - start) * 1000) / ops;
}

console.log('statement                      µs/op');
for (const [name, sql] of CASES) {
  const us = measure(sql);
  console.log(`${name.padEnd(30)} ${us.toFixed(2)}`);
}
