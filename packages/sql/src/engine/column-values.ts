/**
 * Values in and out of table columns: an evaluated value made to fit a column on INSERT
 * (strict mode, as MySQL 8's default sql_mode: a value that does not fit is an error naming the
 * column and row, never silently changed), the stored row format, key fields, and the result
 * metadata of a column.
 */
import type { KeyValue } from '../encoding/key-codec.js';
import { collationNamed, defaultCollation } from '../encoding/key-codec.js';
import type { RowValue } from '../encoding/row-codec.js';
import { SqlSemanticError } from '../errors.js';
import { castValue } from '../eval/cast.js';
import type { EvalContext } from '../eval/context.js';
import { toText } from '../eval/convert.js';
import { decimalToString, parseDecimal } from '../eval/decimal.js';
import type { EvalWarning } from '../eval/errors.js';
import { formatDate, formatDateTime } from '../eval/temporal.js';
import { decimalType, doubleType, longlong, t, temporal, varString } from '../eval/types.js';
import type { ResultType } from '../eval/types.js';
import { binary, double, int, str, uint } from '../eval/value.js';
import type { SqlValue } from '../eval/value.js';
import type { ColumnSchema, ColumnType, StoredFill } from '../schema/definition.js';

const intRange: Record<number, { min: bigint; max: bigint; umax: bigint }> = {
  1: { min: -128n, max: 127n, umax: 255n },
  2: { min: -32_768n, max: 32_767n, umax: 65_535n },
  3: { min: -8_388_608n, max: 8_388_607n, umax: 16_777_215n },
  4: { min: -2_147_483_648n, max: 2_147_483_647n, umax: 4_294_967_295n },
  8: { min: -(1n << 63n), max: (1n << 63n) - 1n, umax: (1n << 64n) - 1n },
};

const columnCollation = (type: ColumnType) =>
  collationNamed(type.collation ?? '') ?? defaultCollation;

/**
 * `value` made to fit `column` (strict): NULL into NOT NULL → 1048; a number out of the type's
 * range → 1264; text that is not a number → 1366; text too long → 1406; a bad date → 1292.
 */
export function fitToColumn(
  value: SqlValue,
  column: ColumnSchema,
  ctx: EvalContext,
  row: number,
): SqlValue {
  const name = column.name;
  if (value === null) {
    if (!column.nullable)
      throw new SqlSemanticError(1048, '23000', `Column '${name}' cannot be null`);
    return null;
  }
  const type = column.type;
  const warnings: EvalWarning[] = [];
  const strict: EvalContext = { ...ctx, warn: (w) => warnings.push(w) };
  const shown = () => toText(value) ?? 'NULL';
  const incorrect = (what: string) =>
    new SqlSemanticError(
      1366,
      'HY000',
      `Incorrect ${what} value: '${shown()}' for column '${name}' at row ${row}`,
    );
  const outOfRange = () =>
    new SqlSemanticError(1264, '22003', `Out of range value for column '${name}' at row ${row}`);
  const cast = (castType: { name: string; length?: number; scale?: number }) =>
    castValue(value, castType, strict, () => shown());
  switch (type.family) {
    case 'int':
    case 'bit': {
      const unsigned = type.unsigned === true || type.family === 'bit';
      // Through DECIMAL first: 1.5 rounds (as MySQL does), 'abc' is refused.
      const asDecimal = cast({ name: 'DECIMAL', length: 65, scale: 0 });
      if (warnings.some((w) => w.code === 1292 || w.code === 1366)) throw incorrect('integer');
      if (asDecimal?.kind !== 'decimal') throw incorrect('integer');
      const n = asDecimal.v.coef;
      const range = intRange[type.intBytes ?? 8] ?? intRange[8];
      const bits = type.family === 'bit' ? BigInt(type.length ?? 1) : undefined;
      const max = bits !== undefined ? (1n << bits) - 1n : unsigned ? range?.umax : range?.max;
      const min = unsigned ? 0n : range?.min;
      if (max === undefined || min === undefined || n < min || n > max) throw outOfRange();
      return unsigned ? uint(n) : int(n);
    }
    case 'decimal': {
      const precision = type.precision ?? 10;
      const scale = type.scale ?? 0;
      const d = cast({ name: 'DECIMAL', length: precision, scale });
      if (warnings.some((w) => w.code === 1264 || w.code === 1690)) throw outOfRange();
      if (warnings.some((w) => w.code === 1292 || w.code === 1366)) throw incorrect('decimal');
      if (d?.kind !== 'decimal') throw incorrect('decimal');
      if (type.unsigned === true && d.v.coef < 0n) throw outOfRange();
      return d;
    }
    case 'float':
    case 'double': {
      const d = cast({ name: 'DOUBLE' });
      if (warnings.some((w) => w.code === 1292 || w.code === 1366)) throw incorrect('double');
      if (d?.kind !== 'double' || !Number.isFinite(d.v)) throw outOfRange();
      if (type.unsigned === true && d.v < 0) throw outOfRange();
      return type.family === 'float' ? double(Math.fround(d.v)) : d;
    }
    case 'char':
    case 'varchar':
    case 'text':
    case 'enum':
    case 'set': {
      const text = toText(value) ?? '';
      const collation = columnCollation(type);
      if (type.family === 'enum' || type.family === 'set') return enumOrSet(text, column, row);
      let chars = 0;
      for (const _ of text) chars++; // code points, as MySQL counts characters
      const limit = type.length ?? textLimit(type.name);
      if (chars > limit) {
        throw new SqlSemanticError(
          1406,
          '22001',
          `Data too long for column '${name}' at row ${row}`,
        );
      }
      // CHAR drops trailing spaces on storage (PAD_CHAR_TO_FULL_LENGTH off).
      return str(type.family === 'char' ? text.replace(/ +$/u, '') : text, collation);
    }
    case 'binary':
    case 'varbinary':
    case 'blob': {
      const bytes =
        value.kind === 'binary' ? value.v : new TextEncoder().encode(toText(value) ?? '');
      const limit = type.length ?? textLimit(type.name);
      if (bytes.length > limit) {
        throw new SqlSemanticError(
          1406,
          '22001',
          `Data too long for column '${name}' at row ${row}`,
        );
      }
      return binary(bytes);
    }
    case 'date':
    case 'datetime':
    case 'timestamp':
    case 'time':
    case 'year': {
      const castName = type.family === 'timestamp' ? 'DATETIME' : type.family.toUpperCase();
      const v = cast({ name: castName, ...(type.fsp === undefined ? {} : { length: type.fsp }) });
      if (v === null || warnings.some((w) => w.code === 1292 || w.code === 1366)) {
        const what = type.family === 'timestamp' ? 'datetime' : type.family;
        throw new SqlSemanticError(
          1292,
          '22007',
          `Incorrect ${what} value: '${shown()}' for column '${name}' at row ${row}`,
        );
      }
      return v.kind === 'datetime' && type.family === 'timestamp' ? { ...v, kind: 'timestamp' } : v;
    }
    case 'json': {
      const v = cast({ name: 'JSON' });
      if (v === null || warnings.length > 0) {
        throw new SqlSemanticError(
          3140,
          '22032',
          `Invalid JSON text: "Invalid value." at position 0 in value for column '${name}'.`,
        );
      }
      return v;
    }
  }
}

function textLimit(typeName: string): number {
  switch (typeName) {
    case 'tinytext':
    case 'tinyblob':
      return 255;
    case 'text':
    case 'blob':
      return 65_535;
    case 'mediumtext':
    case 'mediumblob':
      return 16_777_215;
    default:
      return 4_294_967_295;
  }
}

function enumOrSet(text: string, column: ColumnSchema, row: number): SqlValue {
  const members = column.type.values ?? [];
  const collation = columnCollation(column.type);
  const find = (s: string) => members.find((m) => m.toLowerCase() === s.toLowerCase());
  const truncated = () =>
    new SqlSemanticError(1265, '01000', `Data truncated for column '${column.name}' at row ${row}`);
  if (column.type.family === 'enum') {
    const member = find(text);
    if (member === undefined) throw truncated();
    return str(member, collation);
  }
  if (text === '') return str('', collation);
  const chosen = new Set<string>();
  for (const part of text.split(',')) {
    const member = find(part);
    if (member === undefined) throw truncated();
    chosen.add(member);
  }
  return str(members.filter((m) => chosen.has(m)).join(','), collation);
}

/** The stored form of a column value (row-codec.ts). */
export function toRowValue(v: SqlValue): RowValue {
  if (v === null) return null;
  switch (v.kind) {
    case 'int':
    case 'uint':
      return v.v;
    case 'double':
      return v.v;
    case 'binary':
      return v.v;
    case 'string':
      return v.v;
    case 'decimal':
    case 'date':
    case 'datetime':
    case 'timestamp':
    case 'time':
    case 'year':
    case 'json':
      // Stored as MySQL prints them: exact, and read back through CAST (fromRowValue).
      return toText(v) ?? '';
  }
}

/** A stored value as JSON (a column's `fill`). */
export function storedFillOf(rv: RowValue): StoredFill | undefined {
  if (rv === null) return undefined;
  if (typeof rv === 'bigint') return { int: rv.toString() };
  if (typeof rv === 'number') return { double: rv };
  if (typeof rv === 'string') return { text: rv };
  return { hex: Buffer.from(rv).toString('hex') };
}

function rowValueOfFill(fill: StoredFill | undefined): RowValue {
  if (fill === undefined) return null;
  if ('int' in fill) return BigInt(fill.int);
  if ('double' in fill) return fill.double;
  if ('text' in fill) return fill.text;
  return Uint8Array.from(Buffer.from(fill.hex, 'hex'));
}

/**
 * A stored value back as a typed value of `column`. A row stored before the column was added
 * lacks its id (`rv` undefined): it reads the column's `fill`.
 */
export function fromRowValue(rv: RowValue | undefined, column: ColumnSchema): SqlValue {
  if (rv === undefined && column.fill !== undefined) {
    return fromRowValue(rowValueOfFill(column.fill), column);
  }
  if (rv === null || rv === undefined) return null;
  const type = column.type;
  switch (type.family) {
    case 'int':
    case 'bit':
      return typeof rv === 'bigint'
        ? type.unsigned === true || type.family === 'bit'
          ? uint(rv)
          : int(rv)
        : null;
    case 'float':
    case 'double':
      return typeof rv === 'number' ? double(rv) : null;
    case 'decimal': {
      const d = typeof rv === 'string' ? parseDecimal(rv) : undefined;
      return d === undefined ? null : { kind: 'decimal', v: d };
    }
    case 'binary':
    case 'varbinary':
    case 'blob':
      return rv instanceof Uint8Array ? binary(rv) : null;
    case 'char':
    case 'varchar':
    case 'text':
    case 'enum':
    case 'set':
      return typeof rv === 'string' ? str(rv, columnCollation(type)) : null;
    case 'date':
    case 'datetime':
    case 'timestamp':
    case 'time':
    case 'year':
    case 'json': {
      if (typeof rv !== 'string' && typeof rv !== 'bigint') return null;
      // Stored as MySQL prints it; read back through CAST to the column's type.
      const text = String(rv);
      const castName = type.family === 'timestamp' ? 'DATETIME' : type.family.toUpperCase();
      const ctx = readContext;
      const v = castValue(
        str(text, defaultCollation),
        { name: castName, ...(type.fsp === undefined ? {} : { length: type.fsp }) },
        ctx,
        () => text,
      );
      return v !== null && v.kind === 'datetime' && type.family === 'timestamp'
        ? { ...v, kind: 'timestamp' }
        : v;
    }
  }
}

/**
 * A minimal context for reading stored values back (no warnings kept). Stored temporal text is
 * always complete, so the clock is never needed — but the casts take "today" eagerly, so it
 * must be there: the epoch in UTC.
 */
const readContext = {
  warn: () => undefined,
  nowMicros: 0n,
  timeZoneOffsetSeconds: 0,
} as unknown as EvalContext;

/** A column value as a key field (key-codec.ts), for the column's key type. */
export function toKeyValue(v: SqlValue, column: ColumnSchema): KeyValue {
  if (v === null) return null;
  const type = column.type;
  switch (type.family) {
    case 'int':
    case 'bit':
      return v.kind === 'int' || v.kind === 'uint' ? v.v : null;
    case 'decimal':
      return v.kind === 'decimal' ? decimalToString(v.v) : null;
    case 'float':
    case 'double':
      return v.kind === 'double' ? v.v : null;
    case 'char':
    case 'varchar':
    case 'text':
      return v.kind === 'string' ? v.v : (toText(v) ?? '');
    case 'binary':
    case 'varbinary':
    case 'blob':
    case 'json':
      return v.kind === 'binary' ? v.v : new TextEncoder().encode(toText(v) ?? '');
    case 'date':
      return v.kind === 'date' ? formatDate(v.v) : null;
    case 'datetime':
    case 'timestamp':
      return v.kind === 'datetime' || v.kind === 'timestamp' ? formatDateTime(v.v, 6) : null;
    case 'time':
      return formatTimeKey(v.kind === 'time' ? v.v : 0);
    case 'year':
      return v.kind === 'year' ? v.v : Number(toText(v) ?? 0);
    case 'enum': {
      const index = (type.values ?? []).indexOf(toText(v) ?? '');
      return index + 1;
    }
    case 'set': {
      const chosen = new Set((toText(v) ?? '').split(','));
      let mask = 0n;
      (type.values ?? []).forEach((m, i) => {
        if (chosen.has(m)) mask |= 1n << BigInt(i);
      });
      return mask;
    }
  }
}

function formatTimeKey(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  let rest = Math.abs(micros);
  const us = rest % 1_000_000;
  rest = Math.floor(rest / 1_000_000);
  const s = rest % 60;
  rest = Math.floor(rest / 60);
  const m = rest % 60;
  const h = Math.floor(rest / 60);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${sign}${two(h)}:${two(m)}:${two(s)}.${String(us).padStart(6, '0')}`;
}

/** The result metadata of a column (SELECT col). */
export function resultTypeOf(column: ColumnSchema): ResultType {
  const type = column.type;
  const nullable = column.nullable;
  switch (type.family) {
    case 'int': {
      const base = longlong(intDisplay(type), nullable, type.unsigned === true);
      const bytes = type.intBytes;
      return bytes === 1 || bytes === 2 || bytes === 3 || bytes === 4
        ? { ...base, intBytes: bytes }
        : base;
    }
    case 'bit':
      return longlong(type.length ?? 1, nullable, true);
    case 'decimal':
      return decimalType(type.precision ?? 10, type.scale ?? 0, nullable);
    case 'float':
    case 'double':
      return doubleType(nullable);
    case 'char':
    case 'varchar':
    case 'enum':
    case 'set':
      return varString(type.length ?? 64, columnCollation(type), nullable);
    case 'text':
      return t('BLOB', {
        length: textLimit(type.name),
        collation: columnCollation(type),
        nullable,
      });
    case 'binary':
    case 'varbinary':
    case 'blob':
      return t('BLOB', { length: type.length ?? textLimit(type.name), nullable });
    case 'date':
      return temporal('DATE', 0, nullable);
    case 'datetime':
      return temporal('DATETIME', type.fsp ?? 0, nullable);
    case 'timestamp':
      return temporal('TIMESTAMP', type.fsp ?? 0, nullable);
    case 'time':
      return temporal('TIME', type.fsp ?? 0, nullable);
    case 'year':
      return t('YEAR', { length: 4, nullable, unsigned: true });
    case 'json':
      return t('JSON', { length: 4_294_967_295, nullable });
  }
}

function intDisplay(type: ColumnType): number {
  switch (type.intBytes) {
    case 1:
      return 4;
    case 2:
      return 6;
    case 3:
      return 9;
    case 4:
      return 11;
    case undefined:
    default:
      return 20;
  }
}
