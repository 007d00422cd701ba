import { describe, expect, it } from 'vitest';
import { decodeRow, encodeRow, RowEncodingError } from './row-codec';
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
});
