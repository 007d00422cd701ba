import { describe, expect, it } from 'vitest';
import {
  collations,
  compareText,
  defaultCollation,
  encodeKey,
  encodeKeyField,
  KeyEncodingError,
  normalizeDecimal,
  sortKey,
} from './key-codec';
import type { KeyType, KeyValue } from './key-codec';

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** A seeded generator (tests only): mulberry32. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Encoded order and equality must be the SQL order and equality, for every pair. */
function checkOrder<T extends KeyValue>(
  type: KeyType,
  values: readonly T[],
  compare: (a: T, b: T) => number,
): void {
  const encoded = values.map((v) => encodeKeyField(type, v));
  for (let i = 0; i < values.length; i++) {
    for (let j = 0; j < values.length; j++) {
      const a = values[i] as T;
      const b = values[j] as T;
      const want = Math.sign(compare(a, b));
      const got = compareBytes(encoded[i] as Uint8Array, encoded[j] as Uint8Array);
      if (want !== got) {
        throw new Error(`${type.kind}: ${String(a)} vs ${String(b)}: want ${want}, got ${got}`);
      }
    }
  }
}

const withNull =
  <T>(cmp: (a: T, b: T) => number) =>
  (a: T | null, b: T | null) =>
    a === null ? (b === null ? 0 : -1) : b === null ? 1 : cmp(a, b);

describe('memcomparable key encoding', () => {
  it('orders signed and unsigned 64-bit integers, NULL first', () => {
    const r = rng(1);
    const ints: (bigint | null)[] = [null, 0n, -1n, 1n, -(1n << 63n), (1n << 63n) - 1n];
    for (let i = 0; i < 60; i++) ints.push(BigInt(Math.floor((r() - 0.5) * 2 ** 53)));
    checkOrder(
      { kind: 'int' },
      ints,
      withNull((a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    const uints: (bigint | null)[] = [null, 0n, 1n, (1n << 64n) - 1n, 1n << 63n];
    for (let i = 0; i < 40; i++) uints.push(BigInt(Math.floor(r() * 2 ** 53)));
    checkOrder(
      { kind: 'uint' },
      uints,
      withNull((a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    expect(() => encodeKeyField({ kind: 'int' }, 1n << 63n)).toThrow(KeyEncodingError);
    expect(() => encodeKeyField({ kind: 'uint' }, -1n)).toThrow(KeyEncodingError);
  });

  it('orders doubles, with −0 equal to 0', () => {
    const r = rng(2);
    const values: (number | null)[] = [
      null,
      0,
      -0,
      1,
      -1,
      0.5,
      -0.5,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      Number.MIN_VALUE,
      -Number.MIN_VALUE,
      Infinity,
      -Infinity,
    ];
    for (let i = 0; i < 60; i++) values.push((r() - 0.5) * 10 ** Math.floor(r() * 20 - 10));
    checkOrder(
      { kind: 'double' },
      values,
      withNull((a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    expect(() => encodeKeyField({ kind: 'double' }, Number.NaN)).toThrow(KeyEncodingError);
  });

  it('orders decimals exactly, whatever their scale or trailing zeros', () => {
    const r = rng(3);
    const values: (string | null)[] = [
      null,
      '0',
      '0.000',
      '-0',
      '1',
      '1.0',
      '1.00',
      '10',
      '9.99',
      '-9.99',
      '-10',
      '0.1',
      '0.01',
      '-0.1',
      '-0.01',
      '123456789012345678901234567890.123456789',
      '-123456789012345678901234567890.123456789',
      '1e3',
      '1000',
    ];
    for (let i = 0; i < 60; i++) {
      const digits = String(Math.floor(r() * 1e6)).padStart(6, '0');
      const point = Math.floor(r() * 7);
      values.push(
        `${r() < 0.5 ? '-' : ''}${digits.slice(0, point) || '0'}.${digits.slice(point) || '0'}`,
      );
    }
    // Exact comparison through scaled BigInts (40 fractional digits is plenty here).
    const scaled = (t: string) => {
      const { negative, digits, exponent } = normalizeDecimal(t);
      if (digits.length === 0) return 0n;
      const s = digits.join('');
      const shift = 40 + exponent - s.length;
      const v = shift >= 0 ? BigInt(s) * 10n ** BigInt(shift) : BigInt(s) / 10n ** BigInt(-shift);
      return negative ? -v : v;
    };
    checkOrder(
      { kind: 'decimal' },
      values,
      withNull((a: string, b: string) => {
        const x = scaled(a);
        const y = scaled(b);
        return x < y ? -1 : x > y ? 1 : 0;
      }),
    );
    expect(normalizeDecimal('-0012.3400')).toEqual({
      negative: true,
      digits: [1, 2, 3, 4],
      exponent: 2,
    });
    expect(normalizeDecimal('0.0050')).toEqual({ negative: false, digits: [5], exponent: -2 });
    expect(() => encodeKeyField({ kind: 'decimal' }, '1.2.3')).toThrow(KeyEncodingError);
  });

  it('orders text by collation: case- and accent-insensitive by default, NO PAD', () => {
    const ci = { kind: 'text', collation: defaultCollation } as const;
    const eq = (a: string, b: string) => {
      expect(encodeKeyField(ci, a)).toEqual(encodeKeyField(ci, b));
    };
    eq('abc', 'ABC');
    eq('café', 'CAFE');
    expect(encodeKeyField(ci, 'a ')).not.toEqual(encodeKeyField(ci, 'a'));
    const general = { kind: 'text', collation: collations.utf8mb4_general_ci } as const;
    expect(encodeKeyField(general, 'a  ')).toEqual(encodeKeyField(general, 'a'));
    const bin = { kind: 'text', collation: collations.utf8mb4_bin } as const;
    expect(encodeKeyField(bin, 'a')).not.toEqual(encodeKeyField(bin, 'A'));
    const words: (string | null)[] = [
      null,
      '',
      'a',
      'A',
      'b',
      'ab',
      'aB',
      'a\u0000b',
      'a\u0000',
      'é',
      'e',
      'zz',
      'Z',
      '日本',
      '日',
      '\u{1F600}',
      'ﬃ',
    ];
    checkOrder(
      ci,
      words,
      withNull((a: string, b: string) => compareText(a, b, defaultCollation)),
    );
    checkOrder(
      bin,
      words,
      withNull((a: string, b: string) => compareText(a, b, collations.utf8mb4_bin)),
    );
    expect(sortKey('Ærø', defaultCollation)).toBe('ærø');
  });

  it('orders bytes with embedded zeros, and prefixes before extensions', () => {
    const b = (...xs: number[]) => Uint8Array.from(xs);
    const values: (Uint8Array | null)[] = [
      null,
      b(),
      b(0),
      b(0, 0),
      b(0, 1),
      b(1),
      b(0xff),
      b(0xff, 0),
      b(1, 0, 2),
    ];
    checkOrder({ kind: 'bytes' }, values, withNull(compareBytes));
  });

  it('orders dates, datetimes, times, years, enums and sets', () => {
    checkOrder(
      { kind: 'date' },
      [null, '2025-01-01', '2024-12-31', '2025-02-01', '0000-00-00', '9999-12-31'],
      withNull((a: string, b: string) => a.localeCompare(b)),
    );
    checkOrder(
      { kind: 'datetime' },
      [
        null,
        '2025-01-01 00:00:00',
        '2025-01-01 00:00:00.000001',
        '2024-12-31 23:59:59.999999',
        '2025-01-01 10:00:00.5',
      ],
      withNull((a: string, b: string) => {
        const norm = (s: string) => (s.includes('.') ? s.padEnd(26, '0') : `${s}.000000`);
        return norm(a).localeCompare(norm(b));
      }),
    );
    const micros = (t: string) => {
      const neg = t.startsWith('-');
      const [h, m, s] = t.replace('-', '').split(':').map(Number) as [number, number, number];
      const v = Math.round(((h * 60 + m) * 60 + s) * 1e6);
      return neg ? -v : v;
    };
    checkOrder(
      { kind: 'time' },
      [null, '00:00:00', '-00:00:01', '838:59:59', '-838:59:59', '12:00:00.5', '12:00:00.25'],
      withNull((a: string, b: string) => micros(a) - micros(b)),
    );
    checkOrder(
      { kind: 'year' },
      [null, 1901, 2155, 2000, 0],
      withNull((a: number, b: number) => a - b),
    );
    checkOrder(
      { kind: 'enum' },
      [null, 0, 1, 2, 300],
      withNull((a: number, b: number) => a - b),
    );
    checkOrder(
      { kind: 'set' },
      [null, 0n, 1n, 2n, 3n, 1n << 63n],
      withNull((a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    expect(() => encodeKeyField({ kind: 'date' }, '2025/01/01')).toThrow(KeyEncodingError);
  });

  it('concatenates columns into keys ordered column by column', () => {
    const types: KeyType[] = [{ kind: 'text', collation: defaultCollation }, { kind: 'int' }];
    const rows: [string, bigint][] = [
      ['a', 2n],
      ['a', 10n],
      ['A', 3n],
      ['b', -1n],
      ['ab', 0n],
      ['', 5n],
    ];
    const sorted = [...rows].sort(
      (x, y) =>
        compareText(x[0], y[0], defaultCollation) || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0),
    );
    const byKey = [...rows].sort((x, y) => compareBytes(encodeKey(types, x), encodeKey(types, y)));
    expect(byKey).toEqual(sorted);
    expect(() => encodeKey(types, ['a'])).toThrow(KeyEncodingError);
  });

  it('compares ASCII text on its fast path exactly as the sort keys order it', () => {
    // Code points, one by one (what the general path compares).
    const codePoints = (s: string): number[] => {
      const out: number[] = [];
      for (let i = 0; i < s.length;) {
        const c = s.codePointAt(i) ?? 0;
        out.push(c);
        i += c > 0xffff ? 2 : 1;
      }
      return out;
    };
    // The reference: sort keys compared by code point (compareText's general path).
    const bySortKey = (
      a: string,
      b: string,
      collation: (typeof collations)[keyof typeof collations],
    ) => {
      const x = codePoints(sortKey(a, collation));
      const y = codePoints(sortKey(b, collation));
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        if (x[i] !== y[i]) return (x[i] ?? 0) < (y[i] ?? 0) ? -1 : 1;
      }
      return Math.sign(x.length - y.length);
    };
    // Mostly ASCII (letters of both cases, digits, spaces, punctuation, controls), sometimes a
    // character that takes the general path: accents, a lone combining mark, ß, dotted İ.
    const alphabet = ['a', 'A', 'b', 'Z', 'z', '0', '9', ' ', ' ', '-', '_', '\t', '\u0000', '~'];
    const rare = ['é', 'E\u0301', '\u0301', 'ß', 'İ', '日'];
    let seed = 12345;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const word = () => {
      let w = '';
      const length = next(7);
      for (let i = 0; i < length; i++) {
        w +=
          next(20) === 0
            ? (rare[next(rare.length)] ?? '')
            : (alphabet[next(alphabet.length)] ?? '');
      }
      return w;
    };
    for (const collation of Object.values(collations)) {
      for (let i = 0; i < 3000; i++) {
        const a = word();
        const b = next(4) === 0 ? a + ' '.repeat(next(3)) : word();
        expect([a, b, compareText(a, b, collation)]).toEqual([a, b, bySortKey(a, b, collation)]);
      }
    }
  });
});
