/**
 * Streamed results end to end (packages/sql stream-scan.ts, txn scan-stream.ts): the real server
 * in this process (embedded cluster, gateway, engine) and real clients (mysql2, the `mysql`
 * CLI). A scan of a 50 000-row table is read slowly through mysql2's row stream: its first rows
 * arrive while the statement still runs, and the server's heap does not grow by the table while
 * the client is paused — measured against the same rows with ORDER BY, which cannot stream.
 * Plus an error mid-stream (after the rows already sent), KILL QUERY mid-stream, and the
 * warnings of the rows produced in the final EOF.
 */
import type { Socket } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import mysqlCore from 'mysql2';
import type { Connection as CoreConnection, QueryError } from 'mysql2';
import type { Connection, ConnectionOptions, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlServer, ToolRun } from './helpers';
import { runTool, startSqlServer } from './helpers';

const rootPassword = 'root-password-for-streaming';
const BIG_ROWS = 50_000;
/**
 * Bytes of each row's pad: the result is ~50 MB on the wire, well past what the loopback
 * socket buffers take (tcp_rmem max 32 MB + tcp_wmem max 4 MB here), so a paused client stops
 * the server short of the end.
 */
const PAD_BYTES = 1_000;
const INSERT_ROWS = 500;
const streamedScan = 'SELECT id, pad FROM big';
const materializedScan = 'SELECT id, pad FROM big ORDER BY id';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** The heap in use after full collections (client and server share this process). */
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

let server: SqlServer;

beforeAll(async () => {
  server = await startSqlServer(rootPassword);
  const setup = await connect({ database: undefined });
  await setup.query('CREATE DATABASE st');
  await setup.query('USE st');
  await setup.query('CREATE TABLE big (id INT PRIMARY KEY, pad VARCHAR(1000))');
  for (let at = 0; at < BIG_ROWS; at += INSERT_ROWS) {
    const rows = Array.from(
      { length: INSERT_ROWS },
      (_, i) => `(${at + i}, '${String(at + i).padStart(PAD_BYTES, 'x')}')`,
    );
    await setup.query(`INSERT INTO big VALUES ${rows.join(', ')}`);
  }
  await setup.end();
}, 300_000);

afterAll(async () => {
  await server.close();
});

async function connect(options: ConnectionOptions = {}): Promise<Connection> {
  const conn = await server.connect({ database: 'st', ...options });
  // A killed or failed connection reports it as an 'error' event as well as to the query.
  conn.on('error', () => undefined);
  return conn;
}

function connectCore(): Promise<CoreConnection> {
  const conn = mysqlCore.createConnection({
    host: '127.0.0.1',
    port: server.port,
    user: 'root',
    password: rootPassword,
    database: 'st',
  });
  conn.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    conn.connect((error) => {
      if (error === null) resolve(conn);
      else reject(error);
    });
  });
}

/**
 * A query's rows through mysql2's row stream, read when the test asks: while it does not, the
 * stream's buffer fills, mysql2 pauses the socket and TCP backpressure reaches the server.
 */
class SlowReader {
  private readonly iterator: AsyncIterator<unknown[]>;
  rows = 0;

  constructor(conn: CoreConnection, sql: string) {
    const stream = conn.query({ sql, rowsAsArray: true }).stream({ highWaterMark: 64 });
    this.iterator = (stream as AsyncIterable<unknown[]>)[Symbol.asyncIterator]();
  }

  /** Up to `n` more rows (fewer at the end); throws the query's error. */
  async read(n: number): Promise<unknown[][]> {
    const out: unknown[][] = [];
    while (out.length < n) {
      const next = await this.iterator.next();
      if (next.done === true) break;
      out.push(next.value);
      this.rows++;
    }
    return out;
  }
}

/** The server's Bytes_sent over every connection. */
async function bytesSent(conn: Connection): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Bytes_sent'");
  return Number(rows[0]?.Value);
}

async function processlist(conn: Connection): Promise<RowDataPacket[]> {
  const [rows] = await conn.query<RowDataPacket[]>('SHOW FULL PROCESSLIST');
  return rows;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the server has filled what the paused client's socket takes, and stopped. */
async function untilBlocked(observer: Connection, id: number, sql: string): Promise<void> {
  await sleep(1_500);
  const mine = (await processlist(observer)).find((p) => p.Id === id);
  // Still running: the scan is not finished, yet its first rows were read.
  expect(mine).toMatchObject({ Command: 'Query', Info: sql });
}

function mysqlCli(args: readonly string[]): Promise<ToolRun> {
  return runTool('/usr/bin/mysql', [
    '-h127.0.0.1',
    `-P${server.port}`,
    '-uroot',
    `-p${rootPassword}`,
    ...args,
  ]);
}

describe('a streamed scan', () => {
  it('sends its first rows while it runs, and holds pages, not the table, while the client is paused', async () => {
    const observer = await connect();
    const reader = await connectCore();
    try {
      const measure = async (sql: string) => {
        const sentBefore = await bytesSent(observer);
        const before = heapUsed();
        const rows = new SlowReader(reader, sql);
        const first = await rows.read(100);
        expect(first.map((r) => r[0])).toEqual(Array.from({ length: 100 }, (_, i) => i));
        await untilBlocked(observer, reader.threadId, sql);
        const growth = heapUsed() - before;
        // The server sent a fraction of the result: the rest is neither sent nor (for the
        // stream: see its heap) held — not read yet.
        const sent = (await bytesSent(observer)) - sentBefore;
        expect(sent).toBeLessThan(BIG_ROWS * PAD_BYTES * 0.8);
        // Then the rest, slowly enough to stay paused now and then, in key order.
        let expected = 100;
        for (;;) {
          const batch = await rows.read(5_000);
          if (batch.length === 0) break;
          for (const r of batch) expect(r[0]).toBe(expected++);
        }
        expect(rows.rows).toBe(BIG_ROWS);
        // Read to its end, the statement is over.
        const after = (await processlist(observer)).find((p) => p.Id === reader.threadId);
        expect(after?.Command).toBe('Sleep');
        return growth;
      };
      const streamed = await measure(streamedScan);
      const materialized = await measure(materializedScan);
      // The materialized result holds every row (~50 MB of pad, plus the values' overhead);
      // the stream holds a few pages per slice.
      expect(materialized).toBeGreaterThan(BIG_ROWS * PAD_BYTES);
      expect(streamed).toBeLessThan(materialized / 5);
      expect(streamed).toBeLessThan(8 * 1024 * 1024);
      // The statement ended with its rows: FOUND_ROWS() counts them.
      const [[found]] = await reader.promise().query<RowDataPacket[][]>({
        sql: 'SELECT FOUND_ROWS()',
        rowsAsArray: true,
      });
      expect(found).toEqual([BIG_ROWS]);
    } finally {
      reader.destroy();
      await observer.end();
    }
  }, 180_000);

  it('ends with the error after the rows already sent, and the connection stays usable', async () => {
    const setup = await connect();
    await setup.query('CREATE TABLE jt (id INT PRIMARY KEY, j VARCHAR(40))');
    const values = Array.from({ length: 3_000 }, (_, i) =>
      i === 2_500 ? `(${i}, 'not json')` : `(${i}, '{"a": ${i}}')`,
    );
    await setup.query(`INSERT INTO jt VALUES ${values.join(', ')}`);
    const conn = await connectCore();
    try {
      const got: number[] = [];
      const failure = await new Promise<QueryError>((resolve, reject) => {
        conn
          .query({ sql: "SELECT id FROM jt WHERE JSON_EXTRACT(j, '$.a') >= 0", rowsAsArray: true })
          .on('result', (row) => {
            got.push(Number((row as unknown[])[0]));
          })
          .on('error', resolve)
          .on('end', () => {
            reject(new Error(`no error after ${got.length} rows`));
          });
      });
      expect(failure).toMatchObject({ errno: 3141, sqlState: '22032' });
      expect(got).toEqual(Array.from({ length: 2_500 }, (_, i) => i));
      const [warnings] = await conn.promise().query<RowDataPacket[]>('SHOW WARNINGS');
      expect(warnings).toEqual([expect.objectContaining({ Level: 'Error', Code: 3141 })]);
      const [[one]] = await conn
        .promise()
        .query<RowDataPacket[][]>({ sql: 'SELECT COUNT(*) FROM jt', rowsAsArray: true });
      expect(one).toEqual([3_000]);
    } finally {
      conn.destroy();
      await setup.end();
    }
  });

  it('KILL QUERY mid-stream: 1317 after the rows already sent, the connection stays usable', async () => {
    const killer = await connect();
    const victim = await connectCore();
    try {
      const rows = new SlowReader(victim, streamedScan);
      await rows.read(100);
      await untilBlocked(killer, victim.threadId, streamedScan);
      await killer.query(`KILL QUERY ${victim.threadId}`);
      const error = await rows.read(BIG_ROWS).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ errno: 1317, sqlState: '70100' });
      expect(rows.rows).toBeGreaterThanOrEqual(100);
      expect(rows.rows).toBeLessThan(BIG_ROWS);
      const [[one]] = await victim
        .promise()
        .query<RowDataPacket[][]>({ sql: 'SELECT 1', rowsAsArray: true });
      expect(one).toEqual([1]);
      // It is not listed as running any more.
      const mine = (await processlist(killer)).find((p) => p.Id === victim.threadId);
      expect(mine?.Command).toBe('Sleep');
    } finally {
      victim.destroy();
      await killer.end();
    }
  }, 60_000);

  it('a client gone mid-stream ends the statement: its connection is gone, the server serves', async () => {
    const observer = await connect();
    const conn = await connectCore();
    const id = conn.threadId;
    try {
      const rows = new SlowReader(conn, streamedScan);
      await rows.read(100);
      await untilBlocked(observer, id, streamedScan);
      // The socket itself (mysql2's destroy() only half-closes: FIN, and keeps the socket).
      (conn as unknown as { stream: Socket }).stream.destroy();
      const deadline = Date.now() + 10_000;
      while ((await processlist(observer)).some((p) => p.Id === id)) {
        if (Date.now() > deadline) throw new Error(`connection ${id} still listed`);
        await sleep(20);
      }
      const [[count]] = await observer.query<RowDataPacket[][]>({
        sql: 'SELECT COUNT(*) FROM big',
        rowsAsArray: true,
      });
      expect(count).toEqual([BIG_ROWS]);
    } finally {
      await observer.end();
    }
  });

  it('streams for prepared statements too (binary rows)', async () => {
    const conn = await connect();
    try {
      const [rows] = await conn.execute<RowDataPacket[]>(
        'SELECT id FROM big WHERE id BETWEEN ? AND ? AND id % 2 = 0',
        [10, 20],
      );
      expect(rows.map((r) => Number(r.id))).toEqual([10, 12, 14, 16, 18, 20]);
    } finally {
      await conn.end();
    }
  });

  it('reports the warnings of the rows it produced in its EOF (the mysql CLI prints them)', async () => {
    const run = await mysqlCli([
      '-vvv',
      'st',
      '-e',
      "SELECT id, CONCAT(pad, '') + 1 FROM big LIMIT 3",
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('3 rows in set, 3 warnings');
  });
});
