/**
 * Hash-join keys: a normalized text per value such that two non-NULL values get the same text
 * exactly when the evaluator's `=` (compare.ts) says they are equal — so a hash join finds the
 * same pairs as a nested loop evaluating `a = b` would.
 *
 * `=` compares by the pair's types, so the normal form is chosen per join key from the values
 * both sides actually hold (`keyNormalizer`):
 *
 *   all integers (INT, UNSIGNED, YEAR)          the integer
 *   integers and DECIMALs                       the exact decimal, trailing zeros dropped
 *   numbers, and one side all DOUBLE            the double (every pair compares as doubles)
 *   all strings (one collation per side)        the sort key under the collation `=` uses
 *                                               (case- and accent-insensitive where it is)
 *   strings and binary, one side all binary     the bytes
 *   DATE / DATETIME / TIMESTAMP                 microseconds since the epoch
 *   TIME                                        microseconds
 *
 * Any other mix (a number against a string — compared as doubles with warnings —, JSON, TIME
 * against DATETIME, DOUBLE mixed with DECIMAL on both sides, strings of several collations) has
 * no normal form here: the caller compares those pairs one by one. NULL never matches.
 */
import { aggregateCollation } from '../eval/compare.js';
import { numericToDecimal, numericToDouble, toBytes } from '../eval/convert.js';
import { trimScale } from '../eval/decimal.js';
import { toMicros } from '../eval/temporal.js';
import { int } from '../eval/value.js';
import type { NonNullValue, SqlValue, StringValue } from '../eval/value.js';
import type { Collation } from '../encoding/key-codec.js';
import { sortKey } from '../encoding/key-codec.js';

export type KeyNormalizer = (v: NonNullValue) => string;

type Family =
  'integer' | 'decimal' | 'double' | 'string' | 'binary' | 'datetime' | 'time' | 'other';

function familyOf(v: NonNullValue): Family {
  switch (v.kind) {
    case 'int':
    case 'uint':
    case 'year':
      return 'integer';
    case 'decimal':
      return 'decimal';
    case 'double':
      return 'double';
    case 'string':
      return 'string';
    case 'binary':
      return 'binary';
    case 'date':
    case 'datetime':
    case 'timestamp':
      return 'datetime';
    case 'time':
      return 'time';
    case 'json':
      return 'other';
  }
}

interface SideSummary {
  readonly families: ReadonlySet<Family>;
  /** The collation and coercibility every string on this side has, if they agree. */
  readonly strings: Pick<StringValue, 'collation' | 'coercibility'> | 'mixed' | undefined;
}

function summarize(values: readonly SqlValue[]): SideSummary {
  const families = new Set<Family>();
  let strings: SideSummary['strings'];
  for (const v of values) {
    if (v === null) continue;
    families.add(familyOf(v));
    if (v.kind === 'string' && strings !== 'mixed') {
      if (strings === undefined) strings = v;
      else if (
        strings.collation.name !== v.collation.name ||
        strings.coercibility !== v.coercibility
      ) {
        strings = 'mixed';
      }
    }
  }
  return { families, strings };
}

function only(families: ReadonlySet<Family>, allowed: readonly Family[]): boolean {
  for (const f of families) if (!allowed.includes(f)) return false;
  return true;
}

/**
 * The normal form for one join key, given every value of it on each side; undefined when the
 * values mix types `=` compares in ways a normal form cannot follow.
 */
export function keyNormalizer(
  left: readonly SqlValue[],
  right: readonly SqlValue[],
): KeyNormalizer | undefined {
  const l = summarize(left);
  const r = summarize(right);
  // A side without values matches nothing whatever the form.
  if (l.families.size === 0 || r.families.size === 0) return integerKey;
  const all = new Set([...l.families, ...r.families]);
  if (only(all, ['integer'])) return integerKey;
  if (only(all, ['integer', 'decimal'])) return decimalKey;
  if (only(all, ['integer', 'decimal', 'double'])) {
    const allDouble = (s: SideSummary) => only(s.families, ['double']);
    // Every pair holds a double, so every pair compares as doubles.
    return allDouble(l) || allDouble(r) ? doubleKey : undefined;
  }
  if (only(all, ['string'])) {
    if (l.strings === undefined || r.strings === undefined) return undefined;
    if (l.strings === 'mixed' || r.strings === 'mixed') return undefined;
    let collation: Collation;
    try {
      collation = aggregateCollation(l.strings, r.strings, '=').collation;
    } catch {
      // Illegal mix: comparing the pairs one by one reports it.
      return undefined;
    }
    return (v) => (v.kind === 'string' ? sortKey(v.v, collation) : '');
  }
  if (only(all, ['string', 'binary'])) {
    const allBinary = (s: SideSummary) => only(s.families, ['binary']);
    return allBinary(l) || allBinary(r) ? bytesKey : undefined;
  }
  if (only(all, ['datetime'])) return dateTimeKey;
  if (only(all, ['time'])) return (v) => (v.kind === 'time' ? String(v.v) : '');
  return undefined;
}

function integerKey(v: NonNullValue): string {
  if (v.kind === 'int' || v.kind === 'uint') return v.v.toString();
  if (v.kind === 'year') return String(v.v);
  return '';
}

function decimalKey(v: NonNullValue): string {
  const n = v.kind === 'year' ? int(v.v) : v;
  if (n.kind !== 'int' && n.kind !== 'uint' && n.kind !== 'decimal') return '';
  const d = trimScale(numericToDecimal(n));
  return `${d.coef.toString()}e-${d.scale}`;
}

function doubleKey(v: NonNullValue): string {
  const n = v.kind === 'year' ? int(v.v) : v;
  if (n.kind !== 'int' && n.kind !== 'uint' && n.kind !== 'decimal' && n.kind !== 'double') {
    return '';
  }
  const x = numericToDouble(n);
  // -0 = 0.
  return x === 0 ? '0' : String(x);
}

function bytesKey(v: NonNullValue): string {
  const bytes = toBytes(v) ?? new Uint8Array();
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function dateTimeKey(v: NonNullValue): string {
  if (v.kind === 'date' || v.kind === 'datetime' || v.kind === 'timestamp') {
    return toMicros(v.v).toString();
  }
  return '';
}
