import { defineConfig } from 'tsup';

// One ESM bundle for the `tessera` process. Workspace packages export TypeScript source, so
// they are bundled in; npm dependencies (native LMDB, libSQL, Prisma's runtime) stay external —
// tsup externalizes what package.json lists, so every npm package the bundled workspace code
// imports must be listed there too (lmdb and msgpackr: a bundled lmdb fails on `require`).
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
