/**
 * The protocol against a real driver: mysql2 over real TCP, with every auth flow, both
 * protocols, every column type, multi-statements and split packets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import type { Connection, ConnectionOptions, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { authPlugins } from 'mysql2';

import type { TestServer } from './harness';
import { startToyServer } from './harness';
import { sha2Credential } from '../index';
import { PASSWORDS } from './toy-handler';

let t: TestServer;
beforeAll(async () => {
  t = await startToyServer();
});
afterAll(async () => {
  await t.server.close();
});

function connect(options: ConnectionOptions): Promise<Connection> {
  return mysql.createConnection({ host: '127.0.0.1', port: t.port, ...options });
}

async function selectOne(conn: Connection): Promise<unknown> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT 1');
  // BIGINT: a number, or a string with bigNumberStrings
  return Number(rows[0]?.['1']);
}

/** A caching_sha2 plugin that records whether the server's RSA key was requested. */
function sha2Plugin(seen: { keys: number }): NonNullable<ConnectionOptions['authPlugins']> {
  return {
    caching_sha2_password: authPlugins.caching_sha2_password({
      onServerPublicKey: () => {
        seen.keys++;
      },
    }),
  };
}

describe('authentication', () => {
  it('caching_sha2 full authentication over TLS, then fast authentication', async () => {
    t.server.sha2Cache.invalidate('sha2', '127.0.0.1');
    const ssl = { rejectUnauthorized: false };
    const first = await connect({ user: 'sha2', password: PASSWORDS.sha2, ssl });
    expect(await selectOne(first)).toBe(1);
    const [status] = await first.query<RowDataPacket[]>('SELECT user()');
    expect(status[0]?.['user()']).toBe('sha2@127.0.0.1');
    await first.end();
    expect(
      t.server.sha2Cache.get('sha2', '127.0.0.1', t.handler.accounts.get('sha2')?.credential ?? ''),
    ).toBeDefined();
    const second = await connect({ user: 'sha2', password: PASSWORDS.sha2, ssl });
    expect(await selectOne(second)).toBe(1);
    await second.end();
  });

  it('caching_sha2 full authentication over plain TCP with the RSA key exchange', async () => {
    t.server.sha2Cache.invalidate('root', '127.0.0.1');
    const seen = { keys: 0 };
    const first = await connect({
      user: 'root',
      password: PASSWORDS.root,
      authPlugins: sha2Plugin(seen),
    });
    expect(await selectOne(first)).toBe(1);
    await first.end();
    expect(seen.keys).toBe(1);
    // The successful full authentication filled the cache: the next login is a fast one.
    const second = await connect({
      user: 'root',
      password: PASSWORDS.root,
      authPlugins: sha2Plugin(seen),
    });
    expect(await selectOne(second)).toBe(1);
    await second.end();
    expect(seen.keys).toBe(1);
  });

  it('a password change invalidates the fast-auth cache', async () => {
    const conn = await connect({ user: 'root', password: PASSWORDS.root });
    await conn.end();
    const old = t.handler.accounts.get('root');
    if (old === undefined) throw new Error('no root');
    expect(t.server.sha2Cache.get('root', '127.0.0.1', old.credential)).toBeDefined();
    const changed = await sha2Credential('newpw', new Uint8Array(16).fill(7), {
      N: 1024,
      r: 8,
      p: 1,
    });
    t.handler.accounts.set('root', { plugin: old.plugin, credential: changed });
    await expect(connect({ user: 'root', password: PASSWORDS.root })).rejects.toMatchObject({
      errno: 1045,
    });
    const fresh = await connect({ user: 'root', password: 'newpw' });
    await fresh.end();
    t.handler.accounts.set('root', old);
  });

  it('mysql_native_password through an auth switch (the greeting proposes caching_sha2)', async () => {
    const conn = await connect({ user: 'native', password: PASSWORDS.native });
    expect(await selectOne(conn)).toBe(1);
    await conn.end();
  });

  it('an account without a password', async () => {
    const conn = await connect({ user: 'nopw' });
    expect(await selectOne(conn)).toBe(1);
    await conn.end();
  });

  it('a wrong password is refused with 1045 / 28000', async () => {
    for (const user of ['root', 'native', 'ghost']) {
      const error: unknown = await connect({ user, password: 'wrong' }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        errno: 1045,
        sqlState: '28000',
        sqlMessage: `Access denied for user '${user}'@'127.0.0.1' (using password: YES)`,
      });
    }
    const error: unknown = await connect({ user: 'root' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      errno: 1045,
      sqlMessage: expect.stringContaining('(using password: NO)') as unknown,
    });
  });

  it('an unknown database at connect is refused with 1049', async () => {
    await expect(
      connect({ user: 'root', password: PASSWORDS.root, database: 'nope' }),
    ).rejects.toMatchObject({
      errno: 1049,
      sqlState: '42000',
    });
    const conn = await connect({ user: 'root', password: PASSWORDS.root, database: 'test' });
    const [rows] = await conn.query<RowDataPacket[]>('SELECT database()');
    expect(rows[0]?.['database()']).toBe('test');
    await conn.end();
  });

  it('changeUser re-authenticates (with an auth switch to caching_sha2) and resets the session', async () => {
    const conn = await connect({ user: 'native', password: PASSWORDS.native });
    const resets = t.handler.events.resets;
    await conn.changeUser({ user: 'sha2', password: PASSWORDS.sha2 });
    const [rows] = await conn.query<RowDataPacket[]>('SELECT user()');
    expect(rows[0]?.['user()']).toBe('sha2@127.0.0.1');
    expect(t.handler.events.resets).toBe(resets + 1);
    await conn.changeUser({ user: 'native', password: PASSWORDS.native, database: 'other' });
    const [again] = await conn.query<RowDataPacket[]>('SELECT database()');
    expect(again[0]?.['database()']).toBe('other');
    await conn.end();
  });
});

describe('commands', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await connect({
      user: 'root',
      password: PASSWORDS.root,
      database: 'test',
      multipleStatements: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
    });
  });
  afterAll(async () => {
    await conn.end();
  });

  const expectedTypes = {
    tiny: -128,
    utiny: 255,
    short: -32768,
    medium: -8388608,
    long: -2147483648,
    longlong: '-9223372036854775808',
    ulonglong: '18446744073709551615',
    float: 1.5,
    double: 3.141592653589793,
    decimal: '-12345.6789',
    varchar: 'héllo wörld',
    char: 'c',
    blob: Buffer.from([0, 1, 2, 0xff]),
    date: '2024-02-29',
    datetime: '1999-12-31 23:59:58.123456',
    timestamp: '2038-01-19 03:14:07',
    time: '-838:59:59',
    ftime: '12:34:56.500',
    year: 2024,
    json: { a: [1, 2] },
    enum: 'b',
    nothing: null,
  };

  it('text protocol: every column type', async () => {
    const [rows, fields] = await conn.query<RowDataPacket[]>('SELECT * FROM types');
    expect(rows).toEqual([expectedTypes]);
    const byName = new Map(fields.map((f) => [f.name, f]));
    expect(byName.get('decimal')).toMatchObject({ columnType: 0xf6, decimals: 4 });
    expect(byName.get('utiny')?.flags).toEqual(expect.any(Number));
    // text columns carry the client's collation (mysql2: utf8mb4_unicode_ci)
    expect(byName.get('varchar')).toMatchObject({ characterSet: 224, columnType: 0xfd });
    expect(byName.get('blob')).toMatchObject({ characterSet: 63 });
  });

  it('binary protocol: every column type', async () => {
    const [rows] = await conn.execute<RowDataPacket[]>('SELECT * FROM types');
    // mysql2 prints binary TIME fractions without trailing zeros
    expect(rows).toEqual([{ ...expectedTypes, ftime: '12:34:56.5' }]);
  });

  it('prepared statements: parameters of every type round-trip', async () => {
    const values: (number | bigint | string | Buffer | null | boolean)[] = [
      1,
      -1,
      2147483647,
      9007199254740993n,
      1.25,
      'text ✓',
      Buffer.from([9, 8, 7]),
      null,
      true,
    ];
    for (const value of values) {
      const [rows] = await conn.execute<RowDataPacket[]>('SELECT ?', [value]);
      const got: unknown = rows[0]?.['?'];
      if (typeof value === 'bigint') expect(String(got)).toBe(value.toString());
      else if (value === true) expect(got).toBe(1);
      else expect(got).toEqual(value);
    }
    const [dates] = await conn.execute<RowDataPacket[]>('SELECT ?', [
      new Date(2020, 0, 2, 3, 4, 5, 678),
    ]);
    expect(dates[0]?.['?']).toBe('2020-01-02 03:04:05.678000');
    const [byId] = await conn.execute<RowDataPacket[]>('SELECT * FROM users WHERE id = ?', [2]);
    expect(byId).toEqual([{ id: 2, name: 'grace' }]);
  });

  it('errors carry code and SQLSTATE, in both protocols', async () => {
    await expect(conn.query('SELECT * FROM nonexistent')).rejects.toMatchObject({
      errno: 1146,
      sqlState: '42S02',
      sqlMessage: "Table 'test.nonexistent' doesn't exist",
    });
    await expect(conn.execute('SELECT * FROM nonexistent')).rejects.toMatchObject({ errno: 1146 });
    await expect(conn.query('GIBBERISH')).rejects.toMatchObject({ errno: 1064, sqlState: '42000' });
    expect(await selectOne(conn)).toBe(1);
  });

  it('OK packets carry affected rows, insert id and warnings', async () => {
    const [ok] = await conn.query('INSERT warn INTO t VALUES (1)');
    expect(ok).toMatchObject({ affectedRows: 1, insertId: 42, warningStatus: 2 });
  });

  it('multi-statements produce several results, and stop at the first error', async () => {
    const [results] = await conn.query<RowDataPacket[][]>(
      'SELECT 1; SELECT * FROM users; INSERT INTO t VALUES (1)',
    );
    expect(results).toHaveLength(3);
    expect(results[0]).toEqual([{ '1': '1' }]);
    expect(results[1]).toHaveLength(3);
    expect(results[2]).toMatchObject({ affectedRows: 1 });
    await expect(conn.query('SELECT 1; SELECT * FROM nope; SELECT 1')).rejects.toMatchObject({
      errno: 1146,
    });
    expect(await selectOne(conn)).toBe(1);
  });

  it('transactions show in the status flags', async () => {
    const [begun] = await conn.query<ResultSetHeader>('BEGIN');
    expect(begun.serverStatus & 0x1).toBe(0x1); // SERVER_STATUS_IN_TRANS
    expect(begun.serverStatus & 0x2).toBe(0x2); // SERVER_STATUS_AUTOCOMMIT
    const [committed] = await conn.query<ResultSetHeader>('COMMIT');
    expect(committed.serverStatus & 0x1).toBe(0);
  });

  it('a 20 MB blob round-trips through split packets both ways', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    const [rows] = await conn.execute<RowDataPacket[]>('SELECT ?', [big]);
    const got = rows[0]?.['?'] as Buffer;
    expect(got.length).toBe(big.length);
    expect(got.equals(big)).toBe(true);
    const [text] = await conn.query<RowDataPacket[]>(`SELECT REPEAT('x', ${0xffffff * 2})`);
    expect((text[0]?.['repeat'] as Buffer).length).toBe(0xffffff * 2);
  }, 60_000);

  it('ping, init db, reset connection', async () => {
    await conn.ping();
    await conn.query('USE other');
    const resets = t.handler.events.resets;
    await conn.reset();
    expect(t.handler.events.resets).toBe(resets + 1);
    await conn.ping();
  });

  it('prepared statements are closed through the handler', async () => {
    const before = t.handler.events.statementsClosed;
    const stmt = await conn.prepare('SELECT ?');
    const [rows] = await stmt.execute([5]);
    expect(rows).toEqual([{ '?': 5 }]);
    await stmt.close();
    await conn.ping();
    expect(t.handler.events.statementsClosed).toBe(before + 1);
  });
});
