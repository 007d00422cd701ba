import { defineConfig } from 'tsup';

// One ESM bundle for the `tessera` process. Workspace packages export TypeScript source, so
// they are bundled in; npm dependencies (native LMDB, libSQL, Prisma's runtime) stay external.
export default defineConfig({
  entry: { main: 'src/main.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  noExternal: [/^@tessera\//],
});
