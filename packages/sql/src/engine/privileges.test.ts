/**
 * Accounts and privileges in the engine: the account statements (CREATE / ALTER / DROP USER,
 * SET PASSWORD, GRANT, REVOKE, SHOW GRANTS) and the check every statement passes, with
 * MySQL's exact errors — over the in-memory catalog (the control plane's account codes) and
 * local MVCC slices, several sessions logged in as different accounts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { toText } from '../eval/convert.js';
import { int } from '../eval/value.js';
import { SqlSession } from './session.js';
import { localData } from './test/local-data.js';
import { MemoryCatalog } from './test/memory-catalog.js';
import { fails, nodes, rows, run, testCredential } from './test/sql-session.js';

/** Every session connects from here (1142 / 1143 name it; 1044 names the account's host). */
const CLIENT = '10.0.0.5';

let catalog: MemoryCatalog;
let login: (user: string, host?: string, usedPassword?: boolean) => SqlSession;
let root: SqlSession;

beforeEach(async () => {
  catalog = new MemoryCatalog(nodes);
  const data = await localData();
  let connectionId = 1;
  login = (user, host = '%', usedPassword = true) =>
    new SqlSession({
      catalog,
      connectionId: connectionId++,
      user,
      host: CLIENT,
      account: { user, host, usedPassword },
      makeCredential: testCredential,
      nowMicros: () => 1_767_225_600_000_000n,
      random: () => 0.25,
      data,
    });
  root = login('root');
  await run(
    root,
    `CREATE DATABASE shop; USE shop;
     CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20), qty INT);
     CREATE TABLE orders (id INT PRIMARY KEY, item INT);
     INSERT INTO items VALUES (1, 'apple', 5), (2, 'pear', 7);
     INSERT INTO orders VALUES (10, 1);
     CREATE DATABASE hr; CREATE TABLE hr.staff (id INT PRIMARY KEY)`,
  );
});

/** A session of a fresh account 'name'@'%' (password 'pw') in database shop, after `grants`. */
async function user(name: string, ...grants: string[]): Promise<SqlSession> {
  await run(root, `CREATE USER '${name}'@'%' IDENTIFIED BY 'pw'`);
  for (const g of grants) await run(root, `GRANT ${g} TO '${name}'@'%'`);
  const s = login(name);
  if (grants.length > 0) await run(s, 'USE shop');
  return s;
}

async function grantsOf(s: SqlSession, target = ''): Promise<string[]> {
  return (await rows(s, `SHOW GRANTS${target}`)).map((r) => r[0] ?? '');
}

const denied = (command: string, who: string, table: string) =>
  `1142: ${command} command denied to user '${who}'@'${CLIENT}' for table '${table}'`;

describe('CREATE USER', () => {
  it('makes the credential with the plugin asked for (caching_sha2_password by default)', async () => {
    await run(root, "CREATE USER 'a'@'%' IDENTIFIED BY 'pw-a'");
    await run(root, "CREATE USER b@localhost IDENTIFIED WITH mysql_native_password BY 'pw-b'");
    await run(root, "CREATE USER 'c'");
    expect(catalog.credentialOf('a', '%')).toBe('caching_sha2_password:pw-a');
    expect(catalog.credentialOf('b', 'localhost')).toBe('mysql_native_password:pw-b');
    expect(catalog.credentialOf('c', '%')).toBe('');
  });

  it('refuses an existing account with 1396 (all of them named, none created)', async () => {
    await run(root, "CREATE USER 'a'@'%'");
    expect(await fails(root, "CREATE USER 'a'@'%'")).toBe(
      "1396: Operation CREATE USER failed for 'a'@'%'",
    );
    expect(await fails(root, "CREATE USER 'new'@'%', 'a'@'%', 'a'@'%'")).toBe(
      "1396: Operation CREATE USER failed for 'a'@'%','a'@'%'",
    );
    expect(catalog.credentialOf('new', '%')).toBeUndefined();
    await run(root, "CREATE USER IF NOT EXISTS 'a'@'%', 'new'@'%'");
    expect(await rows(root, 'SHOW WARNINGS')).toEqual([
      ['Note', '3163', "Authorization ID 'a'@'%' already exists."],
    ]);
    expect(catalog.credentialOf('new', '%')).toBe('');
  });

  it('refuses an unknown plugin, names too long, and CURRENT_USER', async () => {
    expect(await fails(root, "CREATE USER 'a' IDENTIFIED WITH sha256_password BY 'x'")).toBe(
      "1524: Plugin 'sha256_password' is not loaded",
    );
    expect(await fails(root, `CREATE USER '${'u'.repeat(33)}'`)).toBe(
      `1470: String '${'u'.repeat(33)}' is too long for user name (should be no longer than 32)`,
    );
    expect(await fails(root, 'CREATE USER CURRENT_USER()')).toMatch(/^1064: /);
  });

  it('needs CREATE USER', async () => {
    const s = await user('u');
    expect(await fails(s, "CREATE USER 'v'")).toBe(
      '1227: Access denied; you need (at least one of) the CREATE USER privilege(s) for this operation',
    );
    await run(root, "GRANT CREATE USER ON *.* TO 'u'@'%'");
    await run(s, "CREATE USER 'v'");
    await run(s, "DROP USER 'v'");
  });
});

describe('ALTER USER, SET PASSWORD, DROP USER', () => {
  it('changes passwords and plugins; one changes only its own password unprivileged', async () => {
    const s = await user('u');
    await run(s, "ALTER USER 'u'@'%' IDENTIFIED BY 'new'");
    expect(catalog.credentialOf('u', '%')).toBe('caching_sha2_password:new');
    await run(s, "ALTER USER CURRENT_USER() IDENTIFIED BY 'newer'");
    expect(catalog.credentialOf('u', '%')).toBe('caching_sha2_password:newer');
    await run(s, "SET PASSWORD = 'newest'");
    expect(catalog.credentialOf('u', '%')).toBe('caching_sha2_password:newest');
    const createUser =
      '1227: Access denied; you need (at least one of) the CREATE USER privilege(s) for this operation';
    expect(await fails(s, "ALTER USER 'u'@'%' IDENTIFIED WITH mysql_native_password BY 'x'")).toBe(
      createUser,
    );
    expect(await fails(s, "ALTER USER 'root'@'%' IDENTIFIED BY 'x'")).toBe(createUser);
    expect(await fails(s, "SET PASSWORD FOR 'root'@'%' = 'x'")).toBe(
      "1044: Access denied for user 'u'@'%' to database 'mysql'",
    );
    await run(root, "ALTER USER 'u'@'%' IDENTIFIED WITH mysql_native_password BY 'nat'");
    expect(catalog.credentialOf('u', '%')).toBe('mysql_native_password:nat');
    // SET PASSWORD keeps the plugin.
    await run(root, "SET PASSWORD FOR 'u'@'%' = 'again'");
    expect(catalog.credentialOf('u', '%')).toBe('mysql_native_password:again');
  });

  it('answers a missing account as MySQL does', async () => {
    expect(await fails(root, "ALTER USER 'ghost'@'%' IDENTIFIED BY 'x'")).toBe(
      "1396: Operation ALTER USER failed for 'ghost'@'%'",
    );
    await run(root, "ALTER USER IF EXISTS 'ghost'@'%' IDENTIFIED BY 'x'");
    expect(await rows(root, 'SHOW WARNINGS')).toEqual([
      ['Note', '3162', "Authorization ID 'ghost'@'%' does not exist."],
    ]);
    expect(await fails(root, "SET PASSWORD FOR 'ghost'@'%' = 'x'")).toBe(
      "1133: Can't find any matching row in the user table",
    );
    expect(await fails(root, "DROP USER 'ghost'@'%', 'root'@'localhost'")).toBe(
      "1396: Operation DROP USER failed for 'ghost'@'%','root'@'localhost'",
    );
    await run(root, "DROP USER IF EXISTS 'ghost'@'%'");
    expect(await rows(root, 'SHOW WARNINGS')).toEqual([
      ['Note', '3162', "Authorization ID 'ghost'@'%' does not exist."],
    ]);
  });

  it('DROP USER needs CREATE USER; a dropped account keeps its session but nothing more', async () => {
    const s = await user('u', 'SELECT ON shop.*');
    expect(await fails(s, "DROP USER 'u'@'%'")).toBe(
      '1227: Access denied; you need (at least one of) the CREATE USER privilege(s) for this operation',
    );
    expect(await rows(s, 'SELECT COUNT(*) FROM items')).toEqual([['2']]);
    await run(root, "DROP USER 'u'@'%'");
    expect(catalog.credentialOf('u', '%')).toBeUndefined();
    expect(await fails(s, 'SELECT COUNT(*) FROM items')).toBe(denied('SELECT', 'u', 'items'));
    expect(await rows(s, 'SELECT 1 + 1')).toEqual([['2']]);
  });
});

describe('GRANT and REVOKE', () => {
  it('give and take privileges at each level, for open sessions at their next statement', async () => {
    const s = await user('u');
    await run(s, 'USE information_schema');
    expect(await fails(s, 'SELECT * FROM shop.items')).toBe(denied('SELECT', 'u', 'items'));
    await run(root, "GRANT SELECT ON shop.items TO 'u'@'%'");
    expect(await rows(s, 'SELECT name FROM shop.items ORDER BY id')).toEqual([['apple'], ['pear']]);
    expect(await fails(s, 'SELECT * FROM shop.orders')).toBe(denied('SELECT', 'u', 'orders'));
    await run(root, "GRANT SELECT ON shop.* TO 'u'@'%'");
    expect(await rows(s, 'SELECT COUNT(*) FROM shop.orders')).toEqual([['1']]);
    expect(await fails(s, 'SELECT * FROM hr.staff')).toBe(denied('SELECT', 'u', 'staff'));
    await run(root, "GRANT SELECT ON *.* TO 'u'@'%'");
    expect(await rows(s, 'SELECT COUNT(*) FROM hr.staff')).toEqual([['0']]);
    await run(root, "REVOKE SELECT ON *.* FROM 'u'@'%'");
    await run(root, "REVOKE SELECT ON shop.* FROM 'u'@'%'");
    expect(await fails(s, 'SELECT * FROM shop.orders')).toBe(denied('SELECT', 'u', 'orders'));
    expect(await rows(s, 'SELECT COUNT(*) FROM shop.items')).toEqual([['2']]);
    await run(root, "REVOKE SELECT ON shop.items FROM 'u'@'%'");
    expect(await fails(s, 'SELECT * FROM shop.items')).toBe(denied('SELECT', 'u', 'items'));
  });

  it('resolves ON tbl and ON * against the current database', async () => {
    await run(root, "CREATE USER 'u'");
    await run(root, "GRANT INSERT ON items TO 'u'; GRANT DELETE ON * TO 'u'");
    expect(await grantsOf(root, " FOR 'u'")).toEqual([
      'GRANT USAGE ON *.* TO `u`@`%`',
      'GRANT DELETE ON `shop`.* TO `u`@`%`',
      'GRANT INSERT ON `shop`.`items` TO `u`@`%`',
    ]);
    const none = login('root');
    expect(await fails(none, "GRANT SELECT ON items TO 'u'")).toBe('1046: No database selected');
  });

  it('refuses what MySQL refuses', async () => {
    await run(root, "CREATE USER 'u'");
    expect(await fails(root, "GRANT SELECT ON shop.* TO 'ghost'")).toBe(
      '1410: You are not allowed to create a user with GRANT',
    );
    expect(await fails(root, "GRANT SUPER ON shop.* TO 'u'")).toBe(
      '1221: Incorrect usage of DB GRANT and GLOBAL PRIVILEGES',
    );
    expect(await fails(root, "GRANT CREATE USER, SELECT ON shop.items TO 'u'")).toBe(
      '1144: Illegal GRANT/REVOKE command; please consult the manual to see which privileges can be used',
    );
    expect(await fails(root, "GRANT LOCK TABLES ON shop.items TO 'u'")).toBe(
      '1144: Illegal GRANT/REVOKE command; please consult the manual to see which privileges can be used',
    );
    expect(await fails(root, "GRANT FROBNICATE ON *.* TO 'u'")).toBe(
      "3929: Dynamic privilege 'FROBNICATE' is not registered with the server.",
    );
    expect(await fails(root, "GRANT FROBNICATE ON shop.* TO 'u'")).toBe(
      '3619: Illegal privilege level specified for FROBNICATE',
    );
    expect(await fails(root, "GRANT SELECT ON shop.nope TO 'u'")).toBe(
      "1146: Table 'shop.nope' doesn't exist",
    );
    expect(await fails(root, "GRANT SELECT INSERT ON *.* TO 'u'")).toMatch(
      /^1064: .* near 'INSERT ON \*\.\* TO 'u'' at line 1$/,
    );
    expect(await fails(root, "GRANT SELECT ON *.items TO 'u'")).toMatch(/^1064: /);
    expect(await fails(root, "GRANT SELECT (name) ON shop.items TO 'u'")).toMatch(/^1235: /);
  });

  it('lets a grantor give only what it holds WITH GRANT OPTION', async () => {
    const g = await user('g', 'SELECT ON shop.items');
    await run(root, "CREATE USER 'v'");
    expect(await fails(g, "GRANT SELECT ON shop.items TO 'v'")).toBe(denied('GRANT', 'g', 'items'));
    expect(await fails(g, "GRANT SELECT ON shop.* TO 'v'")).toBe(
      "1044: Access denied for user 'g'@'%' to database 'shop'",
    );
    expect(await fails(g, "GRANT SELECT ON *.* TO 'v'")).toBe(
      "1045: Access denied for user 'g'@'%' (using password: YES)",
    );
    await run(root, "GRANT SELECT ON shop.items TO 'g'@'%' WITH GRANT OPTION");
    await run(g, "GRANT SELECT ON shop.items TO 'v'");
    expect(await fails(g, "GRANT INSERT ON shop.items TO 'v'")).toBe(denied('GRANT', 'g', 'items'));
    expect(await fails(g, "REVOKE INSERT ON shop.items FROM 'v'")).toBe(
      denied('GRANT', 'g', 'items'),
    );
    await run(g, "REVOKE SELECT ON shop.items FROM 'v'");
    expect(await grantsOf(root, " FOR 'v'")).toEqual(['GRANT USAGE ON *.* TO `v`@`%`']);
    // A global grant option and global privileges reach every level below.
    const a = await user('a');
    await run(root, "GRANT SELECT, INSERT ON *.* TO 'a'@'%' WITH GRANT OPTION");
    await run(a, "GRANT INSERT ON shop.items TO 'v'");
    const noPassword = login('v', '%', false);
    expect(await fails(noPassword, "GRANT SELECT ON *.* TO 'a'")).toBe(
      "1045: Access denied for user 'v'@'%' (using password: NO)",
    );
  });

  it('answers a REVOKE of what was never granted as MySQL does', async () => {
    await run(root, "CREATE USER 'u'; GRANT SELECT ON shop.items TO 'u'");
    expect(await fails(root, "REVOKE SELECT ON shop.orders FROM 'u'")).toBe(
      "1147: There is no such grant defined for user 'u' on host '%' on table 'orders'",
    );
    expect(await fails(root, "REVOKE SELECT ON hr.* FROM 'u'")).toBe(
      "1141: There is no such grant defined for user 'u' on host '%'",
    );
    expect(await fails(root, "REVOKE SELECT ON *.* FROM 'ghost'")).toBe(
      "1141: There is no such grant defined for user 'ghost' on host '%'",
    );
    // Every account has a global level: nothing to take is not an error there.
    await run(root, "REVOKE SELECT ON *.* FROM 'u'");
    // A privilege not held at a level that exists is taken silently.
    await run(root, "REVOKE INSERT ON shop.items FROM 'u'");
    expect(await grantsOf(root, " FOR 'u'")).toEqual([
      'GRANT USAGE ON *.* TO `u`@`%`',
      'GRANT SELECT ON `shop`.`items` TO `u`@`%`',
    ]);
  });

  it('REVOKE ALL keeps the grant option; REVOKE ALL PRIVILEGES, GRANT OPTION takes everything', async () => {
    await run(
      root,
      `CREATE USER 'u';
       GRANT ALL ON shop.* TO 'u' WITH GRANT OPTION;
       GRANT PROCESS, SELECT ON *.* TO 'u';
       GRANT UPDATE ON hr.staff TO 'u'`,
    );
    await run(root, "REVOKE ALL ON shop.* FROM 'u'");
    expect(await grantsOf(root, " FOR 'u'")).toEqual([
      'GRANT SELECT, PROCESS ON *.* TO `u`@`%`',
      'GRANT USAGE ON `shop`.* TO `u`@`%` WITH GRANT OPTION',
      'GRANT UPDATE ON `hr`.`staff` TO `u`@`%`',
    ]);
    const s = await user('admin', 'SELECT ON shop.*');
    expect(await fails(s, "REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'u'")).toBe(
      '1227: Access denied; you need (at least one of) the CREATE USER privilege(s) for this operation',
    );
    await run(root, "REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'u'");
    expect(await grantsOf(root, " FOR 'u'")).toEqual(['GRANT USAGE ON *.* TO `u`@`%`']);
    expect(await fails(root, "REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'u', 'ghost'")).toBe(
      "1269: Can't revoke all privileges for one or more of the requested users",
    );
  });
});

describe('SHOW GRANTS', () => {
  it('prints each level as MySQL 8 does', async () => {
    expect(await grantsOf(root)).toEqual([
      'GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, SHUTDOWN, PROCESS, FILE, REFERENCES, INDEX, ALTER, SHOW DATABASES, SUPER, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER, CREATE TABLESPACE, CREATE ROLE, DROP ROLE ON *.* TO `root`@`%` WITH GRANT OPTION',
    ]);
    const s = await user('u', 'ALL PRIVILEGES ON shop.*', 'DELETE, SELECT ON hr.staff');
    const [result] = await run(s, 'SHOW GRANTS FOR CURRENT_USER()');
    expect(result?.kind === 'rows' && result.columns.map((c) => c.name)).toEqual([
      'Grants for u@%',
    ]);
    expect(await grantsOf(s)).toEqual([
      'GRANT USAGE ON *.* TO `u`@`%`',
      'GRANT ALL PRIVILEGES ON `shop`.* TO `u`@`%`',
      'GRANT SELECT, DELETE ON `hr`.`staff` TO `u`@`%`',
    ]);
    expect(await grantsOf(s, ' FOR CURRENT_USER')).toEqual(await grantsOf(s));
    expect(await fails(s, "SHOW GRANTS FOR 'root'@'%'")).toBe(
      "1044: Access denied for user 'u'@'%' to database 'mysql'",
    );
    expect(await fails(root, "SHOW GRANTS FOR 'ghost'@'%'")).toBe(
      "1141: There is no such grant defined for user 'ghost' on host '%'",
    );
    expect(await rows(s, 'SELECT CURRENT_USER(), USER()')).toEqual([['u@%', `u@${CLIENT}`]]);
  });
});

describe('every statement is checked', () => {
  it('reads: joins, subqueries, derived tables, UNION, INSERT ... SELECT', async () => {
    const s = await user('u', 'SELECT ON shop.items', 'INSERT ON shop.orders');
    expect(await rows(s, 'SELECT name FROM items WHERE id = 1')).toEqual([['apple']]);
    for (const sql of [
      'SELECT * FROM items JOIN orders ON orders.item = items.id',
      'SELECT * FROM items WHERE id IN (SELECT item FROM orders)',
      'SELECT * FROM items WHERE EXISTS (SELECT 1 FROM orders)',
      'SELECT (SELECT COUNT(*) FROM orders)',
      'SELECT * FROM (SELECT * FROM orders) AS d',
      'SELECT id FROM items UNION SELECT id FROM orders',
      'INSERT INTO orders SELECT id + 100, id FROM orders',
    ]) {
      expect(await fails(s, sql)).toBe(denied('SELECT', 'u', 'orders'));
    }
    await run(s, 'INSERT INTO orders SELECT id + 100, id FROM items');
    expect(await fails(s, 'SELECT * FROM orders')).toBe(denied('SELECT', 'u', 'orders'));
    expect(await fails(s, 'DELETE FROM orders')).toBe(denied('DELETE', 'u', 'orders'));
    expect(await rows(root, 'SELECT COUNT(*) FROM orders')).toEqual([['3']]);
  });

  it('writes: INSERT, REPLACE, ON DUPLICATE KEY UPDATE, UPDATE and DELETE (columns read need SELECT)', async () => {
    const s = await user('u', 'INSERT ON shop.items');
    await run(s, "INSERT INTO items VALUES (3, 'fig', 1)");
    expect(await fails(s, "REPLACE INTO items VALUES (3, 'fig', 2)")).toBe(
      denied('DELETE', 'u', 'items'),
    );
    expect(
      await fails(s, "INSERT INTO items VALUES (3, 'fig', 1) ON DUPLICATE KEY UPDATE qty = 9"),
    ).toBe(denied('UPDATE', 'u', 'items'));
    expect(await fails(s, 'UPDATE items SET qty = 0')).toBe(denied('UPDATE', 'u', 'items'));
    await run(root, "GRANT UPDATE, DELETE ON shop.items TO 'u'@'%'");
    await run(s, "REPLACE INTO items VALUES (3, 'fig', 2)");
    // Without SELECT: writing constants everywhere is allowed, reading a column is not.
    await run(s, 'UPDATE items SET qty = 0');
    expect(await fails(s, 'UPDATE items SET qty = 1 WHERE id = 1')).toBe(
      `1143: SELECT command denied to user 'u'@'${CLIENT}' for column 'id' in table 'items'`,
    );
    expect(await fails(s, 'UPDATE items SET qty = qty + 1')).toBe(
      `1143: SELECT command denied to user 'u'@'${CLIENT}' for column 'qty' in table 'items'`,
    );
    expect(await fails(s, "DELETE FROM items WHERE name = 'fig'")).toBe(
      `1143: SELECT command denied to user 'u'@'${CLIENT}' for column 'name' in table 'items'`,
    );
    expect(
      await fails(s, 'UPDATE items JOIN orders ON orders.item = items.id SET items.qty = 1'),
    ).toBe(denied('SELECT', 'u', 'orders'));
    await run(root, "GRANT SELECT ON shop.items TO 'u'@'%'");
    await run(s, 'UPDATE items SET qty = qty + 1 WHERE id = 1');
    await run(s, 'DELETE FROM items WHERE id = 3');
    expect(await rows(root, 'SELECT id, qty FROM items ORDER BY id')).toEqual([
      ['1', '1'],
      ['2', '0'],
    ]);
    expect(await fails(s, 'DELETE items FROM items JOIN orders ON orders.item = items.id')).toBe(
      denied('SELECT', 'u', 'orders'),
    );
  });

  it('DDL: CREATE / DROP / TRUNCATE / RENAME / ALTER TABLE, indexes, databases', async () => {
    const s = await user('u', 'SELECT ON shop.items');
    expect(await fails(s, 'CREATE TABLE t (id INT PRIMARY KEY)')).toBe(denied('CREATE', 'u', 't'));
    expect(await fails(s, 'DROP TABLE items')).toBe(denied('DROP', 'u', 'items'));
    expect(await fails(s, 'TRUNCATE TABLE items')).toBe(denied('DROP', 'u', 'items'));
    expect(await fails(s, 'ALTER TABLE items ADD COLUMN note INT')).toBe(
      denied('ALTER', 'u', 'items'),
    );
    expect(await fails(s, 'CREATE INDEX by_name ON items (name)')).toBe(
      denied('INDEX', 'u', 'items'),
    );
    expect(await fails(s, 'DROP INDEX by_name ON items')).toBe(denied('INDEX', 'u', 'items'));
    expect(await fails(s, 'RENAME TABLE items TO goods')).toBe(denied('ALTER', 'u', 'items'));
    expect(await fails(s, 'CREATE DATABASE mine')).toBe(
      "1044: Access denied for user 'u'@'%' to database 'mine'",
    );
    expect(await fails(s, 'DROP DATABASE shop')).toBe(
      "1044: Access denied for user 'u'@'%' to database 'shop'",
    );
    await run(root, "GRANT ALTER, DROP ON shop.items TO 'u'@'%'");
    expect(await fails(s, 'RENAME TABLE items TO goods')).toBe(denied('CREATE', 'u', 'goods'));
    // A table-level grant needs the table (MySQL: 1146); the new name's comes with the db.
    expect(await fails(root, "GRANT CREATE ON shop.goods TO 'u'@'%'")).toBe(
      "1146: Table 'shop.goods' doesn't exist",
    );
    await run(root, "GRANT CREATE, INSERT ON shop.* TO 'u'@'%'");
    await run(s, 'RENAME TABLE items TO goods');
    expect(await rows(s, 'SHOW TABLES')).toEqual([['goods'], ['orders']]);
    await run(root, "GRANT ALL ON mine.* TO 'u'@'%'");
    await run(
      s,
      `CREATE DATABASE mine; USE mine; CREATE TABLE t (id INT PRIMARY KEY, v INT);
       CREATE INDEX by_v ON t (v); ALTER TABLE t DROP INDEX by_v; TRUNCATE TABLE t;
       DROP TABLE t; DROP DATABASE mine`,
    );
  });

  it('USE, SHOW and information_schema see only what the account holds privileges on', async () => {
    const s = await user('u');
    expect(await fails(s, 'USE shop')).toBe(
      "1044: Access denied for user 'u'@'%' to database 'shop'",
    );
    await expect(s.use('hr')).rejects.toMatchObject({ errno: 1044 });
    expect(await rows(s, 'SHOW DATABASES')).toEqual([['information_schema'], ['system']]);
    await run(root, "GRANT SELECT ON shop.items TO 'u'@'%'");
    await run(s, 'USE shop');
    expect(await rows(s, 'SHOW DATABASES')).toEqual([['information_schema'], ['shop'], ['system']]);
    expect(await rows(s, 'SHOW TABLES')).toEqual([['items']]);
    expect(
      await rows(
        s,
        "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE'",
      ),
    ).toEqual([['shop', 'items']]);
    expect(await rows(s, 'SELECT DISTINCT TABLE_NAME FROM information_schema.COLUMNS')).toEqual([
      ['items'],
    ]);
    expect(await rows(s, 'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY 1')).toEqual(
      [['information_schema'], ['shop'], ['system']],
    );
    expect(await fails(s, 'SHOW TABLES FROM hr')).toBe(
      "1044: Access denied for user 'u'@'%' to database 'hr'",
    );
    expect(await fails(s, 'SHOW COLUMNS FROM orders')).toBe(denied('SELECT', 'u', 'orders'));
    expect(await fails(s, 'DESCRIBE orders')).toBe(denied('SELECT', 'u', 'orders'));
    expect(await fails(s, 'SHOW INDEX FROM orders')).toBe(denied('SELECT', 'u', 'orders'));
    expect(await fails(s, 'SHOW CREATE TABLE orders')).toBe(denied('SHOW', 'u', 'orders'));
    expect((await rows(s, 'DESCRIBE items')).length).toBe(3);
    // The system database is open to every account.
    expect(await rows(s, 'SELECT COUNT(*) FROM system.nodes')).toEqual([['0']]);
    // SELECT on *.* shows everything.
    await run(root, "GRANT SELECT ON *.* TO 'u'@'%'");
    expect((await rows(s, 'SHOW DATABASES')).map((r) => r[0])).toEqual([
      'hr',
      'information_schema',
      'shop',
      'system',
    ]);
  });

  it('administration needs its global privilege', async () => {
    const s = await user('u', 'SELECT ON shop.*');
    expect(await fails(s, 'FLUSH PRIVILEGES')).toBe(
      '1227: Access denied; you need (at least one of) the RELOAD privilege(s) for this operation',
    );
    expect(await fails(s, 'ALTER CLUSTER ADD NODE')).toBe(
      '1227: Access denied; you need (at least one of) the SUPER privilege(s) for this operation',
    );
    expect(await fails(s, 'EXPLAIN SELECT * FROM hr.staff')).toBe(denied('SELECT', 'u', 'staff'));
  });

  it('checks at PREPARE and again at every EXECUTE', async () => {
    const s = await user('u');
    await expect(s.prepare(1, 'SELECT name FROM shop.items WHERE id = ?')).rejects.toMatchObject({
      errno: 1142,
      message: `SELECT command denied to user 'u'@'${CLIENT}' for table 'items'`,
    });
    await run(root, "GRANT SELECT ON shop.items TO 'u'@'%'");
    await s.prepare(1, 'SELECT name FROM shop.items WHERE id = ?');
    const ok = await s.executePrepared(1, [int(1)]);
    expect(ok.kind === 'rows' && ok.rows.map((r) => r.map((v) => toText(v)))).toEqual([['apple']]);
    await run(root, "REVOKE SELECT ON shop.items FROM 'u'@'%'");
    expect(await s.executePrepared(1, [int(1)])).toMatchObject({
      kind: 'error',
      errno: 1142,
      sqlState: '42000',
    });
  });
});
