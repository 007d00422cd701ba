// Exact decimal numbers: a bigint coefficient and a scale, value = coef / 10^scale. The scale
// is part of the value, as in MySQL: 1.50 has scale 2 and prints as '1.50'. Arithmetic follows
// MySQL's result scales (+ -: the larger scale; *: the sum; /: the dividend's plus
// div_precision_increment), capped at 30 fractional digits and 65 digits in all.

export interface Decimal {
  readonly coef: bigint;
  readonly scale: number;
}

/** MySQL's DECIMAL limits: 65 digits, 30 of them after the point. */
export const DECIMAL_PRECISION_MAX = 65;
export const DECIMAL_SCALE_MAX = 30;
/** The default of @@div_precision_increment. */
export const DIV_PRECISION_INCREMENT = 4;

const decimalRe = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;

export function dec(coef: bigint, scale: number): Decimal {
  return { coef, scale };
}

export function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Parses decimal text (optional sign, digits, fraction, exponent); undefined if not one. */
export function parseDecimal(text: string): Decimal | undefined {
  const m = decimalRe.exec(text);
  if (m === null) return undefined;
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  if (int === '' && frac === '') return undefined;
  const exp = Number(m[4] ?? '0');
  let coef = BigInt(int + frac || '0');
  let scale = frac.length - exp;
  if (scale < 0) {
    coef *= pow10(-scale);
    scale = 0;
  }
  if (m[1] === '-') coef = -coef;
  return { coef, scale };
}

export function decimalToString(d: Decimal): string {
  const negative = d.coef < 0n;
  const digits = (negative ? -d.coef : d.coef).toString();
  if (d.scale <= 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(d.scale + 1, '0');
  const point = padded.length - d.scale;
  return (negative ? '-' : '') + padded.slice(0, point) + '.' + padded.slice(point);
}

/** Number of digits of the coefficient (0 has 1). */
export function decimalPrecision(d: Decimal): number {
  const c = d.coef < 0n ? -d.coef : d.coef;
  return Math.max(c.toString().length, d.scale + 1);
}

export function decimalIsZero(d: Decimal): boolean {
  return d.coef === 0n;
}

/** The same value with `scale` fractional digits (rounding half away from zero if fewer). */
export function rescale(d: Decimal, scale: number): Decimal {
  if (scale === d.scale) return d;
  if (scale > d.scale) return { coef: d.coef * pow10(scale - d.scale), scale };
  return { coef: divRoundHalfAway(d.coef, pow10(d.scale - scale)), scale };
}

/** Truncates toward zero to `scale` digits. */
export function truncateDecimal(d: Decimal, scale: number): Decimal {
  if (scale >= d.scale) return rescale(d, scale);
  return { coef: d.coef / pow10(d.scale - scale), scale };
}

export function divRoundHalfAway(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  const twice = (r < 0n ? -r : r) * 2n;
  const dAbs = d < 0n ? -d : d;
  if (twice >= dAbs) return n < 0n !== d < 0n ? q - 1n : q + 1n;
  return q;
}

export function decimalCompare(a: Decimal, b: Decimal): number {
  const s = Math.max(a.scale, b.scale);
  const x = rescale(a, s).coef;
  const y = rescale(b, s).coef;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function decimalAdd(a: Decimal, b: Decimal): Decimal {
  const s = Math.max(a.scale, b.scale);
  return { coef: rescale(a, s).coef + rescale(b, s).coef, scale: s };
}

export function decimalNeg(a: Decimal): Decimal {
  return { coef: -a.coef, scale: a.scale };
}

export function decimalSub(a: Decimal, b: Decimal): Decimal {
  return decimalAdd(a, decimalNeg(b));
}

export function decimalMul(a: Decimal, b: Decimal): Decimal {
  const product = { coef: a.coef * b.coef, scale: a.scale + b.scale };
  return product.scale > DECIMAL_SCALE_MAX ? rescale(product, DECIMAL_SCALE_MAX) : product;
}

/**
 * a / b with `scale` fractional digits, rounded half away from zero (MySQL: 2/3 = 0.6667).
 * Precondition: b is not zero.
 */
export function decimalDiv(a: Decimal, b: Decimal, scale: number): Decimal {
  // a.coef/10^sa ÷ b.coef/10^sb = (a.coef·10^(sb+scale−sa)) / b.coef  · 10^−scale
  const shift = b.scale + scale - a.scale;
  const n = shift >= 0 ? a.coef * pow10(shift) : a.coef;
  const d = shift >= 0 ? b.coef : b.coef * pow10(-shift);
  return { coef: divRoundHalfAway(n, d), scale };
}

/** a MOD b: the sign of a, scale max(sa, sb). Precondition: b is not zero. */
export function decimalMod(a: Decimal, b: Decimal): Decimal {
  const s = Math.max(a.scale, b.scale);
  return { coef: rescale(a, s).coef % rescale(b, s).coef, scale: s };
}

/** Integer part, truncated toward zero. */
export function decimalTrunc(a: Decimal): bigint {
  return a.scale <= 0 ? a.coef * pow10(-a.scale) : a.coef / pow10(a.scale);
}

export function decimalFloor(a: Decimal): bigint {
  const t = decimalTrunc(a);
  return a.coef < 0n && rescale({ coef: t, scale: 0 }, a.scale).coef !== a.coef ? t - 1n : t;
}

export function decimalCeil(a: Decimal): bigint {
  const t = decimalTrunc(a);
  return a.coef > 0n && rescale({ coef: t, scale: 0 }, a.scale).coef !== a.coef ? t + 1n : t;
}

export function decimalToNumber(a: Decimal): number {
  return Number(decimalToString(a));
}

/** The decimal nearest a finite double, with at most `scaleMax` fractional digits. */
export function decimalFromNumber(x: number, scaleMax = DECIMAL_SCALE_MAX): Decimal {
  // Shortest round-trip digits first (0.1 → 0.1, not 0.1000000000000000055…).
  const d = parseDecimal(x.toExponential());
  if (d === undefined) return { coef: 0n, scale: 0 };
  return d.scale > scaleMax ? rescale(d, scaleMax) : d;
}

/** Whether the value fits DECIMAL(precision, scale) after rounding to `scale`. */
export function fitsPrecision(d: Decimal, precision: number, scale: number): boolean {
  const r = rescale(d, scale);
  const c = r.coef < 0n ? -r.coef : r.coef;
  return c < pow10(precision);
}

/** The largest DECIMAL(precision, scale) value with the sign of `negative`. */
export function decimalMax(precision: number, scale: number, negative: boolean): Decimal {
  const c = pow10(precision) - 1n;
  return { coef: negative ? -c : c, scale };
}

/** Drops trailing fractional zeros beyond `scaleMin`. */
export function trimScale(d: Decimal, scaleMin = 0): Decimal {
  let { coef, scale } = d;
  while (scale > scaleMin && coef % 10n === 0n) {
    coef /= 10n;
    scale--;
  }
  return { coef, scale };
}
