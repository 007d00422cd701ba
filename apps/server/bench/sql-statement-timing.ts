// Diagnostic: the latency of each statement of sysbench's oltp_read_write, one at a time
// (one connection, no concurrency), through mysql2's prepared statements (the binary protocol,
// as sysbench sends them) against `tessera serve` started in this process — to find which
// statement of the mix is slow. Prints p50 / p99 / mean per statement kind.
//
// Run: npx tsx apps/server/bench/sql-statement-timing.ts [--table-size 2000] [--rounds 200]
//        [--pause-ms 0]   (idle after each COMMIT, so background work is not timed)
//        [--only KIND]    (one statement kind only, autocommit, 20 per round: e.g. point,
//                          simpleRange, orderRange, indexUpdate, insert)
//        [--profile FILE] (V8 sampling profile of the timed part: server and client)
//        [--target host:port]   (an already running server instead, e.g. a MariaDB, user root)
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { startTessera } from '../src/app';
import { LatencyRecorder } from './histogram';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const tableSize = Number(option('table-size') ?? 2000);
const rounds = Number(option('rounds') ?? 200);
const rangeSize = 100;
const pauseMs = Number(option('pause-ms') ?? 0);

const statements = {
  begin: 'BEGIN',
  point: 'SELECT c FROM sbtest1 WHERE id=?',
  simpleRange: 'SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ?',
  sumRange: 'SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN ? AND ?',
  orderRange: 'SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c',
  distinctRange: 'SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c',
  indexUpdate: 'UPDATE sbtest1 SET k=k+1 WHERE id=?',
  nonIndexUpdate: 'UPDATE sbtest1 SET c=? WHERE id=?',
  delete: 'DELETE FROM sbtest1 WHERE id=?',
  insert: 'INSERT INTO sbtest1 (id, k, c, pad) VALUES (?, ?, ?, ?)',
  commit: 'COMMIT',
  selectOne: 'SELECT 1',
  autocommitPoint: 'SELECT c FROM sbtest1 WHERE id=?',
} as const;
type Kind = keyof typeof statements;

const text = (n: number) => 'x'.repeat(n);
const randInt = (n: number) => 1 + Math.floor(Math.random() * n);
// Integers bound as MYSQL_TYPE_LONG, as sysbench (libmysqlclient) binds them: mysql2 would
// send a plain JS number as a DOUBLE, which the engine does not use as a key (see README).
const long = (n: number) => mysql.TypedParameter.LONG(n);
const rand = (n: number) => long(randInt(n));

async function startProfiler(): Promise<{ stop: (file: string) => Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return {
    stop: async (file) => {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      writeFileSync(file, JSON.stringify(profile));
    },
  };
}

async function main(): Promise<void> {
  const targetOpt = option('target');
  let close = async () => {};
  let terms = () => '';
  let port: number;
  let password = 'bench-root-password';
  if (targetOpt === undefined) {
    const dataDir = await mkdtemp(join(tmpdir(), 'tessera-bench-stmt-'));
    const running = await startTessera({
      dataDir,
      apiHost: '127.0.0.1',
      apiPort: 0,
      adminPassword: 'bench-admin-password',
      mysql: { host: '127.0.0.1', port: 0, rootPassword: password },
    });
    port = running.mysql?.port ?? 0;
    // Leadership churn during the run (a loaded machine can delay ticks past an election
    // timeout) would show as latency spikes: the terms are printed before and after.
    terms = () => {
      const o = running.cluster.overview();
      const leaders = o.slices.map((s) => `${s.groupId}:${s.leader ?? '-'}`).join(' ');
      const control = o.controlPlane.members.map((m) => `${m.id}:t${m.term}`).join(' ');
      return `control ${control}; slice leaders ${leaders}`;
    };
    close = async () => {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    };
  } else {
    port = Number(targetOpt.split(':')[1]);
    password = option('password') ?? '';
  }
  try {
    const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password });
    // A fresh name per run: no DROP needed against a server that already has one.
    const db = `sbstmt_${Date.now()}`;
    await conn.query(`CREATE DATABASE ${db}`);
    await conn.query(`USE ${db}`);
    await conn.query(
      "CREATE TABLE sbtest1 (id INTEGER NOT NULL AUTO_INCREMENT, k INTEGER DEFAULT '0' NOT NULL, c CHAR(120) DEFAULT '' NOT NULL, pad CHAR(60) DEFAULT '' NOT NULL, PRIMARY KEY (id))",
    );
    for (let i = 1; i <= tableSize; i += 500) {
      const rows = [];
      for (let id = i; id < Math.min(i + 500, tableSize + 1); id++) {
        rows.push(`(${id}, ${randInt(tableSize)}, '${text(119)}', '${text(59)}')`);
      }
      await conn.query(`INSERT INTO sbtest1 (id, k, c, pad) VALUES ${rows.join(',')}`);
    }
    await conn.query('CREATE INDEX k_1 ON sbtest1(k)');
    const hist = new Map<Kind, { rec: LatencyRecorder; totalMs: number; cpuUs: number }>();
    const time = async (kind: Kind, params: mysql.ExecuteValues[]) => {
      const cpu = process.cpuUsage();
      const started = performance.now();
      await conn.execute(statements[kind], params);
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const h = hist.get(kind) ?? { rec: new LatencyRecorder(), totalMs: 0, cpuUs: 0 };
      hist.set(kind, h);
      h.rec.record(ms);
      h.totalMs += ms;
      h.cpuUs += used.user + used.system;
    };
    const only = option('only') as Kind | undefined;
    if (only !== undefined && !(only in statements)) {
      throw new Error(`--only: one of ${Object.keys(statements).join(', ')}`);
    }
    const paramsOf = (kind: Kind): mysql.ExecuteValues[] => {
      const from = randInt(tableSize - rangeSize);
      switch (kind) {
        case 'simpleRange':
        case 'sumRange':
        case 'orderRange':
        case 'distinctRange':
          return [long(from), long(from + rangeSize - 1)];
        case 'nonIndexUpdate':
          return [text(119), rand(tableSize)];
        case 'insert':
          return [long(tableSize + randInt(1e9)), rand(tableSize), text(119), text(59)];
        case 'begin':
        case 'commit':
        case 'selectOne':
          return [];
        case 'point':
        case 'autocommitPoint':
        case 'indexUpdate':
        case 'delete':
          return [rand(tableSize)];
      }
    };
    console.log(`before: ${terms()}`);
    const profile = option('profile');
    const profiler = profile === undefined ? undefined : await startProfiler();
    for (let r = 0; r < rounds; r++) {
      if (only !== undefined) {
        // One kind, autocommit, 20 per round.
        for (let i = 0; i < 20; i++) await time(only, paramsOf(only));
        continue;
      }
      await time('autocommitPoint', [rand(tableSize)]);
      await time('selectOne', []);
      await time('begin', []);
      for (let i = 0; i < 10; i++) await time('point', [rand(tableSize)]);
      for (const kind of ['simpleRange', 'sumRange', 'orderRange', 'distinctRange'] as const) {
        const from = randInt(tableSize - rangeSize);
        await time(kind, [long(from), long(from + rangeSize - 1)]);
      }
      await time('indexUpdate', [rand(tableSize)]);
      await time('nonIndexUpdate', [text(119), rand(tableSize)]);
      const id = randInt(tableSize);
      await time('delete', [long(id)]);
      await time('insert', [long(id), rand(tableSize), text(119), text(59)]);
      await time('commit', []);
      // Lets background work (secondary commits, Raft rounds) finish outside the timings.
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    if (profiler !== undefined && profile !== undefined) await profiler.stop(profile);
    await conn.end();
    console.log(`after:  ${terms()}`);
    console.log(
      `statement         p50 ms   p99 ms  mean ms  cpu ms  (${rounds} rounds, 1 connection; cpu: this process, client included)`,
    );
    for (const [kind, h] of hist) {
      const s = h.rec.summary();
      console.log(
        `${kind.padEnd(16)} ${s.p50Ms.toFixed(2).padStart(7)}  ${s.p99Ms.toFixed(2).padStart(7)}  ${(h.totalMs / s.count).toFixed(2).padStart(7)}  ${(h.cpuUs / 1000 / s.count).toFixed(2).padStart(6)}`,
      );
    }
  } finally {
    await close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
