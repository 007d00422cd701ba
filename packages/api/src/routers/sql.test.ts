/**
 * The SQL page's procedures through the app router: `sql.run` / `sql.history` (who may call
 * them, zod defaults and limits, the audit target) and `users.setDbAccount` (admins only,
 * validated, null clears), over services that record what they were asked. The real engine
 * behind them is exercised in apps/server/test/console-sql.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type {
  ApiContext,
  ApiServices,
  AuditEventRecord,
  DbAccountRef,
  SessionUser,
  SqlConsoleService,
  SqlRunRequest,
  SqlRunResult,
  UserChangeResult,
  UserService,
  UserSummary,
} from '../context';
import type { Role } from '../roles';
import { appRouter } from '../root';
import { createCallerFactory } from '../trpc';

class RecordingSql implements SqlConsoleService {
  readonly runs: { user: SessionUser; request: SqlRunRequest }[] = [];
  readonly historyQueries: { limit: number; beforeId?: number | undefined }[] = [];

  run(user: SessionUser, request: SqlRunRequest): Promise<SqlRunResult> {
    this.runs.push({ user, request });
    return Promise.resolve({
      kind: 'ran',
      account: { user: 'root', host: '%' },
      database: request.database,
      statements: [],
    });
  }

  history(_user: SessionUser, query: { limit: number; beforeId?: number | undefined }) {
    this.historyQueries.push(query);
    return Promise.resolve({ entries: [], nextBeforeId: null });
  }
}

/** One user, id 2, whose mapping the router changes. */
class OneUser implements Pick<UserService, 'update'> {
  readonly changes: { id: number; dbAccount: DbAccountRef | null | undefined }[] = [];
  dbAccount: DbAccountRef | null = null;

  update(
    id: number,
    change: { readonly dbAccount?: DbAccountRef | null },
  ): Promise<UserChangeResult> {
    this.changes.push({ id, dbAccount: change.dbAccount });
    if (id !== 2) return Promise.resolve({ kind: 'not-found' });
    if (change.dbAccount !== undefined) this.dbAccount = change.dbAccount;
    const user: UserSummary = {
      id: 2,
      loginName: 'dba',
      role: 'operator',
      disabled: false,
      createdAt: new Date(0),
      activeSessions: 0,
      dbAccount: this.dbAccount,
    };
    return Promise.resolve({ kind: 'ok', user });
  }
}

function callerAs(role: Role | null, sql = new RecordingSql(), users = new OneUser()) {
  const events: Omit<AuditEventRecord, 'id' | 'at'>[] = [];
  const ctx: ApiContext = {
    user: role === null ? null : { id: 7, loginName: `${role}-user`, role },
    sessionToken: null,
    remote: '192.0.2.7',
    services: {
      sql,
      users,
      audit: {
        record: (e: Omit<AuditEventRecord, 'id' | 'at'>) => {
          events.push(e);
          return Promise.resolve();
        },
        list: () => Promise.reject(new Error('not used in these tests')),
      },
    } as unknown as ApiServices,
    setSessionCookie: () => undefined,
  };
  return { caller: createCallerFactory(appRouter)(ctx), events, sql, users };
}

describe('sql.run', () => {
  it('runs for any signed-in user as that user, with the defaults: no database, 1000 rows', async () => {
    const { caller, sql, events } = callerAs('viewer');
    await expect(caller.sql.run({ sql: 'SELECT 1' })).resolves.toMatchObject({ kind: 'ran' });
    await caller.sql.run({ sql: 'SHOW TABLES', database: 'shop', maxRows: 10 });
    expect(sql.runs).toEqual([
      {
        user: { id: 7, loginName: 'viewer-user', role: 'viewer' },
        request: { sql: 'SELECT 1', database: null, maxRows: 1000 },
      },
      {
        user: { id: 7, loginName: 'viewer-user', role: 'viewer' },
        request: { sql: 'SHOW TABLES', database: 'shop', maxRows: 10 },
      },
    ]);
    expect(events.map((e) => [e.action, e.target, e.outcome])).toEqual([
      ['sql.run', 'SELECT 1', 'ok'],
      ['sql.run', 'SHOW TABLES', 'ok'],
    ]);
  });

  it('audits the start of the text on one line, cut at 120 characters', async () => {
    const { caller, events } = callerAs('admin');
    const long = `SELECT\n  ${'x, '.repeat(60)}1\nFROM t`;
    await caller.sql.run({ sql: long });
    const target = events[0]?.target ?? '';
    expect(target).toHaveLength(120);
    expect(target).toMatch(/^SELECT x, x, .*\.\.\.$/);
  });

  it('refuses an empty text, a database name past 64 characters and maxRows outside 1..10000', async () => {
    const { caller, sql, events } = callerAs('admin');
    for (const input of [
      { sql: '  \n ' },
      { sql: 'SELECT 1', database: 'd'.repeat(65) },
      { sql: 'SELECT 1', database: '' },
      { sql: 'SELECT 1', maxRows: 0 },
      { sql: 'SELECT 1', maxRows: 10_001 },
    ]) {
      await expect(caller.sql.run(input)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    await expect(caller.sql.run({ sql: ' ' })).rejects.toThrow('Type a statement to run.');
    expect(sql.runs).toEqual([]);
    expect(events.every((e) => e.outcome === 'failed')).toBe(true);
  });

  it('needs a session: UNAUTHORIZED, the service never asked', async () => {
    const { caller, sql } = callerAs(null);
    await expect(caller.sql.run({ sql: 'SELECT 1' })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(caller.sql.history()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(sql.runs).toEqual([]);
  });
});

describe('sql.history', () => {
  it('pages back 50 entries by default, at most 200', async () => {
    const { caller, sql, events } = callerAs('viewer');
    await caller.sql.history();
    await caller.sql.history({ limit: 200, beforeId: 9 });
    for (const input of [{ limit: 0 }, { limit: 201 }, { beforeId: 0 }]) {
      await expect(caller.sql.history(input)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    expect(sql.historyQueries).toEqual([{ limit: 50 }, { limit: 200, beforeId: 9 }]);
    expect(events).toEqual([]); // a query is not audited
  });
});

describe('users.setDbAccount', () => {
  it("maps a user ('%' when no host is given) and clears it with null, audited", async () => {
    const { caller, users, events } = callerAs('admin');
    await expect(
      caller.users.setDbAccount({ id: 2, dbAccount: { user: 'app' } }),
    ).resolves.toMatchObject({ id: 2, dbAccount: { user: 'app', host: '%' } });
    await caller.users.setDbAccount({ id: 2, dbAccount: { user: 'app', host: '10.0.0.%' } });
    await expect(caller.users.setDbAccount({ id: 2, dbAccount: null })).resolves.toMatchObject({
      dbAccount: null,
    });
    expect(users.changes).toEqual([
      { id: 2, dbAccount: { user: 'app', host: '%' } },
      { id: 2, dbAccount: { user: 'app', host: '10.0.0.%' } },
      { id: 2, dbAccount: null },
    ]);
    expect(events.map((e) => [e.action, e.target, e.outcome])).toEqual([
      ['users.setDbAccount', 'user #2', 'ok'],
      ['users.setDbAccount', 'user #2', 'ok'],
      ['users.setDbAccount', 'user #2', 'ok'],
    ]);
  });

  it('refuses an empty or too long user name, an empty host, and an unknown user', async () => {
    const { caller, users } = callerAs('admin');
    for (const dbAccount of [{ user: '' }, { user: 'u'.repeat(33) }, { user: 'app', host: '' }]) {
      await expect(caller.users.setDbAccount({ id: 2, dbAccount })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
    }
    await expect(caller.users.setDbAccount({ id: 2, dbAccount: { user: '' } })).rejects.toThrow(
      'Name a database user.',
    );
    expect(users.changes).toEqual([]);
    await expect(
      caller.users.setDbAccount({ id: 3, dbAccount: { user: 'app' } }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('is for admins: an operator is FORBIDDEN', async () => {
    const { caller, users, events } = callerAs('operator');
    await expect(
      caller.users.setDbAccount({ id: 2, dbAccount: { user: 'root' } }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(users.changes).toEqual([]);
    expect(events.map((e) => e.outcome)).toEqual(['denied']);
  });
});
