import { describe, expect, it } from 'vitest';
import { collations } from '../encoding/key-codec.js';
import { toText } from './convert.js';
import { evaluate } from './evaluate.js';
import { exprOf, testContext } from './testing.js';
import {
  TYPE_CODES,
  columnFlags,
  conformValue,
  inferType,
  longlong,
  temporal,
  varString,
} from './types.js';

const columnTypes = {
  i: longlong(11, false),
  name: varString(20, collations.utf8mb4_0900_ai_ci, true),
  price: { ...longlong(), family: 'NEWDECIMAL' as const, precision: 10, decimals: 2, length: 12 },
  created: temporal('DATETIME', 0, false),
  d: temporal('DATE', 0, true),
};

function typeOf(sql: string) {
  return inferType(exprOf(sql), {
    column: (ref) => {
      if (!(ref.name in columnTypes)) throw new Error(ref.name);
      return columnTypes[ref.name as keyof typeof columnTypes];
    },
  });
}

describe('inferType', () => {
  it('literals', () => {
    expect(typeOf('1')).toMatchObject({ family: 'LONGLONG', nullable: false, length: 1 });
    expect(typeOf('18446744073709551615')).toMatchObject({ family: 'LONGLONG', unsigned: true });
    expect(typeOf('1.50')).toMatchObject({ family: 'NEWDECIMAL', precision: 3, decimals: 2 });
    expect(typeOf('1e3')).toMatchObject({ family: 'DOUBLE', decimals: 31 });
    expect(typeOf("'abc'")).toMatchObject({ family: 'VAR_STRING', length: 12, nullable: false });
    expect(typeOf('NULL')).toMatchObject({ family: 'NULL', nullable: true });
    expect(typeOf("TIMESTAMP '2024-01-01 00:00:00.123'")).toMatchObject({
      family: 'DATETIME',
      decimals: 3,
    });
  });
  it('arithmetic follows the evaluator', () => {
    expect(typeOf('i + 1')).toMatchObject({ family: 'LONGLONG', nullable: false });
    expect(typeOf('i + 1.5')).toMatchObject({ family: 'NEWDECIMAL', decimals: 1 });
    expect(typeOf('price * 1.5')).toMatchObject({ family: 'NEWDECIMAL', decimals: 3 });
    expect(typeOf('1 / 3')).toMatchObject({ family: 'NEWDECIMAL', decimals: 4, nullable: true });
    expect(typeOf('price / 3')).toMatchObject({ family: 'NEWDECIMAL', decimals: 6 });
    expect(typeOf("i + '1'")).toMatchObject({ family: 'DOUBLE' });
    expect(typeOf('i DIV 2')).toMatchObject({ family: 'LONGLONG' });
    expect(typeOf('5 | 2')).toMatchObject({ family: 'LONGLONG', unsigned: true });
  });
  it('predicates are BIGINT(1); nullability follows the operands', () => {
    expect(typeOf('i = 1')).toMatchObject({ family: 'LONGLONG', length: 1, nullable: false });
    expect(typeOf('name = 1')).toMatchObject({ nullable: true });
    expect(typeOf('name IS NULL')).toMatchObject({ nullable: false });
    expect(typeOf('name <=> NULL')).toMatchObject({ nullable: false });
  });
  it('CASE / IF / COALESCE aggregate their branches', () => {
    expect(typeOf("CASE WHEN i = 1 THEN 1 ELSE 'a' END")).toMatchObject({ family: 'VAR_STRING' });
    expect(typeOf('IF(i, 1, 2.5)')).toMatchObject({ family: 'NEWDECIMAL', decimals: 1 });
    expect(typeOf('IF(i, 1, 2)')).toMatchObject({ family: 'LONGLONG', nullable: false });
    expect(typeOf('IFNULL(name, 0)')).toMatchObject({ family: 'VAR_STRING', nullable: false });
    expect(typeOf('COALESCE(d, created)')).toMatchObject({ family: 'DATETIME' });
    expect(typeOf('CASE WHEN i THEN 1 END')).toMatchObject({ nullable: true });
  });
  it('CAST targets', () => {
    expect(typeOf('CAST(name AS SIGNED)')).toMatchObject({ family: 'LONGLONG', unsigned: false });
    expect(typeOf('CAST(i AS DECIMAL(10, 2))')).toMatchObject({
      family: 'NEWDECIMAL',
      precision: 10,
      decimals: 2,
    });
    expect(typeOf('CAST(i AS CHAR(5))')).toMatchObject({ family: 'VAR_STRING', length: 20 });
    expect(typeOf("CAST('x' AS DATE)")).toMatchObject({ family: 'DATE', nullable: true });
    expect(typeOf('CAST(created AS DATETIME(3))')).toMatchObject({
      family: 'DATETIME',
      decimals: 3,
    });
  });
  it('functions', () => {
    expect(typeOf('NOW()')).toMatchObject({ family: 'DATETIME', nullable: false });
    expect(typeOf('NOW(6)')).toMatchObject({ family: 'DATETIME', decimals: 6, length: 26 });
    expect(typeOf('CURDATE()')).toMatchObject({ family: 'DATE' });
    expect(typeOf('d + INTERVAL 1 DAY')).toMatchObject({ family: 'DATE' });
    expect(typeOf('created + INTERVAL 1 DAY')).toMatchObject({ family: 'DATETIME' });
    expect(typeOf('CONCAT(name, i)')).toMatchObject({ family: 'VAR_STRING', nullable: true });
    expect(typeOf('LENGTH(name)')).toMatchObject({ family: 'LONGLONG' });
    expect(typeOf('SQRT(i)')).toMatchObject({ family: 'DOUBLE' });
    expect(typeOf('ROUND(price, 1)')).toMatchObject({ family: 'NEWDECIMAL', decimals: 1 });
    expect(typeOf('COUNT(*)')).toMatchObject({ family: 'LONGLONG', nullable: false });
    expect(typeOf('SUM(i)')).toMatchObject({ family: 'NEWDECIMAL', decimals: 0 });
    expect(typeOf('AVG(price)')).toMatchObject({ family: 'NEWDECIMAL', decimals: 6 });
    expect(typeOf('MAX(created)')).toMatchObject({ family: 'DATETIME', nullable: true });
    expect(typeOf('GROUP_CONCAT(name)')).toMatchObject({ family: 'BLOB' });
    expect(typeOf('VERSION()')).toMatchObject({ family: 'VAR_STRING' });
  });
  it('wire codes and flags', () => {
    expect(TYPE_CODES.NEWDECIMAL).toBe(246);
    expect(TYPE_CODES.VAR_STRING).toBe(253);
    expect(columnFlags(typeOf('i + 1'))).toBe(1 | 128);
    expect(columnFlags(typeOf('5 | 2'))).toBe(1 | 32 | 128);
    expect(columnFlags(typeOf('name'))).toBe(0);
  });
});

describe('conformValue', () => {
  const cases: readonly (readonly [string, string | null])[] = [
    ['CASE WHEN 1 THEN 1 ELSE 2.5 END', '1.0'],
    ["IF(1, 1, 'a')", '1'],
    ['IF(0, 1, 2.25)', '2.25'],
    ['COALESCE(NULL, 1, 2.50)', '1.00'],
    ["IFNULL(NULL, DATE '2024-01-02')", '2024-01-02'],
    ["COALESCE(DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05')", '2024-01-02 00:00:00'],
    ['GREATEST(1, 2e0)', '2'],
  ];
  for (const [sql, expected] of cases) {
    it(`${sql} → ${String(expected)}`, () => {
      const { ctx } = testContext();
      const e = exprOf(sql);
      const rt = inferType(e, { column: () => longlong() });
      expect(toText(conformValue(evaluate(e, ctx), rt, ctx))).toBe(expected);
    });
  }
  it('keeps the result type of the conformed value', () => {
    const { ctx } = testContext();
    const e = exprOf("IF(1, 1, 'a')");
    const v = conformValue(evaluate(e, ctx), inferType(e, { column: () => longlong() }), ctx);
    expect(v).toMatchObject({ kind: 'string' });
  });
});
