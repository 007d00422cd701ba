/**
 * Join planning: the order in which a query's tables are joined, how each is read, and how
 * each join runs. Pure: it reads nothing. The executor (join-exec.ts) and EXPLAIN (explain.ts)
 * both take the plan made here, so EXPLAIN shows what runs.
 *
 * Input: a block — the tables of a FROM clause joined by commas, INNER / CROSS JOIN (flattened
 * into one set, their ON conditions with WHERE's conjuncts) and outer-join units (a LEFT or
 * RIGHT JOIN, planned inside as two blocks of their own) — and its conjuncts, each bound to the
 * tables it reads.
 *
 *   1. Each conjunct reading one unit alone filters that unit where it is read: a base table
 *      chooses its access path from them (access.ts: point get, batch get, index lookup, range,
 *      full scan). A conjunct with a subquery, or with anything random or assigning, is kept
 *      for the end of the block (it may not run early, or more than once per row).
 *   2. Order, greedily: start from the unit with the fewest estimated rows after its own
 *      filters, then repeatedly add, among the units joined to the set so far by an equality
 *      (`a.x = b.y`, sides reading disjoint units), the one giving the smallest estimated
 *      result; a cross product only when no unit is connected. Outer joins are never
 *      reordered across: a LEFT JOIN unit joins as a whole, its preserved side planned with the
 *      WHERE conjuncts that read only it, its nullable side with the ON conjuncts that read
 *      only it, and WHERE conjuncts reading the nullable side apply after the join.
 *   3. Each join is an index-lookup join when the new unit is a base table whose primary key or
 *      an index is fixed whole by equalities to the joined columns (and constants), the rows
 *      joined so far are few (≤ LOOKUP_OUTER_ROWS_MAX estimated) and fewer than the table's own
 *      read would return; else a hash join on the equalities; else a nested loop.
 *
 * Estimates: a base table holds the rows its replicas report (table-stats.ts: the record
 * counts of its slices' ranking replicas, through the catalog view), else TABLE_ROWS_GUESS
 * (no reports: engine tests, subqueries read in memory); a point get reads 1, a batch get its keys, a unique index fixed whole
 * 1; conditions keep the usual fractions (`=` 1/10, ranges 1/3, BETWEEN 1/9, others 1/2). A join
 * on a unique key of one side keeps at most the other side's rows. The estimates only choose
 * the order and the join method; results never depend on them.
 */
import type { Expr } from '../ast.js';
import type { EvalContext } from '../eval/context.js';
import { evaluate } from '../eval/evaluate.js';
import { formatExpr } from '../format.js';
import type { SqlValue } from '../eval/value.js';
import { chooseAccess, fixedColumns } from './access.js';
import type { Access } from './access.js';
import type { ResolvedIndex, ResolvedTable } from './tables.js';

/** Rows a table is assumed to hold (no statistics yet). */
export const TABLE_ROWS_GUESS = 1000;
/** An index-lookup join reads by key for at most this many outer rows, else scans and hashes. */
export const LOOKUP_OUTER_ROWS_MAX = 1000;

/** One table of a FROM clause; its columns sit at [start, start + width) of the joined rows. */
export interface PlanLeaf {
  readonly id: number;
  readonly alias: string;
  /** `db.table` of a base or system table, or the query of a derived table (for EXPLAIN). */
  readonly name: string;
  readonly start: number;
  readonly width: number;
  /** A base table: read by access path at run time, or from the statement's copy in memory. */
  readonly table: ResolvedTable | undefined;
  /** Rows the statement computes in memory (derived and system tables). */
  readonly derived: boolean;
}

/** One side of an equality conjunct: what it reads and how to evaluate it on a joined row. */
export interface KeySide {
  readonly leaves: ReadonlySet<number>;
  readonly value: (row: readonly SqlValue[]) => SqlValue;
  readonly text: string;
  /** When the side is a plain column of a base table. */
  readonly column?: { readonly leaf: number; readonly columnId: number };
}

/** A conjunct of WHERE or ON, bound and compiled against the joined rows. */
export interface Predicate {
  readonly text: string;
  /** The conjunct (absent for the column pairs of USING). */
  readonly expr: Expr | undefined;
  /** The leaves it reads (none: a constant, or only the enclosing query's columns). */
  readonly leaves: ReadonlySet<number>;
  /** No subquery, nothing random or assigning: may run early, and in any join order. */
  readonly plain: boolean;
  readonly test: (row: readonly SqlValue[]) => boolean;
  /** `a = b` whose sides read disjoint, non-empty sets of leaves. */
  readonly equality?: readonly [KeySide, KeySide];
}

export type Unit =
  | { readonly kind: 'leaf'; readonly leaf: PlanLeaf }
  | {
      readonly kind: 'outer';
      readonly preserved: Block;
      readonly nullable: Block;
      /** The ON conjuncts (USING pairs included). */
      readonly on: readonly Predicate[];
    };

export interface Block {
  readonly units: readonly Unit[];
  readonly predicates: readonly Predicate[];
}

interface NodeBase {
  readonly leaves: ReadonlySet<number>;
  /** Slot ranges [start, end) of the node's leaves in the joined rows. */
  readonly slots: readonly (readonly [number, number])[];
  /** Estimated rows out. */
  readonly rows: number;
}

export interface ScanNode extends NodeBase {
  readonly kind: 'scan';
  readonly leaf: PlanLeaf;
  /**
   * How the rows are found: an access path when the base table is read at run time; 'memory'
   * for rows the statement holds already (derived and system tables, and the tables of a
   * subquery, read whole at the snapshot before the query ran).
   */
  readonly access: Access | 'memory';
  readonly filters: readonly Predicate[];
  /** Estimated rows the access reads before the filters. */
  readonly readRows: number;
  /** The base table's rows, estimated (TABLE_ROWS_GUESS without statistics). */
  readonly tableRows: number;
}

export interface Lookup {
  /** PRIMARY or a secondary index, fixed whole. */
  readonly index: ResolvedIndex;
  /** Per index part: the key value from the outer row (or a constant). */
  readonly parts: readonly {
    readonly value: (outer: readonly SqlValue[]) => SqlValue;
    readonly text: string;
  }[];
}

export interface JoinNode extends NodeBase {
  readonly kind: 'join';
  readonly type: 'inner' | 'left';
  readonly method: 'hash' | 'lookup' | 'nested';
  /** The left input (the preserved side of a LEFT JOIN). */
  readonly outer: PlanNode;
  /** The right input (the nullable side); a ScanNode of a base table for a lookup join. */
  readonly inner: PlanNode;
  /** Equalities between the two inputs, oriented outer = inner. */
  readonly keys: readonly { readonly outer: KeySide; readonly inner: KeySide }[];
  /** Checked on each pair besides the keys (an inner join's conjuncts over both sides; ON). */
  readonly conditions: readonly Predicate[];
  /** Checked on each joined row (WHERE conjuncts reading a LEFT JOIN's nullable side). */
  readonly filters: readonly Predicate[];
  readonly lookup: Lookup | undefined;
}

export interface FilterNode extends NodeBase {
  readonly kind: 'filter';
  readonly input: PlanNode;
  readonly filters: readonly Predicate[];
}

export type PlanNode = ScanNode | JoinNode | FilterNode;

export interface PlanOptions {
  readonly ectx: EvalContext;
  /** Base tables are read from the statement's copy in memory (subqueries), not by key. */
  readonly inMemory: boolean;
  /**
   * A base table's rows, estimated (table-stats.ts: from the replicas' reported record
   * counts); undefined, or absent, for the fixed TABLE_ROWS_GUESS.
   */
  readonly rowsOf?: (table: ResolvedTable) => number | undefined;
}

/** The plan of a block (see the module comment). */
export function planBlock(block: Block, options: PlanOptions): PlanNode {
  const units = block.units;
  if (units.length === 0) throw new Error('a block without tables');
  const unitLeaves = units.map(leavesOfUnit);
  const unitsOf = (leaves: ReadonlySet<number>) => {
    const out = new Set<number>();
    unitLeaves.forEach((ls, i) => {
      for (const l of leaves) if (ls.has(l)) out.add(i);
    });
    return out;
  };
  const local: Predicate[][] = units.map(() => []);
  const constants: Predicate[] = [];
  const residual: Predicate[] = [];
  let pending: Predicate[] = [];
  for (const p of block.predicates) {
    if (!p.plain) {
      residual.push(p);
      continue;
    }
    const touched = [...unitsOf(p.leaves)];
    const [only] = touched;
    if (only === undefined) constants.push(p);
    else if (touched.length === 1) local[only]?.push(p);
    else pending.push(p);
  }
  const plans = units.map((u, i) => planUnit(u, local[i] ?? [], options));

  const remaining = new Set(units.map((_, i) => i));
  let first = 0;
  plans.forEach((p, i) => {
    if (p.rows < (plans[first]?.rows ?? Infinity)) first = i;
  });
  remaining.delete(first);
  let current = withFilters(at(plans, first), constants);
  while (remaining.size > 0) {
    let best: { unit: number; keys: Key[]; rows: number } | undefined;
    const connected = [...remaining].filter(
      (u) => keysBetween(current, at(plans, u), pending).length > 0,
    );
    for (const u of connected.length > 0 ? connected : [...remaining]) {
      const inner = at(plans, u);
      const keys = keysBetween(current, inner, pending);
      const rows = joinRows(current, inner, keys);
      if (
        best === undefined ||
        rows < best.rows ||
        (rows === best.rows && inner.rows < at(plans, best.unit).rows)
      ) {
        best = { unit: u, keys, rows };
      }
    }
    if (best === undefined) throw new Error('unreachable: no unit to join');
    remaining.delete(best.unit);
    const inner = at(plans, best.unit);
    const leaves = new Set([...current.leaves, ...inner.leaves]);
    const used = new Set(best.keys.map((k) => k.predicate));
    const conditions = pending.filter((p) => !used.has(p) && subset(p.leaves, leaves));
    pending = pending.filter((p) => !used.has(p) && !conditions.includes(p));
    current = joinNode('inner', current, inner, best.keys, conditions, [], options);
  }
  return withFilters(current, residual);
}

function at(plans: readonly PlanNode[], i: number): PlanNode {
  const p = plans[i];
  if (p === undefined) throw new Error(`no plan for unit ${i}`);
  return p;
}

function leavesOfUnit(u: Unit): Set<number> {
  if (u.kind === 'leaf') return new Set([u.leaf.id]);
  return new Set([...u.preserved.units, ...u.nullable.units].flatMap((x) => [...leavesOfUnit(x)]));
}

function subset(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function withFilters(node: PlanNode, filters: readonly Predicate[]): PlanNode {
  if (filters.length === 0) return node;
  const rows = node.rows * selectivityOf(filters);
  if (node.kind === 'scan') return { ...node, filters: [...node.filters, ...filters], rows };
  return { kind: 'filter', input: node, filters, leaves: node.leaves, slots: node.slots, rows };
}

function planUnit(unit: Unit, local: readonly Predicate[], options: PlanOptions): PlanNode {
  if (unit.kind === 'leaf') return scanNode(unit.leaf, local, options);
  // LEFT JOIN: WHERE conjuncts reading only the preserved side filter it first; ON conjuncts
  // reading only the nullable side filter that side; the rest of ON decides the matches.
  const preservedLeaves = new Set(unit.preserved.units.flatMap((u) => [...leavesOfUnit(u)]));
  const nullableLeaves = new Set(unit.nullable.units.flatMap((u) => [...leavesOfUnit(u)]));
  const pushed = local.filter((p) => subset(p.leaves, preservedLeaves));
  const after = local.filter((p) => !pushed.includes(p));
  const onNullable = unit.on.filter((p) => p.plain && subset(p.leaves, nullableLeaves));
  const onPairs = unit.on.filter((p) => !onNullable.includes(p));
  const outer = planBlock(
    { units: unit.preserved.units, predicates: [...unit.preserved.predicates, ...pushed] },
    options,
  );
  const inner = planBlock(
    { units: unit.nullable.units, predicates: [...unit.nullable.predicates, ...onNullable] },
    options,
  );
  const keys = keysBetween(outer, inner, onPairs);
  const used = new Set(keys.map((k) => k.predicate));
  return joinNode(
    'left',
    outer,
    inner,
    keys,
    onPairs.filter((p) => !used.has(p)),
    after,
    options,
  );
}

function scanNode(leaf: PlanLeaf, filters: readonly Predicate[], options: PlanOptions): ScanNode {
  const where = andOf(filters.flatMap((p) => (p.expr === undefined ? [] : [p.expr])));
  const chosen: Access | undefined =
    leaf.table === undefined ? undefined : chooseAccess(leaf.table, where, options.ectx);
  const tableRows =
    (leaf.table === undefined ? undefined : options.rowsOf?.(leaf.table)) ?? TABLE_ROWS_GUESS;
  const readRows = chosen === undefined ? tableRows : accessRows(chosen, tableRows);
  const rows = Math.min(readRows, tableRows * selectivityOf(filters));
  return {
    kind: 'scan',
    leaf,
    access: chosen === undefined || options.inMemory ? 'memory' : chosen,
    filters,
    leaves: new Set([leaf.id]),
    slots: [[leaf.start, leaf.start + leaf.width]],
    readRows,
    tableRows,
    rows,
  };
}

function andOf(exprs: readonly Expr[]): Expr | undefined {
  return exprs.reduce<Expr | undefined>(
    (a, b) => (a === undefined ? b : { kind: 'binary', op: 'AND', left: a, right: b }),
    undefined,
  );
}

/** Rows an access path reads, estimated. */
function accessRows(access: Access, tableRows: number): number {
  switch (access.kind) {
    case 'pointGet':
      return 1;
    case 'batchGet':
      return access.keys.length;
    case 'indexLookup': {
      const whole = access.values.length === access.index.index.parts.length;
      if (access.index.index.unique && whole) return 1;
      return Math.max(1, tableRows * 0.1 ** access.values.length);
    }
    case 'range':
      return tableRows / 3;
    case 'fullScan':
      return tableRows;
  }
}

function selectivityOf(filters: readonly Predicate[]): number {
  return filters.reduce((s, p) => s * (p.expr === undefined ? 0.1 : selectivity(p.expr)), 1);
}

/** The usual fixed fractions of rows a condition keeps (no statistics). */
const OPERATOR_SELECTIVITY: Readonly<Record<string, number>> = {
  '=': 0.1,
  '<=>': 0.1,
  '<>': 0.9,
  '<': 1 / 3,
  '<=': 1 / 3,
  '>': 1 / 3,
  '>=': 1 / 3,
};

function selectivity(e: Expr): number {
  if (e.kind === 'binary') {
    if (e.op === 'AND') return selectivity(e.left) * selectivity(e.right);
    if (e.op === 'OR') {
      const a = selectivity(e.left);
      const b = selectivity(e.right);
      return a + b - a * b;
    }
    return OPERATOR_SELECTIVITY[e.op] ?? 0.5;
  }
  if (e.kind === 'between') return e.not ? 8 / 9 : 1 / 9;
  if (e.kind === 'in') return e.not ? 0.9 : Math.min(0.5, 0.1 * e.list.length);
  if (e.kind === 'unary' && e.op === 'NOT') return 1 - selectivity(e.operand);
  return 0.5;
}

type Key = JoinNode['keys'][number] & { readonly predicate: Predicate };

/** The equalities among `predicates` with one side over `outer` and the other over `inner`. */
function keysBetween(outer: PlanNode, inner: PlanNode, predicates: readonly Predicate[]): Key[] {
  const keys: Key[] = [];
  for (const p of predicates) {
    if (!p.plain || p.equality === undefined) continue;
    const [a, b] = p.equality;
    if (subset(a.leaves, outer.leaves) && subset(b.leaves, inner.leaves)) {
      keys.push({ outer: a, inner: b, predicate: p });
    } else if (subset(b.leaves, outer.leaves) && subset(a.leaves, inner.leaves)) {
      keys.push({ outer: b, inner: a, predicate: p });
    }
  }
  return keys;
}

/** The rows of the base table a node reads, when it is one (the domain of its unique key). */
function baseRows(node: PlanNode): number {
  return node.kind === 'scan' ? node.tableRows : TABLE_ROWS_GUESS;
}

/** Estimated rows of joining `inner` to `outer` on `keys`. */
function joinRows(outer: PlanNode, inner: PlanNode, keys: readonly Key[]): number {
  if (keys.length === 0) return outer.rows * inner.rows;
  if (
    uniqueOn(
      inner,
      keys.map((k) => k.inner),
    )
  ) {
    return outer.rows * Math.min(1, inner.rows / baseRows(inner));
  }
  if (
    uniqueOn(
      outer,
      keys.map((k) => k.outer),
    )
  ) {
    return inner.rows * Math.min(1, outer.rows / baseRows(outer));
  }
  return Math.max(outer.rows, inner.rows);
}

/** Whether `sides` hold every column of a unique key (PRIMARY or UNIQUE) of one base table. */
function uniqueOn(node: PlanNode, sides: readonly KeySide[]): boolean {
  const table = tableOfLeaf(node, sides[0]?.column?.leaf);
  if (table === undefined) return false;
  const leaf = sides[0]?.column?.leaf;
  const columns = new Set(
    sides.flatMap((s) =>
      s.column !== undefined && s.column.leaf === leaf ? [s.column.columnId] : [],
    ),
  );
  return [table.primary, ...table.indexes].some(
    (r) => r.index.unique && r.index.parts.every((p) => columns.has(p.columnId)),
  );
}

function tableOfLeaf(node: PlanNode, leaf: number | undefined): ResolvedTable | undefined {
  if (leaf === undefined) return undefined;
  switch (node.kind) {
    case 'scan':
      return node.leaf.id === leaf ? node.leaf.table : undefined;
    case 'filter':
      return tableOfLeaf(node.input, leaf);
    case 'join':
      return tableOfLeaf(node.outer, leaf) ?? tableOfLeaf(node.inner, leaf);
  }
}

function joinNode(
  type: 'inner' | 'left',
  outer: PlanNode,
  inner: PlanNode,
  keys: readonly Key[],
  conditions: readonly Predicate[],
  filters: readonly Predicate[],
  options: PlanOptions,
): JoinNode {
  const lookup =
    options.inMemory ||
    inner.kind !== 'scan' ||
    outer.rows > LOOKUP_OUTER_ROWS_MAX ||
    outer.rows >= inner.readRows
      ? undefined
      : lookupFor(inner, keys, options.ectx);
  let rows = joinRows(outer, inner, keys) * selectivityOf(conditions);
  if (type === 'left') rows = Math.max(rows, outer.rows);
  rows *= selectivityOf(filters);
  return {
    kind: 'join',
    type,
    method: lookup !== undefined ? 'lookup' : keys.length > 0 ? 'hash' : 'nested',
    outer,
    inner,
    keys: keys.map(({ outer: o, inner: i }) => ({ outer: o, inner: i })),
    conditions,
    filters,
    lookup,
    leaves: new Set([...outer.leaves, ...inner.leaves]),
    slots: [...outer.slots, ...inner.slots],
    rows,
  };
}

/**
 * An index of `scan`'s table fixed whole by the keys' inner columns (and by constants among its
 * filters): PRIMARY first, then unique indexes, then the others.
 */
function lookupFor(scan: ScanNode, keys: readonly Key[], ectx: EvalContext): Lookup | undefined {
  const table = scan.leaf.table;
  if (table === undefined || keys.length === 0) return undefined;
  const constants = fixedColumns(
    andOf(scan.filters.flatMap((p) => (p.expr === undefined ? [] : [p.expr]))),
  );
  const indexes = [
    table.primary,
    ...table.indexes.filter((r) => r.index.unique),
    ...table.indexes.filter((r) => !r.index.unique),
  ];
  for (const index of indexes) {
    const parts: Lookup['parts'][number][] = [];
    for (const part of index.index.parts) {
      if (part.prefix !== undefined) break;
      const key = keys.find(
        (k) => k.inner.column?.leaf === scan.leaf.id && k.inner.column.columnId === part.columnId,
      );
      if (key !== undefined) {
        parts.push({ value: key.outer.value, text: key.outer.text });
        continue;
      }
      const column = table.columns.find((c) => c.id === part.columnId);
      const constant = column === undefined ? undefined : constants.get(column.name.toLowerCase());
      if (constant === undefined) break;
      let value: SqlValue;
      try {
        value = evaluate(constant, ectx);
      } catch {
        break;
      }
      parts.push({ value: () => value, text: formatExpr(constant) });
    }
    const byKey = parts.some((p) => keys.some((k) => k.outer.value === p.value));
    if (parts.length === index.index.parts.length && byKey) return { index, parts };
  }
  return undefined;
}
