import { describe, expect, it } from 'vitest';
import { collations } from '../encoding/key-codec.js';
import { type AggregateSpec, createAggregate, importAggregateState } from './aggregates.js';
import { toText } from './convert.js';
import { parseDecimal } from './decimal.js';
import { testContext } from './testing.js';
import { decodeSqlValues, encodeSqlValues } from './value-codec.js';
import { type SqlValue, decimal, double, int, str } from './value.js';

function aggregate(
  spec: AggregateSpec,
  rows: readonly (readonly SqlValue[])[],
  groupConcatMaxLen?: number,
) {
  const { ctx, warnings } = testContext(
    groupConcatMaxLen === undefined ? {} : { groupConcatMaxLen },
  );
  const state = createAggregate(spec, ctx);
  for (const r of rows) state.add(r);
  const value = state.result();
  return { value, text: toText(value), warnings };
}

const ints = (...xs: (number | null)[]): SqlValue[][] =>
  xs.map((x) => [x === null ? null : int(x)]);
const s = (v: string): SqlValue => str(v, collations.utf8mb4_0900_ai_ci, 2);
const dec = (t: string): SqlValue => decimal(parseDecimal(t) ?? { coef: 0n, scale: 0 });

describe('COUNT', () => {
  it('COUNT(*) counts rows, COUNT(x) skips NULLs', () => {
    expect(aggregate({ name: 'COUNT', star: true }, ints(1, null, 3)).text).toBe('3');
    expect(aggregate({ name: 'COUNT' }, ints(1, null, 3)).text).toBe('2');
    expect(aggregate({ name: 'COUNT' }, []).text).toBe('0');
  });
  it('COUNT(DISTINCT) is collation-aware and numeric-value-aware', () => {
    expect(
      aggregate({ name: 'COUNT', distinct: true }, [[s('a')], [s('A')], [s('b')], [null]]).text,
    ).toBe('2');
    expect(
      aggregate({ name: 'COUNT', distinct: true }, [[int(1)], [dec('1.0')], [double(1)]]).text,
    ).toBe('1');
    expect(
      aggregate({ name: 'COUNT', distinct: true }, [
        [int(1), s('x')],
        [int(1), s('X')],
        [int(1), null],
        [int(2), s('x')],
      ]).text,
    ).toBe('2');
  });
});

describe('SUM and AVG', () => {
  it('integer SUM is DECIMAL, exact past 2^64', () => {
    const r = aggregate({ name: 'SUM' }, [
      [int(9223372036854775807n)],
      [int(9223372036854775807n)],
      [int(2)],
    ]);
    expect(r.value).toMatchObject({ kind: 'decimal' });
    expect(r.text).toBe('18446744073709551616');
  });
  it('SUM of nothing (or only NULLs) is NULL', () => {
    expect(aggregate({ name: 'SUM' }, ints(null, null)).value).toBeNull();
  });
  it('SUM keeps decimal scale; doubles give DOUBLE', () => {
    expect(aggregate({ name: 'SUM' }, [[dec('1.50')], [dec('2.25')]]).text).toBe('3.75');
    expect(aggregate({ name: 'SUM' }, [[double(0.1)], [double(0.2)]]).text).toBe(
      '0.30000000000000004',
    );
    expect(aggregate({ name: 'SUM' }, [[s('1')], [s('2x')]]).warnings.map((w) => w.code)).toEqual([
      1292,
    ]);
  });
  it('AVG is DECIMAL with scale + 4', () => {
    expect(aggregate({ name: 'AVG' }, ints(1, 2)).text).toBe('1.5000');
    expect(aggregate({ name: 'AVG' }, ints(1, 2, 2)).text).toBe('1.6667');
    expect(aggregate({ name: 'AVG' }, [[dec('1.25')], [dec('1.00')]]).text).toBe('1.125000');
    expect(aggregate({ name: 'AVG' }, [[double(1)], [double(2)]]).text).toBe('1.5');
  });
  it('SUM(DISTINCT)', () => {
    expect(aggregate({ name: 'SUM', distinct: true }, ints(1, 1, 2)).text).toBe('3');
  });
});

describe('MIN and MAX', () => {
  it('compare by type, skip NULLs', () => {
    expect(aggregate({ name: 'MAX' }, ints(3, null, 10, 2)).text).toBe('10');
    expect(aggregate({ name: 'MIN' }, ints(3, null, 10, 2)).text).toBe('2');
    expect(aggregate({ name: 'MAX' }, [[s('b')], [s('a')], [s('C')]]).text).toBe('C');
    expect(aggregate({ name: 'MIN' }, []).value).toBeNull();
  });
});

describe('GROUP_CONCAT', () => {
  it('joins with the separator and skips rows with a NULL', () => {
    expect(aggregate({ name: 'GROUP_CONCAT' }, [[s('a')], [null], [s('b')]]).text).toBe('a,b');
    expect(aggregate({ name: 'GROUP_CONCAT', separator: ' | ' }, [[s('a')], [s('b')]]).text).toBe(
      'a | b',
    );
    expect(
      aggregate({ name: 'GROUP_CONCAT' }, [
        [s('a'), int(1)],
        [s('b'), int(2)],
      ]).text,
    ).toBe('a1,b2');
    expect(
      aggregate({ name: 'GROUP_CONCAT', distinct: true }, [[s('a')], [s('A')], [s('b')]]).text,
    ).toBe('a,b');
    expect(aggregate({ name: 'GROUP_CONCAT' }, []).value).toBeNull();
  });
  it('cuts at group_concat_max_len with warning 1260', () => {
    const rows = Array.from({ length: 10 }, () => [s('abcd')]);
    const r = aggregate({ name: 'GROUP_CONCAT' }, rows, 12);
    expect(r.text).toBe('abcd,abcd,ab');
    expect(r.warnings).toEqual([
      { level: 'Warning', code: 1260, message: 'Row 3 was cut by GROUP_CONCAT()' },
    ]);
  });
});

describe('BIT_AND / BIT_OR / BIT_XOR', () => {
  it('fold unsigned 64-bit values', () => {
    expect(aggregate({ name: 'BIT_OR' }, ints(1, 2, 4)).text).toBe('7');
    expect(aggregate({ name: 'BIT_AND' }, ints(7, 3)).text).toBe('3');
    expect(aggregate({ name: 'BIT_XOR' }, ints(3, 1)).text).toBe('2');
    expect(aggregate({ name: 'BIT_AND' }, []).text).toBe('18446744073709551615');
    expect(aggregate({ name: 'BIT_OR' }, []).text).toBe('0');
  });
});

describe('merge (partial aggregation across slices)', () => {
  it('combines partial states to the same result as one pass', () => {
    const { ctx } = testContext();
    for (const name of ['COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'BIT_XOR', 'GROUP_CONCAT']) {
      const whole = createAggregate({ name }, ctx);
      const left = createAggregate({ name }, ctx);
      const right = createAggregate({ name }, ctx);
      ints(5, 1, null, 9, 2, 7).forEach((r, i) => {
        whole.add(r);
        (i < 3 ? left : right).add(r);
      });
      left.merge(right);
      expect(toText(left.result())).toBe(toText(whole.result()));
    }
  });
});

describe('exportState / importAggregateState (partial states across nodes)', () => {
  const rows: SqlValue[][] = [[int(5)], [dec('1.50')], [null], [int(-2)], [dec('0.25')], [int(9)]];
  it('a state sent as bytes merges to the result of one pass', () => {
    const { ctx } = testContext();
    const specs: AggregateSpec[] = [
      { name: 'COUNT', star: true },
      { name: 'COUNT' },
      { name: 'SUM' },
      { name: 'AVG' },
      { name: 'MIN' },
      { name: 'MAX' },
      { name: 'BIT_AND' },
      { name: 'BIT_OR' },
      { name: 'BIT_XOR' },
    ];
    for (const spec of specs) {
      const whole = createAggregate(spec, ctx);
      const gateway = createAggregate(spec, ctx);
      for (const cut of [
        [0, 2],
        [2, 4],
        [4, 6],
      ] as const) {
        const node = createAggregate(spec, ctx);
        for (const r of rows.slice(cut[0], cut[1])) {
          whole.add(r);
          node.add(r);
        }
        const wire = encodeSqlValues(node.exportState());
        gateway.merge(importAggregateState(spec, ctx, decodeSqlValues(wire)));
      }
      expect(gateway.result(), spec.name).toEqual(whole.result());
    }
  });

  it('an empty state merges as nothing (SUM of no rows stays NULL)', () => {
    const { ctx } = testContext();
    for (const name of ['SUM', 'AVG', 'MIN', 'BIT_AND']) {
      const fresh = createAggregate({ name }, ctx);
      const gateway = createAggregate({ name }, ctx);
      gateway.merge(importAggregateState({ name }, ctx, fresh.exportState()));
      expect(gateway.result()).toEqual(createAggregate({ name }, ctx).result());
    }
  });

  it('keeps a DOUBLE sum as a double', () => {
    const { ctx } = testContext();
    const node = createAggregate({ name: 'SUM' }, ctx);
    node.add([double(0.5)]);
    node.add([int(1)]);
    expect(node.exportState()).toEqual([double(1.5), int(2)]);
    const back = importAggregateState({ name: 'AVG' }, ctx, node.exportState());
    expect(back.result()).toEqual(double(0.75));
  });

  it('has no partial form for DISTINCT and GROUP_CONCAT', () => {
    const { ctx } = testContext();
    expect(() => createAggregate({ name: 'GROUP_CONCAT' }, ctx).exportState()).toThrow(
      /no partial/,
    );
    expect(() => createAggregate({ name: 'COUNT', distinct: true }, ctx).exportState()).toThrow(
      /no partial/,
    );
    expect(() => importAggregateState({ name: 'GROUP_CONCAT' }, ctx, [])).toThrow(/no partial/);
    expect(() =>
      importAggregateState({ name: 'SUM', distinct: true }, ctx, [dec('1'), int(1)]),
    ).toThrow(/no partial/);
  });

  it('refuses states of another shape', () => {
    const { ctx } = testContext();
    expect(() => importAggregateState({ name: 'COUNT' }, ctx, [dec('1')])).toThrow(
      /not a partial COUNT/,
    );
    expect(() => importAggregateState({ name: 'COUNT' }, ctx, [int(-1)])).toThrow(/not a partial/);
    expect(() => importAggregateState({ name: 'SUM' }, ctx, [int(1), int(1)])).toThrow(
      /not a partial SUM/,
    );
    expect(() => importAggregateState({ name: 'AVG' }, ctx, [dec('1')])).toThrow(
      /not a partial AVG/,
    );
    expect(() => importAggregateState({ name: 'MAX' }, ctx, [])).toThrow(/not a partial MAX/);
    expect(() => importAggregateState({ name: 'BIT_OR' }, ctx, [int(1)])).toThrow(
      /not a partial BIT_OR/,
    );
  });
});
