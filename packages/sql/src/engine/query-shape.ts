/**
 * Statement shapes: the plan cache of COM_QUERY texts (session.ts), after TiDB's "non-prepared
 * plan cache". A query sent as text (`SELECT c FROM sbtest1 WHERE id=5017`, what mysql2's
 * `query`, most ORMs and sysbench without prepared statements send) is parsed as always, then
 * *parameterized*: the literals in safe positions of its conditions become `param` nodes and
 * their values are collected. Texts that differ only in those literals have one shape
 * (`SELECT c FROM sbtest1 WHERE id = ?` with one BIGINT parameter) and share one kept statement
 * object and its `QueryPlanCache` (select.ts): later runs execute that object with their own
 * parameter values, exactly as a prepared statement's EXECUTEs do.
 *
 *   text ─parse─► AST ─parameterize─► (shape key, parameterized AST, values)
 *                                          │
 *                 QueryShapeCache (LRU) ◄──┘ hit: the kept AST + QueryPlanCache, run with values
 *                                            miss: this AST kept, run with values
 *
 * What becomes a parameter — only where a parameter and the literal are indistinguishable to
 * every later layer, so the result (rows, their order, columns, warnings, errors) is the same:
 *   - number and string literals (plain, `N'x'`, or with a character set introducer) that are
 *     direct operands of a comparison (= <=> <> < <= > >=), of IN's list, of BETWEEN, or the
 *     operand / pattern of LIKE, in WHERE and ON — at the top of the condition or under
 *     AND / OR / XOR / NOT only — of every SELECT the statement runs: the statement itself, its
 *     set-operation branches, its derived tables, and the subqueries inside those conditions.
 *     Each value is the evaluator's own value of the literal in the session's context (kind,
 *     collation, coercibility), so evaluation is unchanged; the access-path chooser
 *     (access.ts) treats a parameter as the literal of its value (a string-valued one bounds
 *     no primary-key range, as a string literal does not).
 *   - Never: the select list, GROUP BY / ORDER BY (positions, and expressions matched against
 *     the select list), HAVING, LIMIT / OFFSET, arguments of functions, CASE, CAST or
 *     arithmetic (some are specialized on constants, and an error message may print them),
 *     the ESCAPE of LIKE, REGEXP patterns, row constructors; hex / bit literals (a number or a
 *     string by context), temporal literals, TRUE / FALSE and NULL (the access paths treat them
 *     apart from parameters).
 * What has no shape (runs as before, uncached): statements other than a SELECT with FROM or a
 * set operation (EXPLAIN, DML, SELECT without FROM ...), texts with `?` placeholders, texts
 * longer than `SHAPE_TEXT_MAX`, and shapes with more than `SHAPE_PARAMS_MAX` parameters.
 *
 * The shape key is the printed parameterized statement (format.ts; the printer round-trips —
 * roundtrip.test.ts — so equal prints mean equal statements up to positions), each parameter's kind (an INT and a
 * DECIMAL literal make different shapes; a string's collation and coercibility are part of it),
 * and the names of the select items without an alias (the result's column names are the text
 * as written, which the printer does not keep). The session adds the current database and the
 * settings the prepared cache keys on; the `QueryPlanCache` itself is keyed by the catalog
 * version as for prepared statements, so DDL and grants invalidate as there.
 */
import type {
  BetweenExpr,
  BinaryExpr,
  Expr,
  InListExpr,
  LikeExpr,
  NumberLiteral,
  OrderItem,
  Param,
  Query,
  Select,
  Statement,
  StringLiteral,
  TableRef,
} from '../ast.js';
import { formatSql } from '../format.js';
import type { EvalContext } from '../eval/context.js';
import { evaluate } from '../eval/evaluate.js';
import type { SqlValue } from '../eval/value.js';
import { QueryPlanCache } from './select.js';

/** Parameters a shape may have (TiDB's limit): a longer IN list runs uncached. */
export const SHAPE_PARAMS_MAX = 200;
/** Statement texts longer than this are not keyed (printing them costs more than it saves). */
export const SHAPE_TEXT_MAX = 16_384;
/** `tessera_plan_cache_size`: shapes a session keeps by default, and at most. */
export const PLAN_CACHE_SIZE_DEFAULT = 200;
export const PLAN_CACHE_SIZE_MAX = 10_000;

/** A query text's shape: its key, its parameterized statement, and this text's values. */
export interface QueryShape {
  readonly key: string;
  readonly statement: Query;
  readonly params: readonly SqlValue[];
}

/**
 * The shape of `parsed`, or undefined when it has none (see the header). `ectx` is the
 * session's context the statement runs in: each literal's value is what it evaluates to there.
 */
export function parameterize(
  parsed: { readonly statement: Statement; readonly text: string; readonly paramCount: number },
  ectx: EvalContext,
): QueryShape | undefined {
  const { statement } = parsed;
  if (parsed.paramCount > 0 || parsed.text.length > SHAPE_TEXT_MAX) return undefined;
  if (statement.kind !== 'union' && (statement.kind !== 'select' || statement.from.length === 0)) {
    return undefined;
  }
  const p = new Parameterizer(ectx);
  const shaped = p.query(statement);
  if (p.params.length > SHAPE_PARAMS_MAX) return undefined;
  const printed = formatSql(shaped);
  const names = p.names.map((n) => `${n.length}:${n}`).join('');
  return {
    key: `${printed.length}:${printed}|${p.signatures.join(',')}|${names}`,
    statement: shaped,
    params: p.params,
  };
}

const COMPARISONS: ReadonlySet<string> = new Set(['=', '<=>', '<>', '<', '<=', '>', '>=']);
const CONNECTIVES: ReadonlySet<string> = new Set(['AND', 'OR', 'XOR']);

/** A parameter's kind in the key: the value's kind, and a string's collation and coercibility. */
function signature(v: Exclude<SqlValue, null>): string {
  return v.kind === 'string' ? `string/${v.collation.name}/${v.coercibility}` : v.kind;
}

/**
 * Where an expression stands: a condition (WHERE / ON, or under AND / OR / XOR / NOT), a
 * direct operand of a comparison, or anywhere else.
 */
type Place = 'condition' | 'operand' | 'nested';

/** One statement's rewrite: a new tree where something changed, the same nodes elsewhere. */
class Parameterizer {
  readonly params: SqlValue[] = [];
  readonly signatures: string[] = [];
  /** The written text of every select item without an alias, in visiting order. */
  readonly names: string[] = [];

  constructor(private readonly ectx: EvalContext) {}

  query(q: Query): Query {
    if (q.kind === 'select') return this.select(q);
    const left = this.query(q.left);
    const right = this.query(q.right);
    return left === q.left && right === q.right ? q : { ...q, left, right };
  }

  private select(s: Select): Select {
    for (const item of s.columns) {
      if (item.kind === 'expr' && item.alias === undefined) this.names.push(item.source);
    }
    let from = s.from;
    for (let i = 0; i < s.from.length; i++) {
      const ref = s.from[i];
      const next = ref === undefined ? ref : this.tableRef(ref);
      if (next !== ref && next !== undefined) {
        if (from === s.from) from = s.from.slice();
        (from as TableRef[])[i] = next;
      }
    }
    const where = s.where === undefined ? undefined : this.visit(s.where, 'condition');
    return from === s.from && where === s.where ? s : { ...s, from, where };
  }

  private tableRef(ref: TableRef): TableRef {
    switch (ref.kind) {
      case 'table':
        return ref;
      case 'derived': {
        const query = this.query(ref.query);
        return query === ref.query ? ref : { ...ref, query };
      }
      case 'join': {
        const left = this.tableRef(ref.left);
        const right = this.tableRef(ref.right);
        const on = ref.on === undefined ? undefined : this.visit(ref.on, 'condition');
        return left === ref.left && right === ref.right && on === ref.on
          ? ref
          : { ...ref, left, right, on };
      }
    }
  }

  private visit(e: Expr, place: Place): Expr {
    switch (place) {
      case 'condition':
        return this.condition(e);
      case 'operand':
        return e.kind === 'number' || e.kind === 'string' ? (this.param(e) ?? e) : this.nested(e);
      case 'nested':
        return this.nested(e);
    }
  }

  /** `items` with each visited at `place`: the same array when none changed. */
  private list(items: readonly Expr[], place: Place): readonly Expr[] {
    let out: Expr[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item === undefined) continue;
      const next = this.visit(item, place);
      if (next !== item) {
        out ??= items.slice();
        out[i] = next;
      }
    }
    return out ?? items;
  }

  /** A WHERE / ON condition, or a conjunct / disjunct / negation of one. */
  private condition(e: Expr): Expr {
    if (e.kind === 'binary' && CONNECTIVES.has(e.op)) return this.binary(e, 'condition');
    if (e.kind === 'binary' && COMPARISONS.has(e.op)) return this.binary(e, 'operand');
    if (e.kind === 'unary' && (e.op === 'NOT' || e.op === '!')) {
      const operand = this.condition(e.operand);
      return operand === e.operand ? e : { ...e, operand };
    }
    if (e.kind === 'in' || e.kind === 'between' || e.kind === 'like') {
      return this.predicate(e, 'operand');
    }
    return this.nested(e);
  }

  private binary(e: BinaryExpr, place: Place): Expr {
    const left = this.visit(e.left, place);
    const right = this.visit(e.right, place);
    return left === e.left && right === e.right ? e : { ...e, left, right };
  }

  /** IN, BETWEEN or LIKE with its operands visited at `place` (never LIKE's ESCAPE). */
  private predicate(e: InListExpr | BetweenExpr | LikeExpr, place: Place): Expr {
    const operand = this.visit(e.operand, place);
    switch (e.kind) {
      case 'in': {
        const list = this.list(e.list, place);
        return operand === e.operand && list === e.list ? e : { ...e, operand, list };
      }
      case 'between': {
        const low = this.visit(e.low, place);
        const high = this.visit(e.high, place);
        return operand === e.operand && low === e.low && high === e.high
          ? e
          : { ...e, operand, low, high };
      }
      case 'like': {
        const pattern = this.visit(e.pattern, place);
        const escape = e.escape === undefined ? undefined : this.nested(e.escape);
        return operand === e.operand && pattern === e.pattern && escape === e.escape
          ? e
          : { ...e, operand, pattern, escape };
      }
    }
  }

  /** A number or string literal as a parameter holding its value (undefined: left as is). */
  private param(e: NumberLiteral | StringLiteral): Param | undefined {
    let value: SqlValue;
    try {
      value = evaluate(e, this.ectx);
    } catch {
      // Left as written: it fails (or not) at run time exactly as before.
      return undefined;
    }
    if (value === null) return undefined;
    const index = this.params.length;
    this.params.push(value);
    this.signatures.push(signature(value));
    return { kind: 'param', index };
  }

  /**
   * Any other expression: its literals stay as written; the conditions of the subqueries
   * inside it are parameterized (each subquery is a SELECT of its own).
   */
  private nested(e: Expr): Expr {
    switch (e.kind) {
      case 'number':
      case 'string':
      case 'hex':
      case 'bit':
      case 'bool':
      case 'null':
      case 'temporal':
      case 'param':
      case 'column':
      case 'userVar':
      case 'sysVar':
      case 'default':
        return e;
      case 'subquery':
      case 'exists': {
        const query = this.query(e.query);
        return query === e.query ? e : { ...e, query };
      }
      case 'inSubquery':
      case 'quantified': {
        const operand = this.nested(e.operand);
        const query = this.query(e.query);
        return operand === e.operand && query === e.query ? e : { ...e, operand, query };
      }
      case 'unary':
      case 'is':
      case 'cast':
      case 'convertUsing':
      case 'collate':
      case 'extract': {
        const operand = this.nested(e.operand);
        return operand === e.operand ? e : { ...e, operand };
      }
      case 'binary':
        return this.binary(e, 'nested');
      case 'assign': {
        const value = this.nested(e.value);
        return value === e.value ? e : { ...e, value };
      }
      case 'interval': {
        const value = this.nested(e.value);
        return value === e.value ? e : { ...e, value };
      }
      case 'like':
      case 'in':
      case 'between':
        return this.predicate(e, 'nested');
      case 'regexp': {
        const operand = this.nested(e.operand);
        const pattern = this.nested(e.pattern);
        return operand === e.operand && pattern === e.pattern ? e : { ...e, operand, pattern };
      }
      case 'case': {
        const operand = e.operand === undefined ? undefined : this.nested(e.operand);
        let whens = e.whens;
        for (let i = 0; i < e.whens.length; i++) {
          const w = e.whens[i];
          if (w === undefined) continue;
          const when = this.nested(w.when);
          const then = this.nested(w.then);
          if (when === w.when && then === w.then) continue;
          if (whens === e.whens) whens = e.whens.slice();
          (whens as { when: Expr; then: Expr }[])[i] = { when, then };
        }
        const otherwise = e.else === undefined ? undefined : this.nested(e.else);
        return operand === e.operand && whens === e.whens && otherwise === e.else
          ? e
          : { ...e, operand, whens, else: otherwise };
      }
      case 'row': {
        const items = this.list(e.items, 'nested');
        return items === e.items ? e : { ...e, items };
      }
      case 'call': {
        const args = this.list(e.args, 'nested');
        let orderBy = e.orderBy;
        if (e.orderBy !== undefined) {
          for (let i = 0; i < e.orderBy.length; i++) {
            const o = e.orderBy[i];
            if (o === undefined) continue;
            const expr = this.nested(o.expr);
            if (expr === o.expr) continue;
            if (orderBy === e.orderBy) orderBy = e.orderBy.slice();
            (orderBy as OrderItem[])[i] = { ...o, expr };
          }
        }
        return args === e.args && orderBy === e.orderBy ? e : { ...e, args, orderBy };
      }
    }
  }
}

/** One kept shape: the statement object every run of the shape executes, and its plans. */
export interface ShapeEntry {
  readonly statement: Query;
  readonly plans: QueryPlanCache;
  /** It has run once without error (until then an error drops it: no poisoned entries). */
  proven: boolean;
}

/**
 * A session's shapes, least recently used first out past `capacity` (0: nothing kept). Hits
 * and misses count the texts that had a shape (tests, SHOW STATUS).
 */
export class QueryShapeCache {
  private readonly entries = new Map<string, ShapeEntry>();
  hits = 0;
  misses = 0;

  constructor(private capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** Whether shapes are kept at all (`tessera_plan_cache_size` > 0). */
  get enabled(): boolean {
    return this.capacity > 0;
  }

  /** A new bound; the least recently used shapes past it are dropped. */
  resize(capacity: number): void {
    this.capacity = capacity;
    this.evict();
  }

  /**
   * The entry kept under `key` (now the most recent), or a new one holding `statement` (the
   * parameterized statement of the text that made the shape).
   */
  entryFor(key: string, statement: Query): ShapeEntry {
    const found = this.entries.get(key);
    if (found !== undefined) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    this.misses++;
    const entry: ShapeEntry = { statement, plans: new QueryPlanCache(), proven: false };
    this.entries.set(key, entry);
    this.evict();
    return entry;
  }

  /** Drops the entry kept under `key` if it is still `entry`. */
  forget(key: string, entry: ShapeEntry): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  private evict(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.capacity) return;
      this.entries.delete(key);
    }
  }
}
