#!/usr/bin/env node
// The `tessera` command. Runs the bundle built by `npm run build -w @tessera/server`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (!existsSync(bundle)) {
  console.error('tessera: not built yet; run `npm run build` at the repository root first.');
  process.exit(1);
}
await import(bundle);
