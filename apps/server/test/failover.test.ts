/**
 * Issue 5, transparent failover, end to end over the MySQL port: a bank workload of autocommit
 * statements runs from several mysql2 connections through `tessera serve`'s gateway while the
 * data node leading the most slices dies (`EmbeddedCluster.stopNode`: a crash of that node —
 * no more Raft, heartbeats or KV answers — inside the one process). The KV client buffers the
 * calls to its leaderless slices (failover window) and the txn layer resolves any commit whose
 * answer was lost from the primary's status, so the clients see:
 * - zero errors for reads and autocommit writes;
 * - no acknowledged write lost (every acknowledged INSERT is there; each counter equals the
 *   increments acknowledged for it) and none applied twice (the counters are not above it);
 * - a constant total across single-statement transfers, in every snapshot read.
 * It prints the longest statement latency: the unavailability window a client felt.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlServer } from './helpers';
import { startSqlServer } from './helpers';

const rootPassword = 'root-password-for-failover';
const accounts = 20;
const initialBalance = 100;
const workers = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Tally {
  statements: number;
  errors: { sql: string; errno: number | undefined; message: string; atMs: number }[];
  /** Longest statement latency (ms), and when it started relative to the kill. */
  longest: { ms: number; sql: string; startedMs: number };
  latenciesAfterKill: number[];
  insertsAcked: number[];
  counterAcks: number;
  badSums: number[];
}

describe('transparent failover: a bank over MySQL while the busiest data node dies', () => {
  let server: SqlServer;
  const connections: Connection[] = [];

  const connect = async (): Promise<Connection> => {
    const conn = await server.connect({ database: 'bank' });
    connections.push(conn);
    return conn;
  };

  beforeAll(async () => {
    server = await startSqlServer(rootPassword);
    const setup = await server.connect({ multipleStatements: true });
    connections.push(setup);
    await setup.query(
      'CREATE DATABASE bank; ' +
        'CREATE TABLE bank.acct (id INT PRIMARY KEY, balance INT) SLICES = 6; ' +
        'CREATE TABLE bank.counter (id INT PRIMARY KEY, n INT) SLICES = 6; ' +
        'CREATE TABLE bank.ledger (id INT PRIMARY KEY, worker INT, amount INT) SLICES = 6',
    );
    const balances = Array.from({ length: accounts }, (_, i) => `(${i}, ${initialBalance})`);
    await setup.query(`INSERT INTO bank.acct VALUES ${balances.join(',')}`);
    const counters = Array.from({ length: workers }, (_, w) => `(${w}, 0)`);
    await setup.query(`INSERT INTO bank.counter VALUES ${counters.join(',')}`);
  }, 60_000);

  afterAll(async () => {
    for (const c of connections) await c.end().catch(() => undefined);
    await server.close();
  });

  it('answers every read and autocommit write, loses nothing, applies nothing twice', async () => {
    const [admin] = connections;
    if (admin === undefined) throw new Error('no setup connection');
    let killedAtMs = Number.POSITIVE_INFINITY;
    let stopped = false;
    const tallies: Tally[] = [];

    /** One connection's loop of autocommit statements, each timed and its outcome kept. */
    const worker = async (w: number): Promise<void> => {
      const conn = await connect();
      const tally: Tally = {
        statements: 0,
        errors: [],
        longest: { ms: 0, sql: '', startedMs: 0 },
        latenciesAfterKill: [],
        insertsAcked: [],
        counterAcks: 0,
        badSums: [],
      };
      tallies.push(tally);
      let n = 0;
      const run = async <T extends RowDataPacket[]>(sql: string): Promise<T | undefined> => {
        const started = Date.now();
        try {
          const [result] = await conn.query<T>(sql);
          return result;
        } catch (error) {
          const { errno, message } = error as { errno?: number; message?: string };
          tally.errors.push({ sql, errno, message: message ?? String(error), atMs: Date.now() });
          return undefined;
        } finally {
          const ms = Date.now() - started;
          tally.statements++;
          if (ms > tally.longest.ms) tally.longest = { ms, sql, startedMs: started - killedAtMs };
          if (started >= killedAtMs) tally.latenciesAfterKill.push(ms);
        }
      };
      while (!stopped) {
        const step = n++;
        const from = (w * 7 + step * 3) % accounts;
        const to = (from + 1 + (step % (accounts - 1))) % accounts;
        switch (step % 4) {
          case 0: {
            // A transfer: one UPDATE statement, so one autocommit transaction.
            const amount = 1 + (step % 9);
            await run(
              `UPDATE acct SET balance = balance + IF(id = ${from}, -${amount}, ${amount}) ` +
                `WHERE id IN (${from}, ${to})`,
            );
            break;
          }
          case 1: {
            if ((await run(`UPDATE counter SET n = n + 1 WHERE id = ${w}`)) !== undefined) {
              tally.counterAcks++;
            }
            break;
          }
          case 2: {
            const id = w * 1_000_000 + step;
            if ((await run(`INSERT INTO ledger VALUES (${id}, ${w}, ${step})`)) !== undefined) {
              tally.insertsAcked.push(id);
            }
            break;
          }
          case 3: {
            const sum = await run<RowDataPacket[]>('SELECT SUM(balance) AS s FROM acct');
            const s = Number(sum?.[0]?.s);
            if (sum !== undefined && s !== accounts * initialBalance) tally.badSums.push(s);
            break;
          }
        }
      }
    };

    const loops = Array.from({ length: workers }, (_, w) => worker(w));
    await sleep(1_500);

    // The victim: the node ranking (leading) the most slices.
    const [busiest] = await admin.query<RowDataPacket[]>(
      'SELECT ranking_node AS node, COUNT(*) AS n FROM system.slices ' +
        'GROUP BY ranking_node ORDER BY n DESC, node LIMIT 1',
    );
    const victim = Number(busiest[0]?.node);
    const ledBefore = Number(busiest[0]?.n);
    expect(ledBefore).toBeGreaterThan(0);
    const beforeKill = tallies.reduce((sum, t) => sum + t.statements, 0);
    killedAtMs = Date.now();
    server.running.cluster.stopNode(victim);
    // Long enough for the node to be marked down (3 s) and its slices re-ranked.
    await sleep(8_000);
    stopped = true;
    await Promise.all(loops);

    const statements = tallies.reduce((sum, t) => sum + t.statements, 0);
    const errors = tallies.flatMap((t) => t.errors);
    const longest = tallies.map((t) => t.longest).sort((a, b) => b.ms - a.ms)[0];
    const after = tallies.flatMap((t) => t.latenciesAfterKill).sort((a, b) => a - b);
    const p = (q: number) => after[Math.min(after.length - 1, Math.floor(q * after.length))];
    process.stdout.write(
      `[failover] killed node ${victim} (ranking ${ledBefore} slices) after ${beforeKill} ` +
        `statements; ${statements} statements in all, ${errors.length} errors; ` +
        `longest statement ${longest?.ms} ms (${longest?.sql}, started ${longest?.startedMs} ms ` +
        `after the kill); after the kill p50 ${p(0.5)} ms p99 ${p(0.99)} ms\n`,
    );
    expect(errors).toEqual([]);
    expect(statements - beforeKill).toBeGreaterThan(workers * 4); // the workload went on
    expect(tallies.flatMap((t) => t.badSums)).toEqual([]);

    // Nothing acknowledged lost, nothing applied twice.
    const [sum] = await admin.query<RowDataPacket[]>('SELECT SUM(balance) AS s FROM bank.acct');
    expect(Number(sum[0]?.s)).toBe(accounts * initialBalance);
    const [counters] = await admin.query<RowDataPacket[]>(
      'SELECT id, n FROM bank.counter ORDER BY id',
    );
    expect(counters.map((r) => Number(r.n))).toEqual(tallies.map((_, w) => tallyOf(w).counterAcks));
    const [ledger] = await admin.query<RowDataPacket[]>('SELECT id FROM bank.ledger ORDER BY id');
    const acked = tallies.flatMap((t) => t.insertsAcked).sort((a, b) => a - b);
    expect(ledger.map((r) => Number(r.id))).toEqual(acked);

    function tallyOf(w: number): Tally {
      const t = tallies[w];
      if (t === undefined) throw new Error(`no tally for worker ${w}`);
      return t;
    }
  }, 90_000);
});
