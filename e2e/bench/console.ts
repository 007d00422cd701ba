/**
 * `npm run bench:console`: how fast the console shows the cluster, with 6 data nodes and 500
 * slices (10 tables × 50 slices) on the embedded default.
 *
 *   1. first load of each page: navigation start → the page's live content visible, in a
 *      Chromium (Debian's, headless) signed in through the login form; the first load of each
 *      page and the median of 5;
 *   2. live delay on the slice map, once it is open with every slice drawn: a data node is
 *      killed through the API; from the moment the kill has answered (the node no longer
 *      serves) to the moment the slice map shows its replicas down, without a reload; then the
 *      same for its restart. 3 nodes, each way.
 *
 * Targets (issue 6): each page ≤ 1.5 s on localhost, live delay ≤ 1 s. The figures are printed;
 * nothing is asserted (absolute times on these machines are noisy).
 *
 * It builds nothing: run `npm run build` first (the npm script does).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import type { Page } from '@playwright/test';
import mysql from 'mysql2/promise';
import { chromiumArgs } from '../support/constants';
import { childEnv, e2eEnv } from '../env';

const root = fileURLToPath(new URL('../..', import.meta.url));
const adminPassword = 'bench-admin-password';
const rootPassword = 'bench-root-password';
const tables = 10;
const slicesPerTable = 50;
const loadsPerPage = 5;

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

function start(
  name: string,
  command: string,
  args: string[],
  env: Readonly<Record<string, string>>,
): ChildProcess {
  const child = spawn(command, args, {
    cwd: root,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: `npx next start` runs next-server as a grandchild, and the group
    // is what must stop.
    detached: true,
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal === null)
      console.error(`${name} exited with ${String(code)}:\n${tail}`);
  });
  return child;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A tRPC call over HTTP with the session cookie (superjson: `{ json: input }`). */
async function trpc(
  apiUrl: string,
  cookie: string,
  path: string,
  input: unknown,
  kind: 'query' | 'mutation',
): Promise<unknown> {
  const body = JSON.stringify({ json: input });
  const res =
    kind === 'mutation'
      ? await fetch(`${apiUrl}/trpc/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie },
          body,
        })
      : await fetch(`${apiUrl}/trpc/${path}?input=${encodeURIComponent(body)}`, {
          headers: { cookie },
        });
  const payload = (await res.json()) as { result?: { data?: { json?: unknown } }; error?: unknown };
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(payload.error)}`);
  return payload.result?.data?.json;
}

const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};
const ms = (x: number) => `${Math.round(x)} ms`;

/** Each page and what shows that its live content is there (not a loading notice). */
const pages: readonly { readonly path: string; readonly ready: string }[] = [
  { path: '/', ready: '[data-testid="zones"] [data-testid="zone-summary"]' },
  { path: '/topology', ready: '[data-testid="node-6"] [data-testid="node-running"]' },
  { path: '/slices?db=bench', ready: '[data-testid="slice-row"] [data-testid="slice-member"]' },
  { path: '/workload', ready: '[data-testid="node-load"] svg' },
  { path: '/sql', ready: '[data-testid="sql-account"]' },
  {
    path: '/sessions',
    ready: '[data-testid="sessions-table"] [data-testid="session-row"]',
  },
  { path: '/audit', ready: '[data-testid="audit-table"] [data-testid="audit-row"]' },
];

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-console-'));
  const apiPort = await freePort();
  const consolePort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const consoleUrl = `http://127.0.0.1:${consolePort}`;
  const children: ChildProcess[] = [];
  try {
    children.push(
      start(
        'tessera',
        'node',
        [
          'apps/server/bin/tessera.mjs',
          '--data-dir',
          dataDir,
          '--api-port',
          String(apiPort),
          '--mysql-port',
          '0',
          '--nodes',
          '6',
        ],
        { TESSERA_ADMIN_PASSWORD: adminPassword, TESSERA_ROOT_PASSWORD: rootPassword },
      ),
    );
    children.push(
      start(
        'console',
        'npx',
        ['next', 'start', 'apps/console', '-p', String(consolePort), '-H', '127.0.0.1'],
        { TESSERA_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1' },
      ),
    );
    await waitFor('the server', async () => (await fetch(`${apiUrl}/healthz`)).ok, 60_000);
    await waitFor('the console', async () => (await fetch(`${consoleUrl}/login`)).ok, 60_000);

    const login = await fetch(`${apiUrl}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: { loginName: 'admin', password: adminPassword } }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    if (!login.ok || cookie === '') throw new Error(`admin login failed: ${login.status}`);
    // The API answers before the MySQL listener is up: wait for its address.
    let mysqlAddress: string | null = null;
    await waitFor(
      'the MySQL listener',
      async () => {
        const info = (await trpc(apiUrl, cookie, 'server.info', undefined, 'query')) as {
          endpoints: { mysql: string | null };
        };
        mysqlAddress = info.endpoints.mysql;
        return mysqlAddress !== null;
      },
      60_000,
    );
    const mysqlPort = Number(String(mysqlAddress).split(':').pop());

    const setupStart = performance.now();
    const sql = await mysql.createConnection({
      host: '127.0.0.1',
      port: mysqlPort,
      user: 'root',
      password: rootPassword,
      multipleStatements: true,
    });
    await sql.query('CREATE DATABASE bench');
    for (let t = 0; t < tables; t++) {
      await sql.query(
        `CREATE TABLE bench.t${t} (id INT PRIMARY KEY, v VARCHAR(100)) SLICES = ${slicesPerTable}`,
      );
      const values = Array.from({ length: 200 }, (_, i) => `(${i}, 'row ${i} of t${t}')`);
      await sql.query(`INSERT INTO bench.t${t} VALUES ${values.join(', ')}`);
    }
    const overview = (await trpc(apiUrl, cookie, 'cluster.overview', undefined, 'query')) as {
      nodes: unknown[];
      slices: unknown[];
    };
    console.log(
      `cluster: ${overview.nodes.length} nodes, ${overview.slices.length} slices ` +
        `(set up in ${ms(performance.now() - setupStart)})`,
    );

    const browser = await chromium.launch({
      executablePath: e2eEnv.chromiumPath,
      args: chromiumArgs,
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    // Signed in as a DBA is: through the login form (the browser then holds the console's
    // shared scripts, as it does for every page after the first).
    await page.goto(`${consoleUrl}/login`);
    await page.getByLabel('Login name').fill('admin');
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('current-user').waitFor({ timeout: 30_000 });

    console.log('\nfirst load (navigation → live content visible), target ≤ 1500 ms');
    for (const { path, ready } of pages) {
      const times: number[] = [];
      for (let i = 0; i < loadsPerPage; i++) {
        const begin = performance.now();
        await page.goto(`${consoleUrl}${path}`);
        await page.locator(ready).first().waitFor({ state: 'visible', timeout: 30_000 });
        times.push(performance.now() - begin);
      }
      console.log(
        `  ${path.padEnd(24)} first ${ms(times[0] ?? NaN).padStart(8)}   median ${ms(median(times)).padStart(8)}`,
      );
    }

    console.log('\nlive delay on the slice map (change answered → shown), target ≤ 1000 ms');
    await liveDelay(page, consoleUrl, apiUrl, cookie);
    await sql.end();
    await browser.close();
  } finally {
    for (const child of children) {
      try {
        if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
      } catch {
        // The group is gone already.
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Kills and restarts 3 nodes in turn with the slice map of `bench` open; each way, the time
 * from the API's answer (the node stopped / runs again) to the map showing it: a member of the
 * node drawn `down`, then none.
 */
async function liveDelay(page: Page, consoleUrl: string, apiUrl: string, cookie: string) {
  await page.goto(`${consoleUrl}/slices?db=bench`);
  // The map open and whole: every slice of `bench` drawn (the rows after the first screenful
  // follow in a background render), then a second of nothing happening.
  await page.waitForFunction(
    (rows) => document.querySelectorAll('[data-testid="slice-row"]').length >= rows,
    tables * slicesPerTable,
    { timeout: 30_000 },
  );
  await new Promise((r) => setTimeout(r, 1000));
  const down = (node: number) =>
    `[data-testid="slice-member"][data-node="${node}"][data-raft="down"]`;
  const delays: number[] = [];
  for (const node of [2, 4, 6]) {
    await trpc(apiUrl, cookie, 'cluster.killNode', { nodeId: node }, 'mutation');
    let begin = performance.now();
    await page.locator(down(node)).first().waitFor({ state: 'attached', timeout: 30_000 });
    const killShown = performance.now() - begin;
    await trpc(apiUrl, cookie, 'cluster.restartNode', { nodeId: node }, 'mutation');
    begin = performance.now();
    await page.waitForFunction(
      (selector) => document.querySelector(selector) === null,
      down(node),
      {
        timeout: 30_000,
        polling: 'raf',
      },
    );
    const restartShown = performance.now() - begin;
    delays.push(killShown, restartShown);
    console.log(
      `  node ${node}: kill shown after ${ms(killShown).padStart(8)}, restart shown after ${ms(restartShown).padStart(8)}`,
    );
    // Let the restarted node catch up before the next one goes down.
    await new Promise((r) => setTimeout(r, 3000));
  }
  console.log(`  median ${ms(median(delays))}, max ${ms(Math.max(...delays))}`);
}

await main();
