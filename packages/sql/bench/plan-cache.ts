// The plan caches on sysbench's point select and range select: CPU µs per statement of
// `SqlSession` over the local data layer (no wire, no Raft), for the text statement (COM_QUERY)
// with the shape cache off (`tessera_plan_cache_size = 0`) and on, and for the prepared
// statement (COM_STMT_EXECUTE). The variants run interleaved in blocks, so a loaded machine
// slows them alike. A benchmark, not a test: `npx tsx bench/plan-cache.ts [--rows 1000]
// [--blocks 20] [--per-block 500]`. process.cpuUsage is fine here (bench/ is not engine code).

import { SqlSession } from '../src/engine/session.js';
import type { StatementOutcome } from '../src/engine/session.js';
import { localData } from '../src/engine/test/local-data.js';
import { MemoryCatalog } from '../src/engine/test/memory-catalog.js';
import { int } from '../src/eval/value.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const ROWS = option('rows', 1000);
const BLOCKS = option('blocks', 20);
const PER_BLOCK = option('per-block', 500);

async function newSession(): Promise<SqlSession> {
  return new SqlSession({
    catalog: new MemoryCatalog([{ id: 1, zone: 'a', state: 'up' }]),
    connectionId: 1,
    user: 'root',
    host: 'localhost',
    account: { user: 'root', host: '%', usedPassword: true },
    makeCredential: () => Promise.reject(new Error('no accounts in this benchmark')),
    nowMicros: () => 1_767_225_600_000_000n,
    random: () => 0.25,
    data: await localData(8),
  });
}

async function text(s: SqlSession, sql: string): Promise<StatementOutcome> {
  let last: StatementOutcome | undefined;
  for await (const o of s.execute(sql, false)) last = o;
  if (last === undefined || last.kind === 'error')
    throw new Error(`${sql}: ${JSON.stringify(last)}`);
  return last;
}

async function setup(s: SqlSession): Promise<void> {
  await text(s, 'CREATE DATABASE sb');
  await text(s, 'USE sb');
  await text(
    s,
    "CREATE TABLE sbtest1 (id INTEGER NOT NULL AUTO_INCREMENT, k INTEGER DEFAULT '0' NOT NULL, c CHAR(120) DEFAULT '' NOT NULL, pad CHAR(60) DEFAULT '' NOT NULL, PRIMARY KEY (id))",
  );
  for (let i = 1; i <= ROWS; i += 500) {
    const rows = [];
    for (let id = i; id < Math.min(i + 500, ROWS + 1); id++) {
      rows.push(`(${id}, ${(id * 7919) % ROWS}, '${'c'.repeat(119)}', '${'p'.repeat(59)}')`);
    }
    await text(s, `INSERT INTO sbtest1 (id, k, c, pad) VALUES ${rows.join(',')}`);
  }
  await text(s, 'CREATE INDEX k_1 ON sbtest1(k)');
}

interface Variant {
  readonly name: string;
  readonly run: (id: number) => Promise<unknown>;
  cpuUs: number;
  count: number;
}

async function main(): Promise<void> {
  const off = await newSession();
  const on = await newSession();
  const prepared = await newSession();
  for (const s of [off, on, prepared]) await setup(s);
  await text(off, 'SET tessera_plan_cache_size = 0');
  await prepared.prepare(1, 'SELECT c FROM sbtest1 WHERE id=?');
  await prepared.prepare(2, 'SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ?');
  const point = (id: number) => `SELECT c FROM sbtest1 WHERE id=${id}`;
  const range = (id: number) => `SELECT c FROM sbtest1 WHERE id BETWEEN ${id} AND ${id + 99}`;
  const variants: Variant[] = [
    { name: 'point, text, cache off', run: (id) => text(off, point(id)), cpuUs: 0, count: 0 },
    { name: 'point, text, cache on', run: (id) => text(on, point(id)), cpuUs: 0, count: 0 },
    {
      name: 'point, prepared',
      run: (id) => prepared.executePrepared(1, [int(id)]),
      cpuUs: 0,
      count: 0,
    },
    { name: 'range, text, cache off', run: (id) => text(off, range(id)), cpuUs: 0, count: 0 },
    { name: 'range, text, cache on', run: (id) => text(on, range(id)), cpuUs: 0, count: 0 },
    {
      name: 'range, prepared',
      run: (id) => prepared.executePrepared(2, [int(id), int(id + 99)]),
      cpuUs: 0,
      count: 0,
    },
  ];
  let seed = 7;
  const nextId = () => 1 + ((seed = (seed * 1_103_515_245 + 12_345) >>> 0) % (ROWS - 100));
  // Point selects first, then ranges (whose garbage would otherwise be collected during the
  // point blocks); in each, a warm-up of every variant, then blocks in alternating order.
  for (const group of [variants.slice(0, 3), variants.slice(3)]) {
    for (const v of group) for (let i = 0; i < PER_BLOCK; i++) await v.run(nextId());
    for (let b = 0; b < BLOCKS; b++) {
      const order = b % 2 === 0 ? group : [...group].reverse();
      for (const v of order) {
        const cpu = process.cpuUsage();
        for (let i = 0; i < PER_BLOCK; i++) await v.run(nextId());
        const used = process.cpuUsage(cpu);
        v.cpuUs += used.user + used.system;
        v.count += PER_BLOCK;
      }
    }
  }
  console.log(`${ROWS} rows, ${BLOCKS} blocks of ${PER_BLOCK} per variant (CPU µs / statement)`);
  for (const v of variants) console.log(`${v.name.padEnd(24)} ${(v.cpuUs / v.count).toFixed(1)}`);
  const hits = on.shapeCacheStats();
  console.log(`shape cache: ${hits.hits} hits, ${hits.misses} misses`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
