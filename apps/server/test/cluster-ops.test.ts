/**
 * Issue 5, cluster operations in the embedded default: `ALTER CLUSTER KILL NODE n` crashes a
 * data node of `tessera serve` and `ALTER CLUSTER RESTART NODE n` brings it back from its own
 * disk, over the MySQL port (mysql2); the same pair as the tRPC mutations `cluster.killNode` /
 * `cluster.restartNode` (operators only, audited).
 */
import mysql from 'mysql2/promise';
import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventRecord, AuditQuery } from '@tessera/api';
import type { RunningTessera } from '../src/app';
import { startTessera } from '../src/app';
import { adminPassword, makeDataDir, removeDataDir, signIn, trpcError } from './helpers';
import type { Browser } from './helpers';

const rootPassword = 'root-password-for-cluster-ops';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dataDir: string;
let running: RunningTessera;
let conn: Connection;

beforeAll(async () => {
  dataDir = await makeDataDir();
  running = await startTessera({
    dataDir,
    apiHost: '127.0.0.1',
    apiPort: 0,
    adminPassword,
    mysql: { host: '127.0.0.1', port: 0, rootPassword },
  });
  conn = await mysql.createConnection({
    host: '127.0.0.1',
    port: running.mysql?.port ?? 0,
    user: 'root',
    password: rootPassword,
    multipleStatements: true,
  });
});

afterAll(async () => {
  await conn.end();
  await running.close();
  await removeDataDir(dataDir);
});

async function query<T extends RowDataPacket[] | ResultSetHeader>(sql: string): Promise<T> {
  const [result] = await conn.query<T>(sql);
  return result;
}

/** The MySQL error `sql` fails with, as `errno: message`. */
async function sqlError(c: Connection, sql: string): Promise<string> {
  try {
    await c.query(sql);
  } catch (error) {
    const e = error as { errno?: number; message: string };
    return `${e.errno ?? '?'}: ${e.message}`;
  }
  throw new Error(`no error for ${sql}`);
}

async function nodeState(id: number): Promise<string | undefined> {
  const rows = await query<RowDataPacket[]>(`SELECT state FROM system.nodes WHERE node_id = ${id}`);
  return rows[0]?.state as string | undefined;
}

/** Polls `nodeState` until it is `state`; returns how long that took (ms). */
async function waitForState(id: number, state: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if ((await nodeState(id)) === state) return Date.now() - start;
    await sleep(100);
  }
  throw new Error(`node ${id} not ${state} after ${timeoutMs} ms (${await nodeState(id)})`);
}

type ReplicaRow = RowDataPacket & {
  slice_id: number;
  node_id: number;
  raft_role: string | null;
  applied_index: string | null;
};

const acctReplicas =
  'SELECT r.slice_id, r.node_id, r.raft_role, r.applied_index FROM system.replicas r ' +
  'JOIN system.slices s ON s.slice_id = r.slice_id ' +
  'JOIN system.representations p ON p.representation_id = s.representation_id ' +
  "WHERE p.table_schema = 'shop' AND p.table_name = 'acct' AND r.role <> 'logger'";

/** The replicas on `node` whose reported applied index is more than 1 behind their group's. */
function laggingOn(node: number, rows: readonly ReplicaRow[]): string[] {
  return rows
    .filter((r) => r.node_id === node)
    .flatMap((r) => {
      const group = rows.filter((o) => o.slice_id === r.slice_id);
      const top = Math.max(...group.map((o) => Number(o.applied_index ?? 0)));
      const own = r.applied_index === null ? -1 : Number(r.applied_index);
      return own >= top - 1 && own > 0 ? [] : [`slice ${r.slice_id}: ${own} of ${top}`];
    });
}

describe('ALTER CLUSTER KILL / RESTART NODE over MySQL', () => {
  it('kills the busiest node, keeps serving, restarts it and lets it catch up', async () => {
    await conn.query(
      'CREATE DATABASE shop; CREATE TABLE shop.acct (id INT PRIMARY KEY, balance INT) SLICES = 6',
    );
    const values = Array.from({ length: 30 }, (_, i) => `(${i}, 100)`);
    await conn.query(`INSERT INTO shop.acct VALUES ${values.join(',')}`);
    const busiest = await query<RowDataPacket[]>(
      'SELECT ranking_node AS node, COUNT(*) AS n FROM system.slices GROUP BY ranking_node ORDER BY n DESC, node LIMIT 1',
    );
    const victim = Number(busiest[0]?.node);

    const killed = await query<ResultSetHeader>(`ALTER CLUSTER KILL NODE ${victim}`);
    expect(killed.affectedRows).toBe(0);
    expect(running.cluster.isRunning(victim)).toBe(false);
    // Down after nodeDownAfterMs (3 s) and the control plane's next tick.
    expect(await waitForState(victim, 'down', 8_000)).toBeLessThan(8_000);
    expect(await sqlError(conn, `ALTER CLUSTER KILL NODE ${victim}`)).toBe(
      `1105: Data node ${victim} is not running`,
    );

    // Reads and writes go on without a client-visible error (the gateway's failover buffering).
    const sum = await query<RowDataPacket[]>('SELECT SUM(balance) AS s FROM shop.acct');
    expect(Number(sum[0]?.s)).toBe(3_000);
    await query('UPDATE shop.acct SET balance = balance - 10 WHERE id < 5');
    await query('UPDATE shop.acct SET balance = balance + 50 WHERE id = 29');
    await query('INSERT INTO shop.acct VALUES (100, 7), (101, 8)');

    // The precondition of the catch-up check below: the writes left some replica on the dead
    // node behind its group (as reported: the dead node's last report, or none).
    let behind: string[] = [];
    for (let i = 0; i < 50 && behind.length === 0; i++) {
      behind = laggingOn(victim, await query<ReplicaRow[]>(acctReplicas));
      if (behind.length === 0) await sleep(100);
    }
    expect(behind.length).toBeGreaterThan(0);

    await query(`ALTER CLUSTER RESTART NODE ${victim}`);
    expect(running.cluster.isRunning(victim)).toBe(true);
    await waitForState(victim, 'up', 10_000);
    expect(await sqlError(conn, `ALTER CLUSTER RESTART NODE ${victim}`)).toBe(
      `1105: Data node ${victim} is already running`,
    );

    // Caught up: each of its acct replicas reports the applied index of its group's leader
    // (nodes report every 500 ms, the gateway reads every second: poll).
    let lagging: string[] = ['not polled'];
    let onVictim = 0;
    for (let i = 0; i < 150 && lagging.length > 0; i++) {
      await query('SELECT COUNT(*) FROM shop.acct');
      const rows = await query<ReplicaRow[]>(acctReplicas);
      onVictim = rows.filter((r) => r.node_id === victim).length;
      lagging = laggingOn(victim, rows);
      if (lagging.length > 0) await sleep(200);
    }
    expect(onVictim).toBeGreaterThan(0);
    expect(lagging).toEqual([]);

    // Data intact, and writes still work with every node up.
    const after = await query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n, SUM(balance) AS s FROM shop.acct',
    );
    expect([Number(after[0]?.n), Number(after[0]?.s)]).toEqual([32, 3_000 + 15]);
    await query('UPDATE shop.acct SET balance = balance + 1 WHERE id = 0');
    const zero = await query<RowDataPacket[]>('SELECT balance FROM shop.acct WHERE id = 0');
    expect(Number(zero[0]?.balance)).toBe(91);
  }, 90_000);

  it('answers an unknown node, a bad id and a missing SUPER privilege with MySQL errors', async () => {
    expect(await sqlError(conn, 'ALTER CLUSTER KILL NODE 9')).toBe(
      '1105: Unknown data node 9 (the data nodes are 1, 2, 3)',
    );
    expect(await sqlError(conn, "ALTER CLUSTER KILL NODE 'x'")).toMatch(/^1210: /);
    expect(await sqlError(conn, 'ALTER CLUSTER KILL NODES 1')).toMatch(/^1064: /);
    await conn.query("CREATE USER app IDENTIFIED BY 'app-password'; GRANT SELECT ON *.* TO app");
    const app = await mysql.createConnection({
      host: '127.0.0.1',
      port: running.mysql?.port ?? 0,
      user: 'app',
      password: 'app-password',
    });
    try {
      expect(await sqlError(app, 'ALTER CLUSTER KILL NODE 1')).toBe(
        '1227: Access denied; you need (at least one of) the SUPER privilege(s) for this operation',
      );
    } finally {
      await app.end();
    }
    expect([1, 2, 3].map((id) => running.cluster.isRunning(id))).toEqual([true, true, true]);
  });
});

describe('cluster.killNode / cluster.restartNode over tRPC', () => {
  let admin: Browser;

  async function audit(query: Partial<AuditQuery>): Promise<AuditEventRecord[]> {
    return (await admin.client.audit.list.query({ limit: 100, ...query })).events;
  }

  it('lets an operator kill and restart a node, refuses a viewer (403), audits both', async () => {
    const url = running.api.url;
    admin = await signIn(url, 'admin', adminPassword);
    await admin.client.users.create.mutate({
      loginName: 'ollie',
      password: 'operator-password-1',
      role: 'operator',
    });
    await admin.client.users.create.mutate({
      loginName: 'vic',
      password: 'viewer-password-1',
      role: 'viewer',
    });
    const ollie = await signIn(url, 'ollie', 'operator-password-1');
    const vic = await signIn(url, 'vic', 'viewer-password-1');

    expect(await trpcError(vic.client.cluster.killNode.mutate({ nodeId: 3 }))).toMatchObject({
      httpStatus: 403,
      code: 'FORBIDDEN',
    });
    expect(running.cluster.isRunning(3)).toBe(true);

    expect(await ollie.client.cluster.killNode.mutate({ nodeId: 3 })).toEqual({ nodeId: 3 });
    expect(running.cluster.isRunning(3)).toBe(false);
    expect(await trpcError(ollie.client.cluster.killNode.mutate({ nodeId: 3 }))).toMatchObject({
      httpStatus: 409,
      code: 'CONFLICT',
      message: 'Data node 3 is not running.',
    });
    expect(await ollie.client.cluster.restartNode.mutate({ nodeId: 3 })).toEqual({ nodeId: 3 });
    expect(running.cluster.isRunning(3)).toBe(true);
    expect(await trpcError(ollie.client.cluster.restartNode.mutate({ nodeId: 9 }))).toMatchObject({
      httpStatus: 404,
      code: 'NOT_FOUND',
      message: 'No data node 9; the data nodes are 1, 2, 3.',
    });

    const events = await audit({ action: 'cluster.killNode' });
    expect(events.map((e) => [e.actor, e.target, e.outcome])).toEqual([
      ['ollie', 'node 3', 'failed'],
      ['ollie', 'node 3', 'ok'],
      ['vic', 'node 3', 'denied'],
    ]);
    const restarts = await audit({ action: 'cluster.restartNode' });
    expect(restarts.map((e) => [e.actor, e.target, e.outcome])).toEqual([
      ['ollie', 'node 9', 'failed'],
      ['ollie', 'node 3', 'ok'],
    ]);
    await waitForState(3, 'up', 10_000);
  }, 60_000);
});
