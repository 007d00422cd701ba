import { describe, expect, it } from 'vitest';
import { type Collation, collations } from '../encoding/key-codec.js';
import type { Json } from './json.js';
import { seededRandom } from './testing.js';
import {
  ByteReader,
  ByteWriter,
  JSON_DEPTH_MAX,
  ValueCodecError,
  decodeSqlValues,
  encodeSqlValues,
  readSqlValue,
  writeSqlValue,
} from './value-codec.js';
import { type Coercibility, INT64_MAX, INT64_MIN, type SqlValue, UINT64_MAX } from './value.js';

function roundTrip(v: SqlValue): SqlValue {
  const w = new ByteWriter();
  writeSqlValue(w, v);
  const r = new ByteReader(w.finish());
  const back = readSqlValue(r);
  r.end('value');
  return back;
}

/** Deep equality that tells −0 from 0 and sees NaN as itself (Object.is at the leaves). */
function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) =>
    same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

const allCollations: Collation[] = Object.values(collations);

/** A generator of every value kind, edge values likely. */
function valueGen(seed: number): () => SqlValue {
  const rnd = seededRandom(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const bigBits = (bits: number): bigint => {
    let v = 0n;
    for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(int(65536));
    return v & ((1n << BigInt(bits)) - 1n);
  };
  const text = (): string => {
    const alphabet = ['a', 'A', 'é', 'ß', ' ', '\u0000', "'", '\\', '😀', '中', '\ud800', '\udc00'];
    let s = '';
    const n = int(12);
    for (let i = 0; i < n; i++) s += pick(alphabet);
    return s;
  };
  const json = (depth: number): Json => {
    switch (depth > 3 ? int(4) : int(6)) {
      case 0:
        return null;
      case 1:
        return rnd() < 0.5;
      case 2:
        return pick([0, -0, 1.5, -1e300, 2 ** 53 + 2, 5e-324]);
      case 3:
        return text();
      case 4:
        return Array.from({ length: int(4) }, () => json(depth + 1));
      default:
        return Object.fromEntries(
          Array.from({ length: int(4) }, () => [
            pick(['a', 'b', '__proto__', text()]),
            json(depth + 1),
          ]),
        );
    }
  };
  const parts = () => ({
    year: int(10000),
    month: int(13),
    day: int(32),
    hour: int(24),
    minute: int(60),
    second: int(60),
    micro: int(1_000_000),
  });
  return () => {
    switch (int(14)) {
      case 0:
        return null;
      case 1:
        return {
          kind: 'int',
          v: pick([INT64_MIN, INT64_MAX, 0n, -1n, bigBits(62) - (1n << 61n)]),
        };
      case 2:
        return { kind: 'uint', v: pick([0n, UINT64_MAX, bigBits(64)]) };
      case 3: {
        const coef = bigBits(int(216)) * (rnd() < 0.5 ? -1n : 1n);
        return { kind: 'decimal', v: { coef, scale: int(31) } };
      }
      case 4:
        return {
          kind: 'double',
          v: pick([0, -0, NaN, Infinity, -Infinity, 5e-324, 1.7976931348623157e308, rnd() - 0.5]),
        };
      case 5:
        return {
          kind: 'string',
          v: text(),
          collation: pick(allCollations),
          coercibility: int(7) as Coercibility,
        };
      case 6: {
        const v = Uint8Array.from({ length: int(20) }, () => int(256));
        return rnd() < 0.5 ? { kind: 'binary', v } : { kind: 'binary', v, hex: true };
      }
      case 7:
        return { kind: 'date', v: { ...parts(), hour: 0, minute: 0, second: 0, micro: 0 } };
      case 8:
        return { kind: 'datetime', v: parts(), fsp: int(7) };
      case 9:
        return { kind: 'timestamp', v: parts(), fsp: int(7) };
      case 10:
        return {
          kind: 'time',
          v: pick([0, -3_020_399_999_999, 3_020_399_999_999, int(1e12) - 5e11]),
          fsp: int(7),
        };
      case 11:
        return { kind: 'year', v: pick([0, 1901, 2155, int(300) + 1900]) };
      default:
        return { kind: 'json', v: json(0) };
    }
  };
}

describe('SqlValue codec', () => {
  it('round-trips every kind exactly (seeded, 5 000 values)', () => {
    const next = valueGen(42);
    for (let i = 0; i < 5000; i++) {
      const v = next();
      const back = roundTrip(v);
      if (!same(back, v)) {
        throw new Error(
          `value ${i} changed: ${String(v?.kind)} ${JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x))}`,
        );
      }
    }
  });

  it('keeps what distinguishes equal-looking values', () => {
    const v = roundTrip({ kind: 'double', v: -0 });
    expect(v?.kind === 'double' && Object.is(v.v, -0)).toBe(true);
    expect(roundTrip({ kind: 'decimal', v: { coef: 150n, scale: 2 } })).toEqual({
      kind: 'decimal',
      v: { coef: 150n, scale: 2 },
    });
    const s = roundTrip({
      kind: 'string',
      v: 'a\ud800',
      collation: collations.utf8mb4_bin,
      coercibility: 0,
    });
    expect(s).toEqual({
      kind: 'string',
      v: 'a\ud800',
      collation: collations.utf8mb4_bin,
      coercibility: 0,
    });
    // The collation is the module's own object again (compared by name elsewhere, but cheap).
    expect(s?.kind === 'string' && s.collation === collations.utf8mb4_bin).toBe(true);
    expect(roundTrip({ kind: 'binary', v: Uint8Array.of(0x41), hex: true })).toEqual({
      kind: 'binary',
      v: Uint8Array.of(0x41),
      hex: true,
    });
    const j = roundTrip({ kind: 'json', v: JSON.parse('{"__proto__": 1, "b": [true]}') as Json });
    expect(j?.kind === 'json' && Object.keys(j.v as object)).toEqual(['__proto__', 'b']);
  });

  it('encodes lists, compactly', () => {
    const values: SqlValue[] = [null, { kind: 'int', v: 5n }, { kind: 'uint', v: 300n }];
    const bytes = encodeSqlValues(values);
    expect([...bytes]).toEqual([3, 0, 1, 10, 2, 0xac, 0x02]);
    expect(decodeSqlValues(bytes)).toEqual(values);
  });

  it('refuses garbage with ValueCodecError, never hanging (2 000 random byte strings)', () => {
    const rnd = seededRandom(7);
    let decoded = 0;
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(rnd() * 40) }, () =>
        Math.floor(rnd() * 256),
      );
      try {
        decodeSqlValues(bytes);
        decoded++;
      } catch (error) {
        expect(error).toBeInstanceOf(ValueCodecError);
      }
    }
    // Some short strings are values; most are not.
    expect(decoded).toBeLessThan(2000);
  });

  it('refuses out-of-range integers, unknown collations and deep JSON', () => {
    const w = new ByteWriter();
    w.u8(1);
    w.svarint(INT64_MAX + 1n);
    expect(() => readSqlValue(new ByteReader(w.finish()))).toThrow(/out of range/);
    const u = new ByteWriter();
    u.u8(2);
    u.varint(UINT64_MAX + 1n);
    expect(() => readSqlValue(new ByteReader(u.finish()))).toThrow(/out of range/);
    const c = new ByteWriter();
    c.u8(5);
    c.text('x');
    c.str('klingon_ci');
    c.u8(2);
    expect(() => readSqlValue(new ByteReader(c.finish()))).toThrow(/unknown collation/);
    const deep = new ByteWriter();
    deep.u8(13);
    for (let i = 0; i <= JSON_DEPTH_MAX + 1; i++) {
      deep.u8(5);
      deep.varint(1);
    }
    deep.u8(0);
    expect(() => readSqlValue(new ByteReader(deep.finish()))).toThrow(/too deeply/);
    // A huge count with nothing behind it fails at once.
    const many = new ByteWriter();
    many.varint(2n ** 40n);
    expect(() => decodeSqlValues(many.finish())).toThrow(ValueCodecError);
  });
});
