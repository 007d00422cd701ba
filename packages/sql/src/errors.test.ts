import { describe, expect, it } from 'vitest';
import { SqlEmptyQueryError, SqlError, SqlNotSupportedError, SqlSyntaxError } from './errors.js';
import { parse } from './parser.js';

function error(sql: string): SqlError {
  try {
    parse(sql);
  } catch (e) {
    return SqlError.fromUnknown(e);
  }
  throw new Error(`parsed without error: ${sql}`);
}

const PREFIX =
  'You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near';

describe('ER_PARSE_ERROR (1064) text, as MySQL 8 prints it', () => {
  // Expected strings follow MySQL's rule: the statement from the offending token on, at most
  // 80 characters, '' at the end of input, and the line of that token.
  it.each([
    ['SELEC 1', "'SELEC 1' at line 1"],
    ['SELECT * FROM', "'' at line 1"],
    ['SELECT * FORM t', "'FORM t' at line 1"],
    ['SELECT 1 +', "'' at line 1"],
    ["SELECT * FROM t WHERE a = 'abc", "''abc' at line 1"],
    ['SELECT *\nFROM t\nWHERE id = = 1', "'= 1' at line 3"],
    ['CREATE TABLE t (id INT,)', "')' at line 1"],
    ['SELECT * FROM select', "'select' at line 1"],
    ['UPDATE t SET WHERE a = 1', "'WHERE a = 1' at line 1"],
    ['DELETE t WHERE a = 1', "'WHERE a = 1' at line 1"],
    ['INSERT INTO t VALUES (1, 2', "'' at line 1"],
    ['SELECT 1; SELECT 2', "'SELECT 2' at line 1"],
    ['SHOW TABLESS', "'TABLESS' at line 1"],
    ['SELECT * FROM t LIMIT -1', "'-1' at line 1"],
    ['SELECT a FROM t GROUP a', "'a' at line 1"],
  ])('%j', (sql, near) => {
    const e = error(sql);
    expect(e).toBeInstanceOf(SqlSyntaxError);
    expect(e.message).toBe(`${PREFIX} ${near}`);
    expect(e.errno).toBe(1064);
    expect(e.sqlState).toBe('42000');
  });

  it('cuts the excerpt at 80 characters and reports offset, line and column', () => {
    const tail = 'x'.repeat(100);
    const e = error(`SELECT 1\n  FROM t WHERE ${tail} ${tail}`);
    expect(e).toBeInstanceOf(SqlSyntaxError);
    if (!(e instanceof SqlSyntaxError)) return;
    expect(e.near).toBe(`${tail} ${tail}`.slice(0, 80));
    expect(e.near).toHaveLength(80);
    const second = error('SELECT 1\n  FROM t WHERE a b c');
    if (!(second instanceof SqlSyntaxError)) throw new Error('expected a syntax error');
    expect([second.offset, second.line, second.column]).toEqual([26, 2, 18]);
  });
});

describe('other errors', () => {
  it('answers valid but unsupported MySQL with 1235', () => {
    for (const sql of [
      'WITH x AS (SELECT 1) SELECT * FROM x',
      'SELECT a, COUNT(*) FROM t GROUP BY a WITH ROLLUP',
      'SELECT ROW_NUMBER() OVER (ORDER BY a) FROM t',
      'CREATE VIEW v AS SELECT 1',
      'LOAD DATA INFILE "x" INTO TABLE t',
      'SELECT a INTO @x FROM t',
      'SHOW ENGINE INNODB STATUS',
      "SELECT MATCH (a) AGAINST ('x') FROM t",
    ]) {
      const e = error(sql);
      expect(e, sql).toBeInstanceOf(SqlNotSupportedError);
      expect(e.errno).toBe(1235);
      expect(e.message).toMatch(/^This version of MySQL doesn't yet support '.+'$/);
    }
  });

  it('answers an empty query with 1065', () => {
    for (const sql of ['', '   ', '-- only a comment', '/* c */ # d']) {
      const e = error(sql);
      expect(e).toBeInstanceOf(SqlEmptyQueryError);
      expect(e.errno).toBe(1065);
    }
  });

  it('refuses pathological nesting with a syntax error, not a crash', () => {
    expect(error('SELECT ' + '('.repeat(100_000) + '1')).toBeInstanceOf(SqlSyntaxError);
    expect(error('SELECT ' + '- '.repeat(100_000) + '1')).toBeInstanceOf(SqlSyntaxError);
    expect(error('SELECT ' + 'NOT '.repeat(100_000) + '1')).toBeInstanceOf(SqlSyntaxError);
    expect(() => parse('SELECT ' + '('.repeat(50) + '1' + ')'.repeat(50))).not.toThrow();
  });
});
