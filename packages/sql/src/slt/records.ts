// The sqllogictest file format (https://www.sqlite.org/sqllogictest/doc/trunk/about.wiki), read
// whole: every record with its conditions and, for queries, the expected results.
//
// A record is a run of non-blank lines; blank lines separate records. Lines starting with `#`
// are comments. `skipif <engine>` / `onlyif <engine>` lines (anything after the engine name is
// a comment) apply to the record that follows them in the same block. Record kinds:
//
//   statement ok | statement error     then the SQL, up to the blank line
//   query <types> [<sortmode> [<label>]]  then the SQL, `----`, the expected values
//   hash-threshold <n>                 results of more than n values are given as an MD5 hash
//   halt                               stop reading the file (with its conditions)
//
// The corpus is written one value per line; "N values hashing to <md5>" stands for the values.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export type SortMode = 'nosort' | 'rowsort' | 'valuesort';
export type ColumnType = 'I' | 'R' | 'T';

/** Expected query results: the value lines as written, or the hash of the values. */
export type Expected =
  | { readonly kind: 'values'; readonly lines: readonly string[] }
  | { readonly kind: 'hash'; readonly count: number; readonly md5: string };

interface RecordBase {
  readonly file: string;
  /** 1-based line of the record's first line (its kind line, after any conditions). */
  readonly line: number;
  readonly skipIf: readonly string[];
  readonly onlyIf: readonly string[];
}

export interface StatementRecord extends RecordBase {
  readonly kind: 'statement';
  readonly expectError: boolean;
  readonly sql: string;
}

export interface QueryRecord extends RecordBase {
  readonly kind: 'query';
  readonly types: readonly ColumnType[];
  readonly sortMode: SortMode;
  readonly label: string | undefined;
  readonly sql: string;
  /** Undefined when the record has no `----` section (results not checked). */
  readonly expected: Expected | undefined;
}

export interface HashThresholdRecord extends RecordBase {
  readonly kind: 'hash-threshold';
  readonly threshold: number;
}

export interface HaltRecord extends RecordBase {
  readonly kind: 'halt';
}

export type ScriptRecord = StatementRecord | QueryRecord | HashThresholdRecord | HaltRecord;

export class SltFormatError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'SltFormatError';
  }
}

const HASH_LINE = /^(\d+) values hashing to ([0-9a-f]{32})$/;

/** Whether a record runs on `engine` under its `skipif` / `onlyif` conditions. */
export function runsOn(record: ScriptRecord, engine: string): boolean {
  if (record.skipIf.includes(engine)) return false;
  return record.onlyIf.length === 0 || record.onlyIf.includes(engine);
}

/** Reads a `.test` file, or a gzipped `.test.gz` one. */
export function readSltScript(path: string, file: string = path): ScriptRecord[] {
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  return parseSltScript(text, file);
}

function parseSortMode(word: string | undefined, file: string, line: number): SortMode {
  if (word === undefined || word === 'nosort') return 'nosort';
  if (word === 'rowsort' || word === 'valuesort') return word;
  throw new SltFormatError(file, line, `unknown sort mode '${word}'`);
}

function parseTypes(word: string | undefined, file: string, line: number): ColumnType[] {
  if (word === undefined || word === '')
    throw new SltFormatError(file, line, 'query without types');
  return Array.from(word, (c) => {
    if (c === 'I' || c === 'R' || c === 'T') return c;
    throw new SltFormatError(file, line, `unknown column type '${c}' in '${word}'`);
  });
}

function parseExpected(lines: readonly string[]): Expected {
  const only = lines.length === 1 ? lines[0] : undefined;
  const hash = only === undefined ? null : HASH_LINE.exec(only);
  if (hash !== null) {
    return { kind: 'hash', count: Number(hash[1]), md5: hash[2] ?? '' };
  }
  return { kind: 'values', lines };
}

/** Parses a script's text (LF or CRLF line ends). `file` names it in records and errors. */
export function parseSltScript(text: string, file: string): ScriptRecord[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const out: ScriptRecord[] = [];
  let skipIf: string[] = [];
  let onlyIf: string[] = [];
  const blank = (i: number) => (lines[i] ?? '').trim() === '';
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (line.trim() === '') {
      skipIf = [];
      onlyIf = [];
      i++;
      continue;
    }
    if (line.startsWith('#')) {
      i++;
      continue;
    }
    const words = line.trim().split(/\s+/);
    const head = words[0];
    const lineNo = i + 1;
    const base = { file, line: lineNo, skipIf, onlyIf };
    i++;
    switch (head) {
      case 'skipif':
      case 'onlyif': {
        const engine = words[1];
        if (engine === undefined) throw new SltFormatError(file, lineNo, `${head} without engine`);
        (head === 'skipif' ? skipIf : onlyIf).push(engine);
        continue;
      }
      case 'hash-threshold': {
        const n = Number(words[1]);
        if (!Number.isInteger(n) || n < 0)
          throw new SltFormatError(file, lineNo, `bad hash-threshold '${words[1] ?? ''}'`);
        out.push({ ...base, kind: 'hash-threshold', threshold: n });
        break;
      }
      case 'halt':
        out.push({ ...base, kind: 'halt' });
        break;
      case 'statement': {
        const mode = words[1];
        if (mode !== 'ok' && mode !== 'error')
          throw new SltFormatError(file, lineNo, `unknown statement mode '${mode ?? ''}'`);
        const sql: string[] = [];
        while (i < lines.length && !blank(i)) sql.push(lines[i++] ?? '');
        out.push({
          ...base,
          kind: 'statement',
          expectError: mode === 'error',
          sql: sql.join('\n'),
        });
        break;
      }
      case 'query': {
        const types = parseTypes(words[1], file, lineNo);
        const sortMode = parseSortMode(words[2], file, lineNo);
        const sql: string[] = [];
        while (i < lines.length && !blank(i) && !(lines[i] ?? '').startsWith('----'))
          sql.push(lines[i++] ?? '');
        let expected: Expected | undefined;
        if (i < lines.length && (lines[i] ?? '').startsWith('----')) {
          i++;
          const values: string[] = [];
          while (i < lines.length && !blank(i)) values.push(lines[i++] ?? '');
          expected = parseExpected(values);
        }
        out.push({
          ...base,
          kind: 'query',
          types,
          sortMode,
          label: words[3],
          sql: sql.join('\n'),
          expected,
        });
        break;
      }
      case undefined:
      default:
        throw new SltFormatError(file, lineNo, `unknown record '${line}'`);
    }
    skipIf = [];
    onlyIf = [];
  }
  return out;
}
