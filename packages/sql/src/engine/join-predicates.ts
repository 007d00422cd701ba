/**
 * WHERE and ON conjuncts compiled into the planner's predicates (join-plan.ts): which tables
 * each reads, whether it may run early (`isPlain`), an equality's two sides as join keys, and
 * a test over joined rows (every table's columns at its own slots).
 */
import type { ColumnRef, Expr } from '../ast.js';
import { SqlSemanticError } from '../errors.js';
import { children } from '../eval/bind.js';
import type { Binding, ColumnInfo } from '../eval/bind.js';
import { compareEnv, sortCompare } from '../eval/compare.js';
import type { CompareEnv } from '../eval/compare.js';
import type { EvalContext } from '../eval/context.js';
import type { EvalWarning } from '../eval/errors.js';
import { toBool } from '../eval/convert.js';
import { evaluate } from '../eval/evaluate.js';
import type { SqlValue } from '../eval/value.js';
import { formatExpr } from '../format.js';
import type { KeySide, PlanLeaf, Predicate } from './join-plan.js';

/** What the compiler needs of a binding scope (select.ts's `Scope`). */
export interface PredicateScope {
  /** Its columns: its own first, then the enclosing queries'. */
  readonly infos: readonly ColumnInfo[];
  /** How many of `infos` are its own. */
  readonly ownWidth: number;
  /** An evaluation context reading the bound columns of `row()`. */
  context(binding: Binding, row: () => readonly SqlValue[]): EvalContext;
}

const EMPTY_ROW: readonly SqlValue[] = [];

/** Functions that may not run early or more than once per row (random, sleeping, assigning). */
const VOLATILE_FUNCTIONS = new Set([
  'RAND',
  'UUID',
  'UUID_SHORT',
  'SLEEP',
  'LAST_INSERT_ID',
  'GET_LOCK',
  'RELEASE_LOCK',
  'BENCHMARK',
  'RANDOM_BYTES',
]);

/** No subquery, no assignment, nothing volatile: may be evaluated early, in any join order. */
export function isPlain(e: Expr): boolean {
  if (e.kind === 'subquery' || e.kind === 'exists' || e.kind === 'inSubquery') return false;
  if (e.kind === 'quantified' || e.kind === 'assign') return false;
  if (e.kind === 'call' && VOLATILE_FUNCTIONS.has(e.name.toUpperCase())) return false;
  return children(e).every(isPlain);
}

/** Where a conjunct was bound: its scope, and the slot the scope's own columns start at. */
export interface BoundAt {
  readonly scope: PredicateScope;
  readonly binding: Binding;
  readonly start: number;
}

/**
 * Compiles conjuncts into predicates over joined rows. WHERE binds against the whole FROM; an
 * ON condition against its own join's columns, a contiguous range of the joined row: a plain
 * one reads the joined row through its slots shifted there, one holding a subquery evaluates
 * in its own scope over that range (its subquery's outer columns are the join's).
 */
export class PredicateCompiler {
  private readonly leafAt: number[] = [];
  private readonly width: number;
  private readonly shifted = new WeakMap<Binding, Binding>();

  constructor(
    readonly scope: PredicateScope,
    private readonly leaves: readonly PlanLeaf[],
    /** The statement's context, read when a predicate runs (a kept plan outlives one run). */
    private readonly ectx: () => EvalContext,
  ) {
    this.width = scope.ownWidth;
    for (const leaf of leaves) {
      for (let i = 0; i < leaf.width; i++) this.leafAt[leaf.start + i] = leaf.id;
    }
  }

  predicate(e: Expr, at: BoundAt): Predicate {
    const plain = isPlain(e);
    const value = this.evaluator(e, at, plain);
    const warn = (w: EvalWarning) => {
      this.ectx().warn(w);
    };
    let equality: Predicate['equality'];
    if (
      plain &&
      e.kind === 'binary' &&
      e.op === '=' &&
      e.left.kind !== 'row' &&
      e.right.kind !== 'row'
    ) {
      const left = this.leavesOf(e.left, at);
      const right = this.leavesOf(e.right, at);
      if (left.size > 0 && right.size > 0 && [...left].every((l) => !right.has(l))) {
        equality = [this.side(e.left, left, at), this.side(e.right, right, at)];
      }
    }
    return {
      // Printed only by EXPLAIN.
      get text() {
        return formatExpr(e);
      },
      expr: e,
      leaves: this.leavesOf(e, at),
      plain,
      test: (row) => toBool(value(row), warn) === true,
      ...(equality === undefined ? {} : { equality }),
    };
  }

  /** `JOIN ... USING (name)`: the two tables' columns of that name, non-NULL and equal. */
  using(
    name: string,
    left: readonly ColumnInfo[],
    right: readonly ColumnInfo[],
    start: number,
  ): Predicate {
    const find = (infos: readonly ColumnInfo[]) =>
      infos.findIndex((i) => i.name.toLowerCase() === name.toLowerCase());
    const l = find(left);
    const r = find(right);
    if (l < 0 || r < 0) {
      throw new SqlSemanticError(1054, '42S22', `Unknown column '${name}' in 'from clause'`);
    }
    const a = start + l;
    const b = start + left.length + r;
    // The comparison environment of the context the test runs in (made once per context).
    let cmpOf: EvalContext | undefined;
    let cmp: CompareEnv | undefined;
    const cmpNow = (): CompareEnv => {
      const ectx = this.ectx();
      if (cmp === undefined || cmpOf !== ectx) {
        cmpOf = ectx;
        cmp = compareEnv(ectx);
      }
      return cmp;
    };
    const sideAt = (slot: number): KeySide => {
      const info = this.scope.infos[slot];
      return {
        leaves: new Set([this.leafAt[slot] ?? -1]),
        value: (row) => row[slot] ?? null,
        text: `${info?.table ?? ''}.${info?.name ?? name}`,
        ...this.columnAt(slot),
      };
    };
    const sides = [sideAt(a), sideAt(b)] as const;
    return {
      text: `${sides[0].text} = ${sides[1].text}`,
      expr: undefined,
      leaves: new Set([this.leafAt[a] ?? -1, this.leafAt[b] ?? -1]),
      plain: true,
      test: (row) => {
        const x = row[a] ?? null;
        const y = row[b] ?? null;
        return x !== null && y !== null && sortCompare(x, y, cmpNow()) === 0;
      },
      equality: sides,
    };
  }

  private side(e: Expr, leaves: ReadonlySet<number>, at: BoundAt): KeySide {
    const slot = e.kind === 'column' ? this.slotOf(e, at) : undefined;
    return {
      leaves,
      value: this.evaluator(e, at, true),
      get text() {
        return formatExpr(e);
      },
      ...(slot === undefined ? {} : this.columnAt(slot)),
    };
  }

  private columnAt(slot: number): Pick<KeySide, 'column'> {
    const leaf = this.leaves[this.leafAt[slot] ?? -1];
    const column = leaf?.table?.columns[slot - leaf.start];
    return leaf === undefined || column === undefined
      ? {}
      : { column: { leaf: leaf.id, columnId: column.id } };
  }

  /** The slot of the joined row `ref` reads (undefined: an enclosing query's column). */
  private slotOf(ref: ColumnRef, at: BoundAt): number | undefined {
    const slot = at.binding.slots.get(ref);
    if (slot === undefined) return undefined;
    const own = at.scope.ownWidth;
    return slot < own ? slot + at.start : undefined;
  }

  private leavesOf(e: Expr, at: BoundAt): Set<number> {
    const out = new Set<number>();
    const visit = (x: Expr) => {
      if (x.kind === 'column') {
        const slot = this.slotOf(x, at);
        const leaf = slot === undefined ? undefined : this.leafAt[slot];
        if (leaf !== undefined) out.add(leaf);
      }
      for (const c of children(x)) visit(c);
    };
    visit(e);
    return out;
  }

  /** `e` evaluated over a joined row. */
  private evaluator(e: Expr, at: BoundAt, plain: boolean): (row: readonly SqlValue[]) => SqlValue {
    let current: readonly SqlValue[] = EMPTY_ROW;
    if (at.scope === this.scope || plain) {
      const ctx = this.scope.context(this.shift(at), () => current);
      return (row) => {
        current = row;
        return evaluate(e, ctx);
      };
    }
    const end = at.start + at.scope.ownWidth;
    const ctx = at.scope.context(at.binding, () => current);
    return (row) => {
      current = row.slice(at.start, end);
      return evaluate(e, ctx);
    };
  }

  /** `at`'s binding with its slots moved into the whole FROM's scope. */
  private shift(at: BoundAt): Binding {
    if (at.scope === this.scope) return at.binding;
    const known = this.shifted.get(at.binding);
    if (known !== undefined) return known;
    const own = at.scope.ownWidth;
    const slots = new Map<ColumnRef, number>();
    for (const [ref, slot] of at.binding.slots) {
      slots.set(ref, slot < own ? slot + at.start : slot - own + this.width);
    }
    const binding: Binding = { slots };
    this.shifted.set(at.binding, binding);
    return binding;
  }
}
