import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';
import { rewriteGoldenFiles } from './env';

/**
 * A tiny CockroachDB-style data-driven test runner. A file is a sequence of cases:
 *
 *   # comments and blank lines between cases are kept as they are
 *   command arg=value flag
 *   optional input lines
 *   ----
 *   expected output lines (up to the next blank line)
 *
 * Cases run in order against state the caller keeps, so a file reads as a scenario. With
 * REWRITE=1 the expected sections are replaced by the actual output.
 */
export interface DataDrivenCase {
  readonly command: string;
  readonly args: ReadonlyMap<string, string>;
  readonly input: readonly string[];
  /** 1-based line of the command, for messages. */
  readonly line: number;
}

interface ParsedCase extends DataDrivenCase {
  readonly expected: string;
  /** Line indexes [from, to) of the expected output in the file. */
  readonly expectedFrom: number;
  readonly expectedTo: number;
}

const separator = '----';

function parse(lines: readonly string[], path: string): ParsedCase[] {
  const cases: ParsedCase[] = [];
  let i = 0;
  while (i < lines.length) {
    const text = lines[i] ?? '';
    if (text.trim() === '' || text.startsWith('#')) {
      i++;
      continue;
    }
    const line = i + 1;
    const [command = '', ...rest] = text.trim().split(/\s+/);
    const args = new Map<string, string>();
    for (const token of rest) {
      const eq = token.indexOf('=');
      if (eq < 0) args.set(token, '');
      else args.set(token.slice(0, eq), token.slice(eq + 1));
    }
    i++;
    const input: string[] = [];
    while (i < lines.length && lines[i] !== separator) input.push(lines[i++] ?? '');
    if (i >= lines.length)
      throw new Error(`${path}:${line}: '${command}' has no ${separator} line`);
    i++;
    const expectedFrom = i;
    while (i < lines.length && (lines[i] ?? '').trim() !== '') i++;
    cases.push({
      command,
      args,
      input,
      line,
      expected: lines.slice(expectedFrom, i).join('\n'),
      expectedFrom,
      expectedTo: i,
    });
  }
  return cases;
}

/** Runs every case of a file through `run`, comparing (or, with REWRITE=1, recording) output. */
export function runDataDrivenFile(path: string, run: (c: DataDrivenCase) => string): void {
  const lines = readFileSync(path, 'utf8').split('\n');
  const cases = parse(lines, path);
  const actual = cases.map((c) => {
    const out = run(c).trimEnd();
    if (out.split('\n').some((l) => l.trim() === '')) {
      throw new Error(`${path}:${c.line}: output may not contain blank lines`);
    }
    return out;
  });
  if (rewriteGoldenFiles) {
    const rewritten = [...lines];
    for (let k = cases.length - 1; k >= 0; k--) {
      const c = cases[k];
      if (c === undefined) continue;
      rewritten.splice(
        c.expectedFrom,
        c.expectedTo - c.expectedFrom,
        ...(actual[k] ?? '').split('\n'),
      );
    }
    writeFileSync(path, rewritten.join('\n'));
    return;
  }
  cases.forEach((c, k) => {
    expect(actual[k], `${path}:${c.line}: ${c.command}`).toBe(c.expected);
  });
}

export function intArg(c: DataDrivenCase, name: string, fallback?: number): number {
  const raw = c.args.get(name);
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new Error(`line ${c.line}: '${c.command}' needs ${name}=`);
  }
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`line ${c.line}: ${name}=${raw} is not an integer`);
  return value;
}
