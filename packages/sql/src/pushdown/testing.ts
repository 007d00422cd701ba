/**
 * Test helpers for pushdown (not exported from the package): a real table definition from
 * CREATE TABLE text and rows in the stored format, a simulated store that runs a program over
 * them request by request (as storage's program scan does: open, row… until the examine budget
 * or the program's stop, finish; a throw is `programRefused`), and two ways to answer the same
 * query — the reference (every row evaluated at the "gateway", as the executor does without
 * pushdown) and through the program (the gateway's part of the contract: outputs in scan
 * order, filters re-applied, residual rows fully evaluated, groups merged) — so tests compare
 * results and warnings.
 */
import type { Expr, FuncCall } from '../ast.js';
import { encodeRow, decodeRow, type RowValue } from '../encoding/row-codec.js';
import { fromRowValue } from '../engine/column-values.js';
import { type AggregateState, createAggregate, distinctKey } from '../eval/aggregates.js';
import { type ColumnInfo, bind } from '../eval/bind.js';
import { compareEnv, sortCompare } from '../eval/compare.js';
import { type EvalContext, createContext } from '../eval/context.js';
import { toBool, toText } from '../eval/convert.js';
import type { EvalWarning } from '../eval/errors.js';
import { evaluate } from '../eval/evaluate.js';
import { NOW_MICROS, seededRandom } from '../eval/testing.js';
import type { SqlValue } from '../eval/value.js';
import type { ColumnRef } from '../ast.js';
import { parseOne } from '../parser.js';
import { tableDefinitionFromCreate } from '../schema/create-table.js';
import type { TableDefinition } from '../schema/definition.js';
import {
  type PushdownOutput,
  type PushdownTable,
  buildScanProgram,
  parseExprList,
} from './builder.js';
import type { ScanProcessor } from './contract.js';
import { importGroupStates } from './index.js';
import { decodeScanOutput } from './output.js';
import { pushdownSettings } from './settings.js';

export interface StoredRow {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface TestTable {
  readonly definition: TableDefinition;
  readonly table: PushdownTable;
  readonly rows: readonly StoredRow[];
}

/** A table from CREATE TABLE text, rows given as stored values by column name. */
export function testTable(
  createSql: string,
  rows: readonly Readonly<Record<string, RowValue>>[],
): TestTable {
  const { statement } = parseOne(createSql);
  if (statement.kind !== 'createTable') throw new Error('not CREATE TABLE');
  const { definition } = tableDefinitionFromCreate(statement, {
    defaultCollation: 'utf8mb4_0900_ai_ci',
  });
  const byName = new Map(definition.columns.map((c) => [c.name, c.id]));
  const stored = rows.map((r, i) => {
    const values = new Map<number, RowValue>();
    for (const [name, v] of Object.entries(r)) {
      const id = byName.get(name);
      if (id === undefined) throw new Error(`no column ${name}`);
      values.set(id, v);
    }
    // Keys in scan order: the tests only need them distinct and ascending.
    return { key: Uint8Array.of(0x10, i >> 8, i & 0xff), value: encodeRow(values) };
  });
  return {
    definition,
    table: { columns: definition.columns, alias: 't', db: 'test', name: statement.table.name },
    rows: stored,
  };
}

/** A query over the test table, pieces as SQL text. */
export interface TestQuery {
  readonly where?: readonly string[];
  readonly params?: readonly SqlValue[];
  readonly project?: readonly string[];
  readonly output:
    | { readonly kind: 'rows'; readonly limit?: number }
    | { readonly kind: 'topN'; readonly keys: readonly [string, boolean][]; readonly n: number }
    | {
        readonly kind: 'aggregate';
        readonly groupBy: readonly string[];
        readonly calls: readonly string[];
      };
}

export interface Answer {
  /** Result rows printed (`kind:text` per value). */
  readonly rows: readonly string[];
  readonly warnings: readonly string[];
}

const show = (v: SqlValue): string => (v === null ? 'NULL' : `${v.kind}:${toText(v) ?? ''}`);
const showWarning = (w: EvalWarning): string => `${w.code} ${w.message}`;

/** The parsed pieces and a gateway context evaluating them over one row of the table. */
class Gateway {
  readonly where: Expr[];
  readonly keys: Expr[];
  readonly calls: FuncCall[];
  readonly ctx: EvalContext;
  readonly warnings: EvalWarning[] = [];
  readonly columnsShown: readonly number[];
  private current: readonly SqlValue[] = [];
  private readonly slots = new Map<ColumnRef, number>();

  constructor(
    readonly t: TestTable,
    readonly q: TestQuery,
  ) {
    const out = q.output;
    // One parse, as one statement: `?` are numbered across all the pieces.
    const where = q.where ?? [];
    const keys =
      out.kind === 'topN' ? out.keys.map(([k]) => k) : out.kind === 'aggregate' ? out.groupBy : [];
    const calls = out.kind === 'aggregate' ? out.calls : [];
    const texts = [...where, ...keys, ...calls];
    const all = texts.length === 0 ? [] : parseExprList(texts.join(', '));
    this.where = all.slice(0, where.length);
    this.keys = all.slice(where.length, where.length + keys.length);
    this.calls = all.slice(where.length + keys.length).map((e) => {
      if (e.kind !== 'call') throw new Error('not a call');
      return e;
    });
    const infos: ColumnInfo[] = t.table.columns.map((c) => ({
      db: 'test',
      table: 't',
      name: c.name,
    }));
    for (const e of [...this.where, ...this.keys, ...this.calls]) {
      for (const [ref, slot] of bind(e, infos, { allowAggregates: e.kind === 'call' }).slots) {
        this.slots.set(ref, slot);
      }
    }
    this.ctx = createContext({
      nowMicros: NOW_MICROS,
      random: seededRandom(1),
      warnings: this.warnings,
      params: q.params ?? [],
      columns: (ref) => this.current[this.slots.get(ref) ?? -1] ?? null,
    });
    const names = q.project;
    this.columnsShown =
      names === undefined
        ? t.table.columns.map((c) => c.id)
        : names.map((n) => t.table.columns.find((c) => c.name === n)?.id ?? -1);
  }

  /** A stored row as the executor reads it (every column). */
  decode(value: Uint8Array): SqlValue[] {
    const stored = decodeRow(value);
    return this.t.table.columns.map((c) => fromRowValue(stored.get(c.id), c));
  }

  load(row: readonly SqlValue[]): void {
    this.current = row;
  }

  /** WHERE as the executor applies it: conjuncts in order until one is not TRUE. */
  passes(): boolean {
    return this.where.every(
      (w) => toBool(evaluate(w, this.ctx), this.ctx.warn.bind(this.ctx)) === true,
    );
  }

  keyValues(): SqlValue[] {
    return this.keys.map((k) => evaluate(k, this.ctx));
  }

  groupKey(): string {
    return this.keyValues().map(distinctKey).join('\u0000');
  }

  args(call: FuncCall): SqlValue[] {
    return call.star === true ? [] : call.args.map((a) => evaluate(a, this.ctx));
  }

  shown(row: readonly SqlValue[]): string {
    const ids = this.t.table.columns.map((c) => c.id);
    return this.columnsShown.map((id) => show(row[ids.indexOf(id)] ?? null)).join(' | ');
  }

  sorted(rows: { row: SqlValue[]; keys: SqlValue[] }[]): { row: SqlValue[]; keys: SqlValue[] }[] {
    const out = this.q.output;
    if (out.kind !== 'topN') return rows;
    const cmp = compareEnv(this.ctx);
    return [...rows]
      .sort((a, b) => {
        for (let i = 0; i < out.keys.length; i++) {
          const c = sortCompare(a.keys[i] ?? null, b.keys[i] ?? null, cmp);
          if (c !== 0) return out.keys[i]?.[1] === true ? -c : c;
        }
        return 0;
      })
      .slice(0, out.n);
  }

  answer(rows: readonly string[]): Answer {
    return { rows, warnings: this.warnings.map(showWarning) };
  }
}

interface Group {
  readonly first: readonly SqlValue[];
  readonly states: AggregateState[];
}

function groupRows(g: Gateway, groups: Map<string, Group>): string[] {
  const out: string[] = [];
  for (const group of groups.values()) {
    out.push(`${g.shown(group.first)} || ${group.states.map((s) => show(s.result())).join(' | ')}`);
  }
  return out;
}

/** The query without pushdown: every row read and evaluated at the gateway. */
export function reference(t: TestTable, q: TestQuery): Answer {
  const g = new Gateway(t, q);
  const out = q.output;
  const passing: { row: SqlValue[]; keys: SqlValue[] }[] = [];
  const groups = new Map<string, Group>();
  for (const stored of t.rows) {
    const row = g.decode(stored.value);
    g.load(row);
    if (!g.passes()) continue;
    if (out.kind === 'rows') {
      passing.push({ row, keys: [] });
      if (out.limit !== undefined && passing.length >= out.limit) break;
    } else if (out.kind === 'topN') {
      passing.push({ row, keys: g.keyValues() });
    } else {
      addRow(g, groups, row);
    }
  }
  if (out.kind === 'aggregate') {
    if (groups.size === 0 && out.groupBy.length === 0) {
      groups.set('', {
        first: t.table.columns.map(() => null),
        states: g.calls.map((c) => createAggregate(c, g.ctx)),
      });
    }
    return g.answer(groupRows(g, groups));
  }
  return g.answer(g.sorted(passing).map((p) => g.shown(p.row)));
}

function addRow(g: Gateway, groups: Map<string, Group>, row: SqlValue[]): void {
  const key = g.groupKey();
  let group = groups.get(key);
  if (group === undefined) {
    group = { first: row, states: g.calls.map((c) => createAggregate(c, g.ctx)) };
    groups.set(key, group);
  }
  const states = group.states;
  g.calls.forEach((call, i) => states[i]?.add(g.args(call)));
}

export interface ScanTrace {
  /** Outputs of every request, in order. */
  readonly outputs: readonly StoredRow[];
  readonly requests: number;
  /** Rows the program was shown, over all requests. */
  readonly examined: number;
}

/**
 * What a store does with a program over `rows`: requests of `budget` rows each, until the range
 * is exhausted or `enough(outputsSoFar)`; a throw from the processor is a refusal.
 */
export function simulateScan(
  processor: ScanProcessor,
  program: Uint8Array,
  rows: readonly StoredRow[],
  budget: number,
  enough: (outputs: readonly StoredRow[]) => boolean = () => false,
): ScanTrace | { readonly refused: string; readonly error: Error } {
  const outputs: StoredRow[] = [];
  let at = 0;
  let requests = 0;
  let examined = 0;
  try {
    while (at < rows.length) {
      requests++;
      const run = processor.open(program);
      let n = 0;
      while (at < rows.length && n < budget) {
        const r = rows[at++];
        n++;
        examined++;
        if (r === undefined) break;
        // Engine views: the program must copy what it keeps.
        const value = new Uint8Array(r.value.length + 4).subarray(2, 2 + r.value.length);
        value.set(r.value);
        const stop = run.row(r.key, value);
        value.fill(0xee);
        if (stop) break;
      }
      for (const o of run.finish()) outputs.push(o);
      if (enough(outputs)) break;
    }
  } catch (error) {
    // The store answers programRefused with the message; a non-Error would be a bug here.
    if (!(error instanceof Error)) throw error;
    return { refused: error.message, error };
  }
  return { outputs, requests, examined };
}

export interface PushedAnswer extends Answer {
  readonly trace: ScanTrace;
  /** How the outputs were tagged. */
  readonly counts: { readonly row: number; readonly residual: number; readonly group: number };
}

/**
 * The query through a program: built at the gateway, run by `processor` in requests of
 * `budget` rows, and the outputs consumed as the planner must. Answers the refusal's reason
 * when the builder refuses (`built`) or the store would answer programRefused (`run`).
 */
export function pushed(
  t: TestTable,
  q: TestQuery,
  processor: ScanProcessor,
  budget = 7,
): PushedAnswer | { readonly refused: string; readonly at: 'built' | 'run' } {
  const g = new Gateway(t, q);
  const out = q.output;
  const output: PushdownOutput =
    out.kind === 'rows'
      ? { kind: 'rows', ...(out.limit === undefined ? {} : { limit: out.limit }) }
      : out.kind === 'topN'
        ? {
            kind: 'topN',
            n: out.n,
            keys: g.keys.map((expr, i) => ({ expr, desc: out.keys[i]?.[1] ?? false })),
          }
        : { kind: 'aggregate', groupBy: g.keys, calls: g.calls };
  let reason = '';
  const spec = buildScanProgram(
    {
      table: t.table,
      settings: pushdownSettings(g.ctx),
      filter: g.where,
      ...(q.params === undefined ? {} : { params: q.params }),
      ...(q.project === undefined ? {} : { project: g.columnsShown }),
      output,
    },
    (why) => {
      reason = why;
    },
  );
  if (spec === undefined) return { refused: reason, at: 'built' };
  // rows with LIMIT: the gateway asks for more only while it lacks passing rows.
  let passingSoFar = 0;
  let seen = 0;
  const enough = (outputs: readonly StoredRow[]): boolean => {
    if (out.kind !== 'rows' || out.limit === undefined) return false;
    for (; seen < outputs.length; seen++) {
      const o = outputs[seen];
      if (o === undefined) continue;
      const decoded = decodeScanOutput(o.value);
      if (decoded.kind === 'row') passingSoFar++;
    }
    return passingSoFar >= out.limit;
  };
  const trace = simulateScan(processor, spec.program, t.rows, budget, enough);
  if ('refused' in trace) return { refused: trace.refused, at: 'run' };

  const counts = { row: 0, residual: 0, group: 0 };
  const passing: { row: SqlValue[]; keys: SqlValue[] }[] = [];
  const groups = new Map<string, Group>();
  for (const o of trace.outputs) {
    const decoded = decodeScanOutput(o.value);
    counts[decoded.kind]++;
    if (decoded.kind === 'group') {
      const first = g.decode(decoded.firstRow);
      g.load(first);
      const key = g.groupKey();
      let group = groups.get(key);
      if (group === undefined) {
        group = { first, states: g.calls.map((c) => createAggregate(c, g.ctx)) };
        groups.set(key, group);
      }
      const imported = importGroupStates(g.calls, g.ctx, decoded);
      group.states.forEach((s, i) => {
        const other = imported[i];
        if (other !== undefined) s.merge(other);
      });
      continue;
    }
    const row = g.decode(decoded.row);
    g.load(row);
    // The gateway re-applies every filter: to a 'row' it holds again, cleanly.
    if (!g.passes()) {
      if (decoded.kind === 'row') throw new Error('a passing row failed the filter at the gateway');
      continue;
    }
    if (out.kind === 'rows') {
      passing.push({ row, keys: [] });
      if (out.limit !== undefined && passing.length >= out.limit) break;
    } else if (out.kind === 'topN') {
      passing.push({ row, keys: g.keyValues() });
    } else {
      addRow(g, groups, row);
    }
  }
  if (out.kind === 'aggregate') {
    if (groups.size === 0 && out.groupBy.length === 0) {
      groups.set('', {
        first: t.table.columns.map(() => null),
        states: g.calls.map((c) => createAggregate(c, g.ctx)),
      });
    }
    return { ...g.answer(groupRows(g, groups)), trace, counts };
  }
  return { ...g.answer(g.sorted(passing).map((p) => g.shown(p.row))), trace, counts };
}
