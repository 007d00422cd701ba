/**
 * Access paths: how the rows of one table are found from conditions on its own columns. The
 * single-table statements (`matchingRows`: SELECT, UPDATE, DELETE), the join planner (each
 * table of a join, with the conditions that read only it) and EXPLAIN all choose here, so what
 * EXPLAIN shows is what runs.
 *
 *   point get     WHERE fixes the whole primary key with constants (`=`): one key read
 *   batch get     … with `IN (constants)` on some of them (≤ 1000 keys): one read per key
 *   index lookup  a secondary index whose leading columns WHERE fixes: one read when a unique
 *                 index is fixed whole, else a scan of the index entries with that prefix;
 *                 then the rows by primary key
 *   range         bounds on an integer first primary-key column: that key range, every slice
 *   full scan     every slice of the primary representation
 *
 * A key read is used only where the constant compares in the column's own type and collation
 * (`varchar_col = 5` compares numerically, `'05' = 5`; a string with an explicit COLLATE may
 * compare under another collation than the key's), so that equal values have equal keys. The
 * caller still filters every row read with its conditions: a path may read more rows than
 * match, never fewer.
 *
 * Index lookups for joins (`lookupRows`) use the same key rules with values from the rows of
 * the other tables instead of constants.
 */
import type { Expr } from '../ast.js';
import { keyFieldLengths } from '../encoding/key-codec.js';
import type { KeyValue } from '../encoding/key-codec.js';
import { aggregateCollation } from '../eval/compare.js';
import type { EvalContext } from '../eval/context.js';
import { toText } from '../eval/convert.js';
import { evaluate } from '../eval/evaluate.js';
import { Coercibility, int, uint } from '../eval/value.js';
import type { SqlValue } from '../eval/value.js';
import { collationNamed, defaultCollation } from '../encoding/key-codec.js';
import type { ColumnSchema } from '../schema/definition.js';
import { keyTypeOf } from '../schema/definition.js';
import { representationPrefixBytes } from '../storage/layout.js';
import type { Transaction } from '@tessera/txn';
import { fitToColumn, toKeyValue } from './column-values.js';
import type { ResolvedIndex, ResolvedTable } from './tables.js';

/** Keys a batch get reads at most; more IN-list combinations scan instead. */
export const BATCH_KEYS_MAX = 1000;
/** Key reads in flight at once for a batch (they are independent reads at one snapshot). */
const READS_IN_FLIGHT_MAX = 32;

export type Access =
  | { readonly kind: 'pointGet'; readonly key: Uint8Array }
  | { readonly kind: 'batchGet'; readonly keys: readonly Uint8Array[] }
  | {
      readonly kind: 'indexLookup';
      readonly index: ResolvedIndex;
      /** Key values of the index's leading columns (all of them or a prefix). */
      readonly values: readonly KeyValue[];
    }
  | { readonly kind: 'range'; readonly start: Uint8Array; readonly end: Uint8Array }
  | { readonly kind: 'fullScan' };

export interface StoredRow {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** The constant `col = const` conjuncts fix each column to (by lower-case column name). */
export function fixedColumns(where: Expr | undefined): Map<string, Expr> {
  const out = new Map<string, Expr>();
  for (const e of conjuncts(where)) {
    if (e.kind !== 'binary' || e.op !== '=') continue;
    if (e.left.kind === 'column' && isConstant(e.right))
      out.set(e.left.name.toLowerCase(), e.right);
    else if (e.right.kind === 'column' && isConstant(e.left))
      out.set(e.right.name.toLowerCase(), e.left);
  }
  return out;
}

/** The `col IN (constants)` conjuncts (by lower-case column name). */
function inLists(where: Expr | undefined): Map<string, readonly Expr[]> {
  const out = new Map<string, readonly Expr[]>();
  for (const e of conjuncts(where)) {
    const listed = (x: Expr) => isConstant(x) || x.kind === 'null';
    if (e.kind === 'in' && !e.not && e.operand.kind === 'column' && e.list.every(listed)) {
      out.set(e.operand.name.toLowerCase(), e.list);
    }
  }
  return out;
}

function isConstant(x: Expr): boolean {
  return x.kind === 'number' || x.kind === 'string' || x.kind === 'param';
}

/** `a AND b AND c` → [a, b, c] (none for an absent condition). */
export function conjuncts(e: Expr | undefined): Expr[] {
  if (e === undefined) return [];
  return e.kind === 'binary' && e.op === 'AND'
    ? [...conjuncts(e.left), ...conjuncts(e.right)]
    : [e];
}

/**
 * `value` as a key field of `column` when `column = value` holds exactly when their keys are
 * equal; undefined when it does not (another comparison type or collation, NULL, or a value
 * that does not fit the column — the caller reads another way).
 */
export function keyValueFor(
  value: SqlValue,
  column: ColumnSchema,
  ectx: EvalContext,
): KeyValue | undefined {
  if (value === null || !comparesAsKey(value, column)) return undefined;
  if (value.kind === 'string' && isText(column)) {
    const own = collationNamed(column.type.collation ?? '') ?? defaultCollation;
    try {
      const { collation } = aggregateCollation(
        value,
        { collation: own, coercibility: Coercibility.implicit },
        '=',
      );
      if (collation.name !== own.name) return undefined;
    } catch {
      return undefined;
    }
  }
  try {
    const fitted = fitToColumn(value, { ...column, nullable: true }, quiet(ectx), 1);
    return fitted === null ? undefined : toKeyValue(fitted, column);
  } catch {
    return undefined;
  }
}

function quiet(ectx: EvalContext): EvalContext {
  return {
    ...ectx,
    warn: () => {
      // Probing a key: the comparison itself reports what it has to.
    },
  };
}

const TEXT_FAMILIES: ReadonlySet<string> = new Set(['char', 'varchar', 'text', 'enum', 'set']);

function isText(column: ColumnSchema): boolean {
  return TEXT_FAMILIES.has(column.type.family);
}

/**
 * Whether `column = value` compares in the column's own type, so that equal values have equal
 * keys: a number against a string column compares numerically in MySQL ('05' = 5), which a key
 * read would miss — such a condition is answered by a scan instead.
 */
function comparesAsKey(value: SqlValue, column: ColumnSchema): boolean {
  if (value === null) return false;
  const numeric = value.kind === 'int' || value.kind === 'uint' || value.kind === 'decimal';
  switch (column.type.family) {
    case 'int':
      // An integral DOUBLE below 2^53 equals exactly one integer (mysql2 sends every JS number
      // parameter as a DOUBLE: `WHERE id = ?` must stay a point get). A fractional one equals
      // none — left to a scan, which finds nothing.
      return (
        numeric ||
        (value.kind === 'double' && Number.isInteger(value.v) && Math.abs(value.v) < 2 ** 53)
      );
    case 'decimal':
    case 'bit':
    case 'year':
      return numeric;
    case 'float':
    case 'double':
      return numeric || value.kind === 'double';
    case 'char':
    case 'varchar':
    case 'text':
    case 'enum':
    case 'set':
      return value.kind === 'string';
    case 'binary':
    case 'varbinary':
    case 'blob':
      return value.kind === 'string' || value.kind === 'binary';
    case 'date':
    case 'datetime':
    case 'timestamp':
    case 'time':
      return value.kind === 'string' || value.kind === column.type.family;
    case 'json':
      return false;
  }
}

/** The first byte string after every string that starts with `prefix`. */
export function successor(prefix: Uint8Array): Uint8Array {
  const end = new Uint8Array(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] ?? 0) < 0xff) {
      end[i] = (end[i] ?? 0) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
}

export function columnOf(table: ResolvedTable, columnId: number): ColumnSchema {
  const column = table.columns.find((c) => c.id === columnId);
  if (column === undefined) throw new Error(`index names missing column ${columnId}`);
  return column;
}

/** The access path for the rows of `table` that `where` (over its columns alone) selects. */
export function chooseAccess(
  table: ResolvedTable,
  where: Expr | undefined,
  ectx: EvalContext,
): Access {
  if (where === undefined) return { kind: 'fullScan' };
  const fixed = fixedColumns(where);
  const lists = inLists(where);
  return (
    primaryKeyReads(table, fixed, lists, ectx) ??
    indexAccess(table, fixed, ectx) ??
    primaryRange(table, where, ectx) ?? { kind: 'fullScan' }
  );
}

/** A point get (every primary-key column fixed by `=`) or a batch get (some by IN lists). */
function primaryKeyReads(
  table: ResolvedTable,
  fixed: ReadonlyMap<string, Expr>,
  lists: ReadonlyMap<string, readonly Expr[]>,
  ectx: EvalContext,
): Access | undefined {
  let tuples: KeyValue[][] = [[]];
  let batch = false;
  for (const part of table.primary.index.parts) {
    const column = columnOf(table, part.columnId);
    const name = column.name.toLowerCase();
    const one = fixed.get(name);
    const exprs = one !== undefined ? [one] : lists.get(name);
    if (exprs === undefined) return undefined;
    if (one === undefined) batch = true;
    const values: KeyValue[] = [];
    for (const e of exprs) {
      let raw: SqlValue;
      try {
        raw = evaluate(e, ectx);
      } catch {
        return undefined;
      }
      // NULL in an IN list matches nothing; `pk = NULL` is left to a scan, as it always was.
      if (raw === null && one === undefined) continue;
      const v = keyValueFor(raw, column, ectx);
      if (v === undefined) return undefined;
      values.push(v);
    }
    if (tuples.length * values.length > BATCH_KEYS_MAX) return undefined;
    tuples = tuples.flatMap((t) => values.map((v) => [...t, v]));
  }
  const keys = distinctKeys(tuples.map((t) => table.primary.layout.key(t)));
  const [only] = keys;
  if (!batch && only !== undefined && keys.length === 1) return { kind: 'pointGet', key: only };
  return { kind: 'batchGet', keys };
}

function distinctKeys(keys: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Map<string, Uint8Array>();
  for (const k of keys) seen.set(hex(k), k);
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, k]) => k);
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** The secondary index with the most leading columns fixed by `=` constants, if any. */
function indexAccess(
  table: ResolvedTable,
  fixed: ReadonlyMap<string, Expr>,
  ectx: EvalContext,
): Access | undefined {
  if (fixed.size === 0) return undefined;
  let best: { index: ResolvedIndex; values: KeyValue[] } | undefined;
  for (const resolved of table.indexes) {
    const values: KeyValue[] = [];
    for (const part of resolved.index.parts) {
      const column = table.columns.find((c) => c.id === part.columnId);
      const e = column === undefined ? undefined : fixed.get(column.name.toLowerCase());
      if (column === undefined || e === undefined || part.prefix !== undefined) break;
      let raw: SqlValue;
      try {
        raw = evaluate(e, ectx);
      } catch {
        break;
      }
      const v = keyValueFor(raw, column, ectx);
      if (v === undefined) break;
      values.push(v);
    }
    if (values.length > 0 && values.length > (best?.values.length ?? 0)) {
      best = { index: resolved, values };
    }
  }
  return best === undefined ? undefined : { kind: 'indexLookup', ...best };
}

/**
 * Key bounds from WHERE conjuncts on the first primary-key column when it is an integer
 * (`id BETWEEN a AND b`, `id >= a`, `id < b`, ...), widened to whole integers: a superset of the
 * matching rows (WHERE still filters every row read), so each slice scans only that range.
 */
function primaryRange(table: ResolvedTable, where: Expr, ectx: EvalContext): Access | undefined {
  const first = table.columns.find((c) => c.id === table.primary.index.parts[0]?.columnId);
  if (first === undefined || first.type.family !== 'int') return undefined;
  const name = first.name.toLowerCase();
  let lo: bigint | undefined;
  let hi: bigint | undefined;
  const constant = (e: Expr): number | bigint | undefined => {
    if (e.kind !== 'number' && e.kind !== 'param') return undefined;
    let v: SqlValue;
    try {
      v = evaluate(e, ectx);
    } catch {
      return undefined;
    }
    if (v === null) return undefined;
    if (v.kind === 'int' || v.kind === 'uint') return v.v;
    // A parameter bounds the key as the literal of its value would: a number does; a string
    // does not, as a string literal does not (the COM_QUERY plan cache turns literals into
    // parameters and must choose the same path). Bounds from a double are a superset of the
    // matches only where every integer is exact (below 2^53); past that none is taken.
    const n = v.kind === 'double' ? v.v : v.kind === 'decimal' ? Number(toText(v)) : undefined;
    return n !== undefined && Number.isFinite(n) && Math.abs(n) < 2 ** 53 ? n : undefined;
  };
  const floor = (n: number | bigint) => (typeof n === 'bigint' ? n : BigInt(Math.floor(n)));
  const ceil = (n: number | bigint) => (typeof n === 'bigint' ? n : BigInt(Math.ceil(n)));
  const atLeast = (n: number | bigint) => {
    const b = floor(n);
    lo = lo === undefined || b > lo ? b : lo;
  };
  const atMost = (n: number | bigint) => {
    const b = ceil(n);
    hi = hi === undefined || b < hi ? b : hi;
  };
  const isKey = (e: Expr) => e.kind === 'column' && e.name.toLowerCase() === name;
  const flipped: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=' };
  for (const e of conjuncts(where)) {
    if (e.kind === 'between' && !e.not && isKey(e.operand)) {
      const a = constant(e.low);
      const b = constant(e.high);
      if (a !== undefined) atLeast(a);
      if (b !== undefined) atMost(b);
      continue;
    }
    if (e.kind !== 'binary') continue;
    let op: string | undefined;
    let value: number | bigint | undefined;
    if (isKey(e.left)) {
      op = e.op;
      value = constant(e.right);
    } else if (isKey(e.right)) {
      op = flipped[e.op];
      value = constant(e.left);
    }
    if (value === undefined) continue;
    if (op === '>' || op === '>=' || op === '=') atLeast(value);
    if (op === '<' || op === '<=' || op === '=') atMost(value);
  }
  if (lo === undefined && hi === undefined) return undefined;
  const unsigned = first.type.unsigned === true;
  const bits = BigInt((first.type.intBytes ?? 8) * 8);
  const min = unsigned ? 0n : -(1n << (bits - 1n));
  const max = unsigned ? (1n << bits) - 1n : (1n << (bits - 1n)) - 1n;
  const from = lo === undefined || lo < min ? min : lo;
  const to = hi === undefined || hi > max ? max : hi;
  const layout = table.primary.layout;
  if (from > to) return { kind: 'range', start: layout.prefix, end: layout.prefix };
  const key = (n: bigint) =>
    layout.key([toKeyValue(unsigned ? uint(n) : int(n), { ...first, nullable: true })]);
  return { kind: 'range', start: key(from), end: successor(key(to)) };
}

/** The stored rows (primary key → row bytes) an access path reads, at the txn's snapshot. */
export async function readAccess(
  table: ResolvedTable,
  access: Access,
  txn: Transaction,
): Promise<StoredRow[]> {
  switch (access.kind) {
    case 'pointGet':
      return getRows(txn, [access.key]);
    case 'batchGet':
      return getRows(txn, access.keys);
    case 'indexLookup':
      return getRows(txn, await primaryKeysFromIndex(table, access.index, access.values, txn));
    case 'range':
      return txn.scan(access.start, access.end);
    case 'fullScan': {
      const prefix = table.primary.layout.prefix;
      // The representation's key range: [prefix, prefix + 1).
      return txn.scan(prefix, successor(prefix));
    }
  }
}

/** The rows stored under `keys` (absent ones left out), read a bounded batch at a time. */
export async function getRows(txn: Transaction, keys: readonly Uint8Array[]): Promise<StoredRow[]> {
  const rows: StoredRow[] = [];
  for (let at = 0; at < keys.length; at += READS_IN_FLIGHT_MAX) {
    const batch = keys.slice(at, at + READS_IN_FLIGHT_MAX);
    const values = await Promise.all(batch.map((key) => txn.get(key)));
    values.forEach((value, i) => {
      const key = batch[i];
      if (value !== undefined && key !== undefined) rows.push({ key, value });
    });
  }
  return rows;
}

/**
 * The primary keys a secondary index holds for leading key values `values`: one read for a
 * unique index fixed whole, else a scan of the entries with that prefix (non-unique entries,
 * and unique ones holding NULL, end with the primary key's fields; a unique entry's value is
 * the primary key itself).
 */
export async function primaryKeysFromIndex(
  table: ResolvedTable,
  resolved: ResolvedIndex,
  values: readonly KeyValue[],
  txn: Transaction,
): Promise<Uint8Array[]> {
  const entryKey = resolved.layout.key(values);
  if (resolved.index.unique && values.length === resolved.index.parts.length) {
    const owner = await txn.get(entryKey);
    return owner === undefined ? [] : [owner];
  }
  const indexTypes = resolved.index.parts.map((p) => keyTypeOf(columnOf(table, p.columnId).type));
  const entries = await txn.scan(entryKey, successor(entryKey));
  const primaryPrefix = table.primary.layout.prefix;
  return entries.map(({ key, value }) => {
    if (value.length > 0) return value;
    const lengths = keyFieldLengths(key, representationPrefixBytes, indexTypes);
    const at = representationPrefixBytes + lengths.reduce((a, b) => a + b, 0);
    const pk = new Uint8Array(primaryPrefix.length + key.length - at);
    pk.set(primaryPrefix);
    pk.set(key.subarray(at), primaryPrefix.length);
    return pk;
  });
}

/** Where an access path reads: the representation, how many of its slices, and their nodes. */
export interface AccessPlacement {
  readonly representation: string;
  /** Slices the read visits (undefined: decided by the keys at run time, at most `total`). */
  readonly slices: number | undefined;
  readonly total: number;
  /** The ranking replicas serving the slices read (or that may be read), sorted. */
  readonly nodes: readonly number[];
}

export function accessPlacement(table: ResolvedTable, access: Access): AccessPlacement {
  const primary = table.primary.layout;
  switch (access.kind) {
    case 'pointGet':
    case 'batchGet': {
      const keys = access.kind === 'pointGet' ? [access.key] : access.keys;
      const slices = new Map(keys.map((k) => primary.sliceHolding(k)).map((s) => [s.id, s]));
      return {
        representation: 'PRIMARY',
        slices: slices.size,
        total: primary.representation.slices.length,
        nodes: sortedNodes([...slices.values()].map((s) => s.rankingReplica)),
      };
    }
    case 'indexLookup': {
      const layout = access.index.layout;
      const whole =
        access.index.index.unique && access.values.length === access.index.index.parts.length;
      // A unique key fixed whole is one read; a prefix scan visits every slice of the index
      // (the router sends a range to all of a representation's slices).
      const slices = whole
        ? [layout.sliceHolding(layout.key(access.values))]
        : layout.representation.slices;
      return {
        representation: access.index.index.name,
        slices: slices.length,
        total: layout.representation.slices.length,
        nodes: sortedNodes(slices.map((s) => s.rankingReplica)),
      };
    }
    case 'range':
    case 'fullScan':
      return wholeRepresentation('PRIMARY', primary.representation.slices);
  }
}

/** Reads by key decided at run time (index lookups of a join): up to every slice. */
export function keyedPlacement(index: ResolvedIndex): AccessPlacement {
  const slices = index.layout.representation.slices;
  return {
    representation: index.index.name,
    slices: undefined,
    total: slices.length,
    nodes: sortedNodes(slices.map((s) => s.rankingReplica)),
  };
}

function wholeRepresentation(
  name: string,
  slices: readonly { rankingReplica: number }[],
): AccessPlacement {
  return {
    representation: name,
    slices: slices.length,
    total: slices.length,
    nodes: sortedNodes(slices.map((s) => s.rankingReplica)),
  };
}

function sortedNodes(ids: readonly number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}
