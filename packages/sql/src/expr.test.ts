import { describe, expect, it } from 'vitest';
import type { Expr, Select } from './ast.js';
import { formatExpr } from './format.js';
import { parse } from './parser.js';
import { stripPositions } from './testing.js';

function expr(sql: string): Expr {
  const s = parse(`SELECT ${sql}`) as Select;
  const item = s.columns[0];
  if (item?.kind !== 'expr') throw new Error('no expression');
  return item.expr;
}

/** Fully parenthesised rendering, to make the tree shape visible. */
function shape(e: Expr): string {
  if (e.kind === 'binary') return `(${shape(e.left)} ${e.op} ${shape(e.right)})`;
  if (e.kind === 'unary') return `(${e.op} ${shape(e.operand)})`;
  if (e.kind === 'is') return `(${shape(e.operand)} IS ${e.not ? 'NOT ' : ''}${e.value})`;
  if (e.kind === 'like')
    return `(${shape(e.operand)} ${e.not ? 'NOT ' : ''}LIKE ${shape(e.pattern)})`;
  if (e.kind === 'between')
    return `(${shape(e.operand)} BETWEEN ${shape(e.low)} AND ${shape(e.high)})`;
  if (e.kind === 'in') return `(${shape(e.operand)} IN ${e.list.map(shape).join(',')})`;
  return formatExpr(e);
}

describe('expression precedence (MySQL operator table)', () => {
  it.each([
    ['1 + 2 * 3', '(1 + (2 * 3))'],
    ['1 - 2 - 3', '((1 - 2) - 3)'],
    ['a OR b AND c', '(`a` OR (`b` AND `c`))'],
    ['a || b && c', '(`a` OR (`b` AND `c`))'],
    ['a XOR b OR c', '((`a` XOR `b`) OR `c`)'],
    ['NOT a = b', '(NOT (`a` = `b`))'],
    ['NOT a AND b', '((NOT `a`) AND `b`)'],
    ['!a = b', '((! `a`) = `b`)'],
    ['a = b LIKE c', '(`a` = (`b` LIKE `c`))'],
    ['a | b & c', '(`a` | (`b` & `c`))'],
    ['a & b << 1', '(`a` & (`b` << 1))'],
    ['a << 1 + 2', '(`a` << (1 + 2))'],
    ['a * b ^ c', '(`a` * (`b` ^ `c`))'],
    ['a DIV b MOD c', '((`a` DIV `b`) % `c`)'],
    ['-a ^ b', '((- `a`) ^ `b`)'],
    ['a IS NULL = 1', '((`a` IS NULL) = 1)'],
    ['a BETWEEN 1 AND 2 AND c', '((`a` BETWEEN 1 AND 2) AND `c`)'],
    ['a BETWEEN b + 1 AND c * 2', '(`a` BETWEEN (`b` + 1) AND (`c` * 2))'],
    ['a != b', '(`a` <> `b`)'],
    ['a IN (1, 2) OR b', '((`a` IN 1,2) OR `b`)'],
    ['a IS NOT TRUE', '(`a` IS NOT TRUE)'],
  ])('%s', (sql, expected) => {
    expect(shape(expr(sql))).toBe(expected);
  });

  it('folds a minus before a number into the literal, keeping its exact text', () => {
    expect(expr('-12.50')).toEqual({ kind: 'number', text: '-12.50', numberType: 'decimal' });
    expect(expr('- (5)')).toEqual({
      kind: 'unary',
      op: '-',
      operand: { kind: 'number', text: '5', numberType: 'int' },
    });
  });

  it('reads literals', () => {
    expect(expr("_utf8mb4'x'")).toEqual({ kind: 'string', value: 'x', charset: 'utf8mb4' });
    expect(expr("N'x'")).toEqual({ kind: 'string', value: 'x', charset: 'national' });
    expect(expr("'a' 'b'")).toEqual({ kind: 'string', value: 'ab' });
    expect(expr("X'0aff'")).toEqual({ kind: 'hex', digits: '0aff' });
    expect(expr("b'101'")).toEqual({ kind: 'bit', digits: '101' });
    expect(expr('TRUE')).toEqual({ kind: 'bool', value: true });
    expect(expr('NULL')).toEqual({ kind: 'null' });
    expect(expr("DATE '2024-01-02'")).toEqual({
      kind: 'temporal',
      type: 'DATE',
      value: '2024-01-02',
    });
    expect(expr('1e3')).toEqual({ kind: 'number', text: '1e3', numberType: 'float' });
  });

  it('numbers placeholders in order across the statement', () => {
    const s = parse('SELECT ? FROM t WHERE a = ? LIMIT ?') as Select;
    expect(stripPositions(s.where)).toMatchObject({ right: { kind: 'param', index: 1 } });
    expect(s.limit?.count).toEqual({ kind: 'param', index: 2 });
  });

  it('reads variables', () => {
    expect(expr('@v')).toEqual({ kind: 'userVar', name: 'v' });
    expect(expr('@@GLOBAL.Max_Connections')).toEqual({
      kind: 'sysVar',
      scope: 'global',
      name: 'max_connections',
    });
    expect(expr('@@autocommit')).toEqual({ kind: 'sysVar', name: 'autocommit' });
    expect(expr('@a := 1')).toMatchObject({ kind: 'assign', target: { name: 'a' } });
  });

  it('reads column references with up to three parts and keywords as names', () => {
    expect(stripPositions(expr('db.t.c'))).toEqual({
      kind: 'column',
      db: 'db',
      table: 't',
      name: 'c',
    });
    expect(stripPositions(expr('status'))).toEqual({ kind: 'column', name: 'status' });
    expect(stripPositions(expr('t.`select`'))).toEqual({
      kind: 'column',
      table: 't',
      name: 'select',
    });
    expect(stripPositions(expr('t.key'))).toEqual({ kind: 'column', table: 't', name: 'key' });
  });

  it('reads function calls and their special forms', () => {
    expect(stripPositions(expr('COUNT(*)'))).toEqual({
      kind: 'call',
      name: 'COUNT',
      args: [],
      star: true,
    });
    expect(stripPositions(expr('count(DISTINCT a, b)'))).toMatchObject({
      name: 'COUNT',
      distinct: true,
      args: [{ name: 'a' }, { name: 'b' }],
    });
    expect(
      stripPositions(expr("GROUP_CONCAT(DISTINCT x ORDER BY y DESC SEPARATOR ';')")),
    ).toMatchObject({
      name: 'GROUP_CONCAT',
      distinct: true,
      orderBy: [{ desc: true }],
      separator: ';',
    });
    expect(stripPositions(expr('DATE_ADD(d, INTERVAL 1 DAY)'))).toMatchObject({
      args: [{ name: 'd' }, { kind: 'interval', unit: 'DAY', value: { text: '1' } }],
    });
    expect(stripPositions(expr('d + INTERVAL 2 HOUR'))).toMatchObject({
      op: '+',
      right: { kind: 'interval', unit: 'HOUR' },
    });
    expect(stripPositions(expr('CAST(x AS DECIMAL(10,2))'))).toMatchObject({
      kind: 'cast',
      type: { name: 'DECIMAL', length: 10, scale: 2 },
    });
    expect(stripPositions(expr('CONVERT(x, UNSIGNED INTEGER)'))).toMatchObject({
      kind: 'cast',
      type: { name: 'UNSIGNED' },
    });
    expect(stripPositions(expr('CONVERT(x USING utf8mb4)'))).toMatchObject({
      kind: 'convertUsing',
      charset: 'utf8mb4',
    });
    expect(stripPositions(expr("TRIM(LEADING 'x' FROM s)"))).toMatchObject({
      name: 'TRIM',
      trimSide: 'LEADING',
    });
    expect(stripPositions(expr('SUBSTRING(s FROM 2 FOR 3)'))).toMatchObject({ args: [{}, {}, {}] });
    expect(stripPositions(expr('EXTRACT(YEAR FROM d)'))).toMatchObject({
      kind: 'extract',
      unit: 'YEAR',
    });
    expect(stripPositions(expr('CURRENT_TIMESTAMP'))).toEqual({
      kind: 'call',
      name: 'CURRENT_TIMESTAMP',
      args: [],
    });
    expect(stripPositions(expr('IF(a, LEFT(b, 2), REPLACE(c, 1, 2))'))).toMatchObject({
      name: 'IF',
    });
    expect(stripPositions(expr('a COLLATE utf8mb4_bin'))).toMatchObject({ kind: 'collate' });
  });

  it('reads CASE in both forms', () => {
    expect(stripPositions(expr('CASE a WHEN 1 THEN 2 ELSE 3 END'))).toMatchObject({
      kind: 'case',
      operand: { name: 'a' },
      whens: [{}],
      else: { text: '3' },
    });
    expect(stripPositions(expr('CASE WHEN a THEN 1 WHEN b THEN 2 END'))).toMatchObject({
      kind: 'case',
      whens: [{}, {}],
    });
  });

  it('reads subqueries: scalar, IN, EXISTS, ANY/ALL', () => {
    expect(expr('(SELECT 1)')).toMatchObject({ kind: 'subquery' });
    expect(expr('a IN (SELECT b FROM t)')).toMatchObject({ kind: 'inSubquery', not: false });
    expect(expr('a NOT IN (1, 2)')).toMatchObject({ kind: 'in', not: true });
    expect(expr('NOT EXISTS (SELECT 1)')).toMatchObject({ op: 'NOT', operand: { kind: 'exists' } });
    expect(expr('a > ALL (SELECT b FROM t)')).toMatchObject({
      kind: 'quantified',
      quantifier: 'ALL',
    });
    expect(expr('a = SOME (SELECT b FROM t)')).toMatchObject({
      kind: 'quantified',
      quantifier: 'ANY',
    });
    expect(expr('(a, b) = (1, 2)')).toMatchObject({
      left: { kind: 'row' },
      right: { kind: 'row' },
    });
  });

  it('reads LIKE ... ESCAPE and REGEXP', () => {
    expect(expr("a NOT LIKE 'x!%' ESCAPE '!'")).toMatchObject({
      kind: 'like',
      not: true,
      escape: {},
    });
    expect(expr("a RLIKE '^x'")).toMatchObject({ kind: 'regexp', not: false });
  });
});
