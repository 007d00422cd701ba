import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkTree } from './check';

const repoRoot = resolve(import.meta.dirname, '../../..');

/** Builds a throw-away workspace: files maps a relative path to its text. */
function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'boundaries-'));
  for (const [path, text] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  roots.push(root);
  return root;
}
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

const graph = {
  '@tessera/a': ['@tessera/b'],
  '@tessera/b': [],
  '@tessera/engine': [],
};
const manifest = (name: string, exports: Record<string, string> = { '.': './src/index.ts' }) =>
  JSON.stringify({ name, exports });

function fixture(extra: Record<string, string>): string {
  return workspace({
    'packages/a/package.json': manifest('@tessera/a'),
    'packages/b/package.json': manifest('@tessera/b', {
      '.': './src/index.ts',
      './client': './src/client.ts',
    }),
    'packages/engine/package.json': manifest('@tessera/engine'),
    'packages/b/src/index.ts': 'export const b = 1;\n',
    'packages/b/src/client.ts': 'export const c = 1;\n',
    ...extra,
  });
}

const check = (root: string, typeOnlyImports: Record<string, string[]> = {}) =>
  checkTree(root, {
    allowedImports: graph,
    enginePackages: new Set(['@tessera/engine']),
    typeOnlyImports,
  });

describe('checkTree', () => {
  it('accepts imports through a package index and its exported subpaths', () => {
    const root = fixture({
      'packages/a/src/index.ts':
        "import { b } from '@tessera/b';\nimport { c } from '@tessera/b/client';\nexport const a = b + c;\n",
    });
    expect(check(root)).toEqual([]);
  });

  it("rejects a deep import into another package's src/", () => {
    const root = fixture({
      'packages/a/src/index.ts': "import { b } from '@tessera/b/src/index';\nexport const a = b;\n",
    });
    expect(check(root)).toEqual([
      expect.objectContaining({ file: 'packages/a/src/index.ts', line: 1, rule: 'deep-import' }),
    ]);
  });

  it('rejects a relative import that reaches into another package', () => {
    const root = fixture({
      'packages/a/src/index.ts': "export { b } from '../../b/src/index';\n",
    });
    expect(check(root).map((v) => v.rule)).toEqual(['cross-package-relative']);
  });

  it('rejects an edge that the package graph does not allow', () => {
    const root = fixture({
      'packages/b/src/uses-a.ts': "import { a } from '@tessera/a';\nexport const x = a;\n",
    });
    expect(check(root).map((v) => v.rule)).toEqual(['forbidden-edge']);
  });

  it('rejects dynamic import() and require() of forbidden targets too', () => {
    const root = fixture({
      'packages/b/src/lazy.ts':
        "export const load = () => import('@tessera/a');\nexport const r = () => require('@tessera/b/src/x');\n",
    });
    expect(check(root).map((v) => v.rule)).toEqual(['forbidden-edge', 'deep-import']);
  });

  it('allows process.env only in an env.ts module', () => {
    const root = fixture({
      'packages/a/src/env.ts': 'export const port = process.env.PORT;\n',
      'packages/a/src/server.ts': 'export const host = process.env.HOST;\n',
    });
    expect(check(root)).toEqual([
      expect.objectContaining({ file: 'packages/a/src/server.ts', rule: 'process-env' }),
    ]);
  });

  it('rejects wall clock, timers and randomness in engine packages, but not in tests or benchmarks', () => {
    const root = fixture({
      'packages/engine/src/index.ts': [
        'export const t = Date.now();',
        'export const r = Math.random();',
        'export const d = new Date();',
        'export const fixed = new Date(0);',
        'setTimeout(() => undefined, 1);',
      ].join('\n'),
      'packages/engine/src/index.test.ts': 'export const t = Date.now();\n',
      'packages/engine/bench/speed.ts': 'export const t = performance.now();\n',
      'packages/a/src/index.ts': 'export const t = Date.now();\n',
    });
    expect(check(root).map((v) => `${v.file}:${v.line}:${v.rule}`)).toEqual([
      'packages/engine/src/index.ts:1:engine-nondeterminism',
      'packages/engine/src/index.ts:2:engine-nondeterminism',
      'packages/engine/src/index.ts:3:engine-nondeterminism',
      'packages/engine/src/index.ts:5:engine-nondeterminism',
    ]);
  });

  it('allows only types through a type-only edge, but values from exported subpaths', () => {
    const root = fixture({
      'packages/a/src/ok.ts': [
        "import type { b } from '@tessera/b';",
        "import { type b as b2 } from '@tessera/b';",
        "export type { b as b3 } from '@tessera/b';",
        "import { c } from '@tessera/b/client';",
        'export type T = typeof b | typeof b2 | typeof c;',
      ].join('\n'),
      'packages/a/src/bad.ts': "import { b } from '@tessera/b';\nexport const x = b;\n",
      'packages/a/src/side-effect.ts': "import '@tessera/b';\n",
    });
    expect(check(root, { '@tessera/a': ['@tessera/b'] }).map((v) => `${v.file}:${v.rule}`)).toEqual(
      ['packages/a/src/bad.ts:type-only-edge', 'packages/a/src/side-effect.ts:type-only-edge'],
    );
  });

  it('catches host clocks and crypto randomness imported under another name', () => {
    const root = fixture({
      'packages/engine/src/alias.ts': [
        "import { performance as wall } from 'node:perf_hooks';",
        "import { setTimeout as later } from 'node:timers/promises';",
        "import { randomBytes as bytes, createHash } from 'node:crypto';",
        'export const x = [wall, later, bytes, createHash];',
      ].join('\n'),
    });
    expect(check(root).map((v) => `${v.line}:${v.rule}`)).toEqual([
      '1:engine-nondeterminism',
      '2:engine-nondeterminism',
      '3:engine-nondeterminism',
    ]);
  });

  it('names a package that is missing from the graph', () => {
    const root = fixture({
      'packages/new/package.json': manifest('@tessera/new'),
      'packages/new/src/index.ts': "export { b } from '@tessera/b';\n",
    });
    expect(check(root).map((v) => v.rule)).toEqual(['unknown-package']);
  });

  // Parses every source file of the repository: seconds on a loaded 2-core machine.
  it('finds no violation in this repository', { timeout: 60_000 }, () => {
    expect(checkTree(repoRoot)).toEqual([]);
  });
});
