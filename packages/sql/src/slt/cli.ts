// npm run slt -- [options] FILE|DIR ...
//
// Runs sqllogictest files (`.test`, or gzipped `.test.gz`; directories are searched
// recursively) against the SQL engine in-process, each file on a fresh session, catalog and
// store, and prints per file the records passed, skipped and the time taken, then the total.
//
//   --verbose            print every failing record: file:line, SQL, expected vs got / error
//   --min-rate P         exit 1 when fewer than P % of the records pass
//   --limit-per-file N   run only the first N counted records of each file
//   --timeout-ms N       a record's time limit (default 10000); past it the record fails
//   --max-timeouts N     give up a file after N records in a row time out (default 5, 0: never);
//                        its remaining records count as failed ("not run")
//   --jobs N             files run at once, each in its own worker thread (default: cores)
//   --in-process         run in this thread, one file after another (the time limit then only
//                        stops records that yield to the event loop)
//   --top N              failure categories listed after the total (default 15)
//
// Relative paths are taken from where `npm run` was started (INIT_CWD), else the cwd.

import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { FileJob, FileReport, PoolOptions } from './pool.js';
import { runFiles } from './pool.js';
import { readSltScript } from './records.js';
import { NOT_RUN, runScript, tally, tesseraEngine } from './runner.js';
import type { RecordResult } from './runner.js';
import type { WorkerInput } from './worker.js';
import { invocationDirectory } from './env.js';

interface CliOptions {
  readonly paths: string[];
  verbose: boolean;
  minRate: number | undefined;
  limit: number | undefined;
  timeoutMs: number;
  maxTimeouts: number;
  jobs: number;
  inProcess: boolean;
  top: number;
}

const USAGE =
  'usage: npm run slt -- [--verbose] [--min-rate P] [--limit-per-file N] [--timeout-ms N] ' +
  '[--max-timeouts N] [--jobs N] [--in-process] [--top N] FILE|DIR ...';

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = {
    paths: [],
    verbose: false,
    minRate: undefined,
    limit: undefined,
    timeoutMs: 10_000,
    maxTimeouts: 5,
    jobs: Math.max(1, availableParallelism()),
    inProcess: false,
    top: 15,
  };
  const number = (flag: string, text: string | undefined, min: number): number => {
    const n = Number(text);
    if (text === undefined || text === '' || !Number.isFinite(n) || n < min) {
      throw new UsageError(`${flag} needs a number ≥ ${min}`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.startsWith('--') ? arg.split('=', 2) : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--verbose':
      case '-v':
        options.verbose = true;
        break;
      case '--in-process':
        options.inProcess = true;
        break;
      case '--min-rate':
        options.minRate = number(flag, value(), 0);
        break;
      case '--limit-per-file':
        options.limit = Math.floor(number(flag, value(), 1));
        break;
      case '--timeout-ms':
        options.timeoutMs = number(flag, value(), 1);
        break;
      case '--max-timeouts':
        options.maxTimeouts = Math.floor(number(flag, value(), 0));
        break;
      case '--jobs':
        options.jobs = Math.floor(number(flag, value(), 1));
        break;
      case '--top':
        options.top = Math.floor(number(flag, value(), 0));
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
        options.paths.push(arg);
    }
  }
  if (options.paths.length === 0) throw new UsageError('no files given');
  return options;
}

function isScript(name: string): boolean {
  return name.endsWith('.test.gz') || name.endsWith('.test');
}

/** The script files under a path (itself, if a file), sorted. */
function findScripts(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => {
      const child = join(path, name);
      if (statSync(child).isDirectory()) return findScripts(child);
      return isScript(name) ? [child] : [];
    });
}

function collectJobs(paths: readonly string[], base: string): FileJob[] {
  const seen = new Set<string>();
  const jobs: FileJob[] = [];
  for (const arg of paths) {
    const root = isAbsolute(arg) ? arg : resolve(base, arg);
    for (const path of findScripts(root)) {
      if (seen.has(path)) continue;
      seen.add(path);
      jobs.push({ path, file: isAbsolute(arg) ? path : relative(base, path) });
    }
  }
  return jobs;
}

function percent(passed: number, total: number): string {
  return total === 0 ? '—' : `${((100 * passed) / total).toFixed(2)} %`;
}

function indent(text: string): string {
  return text.replace(/\n/g, '\n    ');
}

function printFailures(report: FileReport): void {
  for (const r of report.results) {
    if (r.failure === undefined) continue;
    console.log(`  ${report.file}:${r.line}: ${r.kind} failed (${r.failure.category})`);
    console.log(`    ${indent(r.sql)}`);
    console.log(`    ${indent(r.failure.detail)}`);
  }
}

function printReport(report: FileReport, verbose: boolean): void {
  const { passed, total } = tally(report.results);
  const notes = [
    report.halted ? 'halted' : '',
    report.limited ? 'limited' : '',
    report.gaveUp ?? '',
    report.fatal === undefined ? '' : `STOPPED: ${report.fatal}`,
  ].filter((n) => n !== '');
  console.log(
    `${report.file}: ${passed}/${total} passed (${percent(passed, total)}), ` +
      `${report.skipped} skipped, ${(report.elapsedMs / 1000).toFixed(1)} s` +
      (notes.length > 0 ? ` [${notes.join('; ')}]` : ''),
  );
  if (verbose) printFailures(report);
}

function printCategories(results: readonly RecordResult[], top: number): void {
  if (top === 0) return;
  const counts = new Map<string, number>();
  for (const r of results) {
    if (r.failure === undefined) continue;
    counts.set(r.failure.category, (counts.get(r.failure.category) ?? 0) + 1);
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (sorted.length === 0) return;
  console.log(`failures by category (top ${Math.min(top, sorted.length)} of ${sorted.length}):`);
  for (const [category, n] of sorted.slice(0, top)) {
    console.log(`  ${String(n).padStart(7)}  ${category}`);
  }
}

/** Worker threads load worker.ts through tsx's loader (which CLI runs under). */
function workerSpawner(): (input: WorkerInput) => Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const worker = new URL('./worker.ts', import.meta.url).href;
  const bootstrap =
    `import(${JSON.stringify(tsx)})` +
    `.then((m) => { m.register(); return import(${JSON.stringify(worker)}); })`;
  // A record that builds a huge intermediate result dies at this heap size (the pool reports
  // it and goes on) rather than thrashing the collector until its time limit.
  const resourceLimits = { maxOldGenerationSizeMb: 2048 };
  return (input) => new Worker(bootstrap, { eval: true, workerData: input, resourceLimits });
}

async function runInProcess(
  jobs: readonly FileJob[],
  options: CliOptions,
  onReport: (report: FileReport) => void,
): Promise<FileReport[]> {
  const reports: FileReport[] = [];
  for (const job of jobs) {
    let report: FileReport;
    try {
      const records = readSltScript(job.path, job.file);
      report = await runScript(job.file, records, tesseraEngine, {
        timeoutMs: options.timeoutMs,
        clock: () => performance.now(),
        ...(options.limit === undefined ? {} : { limit: options.limit }),
      });
    } catch (error) {
      report = {
        file: job.file,
        results: [],
        skipped: 0,
        halted: false,
        limited: false,
        elapsedMs: 0,
        fatal: error instanceof Error ? error.message : String(error),
      };
    }
    reports.push(report);
    onReport(report);
  }
  return reports;
}

async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  let jobs: FileJob[];
  try {
    options = parseArgs(argv);
    jobs = collectJobs(options.paths, invocationDirectory());
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof Error)) throw error;
    if (error.message !== '') console.error(`slt: ${error.message}`);
    console.error(USAGE);
    return 2;
  }
  if (jobs.length === 0) {
    console.error('slt: no .test or .test.gz files found');
    return 2;
  }
  const started = performance.now();
  const onReport = (report: FileReport) => {
    printReport(report, options.verbose);
  };
  let reports: FileReport[];
  if (options.inProcess) {
    reports = await runInProcess(jobs, options, onReport);
  } else {
    const pool: PoolOptions = {
      timeoutMs: options.timeoutMs,
      limit: options.limit,
      jobs: Math.min(options.jobs, jobs.length),
      maxStopsInRow: options.maxTimeouts,
      onStop: (job, result) => {
        const why = result.failure?.category ?? '';
        console.error(`slt: ${job.file}:${result.line}: ${why}`);
      },
      clock: () => performance.now(),
      spawn: workerSpawner(),
    };
    reports = await runFiles(jobs, pool, onReport);
  }
  const all = reports.flatMap((r) => r.results);
  const { passed, total } = tally(all);
  const skipped = reports.reduce((n, r) => n + r.skipped, 0);
  const notRun = all.filter((r) => r.failure?.detail === NOT_RUN).length;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `slt: ${passed} of ${total} records passed (${percent(passed, total)}); ` +
      `${skipped} skipped; ${reports.length} files in ${seconds} s`,
  );
  if (notRun > 0) {
    console.log(
      `slt: ${notRun} records not run (files given up, counted as failed above); ` +
        `${passed} of ${total - notRun} run passed (${percent(passed, total - notRun)})`,
    );
  }
  printCategories(all, options.top);
  const fatal = reports.filter((r) => r.fatal !== undefined);
  for (const r of fatal) console.error(`slt: ${r.file} did not run to its end: ${r.fatal ?? ''}`);
  if (options.minRate !== undefined && total > 0 && (100 * passed) / total < options.minRate) {
    console.error(
      `slt: pass rate ${percent(passed, total)} is below the minimum ${options.minRate} %`,
    );
    return 1;
  }
  if (options.minRate !== undefined && total === 0) {
    console.error('slt: no records ran');
    return 1;
  }
  return fatal.length > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
