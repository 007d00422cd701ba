// Property tests: random inputs from a seeded generator, checked against an independent
// oracle (bigint arithmetic for decimals) or an algebraic law (comparison is a total order).

import { describe, expect, it } from 'vitest';
import { collations } from '../encoding/key-codec.js';
import { arithmetic } from './arith.js';
import { compareValues, sortCompare } from './compare.js';
import { formatDouble } from './convert.js';
import {
  type Decimal,
  decimalAdd,
  decimalCompare,
  decimalDiv,
  decimalMul,
  decimalSub,
  decimalToString,
  parseDecimal,
  pow10,
} from './decimal.js';
import { seededRandom, testContext } from './testing.js';
import { type SqlValue, decimal, double, int, str, uint } from './value.js';

const SEEDS = [1, 2, 3, 4, 5];
const CASES_PER_SEED = 400;

function randomDecimal(rand: () => number): Decimal {
  const digits = 1 + Math.floor(rand() * 30);
  let coef = 0n;
  for (let i = 0; i < digits; i++) coef = coef * 10n + BigInt(Math.floor(rand() * 10));
  if (rand() < 0.5) coef = -coef;
  return { coef, scale: Math.floor(rand() * 12) };
}

/** value × 10^scale as an exact rational check: a/10^s. */
function scaled(d: Decimal, scale: number): bigint {
  return d.coef * pow10(scale - d.scale);
}

describe('decimal arithmetic agrees with bigint arithmetic', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}`, () => {
      const rand = seededRandom(seed);
      for (let i = 0; i < CASES_PER_SEED; i++) {
        const a = randomDecimal(rand);
        const b = randomDecimal(rand);
        const s = Math.max(a.scale, b.scale);
        const sum = decimalAdd(a, b);
        expect(sum.scale).toBe(s);
        expect(sum.coef).toBe(scaled(a, s) + scaled(b, s));
        expect(decimalSub(a, b).coef).toBe(scaled(a, s) - scaled(b, s));
        const product = decimalMul(a, b);
        if (a.scale + b.scale <= 30) {
          expect(product.scale).toBe(a.scale + b.scale);
          expect(product.coef).toBe(a.coef * b.coef);
        }
        // Text round trip keeps the scale.
        expect(parseDecimal(decimalToString(a))).toEqual(a);
        if (b.coef !== 0n) {
          // q = round(a / b, scale): |a − q·b| ≤ |b| / 2 · 10^−scale.
          const scale = a.scale + 4;
          const q = decimalDiv(a, b, scale);
          const common = scale + b.scale + a.scale;
          const lhs =
            scaled(a, common) * pow10(0) - q.coef * b.coef * pow10(common - scale - b.scale);
          const bound = (b.coef < 0n ? -b.coef : b.coef) * pow10(common - scale - b.scale);
          expect(2n * (lhs < 0n ? -lhs : lhs) <= bound).toBe(true);
        }
        // Ordering agrees with the difference's sign.
        const diff = decimalSub(a, b).coef;
        expect(decimalCompare(a, b)).toBe(diff < 0n ? -1 : diff > 0n ? 1 : 0);
      }
    });
  }
});

describe('integer arithmetic: exact or 1690, never wrapped', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}`, () => {
      const rand = seededRandom(seed);
      const { ctx } = testContext();
      const warn = ctx.warn.bind(ctx);
      const big = (): bigint => {
        const bits = BigInt(Math.floor(rand() * 2 ** 31)) << BigInt(Math.floor(rand() * 33));
        return rand() < 0.5 ? -bits : bits;
      };
      for (let i = 0; i < CASES_PER_SEED; i++) {
        const x = big();
        const y = big();
        for (const op of ['+', '-', '*'] as const) {
          const exact = op === '+' ? x + y : op === '-' ? x - y : x * y;
          const inRange = exact >= -(1n << 63n) && exact < 1n << 63n;
          if (inRange) {
            expect(arithmetic(op, int(x), int(y), warn, () => '')).toEqual(int(exact));
          } else {
            expect(() => arithmetic(op, int(x), int(y), warn, () => '')).toThrow(/out of range/);
          }
        }
      }
    });
  }
});

describe('comparison is a total order within a type', () => {
  const { ctx } = testContext();
  const env = {
    warn: ctx.warn.bind(ctx),
    today: { year: 2024, month: 3, day: 15, hour: 0, minute: 0, second: 0, micro: 0 },
  };
  const generators: Record<string, (rand: () => number) => SqlValue> = {
    int: (r) => int(BigInt(Math.floor((r() - 0.5) * 1e6))),
    mixedNumeric: (r) => {
      const k = Math.floor(r() * 4);
      const n = Math.floor((r() - 0.5) * 100);
      if (k === 0) return int(n);
      if (k === 1) return uint(Math.abs(n));
      if (k === 2) return decimal({ coef: BigInt(n * 10 + Math.floor(r() * 10)), scale: 1 });
      return double(n + Math.floor(r() * 4) / 4);
    },
    string: (r) =>
      str(
        ['a', 'A', 'b', 'B', 'á', 'ab', 'Ab', 'a ', ''][Math.floor(r() * 9)] ?? '',
        collations.utf8mb4_0900_ai_ci,
        2,
      ),
  };
  for (const [name, gen] of Object.entries(generators)) {
    it(name, () => {
      const rand = seededRandom(7);
      const values = Array.from({ length: 60 }, () => gen(rand));
      for (const a of values) {
        expect(sortCompare(a, a, env)).toBe(0);
        for (const b of values) {
          const ab = sortCompare(a, b, env);
          expect(sortCompare(b, a, env)).toBe(ab === 0 ? 0 : -ab);
          for (const c of values.slice(0, 20)) {
            if (ab <= 0 && sortCompare(b, c, env) <= 0)
              expect(sortCompare(a, c, env)).toBeLessThanOrEqual(0);
          }
        }
      }
      // Sorting is stable under the comparator: adjacent pairs are ordered.
      const sorted = [...values].sort((x, y) => sortCompare(x, y, env));
      for (let i = 1; i < sorted.length; i++) {
        expect(compareValues(sorted[i - 1] ?? null, sorted[i] ?? null, env)).toBeLessThanOrEqual(0);
      }
    });
  }
});

describe('double formatting round-trips', () => {
  it('formatDouble(x) reads back as x', () => {
    const rand = seededRandom(11);
    for (let i = 0; i < 2000; i++) {
      const x = (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
      expect(Number(formatDouble(x))).toBe(x === 0 ? 0 : x);
    }
  });
});
