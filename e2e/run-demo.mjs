#!/usr/bin/env node
// npm run demo -- <name>: runs e2e/demos/<name>.demo.ts in headless Chromium against a fresh
// server and console, leaving numbered screenshots in e2e/artifacts/demos/<name>/.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const demos = readdirSync(new URL('./demos', import.meta.url))
  .filter((f) => f.endsWith('.demo.ts'))
  .map((f) => f.replace(/\.demo\.ts$/, ''));
const [name] = process.argv.slice(2);
if (name === undefined || name === '--all') {
  if (name === undefined) console.log(`demos: ${demos.join(', ')} (running all)`);
} else if (!demos.includes(name)) {
  console.error(`unknown demo '${name}'; available: ${demos.join(', ')}`);
  process.exit(2);
}
const args = ['playwright', 'test', '--config', 'demos.config.ts'];
if (name !== undefined && name !== '--all') args.push(`demos/${name}.demo.ts`);
const result = spawnSync('npx', args, {
  stdio: 'inherit',
  cwd: new URL('.', import.meta.url),
});
process.exit(result.status ?? 1);
