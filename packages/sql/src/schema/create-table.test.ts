import { describe, expect, it } from 'vitest';
import { SqlNotSupportedError, SqlSemanticError } from '../errors.js';
import { parseOne } from '../parser.js';
import { tableDefinitionFromCreate } from './create-table.js';
import { hiddenRowIdColumn, keyTypeOf } from './definition.js';

const context = { defaultCollation: 'utf8mb4_0900_ai_ci' };

function create(sql: string) {
  const { statement } = parseOne(sql);
  if (statement.kind !== 'createTable') throw new Error(`not CREATE TABLE: ${statement.kind}`);
  return tableDefinitionFromCreate(statement, context);
}

function refused(sql: string): { errno: number; sqlState: string; message: string } {
  try {
    create(sql);
  } catch (error) {
    if (error instanceof SqlSemanticError || error instanceof SqlNotSupportedError) {
      return { errno: error.errno, sqlState: error.sqlState, message: error.message };
    }
    throw error;
  }
  throw new Error(`accepted: ${sql}`);
}

describe('CREATE TABLE → table definition', () => {
  it('builds columns with stable ids, types, nullability, defaults and keys', () => {
    const { definition, warnings } = create(`
      CREATE TABLE orders (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        customer VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
        note TEXT,
        price DECIMAL(10,2) NOT NULL DEFAULT 0,
        status ENUM('new','paid') DEFAULT 'new',
        created DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY by_customer (customer, created),
        KEY (note(20))
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 SLICES=6 REPLICAS=3`);
    expect(warnings).toEqual([]);
    expect(definition.columns.map((c) => [c.id, c.name, c.type.name, c.nullable])).toEqual([
      [1, 'id', 'bigint', false],
      [2, 'customer', 'varchar', false],
      [3, 'note', 'text', true],
      [4, 'price', 'decimal', false],
      [5, 'status', 'enum', true],
      [6, 'created', 'datetime', true],
    ]);
    expect(definition.columns[0]).toMatchObject({
      autoIncrement: true,
      type: { unsigned: true, intBytes: 8 },
    });
    expect(definition.columns[1]?.type.collation).toBe('utf8mb4_bin');
    expect(definition.columns[2]?.type.collation).toBe('utf8mb4_0900_ai_ci');
    expect(definition.columns[3]).toMatchObject({
      type: { precision: 10, scale: 2 },
      default: { kind: 'literal', sql: '0' },
    });
    expect(definition.columns[5]).toMatchObject({
      type: { fsp: 3 },
      default: { kind: 'currentTimestamp', fsp: 3 },
      onUpdateCurrentTimestamp: true,
    });
    expect(definition.primaryKey).toEqual({
      name: 'PRIMARY',
      unique: true,
      parts: [{ columnId: 1 }],
    });
    expect(definition.indexes).toEqual([
      { name: 'by_customer', unique: true, parts: [{ columnId: 2 }, { columnId: 6 }] },
      { name: 'note', unique: false, parts: [{ columnId: 3, prefix: 20 }] },
    ]);
    expect(definition.options).toEqual({
      collation: 'utf8mb4_0900_ai_ci',
      slices: 6,
      replicas: 3,
      distributionColumns: 1,
    });
    expect(definition.nextColumnId).toBe(7);
    expect(keyTypeOf(definition.columns[1]?.type ?? { name: '', family: 'int' })).toMatchObject({
      kind: 'text',
      collation: { name: 'utf8mb4_bin' },
    });
  });

  it('adds a hidden BIGINT UNSIGNED AUTO_INCREMENT key to a table without a primary key', () => {
    const { definition } = create('CREATE TABLE log (msg VARCHAR(10), at DATETIME)');
    const hidden = definition.columns.at(-1);
    expect(hidden).toMatchObject({
      id: 3,
      name: hiddenRowIdColumn,
      hidden: true,
      autoIncrement: true,
      nullable: false,
      type: { name: 'bigint', unsigned: true },
    });
    expect(definition.primaryKey.parts).toEqual([{ columnId: 3 }]);
    expect(definition.nextColumnId).toBe(4);
  });

  it('makes PRIMARY KEY columns NOT NULL, names unnamed keys after their first column', () => {
    const { definition } = create(
      'CREATE TABLE t (a INT PRIMARY KEY, b INT UNIQUE, c INT, UNIQUE (b, c), INDEX (c))',
    );
    expect(definition.columns[0]?.nullable).toBe(false);
    expect(definition.indexes.map((i) => i.name)).toEqual(['b', 'b_2', 'c']);
  });

  it('records foreign keys without enforcing them, and says so', () => {
    const { definition, warnings } = create(
      'CREATE TABLE items (id INT PRIMARY KEY, order_id INT, FOREIGN KEY (order_id) REFERENCES orders (id))',
    );
    expect(definition.foreignKeys).toEqual([
      { name: 'items_ibfk_1', columns: ['order_id'], refTable: 'orders', refColumns: ['id'] },
    ]);
    expect(warnings[0]?.message).toMatch(/not enforced/);
  });

  it.each([
    ['CREATE TABLE t (a INT, a INT)', 1060, '42S21', "Duplicate column name 'a'"],
    [
      'CREATE TABLE t (a INT PRIMARY KEY, b INT, PRIMARY KEY (b))',
      1068,
      '42000',
      'Multiple primary key defined',
    ],
    ['CREATE TABLE t (a INT, KEY (b))', 1072, '42000', "Key column 'b' doesn't exist in table"],
    [
      'CREATE TABLE t (a INT, b INT, KEY k (a), KEY k (b))',
      1061,
      '42000',
      "Duplicate key name 'k'",
    ],
    [
      'CREATE TABLE t (a INT AUTO_INCREMENT, b INT)',
      1075,
      '42000',
      'Incorrect table definition; there can be only one auto column and it must be defined as a key',
    ],
    [
      'CREATE TABLE t (a INT AUTO_INCREMENT PRIMARY KEY, b INT AUTO_INCREMENT UNIQUE)',
      1075,
      '42000',
      'Incorrect table definition; there can be only one auto column and it must be defined as a key',
    ],
    [
      'CREATE TABLE t (a VARCHAR(3) AUTO_INCREMENT PRIMARY KEY)',
      1063,
      '42000',
      "Incorrect column specifier for column 'a'",
    ],
    [
      'CREATE TABLE t (a TEXT, KEY (a))',
      1170,
      '42000',
      "BLOB/TEXT column 'a' used in key specification without a key length",
    ],
    [
      'CREATE TABLE t (a INT NOT NULL DEFAULT NULL)',
      1067,
      '42000',
      "Invalid default value for 'a'",
    ],
    [
      'CREATE TABLE t (a INT DEFAULT CURRENT_TIMESTAMP)',
      1067,
      '42000',
      "Invalid default value for 'a'",
    ],
    [
      "CREATE TABLE t (a TEXT DEFAULT 'x')",
      1101,
      '42000',
      "BLOB, TEXT, GEOMETRY or JSON column 'a' can't have a default value",
    ],
    [
      'CREATE TABLE t (a DECIMAL(70,2))',
      1426,
      '42000',
      "Too-big precision 70 specified for 'a'. Maximum is 65.",
    ],
    [
      'CREATE TABLE t (a DECIMAL(10,31))',
      1425,
      '42000',
      "Too big scale 31 specified for column 'a'. Maximum is 30.",
    ],
    [
      'CREATE TABLE t (a DECIMAL(5,6))',
      1427,
      '42000',
      "For float(M,D), double(M,D) or decimal(M,D), M must be >= D (column 'a').",
    ],
    [
      'CREATE TABLE t (a VARCHAR(20000))',
      1074,
      '42000',
      "Column length too big for column 'a' (max = 16383); use BLOB or TEXT instead",
    ],
    [
      'CREATE TABLE t (a INT NULL, PRIMARY KEY (a))',
      1171,
      '42000',
      'All parts of a PRIMARY KEY must be NOT NULL; if you need NULL in a key, use UNIQUE instead',
    ],
    ['CREATE TABLE t (a INT) COLLATE nope_ci', 1273, 'HY000', "Unknown collation: 'nope_ci'"],
    [
      "CREATE TABLE t (a ENUM('x','X'))",
      1291,
      'HY000',
      "Column 'a' has duplicated value 'X' in ENUM",
    ],
    [
      'CREATE TABLE t (a INT, CHECK (a > 0))',
      1235,
      '42000',
      "This version of MySQL doesn't yet support 'CHECK constraints'",
    ],
  ])('refuses %s', (sql, errno, sqlState, message) => {
    expect(refused(sql)).toEqual({ errno, sqlState, message });
  });

  it('treats BOOLEAN as TINYINT(1) and FLOAT(p > 24) as DOUBLE', () => {
    const { definition } = create('CREATE TABLE t (a BOOLEAN, b FLOAT(30), c FLOAT)');
    const visible = definition.columns.filter((c) => c.hidden !== true);
    expect(visible.map((c) => c.type.name)).toEqual(['tinyint', 'double', 'float']);
  });
});
