#!/usr/bin/env node
// npm test: every test there is, in order of speed: static checks and unit/integration tests
// of every package (through turbo), then the browser tests against the real built product.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', NEXT_TELEMETRY_DISABLED: '1' };
const steps = [
  ['system packages', 'bash', ['scripts/ensure-system-deps.sh']],
  ['formatting', 'npx', ['prettier', '--check', '.', '--log-level', 'warn']],
  [
    'build, lint, typecheck, unit and integration tests',
    'npx',
    [
      'turbo',
      'run',
      'build',
      'lint',
      'typecheck',
      'test',
      '--concurrency=2',
      '--continue=dependencies-successful',
      '--output-logs=new-only',
    ],
  ],
  ['browser tests (Playwright, Debian Chromium)', 'npm', ['run', 'test:e2e']],
];

const started = Date.now();
const results = [];
for (const [name, command, args] of steps) {
  console.log(`\n=== ${name}`);
  const t0 = Date.now();
  const run = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  results.push({ name, ok: run.status === 0, seconds });
  if (run.status !== 0) break;
}
console.log('\n=== summary');
for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds} s)`);
const failed = results.filter((r) => !r.ok).length;
const passed = results.length - failed;
console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`steps: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && results.length === steps.length ? 0 : 1);
