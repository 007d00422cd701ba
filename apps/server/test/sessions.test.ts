/**
 * Sessions as SQL against the real server (embedded cluster, gateway, engine) and real
 * clients: SHOW PROCESSLIST, information_schema.PROCESSLIST, system.sessions, KILL [CONNECTION |
 * QUERY] of a long statement from another connection (mysql2), SHOW STATUS counters, and the
 * stock tools — `mariadb-admin status / processlist / kill`, and the interactive `mariadb`
 * CLI whose `use db` reads every table's columns with COM_FIELD_LIST.
 */
import type { Connection, ConnectionOptions, RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SqlServer } from './helpers';
import { runTool, startSqlServer } from './helpers';

const rootPassword = 'root-password-for-sessions';
/**
 * Rows of `t`; the long statement inserts their cross product: 40 000 rows, seconds of writing
 * after a short in-memory join. Its comment makes the text longer than SHOW PROCESSLIST's 100
 * characters.
 */
const T_ROWS = 200;
const longInsert =
  'INSERT INTO big (id, v) SELECT a.id * 1000 + b.id, a.v FROM t a, t b /* every pair of rows of t: 40 000 */';

/** A pure SELECT: seconds of in-memory join work (8 000 000 triples), nothing written. */
const crossJoin =
  'SELECT COUNT(*) FROM t a, t b, t c WHERE a.v + b.v + c.v = 100 /* 8 000 000 triples */';

let server: SqlServer;

beforeAll(async () => {
  server = await startSqlServer(rootPassword);
  const setup = await connect({ multipleStatements: true, database: undefined });
  const values = Array.from({ length: T_ROWS }, (_, i) => `(${i}, ${i % 7})`).join(', ');
  await setup.query(
    'CREATE DATABASE ops; USE ops; CREATE TABLE t (id INT PRIMARY KEY, v INT); ' +
      `CREATE TABLE big (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES ${values}`,
  );
  await setup.end();
}, 120_000);

afterAll(async () => {
  await server.close();
});

async function connect(options: ConnectionOptions = {}): Promise<Connection> {
  const conn = await server.connect({ database: 'ops', ...options });
  // A killed connection reports its loss as an 'error' event as well as to the query.
  conn.on('error', () => undefined);
  return conn;
}

async function processlist(conn: Connection, full = false): Promise<RowDataPacket[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    full ? 'SHOW FULL PROCESSLIST' : 'SHOW PROCESSLIST',
  );
  return rows;
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until `id` runs the long statement (as SHOW FULL PROCESSLIST shows it). */
function untilRunning(observer: Connection, id: number, info = longInsert): Promise<void> {
  return waitFor(`connection ${id} to run`, async () =>
    (await processlist(observer, true)).some(
      (p) => p.Id === id && p.Command === 'Query' && p.Info === info,
    ),
  );
}

/** How long after it shows up the long statement is past its join and writing rows. */
const WRITING_AFTER_MS = 500;

/** Waits until `id` has run the long statement a while: past its join, into the rows it writes. */
async function untilWriting(observer: Connection, id: number): Promise<void> {
  await untilRunning(observer, id);
  await new Promise((r) => setTimeout(r, WRITING_AFTER_MS));
  const row = (await processlist(observer, true)).find((p) => p.Id === id);
  if (row?.Info !== longInsert || row.State !== 'executing') {
    throw new Error(`the long statement is past its rows before the KILL: ${JSON.stringify(row)}`);
  }
}

function untilGone(observer: Connection, id: number): Promise<void> {
  return waitFor(`connection ${id} to be gone`, async () =>
    (await processlist(observer)).every((p) => p.Id !== id),
  );
}

async function count(conn: Connection, sql: string): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>(sql);
  return Number(Object.values(rows[0] ?? {})[0]);
}

async function status(conn: Connection, scope: 'GLOBAL' | 'SESSION'): Promise<Map<string, number>> {
  const [rows] = await conn.query<RowDataPacket[]>(`SHOW ${scope} STATUS`);
  return new Map(rows.map((r) => [String(r.Variable_name), Number(r.Value)]));
}

describe('the process list', () => {
  it('SHOW [FULL] PROCESSLIST, information_schema.PROCESSLIST and system.sessions', async () => {
    const a = await connect();
    const b = await connect({ database: undefined });
    await a.query('BEGIN');
    await a.query('SELECT COUNT(*) FROM t');
    const rows = await processlist(b);
    const mine = rows.find((p) => p.Id === b.threadId);
    const theirs = rows.find((p) => p.Id === a.threadId);
    expect(mine).toMatchObject({
      User: 'root',
      db: null,
      Command: 'Query',
      State: 'executing',
      Info: 'SHOW PROCESSLIST',
    });
    expect(String(mine?.Host)).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(theirs).toMatchObject({
      User: 'root',
      db: 'ops',
      Command: 'Sleep',
      State: '',
      Info: null,
    });
    expect(rows.map((p) => Number(p.Id))).toEqual(
      [...rows.map((p) => Number(p.Id))].sort((x, y) => x - y),
    );

    // The transaction a has open, and what it ran, as system.sessions shows them.
    const [sessions] = await b.query<RowDataPacket[]>(
      'SELECT in_transaction, transaction_started IS NOT NULL AS started, statements, command ' +
        `FROM system.sessions WHERE connection_id = ${a.threadId}`,
    );
    expect(sessions).toEqual([{ in_transaction: 1, started: 1, statements: 2, command: 'Sleep' }]);
    await a.query('COMMIT');
    const [after] = await b.query<RowDataPacket[]>(
      'SELECT in_transaction, transaction_started, statements FROM system.sessions ' +
        `WHERE connection_id = ${a.threadId}`,
    );
    expect(after).toEqual([{ in_transaction: 0, transaction_started: null, statements: 3 }]);
    const [viaSchema] = await b.query<RowDataPacket[]>(
      'SELECT ID, USER, DB, COMMAND, INFO FROM information_schema.PROCESSLIST ORDER BY ID',
    );
    expect(viaSchema).toContainEqual({
      ID: b.threadId,
      USER: 'root',
      DB: null,
      COMMAND: 'Query',
      INFO: 'SELECT ID, USER, DB, COMMAND, INFO FROM information_schema.PROCESSLIST ORDER BY ID',
    });
    expect(viaSchema).toContainEqual({
      ID: a.threadId,
      USER: 'root',
      DB: 'ops',
      COMMAND: 'Sleep',
      INFO: null,
    });
    await a.end();
    await b.end();
  });

  it('shows a running statement: Info cut at 100 characters, whole with FULL', async () => {
    expect(longInsert.length).toBeGreaterThan(100);
    const victim = await connect();
    const observer = await connect();
    const work = victim.query(longInsert).catch((e: unknown) => e);
    await untilRunning(observer, victim.threadId);
    const row = (await processlist(observer)).find((p) => p.Id === victim.threadId);
    expect(row).toMatchObject({
      Command: 'Query',
      State: 'executing',
      Info: longInsert.slice(0, 100),
    });
    await observer.query(`KILL QUERY ${victim.threadId}`);
    await work;
    await victim.end();
    await observer.end();
  });
});

/**
 * `SELECT 1` on `observer` again and again until `stop()`: how a test sees the server answer
 * other connections while a long statement runs.
 */
function startPinging(observer: Connection): { count: () => number; stop: () => Promise<void> } {
  let pings = 0;
  const pinging = { stop: false };
  const loop = (async () => {
    while (!pinging.stop) {
      await observer.query('SELECT 1');
      pings++;
    }
  })();
  return {
    count: () => pings,
    stop: async () => {
      pinging.stop = true;
      await loop;
    },
  };
}

/** What became of a statement: 'finished', or the error it failed with and when. */
function outcomeOf(
  statement: Promise<unknown>,
): Promise<'finished' | { error: unknown; atMs: number }> {
  return statement.then(
    () => 'finished' as const,
    (e: unknown) => ({ error: e, atMs: Date.now() }),
  );
}

describe('KILL', () => {
  // A statement a KILL failed to stop leaves its rows: the next test starts clean regardless.
  afterEach(async () => {
    const conn = await connect();
    await conn.query('DELETE FROM big');
    await conn.end();
  });

  it('KILL QUERY stops a long statement within a second: 1317, its rows undone, the server serving', async () => {
    const victim = await connect();
    const observer = await connect();
    const pinger = startPinging(observer);
    const work = outcomeOf(victim.query(longInsert));
    const killer = await connect();
    await untilRunning(killer, victim.threadId);
    // Other connections are served while it runs: more answers, and it still runs. The KILL
    // comes once it writes rows.
    const pingsBefore = pinger.count();
    const runningSince = Date.now();
    await waitFor('answers while the statement runs', () =>
      Promise.resolve(
        pinger.count() >= pingsBefore + 3 && Date.now() - runningSince >= WRITING_AFTER_MS,
      ),
    );
    const still = (await processlist(killer, true)).find((p) => p.Id === victim.threadId);
    expect(still).toMatchObject({ Command: 'Query', Info: longInsert });
    await killer.query(`KILL QUERY ${victim.threadId}`);
    const killedAt = Date.now();
    const outcome = await work;
    await pinger.stop();
    if (outcome === 'finished') throw new Error('the statement finished before the KILL');
    expect(outcome.error).toMatchObject({
      errno: 1317,
      sqlState: '70100',
      message: 'Query execution was interrupted',
    });
    expect(outcome.atMs - killedAt).toBeLessThan(1000);
    // Nothing of the statement was committed; the victim's connection stays usable.
    expect(await count(killer, 'SELECT COUNT(*) FROM big')).toBe(0);
    expect(await count(victim, 'SELECT 41 + 1')).toBe(42);
    await Promise.all([victim.end(), observer.end(), killer.end()]);
  });

  it('KILL QUERY stops a pure SELECT cross join within a second, others served meanwhile', async () => {
    const victim = await connect();
    const observer = await connect();
    const pinger = startPinging(observer);
    const work = outcomeOf(victim.query(crossJoin));
    const killer = await connect();
    await untilRunning(killer, victim.threadId, crossJoin);
    // The join pauses every slice of rows: the other connection keeps being answered.
    const pingsBefore = pinger.count();
    const runningSince = Date.now();
    await waitFor('answers while the join runs', () =>
      Promise.resolve(pinger.count() >= pingsBefore + 10 && Date.now() - runningSince >= 500),
    );
    const still = (await processlist(killer, true)).find((p) => p.Id === victim.threadId);
    expect(still).toMatchObject({ Command: 'Query', Info: crossJoin });
    await killer.query(`KILL QUERY ${victim.threadId}`);
    const killedAt = Date.now();
    const outcome = await work;
    await pinger.stop();
    if (outcome === 'finished') throw new Error('the join finished before the KILL');
    expect(outcome.error).toMatchObject({ errno: 1317, sqlState: '70100' });
    expect(outcome.atMs - killedAt).toBeLessThan(1000);
    expect(await count(victim, 'SELECT 41 + 1')).toBe(42);
    await Promise.all([victim.end(), observer.end(), killer.end()]);
  });

  it('refuses a join past tessera_statement_memory_limit with 3170; the session stays usable', async () => {
    const conn = await connect();
    await conn.query('SET SESSION tessera_statement_memory_limit = 1000000');
    await expect(conn.query('SELECT a.id, b.id FROM t a, t b')).rejects.toMatchObject({
      errno: 3170,
      sqlState: 'HY000',
      message: expect.stringContaining("'tessera_statement_memory_limit'") as unknown,
    });
    expect(await count(conn, 'SELECT COUNT(*) FROM t a, t b WHERE a.id < 3 AND b.id < 5')).toBe(15);
    expect(await count(conn, 'SELECT @@tessera_statement_memory_limit')).toBe(1_000_000);
    await conn.end();
  });

  it('KILL QUERY inside a transaction undoes only the killed statement', async () => {
    const victim = await connect();
    const killer = await connect();
    await victim.query('BEGIN');
    await victim.query('INSERT INTO big VALUES (-1, 0)');
    const work = victim.query(longInsert).catch((e: unknown) => e);
    await untilRunning(killer, victim.threadId);
    await killer.query(`KILL QUERY ${victim.threadId}`);
    expect(await work).toMatchObject({ errno: 1317 });
    expect(await count(victim, 'SELECT COUNT(*) FROM big')).toBe(1);
    expect(await count(victim, 'SELECT @@autocommit')).toBe(1);
    await victim.query('COMMIT');
    expect(await count(killer, 'SELECT COUNT(*) FROM big')).toBe(1);
    await killer.query('DELETE FROM big');
    await Promise.all([victim.end(), killer.end()]);
  });

  it('KILL CONNECTION closes a busy connection (its statement rolled back) and an idle one', async () => {
    const busy = await connect();
    const killer = await connect();
    const work = busy.query(longInsert).then(
      () => 'finished' as const,
      (e: unknown) => ({ error: e, atMs: Date.now() }),
    );
    await untilWriting(killer, busy.threadId);
    await killer.query(`KILL CONNECTION ${busy.threadId}`);
    const killedAt = Date.now();
    const outcome = await work;
    if (outcome === 'finished') throw new Error('the statement finished before the KILL');
    // MySQL 8 sends nothing: the client sees the connection lost (CR_SERVER_LOST).
    expect(outcome.error).toMatchObject({ code: 'PROTOCOL_CONNECTION_LOST' });
    expect(outcome.atMs - killedAt).toBeLessThan(1000);
    await untilGone(killer, busy.threadId);
    expect(await count(killer, 'SELECT COUNT(*) FROM big')).toBe(0);

    const idle = await connect();
    await killer.query(`KILL ${idle.threadId}`);
    await untilGone(killer, idle.threadId);
    await expect(idle.query('SELECT 1')).rejects.toThrow();
    await killer.end();
  });

  it('a session killing itself: KILL QUERY answers 1317; KILL answers 1317, then closes', async () => {
    const self = await connect();
    const observer = await connect();
    await expect(self.query('KILL QUERY CONNECTION_ID()')).rejects.toMatchObject({ errno: 1317 });
    expect(await count(self, 'SELECT 7')).toBe(7);
    await expect(self.query('KILL CONNECTION_ID()')).rejects.toMatchObject({
      errno: 1317,
      sqlState: '70100',
    });
    await untilGone(observer, self.threadId);
    await expect(self.query('SELECT 1')).rejects.toThrow();
    await observer.end();
  });

  it('an unknown id is 1094; a column is 1054', async () => {
    const conn = await connect();
    await expect(conn.query('KILL 987654')).rejects.toMatchObject({
      errno: 1094,
      sqlState: 'HY000',
      message: 'Unknown thread id: 987654',
    });
    await expect(conn.query('KILL QUERY 987654')).rejects.toMatchObject({ errno: 1094 });
    await expect(conn.query('KILL nosuch')).rejects.toMatchObject({ errno: 1054 });
    await conn.end();
  });

  it("another user's connections are not listed for it, and KILL of them is 1095", async () => {
    const root = await connect();
    await root.query("CREATE USER 'ops_user'@'%' IDENTIFIED BY 'ops-password'");
    await root.query("GRANT SELECT ON ops.* TO 'ops_user'@'%'");
    const user = await connect({ user: 'ops_user', password: 'ops-password' });
    const second = await connect({ user: 'ops_user', password: 'ops-password' });
    const listed = (await processlist(user)).map((p) => Number(p.Id)).sort((x, y) => x - y);
    expect(listed).toEqual([user.threadId, second.threadId].sort((x, y) => x - y));
    const [sessions] = await user.query<RowDataPacket[]>('SELECT user FROM system.sessions');
    expect(new Set(sessions.map((s) => String(s.user)))).toEqual(new Set(['ops_user']));
    await expect(user.query(`KILL ${root.threadId}`)).rejects.toMatchObject({
      errno: 1095,
      sqlState: 'HY000',
      message: `You are not owner of thread ${root.threadId}`,
    });
    // Its own user's other connection it may kill; root may kill anyone's.
    await user.query(`KILL ${second.threadId}`);
    await untilGone(root, second.threadId);
    await root.query(`KILL ${user.threadId}`);
    await untilGone(root, user.threadId);
    await root.query("DROP USER 'ops_user'@'%'");
    await root.end();
  });
});

describe('SHOW STATUS', () => {
  it('counts statements, connections, failed logins and bytes', async () => {
    const conn = await connect();
    const before = await status(conn, 'GLOBAL');
    await conn.query('SELECT 1');
    await conn.query('SELECT COUNT(*) FROM t');
    await conn.query('SELECT v FROM t WHERE id = 3');
    await conn.query('INSERT INTO big VALUES (1, 1)');
    await conn.query('UPDATE big SET v = 2 WHERE id = 1');
    await conn.query('BEGIN');
    await conn.query('DELETE FROM big WHERE id = 1');
    await conn.query('COMMIT');
    await conn.query('ROLLBACK');
    await conn.execute('SELECT v FROM t WHERE id = ?', [4]);
    const after = await status(conn, 'GLOBAL');
    const delta = (name: string) => (after.get(name) ?? NaN) - (before.get(name) ?? NaN);
    expect(delta('Com_select')).toBe(4);
    expect(delta('Com_insert')).toBe(1);
    expect(delta('Com_update')).toBe(1);
    expect(delta('Com_delete')).toBe(1);
    expect(delta('Com_begin')).toBe(1);
    expect(delta('Com_commit')).toBe(1);
    expect(delta('Com_rollback')).toBe(1);
    expect(delta('Com_stmt_prepare')).toBe(1);
    expect(delta('Com_stmt_execute')).toBe(1);
    expect(delta('Com_show_status')).toBe(1);
    // 10 statements and the second SHOW STATUS itself.
    expect(delta('Questions')).toBe(11);
    expect(delta('Queries')).toBe(11);
    expect(delta('Bytes_received')).toBeGreaterThan(0);
    expect(delta('Bytes_sent')).toBeGreaterThan(0);
    expect(after.get('Uptime')).toBeGreaterThanOrEqual(0);
    expect(after.get('Threads_running')).toBeGreaterThanOrEqual(1);
    expect(after.get('Threads_connected')).toBe(
      await count(conn, 'SELECT COUNT(*) FROM information_schema.PROCESSLIST'),
    );
    // No invented rows: every variable shown is one we count.
    for (const name of after.keys()) {
      expect(name).toMatch(
        /^(Com_\w+|Aborted_connects|Bytes_received|Bytes_sent|Connections|Queries|Questions|Threads_connected|Threads_running|Uptime)$/,
      );
    }

    // A failed login is an aborted connect; every attempt is a connection.
    await expect(connect({ password: 'wrong' })).rejects.toMatchObject({ errno: 1045 });
    await waitFor('the aborted connect', async () => {
      const now = await status(conn, 'GLOBAL');
      return (now.get('Aborted_connects') ?? 0) === (after.get('Aborted_connects') ?? 0) + 1;
    });
    expect((await status(conn, 'GLOBAL')).get('Connections')).toBe(
      (after.get('Connections') ?? 0) + 1,
    );

    // SESSION: this connection's own statements; LIKE filters by name.
    const fresh = await connect();
    const [questions] = await fresh.query<RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Questions'");
    expect(questions).toEqual([{ Variable_name: 'Questions', Value: '1' }]);
    const [selects] = await fresh.query<RowDataPacket[]>("SHOW STATUS LIKE 'com_sel%'");
    expect(selects).toEqual([{ Variable_name: 'Com_select', Value: '0' }]);
    await expect(fresh.query("SHOW STATUS WHERE Variable_name = 'Uptime'")).rejects.toMatchObject({
      errno: 1235,
    });
    await Promise.all([conn.end(), fresh.end()]);
  });
});

const login = () => [
  '-h127.0.0.1',
  `-P${server.port}`,
  '-uroot',
  `-p${rootPassword}`,
  '--skip-ssl',
];

describe('the stock tools', () => {
  it('mariadb-admin status (COM_STATISTICS), processlist and kill', async () => {
    const stats = await runTool('/usr/bin/mariadb-admin', [...login(), 'status']);
    expect(stats.stderr).toBe('');
    expect(stats.stdout).toMatch(
      /^Uptime: \d+ {2}Threads: \d+ {2}Questions: \d+ {2}Queries per second avg: \d+\.\d{3}\n$/,
    );
    const victim = await connect();
    const list = await runTool('/usr/bin/mariadb-admin', [...login(), 'processlist']);
    expect(list.stderr).toBe('');
    expect(list.stdout).toMatch(
      new RegExp(`\\| ${victim.threadId} +\\| root +\\| 127\\.0\\.0\\.1:\\d+ +\\| ops +\\| Sleep`),
    );
    const killed = await runTool('/usr/bin/mariadb-admin', [
      ...login(),
      'kill',
      String(victim.threadId),
    ]);
    expect(killed.stderr).toBe('');
    expect(killed.code).toBe(0);
    const observer = await connect();
    await untilGone(observer, victim.threadId);
    await observer.end();
  });

  it('the interactive mariadb CLI: `use` reads the columns of every table (COM_FIELD_LIST)', async () => {
    const observer = await connect();
    const before = (await status(observer, 'GLOBAL')).get('Com_show_fields') ?? 0;
    // `script` gives the client a terminal: only an interactive client builds its completion.
    const cli = ['/usr/bin/mariadb', ...login()].join(' ');
    const session = await runTool(
      '/usr/bin/script',
      ['-qec', cli, '/dev/null'],
      'use ops\nselect 40 + 2 as answer;\nquit\n',
    );
    expect(session.stdout).toContain('Reading table information for completion');
    expect(session.stdout).toContain('Database changed');
    expect(session.stdout).toMatch(/\| answer \|\s+\+-+\+\s+\| +42 \|/);
    expect(session.stdout).not.toContain('ERROR');
    // One COM_FIELD_LIST per table of ops (t, big), and the SHOW STATUS reading it.
    const after = (await status(observer, 'GLOBAL')).get('Com_show_fields') ?? 0;
    expect(after - before).toBe(2);
    await observer.end();
  });
});
