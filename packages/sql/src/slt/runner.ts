// Runs sqllogictest records against an engine and judges each one.
//
// Counted records: every `statement` and `query` that runs on the engine (not excluded by
// `skipif` / `onlyif`) before a `halt` that applies. A statement passes when it succeeds
// (`statement ok`) or fails with any error (`statement error`); a query passes when it succeeds
// with as many columns as its type letters and its rendered, sorted values equal the expected
// ones (or their hash). Labels are not cross-checked: every labelled query is compared with
// its own expected block, which the corpus writes out for each of them.
//
// The engine here is the real one, in-process: a fresh SqlSession over a MemoryCatalog and the
// MVCC transactional store of localData(), in a database `slt`. Its scans stream as they do
// behind the gateway (`streamResults`; stream-scan.ts); each stream is read whole here.

import type { SqlValue } from '../eval/value.js';
import { toText } from '../eval/convert.js';
import { SqlSession } from '../engine/session.js';
import type { StatementOutcome } from '../engine/session.js';
import { localData } from '../engine/test/local-data.js';
import { MemoryCatalog } from '../engine/test/memory-catalog.js';
import type { Expected, QueryRecord, ScriptRecord, StatementRecord } from './records.js';
import { runsOn } from './records.js';
import { compareResult, formatValue, hashValues, sortedValues } from './results.js';

/** The engine name `skipif` / `onlyif` select on: Tessera speaks MySQL. */
export const ENGINE_NAME = 'mysql';

/** What one SQL text did, values already as text (null = SQL NULL). */
export type ExecOutcome =
  | { readonly kind: 'ok' }
  | {
      readonly kind: 'rows';
      readonly columns: number;
      readonly rows: readonly (readonly (string | null)[])[];
    }
  | { readonly kind: 'error'; readonly errno: number; readonly message: string };

export interface SltEngine {
  execute(sql: string): Promise<ExecOutcome>;
}

export interface RecordFailure {
  /** A grouping key for failure reports: the error with its particulars blanked, or a kind. */
  readonly category: string;
  readonly detail: string;
}

export interface RecordResult {
  /** Index of the record in the script. */
  readonly index: number;
  readonly line: number;
  readonly kind: 'statement' | 'query';
  readonly sql: string;
  /** Absent when the record passed. */
  readonly failure?: RecordFailure;
}

export interface ScriptReport {
  readonly file: string;
  /** One per counted record, in script order. */
  readonly results: RecordResult[];
  /** Statement and query records excluded by their conditions. */
  skipped: number;
  /** Whether a `halt` stopped the script. */
  halted: boolean;
  /** Whether --limit stopped the script. */
  limited: boolean;
  elapsedMs: number;
}

export interface RunOptions {
  readonly engine?: string;
  /** Per-record limit for an in-process run (undefined: none). */
  readonly timeoutMs?: number;
  /** Stop after this many counted records (the ones before `startAt` included). */
  readonly limit?: number;
  /**
   * Resume at this record: the statements before it are replayed to rebuild the data (their
   * outcomes not counted again), except those in `replaySkip` (e.g. timed out).
   */
  readonly startAt?: number;
  readonly replaySkip?: ReadonlySet<number>;
  /**
   * Judge the records from `startAt` on as failed with this category, without running them
   * (the rest of a file given up on); the engine is not created.
   */
  readonly notRunReason?: string;
  /** Milliseconds, for the elapsed time only. */
  readonly clock?: () => number;
  readonly onSkip?: (index: number) => void;
  readonly onRecordStart?: (index: number) => void;
  readonly onRecordDone?: (result: RecordResult) => void;
}

function outcomeOf(outcomes: readonly StatementOutcome[]): ExecOutcome {
  const error = outcomes.find((o) => o.kind === 'error');
  if (error !== undefined) return { kind: 'error', errno: error.errno, message: error.message };
  const last = outcomes.at(-1);
  if (last?.kind === 'rows') {
    return {
      kind: 'rows',
      columns: last.columns.length,
      rows: last.rows.map((row: readonly SqlValue[]) => row.map((v) => toText(v))),
    };
  }
  return { kind: 'ok' };
}

/** A streamed result read whole: its rows, or the error it ended with (as the client sees it). */
async function readStream(
  o: Extract<StatementOutcome, { kind: 'stream' }>,
): Promise<StatementOutcome> {
  const rows: SqlValue[][] = [];
  try {
    for await (const row of o.rows) rows.push([...row]);
  } catch (error) {
    const e = error as { errno?: unknown; sqlState?: unknown; message?: unknown };
    return {
      kind: 'error',
      errno: typeof e.errno === 'number' ? e.errno : 1105,
      sqlState: typeof e.sqlState === 'string' ? e.sqlState : 'HY000',
      message: typeof e.message === 'string' ? e.message : String(error),
    };
  }
  return { kind: 'rows', columns: o.columns, rows, warnings: o.warnings };
}

/** The detail of records judged without being run (see RunOptions.notRunReason). */
export const NOT_RUN = 'not run';

/** Local slices for a script's tables: 3 per table, room for 340 tables. */
const SLICES = 1024;

/** A fresh Tessera session over a fresh in-memory catalog and store, in database `slt`. */
export async function tesseraEngine(): Promise<SltEngine> {
  const session = new SqlSession({
    catalog: new MemoryCatalog([
      { id: 1, zone: 'a', state: 'up' },
      { id: 2, zone: 'b', state: 'up' },
      { id: 3, zone: 'c', state: 'up' },
    ]),
    connectionId: 1,
    user: 'root',
    host: 'localhost',
    // The MemoryCatalog's root holds every privilege; nothing authenticates here.
    account: { user: 'root', host: '%', usedPassword: true },
    makeCredential: () => Promise.reject(new Error('no accounts are made by sqllogictest')),
    nowMicros: () => 1_767_225_600_000_000n,
    random: () => 0.25,
    // Each table takes one slice per node (3); select5 alone creates 64 tables.
    data: await localData(SLICES),
    streamResults: true,
  });
  const engine: SltEngine = {
    async execute(sql) {
      const outcomes: StatementOutcome[] = [];
      for await (const o of session.execute(sql, true)) {
        outcomes.push(o.kind === 'stream' ? await readStream(o) : o);
      }
      return outcomeOf(outcomes);
    },
  };
  const setup = await engine.execute('CREATE DATABASE slt; USE slt');
  if (setup.kind === 'error') throw new Error(`slt setup failed: ${setup.message}`);
  return engine;
}

/** An error's grouping key: errno and message with quoted names and numbers blanked. */
export function errorCategory(errno: number, message: string): string {
  if (errno === 1235) return `${errno}: ${message}`;
  const general = message
    .replace(/'(?:[^'\\]|\\.)*'/g, "'…'")
    .replace(/`[^`]*`/g, '`…`')
    .replace(/\b\d+(?:\.\d+)?\b/g, 'N');
  return `${errno}: ${general}`;
}

class RecordTimeout extends Error {}

async function withTimeout<T>(run: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined) return run;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new RecordTimeout());
    }, ms);
  });
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function judgeStatement(record: StatementRecord, out: ExecOutcome): RecordFailure | undefined {
  if (record.expectError) {
    return out.kind === 'error'
      ? undefined
      : { category: 'statement error succeeded', detail: 'expected an error, got success' };
  }
  if (out.kind === 'error') {
    return {
      category: errorCategory(out.errno, out.message),
      detail: `${out.errno}: ${out.message}`,
    };
  }
  return undefined;
}

/** The rendered, sorted values of a query's rows. */
export function renderRows(
  record: Pick<QueryRecord, 'types' | 'sortMode'>,
  rows: readonly (readonly (string | null)[])[],
): string[] {
  const rendered = rows.map((row) =>
    row.map((text, i) => formatValue(record.types[i] ?? 'T', text)),
  );
  return sortedValues(rendered, record.sortMode);
}

/** Wrong results, split by how they differ: no rows at all, a different count, other values. */
function wrongResultCategory(values: readonly string[], expected: Expected): string {
  const count = expected.kind === 'hash' ? expected.count : expected.lines.length;
  if (values.length === 0) return 'wrong result: no rows';
  if (values.length !== count) return 'wrong result: different number of values';
  return 'wrong result: same number of values, different values';
}

function judgeQuery(record: QueryRecord, out: ExecOutcome): RecordFailure | undefined {
  if (out.kind === 'error') {
    return {
      category: errorCategory(out.errno, out.message),
      detail: `${out.errno}: ${out.message}`,
    };
  }
  if (out.kind === 'ok') {
    return { category: 'query returned no result set', detail: 'expected rows, got OK' };
  }
  if (out.columns !== record.types.length) {
    return {
      category: 'wrong number of columns',
      detail: `expected ${record.types.length} columns, got ${out.columns}`,
    };
  }
  if (record.expected === undefined) return undefined;
  const values = renderRows(record, out.rows);
  const diff = compareResult(values, out.columns, record.expected);
  if (diff === undefined) return undefined;
  const shown =
    values.length <= 24
      ? values.join(' | ')
      : `${values.length} values hashing to ${hashValues(values)}`;
  return {
    category: wrongResultCategory(values, record.expected),
    detail: `${diff}\ngot: ${shown}`,
  };
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Runs one record and judges it; never throws (engine exceptions become failures). */
export async function runRecord(
  engine: SltEngine,
  record: StatementRecord | QueryRecord,
  index: number,
  timeoutMs?: number,
): Promise<RecordResult> {
  const base = { index, line: record.line, kind: record.kind, sql: record.sql };
  let failure: RecordFailure | undefined;
  try {
    const out = await withTimeout(engine.execute(record.sql), timeoutMs);
    failure = record.kind === 'statement' ? judgeStatement(record, out) : judgeQuery(record, out);
  } catch (error) {
    failure =
      error instanceof RecordTimeout
        ? { category: 'timeout', detail: `no answer within ${timeoutMs ?? 0} ms` }
        : {
            category: `engine threw: ${error instanceof Error ? error.name : 'non-Error'}`,
            detail: describeThrown(error),
          };
  }
  return failure === undefined ? base : { ...base, failure };
}

/** Runs a script's records on a fresh engine from `createEngine`. */
export async function runScript(
  file: string,
  records: readonly ScriptRecord[],
  createEngine: () => Promise<SltEngine>,
  options: RunOptions = {},
): Promise<ScriptReport> {
  const clock = options.clock ?? (() => 0);
  const started = clock();
  const engineName = options.engine ?? ENGINE_NAME;
  const startAt = options.startAt ?? 0;
  const report: ScriptReport = {
    file,
    results: [],
    skipped: 0,
    halted: false,
    limited: false,
    elapsedMs: 0,
  };
  const notRun = options.notRunReason;
  const engine = notRun === undefined ? await createEngine() : undefined;
  let counted = 0;
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    if (record === undefined) continue;
    if (record.kind === 'hash-threshold') continue;
    if (record.kind === 'halt') {
      if (runsOn(record, engineName)) {
        report.halted = true;
        break;
      }
      continue;
    }
    if (!runsOn(record, engineName)) {
      if (index >= startAt) {
        report.skipped++;
        options.onSkip?.(index);
      }
      continue;
    }
    if (options.limit !== undefined && counted >= options.limit) {
      report.limited = true;
      break;
    }
    counted++;
    if (engine === undefined) {
      if (index < startAt) continue;
      const { line, kind, sql } = record;
      const failure = { category: notRun ?? '', detail: NOT_RUN };
      report.results.push({ index, line, kind, sql, failure });
      continue;
    }
    if (index < startAt) {
      // Replay: rebuild the data the earlier statements made; queries change nothing.
      if (record.kind === 'statement' && options.replaySkip?.has(index) !== true) {
        await runRecord(engine, record, index, options.timeoutMs);
      }
      continue;
    }
    options.onRecordStart?.(index);
    const result = await runRecord(engine, record, index, options.timeoutMs);
    report.results.push(result);
    options.onRecordDone?.(result);
  }
  report.elapsedMs = clock() - started;
  return report;
}

export interface Tally {
  passed: number;
  total: number;
}

export function tally(results: readonly RecordResult[]): Tally {
  return {
    passed: results.filter((r) => r.failure === undefined).length,
    total: results.length,
  };
}
