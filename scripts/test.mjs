#!/usr/bin/env node
// npm test: every test there is, in order of speed: static checks and unit/integration tests
// of every package (through turbo), then the browser tests against the real built product, then
// every demo story (each on a fresh server, as `npm run demo -- <name>` runs one).
//
// Output goes through as it comes; lines that name a failure (vitest's FAIL lines with the
// error under them, Playwright's ✘ lines, turbo's failed tasks) are also kept and printed
// again in the summary, so that the end of a long log alone says what failed.
import { spawn } from 'node:child_process';
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
  ['demo stories (Playwright; screenshots in e2e/artifacts/demos/)', 'npm', ['run', 'demo']],
];

/** How many lines after a failure line are kept with it (the assertion and its values). */
const CONTEXT_LINES = 8;
/** At most this many kept lines are printed again after the summary. */
const KEPT_MAX = 80;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
/** A failed test or task, an eslint or tsc error: kept first. */
const FAILED_TEST = /(\bFAIL\b|✘|(^|:)\s+×\s|Failed:|AssertionError|\d+:\d+\s+error\s|error TS\d+)/;
/** Any other error line: kept after those, while room is left. */
const ERROR_LINE = /(Error: |failed with error)/;

/** Runs one step with its output passed through; resolves to its exit status and kept lines. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['inherit', 'pipe', 'pipe'] });
    const kept = { tests: [], errors: [] };
    let after = 0;
    let into = kept.tests;
    const scan = (chunk, carry) => {
      const text = carry.value + chunk.toString('utf8');
      const lines = text.split('\n');
      carry.value = lines.pop() ?? '';
      for (const raw of lines) {
        const line = raw.replace(ANSI, '');
        if (FAILED_TEST.test(line) || ERROR_LINE.test(line)) {
          if (after === 0) into = FAILED_TEST.test(line) ? kept.tests : kept.errors;
          after = CONTEXT_LINES;
          into.push(line);
        } else if (after > 0) {
          after--;
          into.push(line);
        }
      }
    };
    const out = { value: '' };
    const err = { value: '' };
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      scan(chunk, out);
    });
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      scan(chunk, err);
    });
    child.on('error', (e) => resolve({ status: 1, kept: [...kept.tests, String(e)] }));
    child.on('close', (status) =>
      resolve({ status: status ?? 1, kept: [...kept.tests, ...kept.errors] }),
    );
  });
}

const started = Date.now();
const results = [];
for (const [name, command, args] of steps) {
  console.log(`\n=== ${name}`);
  const t0 = Date.now();
  const { status, kept } = await run(command, args);
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  results.push({ name, ok: status === 0, seconds, kept });
  if (status !== 0) break;
}
console.log('\n=== summary');
for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds} s)`);
const failed = results.filter((r) => !r.ok).length;
const passed = results.length - failed;
console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`steps: ${passed} passed, ${failed} failed`);
const failedSteps = results.filter((r) => !r.ok);
if (failedSteps.length > 0) {
  console.log('\n=== what failed (lines kept from the output above)');
  for (const r of failedSteps) {
    const lines = r.kept.length > KEPT_MAX ? r.kept.slice(0, KEPT_MAX) : r.kept;
    console.log(`--- ${r.name}`);
    for (const line of lines) console.log(`  ${line}`);
    if (r.kept.length > KEPT_MAX) console.log(`  … ${r.kept.length - KEPT_MAX} more lines above`);
  }
}
process.exit(failed === 0 && results.length === steps.length ? 0 : 1);
