/**
 * `tessera serve`'s MySQL listener end to end: the real server (embedded cluster, control
 * plane catalog, gateway, SQL engine) on a temp data directory and a free port, driven by
 * mysql2 and by the stock command-line client (/usr/bin/mysql, a real process).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlServer, ToolRun } from './helpers';
import { runTool, startSqlServer } from './helpers';

const rootPassword = 'root-password-for-tests';

function mysqlCli(port: number, args: readonly string[]): Promise<ToolRun> {
  return runTool('/usr/bin/mysql', ['-h127.0.0.1', `-P${port}`, ...args]);
}

describe('the MySQL listener with TESSERA_ROOT_PASSWORD', () => {
  let server: SqlServer;
  const root = ['-uroot', `-p${rootPassword}`];

  beforeAll(async () => {
    server = await startSqlServer(rootPassword);
  });
  afterAll(async () => {
    await server.close();
  });

  it('creates root from the password and reports the endpoint', () => {
    expect(server.running.mysql?.bootstrap).toEqual({ kind: 'from-env' });
    expect(server.running.mysql?.address).toBe(`127.0.0.1:${server.port}`);
  });

  it('mysql2: caching_sha2 over TLS, then over plain TCP with the RSA key exchange', async () => {
    server.running.mysql?.server.sha2Cache.invalidate('root', '127.0.0.1');
    const tls = await server.connect({ ssl: { rejectUnauthorized: false } });
    const [rows] = await tls.query<RowDataPacket[]>('SELECT 1 AS one, @@version_comment AS vc');
    expect(rows).toEqual([{ one: 1, vc: 'Tessera distributed SQL' }]);
    await tls.end();
    server.running.mysql?.server.sha2Cache.invalidate('root', '127.0.0.1');
    const plain = await server.connect();
    const [again] = await plain.query<RowDataPacket[]>('SELECT 1 AS one');
    expect(again).toEqual([{ one: 1 }]);
    await plain.end();
  });

  it('the mysql CLI: SELECT 1 and @@version_comment (over TLS and without)', async () => {
    for (const tls of ['--ssl', '--skip-ssl']) {
      server.running.mysql?.server.sha2Cache.invalidate('root', '127.0.0.1');
      const run = await mysqlCli(server.port, [
        ...root,
        tls,
        '--batch',
        '-e',
        'SELECT 1; SELECT @@version_comment',
      ]);
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe('1\n1\n@@version_comment\nTessera distributed SQL\n');
      expect(run.code).toBe(0);
    }
  });

  it('the mysql CLI: DDL through the catalog, SHOW TABLES / DATABASES', async () => {
    const run = await mysqlCli(server.port, [
      ...root,
      '--batch',
      '-e',
      'CREATE DATABASE shop; USE shop; CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)); SHOW TABLES',
    ]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('Tables_in_shop\nt\n');
    const dbs = await mysqlCli(server.port, [...root, '--batch', '-e', 'SHOW DATABASES']);
    expect(dbs.stdout).toBe('Database\ninformation_schema\nshop\nsystem\n');
    const atConnect = await mysqlCli(server.port, [
      ...root,
      '--batch',
      '-D',
      'shop',
      '-e',
      'SHOW TABLES',
    ]);
    expect(atConnect.stdout).toBe('Tables_in_shop\nt\n');
  });

  it('stores and queries rows through the cluster: INSERT, SELECT, UPDATE, DELETE, joins', async () => {
    const conn = await server.connect({ multipleStatements: true });
    try {
      await conn.query(
        'CREATE DATABASE bank; USE bank; ' +
          'CREATE TABLE acct (id INT AUTO_INCREMENT PRIMARY KEY, owner VARCHAR(20) NOT NULL, balance DECIMAL(10,2) NOT NULL, UNIQUE KEY owner (owner)) SLICES = 4',
      );
      const [inserted] = await conn.query(
        "INSERT INTO acct (owner, balance) VALUES ('ann', 100), ('bob', 50.5), ('cy', 0)",
      );
      expect(inserted).toMatchObject({ affectedRows: 3, insertId: 1 });
      const [updated] = await conn.query<ResultSetHeader>(
        'UPDATE acct SET balance = balance - 30 WHERE id = 1',
      );
      // The OK packet's info, read as the length-encoded string MySQL servers send.
      expect(updated.info).toBe('Rows matched: 1  Changed: 1  Warnings: 0');
      await conn.query("UPDATE acct SET balance = balance + 30 WHERE owner = 'cy'");
      const [rows] = await conn.query<RowDataPacket[]>(
        'SELECT id, owner, balance FROM acct ORDER BY id',
      );
      expect(rows.map((r): unknown[] => [r.id, r.owner, r.balance])).toEqual([
        [1, 'ann', '70.00'],
        [2, 'bob', '50.50'],
        [3, 'cy', '30.00'],
      ]);
      const [sum] = await conn.query<RowDataPacket[]>('SELECT SUM(balance) AS total FROM acct');
      expect(sum[0]?.total).toBe('150.50');
      await expect(
        conn.query("INSERT INTO acct (owner, balance) VALUES ('ANN', 1)"),
      ).rejects.toMatchObject({
        errno: 1062,
        sqlState: '23000',
        message: "Duplicate entry 'ANN' for key 'acct.owner'",
      });
      const [deleted] = await conn.query("DELETE FROM acct WHERE owner = 'bob'");
      expect(deleted).toMatchObject({ affectedRows: 1 });
      // Prepared statements (binary protocol): a point read by key, a write, a subquery.
      const [point] = await conn.execute<RowDataPacket[]>(
        'SELECT owner, balance FROM acct WHERE id = ?',
        [3],
      );
      expect(point).toEqual([{ owner: 'cy', balance: '30.00' }]);
      const [added] = await conn.execute<ResultSetHeader>(
        'INSERT INTO acct (owner, balance) VALUES (?, ?)',
        ['dee', '12.25'],
      );
      // 4 went to the failed 'ANN' insert (InnoDB also never hands a value out twice).
      expect(added).toMatchObject({ affectedRows: 1, insertId: 5 });
      const [richest] = await conn.execute<RowDataPacket[]>(
        'SELECT owner FROM acct WHERE balance = (SELECT MAX(balance) FROM acct WHERE id <> ?)',
        [1],
      );
      expect(richest).toEqual([{ owner: 'cy' }]);
      await conn.query("DELETE FROM acct WHERE owner = 'dee'");
    } finally {
      await conn.end();
    }
    // The stock client sees the same rows, and a join.
    const run = await mysqlCli(server.port, [
      ...root,
      '--batch',
      '-D',
      'bank',
      '-e',
      'CREATE TABLE tx (id INT PRIMARY KEY, acct INT, amount INT); INSERT INTO tx VALUES (1, 1, 5), (2, 1, 7), (3, 3, 1); ' +
        'SELECT a.owner, COUNT(*) AS n, SUM(t.amount) AS total FROM acct a JOIN tx t ON t.acct = a.id GROUP BY a.owner ORDER BY a.owner',
    ]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('owner\tn\ttotal\nann\t2\t12\ncy\t1\t1\n');
    // The cluster itself, as the read-only system database (acct: 4 slices + 3 of its index).
    const system = await mysqlCli(server.port, [
      ...root,
      '--batch',
      '-e',
      "SELECT node_id, zone, state FROM system.nodes ORDER BY node_id; SELECT COUNT(*) FROM system.slices s JOIN system.representations r ON r.representation_id = s.representation_id WHERE r.table_name = 'acct'",
    ]);
    expect(system.stderr).toBe('');
    expect(system.stdout).toBe('node_id\tzone\tstate\n1\ta\tup\n2\tb\tup\n3\tc\tup\nCOUNT(*)\n7\n');
    // RENAME keeps the rows; TRUNCATE gives the table new, empty slices that take writes at once.
    const renamed = await mysqlCli(server.port, [
      ...root,
      '--batch',
      '-D',
      'bank',
      '-e',
      'RENAME TABLE tx TO transfers; SELECT COUNT(*) FROM transfers; TRUNCATE TABLE transfers; ' +
        'INSERT INTO transfers VALUES (9, 1, 1); SELECT id FROM transfers',
    ]);
    expect(renamed.stderr).toBe('');
    expect(renamed.stdout).toBe('COUNT(*)\n3\nid\n9\n');
  });

  it('ALTER TABLE through the cluster: columns added, converted with their index, errors as MySQL', async () => {
    const conn = await server.connect({ multipleStatements: true });
    try {
      await conn.query(
        'CREATE DATABASE IF NOT EXISTS bank; USE bank; CREATE TABLE alt (id INT PRIMARY KEY, n VARCHAR(10), KEY kn (n))',
      );
      await conn.query("INSERT INTO alt VALUES (1, '10'), (2, '20'), (3, NULL)");
      const [added] = await conn.query<ResultSetHeader>(
        'ALTER TABLE alt ADD COLUMN c INT NOT NULL DEFAULT 5 AFTER id, RENAME COLUMN n TO num',
      );
      expect(added.affectedRows).toBe(0);
      const [converted] = await conn.query<ResultSetHeader>('ALTER TABLE alt MODIFY num INT');
      expect(converted).toMatchObject({ affectedRows: 3 });
      const [found] = await conn.execute<RowDataPacket[]>(
        'SELECT id, c, num FROM alt WHERE num = ?',
        [20],
      );
      expect(found).toEqual([{ id: 2, c: 5, num: 20 }]);
      await expect(conn.query('ALTER TABLE alt MODIFY num INT NOT NULL')).rejects.toMatchObject({
        errno: 1138,
        sqlState: '22004',
        message: 'Invalid use of NULL value',
      });
      await expect(
        conn.query('ALTER TABLE alt MODIFY c TINYINT, MODIFY num TINYINT'),
      ).resolves.toBeDefined();
      await expect(conn.query('ALTER TABLE alt DROP COLUMN nope')).rejects.toMatchObject({
        errno: 1091,
        message: "Can't DROP 'nope'; check that column/key exists",
      });
      const [columns] = await conn.query<RowDataPacket[]>(
        "SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'bank' AND TABLE_NAME = 'alt' ORDER BY ORDINAL_POSITION",
      );
      expect(columns.map((r): unknown[] => [r.name, r.type])).toEqual([
        ['id', 'int'],
        ['c', 'tinyint'],
        ['num', 'tinyint'],
      ]);
      await conn.query('DROP TABLE alt');
    } finally {
      await conn.end();
    }
  });

  it('system.replicas: roles, applied positions, sizes and rates as the nodes report them', async () => {
    const conn = await server.connect();
    try {
      await conn.query('CREATE DATABASE IF NOT EXISTS stats');
      await conn.query('CREATE TABLE stats.t (id INT PRIMARY KEY, v VARCHAR(100)) SLICES = 2');
      const values = Array.from({ length: 50 }, (_, i) => `(${i}, '${'x'.repeat(80)}')`);
      await conn.query(`INSERT INTO stats.t VALUES ${values.join(',')}`);
      const sql =
        'SELECT r.role, r.raft_role, r.applied_index, r.size_bytes, r.reads_per_sec, r.writes_per_sec ' +
        'FROM system.replicas r JOIN system.slices s ON s.slice_id = r.slice_id ' +
        'JOIN system.representations p ON p.representation_id = s.representation_id ' +
        "WHERE p.table_schema = 'stats' AND p.table_name = 't' AND p.index_name = 'PRIMARY'";
      type Row = {
        role: string;
        raft_role: string | null;
        applied_index: string | null;
        size_bytes: string | null;
        reads_per_sec: number | null;
        writes_per_sec: number | null;
      };
      // Nodes report every 500 ms and the gateway asks every second: poll, reading the table
      // meanwhile so that the ranking replicas serve reads.
      let ranking: Row[] = [];
      // Up to 30 s: on a loaded machine leadership may still be moving to the ranking replicas.
      for (let i = 0; i < 120; i++) {
        await conn.query('SELECT COUNT(*) FROM stats.t');
        const [rows] = await conn.query<(Row & RowDataPacket)[]>(sql);
        ranking = rows.filter((r) => r.role === 'ranking');
        // Reports trail the writes by up to a heartbeat plus the gateway's poll: wait for the
        // ones taken after the INSERT.
        if (
          ranking.length === 2 &&
          ranking.every(
            (r) =>
              Number(r.size_bytes) > 80 &&
              (r.reads_per_sec ?? 0) > 0 &&
              r.writes_per_sec !== null &&
              r.raft_role === 'leader',
          )
        )
          break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(ranking).toHaveLength(2);
      for (const r of ranking) {
        expect(r.raft_role).toBe('leader');
        expect(Number(r.applied_index)).toBeGreaterThan(0);
        // 50 rows of ~90 bytes over two slices: each holds some of them.
        expect(Number(r.size_bytes)).toBeGreaterThan(80);
        expect(r.reads_per_sec).toBeGreaterThan(0);
        expect(r.writes_per_sec).not.toBeNull();
      }
    } finally {
      // Whatever happened, the restart test below expects only its own databases.
      await conn.query('DROP DATABASE IF EXISTS stats');
      await conn.end();
    }
  });

  it('the mysql CLI: 1064, 1045 and 1049 as MySQL prints them', async () => {
    const syntax = await mysqlCli(server.port, [...root, '--batch', '-e', 'SELEC 1']);
    expect(syntax.stderr).toMatch(
      /^ERROR 1064 \(42000\) at line 1: You have an error in your SQL syntax;.* near 'SELEC 1'/m,
    );
    expect(syntax.code).toBe(1);
    const denied = await mysqlCli(server.port, ['-uroot', '-pwrong', '-e', 'SELECT 1']);
    expect(denied.stderr).toMatch(
      /^ERROR 1045 \(28000\): Access denied for user 'root'@'127\.0\.0\.1' \(using password: YES\)/,
    );
    const unknown = await mysqlCli(server.port, [...root, '-D', 'nope', '-e', 'SELECT 1']);
    expect(unknown.stderr).toMatch(/^ERROR 1049 \(42000\): Unknown database 'nope'/);
  });

  it('restarts on the same data directory: the database, root password and keys stay', async () => {
    const certFile = join(server.dataDir, 'mysql-tls', 'server-cert.pem');
    const cert = await readFile(certFile, 'utf8');
    expect((await stat(join(server.dataDir, 'mysql-tls', 'server-key.pem'))).mode & 0o777).toBe(
      0o600,
    );
    expect((await stat(join(server.dataDir, 'mysql-tls', 'private_key.pem'))).mode & 0o777).toBe(
      0o600,
    );
    // No password this time: root exists, nothing is generated or printed.
    await server.restart(undefined);
    expect(server.running.mysql?.bootstrap).toEqual({ kind: 'existing' });
    expect(await readFile(certFile, 'utf8')).toBe(cert);
    await expect(stat(join(server.dataDir, 'initial-root-password'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    const conn = await server.connect({ ssl: { rejectUnauthorized: false } });
    const [rows] = await conn.query<RowDataPacket[]>('SHOW DATABASES');
    expect(rows.map((r) => String(r.Database))).toEqual([
      'bank',
      'information_schema',
      'shop',
      'system',
    ]);
    await conn.query('USE shop');
    const [tables] = await conn.query<RowDataPacket[]>('SHOW TABLES');
    expect(tables).toEqual([{ Tables_in_shop: 't' }]);
    await conn.end();
  });
});

describe('the MySQL listener without TESSERA_ROOT_PASSWORD', () => {
  let server: SqlServer;

  beforeAll(async () => {
    server = await startSqlServer(undefined);
  });
  afterAll(async () => {
    await server.close();
  });

  it('generates the root password, writes it with mode 0600, and it logs in', async () => {
    const bootstrap = server.running.mysql?.bootstrap;
    if (bootstrap?.kind !== 'generated')
      throw new Error(`expected generated, got ${bootstrap?.kind}`);
    expect(bootstrap.file).toBe(join(server.dataDir, 'initial-root-password'));
    expect((await stat(bootstrap.file)).mode & 0o777).toBe(0o600);
    expect(await readFile(bootstrap.file, 'utf8')).toBe(`${bootstrap.password}\n`);
    const run = await mysqlCli(server.port, [
      '-uroot',
      `-p${bootstrap.password}`,
      '--batch',
      '-e',
      'SELECT CURRENT_USER()',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});
