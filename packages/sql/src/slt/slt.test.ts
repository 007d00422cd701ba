import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { QueryRecord, ScriptRecord } from './records.js';
import { parseSltScript, readSltScript, runsOn } from './records.js';
import {
  compareResult,
  formatInteger,
  formatReal,
  formatReal3,
  formatText,
  formatValue,
  hashValues,
  sortedValues,
} from './results.js';
import { errorCategory, renderRows, runScript, tally, tesseraEngine } from './runner.js';
import type { RecordResult } from './runner.js';

// packages/sql/src/slt → /work/shared/slt (as corpus.test.ts, one directory deeper).
const SLT_ROOT = join(import.meta.dirname, '../../../../../shared/slt');

/**
 * The CI set's pass-rate floor (the measured rate rounded down to a whole percent). Measured
 * 2026-11-21 at commit 5b99c65 (subqueries, derived tables, UNION, secondary-index reads):
 * 25 447 of 25 447 records pass (100.00 %) — select1 1031/1031, select2 1031/1031, select3
 * 3351/3351, random/aggregates/slt_good_0 10012/10012, index/between/1/slt_good_0 10022/10022.
 * The target is 97 %; this set is above it, so the floor is a regression gate with no slack:
 * any record of the set that stops passing fails this test.
 */
const CI_PASS_RATE_FLOOR = 100;

function scripts(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return scripts(path);
    return name.endsWith('.test.gz') ? [path] : [];
  });
}

function firstScript(dir: string): string {
  const first = scripts(join(SLT_ROOT, dir)).sort()[0];
  if (first === undefined) throw new Error(`no scripts under ${dir}`);
  return first;
}

const SCRIPT = [
  '# a comment',
  'hash-threshold 8',
  '',
  'statement ok',
  'CREATE TABLE t1(a INTEGER, b TEXT)',
  '',
  'statement error',
  'INSERT INTO nowhere VALUES(1)',
  '',
  'skipif mysql # not compatible',
  'query I nosort',
  'SELECT 1',
  '----',
  '2',
  '',
  'onlyif sqlite',
  'statement ok',
  'SELECT nonsense',
  '',
  'onlyif mysql # DIV for integer division',
  'query II rowsort label-1',
  'SELECT a,',
  '       a DIV 2 FROM t1',
  '----',
  '1',
  '0',
  '',
  'query T valuesort',
  'SELECT b FROM t1',
  '----',
  '10 values hashing to 0123456789abcdef0123456789abcdef',
  '',
  'query I',
  'SELECT 1',
  '----',
  '',
  'onlyif postgresql',
  'halt',
  '',
  'halt',
  '',
  'query I nosort',
  'SELECT 2',
].join('\r\n');

describe('sqllogictest records', () => {
  const records = parseSltScript(SCRIPT, 'inline.test');

  it('reads every record with its conditions, SQL and expected results', () => {
    expect(records.map((r) => [r.kind, r.line])).toEqual([
      ['hash-threshold', 2],
      ['statement', 4],
      ['statement', 7],
      ['query', 11],
      ['statement', 17],
      ['query', 21],
      ['query', 28],
      ['query', 33],
      ['halt', 38],
      ['halt', 40],
      ['query', 42],
    ]);
    expect(records[0]).toMatchObject({ threshold: 8 });
    expect(records[2]).toMatchObject({ expectError: true, sql: 'INSERT INTO nowhere VALUES(1)' });
    expect(records[3]).toMatchObject({ skipIf: ['mysql'], onlyIf: [] });
    const query = records[5] as QueryRecord;
    expect(query).toMatchObject({
      onlyIf: ['mysql'],
      skipIf: [],
      types: ['I', 'I'],
      sortMode: 'rowsort',
      label: 'label-1',
      sql: 'SELECT a,\n       a DIV 2 FROM t1',
      expected: { kind: 'values', lines: ['1', '0'] },
    });
    expect(records[6]).toMatchObject({
      types: ['T'],
      sortMode: 'valuesort',
      label: undefined,
      expected: { kind: 'hash', count: 10, md5: '0123456789abcdef0123456789abcdef' },
    });
    expect(records[7]).toMatchObject({
      sortMode: 'nosort',
      expected: { kind: 'values', lines: [] },
    });
    expect(records[10]).toMatchObject({ sql: 'SELECT 2', expected: undefined });
  });

  it('selects records by engine: skipif mysql and onlyif <other> do not run', () => {
    const onMysql = (r: ScriptRecord | undefined) => r !== undefined && runsOn(r, 'mysql');
    expect([3, 4, 5, 8, 9].map((i) => onMysql(records[i]))).toEqual([
      false,
      false,
      true,
      false,
      true,
    ]);
  });

  it('rejects what it does not know', () => {
    expect(() => parseSltScript('query X\nSELECT 1\n', 'f')).toThrow(/f:1: unknown column type/);
    expect(() => parseSltScript('statement maybe\nSELECT 1\n', 'f')).toThrow(/statement mode/);
    expect(() => parseSltScript('frobnicate\n', 'f')).toThrow(/unknown record/);
  });
});

describe('sqllogictest values', () => {
  it('renders integers as the numeric prefix, truncated', () => {
    expect(formatInteger('42')).toBe('42');
    expect(formatInteger('-7')).toBe('-7');
    expect(formatInteger('1.5')).toBe('1');
    expect(formatInteger('-1.9')).toBe('-1');
    expect(formatInteger('-0.5')).toBe('0');
    expect(formatInteger('2.5000')).toBe('2');
    expect(formatInteger('12abc')).toBe('12');
    expect(formatInteger(' 3')).toBe('3');
    expect(formatInteger('abc')).toBe('0');
    expect(formatInteger('')).toBe('0');
    expect(formatInteger('1e3')).toBe('1000');
    expect(formatInteger('-2.5e1')).toBe('-25');
    expect(formatInteger('18446744073709551615')).toBe('18446744073709551615');
  });

  it('renders reals as %.3f, ties to even as C does', () => {
    expect(formatReal('1')).toBe('1.000');
    expect(formatReal('2.5000')).toBe('2.500');
    expect(formatReal('-12.3456')).toBe('-12.346');
    expect(formatReal('0.0625')).toBe('0.062');
    expect(formatReal('0.1875')).toBe('0.188');
    expect(formatReal('-0.0625')).toBe('-0.062');
    expect(formatReal('-0.0001')).toBe('-0.000');
    expect(formatReal('1e3')).toBe('1000.000');
    expect(formatReal('x')).toBe('0.000');
    expect(formatReal3(1e21)).toBe('1000000000000000000000.000');
    expect(formatReal3(-0)).toBe('-0.000');
  });

  it('renders text with (empty) and @ for bytes outside printable ASCII', () => {
    expect(formatText('abc def')).toBe('abc def');
    expect(formatText('')).toBe('(empty)');
    expect(formatText('a\tb\n')).toBe('a@b@');
    expect(formatText('é')).toBe('@@');
    expect(formatValue('T', null)).toBe('NULL');
    expect(formatValue('I', null)).toBe('NULL');
    expect(formatValue('R', null)).toBe('NULL');
    expect(formatValue('I', '')).toBe('0');
  });

  it('sorts rows and values with strcmp', () => {
    const rows = [
      ['9', 'b'],
      ['10', 'z'],
      ['9', 'a'],
    ];
    expect(sortedValues(rows, 'nosort')).toEqual(['9', 'b', '10', 'z', '9', 'a']);
    expect(sortedValues(rows, 'rowsort')).toEqual(['10', 'z', '9', 'a', '9', 'b']);
    expect(sortedValues(rows, 'valuesort')).toEqual(['10', '9', '9', 'a', 'b', 'z']);
    expect(
      renderRows({ types: ['I', 'R'], sortMode: 'rowsort' }, [
        ['2', null],
        ['1.5', '3'],
      ]),
    ).toEqual(['1', '3.000', '2', 'NULL']);
  });

  it('hashes each value followed by a newline (MD5)', () => {
    expect(hashValues([])).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(hashValues(['1', '3'])).toBe('0a88863510308751293f4b91afc07dd6');
    // select1.test, line 94: 30 values hashing to 3c13dee48d9356ae19af2515e05e6b54.
    const select1Line94 = [
      358, 364, 376, 382, 398, 402, 410, 426, 432, 440, 458, 468, 478, 486, 490, 1000, 1050, 1120,
      1180, 1240, 1290, 1300, 1390, 1430, 1450, 1510, 1580, 1600, 1670, 1700,
    ].map(String);
    expect(hashValues(select1Line94)).toBe('3c13dee48d9356ae19af2515e05e6b54');
  });

  it('compares with value lists, row-per-line lists and hashes', () => {
    expect(compareResult(['1', '3'], 1, { kind: 'values', lines: ['1', '3'] })).toBeUndefined();
    expect(compareResult(['1', '3'], 2, { kind: 'values', lines: ['1 3'] })).toBeUndefined();
    expect(compareResult(['1', '3'], 1, { kind: 'values', lines: ['1', '4'] })).toMatch(
      /first difference at value 2: expected "4", got "3"/,
    );
    expect(compareResult(['1'], 1, { kind: 'values', lines: [] })).toMatch(/expected 0 values/);
    const hash = { kind: 'hash', count: 2, md5: '0a88863510308751293f4b91afc07dd6' } as const;
    expect(compareResult(['1', '3'], 1, hash)).toBeUndefined();
    expect(compareResult(['3', '1'], 1, hash)).toMatch(/hashing to/);
  });

  it('groups errors by errno and message with particulars blanked', () => {
    expect(errorCategory(1146, "Table 'slt.t9' doesn't exist")).toBe(
      "1146: Table '…' doesn't exist",
    );
    expect(errorCategory(1235, "This version of MySQL doesn't yet support 'X'")).toBe(
      "1235: This version of MySQL doesn't yet support 'X'",
    );
  });
});

describe('sqllogictest runner', () => {
  it('judges records against the engine: statements, queries, conditions, halt', async () => {
    const script = [
      'statement ok',
      'CREATE TABLE t1(a INTEGER, b INTEGER)',
      '',
      'statement ok',
      'INSERT INTO t1 VALUES(1,2),(3,NULL)',
      '',
      'query II rowsort',
      'SELECT a, b FROM t1',
      '----',
      '1',
      '2',
      '3',
      'NULL',
      '',
      'query I nosort',
      'SELECT a FROM t1 ORDER BY a',
      '----',
      '2 values hashing to 0a88863510308751293f4b91afc07dd6',
      '',
      'query I nosort',
      'SELECT a FROM t1 ORDER BY a DESC',
      '----',
      '1',
      '3',
      '',
      'query R valuesort',
      'SELECT a / 2 FROM t1',
      '----',
      '0.500',
      '1.500',
      '',
      'query T nosort',
      "SELECT ''",
      '----',
      '(empty)',
      '',
      'query II nosort',
      'SELECT 1',
      '----',
      '1',
      '',
      'statement error',
      'SELECT * FROM nope',
      '',
      'statement error',
      'SELECT 1',
      '',
      'skipif mysql',
      'statement ok',
      'SELECT * FROM nope',
      '',
      'onlyif mysql',
      'halt',
      '',
      'statement ok',
      'SELECT * FROM nope',
    ].join('\n');
    const report = await runScript(
      'inline.test',
      parseSltScript(script, 'inline.test'),
      tesseraEngine,
    );
    const failures = report.results
      .filter((r): r is RecordResult & { failure: object } => r.failure !== undefined)
      .map((r) => [r.line, r.failure.category]);
    expect(failures).toEqual([
      [20, 'wrong result: same number of values, different values'],
      [37, 'wrong number of columns'],
      [45, 'statement error succeeded'],
    ]);
    expect(tally(report.results)).toEqual({ passed: 7, total: 10 });
    expect(report).toMatchObject({ skipped: 1, halted: true, limited: false });
  });

  it('stops at the record limit and resumes after a record by replaying the statements', async () => {
    const script = [
      'statement ok',
      'CREATE TABLE t1(a INTEGER)',
      '',
      'statement ok',
      'INSERT INTO t1 VALUES(1)',
      '',
      'statement ok',
      'INSERT INTO t1 VALUES(2)',
      '',
      'query I rowsort',
      'SELECT a FROM t1',
      '----',
      '1',
    ].join('\n');
    const records = parseSltScript(script, 'inline.test');
    const limited = await runScript('inline.test', records, tesseraEngine, { limit: 2 });
    expect(limited.results.map((r) => r.line)).toEqual([1, 4]);
    expect(limited.limited).toBe(true);
    // Resume at the query with the second INSERT left out (as after it hung): 1 row.
    const resumed = await runScript('inline.test', records, tesseraEngine, {
      startAt: 3,
      replaySkip: new Set([2]),
    });
    expect(resumed.results).toEqual([
      { index: 3, line: 10, kind: 'query', sql: 'SELECT a FROM t1' },
    ]);
  });
});

describe('sqllogictest corpus (CI set)', () => {
  const files = [
    join(SLT_ROOT, 'select1.test.gz'),
    join(SLT_ROOT, 'select2.test.gz'),
    join(SLT_ROOT, 'select3.test.gz'),
    firstScript('random/aggregates'),
    firstScript('index/between'),
  ];

  // Measured on a 2-core machine: 24 s alone (in-process, one file after another; 15 s before
  // scans streamed — a streamed statement costs more to set up), 160 s under the whole
  // suite's parallel load. The limit only catches a hang: every record must still pass.
  it(`passes at least ${CI_PASS_RATE_FLOOR} % of the records`, { timeout: 400_000 }, async () => {
    let passed = 0;
    let total = 0;
    const perFile: string[] = [];
    const failures: string[] = [];
    for (const path of files) {
      const file = path.slice(SLT_ROOT.length + 1);
      const report = await runScript(file, readSltScript(path, file), tesseraEngine, {
        timeoutMs: 10_000,
      });
      const t = tally(report.results);
      passed += t.passed;
      total += t.total;
      perFile.push(`${file}: ${t.passed}/${t.total}`);
      for (const r of report.results) {
        if (r.failure !== undefined) failures.push(`${file}:${r.line}: ${r.failure.category}`);
      }
    }
    const summary = [...perFile, ...failures.slice(0, 10)].join('\n');
    expect(total, summary).toBeGreaterThan(20_000);
    expect((100 * passed) / total, summary).toBeGreaterThanOrEqual(CI_PASS_RATE_FLOOR);
  });
});
