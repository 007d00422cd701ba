#!/usr/bin/env node
// npm start [-- options]: builds what is needed, then runs the `tessera` server (embedded
// default) and the console together, prints their URLs, and stops both on Ctrl-C.
//
//   --console-port <port>   console port (default 3000)
//   any other option        passed to `tessera` (e.g. --data-dir, --api-port, --mysql-port)
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const take = (flag, fallback) => {
  const i = args.indexOf(flag);
  if (i === -1) return fallback;
  const value = args[i + 1];
  if (value === undefined) fail(`${flag} needs a value`);
  args.splice(i, 2);
  return value;
};
function fail(message) {
  console.error(`npm start: ${message}`);
  process.exit(2);
}
const consolePort = take('--console-port', '3000');
const apiPortIndex = args.indexOf('--api-port');
const apiPort = apiPortIndex === -1 ? '3001' : args[apiPortIndex + 1];
const apiUrl = `http://127.0.0.1:${apiPort}`;
const mysqlPortIndex = args.indexOf('--mysql-port');
const mysqlPort = mysqlPortIndex === -1 ? '4000' : args[mysqlPortIndex + 1];
const quietEnv = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', NEXT_TELEMETRY_DISABLED: '1' };

console.log('Building the server and the console (cached after the first time)…');
const build = spawnSync(
  'npx',
  [
    'turbo',
    'run',
    'build',
    '--filter=@tessera/server',
    '--filter=@tessera/console',
    '--output-logs=errors-only',
  ],
  { cwd: root, stdio: 'inherit', env: quietEnv },
);
if (build.status !== 0) fail('build failed');

const children = [];
let stopping = false;
function start(name, command, commandArgs, env) {
  const child = spawn(command, commandArgs, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (stream, out) =>
    stream.on('data', (chunk) => {
      for (const line of chunk.toString().split('\n')) if (line) out.write(`[${name}] ${line}\n`);
    });
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping.`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

async function waitFor(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok || res.status === 307) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  const exits = children
    .filter((c) => c.exitCode === null && c.signalCode === null)
    .map(
      (c) =>
        new Promise((resolve) => {
          c.once('exit', resolve);
          c.kill('SIGTERM');
        }),
    );
  const timer = setTimeout(() => {
    for (const c of children) c.kill('SIGKILL');
  }, 10_000);
  await Promise.all(exits);
  clearTimeout(timer);
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

start('tessera', process.execPath, ['apps/server/bin/tessera.mjs', ...args], process.env);
if (!(await waitFor(`${apiUrl}/healthz`, 60_000))) {
  console.error(`the server did not answer on ${apiUrl} within 60 s`);
  await stop(1);
}
start(
  'console',
  process.execPath,
  [
    'node_modules/next/dist/bin/next',
    'start',
    'apps/console',
    '-p',
    consolePort,
    '-H',
    '127.0.0.1',
  ],
  { ...quietEnv, TESSERA_API_URL: apiUrl },
);
if (!(await waitFor(`http://127.0.0.1:${consolePort}/login`, 60_000))) {
  console.error(`the console did not answer on port ${consolePort} within 60 s`);
  await stop(1);
}
console.log('');
console.log(`  Tessera console   http://127.0.0.1:${consolePort}`);
console.log(`  Console API       ${apiUrl}/trpc`);
console.log(`  MySQL             mysql -h 127.0.0.1 -P ${mysqlPort} -u root -p`);
console.log('  Sign in as admin, MySQL as root (passwords printed above on first start).');
console.log('  Ctrl-C stops both.');
console.log('');
