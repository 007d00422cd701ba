/**
 * Scan pushdown: WHERE conjuncts, projections, top-N and partial aggregates run on the data
 * node that serves a slice (TiKV's coprocessor), so only their output crosses to the gateway.
 * Storage, cluster and txn carry a program as opaque bytes (`ScanOptions.program`); this module
 * writes it (gateway) and runs it (node). Results and warnings are the same as without it.
 *
 * Gateway (the planner, per table read of a statement):
 *
 * ```ts
 * const spec = buildScanProgram(
 *   {
 *     table: { columns: def.columns, alias, db, name },
 *     settings: pushdownSettings(ectx),
 *     filter: conjunctsOfThisTable,          // re-applied at the gateway as before
 *     params,                                // the statement's `?` values
 *     project: columnIdsTheCallerReads,      // plus what the program reads (added)
 *     output: { kind: 'rows', limit } | { kind: 'topN', keys, n } | { kind: 'aggregate', groupBy, calls },
 *   },
 *   (reason) => explainNotes.push(reason),   // why nothing was pushed
 * );
 * // spec undefined → scan as today. Else scan with { program: spec, limit: rowsToExamine }:
 * for (const { key, value } of result.rows) {
 *   const out = decodeScanOutput(value);
 *   // 'row'      passed every pushed filter cleanly: decodeRow(out.row) as usual
 *   // 'residual' apply every filter / key / group / argument to it yourself
 *   // 'group'    the group of out.firstRow: merge importGroupStates(calls, ectx, out) into it
 * }
 * ```
 *
 * Rules for the caller:
 *   - Take outputs in scan order (requests in order, outputs in order within a request; a
 *     reverse scan's order is its own, descending keys):
 *     top-N ties and a group's first row are decided by it, and a group output stands for its
 *     rows at the place of its first row (a residual row ends every open group).
 *   - rows with a limit: residual rows do not count toward it; when the residual rows fail
 *     at the gateway and it lacks rows, it continues from the answer's resumeKey.
 *   - top-N: each request answers its own n best plus residual rows; sort all outputs again
 *     (stable) and cut. aggregate: a request may answer several outputs for one group; merge
 *     them. With no rows at all and no GROUP BY, the single empty group is the gateway's.
 *   - Output rows hold `project` ∪ the columns the program reads; a column not projected reads
 *     as absent (its fill / NULL): project every column you read.
 *   - `programRefused` (a bad program, or something only decidable at run time: ORDER BY or
 *     MIN / MAX values of mixed types, a SUM of a DOUBLE) — read the range without a program.
 *   - Register `sqlScanProcessor()` with the store under `SQL_PROCESSOR` on every data node.
 */
import type { FuncCall } from '../ast.js';
import { type AggregateState, importAggregateState } from '../eval/aggregates.js';
import type { EvalContext } from '../eval/context.js';
import type { ScanOutput } from './output.js';

export { buildScanProgram, SQL_PROCESSOR, typeOver } from './builder.js';
export type { PushdownOutput, PushdownRequest, PushdownTable } from './builder.js';
export { FUNCTION_CLASSES, PUSHABLE_AGGREGATES, notPushable } from './determinism.js';
export type { FunctionClass } from './determinism.js';
export { decodeScanOutput, ScanOutputError } from './output.js';
export type { ScanOutput } from './output.js';
export { ProgramDecodeError, PROGRAM_LIMITS } from './program.js';
export { PROGRAM_CACHE_ENTRIES, ProgramRefusedError, sqlScanProcessor } from './processor.js';
export type { SqlScanProcessor } from './processor.js';
export { pushdownSettings } from './settings.js';
export type { PushdownSettings } from './settings.js';
export type { ProgramRefused, ScanProcessor, ScanProgramRun, ScanProgramSpec } from './contract.js';

/**
 * A group output's partial states as states of `calls` (the program's calls, in order), ready
 * for `merge` into the gateway's states of that group. Throws on states of another shape.
 */
export function importGroupStates(
  calls: readonly FuncCall[],
  ectx: EvalContext,
  output: Extract<ScanOutput, { kind: 'group' }>,
): AggregateState[] {
  if (output.states.length !== calls.length) {
    throw new Error(`a group output with ${output.states.length} states for ${calls.length} calls`);
  }
  return calls.map((call, i) => importAggregateState(call, ectx, output.states[i] ?? []));
}
