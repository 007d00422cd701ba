// `npm run bench:failover`: what a SQL client feels when the data node ranking the most slices
// dies. It starts `tessera serve`'s stack in this process (a temp data dir, the embedded
// cluster of 3 data nodes, the MySQL listener), loads a table, runs autocommit writes and reads
// from several mysql2 connections, then crashes that node (`EmbeddedCluster.stopNode`: no more
// Raft, heartbeats or KV answers from it — the embedded default cannot `kill -9` one node of
// its own process; `apps/server/test/multiprocess.test.ts` does that to real processes) and
// prints:
//
//   write unavailability  the longest time after the crash during which no write completed
//                         (issue 5 target: <= 3 s with default timings)
//   client errors         reads and autocommit writes that answered an error (target: 0)
//   re-rank               when every slice was ranked on a live node again
//   full replication      when every slice had its configured replicas on live nodes again
//                         (`system.replicas`), for the data loaded — reported as not reached
//                         when it is not (re-replication may be missing or slow)
//
// Options: --nodes N (data nodes in zones a, b, c, a…, default 4), --rows N (rows of ~1 KB
// loaded first, default 20 000), --workers N (default 4),
// --after-ms N (how long the workload runs after the crash, default 10 000), --wait-ms N (how
// long to wait for full replication, default 60 000). A benchmark, not a test: it prints.
//
// `--restore-gb G` (time to restore full replication for G GB) and `--add-node-mb M`
// (rebalance time and bytes moved after adding a node) run the data-moving measurements of
// failover-data.ts instead, on the embedded cluster without SQL (options --value-kb,
// --wait-ms, default 600 000 there).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { startTessera } from '../src/app';
import { benchAddNode, benchRestore } from './failover-data';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const ROWS = option('rows', 20_000);
// Four data nodes by default: with three, a slice of three members has nowhere to re-replicate.
const NODES = option('nodes', 4);
const WORKERS = option('workers', 4);
const AFTER_MS = option('after-ms', 10_000);
const WAIT_MS = option('wait-ms', 60_000);
const ROOT_PASSWORD = 'bench-failover-root';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Outcome {
  readonly kind: 'read' | 'write';
  readonly startedMs: number;
  readonly endedMs: number;
  readonly error: string | undefined;
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-bench-failover-'));
  const running = await startTessera({
    dataDir,
    apiHost: '127.0.0.1',
    apiPort: 0,
    adminPassword: 'bench-failover-admin',
    mysql: { host: '127.0.0.1', port: 0, rootPassword: ROOT_PASSWORD },
    clusterNodes: Array.from({ length: NODES }, (_, i) => ({
      id: i + 1,
      zone: ['a', 'b', 'c'][i % 3] ?? 'a',
    })),
  });
  const connections: Connection[] = [];
  const connect = async (database?: string) => {
    const c = await mysql.createConnection({
      host: '127.0.0.1',
      port: running.mysql?.port ?? 0,
      user: 'root',
      password: ROOT_PASSWORD,
      multipleStatements: true,
      ...(database === undefined ? {} : { database }),
    });
    connections.push(c);
    return c;
  };
  try {
    const admin = await connect();
    await admin.query(
      'CREATE DATABASE b; CREATE TABLE b.data (id INT PRIMARY KEY, k INT, pad VARCHAR(1000)) SLICES = 6; ' +
        'CREATE TABLE b.w (id INT PRIMARY KEY, worker INT, n INT) SLICES = 6',
    );
    const loadStart = Date.now();
    const pad = 'x'.repeat(1000);
    for (let at = 0; at < ROWS; at += 500) {
      const rows: string[] = [];
      for (let i = at; i < Math.min(ROWS, at + 500); i++) rows.push(`(${i}, ${i % 97}, '${pad}')`);
      await admin.query(`INSERT INTO b.data VALUES ${rows.join(',')}`);
    }
    console.log(
      `bench:failover — ${ROWS} rows of ~1 KB loaded in ${((Date.now() - loadStart) / 1000).toFixed(1)} s; ` +
        `${WORKERS} mysql2 connections of autocommit writes and reads; ${NODES} data nodes`,
    );

    const outcomes: Outcome[] = [];
    let stopped = false;
    const worker = async (w: number) => {
      const conn = await connect('b');
      for (let step = 0; !stopped; step++) {
        const write = step % 2 === 0;
        const sql = write
          ? `INSERT INTO w VALUES (${w * 10_000_000 + step}, ${w}, ${step})`
          : `SELECT k FROM data WHERE id = ${(w * 7919 + step * 31) % ROWS}`;
        const startedMs = Date.now();
        let error: string | undefined;
        try {
          await conn.query(sql);
        } catch (e) {
          const { errno, message } = e as { errno?: number; message?: string };
          error = `${errno ?? '?'} ${message ?? String(e)}`;
        }
        outcomes.push({ kind: write ? 'write' : 'read', startedMs, endedMs: Date.now(), error });
      }
    };
    const loops = Array.from({ length: WORKERS }, (_, w) => worker(w));
    await sleep(2_000);

    const [busiest] = await admin.query<RowDataPacket[]>(
      'SELECT ranking_node AS node, COUNT(*) AS n FROM system.slices ' +
        'GROUP BY ranking_node ORDER BY n DESC, node LIMIT 1',
    );
    const victim = Number(busiest[0]?.node);
    const killedAt = Date.now();
    running.cluster.stopNode(victim);

    // Re-rank and re-replication, watched from the admin connection.
    let rerankedMs: number | undefined;
    let replicatedMs: number | undefined;
    const watch = async () => {
      while (Date.now() - killedAt < Math.max(AFTER_MS, WAIT_MS)) {
        try {
          if (rerankedMs === undefined) {
            const [r] = await admin.query<RowDataPacket[]>(
              `SELECT COUNT(*) AS n FROM system.slices WHERE ranking_node = ${victim}`,
            );
            if (Number(r[0]?.n) === 0) rerankedMs = Date.now() - killedAt;
          }
          const [short] = await admin.query<RowDataPacket[]>(
            'SELECT COUNT(*) AS n FROM system.slices s JOIN system.representations p ' +
              'ON p.representation_id = s.representation_id WHERE p.replicas > (' +
              'SELECT COUNT(*) FROM system.replicas r JOIN system.nodes n ON n.node_id = r.node_id ' +
              `WHERE r.slice_id = s.slice_id AND r.role IN ('ranking', 'replica') AND n.state = 'up' AND r.node_id <> ${victim})`,
          );
          if (Number(short[0]?.n) === 0) {
            replicatedMs = Date.now() - killedAt;
            if (rerankedMs !== undefined && Date.now() - killedAt >= AFTER_MS) return;
          }
        } catch {
          // The admin connection's own statements may fail while the cluster recovers.
        }
        if (replicatedMs !== undefined && rerankedMs !== undefined) {
          if (Date.now() - killedAt >= AFTER_MS) return;
        }
        await sleep(250);
      }
    };
    const watching = watch();
    await sleep(AFTER_MS);
    stopped = true;
    await Promise.all(loops);
    await watching;

    // The longest stretch after the crash without a write completing.
    const writesDone = outcomes
      .filter((o) => o.kind === 'write' && o.error === undefined)
      .map((o) => o.endedMs)
      .sort((a, b) => a - b);
    let gap = 0;
    let last = killedAt;
    for (const t of writesDone) {
      if (t < killedAt) continue;
      gap = Math.max(gap, t - last);
      last = t;
    }
    const after = outcomes.filter((o) => o.startedMs >= killedAt);
    const errors = (kind: Outcome['kind']) =>
      outcomes.filter((o) => o.kind === kind && o.error !== undefined && o.endedMs >= killedAt);
    const latencies = after.map((o) => o.endedMs - o.startedMs).sort((a, b) => a - b);
    const p = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    const seconds = (ms: number | undefined) =>
      ms === undefined ? 'not reached' : `${(ms / 1000).toFixed(2)} s`;
    console.log(`  crashed node ${victim} (ranking ${Number(busiest[0]?.n)} slices)`);
    console.log(
      `  write unavailability   ${seconds(gap)}  (target <= 3 s)  ${gap <= 3_000 ? 'MET' : 'MISSED'}`,
    );
    const readErrors = errors('read');
    const writeErrors = errors('write');
    console.log(
      `  client errors          reads ${readErrors.length}, autocommit writes ${writeErrors.length} (target 0)  ${readErrors.length + writeErrors.length === 0 ? 'MET' : 'MISSED'}`,
    );
    for (const e of [...readErrors, ...writeErrors].slice(0, 5)) console.log(`    ${e.error}`);
    console.log(
      `  statements after crash ${after.length}, p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${latencies.at(-1)} ms`,
    );
    console.log(`  re-ranked              ${seconds(rerankedMs)} after the crash`);
    console.log(
      `  full replication       ${seconds(replicatedMs)} after the crash (${ROWS} rows of ~1 KB; waited up to ${WAIT_MS / 1000} s)`,
    );
    console.log(
      '  1 GB restore and rebalance after adding a node: see --restore-gb and --add-node-mb',
    );
  } finally {
    for (const c of connections) await c.end().catch(() => undefined);
    await running.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const restoreGb = process.argv.includes('--restore-gb') ? option('restore-gb', 1) : undefined;
const addNodeMb = process.argv.includes('--add-node-mb') ? option('add-node-mb', 256) : undefined;
const dataOptions = { valueKb: option('value-kb', 16), waitMs: option('wait-ms', 600_000) };
for (const [name, value] of [
  ['restore-gb', restoreGb],
  ['add-node-mb', addNodeMb],
  ['value-kb', dataOptions.valueKb],
  ['wait-ms', dataOptions.waitMs],
] as const) {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    console.error(`bench:failover: --${name} needs a positive number`);
    process.exit(2);
  }
}
if (restoreGb !== undefined || addNodeMb !== undefined) {
  if (restoreGb !== undefined) await benchRestore(restoreGb, dataOptions);
  if (addNodeMb !== undefined) await benchAddNode(addNodeMb, dataOptions);
} else {
  await main();
}
