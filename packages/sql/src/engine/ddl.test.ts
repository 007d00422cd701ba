import { describe, expect, it } from 'vitest';
import type { Statement } from '../ast.js';
import { SqlSemanticError } from '../errors.js';
import { parseOne } from '../parser.js';
import type { SqlValue } from '../eval/value.js';
import {
  createDatabase,
  createTable,
  dropDatabase,
  dropTable,
  showDatabases,
  showTables,
  useDatabase,
} from './ddl.js';
import type { DdlContext, EngineResult } from './ddl.js';
import { MemoryCatalog } from './test/memory-catalog.js';

function stmt<K extends Statement['kind']>(sql: string, kind: K): Extract<Statement, { kind: K }> {
  const { statement } = parseOne(sql);
  if (statement.kind !== kind) throw new Error(`expected ${kind}, got ${statement.kind}`);
  return statement as Extract<Statement, { kind: K }>;
}

async function run(sql: string, ctx: DdlContext): Promise<EngineResult> {
  const { statement } = parseOne(sql);
  if (statement.kind === 'createDatabase') return createDatabase(statement, ctx);
  if (statement.kind === 'dropDatabase') return dropDatabase(statement, ctx);
  if (statement.kind === 'createTable') return createTable(statement, ctx);
  if (statement.kind === 'dropTable') return dropTable(statement, ctx);
  if (statement.kind === 'show' && statement.target === 'DATABASES') {
    return showDatabases(statement, ctx);
  }
  if (statement.kind === 'show') return showTables(statement, ctx);
  throw new Error(`not DDL: ${statement.kind}`);
}

async function error(sql: string, ctx: DdlContext): Promise<string> {
  try {
    await run(sql, ctx);
  } catch (e) {
    if (e instanceof SqlSemanticError) return `${e.errno} (${e.sqlState}): ${e.message}`;
    throw e;
  }
  throw new Error(`no error for ${sql}`);
}

const names = (r: EngineResult) =>
  r.kind === 'rows'
    ? r.rows.map((row) =>
        row.map((v: SqlValue) => (v?.kind === 'string' ? v.v : JSON.stringify(v))),
      )
    : [];

describe('DDL through the catalog port', () => {
  it('creates and drops databases with MySQL errors and IF [NOT] EXISTS notes', async () => {
    const catalog = new MemoryCatalog();
    const ctx = { catalog, database: undefined };
    expect(await run('CREATE DATABASE shop', ctx)).toMatchObject({ kind: 'ok', affectedRows: 1 });
    expect(await error('CREATE DATABASE shop', ctx)).toBe(
      "1007 (HY000): Can't create database 'shop'; database exists",
    );
    expect(await run('CREATE DATABASE IF NOT EXISTS shop', ctx)).toMatchObject({
      warnings: [{ level: 'Note', code: 1007 }],
    });
    expect(await error('CREATE DATABASE information_schema', ctx)).toMatch(/^1007/);
    expect(await error('DROP DATABASE nope', ctx)).toBe(
      "1008 (HY000): Can't drop database 'nope'; database doesn't exist",
    );
    expect(names(await run('SHOW DATABASES', ctx))).toEqual([
      ['information_schema'],
      ['shop'],
      ['system'],
    ]);
    expect(names(await run("SHOW DATABASES LIKE 'sh%'", ctx))).toEqual([['shop']]);
    expect(await run('DROP DATABASE IF EXISTS nope', ctx)).toMatchObject({
      warnings: [{ code: 1008 }],
    });
    expect(await run('DROP DATABASE shop', ctx)).toMatchObject({ kind: 'ok' });
  });

  it('creates tables in the session database or a named one, with their representations', async () => {
    const catalog = new MemoryCatalog();
    await run('CREATE DATABASE shop', { catalog, database: undefined });
    expect(await error('CREATE TABLE t (a INT)', { catalog, database: undefined })).toBe(
      '1046 (3D000): No database selected',
    );
    expect(await error('CREATE TABLE nope.t (a INT)', { catalog, database: undefined })).toBe(
      "1049 (42000): Unknown database 'nope'",
    );
    const ctx = { catalog, database: 'shop' };
    await run('CREATE TABLE orders (id INT PRIMARY KEY, c VARCHAR(9), KEY by_c (c)) SLICES=4', ctx);
    const created = catalog.proposed.at(-1);
    expect(created).toMatchObject({
      kind: 'createTable',
      database: 'shop',
      name: 'orders',
      representations: [
        { name: 'PRIMARY', loggers: 1, sliceCount: 4 },
        { name: 'by_c', loggers: 1 },
      ],
    });
    expect(await error('CREATE TABLE orders (x INT)', ctx)).toBe(
      "1050 (42S01): Table 'orders' already exists",
    );
    expect(await run('CREATE TABLE IF NOT EXISTS orders (x INT)', ctx)).toMatchObject({
      warnings: [{ code: 1050 }],
    });
    expect(await error('CREATE TABLE t (a INT, a INT)', ctx)).toBe(
      "1060 (42S21): Duplicate column name 'a'",
    );
    await run('CREATE TABLE items (id INT)', ctx);
    expect(names(await run('SHOW TABLES', ctx))).toEqual([['items'], ['orders']]);
    expect(names(await run('SHOW FULL TABLES FROM shop LIKE "o%"', ctx))).toEqual([
      ['orders', 'BASE TABLE'],
    ]);
    expect(await error('SHOW TABLES FROM nope', ctx)).toBe("1049 (42000): Unknown database 'nope'");
    // DROP TABLE checks every name first: one unknown table drops nothing.
    expect(await error('DROP TABLE items, ghost', ctx)).toBe(
      "1051 (42S02): Unknown table 'shop.ghost'",
    );
    expect(names(await run('SHOW TABLES', ctx))).toEqual([['items'], ['orders']]);
    expect(await run('DROP TABLE IF EXISTS items, ghost', ctx)).toMatchObject({
      warnings: [{ code: 1051 }],
    });
    expect(names(await run('SHOW TABLES', ctx))).toEqual([['orders']]);
    await expect(useDatabase('nope', ctx)).rejects.toThrow("Unknown database 'nope'");
    expect(await useDatabase('shop', ctx)).toBe('shop');
    expect(stmt('USE shop', 'use').db).toBe('shop');
  });
});
