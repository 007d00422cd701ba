/**
 * Issue 5, first step, end to end: a data node of `tessera serve`'s embedded cluster dies and
 * does not come back. The control plane marks it down and gives every slice it ranked a new
 * ranking replica on a live node; the history shows as `system.rebalancer_activity`, the slice
 * map as `system.slices`, and reads and writes over the MySQL port keep working (mysql2).
 */
import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlServer } from './helpers';
import { startSqlServer } from './helpers';

const rootPassword = 'root-password-for-rerank';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a dead data node: its slices are re-ranked at once', () => {
  let server: SqlServer;
  let conn: Connection;

  beforeAll(async () => {
    server = await startSqlServer(rootPassword);
    conn = await server.connect({ multipleStatements: true });
  });
  /** Runs `sql`: no client-side retry — the gateway buffers through the failover. */
  async function available<T extends RowDataPacket[] | ResultSetHeader>(sql: string): Promise<T> {
    const [result] = await conn.query<T>(sql);
    return result;
  }

  afterAll(async () => {
    await conn.end();
    await server.close();
  });

  it('logs the re-ranks, leaves no ranking replica on the dead node, and keeps serving SQL', async () => {
    await conn.query(
      'CREATE DATABASE shop; CREATE TABLE shop.acct (id INT PRIMARY KEY, balance INT) SLICES = 6',
    );
    const values = Array.from({ length: 30 }, (_, i) => `(${i}, 100)`);
    await conn.query(`INSERT INTO shop.acct VALUES ${values.join(',')}`);

    // The victim: the node ranking the most slices (of every table, the seed table's too).
    const [busiest] = await conn.query<RowDataPacket[]>(
      'SELECT ranking_node AS node, COUNT(*) AS n FROM system.slices GROUP BY ranking_node ORDER BY n DESC, node LIMIT 1',
    );
    const victim = Number(busiest[0]?.node);
    const [ranked] = await conn.query<RowDataPacket[]>(
      `SELECT slice_id FROM system.slices WHERE ranking_node = ${victim} ORDER BY slice_id`,
    );
    const lost = ranked.map((r) => Number(r.slice_id));
    expect(lost.length).toBeGreaterThan(0);

    const stoppedAt = Date.now();
    server.running.cluster.stopNode(victim);

    // Marked down after nodeDownAfterMs (3 s), re-ranked at the control plane's next tick.
    type Activity = RowDataPacket & {
      time: Date;
      action: string;
      slice: number;
      representation: string;
      from_node: number | null;
      to_node: number | null;
      reason: string;
      state: string;
      bytes: number;
      duration_ms: number;
    };
    let activity: Activity[] = [];
    for (let i = 0; i < 100; i++) {
      [activity] = await conn.query<Activity[]>('SELECT * FROM system.rebalancer_activity');
      if (lost.every((slice) => activity.some((a) => a.slice === slice))) break;
      await sleep(200);
    }
    expect(activity.map((a) => a.slice).sort((a, b) => a - b)).toEqual(lost);
    for (const a of activity) {
      expect(a).toMatchObject({
        action: 'rerank',
        from_node: victim,
        reason: `node ${victim} down`,
        state: 'done',
      });
      expect(a.bytes).toBe(0);
      expect(a.to_node).not.toBe(victim);
      expect(a.time.getTime()).toBeGreaterThanOrEqual(stoppedAt - 1_000);
      expect(a.time.getTime() - stoppedAt).toBeLessThan(30_000);
    }
    // The acct slices are named after their table.
    expect(activity.some((a) => a.representation === 'shop.acct')).toBe(true);

    // The slice map: nothing ranked on the dead node, which shows as down.
    const [onVictim] = await conn.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM system.slices WHERE ranking_node = ${victim}`,
    );
    expect(Number(onVictim[0]?.n)).toBe(0);
    const [nodes] = await conn.query<RowDataPacket[]>(
      `SELECT state FROM system.nodes WHERE node_id = ${victim}`,
    );
    expect(nodes[0]?.state).toBe('down');

    // Reads and writes go on, with no error: every group keeps a majority, and while a group
    // that lost a member briefly has no leader (a late heartbeat on a loaded machine can cost
    // it the quorum for an election or two) the KV client holds its calls for the failover
    // window and the session retries an autocommit statement that failed cleanly.
    const sum = await available<RowDataPacket[]>('SELECT SUM(balance) AS s FROM shop.acct');
    expect(Number(sum[0]?.s)).toBe(3_000);
    await available('UPDATE shop.acct SET balance = balance - 10 WHERE id < 5');
    await available('UPDATE shop.acct SET balance = balance + 50 WHERE id = 29');
    await available('INSERT INTO shop.acct VALUES (100, 7), (101, 8)');
    const after = await available<RowDataPacket[]>(
      'SELECT COUNT(*) AS n, SUM(balance) AS s FROM shop.acct',
    );
    expect([Number(after[0]?.n), Number(after[0]?.s)]).toEqual([32, 3_000 + 15]);

    // Leadership followed the map: every slice of acct is led by its (live) ranking replica,
    // as the nodes report it (heartbeats every 500 ms, read by the gateway every second).
    const leaders =
      'SELECT r.slice_id, r.raft_role FROM system.replicas r ' +
      'JOIN system.slices s ON s.slice_id = r.slice_id ' +
      'JOIN system.representations p ON p.representation_id = s.representation_id ' +
      "WHERE p.table_schema = 'shop' AND p.table_name = 'acct' AND r.is_ranking = 1";
    let roles: (RowDataPacket & { raft_role: string | null })[] = [];
    for (let i = 0; i < 100; i++) {
      [roles] = await conn.query<(RowDataPacket & { raft_role: string | null })[]>(leaders);
      if (roles.length === 6 && roles.every((r) => r.raft_role === 'leader')) break;
      await sleep(200);
    }
    expect(roles.map((r) => r.raft_role)).toEqual(Array<string>(6).fill('leader'));
  }, 60_000);
});
