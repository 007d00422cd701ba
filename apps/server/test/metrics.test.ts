/**
 * Issue 6, the live console's data, end to end on `tessera serve`: statements over the MySQL
 * port (mysql2) show in the metrics recorder's samples (statements/s, p50 / p99), read through
 * the real tRPC API; the overview's new slice fields (what a slice stores, its hash range, its
 * size and load) describe a SQL table's slices; killing a data node through the API gives a
 * node-state event and slice-leader events.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterEvent, SliceOverview } from '@tessera/api';
import { adminPassword, signIn, startSqlServer } from './helpers';
import type { Browser, SqlServer } from './helpers';

const rootPassword = 'root-password-for-metrics';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: SqlServer;
let conn: Connection;
let admin: Browser;

beforeAll(async () => {
  server = await startSqlServer(rootPassword);
  conn = await server.connect({ multipleStatements: true });
  admin = await signIn(server.running.api.url, 'admin', adminPassword);
});

afterAll(async () => {
  await conn.end();
  await server.close();
});

/** Polls `read` every 200 ms until `done` holds for its answer; fails after `timeoutMs`. */
async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline)
      throw new Error(`still not there after ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await sleep(200);
    value = await read();
  }
  return value;
}

const ordersSlices = async (): Promise<SliceOverview[]> =>
  (await admin.client.cluster.overview.query()).slices.filter(
    (s) => s.database === 'shop' && s.tableName === 'orders' && s.index === null,
  );

describe('the metrics and the overview behind the console', () => {
  it('describes a table’s slices: names, hash ranges covering the hash space, bytes that grow', async () => {
    await conn.query(
      'CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, customer INT, note VARCHAR(200), KEY by_customer (customer)) SLICES = 4',
    );
    const slices = await until(ordersSlices, (s) => s.length === 4, 20_000);
    for (const s of slices) expect(s.table).toBe('shop.orders');
    // Sorted by start, the ranges tile [0, 2^64): each ends where the next begins.
    const ranges = slices
      .map((s) => [BigInt(`0x${s.hashStart}`), BigInt(`0x${s.hashEnd}`)] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    expect(ranges[0]?.[0]).toBe(0n);
    expect(ranges[ranges.length - 1]?.[1]).toBe(1n << 64n);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.[0]).toBe(ranges[i - 1]?.[1]);
    for (const [start, end] of ranges) expect(start < end).toBe(true);
    for (const s of slices) {
      expect(s.hashStart).toMatch(/^[0-9a-f]{16}$/);
      expect(s.hashEnd).toMatch(/^([0-9a-f]{16}|10000000000000000)$/);
    }

    // The secondary index is its own representation, named db.table.index.
    const overview = await admin.client.cluster.overview.query();
    const index = overview.slices.filter((s) => s.index === 'by_customer');
    expect(index.length).toBeGreaterThan(0);
    expect(index[0]).toMatchObject({
      table: 'shop.orders.by_customer',
      database: 'shop',
      tableName: 'orders',
    });
    expect(overview.tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['shop.orders', 'shop.orders.by_customer']),
    );
    expect(overview.splitThresholdBytes).toBe(512 * 1024 * 1024);
    expect(overview.rebalancer.running).toBeGreaterThanOrEqual(0);

    // Bytes as the leaders report them (every 500 ms): known, then larger after inserts.
    const sized = await until(ordersSlices, (s) => s.every((x) => x.bytes !== null), 10_000);
    const before = sized.reduce((sum, s) => sum + (s.bytes ?? 0), 0);
    const note = 'n'.repeat(150);
    const rows = Array.from({ length: 400 }, (_, i) => `(${i}, ${i % 17}, '${note}')`);
    await conn.query(`INSERT INTO shop.orders VALUES ${rows.join(',')}`);
    const grown = await until(
      ordersSlices,
      (s) => s.reduce((sum, x) => sum + (x.bytes ?? 0), 0) >= before + 400 * 150,
      10_000,
    );
    expect(grown).toHaveLength(slices.length);
    // Writes were applied: some slice's leader reports a write rate above zero. (A rate is null
    // while its leader's report is stale or is the first of its term, so not every slice has one
    // at every moment on a loaded machine.)
    // A rate covers the leader's last two reports (500 ms apart): keep writing while looking.
    let next = 1000;
    const writing = await until(
      async () => {
        await conn.query(`INSERT INTO shop.orders VALUES (${next}, 1, 'w'), (${next + 1}, 2, 'w')`);
        next += 2;
        return ordersSlices();
      },
      (s) => s.some((x) => (x.writesPerSec ?? 0) > 0),
      10_000,
    );
    expect(writing.some((s) => (s.writesPerSec ?? 0) > 0)).toBe(true);
    // The table holds the 400 rows again for the tests below.
    await conn.query('DELETE FROM shop.orders WHERE id >= 1000');
  }, 60_000);

  it('samples statements per second and their latency, the sessions and each node’s load', async () => {
    const startedAt = Date.now();
    // Text statements, a streamed scan, prepared executions, and one that fails.
    for (let i = 0; i < 20; i++) {
      await conn.query(`SELECT note FROM shop.orders WHERE id = ${i}`);
      await conn.execute('SELECT customer FROM shop.orders WHERE id = ?', [i]);
    }
    const [all] = await conn.query<RowDataPacket[]>('SELECT * FROM shop.orders');
    expect(all).toHaveLength(400);
    await expect(conn.query('SELECT nope FROM shop.orders')).rejects.toMatchObject({ errno: 1054 });

    // The windows holding them: 42 statements, one failed. Rates are per window (about a
    // second, not exactly): their sum over the windows is the count within a few percent.
    const samples = await until(
      () => admin.client.metrics.cluster.query({ sinceMs: startedAt - 1000 }),
      (s) =>
        s.reduce((sum, x) => sum + x.statementsPerSec, 0) >= 42 * 0.95 &&
        s.reduce((sum, x) => sum + x.errorsPerSec, 0) >= 0.95 &&
        s.some((x) => x.nodes.some((n) => n.busyPercent !== null)),
      15_000,
    );
    const busiest = samples.reduce((a, b) => (b.statementsPerSec > a.statementsPerSec ? b : a));
    expect(busiest.statementsPerSec).toBeGreaterThan(0);
    expect(busiest.p50Ms).not.toBeNull();
    expect(busiest.p99Ms).not.toBeNull();
    expect(busiest.p99Ms ?? 0).toBeGreaterThanOrEqual(busiest.p50Ms ?? Infinity);
    // Our connection is a session (the console's own SQL page may add its own).
    expect(busiest.sessions).toBeGreaterThanOrEqual(1);
    expect(busiest.nodes.map((n) => n.node)).toEqual([1, 2, 3]);
    for (const sample of samples) {
      for (const n of sample.nodes) {
        if (n.busyPercent !== null) expect(n.busyPercent).toBeGreaterThanOrEqual(0);
        if (n.busyPercent !== null) expect(n.busyPercent).toBeLessThanOrEqual(100);
      }
    }
    // Samples follow each other about a second apart.
    const ats = (await admin.client.metrics.cluster.query({})).map((s) => s.at);
    for (let i = 1; i < ats.length; i++)
      expect((ats[i] ?? 0) - (ats[i - 1] ?? 0)).toBeGreaterThan(500);

    // A slice's series: the samples of one of the table's slices, its bytes among them.
    const [first] = await ordersSlices();
    const series = await admin.client.metrics.slice.query({ sliceId: first?.sliceId ?? -1 });
    expect(series.length).toBeGreaterThan(0);
    expect(series.some((s) => s.bytes !== null && s.bytes > 0)).toBe(true);
    expect(await admin.client.metrics.hotspots.query()).toEqual(expect.any(Array));
  }, 60_000);

  it('a killed node: a node-state event and slice-leader events for the slices it led', async () => {
    const overview = await admin.client.cluster.overview.query();
    const led = (id: number) => overview.slices.filter((s) => s.leader === id).length;
    const victim = overview.nodes.map((n) => n.id).sort((a, b) => led(b) - led(a))[0] ?? 1;
    expect(led(victim)).toBeGreaterThan(0);
    const newest = (await admin.client.metrics.events.query({ limit: 1 }))[0]?.id ?? 0;

    await admin.client.cluster.killNode.mutate({ nodeId: victim });
    const since = (events: readonly ClusterEvent[]) => events.filter((e) => e.id > newest);
    const events = since(
      await until(
        () => admin.client.metrics.events.query({ limit: 500 }),
        (e) =>
          since(e).some(
            (x) => x.kind === 'node-state' && x.node === victim && x.message.includes('down'),
          ) && since(e).some((x) => x.kind === 'slice-leader'),
        20_000,
      ),
    );
    expect(events.find((e) => e.kind === 'node-state' && e.node === victim)).toMatchObject({
      severity: 'warning',
    });
    const moved = events.filter((e) => e.kind === 'slice-leader');
    for (const e of moved) {
      expect(e.message).toMatch(new RegExp(`^Slice ${e.slice} \\(.+\\) leader ${victim} → \\d+$`));
      expect(e.node).not.toBe(victim);
    }
    // Ids increase with time; the newest come first.
    const ids = events.map((e) => e.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    // Its slices are under-replicated (2 replicas + 1 logger: one of three voters gone).
    expect(events.some((e) => e.kind === 'under-replicated' && e.severity === 'warning')).toBe(
      true,
    );
    // A slice's own events.
    const slice = moved[0]?.slice ?? -1;
    const ofSlice = await admin.client.metrics.events.query({ limit: 50, slice });
    expect(ofSlice.length).toBeGreaterThan(0);
    expect(ofSlice.every((e) => e.slice === slice)).toBe(true);
  }, 60_000);
});
