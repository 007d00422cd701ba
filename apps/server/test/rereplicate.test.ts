/**
 * Issue 5, re-replication end to end: a data node of a four-node embedded cluster (zones a, b,
 * c, a) dies and does not come back. After `replaceAfterMs` (10 s by default) the control
 * plane replaces each member it held: a learner on the best live node copies the slice
 * (Raft snapshot), is promoted, and the dead member is removed (a logger is replaced by a
 * logger) — visible as `system.replicas` (every slice back at its data replica and logger
 * counts on live nodes) and
 * `system.rebalancer_activity` (`add` done with bytes and duration, `remove`), while SQL keeps
 * working (mysql2).
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlServer } from './helpers';
import { startSqlServer } from './helpers';

const rootPassword = 'root-password-for-rereplicate';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** system.replicas shows a data replica as `ranking` (the one that leads) or `replica`. */
const isData = (role: string) => role === 'replica' || role === 'ranking';

type ReplicaRow = RowDataPacket & {
  slice_id: number;
  node_id: number;
  role: string;
  raft_role: string | null;
  size_bytes: number | null;
};

describe('a dead data node: its replicas and loggers are replaced on the live nodes', () => {
  let server: SqlServer;
  let conn: Connection;

  beforeAll(async () => {
    server = await startSqlServer(rootPassword, {
      clusterNodes: [
        { id: 1, zone: 'a' },
        { id: 2, zone: 'b' },
        { id: 3, zone: 'c' },
        { id: 4, zone: 'a' },
      ],
    });
    conn = await server.connect({ multipleStatements: true });
  });

  afterAll(async () => {
    await conn.end();
    await server.close();
  });

  const acctReplicas =
    'SELECT r.slice_id, r.node_id, r.role, r.raft_role, r.size_bytes FROM system.replicas r ' +
    'JOIN system.slices s ON s.slice_id = r.slice_id ' +
    'JOIN system.representations p ON p.representation_id = s.representation_id ' +
    "WHERE p.table_schema = 'shop' AND p.table_name = 'acct' ORDER BY r.slice_id, r.node_id";

  it('copies, promotes and removes, logs it, and keeps every row', async () => {
    await conn.query(
      'CREATE DATABASE shop; CREATE TABLE shop.acct (id INT PRIMARY KEY, balance INT) SLICES = 4',
    );
    const values = Array.from({ length: 200 }, (_, i) => `(${i}, 100)`);
    await conn.query(`INSERT INTO shop.acct VALUES ${values.join(',')}`);
    const [rep] = await conn.query<RowDataPacket[]>(
      "SELECT replicas, loggers FROM system.representations WHERE table_schema = 'shop' AND table_name = 'acct'",
    );
    const want = Number(rep[0]?.replicas);
    const wantLoggers = Number(rep[0]?.loggers);
    expect(want).toBeGreaterThanOrEqual(2);

    // The victim: a node holding data replicas of acct.
    const [before] = await conn.query<ReplicaRow[]>(acctReplicas);
    const victim = before.find((r) => isData(r.role))?.node_id ?? 0;
    const held = before
      .filter((r) => r.node_id === victim && isData(r.role))
      .map((r) => r.slice_id);
    const heldAsLogger = before
      .filter((r) => r.node_id === victim && r.role === 'logger')
      .map((r) => r.slice_id);
    expect(held.length).toBeGreaterThan(0);
    server.running.cluster.stopNode(victim);

    // Down after 3 s, replaced after 10 s more, then a copy, a promotion and a removal.
    const restored = (rows: readonly ReplicaRow[]) => {
      const slices = new Set(rows.map((r) => r.slice_id));
      return [...slices].every((slice) => {
        const data = rows.filter((r) => r.slice_id === slice && isData(r.role));
        const loggers = rows.filter((r) => r.slice_id === slice && r.role === 'logger');
        return (
          data.length === want &&
          loggers.length === wantLoggers &&
          [...data, ...loggers].every((r) => r.node_id !== victim && r.raft_role !== null) &&
          // Each data replica reports the data (reports are soft state, up to ~1.5 s old: a
          // new member's first ones may predate its snapshot).
          data.every((r) => (r.size_bytes ?? 0) > 0) &&
          !rows.some((r) => r.slice_id === slice && r.role === 'learner')
        );
      });
    };
    let rows: ReplicaRow[] = [];
    for (let i = 0; i < 200; i++) {
      [rows] = await conn.query<ReplicaRow[]>(acctReplicas);
      if (restored(rows)) break;
      await sleep(200);
    }
    expect(restored(rows), JSON.stringify(rows)).toBe(true);

    type Activity = RowDataPacket & {
      action: string;
      slice: number;
      from_node: number | null;
      to_node: number | null;
      reason: string;
      state: string;
      bytes: number;
      duration_ms: number;
    };
    const [activity] = await conn.query<Activity[]>(
      "SELECT * FROM system.rebalancer_activity WHERE representation = 'shop.acct'",
    );
    for (const slice of [...held, ...heldAsLogger]) {
      const add = activity.find((a) => a.action === 'add' && a.slice === slice);
      expect(add).toMatchObject({
        from_node: victim,
        reason: `node ${victim} down`,
        state: 'done',
      });
      // A data replica's copy has bytes; a logger holds none.
      if (held.includes(slice)) expect(add?.bytes).toBeGreaterThan(0);
      expect(add?.duration_ms).toBeGreaterThan(0);
      expect(add?.to_node).not.toBe(victim);
      expect(
        activity.find((a) => a.action === 'remove' && a.slice === slice && a.state === 'done'),
      ).toMatchObject({ from_node: victim, to_node: add?.to_node });
    }

    // Every row is still there, and writes go on.
    await conn.query('UPDATE shop.acct SET balance = balance + 1 WHERE id < 10');
    const [sum] = await conn.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n, SUM(balance) AS s FROM shop.acct',
    );
    expect([Number(sum[0]?.n), Number(sum[0]?.s)]).toEqual([200, 20_010]);
  }, 90_000);
});
