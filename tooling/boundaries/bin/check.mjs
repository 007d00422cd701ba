#!/usr/bin/env node
// Prints every boundary violation in the tree and exits 1 if there is any.
import { fileURLToPath } from 'node:url';
import { resolve, dirname } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const here = dirname(fileURLToPath(import.meta.url));
const { checkTree } = await tsImport('../src/index.ts', import.meta.url);
const root = resolve(here, '../../..');
const violations = checkTree(root);
for (const v of violations) console.log(`${v.file}:${v.line} [${v.rule}] ${v.message}`);
console.log(
  violations.length === 0 ? 'boundaries: clean' : `boundaries: ${violations.length} violation(s)`,
);
process.exit(violations.length === 0 ? 0 : 1);
