// Query results as sqllogictest prints and compares them.
//
// Each value is rendered by its column's type letter, as SQLite's reference runner does
// (slt_sqlite.c) and as the MySQL conventions read a value's text:
//   NULL                 "NULL" (any type)
//   T  text              the value's text; "" → "(empty)"; every byte < 0x20 or > 0x7e
//                        (so each byte of a non-ASCII character) → '@'
//   I  integer           the text's numeric prefix, truncated toward zero ("1.9" → 1,
//                        "-2.5e1" → -25, "abc" → 0)
//   R  real              the text's numeric prefix as a double, printf("%.3f")
// then sorted by the record's sort mode (rowsort: rows compared value by value with strcmp;
// valuesort: all values as one list), and compared with the expected lines — or, when the file
// gives "N values hashing to H", hashed: H is the MD5 of every value followed by "\n".

import { createHash } from 'node:crypto';
import type { ColumnType, Expected, SortMode } from './records.js';

const utf8 = new TextEncoder();

/** The leading number of a text as strtod/strtoll read it: [sign] digits [. digits] [exponent]. */
const NUMERIC_PREFIX = /^[ \t\n\v\f\r]*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?/;

interface NumericPrefix {
  readonly negative: boolean;
  readonly int: string;
  readonly frac: string;
  readonly exp: string | undefined;
}

function numericPrefix(text: string): NumericPrefix | undefined {
  const m = NUMERIC_PREFIX.exec(text);
  if (m === null) return undefined;
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  if (int === '' && frac === '') return undefined;
  return { negative: m[1] === '-', int, frac, exp: m[4] };
}

/** An integer column's rendering of a value's text. */
export function formatInteger(text: string): string {
  const n = numericPrefix(text);
  if (n === undefined) return '0';
  let digits: bigint;
  if (n.exp === undefined) {
    digits = BigInt(n.int === '' ? '0' : n.int);
  } else {
    const x = Math.trunc(Math.abs(Number(`${n.int || '0'}.${n.frac || '0'}e${n.exp}`)));
    digits = Number.isFinite(x) ? BigInt(x) : 0n;
  }
  return (n.negative ? -digits : digits).toString();
}

/**
 * printf("%.3f") of a double: JS `toFixed` rounds exact ties up, C rounds them to even; ties at
 * the third decimal are exactly the doubles x with 16·x an odd integer.
 */
export function formatReal3(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const negative = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let text: string;
  if (a >= 1e21) {
    text = `${BigInt(a).toString()}.000`;
  } else {
    const sixteen = a * 16;
    if (Number.isInteger(sixteen) && sixteen % 2 === 1) {
      // a·1000 = 125·(16a)/2 = k + 0.5 exactly: round to the even neighbour.
      const k = (BigInt(sixteen) * 125n - 1n) / 2n;
      const n = k % 2n === 0n ? k : k + 1n;
      const s = n.toString().padStart(4, '0');
      text = `${s.slice(0, -3)}.${s.slice(-3)}`;
    } else {
      text = a.toFixed(3);
    }
  }
  return negative ? `-${text}` : text;
}

/** A real column's rendering of a value's text. */
export function formatReal(text: string): string {
  const n = numericPrefix(text);
  if (n === undefined) return '0.000';
  const x = Number(`${n.negative ? '-' : ''}${n.int || '0'}.${n.frac || '0'}e${n.exp ?? '0'}`);
  return formatReal3(x);
}

/** A text column's rendering: "(empty)", and bytes outside 0x20..0x7e as '@'. */
export function formatText(text: string): string {
  if (text === '') return '(empty)';
  // Plain ASCII needs no work (the common case).
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  let out = '';
  for (const byte of utf8.encode(text)) {
    out += byte < 0x20 || byte > 0x7e ? '@' : String.fromCharCode(byte);
  }
  return out;
}

/** One value, given its text (null for SQL NULL), as a column of `type` prints it. */
export function formatValue(type: ColumnType, text: string | null): string {
  if (text === null) return 'NULL';
  switch (type) {
    case 'I':
      return formatInteger(text);
    case 'R':
      return formatReal(text);
    case 'T':
      return formatText(text);
  }
}

/** strcmp over ASCII text (all rendered values are ASCII). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The rendered rows in the order of `mode`, flattened to the list of values. */
export function sortedValues(rows: readonly (readonly string[])[], mode: SortMode): string[] {
  switch (mode) {
    case 'nosort':
      return rows.flat();
    case 'rowsort':
      return [...rows]
        .sort((a, b) => {
          const n = Math.min(a.length, b.length);
          for (let i = 0; i < n; i++) {
            const c = compareText(a[i] ?? '', b[i] ?? '');
            if (c !== 0) return c;
          }
          return a.length - b.length;
        })
        .flat();
    case 'valuesort':
      return rows.flat().sort(compareText);
  }
}

/** The MD5 sqllogictest prints for a result: over each value followed by a newline. */
export function hashValues(values: readonly string[]): string {
  const md5 = createHash('md5');
  for (const v of values) {
    md5.update(v);
    md5.update('\n');
  }
  return md5.digest('hex');
}

/** How the result compares with the expectation: undefined when equal, else what differs. */
export function compareResult(
  values: readonly string[],
  columns: number,
  expected: Expected,
): string | undefined {
  if (expected.kind === 'hash') {
    const got = `${values.length} values hashing to ${hashValues(values)}`;
    const want = `${expected.count} values hashing to ${expected.md5}`;
    return got === want ? undefined : `expected ${want}, got ${got}`;
  }
  const lines = expected.lines;
  if (lines.length === values.length && lines.every((l, i) => l === values[i])) return undefined;
  // A row per line, values separated by single spaces (other sqllogictest dialects write
  // results this way; this corpus does not, but such a block is read the same).
  if (columns > 1 && values.length === lines.length * columns) {
    const rows: string[] = [];
    for (let i = 0; i < values.length; i += columns)
      rows.push(values.slice(i, i + columns).join(' '));
    if (rows.every((r, i) => r === lines[i])) return undefined;
  }
  const firstDiff = lines.findIndex((l, i) => l !== values[i]);
  const at = firstDiff < 0 ? Math.min(lines.length, values.length) : firstDiff;
  return (
    `expected ${lines.length} values, got ${values.length}; first difference at value ${at + 1}: ` +
    `expected ${JSON.stringify(lines[at] ?? '<end>')}, got ${JSON.stringify(values[at] ?? '<end>')}`
  );
}
