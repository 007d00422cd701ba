/**
 * Answers the join executor's requests (join-exec.ts): from storage for a statement that reads
 * its tables at run time (access paths, index lookups in bounded batches), or from memory for
 * a subquery whose tables the statement read whole before it ran. Either way the rows it places
 * are charged to the statement's memory limit, and the executor's pauses pass through: awaited
 * (the event loop runs, KILL is checked) from storage, handed on to the caller's driver in
 * memory (statement-work.ts).
 */
import type { KeyValue } from '../encoding/key-codec.js';
import { decodeRow } from '../encoding/row-codec.js';
import type { CompareEnv } from '../eval/compare.js';
import type { EvalContext } from '../eval/context.js';
import type { SqlValue } from '../eval/value.js';
import type { Transaction } from '@tessera/txn';
import { columnOf, getRows, keyValueFor, primaryKeysFromIndex, readAccess } from './access.js';
import { fromRowValue } from './column-values.js';
import { RESUMED, runPlan } from './join-exec.js';
import type { JoinAnswer, JoinRequest, Row } from './join-exec.js';
import type { PlanLeaf, PlanNode } from './join-plan.js';
import type { ResolvedTable } from './tables.js';
import { readPushed } from './pushdown-plan.js';
import type { Pushdowns } from './pushdown-plan.js';
import type { AggregateState } from '../eval/aggregates.js';
import { PAUSE, runCooperative } from './statement-work.js';
import type { Cooperative, StatementWork } from './statement-work.js';

/** What reading from storage needs: the snapshot, and the statement's work (kill check, pauses). */
export interface StorageReads {
  readonly txn: Transaction;
  readonly ectx: EvalContext;
  /** Paces and bounds the statement; its kill check runs after each storage read. */
  readonly work: StatementWork;
  /** Work pushed to the slices with some scans (pushdown-plan.ts). */
  readonly pushdowns?: Pushdowns;
  /**
   * Where a scan whose grouping was pushed puts the groups the slices sent (its rows then
   * answer empty); `answered` says it happened.
   */
  readonly groups?: PushedGroups;
}

/** The groups a pushed aggregate answered, their first rows placed in joined rows. */
export interface PushedGroups {
  answered: boolean;
  readonly groups: { readonly row: Row; readonly states: AggregateState[] }[];
}

/** Index lookups (each one a read, or a scan of index entries) in flight at once. */
const LOOKUPS_IN_FLIGHT_MAX = 32;

export interface LeafRows {
  /** Columns of the whole FROM clause (the width of a joined row). */
  readonly width: number;
  /** A leaf's rows held in memory (derived and system tables, tables read whole). */
  memory(leaf: PlanLeaf): readonly (readonly SqlValue[])[];
}

/** `values` (one leaf's columns) placed in a joined row, NULL elsewhere. */
export function placeRow(leaf: PlanLeaf, values: readonly SqlValue[], width: number): Row {
  const row: Row = new Array<SqlValue>(width).fill(null);
  for (let i = 0; i < leaf.width; i++) row[leaf.start + i] = values[i] ?? null;
  return row;
}

/** Runs `plan` over rows in memory (a plan made with `inMemory`: no lookups by key). */
export function* runInMemory(
  plan: PlanNode,
  leaves: LeafRows,
  cmp: CompareEnv,
  work: StatementWork,
): Cooperative<Row[]> {
  const it = runPlan(plan, cmp, work);
  let step = it.next();
  while (step.done !== true) {
    const request: JoinRequest = step.value;
    if (request.kind === 'pause') {
      yield PAUSE;
      step = it.next(RESUMED);
      continue;
    }
    if (request.kind !== 'scan') throw new Error('an in-memory plan asked for an index lookup');
    step = it.next(yield* memoryAnswer(request.node.leaf, leaves, work));
  }
  return step.value;
}

function* memoryAnswer(
  leaf: PlanLeaf,
  leaves: LeafRows,
  work: StatementWork,
): Cooperative<JoinAnswer> {
  const rows: Row[] = [];
  for (const values of leaves.memory(leaf)) {
    if (work.step()) yield PAUSE;
    const row = placeRow(leaf, values, leaves.width);
    work.holdShell(row);
    rows.push(row);
  }
  return { kind: 'rows', rows };
}

/**
 * Runs `plan` reading base tables from storage at the transaction's snapshot. `keyOf`, when
 * given, learns the stored primary key of each base-table row read (for FOR UPDATE).
 */
export async function runFromStorage(
  plan: PlanNode,
  leaves: LeafRows,
  cmp: CompareEnv,
  read: StorageReads,
  keyOf?: WeakMap<Row, Uint8Array>,
): Promise<Row[]> {
  const { work } = read;
  const it = runPlan(plan, cmp, work);
  let step = it.next();
  while (step.done !== true) {
    const request: JoinRequest = step.value;
    let answer: JoinAnswer;
    if (request.kind === 'pause') {
      await work.pause();
      answer = RESUMED;
    } else if (request.kind === 'scan') {
      const { leaf, access } = request.node;
      const table = leaf.table;
      if (access === 'memory' || table === undefined) {
        answer = await runCooperative(memoryAnswer(leaf, leaves, work), work);
      } else {
        const pushdown = read.pushdowns?.get(request.node);
        const pushed =
          pushdown === undefined
            ? undefined
            : await readPushed(request.node, access, pushdown, read.txn, read.ectx);
        if (pushed?.kind === 'groups') {
          if (read.groups === undefined) throw new Error('a pushed aggregate without its sink');
          read.groups.answered = true;
          for (const g of pushed.groups) {
            const row = decodeInto(table, leaf, g.firstRow, leaves.width);
            work.holdRow(row);
            read.groups.groups.push({ row, states: g.states });
          }
        }
        const stored =
          pushed === undefined
            ? await readAccess(table, access, read.txn)
            : pushed.kind === 'rows'
              ? pushed.rows
              : [];
        work.checkInterrupted();
        const rows: Row[] = [];
        for (const { key, value } of stored) {
          if (work.step()) await work.pause();
          const row = decodeInto(table, leaf, value, leaves.width);
          work.holdRow(row);
          keyOf?.set(row, key);
          rows.push(row);
        }
        answer = { kind: 'rows', rows };
      }
    } else {
      answer = await lookupAnswer(request, leaves.width, read);
    }
    step = it.next(answer);
  }
  return step.value;
}

function decodeInto(table: ResolvedTable, leaf: PlanLeaf, bytes: Uint8Array, width: number): Row {
  const stored = decodeRow(bytes);
  return placeRow(
    leaf,
    table.columns.map((c) => fromRowValue(stored.get(c.id), c)),
    width,
  );
}

/** The inner table's rows under each key tuple of an index-lookup join. */
async function lookupAnswer(
  request: Extract<JoinRequest, { kind: 'lookup' }>,
  width: number,
  read: StorageReads,
): Promise<JoinAnswer> {
  const { node, tuples } = request;
  const lookup = node.lookup;
  const scan = node.inner;
  if (lookup === undefined || scan.kind !== 'scan' || scan.leaf.table === undefined) {
    throw new Error('an index lookup without its table');
  }
  const table = scan.leaf.table;
  const leaf = scan.leaf;
  const columns = lookup.index.index.parts.map((p) => columnOf(table, p.columnId));
  const keyTuples: KeyValue[][] = [];
  for (const tuple of tuples) {
    const values: KeyValue[] = [];
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i];
      const v = column === undefined ? undefined : keyValueFor(tuple[i] ?? null, column, read.ectx);
      // A value that compares in another type or collation than the key: read and hash.
      if (v === undefined) return { kind: 'fallback' };
      values.push(v);
    }
    keyTuples.push(values);
  }
  const rows: Row[][] = [];
  for (let at = 0; at < keyTuples.length; at += LOOKUPS_IN_FLIGHT_MAX) {
    const batch = keyTuples.slice(at, at + LOOKUPS_IN_FLIGHT_MAX);
    const found = await Promise.all(
      batch.map(async (values) => {
        const keys =
          lookup.index === table.primary
            ? [table.primary.layout.key(values)]
            : await primaryKeysFromIndex(table, lookup.index, values, read.txn);
        const stored = await getRows(read.txn, keys);
        return stored.map(({ value }) => {
          const row = decodeInto(table, leaf, value, width);
          read.work.holdRow(row);
          return row;
        });
      }),
    );
    read.work.checkInterrupted();
    rows.push(...found);
  }
  return { kind: 'perTuple', rows };
}
