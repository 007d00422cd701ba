import { describe, expect, it } from 'vitest';
import { decodeRow, decodeRowInto, encodeRow, projectRow, RowEncodingError } from './row-codec';
import type { RowValue } from './row-codec';

describe('row encoding', () => {
  it('round-trips every kind of value exactly, by column id', () => {
    const row = new Map<number, RowValue>([
      [1, 42n],
      [2, -9_223_372_036_854_775_808n],
      [3, 18_446_744_073_709_551_615n],
      [4, 0.1],
      [5, -0],
      [6, 'héllo 日本 \u{1F600}'],
      [7, '-12345678901234567890.000000001'],
      [8, Uint8Array.from([0, 1, 2, 255])],
      [9, null],
      [10, ''],
      [11, new Uint8Array(0)],
      [300, 7n],
    ]);
    const decoded = decodeRow(encodeRow(row));
    expect(decoded).toEqual(row);
    expect(Object.is(decoded.get(5), -0)).toBe(true);
  });

  it('encodes equal rows to equal bytes whatever the insertion order', () => {
    const a = new Map<number, RowValue>([
      [2, 'x'],
      [1, 1n],
    ]);
    const b = new Map<number, RowValue>([
      [1, 1n],
      [2, 'x'],
    ]);
    expect(encodeRow(a)).toEqual(encodeRow(b));
  });

  it('refuses corrupt input with a typed error, never anything else', () => {
    const good = encodeRow(
      new Map<number, RowValue>([
        [1, 'abc'],
        [2, 5n],
      ]),
    );
    for (let cut = 0; cut < good.length; cut++) {
      expect(() => decodeRow(good.subarray(0, cut))).toThrow(RowEncodingError);
    }
    expect(() => decodeRow(Uint8Array.from([...good, 0]))).toThrow(RowEncodingError);
    expect(() => decodeRow(Uint8Array.from([2, 0]))).toThrow(RowEncodingError);
    expect(() => decodeRow(Uint8Array.from([1, 1, 1, 9]))).toThrow(RowEncodingError);
    expect(() => decodeRow(Uint8Array.from([1, 1, 1, 3, 1, 0xff]))).toThrow(RowEncodingError);
    // Random bytes: a typed error or a row, nothing else.
    let seed = 7;
    for (let i = 0; i < 2_000; i++) {
      const junk = Uint8Array.from({ length: (i % 40) + 1 }, () => {
        seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
        return seed & 0xff;
      });
      try {
        decodeRow(junk);
      } catch (error) {
        expect(error).toBeInstanceOf(RowEncodingError);
      }
    }
    expect(() => encodeRow(new Map([[1, Number.NaN]]))).toThrow(RowEncodingError);
  });

  it('reads some columns, or cuts a row to some, as decodeRow sees them', () => {
    const full = new Map<number, RowValue>([
      [1, 42n],
      [2, 'héllo'],
      [3, 0.5],
      [5, null],
      [7, Uint8Array.of(1, 2)],
      [9, -(1n << 63n)],
    ]);
    const row = encodeRow(full);
    const out: (RowValue | undefined)[] = ['stale', 'stale', 'stale', 'stale'];
    // Slots: column 9 → 0, 2 → 1, 5 → 2, 4 (absent from the row) → 3.
    decodeRowInto(
      row,
      new Map([
        [9, 0],
        [2, 1],
        [5, 2],
        [4, 3],
      ]),
      out,
    );
    expect(out).toEqual([-(1n << 63n), 'héllo', null, undefined]);
    const cut = projectRow(row, new Set([2, 7, 8]));
    expect(cut).toBeDefined();
    expect(decodeRow(cut ?? new Uint8Array())).toEqual(
      new Map<number, RowValue>([
        [2, 'héllo'],
        [7, Uint8Array.of(1, 2)],
      ]),
    );
    // Nothing to cut: the row itself serves.
    expect(projectRow(row, new Set([1, 2, 3, 5, 7, 9, 11]))).toBeUndefined();
    expect(decodeRow(projectRow(row, new Set()) ?? row)).toEqual(new Map());
  });

  it('partial reads refuse corrupt rows as decodeRow does', () => {
    const good = encodeRow(
      new Map<number, RowValue>([
        [1, 'abc'],
        [2, 5n],
        [3, 1.5],
      ]),
    );
    const slots = new Map([[2, 0]]);
    for (let cut = 0; cut < good.length; cut++) {
      expect(() => {
        decodeRowInto(good.subarray(0, cut), slots, []);
      }).toThrow(RowEncodingError);
      expect(() => projectRow(good.subarray(0, cut), new Set([2]))).toThrow(RowEncodingError);
    }
    expect(() => {
      decodeRowInto(Uint8Array.from([...good, 0]), slots, []);
    }).toThrow(RowEncodingError);
    expect(() => projectRow(Uint8Array.from([1, 1, 1, 9]), new Set([1]))).toThrow(RowEncodingError);
    // Text is checked when it is read, not when it is skipped.
    const badText = Uint8Array.from([1, 1, 1, 3, 1, 0xff]);
    expect(() => {
      decodeRowInto(badText, new Map([[1, 0]]), []);
    }).toThrow(/UTF-8/);
    expect(() => {
      decodeRowInto(badText, new Map(), []);
    }).not.toThrow();
  });
});
