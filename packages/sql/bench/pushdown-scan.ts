// Pushdown end to end in the engine: CPU ms per statement of `SqlSession` over the local data
// layer (slices in this process, no wire, no Raft) for scan shapes, with `tessera_pushdown`
// OFF and ON, and the rows the slices sent back per statement. The two sessions share one
// store and run interleaved in blocks, so a loaded machine slows them alike. In one process the
// node's work and the gateway's add up on one CPU: what this shows is the work saved by not
// decoding, copying and evaluating rows at the gateway; across machines the bytes not sent are
// the larger part. A benchmark, not a test:
// `npx tsx bench/pushdown-scan.ts [--rows 20000] [--blocks 5] [--per-block 4]`.

import { Transaction } from '@tessera/txn';
import { SqlSession } from '../src/engine/session.js';
import type { StatementOutcome } from '../src/engine/session.js';
import { localData } from '../src/engine/test/local-data.js';
import { MemoryCatalog } from '../src/engine/test/memory-catalog.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const ROWS = option('rows', 20_000);
const BLOCKS = option('blocks', 5);
const PER_BLOCK = option('per-block', 4);

async function text(s: SqlSession, sql: string): Promise<StatementOutcome> {
  let last: StatementOutcome | undefined;
  for await (const o of s.execute(sql, false)) last = o;
  if (last === undefined || last.kind === 'error')
    throw new Error(`${sql}: ${JSON.stringify(last)}`);
  return last;
}

const SHAPES: readonly (readonly [string, string])[] = [
  ['filter 1 %', 'SELECT id, c FROM sbtest1 WHERE k < 200'],
  ['COUNT(*) filtered', 'SELECT COUNT(*) FROM sbtest1 WHERE k < 10000'],
  ['GROUP BY k % 10', 'SELECT k % 10, COUNT(*), SUM(k), MAX(id) FROM sbtest1 GROUP BY 1'],
  ['ORDER BY k LIMIT 10', 'SELECT id, k, c FROM sbtest1 ORDER BY k LIMIT 10'],
  ['LIMIT 10', 'SELECT id, c FROM sbtest1 WHERE k > 5 LIMIT 10'],
];

async function main(): Promise<void> {
  const catalog = new MemoryCatalog([{ id: 1, zone: 'a', state: 'up' }]);
  const data = await localData(16);
  let connection = 0;
  const session = () =>
    new SqlSession({
      catalog,
      connectionId: ++connection,
      user: 'root',
      host: 'localhost',
      account: { user: 'root', host: '%', usedPassword: true },
      makeCredential: () => Promise.reject(new Error('no accounts in this benchmark')),
      nowMicros: () => 1_767_225_600_000_000n,
      random: () => 0.25,
      data,
    });
  const off = session();
  const on = session();
  await text(off, 'CREATE DATABASE sb');
  for (const s of [off, on]) await text(s, 'USE sb');
  await text(
    off,
    "CREATE TABLE sbtest1 (id INTEGER NOT NULL, k INTEGER DEFAULT '0' NOT NULL, c CHAR(120) DEFAULT '' NOT NULL, pad CHAR(60) DEFAULT '' NOT NULL, PRIMARY KEY (id)) SLICES = 8",
  );
  for (let i = 1; i <= ROWS; i += 500) {
    const rows = [];
    for (let id = i; id < Math.min(i + 500, ROWS + 1); id++) {
      rows.push(`(${id}, ${(id * 7919) % ROWS}, '${'c'.repeat(119)}', '${'p'.repeat(59)}')`);
    }
    await text(off, `INSERT INTO sbtest1 (id, k, c, pad) VALUES ${rows.join(',')}`);
  }
  await text(off, 'SET tessera_pushdown = OFF');

  // Rows the slices sent back: plain scans answer every row, programs their outputs.
  // (Wrapped and called with the transaction as `this`.)
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const scan = Transaction.prototype.scan;
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const program = Transaction.prototype.scanProgram;
  let sent = 0;
  Transaction.prototype.scan = async function (...args) {
    const rows = await scan.apply(this, args);
    sent += rows.length;
    return rows;
  };
  Transaction.prototype.scanProgram = async function (...args) {
    const rows = await program.apply(this, args);
    sent += rows?.length ?? 0;
    return rows;
  };

  console.log(`pushdown-scan: ${ROWS} rows in 8 slices, ${BLOCKS} blocks x ${PER_BLOCK} runs`);
  console.log('shape                 off ms/stmt  on ms/stmt  ratio  rows sent off / on');
  for (const [name, sql] of SHAPES) {
    const cpu = { off: 0, on: 0 };
    const rows = { off: 0, on: 0 };
    for (let b = 0; b < BLOCKS; b++) {
      for (const [which, s] of [
        ['off', off],
        ['on', on],
      ] as const) {
        sent = 0;
        const start = process.cpuUsage();
        for (let i = 0; i < PER_BLOCK; i++) await text(s, sql);
        const used = process.cpuUsage(start);
        cpu[which] += (used.user + used.system) / 1000;
        rows[which] += sent;
      }
    }
    const n = BLOCKS * PER_BLOCK;
    const perOff = cpu.off / n;
    const perOn = cpu.on / n;
    console.log(
      `${name.padEnd(21)} ${perOff.toFixed(2).padStart(11)} ${perOn.toFixed(2).padStart(11)} ${(perOn / perOff).toFixed(2).padStart(6)}  ${String(rows.off / n).padStart(8)} / ${rows.on / n}`,
    );
  }
}

await main();
