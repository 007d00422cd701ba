import { defineConfig } from 'tsup';

// The benchmarks built the way `tessera` ships (tsup.config.ts: one ESM bundle, workspace
// packages bundled in, npm dependencies external), so that they measure the shipped code and
// not tsx's on-the-fly transpile (which wraps every function in a `__name` helper: 3–8 % of
// the CPU of a SQL statement in profiles). Output under node_modules/.cache (not committed).
export default defineConfig({
  entry: {
    'sql-sysbench': 'bench/sql-sysbench.ts',
    'sql-statement-timing': 'bench/sql-statement-timing.ts',
  },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outDir: 'node_modules/.cache/tessera-bench',
  clean: true,
  sourcemap: true,
  noExternal: [/^@tessera\//],
  // The client library of the bench (a devDependency, so not external by default): CommonJS.
  external: ['mysql2', 'mysql2/promise'],
});
