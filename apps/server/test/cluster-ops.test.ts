/**
 * Issue 5, cluster operations in the embedded default, over the MySQL port (mysql2) and the
 * tRPC API (operators only, audited): `ALTER CLUSTER KILL NODE n` crashes a data node of
 * `tessera serve` and `RESTART NODE n` brings it back from its own disk; `ADD NODE [IN ZONE
 * 'z']` starts one more in-process node, `DRAIN NODE n` has the rebalancer empty a node and
 * `REMOVE NODE n` takes an empty one out for good (refused while it holds data). The same as
 * `cluster.killNode` / `restartNode` / `addNode` / `drainNode` / `removeNode`.
 *
 * The describes share one server and run in order: the later ones see the nodes the earlier
 * ones added and removed (ids are computed, not assumed, where that matters).
 */
import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventRecord, AuditQuery } from '@tessera/api';
import { adminPassword, createAndSignIn, signIn, startSqlServer, trpcError } from './helpers';
import type { Browser, SqlServer } from './helpers';

const rootPassword = 'root-password-for-cluster-ops';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: SqlServer;
let conn: Connection;

beforeAll(async () => {
  server = await startSqlServer(rootPassword);
  conn = await server.connect({ multipleStatements: true });
});

afterAll(async () => {
  await conn.end();
  await server.close();
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
    expect(server.running.cluster.isRunning(victim)).toBe(false);
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
    expect(server.running.cluster.isRunning(victim)).toBe(true);
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
    const app = await server.connect({ user: 'app', password: 'app-password' });
    try {
      expect(await sqlError(app, 'ALTER CLUSTER KILL NODE 1')).toBe(
        '1227: Access denied; you need (at least one of) the SUPER privilege(s) for this operation',
      );
    } finally {
      await app.end();
    }
    expect([1, 2, 3].map((id) => server.running.cluster.isRunning(id))).toEqual([true, true, true]);
  });
});

describe('cluster.killNode / cluster.restartNode over tRPC', () => {
  let admin: Browser;

  async function audit(query: Partial<AuditQuery>): Promise<AuditEventRecord[]> {
    return (await admin.client.audit.list.query({ limit: 100, ...query })).events;
  }

  it('lets an operator kill and restart a node, refuses a viewer (403), audits both', async () => {
    admin = await signIn(server.running.api.url, 'admin', adminPassword);
    const ollie = await createAndSignIn(admin, 'ollie', 'operator-password-1', 'operator');
    const vic = await createAndSignIn(admin, 'vic', 'viewer-password-1', 'viewer');

    expect(await trpcError(vic.client.cluster.killNode.mutate({ nodeId: 3 }))).toMatchObject({
      httpStatus: 403,
      code: 'FORBIDDEN',
    });
    expect(server.running.cluster.isRunning(3)).toBe(true);

    expect(await ollie.client.cluster.killNode.mutate({ nodeId: 3 })).toEqual({ nodeId: 3 });
    expect(server.running.cluster.isRunning(3)).toBe(false);
    expect(await trpcError(ollie.client.cluster.killNode.mutate({ nodeId: 3 }))).toMatchObject({
      httpStatus: 409,
      code: 'CONFLICT',
      message: 'Data node 3 is not running.',
    });
    expect(await ollie.client.cluster.restartNode.mutate({ nodeId: 3 })).toEqual({ nodeId: 3 });
    expect(server.running.cluster.isRunning(3)).toBe(true);
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

/** Data replicas and loggers the slice map places on `node`. */
async function membersOn(node: number): Promise<number> {
  const rows = await query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM system.replicas WHERE node_id = ${node}`,
  );
  return Number(rows[0]?.n);
}

/** Polls until the slice map places nothing on `node`; throws with the count at the deadline. */
async function waitEmpty(node: number, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if ((await membersOn(node)) === 0) return;
    await sleep(250);
  }
  throw new Error(
    `node ${node} still holds ${await membersOn(node)} members after ${timeoutMs} ms`,
  );
}

describe('ALTER CLUSTER ADD / DRAIN / REMOVE NODE over MySQL', () => {
  it('adds a node in a zone: registered up when the statement returns, the id in the OK info', async () => {
    const id = Math.max(...server.running.cluster.nodeIds()) + 1;
    const added = await query<ResultSetHeader>("ALTER CLUSTER ADD NODE IN ZONE 'd'");
    expect(added.affectedRows).toBe(0);
    expect(added.info).toBe(`Node ${id} added in zone 'd'`);
    const rows = await query<RowDataPacket[]>(
      `SELECT zone, state FROM system.nodes WHERE node_id = ${id}`,
    );
    expect(rows.map((r) => [String(r.zone), String(r.state)])).toEqual([['d', 'up']]);
    expect(server.running.cluster.isRunning(id)).toBe(true);
    expect(server.running.cluster.nodeIds()).toContain(id);
  }, 30_000);

  it('answers bad zones and ids, unknown nodes and a missing SUPER privilege with MySQL errors', async () => {
    const before = server.running.cluster.nodeIds();
    for (const zone of ["''", "'a b'", "'-a'", `'${'z'.repeat(65)}'`]) {
      expect(await sqlError(conn, `ALTER CLUSTER ADD NODE IN ZONE ${zone}`)).toMatch(
        /^1210: Incorrect arguments to ALTER CLUSTER ADD NODE: '.*' is not a zone name/,
      );
    }
    expect(await sqlError(conn, "ALTER CLUSTER DRAIN NODE 'x'")).toMatch(/^1210: /);
    expect(await sqlError(conn, 'ALTER CLUSTER REMOVE NODE 0')).toMatch(/^1210: /);
    expect(await sqlError(conn, 'ALTER CLUSTER REMOVE NODE')).toMatch(/^1064: /);
    expect(await sqlError(conn, 'ALTER CLUSTER DRAIN NODE 99')).toBe(
      `1105: Unknown data node 99 (the data nodes are ${before.join(', ')})`,
    );
    await conn.query("CREATE USER ops IDENTIFIED BY 'ops-password'; GRANT ALL ON ops.* TO ops");
    const ops = await server.connect({ user: 'ops', password: 'ops-password' });
    try {
      for (const sql of [
        "ALTER CLUSTER ADD NODE IN ZONE 'a'",
        'ALTER CLUSTER DRAIN NODE 1',
        'ALTER CLUSTER REMOVE NODE 1',
      ]) {
        expect(await sqlError(ops, sql)).toBe(
          '1227: Access denied; you need (at least one of) the SUPER privilege(s) for this operation',
        );
      }
    } finally {
      await ops.end();
    }
    expect(server.running.cluster.nodeIds()).toEqual(before);
    expect(await nodeState(1)).toBe('up');
  });

  // Needs the rebalancer's drain (issue 5, "move": ALTER CLUSTER DRAIN NODE n).
  it('drains a node at once, refuses to remove it while it holds data, then removes it', async () => {
    await conn.query(
      'CREATE DATABASE ops; CREATE TABLE ops.t (id INT PRIMARY KEY, v VARCHAR(100)) SLICES = 4',
    );
    const values = Array.from({ length: 40 }, (_, i) => `(${i}, '${'x'.repeat(50)}')`);
    await conn.query(`INSERT INTO ops.t VALUES ${values.join(',')}`);
    const victim = 2;
    expect(await membersOn(victim)).toBeGreaterThan(0);

    const start = Date.now();
    await query(`ALTER CLUSTER DRAIN NODE ${victim}`);
    expect(Date.now() - start).toBeLessThan(2_000);
    expect(await nodeState(victim)).toBe('draining');
    expect(await sqlError(conn, `ALTER CLUSTER REMOVE NODE ${victim}`)).toMatch(
      new RegExp(`^1105: Cannot remove data node ${victim}: .*drain it first$`),
    );
    expect(server.running.cluster.isRunning(victim)).toBe(true);

    await waitEmpty(victim, 90_000);
    await query(`ALTER CLUSTER REMOVE NODE ${victim}`);
    expect(await nodeState(victim)).toBe('removed');
    expect(server.running.cluster.isRunning(victim)).toBeUndefined();
    expect(server.running.cluster.nodeIds()).not.toContain(victim);
    expect(await sqlError(conn, `ALTER CLUSTER DRAIN NODE ${victim}`)).toMatch(
      new RegExp(`^1105: Unknown data node ${victim} `),
    );

    // Nothing lost, and writes go on without the node.
    const after = await query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM ops.t');
    expect(Number(after[0]?.n)).toBe(40);
    await query("UPDATE ops.t SET v = 'y' WHERE id < 10");
    const changed = await query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM ops.t WHERE v = 'y'");
    expect(Number(changed[0]?.n)).toBe(10);
  }, 150_000);
});

describe('cluster.addNode / drainNode / removeNode over tRPC', () => {
  it('lets an operator add, drain and remove a node, refuses a viewer (403), audits each', async () => {
    const admin = await signIn(server.running.api.url, 'admin', adminPassword);
    const opal = await createAndSignIn(admin, 'opal', 'operator-password-2', 'operator');
    const vera = await createAndSignIn(admin, 'vera', 'viewer-password-2', 'viewer');

    expect(await trpcError(vera.client.cluster.addNode.mutate({ zone: 'a' }))).toMatchObject({
      httpStatus: 403,
      code: 'FORBIDDEN',
    });
    expect(await trpcError(opal.client.cluster.addNode.mutate({ zone: 'a b' }))).toMatchObject({
      httpStatus: 400,
      code: 'BAD_REQUEST',
    });
    // No zone: the zone with the fewest nodes.
    const zones = server.running.cluster.overview().nodes.map((n) => n.zone);
    const fewest = [...new Set(zones)].sort(
      (a, b) =>
        zones.filter((z) => z === a).length - zones.filter((z) => z === b).length ||
        a.localeCompare(b),
    )[0];
    const added = await opal.client.cluster.addNode.mutate({});
    expect(added.zone).toBe(fewest);
    expect(server.running.cluster.isRunning(added.nodeId)).toBe(true);
    expect(
      server.running.cluster.overview().nodes.find((n) => n.id === added.nodeId),
    ).toMatchObject({
      state: 'up',
      running: true,
    });

    expect(await trpcError(opal.client.cluster.removeNode.mutate({ nodeId: 1 }))).toMatchObject({
      httpStatus: 409,
      code: 'CONFLICT',
      message: expect.stringMatching(/^Cannot remove data node 1: .*drain it first\.$/) as unknown,
    });
    expect(await trpcError(opal.client.cluster.drainNode.mutate({ nodeId: 99 }))).toMatchObject({
      httpStatus: 404,
      code: 'NOT_FOUND',
    });

    // The new node may have received replicas meanwhile: drained first, then removed.
    expect(await opal.client.cluster.drainNode.mutate({ nodeId: added.nodeId })).toEqual({
      nodeId: added.nodeId,
    });
    await waitEmpty(added.nodeId, 90_000);
    expect(await opal.client.cluster.removeNode.mutate({ nodeId: added.nodeId })).toEqual({
      nodeId: added.nodeId,
    });
    expect(server.running.cluster.isRunning(added.nodeId)).toBeUndefined();

    const events = async (action: string) =>
      (await admin.client.audit.list.query({ limit: 100, action })).events.map((e) => [
        e.actor,
        e.target,
        e.outcome,
        e.detail,
      ]);
    expect(await events('cluster.addNode')).toEqual([
      ['opal', 'zone (fewest nodes)', 'ok', `node ${added.nodeId} in zone ${fewest ?? '?'}`],
      ['opal', 'zone a b', 'failed', expect.any(String)],
      ['vera', 'zone a', 'denied', expect.any(String)],
    ]);
    expect(await events('cluster.drainNode')).toEqual([
      ['opal', `node ${added.nodeId}`, 'ok', ''],
      ['opal', 'node 99', 'failed', expect.stringMatching(/^No data node 99;/)],
    ]);
    expect((await events('cluster.removeNode')).map((e) => e.slice(0, 3))).toEqual([
      ['opal', `node ${added.nodeId}`, 'ok'],
      ['opal', 'node 1', 'failed'],
    ]);
  }, 150_000);
});
