import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { signIn, snap } from '../support/console';
import { admin, testUsers } from '../support/users';

// The SQL page against the real server: statements run in the server's own gateway as the
// user's mapped database account (the first admin: 'root'@'%'; the test users: none).
const settle = { timeout: 20_000 };

function editor(page: Page) {
  return page.getByRole('textbox', { name: 'SQL statements' });
}

/** Replaces the editor's text and runs it with Ctrl+Enter. */
async function runText(page: Page, sql: string): Promise<void> {
  await editor(page).fill(sql);
  await editor(page).press('Control+Enter');
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled(settle);
}

const rows = Array.from({ length: 250 }, (_, i) => `(${i + 1}, 'item ${i + 1}')`).join(', ');

test('an admin runs statements as root: tables, paged rows, errors, EXPLAIN and history', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await signIn(page, admin.loginName, admin.password);
  await page.goto('/sql');
  await expect(page.getByTestId('not-built')).toHaveCount(0);
  await expect(page.getByTestId('sql-account')).toHaveText("Runs as 'root'@'%'", settle);

  // Several statements in one run; the USE comes back into the database picker and the URL.
  await runText(
    page,
    'CREATE DATABASE e2e_shop; USE e2e_shop; ' +
      'CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40)); ' +
      `INSERT INTO items VALUES ${rows}`,
  );
  await expect(page.getByTestId('run-summary')).toContainText("Ran 4 statements as 'root'@'%'");
  await expect(page.getByTestId('run-summary')).toContainText('database e2e_shop');
  await expect(page.getByTestId('sql-ok')).toContainText('250 rows affected');
  await expect(page.getByLabel('Database')).toHaveValue('e2e_shop');
  await expect(page).toHaveURL(/\/sql\?db=e2e_shop$/);
  await expect(page.getByRole('tab')).toHaveCount(4);
  await page.getByRole('tab', { name: /^3 · OK/ }).click();
  await expect(page.getByTestId('statement-result')).toContainText('CREATE TABLE items');
  await snap(page, 'sql-create-insert');

  // 250 rows in pages of 100.
  await runText(page, 'SELECT id, name FROM items ORDER BY id');
  const grid = page.getByTestId('result-grid');
  await expect(page.getByTestId('row-summary')).toContainText('250 rows');
  await expect(grid.locator('tbody tr')).toHaveCount(100);
  await expect(page.getByTestId('page-status')).toHaveText('Rows 1–100 of 250 · page 1 of 3');
  await expect(grid.locator('tbody tr').first().locator('td')).toHaveText(['1', '1', 'item 1']);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByTestId('page-status')).toHaveText('Rows 101–200 of 250 · page 2 of 3');
  await expect(grid.locator('tbody tr').first().locator('td')).toHaveText([
    '101',
    '101',
    'item 101',
  ]);
  await page.getByRole('button', { name: 'Last' }).click();
  await expect(page.getByTestId('page-status')).toHaveText('Rows 201–250 of 250 · page 3 of 3');
  await expect(grid.locator('tbody tr')).toHaveCount(50);
  await expect(page.getByRole('button', { name: 'Next' })).toBeDisabled();
  await snap(page, 'sql-paged-rows');

  // Fewer rows kept: the rest counted and said so.
  await page.getByLabel('Rows kept per result').selectOption('100');
  await runText(page, 'SELECT id, name FROM items ORDER BY id');
  await expect(page.getByTestId('truncated-note')).toContainText(
    'Showing the first 100 of 250 rows',
  );
  await expect(page.getByTestId('page-status')).toHaveCount(0);
  await page.getByLabel('Rows kept per result').selectOption('1000');

  // Errors with their code and SQLSTATE.
  await runText(page, 'SELECT * FROM no_such_table');
  await expect(page.getByTestId('sql-error')).toContainText(
    "ERROR 1146 (42S02): Table 'e2e_shop.no_such_table' doesn't exist",
  );
  await runText(page, 'SELEC 1');
  await expect(page.getByTestId('sql-error')).toContainText('ERROR 1064 (42000)');
  await snap(page, 'sql-error');

  // EXPLAIN drawn as the distributed plan: each read with its slices and nodes.
  await runText(page, "EXPLAIN SELECT name FROM items WHERE name = 'item 7' ORDER BY id");
  const plan = page.getByTestId('explain-plan');
  await expect(plan).toBeVisible();
  const steps = plan.getByTestId('plan-step');
  expect(await steps.count()).toBeGreaterThanOrEqual(2);
  const read = steps.filter({ hasText: 'full scan' });
  await expect(read).toHaveCount(1);
  await expect(read).toContainText('items');
  await expect(read.getByTestId('plan-slices')).toHaveText(/^slices (\d+) of \1$/);
  await expect(read.getByTestId('plan-node').first()).toHaveText(/^node \d+$/);
  // The read sits below the operators above it.
  const indent = async (i: number) =>
    Number.parseFloat(await steps.nth(i).evaluate((el) => getComputedStyle(el).marginLeft));
  expect(await indent((await steps.count()) - 1)).toBeGreaterThan(await indent(0));
  await snap(page, 'sql-explain-plan');
  await page.getByRole('button', { name: 'Grid' }).click();
  await expect(page.getByTestId('result-grid').locator('thead')).toContainText('pushed_down');

  // The history: newest first; choosing an entry loads it into the editor.
  const history = page.getByTestId('history-entry');
  await expect(history.first()).toContainText('EXPLAIN SELECT name FROM items', settle);
  await expect(history.nth(1)).toContainText('SELEC 1');
  await expect(history.nth(1)).toContainText('1064');
  await history.filter({ hasText: 'CREATE DATABASE e2e_shop' }).click();
  await expect(editor(page)).toContainText('CREATE DATABASE e2e_shop; USE e2e_shop;');
  await expect(page.getByLabel('Database')).toHaveValue('');
  await history.filter({ hasText: 'SELECT id, name FROM items ORDER BY id' }).first().click();
  await expect(editor(page)).toHaveText('SELECT id, name FROM items ORDER BY id');
  await expect(page.getByLabel('Database')).toHaveValue('e2e_shop');
  await snap(page, 'sql-history');
});

test('a user without a database account is told how to get one', async ({ page }) => {
  await signIn(page, testUsers.viewer.loginName, testUsers.viewer.password);
  await page.goto('/sql');
  await expect(page.getByTestId('sql-account')).toHaveText(
    'No database account is mapped to you',
    settle,
  );
  await runText(page, 'SELECT 1');
  await expect(page.getByTestId('no-account')).toContainText(
    'No database account is mapped to console user vera-viewer',
  );
  await expect(page.getByTestId('no-account')).toContainText('An admin maps one on the Users page');
  await expect(page.getByTestId('history-entry')).toHaveCount(0);
  await snap(page, 'sql-no-account');
});

test('an admin maps a user to a database account on the Users page, and clears it', async ({
  browser,
}) => {
  test.setTimeout(60_000);
  const adminPage = await browser.newPage();
  await signIn(adminPage, admin.loginName, admin.password);
  await adminPage.goto('/users');
  const operator = testUsers.operator.loginName;
  const cell = adminPage.getByTestId(`db-account-${operator}`);
  await expect(cell).toContainText('none');
  await expect(adminPage.getByTestId('db-account-admin')).toContainText("'root'@'%'");

  // An account that does not exist: the mapping is kept, the SQL page says what is wrong.
  await adminPage.getByRole('button', { name: `Set the database account of ${operator}` }).click();
  const form = adminPage.getByRole('form', { name: `Database account of ${operator}` });
  await form.getByLabel('User').fill('ghost');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(cell).toContainText("'ghost'@'%'");
  const opPage = await browser.newPage();
  await signIn(opPage, operator, testUsers.operator.password);
  await opPage.goto('/sql');
  await runText(opPage, 'SELECT CURRENT_USER()');
  await expect(opPage.getByTestId('no-account')).toContainText(
    "The database account 'ghost'@'%' mapped to console user otto-operator does not exist",
  );

  // Root: the operator's statements run as root.
  await adminPage
    .getByRole('button', { name: `Change the database account of ${operator}` })
    .click();
  await form.getByLabel('User').fill('root');
  await form.getByLabel('Host').fill('%');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(cell).toContainText("'root'@'%'");
  await snap(adminPage, 'users-db-account');
  await runText(opPage, 'SELECT CURRENT_USER()');
  await expect(opPage.getByTestId('result-grid')).toContainText('root@%');

  // Cleared: no account again.
  await adminPage
    .getByRole('button', { name: `Change the database account of ${operator}` })
    .click();
  await form.getByRole('button', { name: 'Clear' }).click();
  await expect(cell).toContainText('none');
  await runText(opPage, 'SELECT 1');
  await expect(opPage.getByTestId('no-account')).toBeVisible();
  await Promise.all([adminPage.close(), opPage.close()]);
});
