import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { physicalFromUnixMs, SeededRng } from '@tessera/cluster';
import { SystemClock } from '@tessera/host';
import { ClusterSliceKv, ControlTimestampSource, TxnClient } from '@tessera/txn';
import mysql from 'mysql2/promise';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningMysqlListener } from '../src/mysql/mysql-listener';
import { startMysqlListener } from '../src/mysql/mysql-listener';
import type { ProcessClusterClient } from './multiprocess/process-cluster';
import { ProcessCluster, waitUntil } from './multiprocess/process-cluster';

/**
 * A bank over the MySQL protocol while the busiest data-node process dies by kill -9: three
 * control-plane and five data-node processes over TCP, and the SQL gateway (the MySQL
 * listener and SQL engine, as `tessera serve` runs them) in this process, reaching the nodes
 * over TCP through the slice map it follows. Transfers are explicit transactions over mysql2;
 * an autocommit reader checks the total all along. The node leading the most of the bank
 * table's groups is killed mid-traffic: reads and autocommit statements see no error, a
 * transfer that lost its work gets 1213 (and nothing else), no acknowledged transfer is lost
 * and the money is conserved.
 */

const rootPassword = 'gateway-root-password';
const accounts = 12;
const opening = 100;
const transferWorkers = 3;

let cluster: ProcessCluster | undefined;
let client: ProcessClusterClient | undefined;
let gateway: RunningMysqlListener | undefined;
let gatewayDir: string | undefined;

beforeAll(async () => {
  cluster = await ProcessCluster.create({
    zones: ['a', 'b', 'c', 'a', 'b'],
    table: { slices: 3, replicas: 2, loggers: 1 },
    clientId: 1_000,
  });
  await cluster.startAll(40_000);
  const c = await cluster.newClient(20_261_122);
  client = c;
  gatewayDir = await mkdtemp(join(tmpdir(), 'tessera-gateway-'));
  const clock = new SystemClock();
  const rng = new SeededRng(7);
  gateway = await startMysqlListener({
    dataDir: gatewayDir,
    control: c.control,
    host: '127.0.0.1',
    port: 0,
    rootPassword,
    txnClientFor: (router) =>
      new TxnClient({
        kv: new ClusterSliceKv({ client: c.kv }),
        router,
        timestamps: new ControlTimestampSource(c.control),
        clock,
        rng: rng.fork(),
        physicalNow: () => physicalFromUnixMs(clock.now()),
      }),
  });
}, 90_000);

afterAll(async () => {
  await gateway?.close();
  await client?.close();
  await cluster?.destroy();
  if (gatewayDir !== undefined) await rm(gatewayDir, { recursive: true, force: true });
});

function connect(): Promise<Connection> {
  return mysql.createConnection({
    host: '127.0.0.1',
    port: gateway?.port ?? 0,
    user: 'root',
    password: rootPassword,
    database: 'bank',
  });
}

function errnoOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'errno' in error
    ? Number(error.errno)
    : undefined;
}

describe('the SQL gateway in front of data-node processes', () => {
  it('keeps a bank consistent over mysql2 through kill -9 of the busiest node', async () => {
    const c = cluster ?? never();
    const log = (line: string) => {
      process.stdout.write(`[multiprocess-gateway] ${line}\n`);
    };
    const admin = await mysql.createConnection({
      host: '127.0.0.1',
      port: gateway?.port ?? 0,
      user: 'root',
      password: rootPassword,
    });
    await admin.query('CREATE DATABASE bank');
    await admin.query('CREATE TABLE bank.acct (id INT PRIMARY KEY, balance INT NOT NULL)');
    const values = Array.from({ length: accounts }, (_, i) => `(${i}, ${opening})`).join(', ');
    await admin.query(`INSERT INTO bank.acct VALUES ${values}`);
    const total = accounts * opening;

    const acked: { from: number; to: number }[] = [];
    const conflicts = { count: 0 };
    const errors: string[] = [];
    const reads = { ok: 0 };
    let stop = false;
    const transfer = async (worker: number) => {
      const conn = await connect();
      let n = worker;
      try {
        while (!stop) {
          n += 7;
          const from = n % accounts;
          const to = (n * 5 + 1) % accounts;
          if (from === to) continue;
          try {
            await conn.query('BEGIN');
            await conn.query('UPDATE acct SET balance = balance - 1 WHERE id = ?', [from]);
            await conn.query('UPDATE acct SET balance = balance + 1 WHERE id = ?', [to]);
            await conn.query('COMMIT');
            acked.push({ from, to });
          } catch (error) {
            if (errnoOf(error) === 1213) conflicts.count++;
            else errors.push(`transfer: ${String(error)}`);
            await conn.query('ROLLBACK').catch(() => undefined);
          }
        }
      } finally {
        await conn.end();
      }
    };
    const reader = async () => {
      const conn = await connect();
      try {
        while (!stop) {
          try {
            const [rows] = await conn.query<RowDataPacket[]>('SELECT SUM(balance) AS s FROM acct');
            expect(Number(rows[0]?.s)).toBe(total);
            reads.ok++;
          } catch (error) {
            errors.push(`read: ${String(error)}`);
          }
        }
      } finally {
        await conn.end();
      }
    };
    const running = [...Array.from({ length: transferWorkers }, (_, w) => transfer(w)), reader()];
    try {
      await waitUntil(() => acked.length >= 30, '30 transfers before the kill', 30_000);
      // The node leading the most of the bank table's groups (the groups the seed table's
      // layout does not have).
      const seedGroups = new Set(c.layout.groupIds);
      const led = new Map<number, number>();
      for (const [group, { node }] of await c.leaders()) {
        if (!seedGroups.has(group)) led.set(node, (led.get(node) ?? 0) + 1);
      }
      const [victim] = [...led.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0] ?? never();
      const before = acked.length;
      expect(led.get(victim)).toBeGreaterThan(0);
      log(
        `killing node ${victim} (leads ${led.get(victim)} bank groups) after ${before} transfers`,
      );
      await c.process(victim).kill9();
      await waitUntil(() => acked.length >= before + 30, '30 transfers after the kill', 40_000);
    } finally {
      stop = true;
      await Promise.all(running);
    }
    log(
      `${acked.length} transfers acknowledged, ${conflicts.count} got 1213, ${reads.ok} reads, errors: ${errors.length}`,
    );
    // Reads and autocommit statements saw no error; explicit transactions only 1213.
    expect(errors).toEqual([]);
    // Every acknowledged transfer is there, and nothing else moved money.
    const expected = Array.from({ length: accounts }, () => opening);
    for (const { from, to } of acked) {
      expected[from] = (expected[from] ?? 0) - 1;
      expected[to] = (expected[to] ?? 0) + 1;
    }
    const [rows] = await admin.query<RowDataPacket[]>(
      'SELECT id, balance FROM bank.acct ORDER BY id',
    );
    expect(rows.map((r) => Number(r.balance))).toEqual(expected);
    await admin.end();
  }, 150_000);
});

function never(): never {
  throw new Error('set up in beforeAll');
}
