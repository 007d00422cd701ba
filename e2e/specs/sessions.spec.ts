import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import type { Connection } from 'mysql2/promise';
import type { ApiSession } from '../support/api';
import { apiAs, mysqlEndpoint } from '../support/api';
import { signIn, snap } from '../support/console';
import { connectAsRoot } from '../support/mysql';
import { admin, testUsers } from '../support/users';

// Real mysql2 clients against the server's MySQL listener (a free port, read from
// `server.info`), as 'root'@'%' with the password the server generated on its first start.
const settle = { timeout: 10_000 };
const database = 'e2e_sessions';
/** Rows of `t`: the long statement joins three copies of it. */
const tRows = 400;
/**
 * A statement that runs until it is killed, as far as these tests go: a pure SELECT over
 * 64 000 000 triples of `t`, tens of seconds of in-memory join work that pauses between slices
 * of rows (where a KILL reaches it). The engine refuses SLEEP (it keeps no timers), so a real
 * workload stands in for `SELECT SLEEP(30)`. Longer than the 80 characters the table shows.
 */
const longSql =
  'SELECT COUNT(*) FROM t a, t b, t c WHERE a.v + b.v + c.v = 100 /* 64 000 000 triples of t */';

let api: ApiSession;
const open: Connection[] = [];

test.beforeAll(async () => {
  api = await apiAs(admin.loginName, admin.password);
  const setup = await connectAsRoot(api);
  const values = Array.from({ length: tRows }, (_, i) => `(${i}, ${i % 7})`).join(', ');
  await setup.query(`CREATE DATABASE IF NOT EXISTS ${database}`);
  await setup.query(`USE ${database}`);
  await setup.query('CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, v INT)');
  await setup.query('DELETE FROM t');
  await setup.query(`INSERT INTO t VALUES ${values}`);
  await setup.end();
});

test.afterEach(async () => {
  // A connection a test left open would show on the next test's page.
  await Promise.all(open.splice(0).map((conn) => conn.end().catch(() => undefined)));
});

test.afterAll(async () => {
  await api.dispose();
});

async function connect(): Promise<Connection> {
  const conn = await connectAsRoot(api);
  await conn.query(`USE ${database}`);
  open.push(conn);
  return conn;
}

/** How a query ended: its rows, or the error the client got, and when. */
type Outcome = { kind: 'rows' } | { kind: 'error'; code: unknown; errno: unknown; atMs: number };

function outcomeOf(query: Promise<unknown>): Promise<Outcome> {
  return query.then(
    () => ({ kind: 'rows' }) as const,
    (error: unknown) => {
      const e = error as { code?: unknown; errno?: unknown };
      return { kind: 'error', code: e.code, errno: e.errno, atMs: Date.now() } as const;
    },
  );
}

function rowOf(page: Page, id: number) {
  return page.locator(`[data-testid="session-row"][data-session="${id}"]`);
}

/** Opens the confirmation of one session's kill button and confirms it. */
async function confirmKill(page: Page, id: number, which: 'kill-query' | 'kill-connection') {
  await rowOf(page, id).getByTestId(which).click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await dialog.getByTestId('confirm-action').click();
}

test('with no client connected, the page says how to connect, on the real port', async ({
  page,
}) => {
  const { port } = await mysqlEndpoint(api);
  await signIn(page, testUsers.viewer.loginName, testUsers.viewer.password);
  await page.goto('/sessions');
  await expect(page.getByTestId('sessions-none')).toContainText('No SQL clients are connected');
  await expect(page.getByTestId('connect-command')).toHaveText(
    `mysql -h127.0.0.1 -P${port} -uroot -p`,
  );
  await expect(page.getByTestId('sessions-table')).toHaveCount(0);
  await snap(page, 'sessions-empty');
});

test('an operator sees a running statement and kills its connection; the client loses it', async ({
  page,
}) => {
  const victim = await connect();
  const observer = await connect();
  await observer.query('SELECT 1');
  await signIn(page, testUsers.operator.loginName, testUsers.operator.password);
  await page.goto('/sessions');

  const running = outcomeOf(victim.query(longSql));
  const row = rowOf(page, victim.threadId);
  const statement = row.getByTestId('session-statement');
  // Shortened in the table; the whole statement on expand (a <summary>: keyboard reachable).
  await expect(statement.locator('summary')).toHaveText(`${longSql.slice(0, 80)}…`, settle);
  await expect(statement.locator('pre')).toBeHidden();
  await statement.locator('summary').focus();
  await page.keyboard.press('Enter');
  await expect(statement.locator('pre')).toHaveText(longSql);
  await expect(row.getByTestId('session-user')).toHaveText('root');
  await expect(row.getByTestId('session-database')).toHaveText(database);
  await expect(row.getByTestId('session-command')).toHaveText('Query');
  await expect(row.getByTestId('session-transaction')).toHaveText('no');
  // The idle observer is listed too, with no statement, so its Kill query is disabled.
  const idle = rowOf(page, observer.threadId);
  await expect(idle.getByTestId('session-command')).toHaveText('Sleep');
  await expect(idle.getByTestId('kill-query')).toBeDisabled();
  await snap(page, 'sessions-running');

  await confirmKill(page, victim.threadId, 'kill-connection');
  const killedAt = Date.now();
  await expect(page.getByTestId('confirm-dialog')).toBeHidden(settle);
  await expect(page.getByTestId('kill-outcome')).toHaveText(
    `Connection ${victim.threadId} killed.`,
  );
  const outcome = await running;
  expect(outcome).toMatchObject({ kind: 'error', code: 'PROTOCOL_CONNECTION_LOST' });
  if (outcome.kind === 'error') expect(outcome.atMs - killedAt).toBeLessThan(5_000);
  await expect(row).toHaveCount(0, settle);
  await expect(idle).toBeVisible();
  await snap(page, 'sessions-killed');
});

test('an operator kills only the query: the client gets 1317 and keeps its connection', async ({
  page,
}) => {
  const victim = await connect();
  await victim.query('BEGIN');
  await signIn(page, testUsers.operator.loginName, testUsers.operator.password);
  await page.goto('/sessions');

  const running = outcomeOf(victim.query(longSql));
  const row = rowOf(page, victim.threadId);
  await expect(row.getByTestId('session-statement').locator('pre')).toHaveText(longSql, settle);
  await expect(row.getByTestId('session-transaction')).toHaveText(/^yes/);

  await confirmKill(page, victim.threadId, 'kill-query');
  await expect(page.getByTestId('confirm-dialog')).toBeHidden(settle);
  expect(await running).toMatchObject({ kind: 'error', errno: 1317 });
  await expect(page.getByTestId('kill-outcome')).toContainText('the connection stays open');
  const [rows] = await victim.query('SELECT 1 AS one');
  expect(rows).toEqual([{ one: 1 }]);
  await expect(row.getByTestId('session-command')).toHaveText('Sleep', settle);
  await victim.query('ROLLBACK');
});

test('a session that ended before the kill is confirmed: the dialog says so', async ({ page }) => {
  const gone = await connect();
  await signIn(page, testUsers.operator.loginName, testUsers.operator.password);
  await page.goto('/sessions');
  const row = rowOf(page, gone.threadId);
  await row.getByTestId('kill-connection').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toContainText(`Kill connection ${gone.threadId}`);
  await gone.end();
  await expect(row).toHaveCount(0, settle);
  await dialog.getByTestId('confirm-action').click();
  await expect(dialog.getByTestId('confirm-error')).toHaveText(
    `No session ${gone.threadId}: it may have ended already.`,
  );
  await snap(page, 'sessions-kill-refused');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});

test('the user and database filters live in the URL and survive a reload', async ({ page }) => {
  const conn = await connect();
  await signIn(page, testUsers.viewer.loginName, testUsers.viewer.password);
  await page.goto('/sessions');
  const row = rowOf(page, conn.threadId);
  await expect(row).toBeVisible(settle);

  await page.getByTestId('filter-user').fill('root');
  await page.getByTestId('filter-database').fill(database);
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(page).toHaveURL(/\/sessions\?user=root&database=e2e_sessions$/);
  await expect(row).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('filter-user')).toHaveValue('root');
  await expect(page.getByTestId('filter-database')).toHaveValue(database);
  await expect(row).toBeVisible(settle);
  await expect(page.getByTestId('sessions-count')).toHaveText(/^1 of \d+ sessions shown/);

  await page.goto('/sessions?database=no_such_db');
  await expect(page.getByTestId('sessions-empty')).toContainText(/None of the \d+ connected/);
  await expect(row).toHaveCount(0);
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(/\/sessions$/);
  await expect(row).toBeVisible();
});

test('a viewer sees the sessions but no kill buttons', async ({ page }) => {
  const conn = await connect();
  const running = outcomeOf(conn.query(longSql));
  await signIn(page, testUsers.viewer.loginName, testUsers.viewer.password);
  await page.goto('/sessions');
  const row = rowOf(page, conn.threadId);
  await expect(row.getByTestId('session-statement').locator('pre')).toHaveText(longSql, settle);
  await expect(page.getByTestId('sessions-table').getByRole('button')).toHaveCount(0);
  await expect(page.getByRole('columnheader', { name: 'Actions' })).toHaveCount(0);
  await snap(page, 'sessions-viewer');
  // The API refuses a viewer's kill too (the page only hides what the server enforces).
  const viewerApi = await apiAs(testUsers.viewer.loginName, testUsers.viewer.password);
  expect(await viewerApi.mutationStatus('sessions.kill', { id: conn.threadId })).toBe(403);
  await viewerApi.dispose();
  // End the statement from the operator side so the connection closes promptly.
  await api.mutation('sessions.kill', { id: conn.threadId, scope: 'query' });
  expect(await running).toMatchObject({ kind: 'error', errno: 1317 });
});
