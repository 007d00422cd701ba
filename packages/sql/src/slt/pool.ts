// Runs sqllogictest files in worker threads, a few at a time, with a watchdog per record.
//
// A record that does not answer within the time limit — stuck in a loop that never yields,
// building a huge cross product, or out of memory — is a failure ("timeout" / "worker died"):
// the pool terminates its thread and continues the file in a new one, which first replays the
// earlier statements (not the one that hung) to rebuild the data.

import type { Worker } from 'node:worker_threads';
import { readSltScript } from './records.js';
import type { RecordResult, ScriptReport, SltEngine } from './runner.js';
import { runScript } from './runner.js';
import type { WorkerInput, WorkerMessage } from './worker.js';

export interface FileJob {
  /** Where the file is. */
  readonly path: string;
  /** How it is named in reports. */
  readonly file: string;
}

export interface PoolOptions {
  readonly timeoutMs: number;
  readonly limit: number | undefined;
  readonly jobs: number;
  /** Give up a file after this many records in a row stopped (timeout, died); 0: never. */
  readonly maxStopsInRow: number;
  /** Told of each record stopped, as it happens (e.g. to show progress). */
  readonly onStop?: (job: FileJob, result: RecordResult) => void;
  /** Milliseconds, for elapsed times. */
  readonly clock: () => number;
  /** Starts a worker thread running worker.ts with this input. */
  readonly spawn: (input: WorkerInput) => Worker;
}

export interface FileReport extends ScriptReport {
  /** Why the file could not be run (or finished), if it could not. */
  fatal?: string;
  /** Why the rest of the file was not run (its records counted as failures). */
  gaveUp?: string;
}

/** The time a worker has to load, read its file and replay, before its first record. */
const STARTUP_MS = 120_000;

const noEngine = (): Promise<SltEngine> => Promise.reject(new Error('no engine'));

type SegmentEnd =
  | { readonly kind: 'done'; readonly skipped: number; halted: boolean; limited: boolean }
  | { readonly kind: 'fatal'; readonly message: string; readonly skipped: number }
  | { readonly kind: 'stopped'; readonly index: number; readonly skipped: number };

/** One worker's run from `startAt` until the file ends or a record is stopped. */
function runSegment(
  job: FileJob,
  startAt: number,
  replaySkip: readonly number[],
  options: PoolOptions,
  results: RecordResult[],
): Promise<SegmentEnd> {
  return new Promise((resolve) => {
    const worker = options.spawn({
      path: job.path,
      file: job.file,
      startAt,
      replaySkip,
      limit: options.limit,
    });
    let skipped = 0;
    let current: Extract<WorkerMessage, { type: 'start' }> | undefined;
    let settled = false;
    // Until its first record the worker loads, reads the file and replays the statements before
    // `startAt`: bounded too, so that nothing can wait forever.
    let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(() => {
      stopCurrent('worker stuck', `no record started within ${STARTUP_MS} ms`);
    }, STARTUP_MS);
    const finish = (end: SegmentEnd) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(end);
    };
    const stopCurrent = (category: string, detail: string) => {
      if (settled) return;
      if (current === undefined) {
        finish({ kind: 'fatal', message: `${category}: ${detail}`, skipped });
        return;
      }
      const { index, line, kind, sql } = current;
      results.push({ index, line, kind, sql, failure: { category, detail } });
      finish({ kind: 'stopped', index, skipped: current.skippedBefore });
    };
    worker.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'start':
          current = m;
          skipped = m.skippedBefore;
          clearTimeout(timer);
          timer = setTimeout(() => {
            stopCurrent('timeout', `no answer within ${options.timeoutMs} ms`);
          }, options.timeoutMs);
          break;
        case 'result':
          clearTimeout(timer);
          current = undefined;
          results.push(m.result);
          break;
        case 'done':
          skipped = m.skipped;
          finish({ kind: 'done', skipped, halted: m.halted, limited: m.limited });
          break;
        case 'fatal':
          finish({ kind: 'fatal', message: m.message, skipped });
          break;
      }
    });
    worker.on('error', (error: Error) => {
      stopCurrent('worker died', `${error.name}: ${error.message}`);
    });
    worker.on('exit', (code) => {
      stopCurrent('worker died', `exit code ${code}`);
    });
  });
}

/** Runs one file to its end in as many workers as its hanging records need. */
export async function runFileInWorkers(job: FileJob, options: PoolOptions): Promise<FileReport> {
  const started = options.clock();
  const results: RecordResult[] = [];
  const report: FileReport = {
    file: job.file,
    results,
    skipped: 0,
    halted: false,
    limited: false,
    elapsedMs: 0,
  };
  const stopped: number[] = [];
  let startAt = 0;
  let inRow = 0;
  for (;;) {
    const before = results.length;
    const end = await runSegment(job, startAt, stopped, options, results);
    // Each segment counts the skipped records from its start on.
    report.skipped += end.skipped;
    if (end.kind === 'stopped') {
      const last = results.at(-1);
      if (last !== undefined) options.onStop?.(job, last);
      stopped.push(end.index);
      startAt = end.index + 1;
      inRow = results.length - before > 1 ? 1 : inRow + 1;
      if (options.maxStopsInRow > 0 && inRow >= options.maxStopsInRow) {
        const rest = await runScript(job.file, readSltScript(job.path, job.file), noEngine, {
          startAt,
          notRunReason: `not run: file given up after ${inRow} records in a row did not finish`,
          ...(options.limit === undefined ? {} : { limit: options.limit }),
        });
        results.push(...rest.results);
        report.skipped += rest.skipped;
        report.halted = rest.halted;
        report.limited = rest.limited;
        report.gaveUp = `given up after ${inRow} records in a row did not finish`;
        break;
      }
      continue;
    }
    if (end.kind === 'fatal') report.fatal = end.message;
    else {
      report.halted = end.halted;
      report.limited = end.limited;
    }
    break;
  }
  report.elapsedMs = options.clock() - started;
  return report;
}

/** Runs the files, `options.jobs` at a time; reports come back in the order of `jobs`. */
export async function runFiles(
  jobs: readonly FileJob[],
  options: PoolOptions,
  onReport: (report: FileReport, position: number) => void,
): Promise<FileReport[]> {
  const reports: (FileReport | undefined)[] = jobs.map(() => undefined);
  let next = 0;
  let printed = 0;
  const flush = () => {
    for (let r = reports[printed]; r !== undefined; r = reports[printed]) {
      onReport(r, printed);
      printed++;
    }
  };
  const lane = async () => {
    for (let i = next++; i < jobs.length; i = next++) {
      const job = jobs[i];
      if (job === undefined) continue;
      reports[i] = await runFileInWorkers(job, options);
      flush();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.jobs) }, lane));
  return reports.filter((r): r is FileReport => r !== undefined);
}
