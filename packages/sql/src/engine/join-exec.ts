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
 *
 * Cooperative and bounded (statement-work.ts): every loop whose length scales with its inputs
 * (filters, key computation, build, probe, every pair of a nested loop) counts its rows on the
 * statement's `StatementWork` and yields a `Pause` request once a slice is full — the caller
 * lets the event loop run and checks for KILL there, or (in memory, inside an expression) only
 * checks for KILL. Every joined row is charged to the statement's memory limit as it is made.
 */
import { compareValues } from '../eval/compare.js';
import type { CompareEnv } from '../eval/compare.js';
import { toText } from '../eval/convert.js';
import type { SqlValue } from '../eval/value.js';
import { keyNormalizer } from './hash-key.js';
import type { KeyNormalizer } from './hash-key.js';
import { LOOKUP_OUTER_ROWS_MAX } from './join-plan.js';
import type { JoinNode, PlanNode, Predicate, ScanNode } from './join-plan.js';
import { PAUSE } from './statement-work.js';
import type { Cooperative, Pause, StatementWork } from './statement-work.js';

export type Row = SqlValue[];

export type JoinRequest =
  /** A slice of work is done: let the event loop run (answer: 'resumed'). */
  | Pause
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
  | { readonly kind: 'fallback' }
  /** The answer to a Pause. */
  | { readonly kind: 'resumed' };

export const RESUMED: JoinAnswer = { kind: 'resumed' };

type Exec<T> = Generator<JoinRequest, T, JoinAnswer>;

/**
 * Runs `node`. Rows a scan answers are charged to `work` by the caller that read them; the
 * rows joins make are charged here.
 */
export function* runPlan(node: PlanNode, cmp: CompareEnv, work: StatementWork): Exec<Row[]> {
  switch (node.kind) {
    case 'scan': {
      const answer = yield { kind: 'scan', node };
      if (answer.kind !== 'rows') throw new Error(`a scan answered ${answer.kind}`);
      return yield* keep(answer.rows, node.filters, work);
    }
    case 'filter':
      return yield* keep(yield* runPlan(node.input, cmp, work), node.filters, work);
    case 'join':
      return yield* runJoin(node, cmp, work);
  }
}

function* keep(
  rows: readonly Row[],
  filters: readonly Predicate[],
  work: StatementWork,
): Cooperative<Row[]> {
  if (filters.length === 0) return [...rows];
  const out: Row[] = [];
  for (const r of rows) {
    if (work.step()) yield PAUSE;
    if (filters.every((p) => p.test(r))) out.push(r);
  }
  return out;
}

function* runJoin(node: JoinNode, cmp: CompareEnv, work: StatementWork): Exec<Row[]> {
  const outer = yield* runPlan(node.outer, cmp, work);
  if (outer.length === 0) return [];
  let joined: Row[] | undefined;
  if (node.method === 'lookup' && outer.length <= LOOKUP_OUTER_ROWS_MAX) {
    joined = yield* lookupJoin(node, outer, cmp, work);
  }
  if (joined === undefined) {
    const inner = yield* runPlan(node.inner, cmp, work);
    joined = yield* hashJoin(node, outer, inner, cmp, work);
  }
  return yield* keep(joined, node.filters, work);
}

/** An index-lookup join; undefined when the caller asked to read and hash instead. */
function* lookupJoin(
  node: JoinNode,
  outer: readonly Row[],
  cmp: CompareEnv,
  work: StatementWork,
): Exec<Row[] | undefined> {
  const lookup = node.lookup;
  const scan = node.inner;
  if (lookup === undefined || scan.kind !== 'scan') throw new Error('a lookup join without index');
  const tuples: SqlValue[][] = [];
  const tupleOf = new Map<string, number>();
  const rowTuple: number[] = [];
  for (const row of outer) {
    if (work.step()) yield PAUSE;
    const values = lookup.parts.map((p) => p.value(row));
    if (values.some((v) => v === null)) {
      rowTuple.push(-1);
      continue;
    }
    const id = values.map(exactText).join('\u0000');
    let at = tupleOf.get(id);
    if (at === undefined) {
      at = tuples.length;
      tuples.push(values);
      tupleOf.set(id, at);
    }
    rowTuple.push(at);
  }
  const answer = tuples.length === 0 ? undefined : yield { kind: 'lookup', node, tuples };
  if (answer?.kind === 'fallback') return undefined;
  if (answer !== undefined && answer.kind !== 'perTuple') {
    throw new Error(`a lookup answered ${answer.kind}`);
  }
  const found: Row[][] = [];
  for (const rows of answer?.rows ?? []) found.push(yield* keep(rows, scan.filters, work));
  const out: Row[] = [];
  for (let i = 0; i < outer.length; i++) {
    const o = outer[i];
    if (o === undefined) continue;
    let matched = false;
    for (const r of found[rowTuple[i] ?? -1] ?? []) {
      if (work.step()) yield PAUSE;
      const row = merge(o, r, node.inner.slots);
      if (keysHold(node, o, r, cmp) && node.conditions.every((p) => p.test(row))) {
        work.holdShell(row);
        out.push(row);
        matched = true;
      }
    }
    if (!matched && node.type === 'left') out.push(o);
  }
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
function* hashJoin(
  node: JoinNode,
  outer: readonly Row[],
  inner: readonly Row[],
  cmp: CompareEnv,
  work: StatementWork,
): Exec<Row[]> {
  const outerValues: SqlValue[][] = [];
  const innerValues: SqlValue[][] = [];
  for (const k of node.keys) {
    const o: SqlValue[] = [];
    for (const r of outer) {
      if (work.step()) yield PAUSE;
      o.push(k.outer.value(r));
    }
    const i: SqlValue[] = [];
    for (const r of inner) {
      if (work.step()) yield PAUSE;
      i.push(k.inner.value(r));
    }
    outerValues.push(o);
    innerValues.push(i);
  }
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
    work.holdShell(row);
    out.push(row);
    return true;
  };
  if (hashed.length === 0) {
    for (let oi = 0; oi < outer.length; oi++) {
      let matched = false;
      for (let ii = 0; ii < inner.length; ii++) {
        if (work.step()) yield PAUSE;
        matched = emit(oi, ii) || matched;
      }
      const o = outer[oi];
      if (!matched && node.type === 'left' && o !== undefined) out.push(o);
    }
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
    if (work.step()) yield PAUSE;
    const key = keyOf(buildValues, i);
    if (key === undefined) continue;
    const list = table.get(key);
    if (list === undefined) table.set(key, [i]);
    else list.push(i);
  }
  if (buildInner) {
    for (let oi = 0; oi < outer.length; oi++) {
      if (work.step()) yield PAUSE;
      let matched = false;
      const key = keyOf(outerValues, oi);
      for (const ii of key === undefined ? [] : (table.get(key) ?? [])) {
        if (work.step()) yield PAUSE;
        matched = emit(oi, ii) || matched;
      }
      const o = outer[oi];
      if (!matched && node.type === 'left' && o !== undefined) out.push(o);
    }
  } else {
    for (let ii = 0; ii < inner.length; ii++) {
      if (work.step()) yield PAUSE;
      const key = keyOf(innerValues, ii);
      for (const oi of key === undefined ? [] : (table.get(key) ?? [])) {
        if (work.step()) yield PAUSE;
        emit(oi, ii);
      }
    }
  }
  return out;
}
