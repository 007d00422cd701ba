/**
 * Runs a join plan (join-plan.ts) over rows as wide as the whole FROM clause: each leaf's
 * columns at its own slots, NULL where a leaf has not been joined (or was null-extended).
 *
 * The executor is a generator so that one piece of code serves both callers: it yields a
 * request whenever it needs rows from storage — a leaf's rows by its access path, or the rows
 * of an index-lookup join's keys — and the caller answers, asynchronously for a statement that
 * reads tables at run time, synchronously from memory for a subquery (whose plans never look
 * up by key).
 *
 *   hash join    both inputs read, the equality values of each side computed once per row,
 *                normalized (hash-key.ts) so equal keys ⇔ `=`; the smaller side of an inner
 *                join is hashed (a LEFT JOIN hashes its nullable side), the other probes.
 *                Equalities whose values have no normal form are checked pair by pair.
 *   lookup join  the outer side's distinct key values are looked up in the inner table's
 *                index (one request, batched by the caller); beyond LOOKUP_OUTER_ROWS_MAX
 *                outer rows, or when a value cannot be a key of that column, it reads the
 *                inner table by its own access path and hash-joins instead.
 *   nested loop  every pair.
 *
 * Every pair a key matched is checked again with `=` itself where the key read could return
 * more than matches (lookups), and with the join's other conditions. NULL never matches.
 * An empty outer input ends a join without reading its inner side.
 */
import { compareValues } from '../eval/compare.js';
import type { CompareEnv } from '../eval/compare.js';
import { toText } from '../eval/convert.js';
import type { SqlValue } from '../eval/value.js';
import { keyNormalizer } from './hash-key.js';
import type { KeyNormalizer } from './hash-key.js';
import { LOOKUP_OUTER_ROWS_MAX } from './join-plan.js';
import type { JoinNode, PlanNode, Predicate, ScanNode } from './join-plan.js';

export type Row = SqlValue[];

export type JoinRequest =
  | { readonly kind: 'scan'; readonly node: ScanNode }
  | {
      readonly kind: 'lookup';
      readonly node: JoinNode;
      /** Distinct key tuples (one value per lookup part, none NULL). */
      readonly tuples: readonly (readonly SqlValue[])[];
    };

export type JoinAnswer =
  /** The leaf's rows (unfiltered; the executor applies the scan's filters). */
  | { readonly kind: 'rows'; readonly rows: readonly Row[] }
  /** The inner rows stored under each tuple's key, in tuple order. */
  | { readonly kind: 'perTuple'; readonly rows: readonly (readonly Row[])[] }
  /** A value could not be a key of its column: read and hash instead. */
  | { readonly kind: 'fallback' };

export function* runPlan(
  node: PlanNode,
  cmp: CompareEnv,
): Generator<JoinRequest, Row[], JoinAnswer> {
  switch (node.kind) {
    case 'scan': {
      const answer = yield { kind: 'scan', node };
      if (answer.kind !== 'rows') throw new Error(`a scan answered ${answer.kind}`);
      return keep(answer.rows, node.filters);
    }
    case 'filter':
      return keep(yield* runPlan(node.input, cmp), node.filters);
    case 'join':
      return yield* runJoin(node, cmp);
  }
}

function keep(rows: readonly Row[], filters: readonly Predicate[]): Row[] {
  if (filters.length === 0) return [...rows];
  return rows.filter((r) => filters.every((p) => p.test(r)));
}

function* runJoin(node: JoinNode, cmp: CompareEnv): Generator<JoinRequest, Row[], JoinAnswer> {
  const outer = yield* runPlan(node.outer, cmp);
  if (outer.length === 0) return [];
  let joined: Row[] | undefined;
  if (node.method === 'lookup' && outer.length <= LOOKUP_OUTER_ROWS_MAX) {
    joined = yield* lookupJoin(node, outer, cmp);
  }
  if (joined === undefined) {
    const inner = yield* runPlan(node.inner, cmp);
    joined = hashJoin(node, outer, inner, cmp);
  }
  return keep(joined, node.filters);
}

/** An index-lookup join; undefined when the caller asked to read and hash instead. */
function* lookupJoin(
  node: JoinNode,
  outer: readonly Row[],
  cmp: CompareEnv,
): Generator<JoinRequest, Row[] | undefined, JoinAnswer> {
  const lookup = node.lookup;
  const scan = node.inner;
  if (lookup === undefined || scan.kind !== 'scan') throw new Error('a lookup join without index');
  const tuples: SqlValue[][] = [];
  const tupleOf = new Map<string, number>();
  const rowTuple = outer.map((row) => {
    const values = lookup.parts.map((p) => p.value(row));
    if (values.some((v) => v === null)) return -1;
    const id = values.map(exactText).join('\u0000');
    let at = tupleOf.get(id);
    if (at === undefined) {
      at = tuples.length;
      tuples.push(values);
      tupleOf.set(id, at);
    }
    return at;
  });
  const answer = tuples.length === 0 ? undefined : yield { kind: 'lookup', node, tuples };
  if (answer?.kind === 'fallback') return undefined;
  if (answer !== undefined && answer.kind !== 'perTuple') {
    throw new Error(`a lookup answered ${answer.kind}`);
  }
  const found = (answer?.rows ?? []).map((rows) => keep(rows, scan.filters));
  const out: Row[] = [];
  outer.forEach((o, i) => {
    let matched = false;
    for (const r of found[rowTuple[i] ?? -1] ?? []) {
      const row = merge(o, r, node.inner.slots);
      if (keysHold(node, o, r, cmp) && node.conditions.every((p) => p.test(row))) {
        out.push(row);
        matched = true;
      }
    }
    if (!matched && node.type === 'left') out.push(o);
  });
  return out;
}

/** A text that differs whenever the values differ (kind and exact content). */
function exactText(v: SqlValue): string {
  if (v === null) return 'null';
  if (v.kind === 'binary') return `binary:${[...v.v].join(',')}`;
  if (v.kind === 'string') return `string:${v.collation.name}:${v.v}`;
  return `${v.kind}:${toText(v) ?? ''}`;
}

function keysHold(node: JoinNode, o: Row, r: Row, cmp: CompareEnv): boolean {
  return node.keys.every((k) => equal(k.outer.value(o), k.inner.value(r), cmp));
}

function equal(a: SqlValue, b: SqlValue, cmp: CompareEnv): boolean {
  return a !== null && b !== null && compareValues(a, b, cmp, '=') === 0;
}

function merge(outer: Row, inner: Row, slots: readonly (readonly [number, number])[]): Row {
  const row = outer.slice();
  for (const [start, end] of slots) for (let i = start; i < end; i++) row[i] = inner[i] ?? null;
  return row;
}

/** A hash join on the keys that have a normal form (a nested loop when none has). */
function hashJoin(
  node: JoinNode,
  outer: readonly Row[],
  inner: readonly Row[],
  cmp: CompareEnv,
): Row[] {
  const outerValues = node.keys.map((k) => outer.map((r) => k.outer.value(r)));
  const innerValues = node.keys.map((k) => inner.map((r) => k.inner.value(r)));
  const hashed: { index: number; normalize: KeyNormalizer }[] = [];
  const checked: number[] = [];
  node.keys.forEach((_, i) => {
    const normalize = keyNormalizer(outerValues[i] ?? [], innerValues[i] ?? []);
    if (normalize === undefined) checked.push(i);
    else hashed.push({ index: i, normalize });
  });
  const pairHolds = (oi: number, ii: number, row: Row) =>
    checked.every((k) => equal(outerValues[k]?.[oi] ?? null, innerValues[k]?.[ii] ?? null, cmp)) &&
    node.conditions.every((p) => p.test(row));
  const out: Row[] = [];
  const emit = (oi: number, ii: number): boolean => {
    const o = outer[oi];
    const r = inner[ii];
    if (o === undefined || r === undefined) return false;
    const row = merge(o, r, node.inner.slots);
    if (!pairHolds(oi, ii, row)) return false;
    out.push(row);
    return true;
  };
  if (hashed.length === 0) {
    outer.forEach((o, oi) => {
      let matched = false;
      for (let ii = 0; ii < inner.length; ii++) matched = emit(oi, ii) || matched;
      if (!matched && node.type === 'left') out.push(o);
    });
    return out;
  }
  const keyOf = (values: readonly (readonly SqlValue[])[], at: number): string | undefined => {
    let key = '';
    for (const { index, normalize } of hashed) {
      const v = values[index]?.[at] ?? null;
      if (v === null) return undefined;
      const part = normalize(v);
      key += `${part.length}:${part}`;
    }
    return key;
  };
  // An inner join hashes its smaller input; a LEFT JOIN its nullable side, probing with each
  // preserved row so an unmatched one is kept once.
  const buildInner = node.type === 'left' || inner.length <= outer.length;
  const [buildValues, buildCount] = buildInner
    ? [innerValues, inner.length]
    : [outerValues, outer.length];
  const table = new Map<string, number[]>();
  for (let i = 0; i < buildCount; i++) {
    const key = keyOf(buildValues, i);
    if (key === undefined) continue;
    const list = table.get(key);
    if (list === undefined) table.set(key, [i]);
    else list.push(i);
  }
  if (buildInner) {
    outer.forEach((o, oi) => {
      let matched = false;
      const key = keyOf(outerValues, oi);
      for (const ii of key === undefined ? [] : (table.get(key) ?? [])) {
        matched = emit(oi, ii) || matched;
      }
      if (!matched && node.type === 'left') out.push(o);
    });
  } else {
    for (let ii = 0; ii < inner.length; ii++) {
      const key = keyOf(innerValues, ii);
      for (const oi of key === undefined ? [] : (table.get(key) ?? [])) emit(oi, ii);
    }
  }
  return out;
}
