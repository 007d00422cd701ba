/**
 * The data node's half: the 'sql' scan processor. It compiles a program once (decode, parse
 * the expression list, check it is pushable, bind it to the shipped columns; the last
 * `cacheEntries` compiled programs are kept by their bytes, as the same program arrives once
 * per request and per slice) and runs it over the visible rows of one scan request:
 *
 *   row bytes ─ decodeRow ─▶ filters ─┬─ clean, all TRUE ─▶ rows | top-N heap | group states
 *                                     ├─ clean, some not TRUE ─▶ dropped
 *                                     └─ warned or threw ─▶ residual (sent back whole)
 *
 * **The residual rule.** Pushdown must not change results or warnings, and the gateway
 * applies every filter again. So a row is dropped only when every pushed conjunct evaluated
 * without a warning or an error (all of them: the gateway may evaluate them in another order)
 * and one is not TRUE. A row on which a filter, a sort key, a group key or an aggregate
 * argument warned or threw is sent back as it is stored, tagged `residual`, and the gateway
 * does all the work for it — so its warnings are raised once, there. A residual row also
 * closes every open group: groups are sent as segments in scan order, so merging the outputs
 * in order is adding the rows in order (the group's first row, and which of two equal MIN /
 * MAX values wins, come out as without pushdown).
 *
 * **Refusal at run time.** A few things cannot be decided per row and make `row()` throw (the
 * store answers `programRefused`; the gateway reads the range without a program):
 *   - ORDER BY keys, or MIN / MAX arguments, of values that compare as different types (text
 *     with a number; strings of different collations): their comparison warns, or depends on
 *     the order of comparisons;
 *   - a SUM / AVG argument that is not exact (a DOUBLE, text): float sums depend on the order
 *     of addition (the builder refuses such types; this guards what inference missed).
 *
 * Left open: a residual row's sort key or MIN / MAX argument is computed at the gateway; when
 * it is of another type than the pushed rows' (an expression whose type changes from row to
 * row), the gateway compares it with fewer rows than it would without pushdown, so a warning
 * such comparisons raise (text compared as a number) can come a different number of times.
 * MySQL converts such keys to one type first; Tessera's evaluator compares values as they come.
 *
 * Output per kind (output.ts): `rows` — each passing row (projected) and each residual row,
 * in scan order; the scan stops after `limit` passing rows. `topN` — the n first passing rows
 * by the keys (sortCompare, as the executor's ORDER BY; NULLs first ascending; equal keys keep
 * the earlier row) and every residual row, in scan order. `aggregate` — a group per segment
 * (first row projected, each call's exported state) and every residual row, in scan order.
 */
import type { ColumnRef, Expr, FuncCall } from '../ast.js';
import { type RowValue, decodeRowInto, projectRow } from '../encoding/row-codec.js';
import { fromRowValue } from '../engine/column-values.js';
import { type AggregateState, createAggregate, distinctKey } from '../eval/aggregates.js';
import { type ColumnInfo, bind } from '../eval/bind.js';
import { type CompareEnv, sortCompare } from '../eval/compare.js';
import { toBool } from '../eval/convert.js';
import type { EvalWarning } from '../eval/errors.js';
import { evaluate } from '../eval/evaluate.js';
import { partsFromEpochMicros } from '../eval/temporal.js';
import type { NonNullValue, SqlValue } from '../eval/value.js';
import type { ColumnSchema } from '../schema/definition.js';
import { parseExprList } from './builder.js';
import type { ScanProcessor, ScanProgramRun } from './contract.js';
import { aggregateNotPushable, notPushable } from './determinism.js';
import { groupOutput, rowOutput } from './output.js';
import { type ScanProgramData, decodeProgram } from './program.js';
import { NodeContext } from './settings.js';

/** A program the node will not run as it stands; the store answers `programRefused`. */
export class ProgramRefusedError extends Error {
  override readonly name = 'ProgramRefusedError';
}

/** How many compiled programs a processor keeps (by their bytes). */
export const PROGRAM_CACHE_ENTRIES = 64;

export interface SqlScanProcessor extends ScanProcessor {
  /** Programs compiled, and opens served from the cache (tests, metrics). */
  readonly stats: { readonly compiled: number; readonly cached: number };
}

/** The 'sql' processor: register it with the store that serves scans under SQL_PROCESSOR. */
export function sqlScanProcessor(
  options: { readonly cacheEntries?: number } = {},
): SqlScanProcessor {
  const limit = options.cacheEntries ?? PROGRAM_CACHE_ENTRIES;
  const cache = new Map<string, CompiledProgram>();
  const stats = { compiled: 0, cached: 0 };
  return {
    stats,
    open(program: Uint8Array): ScanProgramRun {
      const key = Buffer.from(program.buffer, program.byteOffset, program.byteLength).toString(
        'latin1',
      );
      let compiled = cache.get(key);
      if (compiled === undefined) {
        compiled = compile(program);
        stats.compiled++;
        if (cache.size >= limit) {
          const oldest = cache.keys().next();
          if (oldest.done !== true) cache.delete(oldest.value);
        }
      } else {
        stats.cached++;
        cache.delete(key);
      }
      cache.set(key, compiled);
      return new SqlProgramRun(compiled);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Compiling

type CallKind = 'count' | 'sum' | 'extreme' | 'bits';

interface CompiledProgram {
  readonly data: ScanProgramData;
  readonly filters: readonly Expr[];
  /** ORDER BY keys (topN) or GROUP BY expressions (aggregate). */
  readonly keys: readonly Expr[];
  readonly calls: readonly FuncCall[];
  readonly callKinds: readonly CallKind[];
  /** Every column reference's slot in `data.columns`. */
  readonly slots: ReadonlyMap<ColumnRef, number>;
  /** Column ids output rows keep; undefined: all. */
  readonly project: ReadonlySet<number> | undefined;
}

function compile(bytes: Uint8Array): CompiledProgram {
  const data = decodeProgram(bytes);
  const out = data.output;
  const keyCount =
    out.kind === 'topN' ? out.desc.length : out.kind === 'aggregate' ? out.groupBy : 0;
  const callCount = out.kind === 'aggregate' ? out.calls : 0;
  let exprs: Expr[];
  try {
    exprs = data.exprs === '' ? [] : parseExprList(data.exprs);
  } catch (error) {
    throw new ProgramRefusedError(
      `the program's expressions do not parse: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (exprs.length !== data.filters + keyCount + callCount) {
    throw new ProgramRefusedError(
      `the program holds ${exprs.length} expressions, not ${data.filters + keyCount + callCount}`,
    );
  }
  const filters = exprs.slice(0, data.filters);
  const keys = exprs.slice(data.filters, data.filters + keyCount);
  const calls: FuncCall[] = [];
  for (const e of [...filters, ...keys]) {
    const why = notPushable(e, data.params.length);
    if (why !== undefined) throw new ProgramRefusedError(`the program holds ${why}`);
  }
  for (const e of exprs.slice(data.filters + keyCount)) {
    const why = e.kind === 'call' ? aggregateNotPushable(e, data.params.length) : 'not a call';
    if (why !== undefined || e.kind !== 'call') {
      throw new ProgramRefusedError(`the program's aggregate: ${why ?? ''}`);
    }
    calls.push(e);
  }
  const infos: ColumnInfo[] = data.columns.map((c) => ({
    db: data.db,
    table: data.alias,
    name: c.name,
  }));
  const slots = new Map<ColumnRef, number>();
  const bindAll = (es: readonly Expr[], allowAggregates: boolean) => {
    for (const e of es) {
      for (const [ref, slot] of bind(e, infos, { allowAggregates }).slots) slots.set(ref, slot);
    }
  };
  bindAll([...filters, ...keys], false);
  bindAll(calls, true);
  return {
    data,
    filters,
    keys,
    calls,
    callKinds: calls.map(callKind),
    slots,
    project: data.project === undefined ? undefined : new Set(data.project),
  };
}

function callKind(call: FuncCall): CallKind {
  switch (call.name) {
    case 'COUNT':
      return 'count';
    case 'SUM':
    case 'AVG':
      return 'sum';
    case 'MIN':
    case 'MAX':
      return 'extreme';
    default:
      return 'bits';
  }
}

// ---------------------------------------------------------------------------------------------
// Running

/** A row's verdict under the filters. */
const Verdict = { pass: 0, drop: 1, residual: 2 } as const;
type Verdict = (typeof Verdict)[keyof typeof Verdict];

/**
 * The stored row being looked at: only the columns the program reads are decoded
 * (`decodeRowInto`), and each is turned into a value on first use.
 */
class RowReader {
  private readonly stored: (RowValue | undefined)[];
  private readonly slotOfId: ReadonlyMap<number, number>;
  private readonly values: SqlValue[];
  /** The row generation each slot's value was read in. */
  private readonly readIn: number[];
  private generation = 0;

  constructor(private readonly columns: readonly ColumnSchema[]) {
    this.stored = columns.map(() => undefined);
    this.slotOfId = new Map(columns.map((c, i) => [c.id, i]));
    this.values = columns.map(() => null);
    this.readIn = columns.map(() => -1);
  }

  /** Throws RowEncodingError for bytes that are not a row. */
  load(row: Uint8Array): void {
    this.generation++;
    decodeRowInto(row, this.slotOfId, this.stored);
  }

  value(slot: number): SqlValue {
    if (this.readIn[slot] === this.generation) return this.values[slot] ?? null;
    const column = this.columns[slot];
    if (column === undefined) throw new Error(`no column at slot ${slot}`);
    const v = fromRowValue(this.stored[slot], column);
    this.values[slot] = v;
    this.readIn[slot] = this.generation;
    return v;
  }
}

interface Output {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Top-N candidates: sort keys and the scan position that breaks their ties. */
interface Candidate {
  readonly seq: number;
  readonly keys: readonly SqlValue[];
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** The rows of one group since the last residual row. */
interface Segment {
  readonly kind: 'segment';
  readonly key: Uint8Array;
  readonly firstRow: Uint8Array;
  readonly states: readonly AggregateState[];
}

type AggregateOutput = Segment | (Output & { readonly kind: 'residual' });

/** What compares without a warning: values of one class (per key / per MIN-MAX call). */
function classOf(v: NonNullValue): string {
  switch (v.kind) {
    case 'int':
    case 'uint':
    case 'decimal':
    case 'double':
    case 'year':
      return 'number';
    case 'string':
      return 'text ' + v.collation.name;
    case 'binary':
      return v.hex === true ? 'hex' : 'bytes';
    case 'date':
    case 'datetime':
    case 'timestamp':
      return 'datetime';
    case 'time':
      return 'time';
    case 'json':
      return 'json';
  }
}

/** SUM / AVG inputs that convert to an exact number without a warning. */
function exactForSum(v: NonNullValue): boolean {
  switch (v.kind) {
    case 'int':
    case 'uint':
    case 'decimal':
    case 'year':
    case 'date':
    case 'datetime':
    case 'timestamp':
    case 'time':
      return true;
    case 'double':
    case 'string':
    case 'binary':
    case 'json':
      return false;
  }
}

class SqlProgramRun implements ScanProgramRun {
  private readonly ctx: NodeContext;
  /** `ctx.warn`, bound once. */
  private readonly warn: (w: EvalWarning) => void;
  private readonly reader: RowReader;
  private readonly cmp: CompareEnv;
  private readonly data: ScanProgramData;
  private seq = 0;
  private passed = 0;
  private finished = false;
  /** rows: outputs in scan order. */
  private readonly rows: Output[] = [];
  /** topN: a max-heap by sort order (the root sorts last); residual rows beside it. */
  private readonly heap: Candidate[] = [];
  private readonly residuals: (Output & { readonly seq: number })[] = [];
  /** topN keys / MIN-MAX arguments: the class the first non-NULL value set. */
  private readonly keyClasses: (string | undefined)[] = [];
  private readonly callClasses: (string | undefined)[] = [];
  /** aggregate: segments and residual rows in scan order; the segments still open by key. */
  private readonly aggregates: AggregateOutput[] = [];
  private readonly open = new Map<string, Segment>();

  constructor(private readonly program: CompiledProgram) {
    this.data = program.data;
    const reader = new RowReader(this.data.columns);
    const slots = program.slots;
    this.reader = reader;
    this.ctx = new NodeContext(this.data.settings, this.data.params, (ref) => {
      const slot = slots.get(ref);
      if (slot === undefined) throw new Error(`column ${ref.name} was not bound`);
      return reader.value(slot);
    });
    this.warn = this.ctx.warn.bind(this.ctx);
    const today = partsFromEpochMicros(
      this.data.settings.todayMicros,
      this.data.settings.timeZoneOffsetSeconds,
    );
    this.cmp = {
      warn: () => {
        throw new ProgramRefusedError('a comparison of ORDER BY or MIN / MAX values warned');
      },
      today,
    };
  }

  row(key: Uint8Array, value: Uint8Array): boolean {
    if (this.finished) throw new Error('row() after finish()');
    const seq = this.seq++;
    try {
      this.reader.load(value);
    } catch {
      // Not a row this node can read: the gateway reads it (and fails) as it would unpushed.
      this.residual(seq, key, rowOutput('residual', value));
      return false;
    }
    const verdict = this.filter();
    if (verdict === Verdict.drop) return false;
    if (verdict === Verdict.residual) {
      this.residual(seq, key, rowOutput('residual', this.projected(value)));
      return false;
    }
    const out = this.data.output;
    switch (out.kind) {
      case 'rows':
        this.rows.push({
          key: key.slice(),
          value: rowOutput('row', this.projected(value)),
        });
        this.passed++;
        return out.limit !== undefined && this.passed >= out.limit;
      case 'topN':
        this.topN(out.n, out.desc, seq, key, value);
        return false;
      case 'aggregate':
        this.aggregate(seq, key, value);
        return false;
    }
  }

  finish(): readonly Output[] {
    if (this.finished) throw new Error('finish() twice');
    this.finished = true;
    switch (this.data.output.kind) {
      case 'rows':
        return this.rows;
      case 'topN': {
        const kept = [...this.heap].sort((a, b) => a.seq - b.seq);
        const out: Output[] = [];
        let i = 0;
        for (const r of this.residuals) {
          while (i < kept.length && (kept[i]?.seq ?? Infinity) < r.seq) out.push(plain(kept[i++]));
          out.push(plain(r));
        }
        while (i < kept.length) out.push(plain(kept[i++]));
        return out;
      }
      case 'aggregate':
        return this.aggregates.map((a) =>
          a.kind === 'residual'
            ? plain(a)
            : {
                key: a.key,
                value: groupOutput(
                  a.firstRow,
                  a.states.map((s) => s.exportState()),
                ),
              },
        );
    }
  }

  // -- per row ---------------------------------------------------------------------------------

  /** Every conjunct evaluated; dropped only when all were clean and one is not TRUE. */
  private filter(): Verdict {
    const ctx = this.ctx;
    let pass = true;
    for (const f of this.program.filters) {
      ctx.clearWarned();
      let truth: boolean | null;
      try {
        truth = toBool(evaluate(f, ctx), this.warn);
      } catch {
        return Verdict.residual;
      }
      if (ctx.hasWarned()) return Verdict.residual;
      if (truth !== true) pass = false;
    }
    return pass ? Verdict.pass : Verdict.drop;
  }

  /** `e`'s value, or undefined when its evaluation warned or threw. */
  private clean(e: Expr): SqlValue | undefined {
    const ctx = this.ctx;
    ctx.clearWarned();
    let v: SqlValue;
    try {
      v = evaluate(e, ctx);
    } catch {
      return undefined;
    }
    return ctx.hasWarned() ? undefined : v;
  }

  private residual(seq: number, key: Uint8Array, value: Uint8Array): void {
    const out = { key: key.slice(), value };
    switch (this.data.output.kind) {
      case 'rows':
        this.rows.push(out);
        return;
      case 'topN':
        this.residuals.push({ ...out, seq });
        return;
      case 'aggregate':
        // Groups continue in new segments after it: merged in order, rows add in order.
        this.open.clear();
        this.aggregates.push({ ...out, kind: 'residual' });
        return;
    }
  }

  /** The stored row cut to the projected columns (a view of `value` when nothing is cut). */
  private projected(value: Uint8Array): Uint8Array {
    const keep = this.program.project;
    return keep === undefined ? value : (projectRow(value, keep) ?? value);
  }

  /** Class check: the first non-NULL value of a position sets it; another one refuses. */
  private sameClass(classes: (string | undefined)[], i: number, v: SqlValue, what: string): void {
    if (v === null) return;
    const c = classOf(v);
    const seen = classes[i];
    if (seen === undefined) classes[i] = c;
    else if (seen !== c) {
      throw new ProgramRefusedError(`${what} mixes ${seen} and ${c} values`);
    }
  }

  private topN(
    n: number,
    desc: readonly boolean[],
    seq: number,
    key: Uint8Array,
    value: Uint8Array,
  ): void {
    const keys: SqlValue[] = [];
    for (const k of this.program.keys) {
      const v = this.clean(k);
      if (v === undefined) {
        this.residual(seq, key, rowOutput('residual', this.projected(value)));
        return;
      }
      keys.push(v);
    }
    for (let i = 0; i < keys.length; i++) {
      this.sameClass(this.keyClasses, i, keys[i] ?? null, 'ORDER BY');
    }
    const heap = this.heap;
    if (heap.length >= n) {
      const worst = heap[0];
      // Equal keys keep the earlier row: a later one must sort strictly before the worst.
      if (worst === undefined || this.order(keys, worst.keys, desc) >= 0) return;
    }
    const candidate: Candidate = {
      seq,
      keys,
      key: key.slice(),
      value: rowOutput('row', this.projected(value)),
    };
    if (heap.length < n) {
      heap.push(candidate);
      this.siftUp(heap.length - 1, desc);
    } else {
      heap[0] = candidate;
      this.siftDown(0, desc);
    }
  }

  /** Sort order of two key tuples (the executor's ORDER BY comparison). */
  private order(a: readonly SqlValue[], b: readonly SqlValue[], desc: readonly boolean[]): number {
    for (let i = 0; i < desc.length; i++) {
      const c = sortCompare(a[i] ?? null, b[i] ?? null, this.cmp);
      if (c !== 0) return desc[i] === true ? -c : c;
    }
    return 0;
  }

  /** Whether candidate a sorts after b (keys, then scan position). */
  private after(a: Candidate, b: Candidate, desc: readonly boolean[]): boolean {
    const c = this.order(a.keys, b.keys, desc);
    return c !== 0 ? c > 0 : a.seq > b.seq;
  }

  private siftUp(at: number, desc: readonly boolean[]): void {
    const heap = this.heap;
    let i = at;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      const x = heap[i];
      if (p === undefined || x === undefined || !this.after(x, p, desc)) return;
      heap[parent] = x;
      heap[i] = p;
      i = parent;
    }
  }

  private siftDown(at: number, desc: readonly boolean[]): void {
    const heap = this.heap;
    let i = at;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      const lc = heap[l];
      const rc = heap[r];
      const tc = heap[top];
      if (lc !== undefined && tc !== undefined && this.after(lc, tc, desc)) top = l;
      const tc2 = heap[top];
      if (rc !== undefined && tc2 !== undefined && this.after(rc, tc2, desc)) top = r;
      if (top === i) return;
      const a = heap[i];
      const b = heap[top];
      if (a === undefined || b === undefined) return;
      heap[i] = b;
      heap[top] = a;
      i = top;
    }
  }

  private aggregate(seq: number, key: Uint8Array, value: Uint8Array): void {
    const residual = () => {
      this.residual(seq, key, rowOutput('residual', this.projected(value)));
    };
    let groupKey = '';
    const keys = this.program.keys;
    for (let i = 0; i < keys.length; i++) {
      const v = this.clean(keys[i] as Expr);
      if (v === undefined) {
        residual();
        return;
      }
      groupKey = i === 0 ? distinctKey(v) : groupKey + '\u0000' + distinctKey(v);
    }
    const calls = this.program.calls;
    const kinds = this.program.callKinds;
    const args: SqlValue[][] = [];
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i] as FuncCall;
      const values: SqlValue[] = [];
      if (call.star !== true) {
        for (const a of call.args) {
          const v = this.clean(a);
          if (v === undefined) {
            residual();
            return;
          }
          values.push(v);
        }
      }
      // BIT_* of anything but an integer may warn as it converts: the gateway adds it.
      const first = values[0] ?? null;
      if (kinds[i] === 'bits' && first !== null && first.kind !== 'int' && first.kind !== 'uint') {
        residual();
        return;
      }
      args.push(values);
    }
    for (let i = 0; i < calls.length; i++) {
      const first = args[i]?.[0] ?? null;
      if (first === null) continue;
      if (kinds[i] === 'sum' && !exactForSum(first)) {
        throw new ProgramRefusedError(`${(calls[i] as FuncCall).name} of a ${first.kind} value`);
      }
      if (kinds[i] === 'extreme') this.sameClass(this.callClasses, i, first, 'MIN / MAX');
    }
    let segment = this.open.get(groupKey);
    if (segment === undefined) {
      segment = {
        kind: 'segment',
        key: key.slice(),
        firstRow: this.projected(value).slice(),
        states: calls.map((c) => createAggregate(c, this.ctx)),
      };
      this.open.set(groupKey, segment);
      this.aggregates.push(segment);
    }
    const states = segment.states;
    for (let i = 0; i < states.length; i++) states[i]?.add(args[i] ?? []);
  }
}

function plain(o: Output | undefined): Output {
  if (o === undefined) throw new Error('missing output');
  return { key: o.key, value: o.value };
}
