/**
 * The console's SQL page against the real server (embedded cluster, gateway, engine, console
 * store) through the real API: statements run in process as the user's mapped database
 * account, on a connection the gateway lists and KILL reaches; each run kept in the user's
 * history. Wire clients (mysql2) watch and kill the console's sessions as any DBA would.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlRunResult, SqlStatementResult } from '@tessera/api';
import { HISTORY_PER_USER_MAX } from '../src/console/sql-service';
import { consoleDbPath, migrateConsoleDb, openConsoleDb } from '../src/store/console-db';
import type { Browser, SqlServer } from './helpers';
import {
  adminPassword,
  createAndSignIn,
  makeDataDir,
  removeDataDir,
  signIn,
  startServer,
  startSqlServer,
  trpcError,
} from './helpers';

const rootPassword = 'root-password-for-console-sql';
const userPassword = 'console-user-password';
/** Seconds of in-memory join work (8 000 000 triples over t's 200 rows), nothing written. */
const crossJoin = 'SELECT COUNT(*) FROM t a, t b, t c WHERE a.v + b.v + c.v = 100';

let server: SqlServer;
let admin: Browser;
let observer: Connection;

beforeAll(async () => {
  server = await startSqlServer(rootPassword);
  admin = await signIn(server.running.api.url, 'admin', adminPassword);
  observer = await server.connect();
}, 120_000);

afterAll(async () => {
  await observer.end();
  await server.close();
});

function ran(result: SqlRunResult): Extract<SqlRunResult, { kind: 'ran' }> {
  if (result.kind !== 'ran') throw new Error(`expected a run, got ${JSON.stringify(result)}`);
  return result;
}

function run(browser: Browser, sql: string, database: string | null = null, maxRows = 1000) {
  return browser.client.sql.run.mutate({ sql, database, maxRows });
}

const kinds = (statements: readonly SqlStatementResult[]) => statements.map((s) => s.kind);

describe('sql.run as the mapped account', () => {
  it("runs the first admin's statements as 'root'@'%': several statements, a USE carried back", async () => {
    const users = await admin.client.users.list.query();
    expect(users.find((u) => u.loginName === 'admin')?.dbAccount).toEqual({
      user: 'root',
      host: '%',
    });
    const values = Array.from({ length: 200 }, (_, i) => `(${i}, ${i % 7})`).join(', ');
    const result = ran(
      await run(
        admin,
        'CREATE DATABASE ops; USE ops; CREATE TABLE t (id INT PRIMARY KEY, v INT, name VARCHAR(20));\n' +
          `INSERT INTO t (id, v) VALUES ${values}; UPDATE t SET name = 'héllo' WHERE id < 3;\n` +
          'SELECT id, v, name, CURRENT_USER() FROM t WHERE id < 3 ORDER BY id',
      ),
    );
    expect(result.account).toEqual({ user: 'root', host: '%' });
    expect(result.database).toBe('ops');
    expect(kinds(result.statements)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'rows']);
    expect(result.statements[3]).toMatchObject({
      kind: 'ok',
      sql: `INSERT INTO t (id, v) VALUES ${values}`,
      affectedRows: 200,
      info: 'Records: 200  Duplicates: 0  Warnings: 0',
    });
    expect(result.statements[4]).toMatchObject({ affectedRows: 3 });
    expect(result.statements[5]).toMatchObject({
      kind: 'rows',
      sql: 'SELECT id, v, name, CURRENT_USER() FROM t WHERE id < 3 ORDER BY id',
      columns: [
        { name: 'id', type: 'LONG' },
        { name: 'v', type: 'LONG' },
        { name: 'name', type: 'VAR_STRING' },
        { name: 'CURRENT_USER()', type: 'VAR_STRING' },
      ],
      rows: [
        ['0', '0', 'héllo', 'root@%'],
        ['1', '1', 'héllo', 'root@%'],
        ['2', '2', 'héllo', 'root@%'],
      ],
      rowCount: 3,
      truncated: false,
    });
    for (const s of result.statements) expect(s.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('keeps maxRows rows and counts the rest; NULL stays null', async () => {
    const result = ran(await run(admin, 'SELECT id, name FROM t ORDER BY id', 'ops', 5));
    expect(result.statements).toEqual([
      expect.objectContaining({
        kind: 'rows',
        rows: [
          ['0', 'héllo'],
          ['1', 'héllo'],
          ['2', 'héllo'],
          ['3', null],
          ['4', null],
        ],
        rowCount: 200,
        truncated: true,
      }),
    ]);
  });

  it('stops at the first error with its code and SQLSTATE, as the mysql client', async () => {
    const result = ran(
      await run(
        admin,
        'SELECT 1; SELECT * FROM nope; INSERT INTO t (id, v) VALUES (999, 0)',
        'ops',
      ),
    );
    expect(result.statements).toEqual([
      expect.objectContaining({ kind: 'rows', sql: 'SELECT 1', rows: [['1']] }),
      expect.objectContaining({
        kind: 'error',
        sql: 'SELECT * FROM nope',
        code: 1146,
        sqlState: '42S02',
        message: "Table 'ops.nope' doesn't exist",
      }),
    ]);
    const [rows] = await observer.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM ops.t WHERE id = 999',
    );
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it('runs nothing of a text with a syntax error anywhere: 1064 for the whole text', async () => {
    const text = 'INSERT INTO t (id, v) VALUES (998, 0);\nSELEC 2';
    const result = ran(await run(admin, text, 'ops'));
    expect(result.statements).toEqual([
      expect.objectContaining({
        kind: 'error',
        sql: text,
        code: 1064,
        sqlState: '42000',
        message: expect.stringContaining("near 'SELEC 2'") as unknown,
      }),
    ]);
    const [rows] = await observer.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM ops.t WHERE id = 998',
    );
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it('answers an unknown database from the picker with 1049, running nothing', async () => {
    const result = ran(await run(admin, 'DROP TABLE t', 'nowhere'));
    expect(result.statements).toEqual([
      expect.objectContaining({ kind: 'error', sql: 'USE `nowhere`', code: 1049 }),
    ]);
    expect(result.database).toBeNull();
  });

  it('rolls back a transaction left open when the run ends', async () => {
    const result = ran(
      await run(
        admin,
        'BEGIN; INSERT INTO t (id, v) VALUES (1000, 1); SELECT COUNT(*) FROM t',
        'ops',
      ),
    );
    expect(result.statements[2]).toMatchObject({ rows: [['201']] });
    const after = ran(await run(admin, 'SELECT COUNT(*) FROM t', 'ops'));
    expect(after.statements[0]).toMatchObject({ rows: [['200']] });
  });

  it('runs on a connection SHOW PROCESSLIST lists (host console) and KILL QUERY stops', async () => {
    const running = run(admin, crossJoin, 'ops');
    let id: number | undefined;
    const deadline = Date.now() + 10_000;
    while (id === undefined) {
      if (Date.now() > deadline) throw new Error('the console session never showed up');
      const [rows] = await observer.query<RowDataPacket[]>('SHOW FULL PROCESSLIST');
      const row = rows.find((r) => r.Host === 'console' && r.Info === crossJoin);
      if (row !== undefined) {
        expect(row).toMatchObject({ User: 'root', db: 'ops', Command: 'Query' });
        id = Number(row.Id);
      } else await new Promise((r) => setTimeout(r, 20));
    }
    // The Sessions page lists it too.
    const sessions = await admin.client.sessions.list.query();
    expect(sessions.find((s) => s.id === id)).toMatchObject({ host: 'console', user: 'root' });
    await observer.query(`KILL QUERY ${id}`);
    const result = ran(await running);
    expect(result.statements).toEqual([
      expect.objectContaining({ kind: 'error', code: 1317, sqlState: '70100', sql: crossJoin }),
    ]);
    // The session closed with the run.
    const [rows] = await observer.query<RowDataPacket[]>('SHOW PROCESSLIST');
    expect(rows.some((r) => Number(r.Id) === id)).toBe(false);
  }, 60_000);
});

describe('accounts', () => {
  let dba: Browser;
  let dbaId: number;

  beforeAll(async () => {
    dba = await createAndSignIn(admin, 'dba', userPassword, 'operator');
    const users = await admin.client.users.list.query();
    dbaId = users.find((u) => u.loginName === 'dba')?.id ?? 0;
  });

  it('tells a user without a mapping to have an admin map one on the Users page', async () => {
    const result = await run(dba, 'SELECT 1');
    expect(result).toEqual({
      kind: 'noAccount',
      message: expect.stringContaining('An admin maps one on the Users page') as unknown,
    });
    expect((await dba.client.sql.history.query()).entries).toEqual([]);
  });

  it('says so when the mapped account does not exist', async () => {
    await admin.client.users.setDbAccount.mutate({ id: dbaId, dbAccount: { user: 'ghost' } });
    const result = await run(dba, 'SELECT 1');
    expect(result).toEqual({
      kind: 'noAccount',
      message: expect.stringContaining(
        "The database account 'ghost'@'%' mapped to console user dba does not exist",
      ) as unknown,
    });
  });

  it("applies the mapped account's own privileges", async () => {
    ran(
      await run(
        admin,
        "CREATE USER 'reader'@'%' IDENTIFIED BY 'reader-pw'; GRANT SELECT ON ops.* TO 'reader'@'%'",
      ),
    );
    await admin.client.users.setDbAccount.mutate({
      id: dbaId,
      dbAccount: { user: 'reader', host: '%' },
    });
    expect((await admin.client.users.list.query()).find((u) => u.id === dbaId)?.dbAccount).toEqual({
      user: 'reader',
      host: '%',
    });
    const result = ran(await run(dba, 'SELECT COUNT(*) FROM t; DELETE FROM t', 'ops'));
    expect(result.account).toEqual({ user: 'reader', host: '%' });
    expect(result.statements).toEqual([
      expect.objectContaining({ kind: 'rows', rows: [['200']] }),
      expect.objectContaining({ kind: 'error', code: 1142, sqlState: '42000' }),
    ]);
    // Cleared: no account again.
    await admin.client.users.setDbAccount.mutate({ id: dbaId, dbAccount: null });
    expect(await run(dba, 'SELECT 1')).toMatchObject({ kind: 'noAccount' });
  });

  it('refuses a mapping that is not an account name, readably', async () => {
    const error = await trpcError(
      admin.client.users.setDbAccount.mutate({ id: dbaId, dbAccount: { user: '' } }),
    );
    expect(error).toMatchObject({ httpStatus: 400, code: 'BAD_REQUEST' });
    expect(error.message).toContain('Name a database user.');
    const forbidden = await trpcError(
      dba.client.users.setDbAccount.mutate({ id: dbaId, dbAccount: { user: 'root' } }),
    );
    expect(forbidden).toMatchObject({ httpStatus: 403 });
  });
});

describe('history', () => {
  it("keeps each user's runs, newest first, paged back by id, and only theirs", async () => {
    const other = await createAndSignIn(admin, 'historian', userPassword, 'viewer');
    const otherId =
      (await admin.client.users.list.query()).find((u) => u.loginName === 'historian')?.id ?? 0;
    await admin.client.users.setDbAccount.mutate({ id: otherId, dbAccount: { user: 'root' } });
    for (let i = 1; i <= 5; i++) ran(await run(other, `SELECT ${i}`, i % 2 === 0 ? 'ops' : null));
    ran(await run(other, 'SELECT * FROM nope', 'ops'));
    const first = await other.client.sql.history.query({ limit: 4 });
    expect(first.entries.map((e) => e.sql)).toEqual([
      'SELECT * FROM nope',
      'SELECT 5',
      'SELECT 4',
      'SELECT 3',
    ]);
    expect(first.entries[0]).toMatchObject({
      outcome: 'error',
      database: 'ops',
      error: expect.stringMatching(/^1146: Table 'ops\.nope' doesn't exist/) as unknown,
      rows: 0,
    });
    expect(first.entries[1]).toMatchObject({ outcome: 'ok', error: '', database: null, rows: 1 });
    expect(first.entries[0]?.at).toBeInstanceOf(Date);
    const second = await other.client.sql.history.query({
      limit: 4,
      ...(first.nextBeforeId === null ? {} : { beforeId: first.nextBeforeId }),
    });
    expect(second.entries.map((e) => e.sql)).toEqual(['SELECT 2', 'SELECT 1']);
    expect(second.nextBeforeId).toBeNull();
    // The admin's history holds none of these.
    const mine = await admin.client.sql.history.query({ limit: 200 });
    expect(mine.entries.some((e) => e.sql === 'SELECT 5')).toBe(false);
    expect(mine.entries.some((e) => e.sql.startsWith('CREATE DATABASE ops'))).toBe(true);
  });

  it(`keeps the last ${HISTORY_PER_USER_MAX} runs of a user`, async () => {
    const capped = await createAndSignIn(admin, 'capped', userPassword, 'viewer');
    const id =
      (await admin.client.users.list.query()).find((u) => u.loginName === 'capped')?.id ?? 0;
    await admin.client.users.setDbAccount.mutate({ id, dbAccount: { user: 'root' } });
    // Older runs written straight into the store (500 runs through the API take a while).
    await server.running.db.sqlHistoryEntry.createMany({
      data: Array.from({ length: HISTORY_PER_USER_MAX + 20 }, (_, i) => ({
        userId: id,
        sql: `SELECT ${i}`,
        outcome: 'ok',
        durationMs: 1,
        rows: 1,
      })),
    });
    ran(await run(capped, 'SELECT 42'));
    const kept = await server.running.db.sqlHistoryEntry.findMany({
      where: { userId: id },
      orderBy: { id: 'desc' },
    });
    expect(kept).toHaveLength(HISTORY_PER_USER_MAX);
    expect(kept[0]?.sql).toBe('SELECT 42');
    expect(kept.at(-1)?.sql).toBe('SELECT 21');
    // Another user's history is untouched by the cut.
    expect(
      await server.running.db.sqlHistoryEntry.count({ where: { userId: { not: id } } }),
    ).toBeGreaterThan(0);
  });

  it('caps the text kept, not the text run', async () => {
    const long = `SELECT 1 /* ${'x'.repeat(20_000)} */`;
    const result = ran(await run(admin, long));
    expect(result.statements[0]).toMatchObject({ kind: 'rows', sql: long });
    const [latest] = (await admin.client.sql.history.query({ limit: 1 })).entries;
    expect(latest?.sql).toHaveLength(10_000);
  });
});

describe('a server without a MySQL listener', () => {
  it('answers unavailable with what to do, never a crash', async () => {
    const dir = await makeDataDir();
    const running = await startServer(dir, adminPassword);
    try {
      const browser = await signIn(running.api.url, 'admin', adminPassword);
      const result = await browser.client.sql.run.mutate({ sql: 'SELECT 1' });
      expect(result).toEqual({
        kind: 'unavailable',
        message: expect.stringContaining('runs no MySQL listener') as unknown,
      });
    } finally {
      await running.close();
      await removeDataDir(dir);
    }
  }, 60_000);
});

describe('a data directory from before the SQL page', () => {
  it("gives its admin 'root'@'%' in the migration, and nobody else", async () => {
    const dir = await makeDataDir();
    try {
      // The store as the first migration left it, recorded as `migrate deploy` records it.
      const init = await readFile(
        join(import.meta.dirname, '../../../prisma/migrations/20261121000000_init/migration.sql'),
        'utf8',
      );
      await mkdir(dir, { recursive: true });
      const client = createClient({ url: `file:${consoleDbPath(dir)}` });
      await client.executeMultiple(`
        CREATE TABLE "_prisma_migrations" (
          "id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME,
          "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME,
          "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
          "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0);
        ${init}`);
      await client.execute({
        sql: `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
              VALUES (?, ?, current_timestamp, '20261121000000_init', 1)`,
        args: [randomUUID(), createHash('sha256').update(init).digest('hex')],
      });
      await client.execute(
        `INSERT INTO "User" ("loginName", "passwordHash", "role", "updatedAt") VALUES
         ('admin', 'x', 'admin', current_timestamp), ('ops', 'x', 'admin', current_timestamp),
         ('vera', 'x', 'viewer', current_timestamp)`,
      );
      client.close();
      await migrateConsoleDb(dir);
      const db = openConsoleDb(dir);
      try {
        const users = await db.user.findMany({ orderBy: { loginName: 'asc' } });
        expect(users.map((u) => [u.loginName, u.dbAccountUser, u.dbAccountHost])).toEqual([
          ['admin', 'root', '%'],
          ['ops', null, null],
          ['vera', null, null],
        ]);
      } finally {
        await db.$disconnect();
      }
    } finally {
      await removeDataDir(dir);
    }
  }, 60_000);
});
