/**
 * MySQL accounts and privileges end to end: the real server (control-plane accounts, gateway
 * logins, engine checks) driven by mysql2 — an account made with CREATE USER and one table
 * granted logs in, runs what it may, is refused the rest with MySQL's errors, sees its grants,
 * and loses its login to ALTER USER / DROP USER. A restart repairs a catalog in which no
 * account holds a grant (root gets ALL PRIVILEGES back).
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlServer } from './helpers';
import { startSqlServer } from './helpers';

const rootPassword = 'root-password-for-privileges';

let server: SqlServer;

async function column(conn: Connection, sql: string): Promise<unknown[]> {
  const [rows] = await conn.query<RowDataPacket[]>({ sql, rowsAsArray: true });
  return rows.map((r) => (r as unknown[])[0]);
}

const ROOT_GLOBAL =
  'SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, SHUTDOWN, PROCESS, FILE, REFERENCES, ' +
  'INDEX, ALTER, SHOW DATABASES, SUPER, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, ' +
  'REPLICATION SLAVE, REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, ' +
  'CREATE USER, EVENT, TRIGGER, CREATE TABLESPACE, CREATE ROLE, DROP ROLE';

beforeAll(async () => {
  server = await startSqlServer(rootPassword);
  const root = await server.connect();
  await root.query('CREATE DATABASE app');
  await root.query('CREATE TABLE app.items (id INT PRIMARY KEY, name VARCHAR(20))');
  await root.query('CREATE TABLE app.secrets (id INT PRIMARY KEY, v VARCHAR(20))');
  await root.query("INSERT INTO app.items VALUES (1, 'apple'), (2, 'pear')");
  await root.query("INSERT INTO app.secrets VALUES (1, 'hidden')");
  await root.end();
}, 120_000);

afterAll(async () => {
  await server.close();
});

describe('accounts and privileges over the wire', () => {
  it('root holds ALL PRIVILEGES ON *.* WITH GRANT OPTION from the bootstrap', async () => {
    const root = await server.connect();
    expect(await column(root, 'SHOW GRANTS')).toEqual([
      `GRANT ${ROOT_GLOBAL} ON *.* TO \`root\`@\`%\` WITH GRANT OPTION`,
    ]);
    expect(await column(root, 'SELECT CURRENT_USER()')).toEqual(['root@%']);
    await root.end();
  });

  it('a user with SELECT on one table: allowed, refused, its grants, then ALTER and DROP USER', async () => {
    const root = await server.connect();
    await root.query("CREATE USER 'reader'@'%' IDENTIFIED BY 'first-pw'");
    await root.query("GRANT SELECT ON app.items TO 'reader'@'%'");

    const reader = await server.connect({ user: 'reader', password: 'first-pw', database: 'app' });
    expect(await column(reader, 'SELECT name FROM items ORDER BY id')).toEqual(['apple', 'pear']);
    expect(await column(reader, 'SELECT CURRENT_USER()')).toEqual(['reader@%']);
    expect(await column(reader, 'SHOW GRANTS')).toEqual([
      'GRANT USAGE ON *.* TO `reader`@`%`',
      'GRANT SELECT ON `app`.`items` TO `reader`@`%`',
    ]);
    expect(await column(reader, 'SHOW TABLES')).toEqual(['items']);
    expect(await column(reader, 'SHOW DATABASES')).toEqual(['app', 'information_schema', 'system']);

    const refusals: [string, number, string][] = [
      [
        "INSERT INTO items VALUES (3, 'fig')",
        1142,
        "INSERT command denied to user 'reader'@'127.0.0.1' for table 'items'",
      ],
      [
        'SELECT * FROM secrets',
        1142,
        "SELECT command denied to user 'reader'@'127.0.0.1' for table 'secrets'",
      ],
      [
        'SELECT * FROM items WHERE id IN (SELECT id FROM secrets)',
        1142,
        "SELECT command denied to user 'reader'@'127.0.0.1' for table 'secrets'",
      ],
      [
        'DROP TABLE items',
        1142,
        "DROP command denied to user 'reader'@'127.0.0.1' for table 'items'",
      ],
      ['CREATE DATABASE other', 1044, "Access denied for user 'reader'@'%' to database 'other'"],
      [
        "CREATE USER 'x'",
        1227,
        'Access denied; you need (at least one of) the CREATE USER privilege(s) for this operation',
      ],
      [
        "GRANT SELECT ON app.items TO 'reader'@'%'",
        1142,
        "GRANT command denied to user 'reader'@'127.0.0.1' for table 'items'",
      ],
      [
        "SHOW GRANTS FOR 'root'@'%'",
        1044,
        "Access denied for user 'reader'@'%' to database 'mysql'",
      ],
    ];
    for (const [sql, errno, message] of refusals) {
      await expect(reader.query(sql), sql).rejects.toMatchObject({
        errno,
        sqlState: '42000',
        sqlMessage: message,
      });
    }
    // COM_INIT_DB into a database without privileges.
    await expect(
      server.connect({ user: 'reader', password: 'first-pw', database: 'mysql_nope' }),
    ).rejects.toMatchObject({ errno: 1044 });

    // A GRANT reaches the open session at its next statement.
    await root.query("GRANT INSERT ON app.items TO 'reader'@'%'");
    await reader.query("INSERT INTO items VALUES (3, 'fig')");
    expect(await column(root, 'SELECT COUNT(*) FROM app.items')).toEqual([3]);

    // ALTER USER: the old password stops working, the new one works.
    await root.query("ALTER USER 'reader'@'%' IDENTIFIED BY 'second-pw'");
    await expect(server.connect({ user: 'reader', password: 'first-pw' })).rejects.toMatchObject({
      errno: 1045,
      sqlState: '28000',
    });
    const again = await server.connect({ user: 'reader', password: 'second-pw' });
    // The user changes its own password (and plugin stays caching_sha2_password).
    await again.query("SET PASSWORD = 'third-pw'");
    await again.end();
    const third = await server.connect({ user: 'reader', password: 'third-pw' });
    await third.end();

    // DROP USER: no more logins; the open session stays but may do nothing.
    await root.query("DROP USER 'reader'@'%'");
    await expect(server.connect({ user: 'reader', password: 'third-pw' })).rejects.toMatchObject({
      errno: 1045,
    });
    await expect(reader.query('SELECT * FROM items')).rejects.toMatchObject({ errno: 1142 });
    await reader.end();
    await expect(root.query("SHOW GRANTS FOR 'reader'@'%'")).rejects.toMatchObject({
      errno: 1141,
      sqlMessage: "There is no such grant defined for user 'reader' on host '%'",
    });
    await root.end();
  });

  it('mysql_native_password accounts log in, and a database-level grant covers its tables', async () => {
    const root = await server.connect();
    await root.query(
      "CREATE USER 'legacy'@'127.0.0.1' IDENTIFIED WITH mysql_native_password BY 'native-pw'",
    );
    await root.query("GRANT ALL ON app.* TO 'legacy'@'127.0.0.1'");
    const legacy = await server.connect({ user: 'legacy', password: 'native-pw' });
    expect(await column(legacy, 'SELECT COUNT(*) FROM app.secrets')).toEqual([1]);
    await legacy.query('CREATE TABLE app.scratch (id INT PRIMARY KEY)');
    await legacy.query('DROP TABLE app.scratch');
    expect(await column(legacy, 'SHOW GRANTS')).toEqual([
      'GRANT USAGE ON *.* TO `legacy`@`127.0.0.1`',
      'GRANT ALL PRIVILEGES ON `app`.* TO `legacy`@`127.0.0.1`',
    ]);
    await legacy.end();
    await root.query("DROP USER 'legacy'@'127.0.0.1'");
    await root.end();
  });

  it('a restart gives root its grant back when no account holds any (catalogs from before grants)', async () => {
    const root = await server.connect();
    await root.query("REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'root'@'%'");
    expect(await column(root, 'SHOW GRANTS')).toEqual(['GRANT USAGE ON *.* TO `root`@`%`']);
    await expect(root.query('SELECT * FROM app.items')).rejects.toMatchObject({ errno: 1142 });
    await root.end();
    await server.restart(rootPassword);
    expect(server.running.mysql?.bootstrap).toEqual({ kind: 'existing' });
    const restarted = await server.connect();
    expect(await column(restarted, 'SHOW GRANTS')).toEqual([
      `GRANT ${ROOT_GLOBAL} ON *.* TO \`root\`@\`%\` WITH GRANT OPTION`,
    ]);
    await restarted.end();
  }, 120_000);
});
