import { describe, expect, it } from 'vitest';
import type { SqlValue } from './value.js';
import { bind, slotResolver } from './bind.js';
import { evaluate } from './evaluate.js';
import { toText } from './convert.js';
import { exprOf, testContext } from './testing.js';

const columns = [
  { table: 't', name: 'id' },
  { table: 'u', name: 'id' },
  { table: 'u', name: 'Name' },
  { db: 'shop', table: 'o', name: 'total' },
];

describe('bind', () => {
  it('resolves names to slots, case-insensitively for columns', () => {
    const e = exprOf('CONCAT(name, t.id, shop.o.total)');
    const b = bind(e, columns);
    expect([...b.slots.values()]).toEqual([2, 0, 3]);
  });

  it('evaluates through the slots of the current row', () => {
    const e = exprOf('t.id + u.id * 10');
    const binding = bind(e, columns);
    let row: SqlValue[] = [];
    const { ctx } = testContext({ columns: slotResolver(binding, () => row) });
    row = [{ kind: 'int', v: 1n }, { kind: 'int', v: 2n }, null, null];
    expect(toText(evaluate(e, ctx))).toBe('21');
    row = [{ kind: 'int', v: 5n }, null, null, null];
    expect(evaluate(e, ctx)).toBeNull();
  });

  it("unknown columns are 1054 Unknown column 'x' in 'field list'", () => {
    expect(() => bind(exprOf('nope + 1'), columns)).toThrow(
      "Unknown column 'nope' in 'field list'",
    );
    expect(() => bind(exprOf('x.id'), columns, { clause: 'where clause' })).toThrow(
      "Unknown column 'x.id' in 'where clause'",
    );
    try {
      bind(exprOf('nope'), columns);
    } catch (error) {
      expect(error).toMatchObject({ code: 1054, sqlState: '42S22' });
    }
  });

  it('ambiguous columns are 1052', () => {
    expect(() => bind(exprOf('id'), columns)).toThrow("Column 'id' in field list is ambiguous");
    try {
      bind(exprOf('id'), columns);
    } catch (error) {
      expect(error).toMatchObject({ code: 1052, sqlState: '23000' });
    }
  });

  it('checks functions, arity and collations up front', () => {
    expect(() => bind(exprOf('nope_fn(1)'), columns, { session: { database: 'shop' } })).toThrow(
      'FUNCTION shop.nope_fn does not exist',
    );
    expect(() => bind(exprOf('LEFT(1)'), columns)).toThrow('Incorrect parameter count');
    expect(() => bind(exprOf("'a' COLLATE bogus"), columns)).toThrow("Unknown collation: 'bogus'");
  });

  it('aggregates: allowed where the planner says so, never nested', () => {
    expect(() => bind(exprOf('SUM(t.id)'), columns)).toThrow('Invalid use of group function');
    expect(bind(exprOf('SUM(t.id) + 1'), columns, { allowAggregates: true }).slots.size).toBe(1);
    expect(() => bind(exprOf('SUM(MAX(t.id))'), columns, { allowAggregates: true })).toThrow(
      'Invalid use of group function',
    );
  });

  it('does not descend into subqueries (their scope is the planner’s)', () => {
    expect(bind(exprOf('EXISTS (SELECT zzz FROM q)'), columns).slots.size).toBe(0);
  });
});
