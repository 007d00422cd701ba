/**
 * Sessions as SQL in the engine: SHOW PROCESSLIST, the virtual tables, KILL's rules (1094,
 * 1095, killing yourself) and SHOW STATUS, over a ProcessPort that holds a fixed list of
 * connections and records what the engine asks of it. (The gateway's real port, with real
 * connections and KILLs, is tested in apps/server/test/sessions.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { StatementOutcome } from './session.js';
import { SqlSession } from './session.js';
import type { KillScope, ProcessInfo, ProcessPort } from './processes.js';
import { localData } from './test/local-data.js';
import { MemoryCatalog, rootAccount } from './test/memory-catalog.js';
import { fails, nodes, rootLogin, rows, run, testCredential } from './test/sql-session.js';

const LONG_TEXT = `SELECT '${'x'.repeat(120)}'`;

function process(id: number, user: string, overrides: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    id,
    user,
    host: `127.0.0.1:${40_000 + id}`,
    database: undefined,
    command: 'Sleep',
    timeSeconds: 3,
    state: '',
    info: undefined,
    inTransaction: false,
    transactionStartedMicros: undefined,
    statements: 2,
    connectedMicros: 1_767_225_600_000_000n,
    ...overrides,
  };
}

/** Connections 7 (root, this session's), 8 (app, running a long statement), 9 (app). */
class FixedPort implements ProcessPort {
  readonly kills: [number, KillScope][] = [];
  readonly counted: string[] = [];
  processes: ProcessInfo[] = [
    process(9, 'app'),
    process(7, 'root', { command: 'Query', state: 'executing', info: 'SHOW PROCESSLIST' }),
    process(8, 'app', {
      database: 'shop',
      command: 'Query',
      state: 'executing',
      info: LONG_TEXT,
      inTransaction: true,
      transactionStartedMicros: 1_767_225_601_500_000n,
    }),
  ];

  list(): readonly ProcessInfo[] {
    return this.processes;
  }

  kill(id: number, scope: KillScope): 'killed' | 'unknown' {
    if (!this.processes.some((p) => p.id === id)) return 'unknown';
    this.kills.push([id, scope]);
    return 'killed';
  }

  status(scope: 'global' | 'session'): ReadonlyMap<string, number> {
    return new Map([
      ['Uptime', 42],
      ['Questions', scope === 'global' ? 100 : 4],
      ['Com_insert', scope === 'global' ? 12 : 1],
    ]);
  }

  statementStarted(counter: string): void {
    this.counted.push(counter);
  }

  readonly states: string[] = [];
  stateChanged(state: string): void {
    this.states.push(state);
  }
}

/** Sessions log in as root (all privileges) or as 'app'@'%' holding `appPrivileges` globally. */
async function sessionAs(
  user: string,
  connectionId: number,
  port: ProcessPort | undefined,
  appPrivileges: readonly string[] = [],
): Promise<SqlSession> {
  const app = {
    user: 'app',
    host: '%',
    plugin: 'caching_sha2_password',
    grants: [{ database: '*', table: '*', privileges: appPrivileges, grantOption: false }],
  };
  return new SqlSession({
    catalog: new MemoryCatalog(nodes, [rootAccount, app]),
    connectionId,
    user,
    host: '127.0.0.1',
    ...(user === 'root'
      ? rootLogin
      : {
          account: { user, host: '%', usedPassword: true },
          makeCredential: testCredential,
        }),
    nowMicros: () => 1_767_225_600_000_000n,
    random: () => 0.5,
    data: await localData(),
    ...(port === undefined ? {} : { processes: port }),
  });
}

async function outcomes(s: SqlSession, sql: string): Promise<StatementOutcome[]> {
  const out: StatementOutcome[] = [];
  for await (const o of s.execute(sql, true)) out.push(o);
  return out;
}

describe('SHOW PROCESSLIST and the virtual tables', () => {
  it('lists every connection for root, by id, Info cut at 100 characters unless FULL', async () => {
    const s = await sessionAs('root', 7, new FixedPort());
    const list = await rows(s, 'SHOW PROCESSLIST');
    expect(list.map((r) => r.slice(0, 7))).toEqual([
      ['7', 'root', '127.0.0.1:40007', null, 'Query', '3', 'executing'],
      ['8', 'app', '127.0.0.1:40008', 'shop', 'Query', '3', 'executing'],
      ['9', 'app', '127.0.0.1:40009', null, 'Sleep', '3', ''],
    ]);
    expect(list.map((r) => r[7])).toEqual(['SHOW PROCESSLIST', LONG_TEXT.slice(0, 100), null]);
    const full = await rows(s, 'SHOW FULL PROCESSLIST');
    expect(full[1]?.[7]).toBe(LONG_TEXT);
  });

  it('information_schema.PROCESSLIST and system.sessions, with the transaction start', async () => {
    const s = await sessionAs('root', 7, new FixedPort());
    expect(
      await rows(s, 'SELECT ID, USER, INFO FROM information_schema.processlist WHERE ID = 8'),
    ).toEqual([['8', 'app', LONG_TEXT]]);
    expect(
      await rows(
        s,
        'SELECT connection_id, in_transaction, transaction_started, statements, connected_at ' +
          'FROM system.sessions ORDER BY connection_id',
      ),
    ).toEqual([
      ['7', '0', null, '2', '2026-01-01 00:00:00.000000'],
      ['8', '1', '2026-01-01 00:00:01.500000', '2', '2026-01-01 00:00:00.000000'],
      ['9', '0', null, '2', '2026-01-01 00:00:00.000000'],
    ]);
  });

  it('a user without PROCESS sees only its own connections; with PROCESS all', async () => {
    const s = await sessionAs('app', 9, new FixedPort());
    expect((await rows(s, 'SHOW PROCESSLIST')).map((r) => r[0])).toEqual(['8', '9']);
    expect(await rows(s, 'SELECT connection_id FROM system.sessions')).toEqual([['8'], ['9']]);
    const withProcess = await sessionAs('app', 9, new FixedPort(), ['PROCESS']);
    expect((await rows(withProcess, 'SHOW PROCESSLIST')).map((r) => r[0])).toEqual(['7', '8', '9']);
  });

  it('without a gateway there is nothing to list: 1235, not an empty answer', async () => {
    const s = await sessionAs('root', 7, undefined);
    for (const sql of [
      'SHOW PROCESSLIST',
      'SELECT * FROM information_schema.PROCESSLIST',
      'SELECT * FROM system.sessions',
      'SHOW STATUS',
      'KILL 1',
    ]) {
      expect(await fails(s, sql)).toMatch(/^1235: /);
    }
  });
});

describe('KILL', () => {
  it('kills the named connection or query; an unknown id is 1094', async () => {
    const port = new FixedPort();
    const s = await sessionAs('root', 7, port);
    await run(s, 'KILL 8; KILL QUERY 9; KILL CONNECTION 2 * 4');
    expect(port.kills).toEqual([
      [8, 'connection'],
      [9, 'query'],
      [8, 'connection'],
    ]);
    expect(await fails(s, 'KILL 12345')).toBe('1094: Unknown thread id: 12345');
    expect(await fails(s, 'KILL NULL')).toBe('1094: Unknown thread id: 0');
    expect(await fails(s, 'KILL id')).toMatch(/^1054: Unknown column 'id'/);
  });

  it('killing yourself answers 1317 (after asking the gateway to close or interrupt)', async () => {
    const port = new FixedPort();
    const s = await sessionAs('root', 7, port);
    const out = await outcomes(s, 'KILL CONNECTION_ID(); SELECT 1');
    expect(out).toEqual([
      {
        kind: 'error',
        errno: 1317,
        sqlState: '70100',
        message: 'Query execution was interrupted',
      },
    ]);
    expect(await fails(s, 'KILL QUERY 7')).toBe('1317: Query execution was interrupted');
    expect(port.kills).toEqual([
      [7, 'connection'],
      [7, 'query'],
    ]);
  });

  it("a user may kill its own user's connections, others' only with SUPER: else 1095", async () => {
    const port = new FixedPort();
    const s = await sessionAs('app', 9, port);
    expect(await fails(s, 'KILL 7')).toBe('1095: You are not owner of thread 7');
    await run(s, 'KILL QUERY 8');
    // PROCESS shows other users' connections but does not let it kill them.
    const seer = await sessionAs('app', 9, port, ['PROCESS']);
    expect(await fails(seer, 'KILL QUERY 7')).toBe('1095: You are not owner of thread 7');
    const superUser = await sessionAs('app', 9, port, ['SUPER']);
    await run(superUser, 'KILL QUERY 7');
    expect(port.kills).toEqual([
      [8, 'query'],
      [7, 'query'],
    ]);
  });

  it('a killed command stops before its next statement with 1317', async () => {
    const s = await sessionAs('root', 7, new FixedPort());
    const controller = new AbortController();
    controller.abort();
    const out: StatementOutcome[] = [];
    for await (const o of s.execute('SELECT 1; SELECT 2', true, controller.signal)) out.push(o);
    expect(out).toMatchObject([{ kind: 'error', errno: 1317 }]);
  });
});

describe('SHOW STATUS', () => {
  it("shows the port's counters, every Com_xxx at 0 until counted; LIKE filters", async () => {
    const port = new FixedPort();
    const s = await sessionAs('root', 7, port);
    expect(await rows(s, "SHOW GLOBAL STATUS LIKE 'Com_insert%'")).toEqual([
      ['Com_insert', '12'],
      ['Com_insert_select', '0'],
    ]);
    expect(await rows(s, "SHOW STATUS LIKE 'questions'")).toEqual([['Questions', '4']]);
    const all = await rows(s, 'SHOW SESSION STATUS');
    const names = all.map((r) => r[0] ?? '');
    expect(names).toEqual(
      [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())),
    );
    expect(names).toContain('Uptime');
    expect(await fails(s, "SHOW STATUS WHERE Variable_name = 'Uptime'")).toMatch(/^1235: /);
  });

  it('reports each statement to the port under its Com_xxx counter', async () => {
    const port = new FixedPort();
    const s = await sessionAs('root', 7, port);
    await run(s, 'CREATE DATABASE d; USE d; CREATE TABLE t (id INT PRIMARY KEY)');
    await run(s, 'INSERT INTO t VALUES (1); INSERT INTO t SELECT id + 1 FROM t');
    await run(s, 'REPLACE INTO t VALUES (1); UPDATE t SET id = 3 WHERE id = 2');
    await run(s, 'SELECT 1; SELECT * FROM t; DELETE FROM t; SHOW TABLES; SET @a = 1');
    await run(s, 'BEGIN; COMMIT; ROLLBACK; DESCRIBE t; SHOW STATUS; SHOW PROCESSLIST');
    expect(port.counted).toEqual([
      'Com_create_db',
      'Com_change_db',
      'Com_create_table',
      'Com_insert',
      'Com_insert_select',
      'Com_replace',
      'Com_update',
      'Com_select',
      'Com_select',
      'Com_delete',
      'Com_show_tables',
      'Com_set_option',
      'Com_begin',
      'Com_commit',
      'Com_rollback',
      'Com_show_fields',
      'Com_show_status',
      'Com_show_processlist',
    ]);
    // Each commit is announced: five autocommit writes and the COMMIT of BEGIN's transaction.
    expect(port.states).toEqual(Array.from({ length: 6 }, () => 'waiting for handler commit'));
  });
});
