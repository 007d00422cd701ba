/**
 * What a hostile or unlucky network does to the server: garbage, truncated handshakes, giant
 * lengths, many clients at once, KILL, shutdown. The server must keep serving everyone else.
 */
import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import type { Connection, RowDataPacket } from 'mysql2/promise';

import { PayloadBuilder } from '../protocol/buffer';
import { Command } from '../protocol/constants';
import type { TestServer } from './harness';
import { startToyServer } from './harness';
import { RawClient, errorOf, openSocket } from './raw-client';
import { PASSWORDS } from './toy-handler';

function connect(port: number, options: mysql.ConnectionOptions = {}): Promise<Connection> {
  return mysql.createConnection({
    host: '127.0.0.1',
    port,
    user: 'root',
    password: PASSWORDS.root,
    ...options,
  });
}

async function selectOne(conn: Connection): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT 1');
  return Number(rows[0]?.['1']);
}

function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (check()) resolve();
      else if (Date.now() - start > ms) reject(new Error('timed out'));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

/** Writes bytes, then waits until the server closes the socket (or `ms` passes). */
function sendAndWaitClose(port: number, chunks: Buffer[], ms = 3000): Promise<Buffer> {
  return openSocket(port).then(
    (socket) =>
      new Promise<Buffer>((resolve) => {
        const received: Buffer[] = [];
        const timer = setTimeout(() => {
          socket.destroy();
          resolve(Buffer.concat(received));
        }, ms);
        socket.on('data', (d: Buffer) => received.push(d));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(Buffer.concat(received));
        });
        for (const c of chunks) socket.write(c);
      }),
  );
}

function packet(payload: Buffer, seq: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = seq;
  return Buffer.concat([header, payload]);
}

describe('robustness', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startToyServer({ maxPacketBytes: 1 << 20, handshakeTimeoutMs: 300 });
  });
  afterAll(async () => {
    await t.server.close();
  });

  it('fuzz: random bytes and truncated handshakes from many sockets; others keep being served', async () => {
    const witness = await connect(t.port);
    const attacks: Promise<Buffer>[] = [];
    for (let i = 0; i < 60; i++) {
      const kind = i % 6;
      let chunks: Buffer[];
      if (kind === 0) chunks = [randomBytes(1 + ((i * 37) % 2000))];
      else if (kind === 1) chunks = [packet(randomBytes(40 + i), 1)];
      else if (kind === 2)
        chunks = [packet(Buffer.from([0x8d, 0xa6, 0x0f, 0x00, 0, 0, 0, 1, 0xff]), 1)];
      else if (kind === 3)
        chunks = [Buffer.from([0xff, 0xff, 0xff, 1])]; // a giant length, then nothing
      else if (kind === 4) chunks = [Buffer.from([0xff, 0xff, 0xff, 1]), randomBytes(70_000)];
      else chunks = [packet(Buffer.concat([Buffer.from([0x00, 0x02, 0, 0]), randomBytes(28)]), 1)];
      attacks.push(sendAndWaitClose(t.port, chunks));
      if (i % 10 === 0) expect(await selectOne(witness)).toBe(1);
    }
    const answers = await Promise.all(attacks);
    // Each attacker got a greeting, and whatever it got after is an ERR packet or nothing.
    for (const a of answers) expect(a.length).toBeGreaterThan(4);
    expect(await selectOne(witness)).toBe(1);
    await witness.end();
    await waitFor(() => t.server.connectionCount === 0);
    const fresh = await connect(t.port);
    expect(await selectOne(fresh)).toBe(1);
    await fresh.end();
  }, 20_000);

  it('fuzz: random commands after login never crash the server', async () => {
    for (let round = 0; round < 20; round++) {
      const client = await RawClient.login(t.port);
      const closed = new Promise<void>((resolve) =>
        client.socket.on('close', () => {
          resolve();
        }),
      );
      for (let i = 0; i < 20 && !client.socket.destroyed; i++) {
        const cmd = Buffer.concat([
          Buffer.from([i % 0x20]),
          randomBytes((round * 31 + i * 7) % 300),
        ]);
        if (cmd[0] === Command.QUIT) continue;
        await client.send(cmd);
      }
      client.close();
      await closed;
    }
    const conn = await connect(t.port);
    expect(await selectOne(conn)).toBe(1);
    await conn.end();
  }, 20_000);

  it('a packet over max_allowed_packet gets 1153 and closes', async () => {
    const client = await RawClient.login(t.port);
    const big = Buffer.alloc((1 << 20) + 10, 0x41);
    big[0] = Command.QUERY;
    const [err] = await client.command(big);
    expect(errorOf(err)).toMatchObject({ code: 1153, sqlState: '08S01' });
    await waitFor(() => client.socket.destroyed || client.socket.readableEnded);
    client.close();
  });

  it('a client that never completes its handshake is dropped (injected timer)', async () => {
    const answer = await sendAndWaitClose(t.port, [], 3000);
    expect(answer.length).toBeGreaterThan(0); // the greeting, then the close
  });

  it('an unknown command gets 1047, and the connection stays usable', async () => {
    const client = await RawClient.login(t.port);
    const [err] = await client.command(Buffer.from([0x1e]));
    expect(errorOf(err)).toEqual({ code: 1047, sqlState: '08S01', message: 'Unknown command' });
    const [ok] = await client.command(Buffer.from([Command.PING]));
    expect(ok?.[0]).toBe(0);
    client.close();
  });

  it('COM_STATISTICS, COM_SET_OPTION, COM_FIELD_LIST, COM_STMT_SEND_LONG_DATA / RESET', async () => {
    const client = await RawClient.login(t.port);
    const [stats] = await client.command(Buffer.from([Command.STATISTICS]));
    expect(stats?.toString()).toMatch(/Threads/);

    const off = await client.command(Buffer.from([Command.SET_OPTION, 1, 0]));
    expect(off[0]?.[0]).toBe(0xfe);
    const [refused] = await client.command(Buffer.from('\x03SELECT 1; SELECT 1', 'latin1'));
    expect(errorOf(refused).code).toBe(1064);
    await client.command(Buffer.from([Command.SET_OPTION, 0, 0]));

    const fields = await client.command(Buffer.from('\x04users\x00', 'latin1'), 3);
    expect(fields[2]?.[0]).toBe(0xfe);

    const [prepared] = await client.command(Buffer.from('\x16SELECT ?', 'latin1'), 2);
    const statementId = prepared?.readUInt32LE(1) ?? 0;
    const longData = (part: string): Buffer => {
      const b = new PayloadBuilder();
      b.int1(Command.STMT_SEND_LONG_DATA).int4(statementId).int2(0).str(part);
      return Buffer.from(b.view());
    };
    await client.send(longData('hello, '));
    await client.send(longData('world'));
    const execute = new PayloadBuilder();
    execute.int1(Command.STMT_EXECUTE).int4(statementId).int1(0).int4(1);
    execute.int1(0).int1(1).int1(0xfd).int1(0); // null bitmap, new params bound, VAR_STRING
    const answer = await client.command(execute.view(), 4); // count, column, row, OK
    expect(answer[2]?.subarray(2).toString()).toBe('\x0chello, world');

    const [reset] = await client.command(
      Buffer.from([Command.STMT_RESET, ...Buffer.from(Uint32Array.of(statementId).buffer)]),
    );
    expect(reset?.[0]).toBe(0);
    const [unknown] = await client.command(Buffer.from([Command.STMT_RESET, 99, 0, 0, 0]));
    expect(errorOf(unknown).code).toBe(1243);
    client.close();
  });

  it('200 concurrent connections', async () => {
    await waitFor(() => t.server.connectionCount === 0);
    const conns = await Promise.all(Array.from({ length: 200 }, () => connect(t.port)));
    expect(t.server.connectionCount).toBe(200);
    const results = await Promise.all(
      conns.map((c) => c.query<RowDataPacket[]>('SELECT * FROM users')),
    );
    for (const [rows] of results) expect(rows).toHaveLength(3);
    await Promise.all(conns.map((c) => c.end()));
    await waitFor(() => t.server.connectionCount === 0);
  }, 30_000);

  it('KILL QUERY interrupts a slow query with 1317; KILL closes the connection', async () => {
    const conn = await connect(t.port);
    const slow = conn.query('SELECT SLEEP(10)').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.server.killQuery(conn.threadId)).toBe(true);
    expect(await slow).toMatchObject({ errno: 1317, sqlState: '70100' });
    expect(await selectOne(conn)).toBe(1);

    const slower = conn.query('SELECT SLEEP(10)').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.server.kill(conn.threadId)).toBe(true);
    expect(await slower).toMatchObject({ code: 'PROTOCOL_CONNECTION_LOST' });
    await waitFor(() => t.handler.events.closed.includes(conn.threadId));
    expect(t.server.kill(conn.threadId)).toBe(false);
  });
});

describe('shutdown', () => {
  it('close() lets a running query answer, then ends every connection', async () => {
    const t = await startToyServer();
    const idle = await Promise.all([1, 2, 3].map(() => connect(t.port)));
    const busy = await connect(t.port);
    const ids = [...idle, busy].map((c) => c.threadId);
    const running = busy.query<RowDataPacket[]>('SELECT SLEEP(0.3)');
    await new Promise((r) => setTimeout(r, 50));
    const closing = t.server.close();
    const [rows] = await running;
    expect(rows).toEqual([{ sleep: 0 }]);
    await closing;
    expect(t.server.connectionCount).toBe(0);
    expect([...t.handler.events.closed].sort()).toEqual([...ids].sort());
    await expect(connect(t.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    for (const c of [...idle, busy]) c.destroy();
  });

  it('refuses connections beyond maxConnections with 1040', async () => {
    const t = await startToyServer({ maxConnections: 2 });
    const a = await connect(t.port);
    const b = await connect(t.port);
    await expect(connect(t.port)).rejects.toMatchObject({ errno: 1040 });
    await a.end();
    await b.end();
    await t.server.close();
  });
});
