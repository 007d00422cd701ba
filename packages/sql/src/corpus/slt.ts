// Reads SQL out of sqllogictest files (../shared/slt, gzipped): every `statement` and `query`
// record, with the engine conditions (`skipif` / `onlyif`) that precede it.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface SltRecord {
  readonly file: string;
  readonly line: number;
  readonly type: 'statement ok' | 'statement error' | 'query';
  readonly sql: string;
  /** Engines named by `skipif` / `onlyif` conditions of this record. */
  readonly skipIf: readonly string[];
  readonly onlyIf: readonly string[];
}

export function readSltRecords(path: string, file: string): SltRecord[] {
  const text = gunzipSync(readFileSync(path)).toString('utf8');
  const lines = text.split('\n');
  const out: SltRecord[] = [];
  let skipIf: string[] = [];
  let onlyIf: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trimEnd();
    if (line === '') {
      skipIf = [];
      onlyIf = [];
      continue;
    }
    if (line.startsWith('#')) continue;
    const words = line.split(/\s+/);
    const head = words[0];
    if (head === 'skipif') {
      skipIf.push(words[1] ?? '');
      continue;
    }
    if (head === 'onlyif') {
      onlyIf.push(words[1] ?? '');
      continue;
    }
    if (head === 'statement' || head === 'query') {
      const type =
        head === 'query' ? 'query' : words[1] === 'error' ? 'statement error' : 'statement ok';
      const start = i + 1;
      const sqlLines: string[] = [];
      i++;
      while (i < lines.length) {
        const l = lines[i] ?? '';
        if (l.trim() === '' || l.startsWith('----')) break;
        sqlLines.push(l);
        i++;
      }
      // Skip the expected results of a query.
      if ((lines[i] ?? '').startsWith('----')) {
        while (i < lines.length && (lines[i] ?? '').trim() !== '') i++;
      }
      out.push({ file, line: start, type, sql: sqlLines.join('\n'), skipIf, onlyIf });
      skipIf = [];
      onlyIf = [];
    }
  }
  return out;
}
