// Aggregate state machines. The executor groups rows and feeds each group's argument values to
// one state per aggregate call (`add`), then reads `result()`; partial states from several
// slices are combined with `merge` (a distributed GROUP BY). Evaluating the arguments, ORDER BY
// inside GROUP_CONCAT and grouping itself are the executor's; these only accumulate, with
// MySQL's result types:
//
//   COUNT(*), COUNT(x…), COUNT(DISTINCT x…)  BIGINT; rows with a NULL argument do not count
//   SUM(x)      exact input → DECIMAL (an integer sum is DECIMAL too); DOUBLE/strings → DOUBLE
//   AVG(x)      exact input → DECIMAL with scale + div_precision_increment; else DOUBLE
//   MIN/MAX     by the comparison rules of compare.ts, NULLs skipped
//   GROUP_CONCAT  joined with the separator (default ','), cut at @@group_concat_max_len bytes
//               with warning 1260
//   BIT_AND/OR/XOR  BIGINT UNSIGNED (BIT_AND of nothing is 18446744073709551615)
//
// DISTINCT compares values as GROUP BY does: strings by collation sort key ('a' = 'A' under
// _ci), numbers by value (1 = 1.0).
//
// Partial states cross nodes as values (scan pushdown, src/pushdown/): `exportState()` gives a
// state as SqlValues (value-codec.ts turns them into bytes) and `importAggregateState` makes a
// state of the same call from them, which `merge` accepts. COUNT, SUM, AVG, MIN, MAX and BIT_*
// export; DISTINCT and GROUP_CONCAT states do not (their partial form is the values or text
// themselves, so they are not pushed down).

import type { FuncCall } from '../ast.js';
import { sortKey } from '../encoding/key-codec.js';
import { compareEnv, compareValues } from './compare.js';
import type { EvalContext } from './context.js';
import {
  DECIMAL_SCALE_MAX,
  DIV_PRECISION_INCREMENT,
  type Decimal,
  decimalAdd,
  decimalDiv,
  decimalToString,
  trimScale,
} from './decimal.js';
import {
  numericToDecimal,
  numericToDouble,
  toBytes,
  toNumeric,
  toText,
  toUint,
} from './convert.js';
import { SqlEvalError, warning } from './errors.js';
import {
  type SqlValue,
  Coercibility,
  UINT64_MAX,
  decimal,
  double,
  int,
  str,
  uint,
} from './value.js';

export interface AggregateState {
  /** One row's argument values (already evaluated, in argument order). */
  add(args: readonly SqlValue[]): void;
  /** Folds another state of the same aggregate into this one. */
  merge(other: AggregateState): void;
  result(): SqlValue;
  /**
   * The state as values, for `importAggregateState`. Throws for DISTINCT and GROUP_CONCAT
   * states, which have no partial form.
   */
  exportState(): SqlValue[];
}

export interface AggregateSpec {
  /** COUNT, SUM, AVG, MIN, MAX, GROUP_CONCAT, BIT_AND, BIT_OR, BIT_XOR. */
  readonly name: string;
  readonly star?: boolean;
  readonly distinct?: boolean;
  readonly separator?: string;
}

/** A fresh state for an aggregate call of the parser's AST. */
export function createAggregate(spec: AggregateSpec | FuncCall, ctx: EvalContext): AggregateState {
  const distinct = spec.distinct === true ? new DistinctFilter() : undefined;
  switch (spec.name) {
    case 'COUNT':
      return new CountState(spec.star === true, distinct);
    case 'SUM':
      return new SumState(ctx, distinct, false);
    case 'AVG':
      return new SumState(ctx, distinct, true);
    case 'MIN':
      return new ExtremeState(ctx, -1);
    case 'MAX':
      return new ExtremeState(ctx, 1);
    case 'GROUP_CONCAT':
      return new GroupConcatState(ctx, spec.separator ?? ',', distinct);
    case 'BIT_AND':
      return new BitState(ctx, 'and');
    case 'BIT_OR':
      return new BitState(ctx, 'or');
    case 'BIT_XOR':
      return new BitState(ctx, 'xor');
    default:
      throw new SqlEvalError(
        'notSupported',
        `This version of MySQL doesn't yet support '${spec.name}'`,
      );
  }
}

/**
 * A state of `spec` holding what `exportState()` of such a state gave (in another process,
 * possibly): `merge` it into the state that accumulates the call. Throws an Error when
 * `exported` is not the shape that call's state exports (bytes from elsewhere are checked).
 */
export function importAggregateState(
  spec: AggregateSpec | FuncCall,
  ctx: EvalContext,
  exported: readonly SqlValue[],
): AggregateState {
  const state = createAggregate(spec, ctx);
  if (!(state instanceof ExportableState)) {
    throw new Error(
      `${spec.name}${spec.distinct === true ? ' DISTINCT' : ''} has no partial state`,
    );
  }
  state.importState(exported);
  return state;
}

/** A state with a partial form (everything but DISTINCT and GROUP_CONCAT). */
abstract class ExportableState implements AggregateState {
  abstract add(args: readonly SqlValue[]): void;
  abstract merge(other: AggregateState): void;
  abstract result(): SqlValue;
  abstract exportState(): SqlValue[];
  /** Takes the state `exportState` described; throws on any other shape. */
  abstract importState(exported: readonly SqlValue[]): void;
}

function badState(name: string, exported: readonly SqlValue[]): Error {
  return new Error(
    `not a partial ${name} state: [${exported.map((v) => (v === null ? 'NULL' : v.kind)).join(', ')}]`,
  );
}

function noPartialState(name: string): Error {
  return new Error(`${name} has no partial state`);
}

/** The key two values share when DISTINCT / GROUP BY calls them equal. */
export function distinctKey(v: SqlValue): string {
  if (v === null) return 'n';
  switch (v.kind) {
    case 'string':
      return 's' + sortKey(v.v, v.collation);
    case 'binary':
      return 'b' + [...v.v].map((b) => b.toString(16).padStart(2, '0')).join('');
    case 'int':
    case 'uint':
      return 'd' + v.v.toString();
    case 'decimal':
      return 'd' + decimalToString(trimScale(v.v));
    case 'double':
      return Number.isInteger(v.v) && Math.abs(v.v) < 2 ** 53
        ? 'd' + String(v.v)
        : 'f' + String(v.v);
    case 'date':
    case 'datetime':
    case 'timestamp':
    case 'time':
    case 'year':
    case 'json':
      return v.kind.charAt(0) + (toText(v) ?? '');
  }
}

class DistinctFilter {
  private readonly seen = new Set<string>();
  /** Whether this tuple is new (and remembers it). */
  admit(args: readonly SqlValue[]): boolean {
    const key = args.map(distinctKey).join('\u0000');
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }
  mergeKeys(other: DistinctFilter): void {
    for (const k of other.seen) this.seen.add(k);
  }
}

class CountState extends ExportableState {
  private count = 0n;
  constructor(
    private readonly star: boolean,
    private readonly distinct: DistinctFilter | undefined,
  ) {
    super();
  }
  add(args: readonly SqlValue[]): void {
    if (!this.star && args.some((a) => a === null)) return;
    if (this.distinct !== undefined && !this.distinct.admit(args)) return;
    this.count++;
  }
  merge(other: AggregateState): void {
    // DISTINCT counts cannot be added across slices: the executor merges DISTINCT inputs.
    if (!(other instanceof CountState) || this.distinct !== undefined) throw new Error('bad merge');
    this.count += other.count;
  }
  result(): SqlValue {
    return int(this.count);
  }
  exportState(): SqlValue[] {
    if (this.distinct !== undefined) throw noPartialState('COUNT(DISTINCT)');
    return [int(this.count)];
  }
  importState(exported: readonly SqlValue[]): void {
    const [n] = exported;
    if (this.distinct !== undefined) throw noPartialState('COUNT(DISTINCT)');
    if (exported.length !== 1 || n?.kind !== 'int' || n.v < 0n) throw badState('COUNT', exported);
    this.count = n.v;
  }
}

class SumState extends ExportableState {
  private exact: Decimal = { coef: 0n, scale: 0 };
  private approx = 0;
  private isDouble = false;
  private count = 0n;
  constructor(
    private readonly ctx: EvalContext,
    private readonly distinct: DistinctFilter | undefined,
    private readonly average: boolean,
  ) {
    super();
  }
  add(args: readonly SqlValue[]): void {
    const v = args[0] ?? null;
    if (v === null) return;
    if (this.distinct !== undefined && !this.distinct.admit([v])) return;
    const n = toNumeric(v, this.ctx.warn.bind(this.ctx));
    if (n === null) return;
    this.count++;
    if (n.kind === 'double' || this.isDouble) {
      if (!this.isDouble) {
        this.isDouble = true;
        this.approx = Number(decimalToString(this.exact));
      }
      this.approx += numericToDouble(n);
    } else {
      this.exact = decimalAdd(this.exact, numericToDecimal(n));
    }
  }
  merge(other: AggregateState): void {
    if (!(other instanceof SumState) || this.distinct !== undefined) throw new Error('bad merge');
    if (other.count === 0n) return;
    if (this.isDouble || other.isDouble) {
      const mine = this.isDouble ? this.approx : Number(decimalToString(this.exact));
      const theirs = other.isDouble ? other.approx : Number(decimalToString(other.exact));
      this.isDouble = true;
      this.approx = mine + theirs;
    } else {
      this.exact = decimalAdd(this.exact, other.exact);
    }
    this.count += other.count;
  }
  result(): SqlValue {
    if (this.count === 0n) return null;
    if (!this.average) return this.isDouble ? double(this.approx) : decimal(this.exact);
    if (this.isDouble) return double(this.approx / Number(this.count));
    const scale = Math.min(this.exact.scale + DIV_PRECISION_INCREMENT, DECIMAL_SCALE_MAX);
    return decimal(decimalDiv(this.exact, { coef: this.count, scale: 0 }, scale));
  }
  /** [exact sum as DECIMAL, or the DOUBLE sum once a double was added; row count]. */
  exportState(): SqlValue[] {
    if (this.distinct !== undefined)
      throw noPartialState(this.average ? 'AVG(DISTINCT)' : 'SUM(DISTINCT)');
    return [this.isDouble ? double(this.approx) : decimal(this.exact), int(this.count)];
  }
  importState(exported: readonly SqlValue[]): void {
    const [sum, count] = exported;
    const name = this.average ? 'AVG' : 'SUM';
    if (this.distinct !== undefined) throw noPartialState(`${name}(DISTINCT)`);
    if (exported.length !== 2 || count?.kind !== 'int' || count.v < 0n) {
      throw badState(name, exported);
    }
    if (sum?.kind === 'double') {
      this.isDouble = true;
      this.approx = sum.v;
    } else if (sum?.kind === 'decimal') {
      this.isDouble = false;
      this.exact = sum.v;
    } else {
      throw badState(name, exported);
    }
    this.count = count.v;
  }
}

class ExtremeState extends ExportableState {
  private best: SqlValue = null;
  constructor(
    private readonly ctx: EvalContext,
    private readonly direction: 1 | -1,
  ) {
    super();
  }
  add(args: readonly SqlValue[]): void {
    const v = args[0] ?? null;
    if (v === null) return;
    if (
      this.best === null ||
      (compareValues(v, this.best, compareEnv(this.ctx)) ?? 0) * this.direction > 0
    ) {
      this.best = v;
    }
  }
  merge(other: AggregateState): void {
    if (!(other instanceof ExtremeState)) throw new Error('bad merge');
    this.add([other.best]);
  }
  result(): SqlValue {
    return this.best;
  }
  exportState(): SqlValue[] {
    return [this.best];
  }
  importState(exported: readonly SqlValue[]): void {
    if (exported.length !== 1) throw badState(this.direction < 0 ? 'MIN' : 'MAX', exported);
    this.best = exported[0] ?? null;
  }
}

class GroupConcatState implements AggregateState {
  private parts: string[] = [];
  private bytes = 0;
  private rows = 0;
  private cut = false;
  private binary = false;
  constructor(
    private readonly ctx: EvalContext,
    private readonly separator: string,
    private readonly distinct: DistinctFilter | undefined,
  ) {}
  add(args: readonly SqlValue[]): void {
    if (args.some((a) => a === null)) return;
    if (this.distinct !== undefined && !this.distinct.admit(args)) return;
    this.rows++;
    if (args.some((a) => a?.kind === 'binary')) this.binary = true;
    this.append(args.map((a) => toText(a) ?? '').join(''));
  }
  private append(piece: string): void {
    if (this.cut) return;
    const sep = this.parts.length > 0 ? this.separator : '';
    const next = sep + piece;
    const max = this.ctx.groupConcatMaxLen;
    const size = new TextEncoder().encode(next).length;
    if (this.bytes + size <= max) {
      this.parts.push(next);
      this.bytes += size;
      return;
    }
    // Cut at the byte limit without splitting a character.
    let room = max - this.bytes;
    let kept = '';
    for (const c of next) {
      const n = new TextEncoder().encode(c).length;
      if (n > room) break;
      kept += c;
      room -= n;
    }
    this.parts.push(kept);
    this.bytes = max - room;
    this.cut = true;
    this.ctx.warn(warning('cutValueGroupConcat', `Row ${this.rows} was cut by GROUP_CONCAT()`));
  }
  merge(other: AggregateState): void {
    if (!(other instanceof GroupConcatState)) throw new Error('bad merge');
    if (other.rows === 0) return;
    this.binary ||= other.binary;
    this.rows += other.rows;
    this.append(other.parts.join(''));
    this.cut ||= other.cut;
  }
  exportState(): SqlValue[] {
    throw noPartialState('GROUP_CONCAT');
  }
  result(): SqlValue {
    if (this.rows === 0) return null;
    const s = this.parts.join('');
    return this.binary
      ? { kind: 'binary', v: toBytes(str(s, this.ctx.collation)) ?? new Uint8Array() }
      : str(s, this.ctx.collation, Coercibility.implicit);
  }
}

class BitState extends ExportableState {
  private acc: bigint;
  constructor(
    private readonly ctx: EvalContext,
    private readonly op: 'and' | 'or' | 'xor',
  ) {
    super();
    this.acc = op === 'and' ? UINT64_MAX : 0n;
  }
  add(args: readonly SqlValue[]): void {
    const n = toUint(args[0] ?? null, this.ctx.warn.bind(this.ctx));
    if (n === null) return;
    this.fold(n);
  }
  private fold(n: bigint): void {
    this.acc = this.op === 'and' ? this.acc & n : this.op === 'or' ? this.acc | n : this.acc ^ n;
  }
  merge(other: AggregateState): void {
    if (!(other instanceof BitState)) throw new Error('bad merge');
    this.fold(other.acc);
  }
  result(): SqlValue {
    return uint(this.acc);
  }
  exportState(): SqlValue[] {
    return [uint(this.acc)];
  }
  importState(exported: readonly SqlValue[]): void {
    const [acc] = exported;
    if (exported.length !== 1 || acc?.kind !== 'uint')
      throw badState(`BIT_${this.op.toUpperCase()}`, exported);
    this.acc = acc.v;
  }
}
