/**
 * Local sessions (the console's) through the SQL engine: they are connections of the gateway
 * like any other — SHOW PROCESSLIST lists them with host `console`, KILL from a wire client
 * closes them, the account is exactly the mapped one and its privileges apply.
 */
import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import type { Connection, RowDataPacket } from 'mysql2/promise';

import {
  allPrivilegesAt,
  AuthPlugin,
  MysqlServer,
  nativeCredential,
  sha2Credential,
} from '../index';
import type { LocalResult, LocalSession } from '../index';
import { testKeys } from '../test/harness';
import { EngineHandler } from './engine-handler';
import { MemoryCatalog } from './test/memory-catalog';

const TEST_COST = { N: 1024, r: 8, p: 1 };
const ROOT_PASSWORD = 'root-secret';

let server: MysqlServer;
let port: number;

beforeAll(async () => {
  const catalog = new MemoryCatalog([
    {
      user: 'root',
      host: '%',
      plugin: AuthPlugin.CACHING_SHA2,
      credential: await sha2Credential(ROOT_PASSWORD, randomBytes(16), TEST_COST),
      grants: [
        { database: '*', table: '*', privileges: allPrivilegesAt('global'), grantOption: true },
      ],
    },
    // Only a host-pattern account: 'app'@'%' does not exist.
    {
      user: 'app',
      host: '10.0.0.%',
      plugin: AuthPlugin.NATIVE,
      credential: nativeCredential('app-secret'),
      grants: [],
    },
  ]);
  const handler = new EngineHandler({
    catalog,
    accounts: catalog,
    nowMicros: () => BigInt(Date.now()) * 1000n,
    random: () => 0.5,
    uptimeSeconds: () => 100,
    randomBytes: (n) => randomBytes(n),
    scryptCost: TEST_COST,
  });
  server = new MysqlServer({
    handler,
    random: { bytes: (n) => randomBytes(n) },
    keys: await testKeys(),
  });
  ({ port } = await server.listen({ host: '127.0.0.1', port: 0 }));
});

afterAll(async () => {
  await server.close();
});

function connect(): Promise<Connection> {
  return mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password: ROOT_PASSWORD });
}

async function open(user: string, host: string): Promise<LocalSession> {
  const opening = await server.openLocalSession(user, host);
  if (opening.kind !== 'open') throw new Error(`no local session: ${opening.kind}`);
  return opening.session;
}

async function all(session: LocalSession, sql: string): Promise<LocalResult[]> {
  const out: LocalResult[] = [];
  for await (const result of session.query(sql, { maxRows: 100 })) out.push(result);
  return out;
}

describe('local sessions on the engine', () => {
  it('are listed by SHOW PROCESSLIST with host console, and a KILL from a client closes them', async () => {
    const session = await open('root', '%');
    await all(session, 'CREATE DATABASE shop; USE shop');
    const conn = await connect();
    const [rows] = await conn.query<RowDataPacket[]>('SHOW PROCESSLIST');
    expect(rows.find((r) => r.Id === session.id)).toMatchObject({
      User: 'root',
      Host: 'console',
      db: 'shop',
      Command: 'Sleep',
    });
    const [own] = await all(session, 'SHOW PROCESSLIST');
    if (own?.kind !== 'rows') throw new Error('expected rows');
    expect(own.rows.find((r) => r[0] === String(session.id))).toEqual([
      String(session.id),
      'root',
      'console',
      'shop',
      'Query',
      expect.any(String),
      'executing',
      'SHOW PROCESSLIST',
    ]);
    await conn.query(`KILL ${session.id}`);
    await session.closed;
    const [after] = await conn.query<RowDataPacket[]>('SHOW PROCESSLIST');
    expect(after.some((r) => r.Id === session.id)).toBe(false);
    await conn.end();
  });

  it('are exactly the mapped account, with its privileges and CURRENT_USER()', async () => {
    // 'app'@'10.0.0.%' exists; 'app'@'%' does not, though '%' is matched by no other pattern.
    expect(await server.openLocalSession('app', '%')).toEqual({ kind: 'noAccount' });
    expect(await server.openLocalSession('nobody', '%')).toEqual({ kind: 'noAccount' });
    const app = await open('app', '10.0.0.%');
    expect(await all(app, 'SELECT CURRENT_USER(), USER()')).toMatchObject([
      { kind: 'rows', rows: [['app@10.0.0.%', 'app@console']] },
    ]);
    expect(await all(app, 'CREATE DATABASE nope')).toMatchObject([
      { kind: 'error', code: 1044, sqlState: '42000' },
    ]);
    app.close();
    await app.closed;
  });
});
