/**
 * Issue 5, slice split by size end to end: `tessera serve` with a tiny split threshold
 * (`splitThresholdBytes`, the `--split-threshold` flag). Rows inserted over mysql2 grow a
 * table's slices past it; the rebalancer splits one by hash range (the parent group's leader
 * moves the upper half's keys into a new group on every member, the map splits once the new
 * group leads) while inserts keep going — visible as `system.rebalancer_activity` (`split`
 * done, reason `split: … > 16 KB`) and one more slice in `system.slices`; every row stays
 * readable and COUNT(*) is what was inserted.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlServer } from './helpers';
import { startSqlServer } from './helpers';

const rootPassword = 'root-password-for-split';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Activity = RowDataPacket & {
  action: string;
  slice: number;
  representation: string;
  reason: string;
  state: string;
  bytes: number;
  duration_ms: number;
};

describe('a slice over the split threshold splits in two, under inserts, losing nothing', () => {
  let server: SqlServer;
  let conn: Connection;

  beforeAll(async () => {
    server = await startSqlServer(rootPassword, { splitThresholdBytes: 16 * 1024 });
    conn = await server.connect({ multipleStatements: true });
  });

  afterAll(async () => {
    await conn.end();
    await server.close();
  });

  const slicesOf = async () => {
    const [rows] = await conn.query<RowDataPacket[]>(
      'SELECT s.slice_id FROM system.slices s JOIN system.representations p ' +
        'ON p.representation_id = s.representation_id ' +
        "WHERE p.table_schema = 'shop' AND p.table_name = 'item'",
    );
    return rows.length;
  };

  it('splits, records it, and keeps every row readable', async () => {
    await conn.query(
      'CREATE DATABASE shop; ' +
        'CREATE TABLE shop.item (id INT PRIMARY KEY, pad VARCHAR(200)) SLICES = 2',
    );
    const before = await slicesOf();
    expect(before).toBe(2);
    const pad = 'x'.repeat(180);
    let inserted = 0;
    const insert = async (count: number) => {
      const values = Array.from({ length: count }, (_, i) => `(${inserted + i}, '${pad}')`);
      await conn.query(`INSERT INTO shop.item VALUES ${values.join(',')}`);
      inserted += count;
    };
    // Past the threshold on both slices, then keep inserting while the split runs.
    await insert(300);
    let done: Activity | undefined;
    const deadline = Date.now() + 60_000;
    while (done === undefined && Date.now() < deadline) {
      await insert(20);
      const [activity] = await conn.query<Activity[]>(
        "SELECT * FROM system.rebalancer_activity WHERE action = 'split'",
      );
      done = activity.find((a) => a.state === 'done' && a.representation === 'shop.item');
      await sleep(200);
    }
    expect(done).toBeDefined();
    expect(done?.reason).toMatch(/^split: \d+(\.\d)? KB > 16 KB$/);
    expect(Number(done?.bytes)).toBeGreaterThan(0);
    expect(await slicesOf()).toBeGreaterThan(before);
    // Writes after the split, to both halves.
    await insert(50);
    const [[count]] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM shop.item');
    expect(Number(count?.n)).toBe(inserted);
    const [ids] = await conn.query<RowDataPacket[]>('SELECT id FROM shop.item ORDER BY id');
    expect(ids.map((r) => Number(r.id))).toEqual(Array.from({ length: inserted }, (_, i) => i));
    for (const id of [0, 7, 150, 299, inserted - 1]) {
      const [rows] = await conn.query<RowDataPacket[]>('SELECT pad FROM shop.item WHERE id = ?', [
        id,
      ]);
      expect(rows.map((r) => String(r.pad))).toEqual([pad]);
    }
  }, 120_000);
});
