/**
 * Local sessions (the console's connections without a socket) on a real MysqlServer with the
 * toy handler: the text they give is the text protocol's (compared with what mysql2 reads over
 * TCP), ids come from the sockets' counter, KILL reaches them, and they close exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import type { Connection } from 'mysql2/promise';

import type { LocalResult, LocalSession } from '../index';
import type { TestServer } from '../test/harness';
import { startToyServer } from '../test/harness';
import { PASSWORDS } from '../test/toy-handler';

let t: TestServer;
beforeAll(async () => {
  t = await startToyServer();
});
afterAll(async () => {
  await t.server.close();
});

async function open(user = 'root'): Promise<LocalSession> {
  const opening = await t.server.openLocalSession(user, '%');
  if (opening.kind !== 'open') throw new Error(`no local session: ${opening.kind}`);
  return opening.session;
}

async function all(session: LocalSession, sql: string, maxRows = 100): Promise<LocalResult[]> {
  const out: LocalResult[] = [];
  for await (const result of session.query(sql, { maxRows })) out.push(result);
  return out;
}

function connect(): Promise<Connection> {
  return mysql.createConnection({
    host: '127.0.0.1',
    port: t.port,
    user: 'root',
    password: PASSWORDS.root,
    multipleStatements: true,
  });
}

describe('local sessions', () => {
  it('give each value as the text protocol writes it (binary strings in hex)', async () => {
    const conn = await connect();
    // typeCast false: mysql2 hands over the text protocol's bytes untouched.
    const [wire] = await conn.query<mysql.RowDataPacket[][]>({
      sql: 'SELECT * FROM types',
      rowsAsArray: true,
      typeCast: false,
    });
    await conn.end();
    const session = await open();
    const [result] = await all(session, 'SELECT * FROM types');
    session.close();
    if (result?.kind !== 'rows') throw new Error(`expected rows, got ${JSON.stringify(result)}`);
    const expected = (wire[0] ?? []).map((v: unknown) =>
      v === null
        ? null
        : Buffer.isBuffer(v)
          ? v.toString('utf8')
          : typeof v === 'string'
            ? v
            : JSON.stringify(v),
    );
    const blob = result.columns.findIndex((c) => c.name === 'blob');
    expected[blob] = '0x000102ff';
    expect(result.rows).toEqual([expected]);
    expect(result.columns.slice(0, 3)).toEqual([
      { name: 'tiny', type: 'TINY' },
      { name: 'utiny', type: 'TINY' },
      { name: 'short', type: 'SHORT' },
    ]);
    expect(result.rows[0]).toContain('héllo wörld');
    expect(result.rows[0]).toContain('1999-12-31 23:59:58.123456');
  });

  it('keep maxRows rows and count the rest; run several statements, stopping at the first error', async () => {
    const session = await open();
    const results = await all(
      session,
      'SELECT * FROM users; INSERT INTO x VALUES (1); SELECT * FROM nope; SELECT 1',
      2,
    );
    session.close();
    expect(results).toEqual([
      {
        kind: 'rows',
        columns: [
          { name: 'id', type: 'LONG' },
          { name: 'name', type: 'VAR_STRING' },
        ],
        rows: [
          ['1', 'ada'],
          ['2', 'grace'],
        ],
        rowCount: 3,
        warnings: 0,
      },
      { kind: 'ok', affectedRows: 1, lastInsertId: 42, warnings: 0, info: '' },
      {
        kind: 'error',
        code: 1146,
        sqlState: '42S02',
        message: "Table 'test.nope' doesn't exist",
      },
    ]);
  });

  it('take their ids from the sockets counter and keep the database a USE sets', async () => {
    const conn = await connect();
    const session = await open();
    expect(session.id).toBe(conn.threadId + 1);
    expect(t.server.connectionIds()).toContain(session.id);
    expect(await session.use('nowhere')).toMatchObject({ code: 1049, sqlState: '42000' });
    expect(await session.use('test')).toBeUndefined();
    await all(session, 'USE other');
    expect(session.database).toBe('other');
    const [me] = await all(session, 'SELECT user()');
    expect(me).toMatchObject({ rows: [['root@console']] });
    session.close();
    await conn.end();
  });

  it('answer 1317 to KILL QUERY and stay usable; KILL CONNECTION closes them after the command', async () => {
    const session = await open();
    const running = all(session, 'SELECT SLEEP(30)');
    await new Promise((r) => setTimeout(r, 50));
    expect(t.server.killQuery(session.id)).toBe(true);
    expect(await running).toEqual([
      {
        kind: 'error',
        code: 1317,
        sqlState: '70100',
        message: 'Query execution was interrupted',
      },
    ]);
    expect(await all(session, 'SELECT 1')).toMatchObject([{ kind: 'rows', rows: [['1']] }]);

    const again = all(session, 'SELECT SLEEP(30)');
    await new Promise((r) => setTimeout(r, 50));
    expect(t.server.kill(session.id)).toBe(true);
    expect(await again).toMatchObject([{ kind: 'error', code: 1317 }]);
    await session.closed;
    expect(session.isClosed).toBe(true);
    expect(t.handler.events.closed.filter((id) => id === session.id)).toHaveLength(1);
    expect(t.server.connectionIds()).not.toContain(session.id);
    expect(t.server.kill(session.id)).toBe(false);
    expect(await all(session, 'SELECT 1')).toEqual([
      {
        kind: 'error',
        code: 1317,
        sqlState: '70100',
        message: 'The session was closed or killed',
      },
    ]);
    expect(await session.use('test')).toMatchObject({ code: 1317 });
    session.close();
    expect(t.handler.events.closed.filter((id) => id === session.id)).toHaveLength(1);
  });

  it('run one command at a time, and close once the running one answered', async () => {
    const session = await open();
    const running = all(session, 'SELECT SLEEP(0.2)');
    await new Promise((r) => setTimeout(r, 20));
    await expect(all(session, 'SELECT 1')).rejects.toThrow(/one command at a time/);
    session.close();
    expect(session.isClosed).toBe(false);
    expect(await running).toMatchObject([{ kind: 'rows', rows: [['0']] }]);
    await session.closed;
    expect(t.handler.events.closed.filter((id) => id === session.id)).toHaveLength(1);
  });

  it('need an account: none for an unknown user', async () => {
    expect(await t.server.openLocalSession('nobody', '%')).toEqual({ kind: 'noAccount' });
  });

  it('end with the server: close() waits for them and later openings are refused', async () => {
    const own = await startToyServer();
    const opening = await own.server.openLocalSession('root', '%');
    if (opening.kind !== 'open') throw new Error('no local session');
    const running = all(opening.session, 'SELECT SLEEP(0.2)');
    await own.server.close();
    expect(await running).toMatchObject([{ kind: 'rows' }]);
    expect(opening.session.isClosed).toBe(true);
    expect(await own.server.openLocalSession('root', '%')).toMatchObject({
      kind: 'refused',
      error: { code: 1053 },
    });
  });
});
