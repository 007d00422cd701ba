import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { apiAs } from '../support/api';
import { signIn } from '../support/console';
import { camera } from '../support/demo';
import { connectAsRoot } from '../support/mysql';
import { admin } from '../support/users';

/**
 * Demo "slice-map" (issue 6, story 1): create a table from the SQL page, load rows, and watch
 * the slice map fill — every slice of the table and of its index gets rows, live, without a
 * reload. Numbered screenshots in e2e/artifacts/demos/slice-map/.
 */
const settle = { timeout: 30_000 };
const slices = 8;

async function runSql(page: Page, sql: string): Promise<void> {
  const editor = page.getByRole('textbox', { name: 'SQL statements' });
  await editor.fill(sql);
  await editor.press('Control+Enter');
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled(settle);
  await expect(page.getByTestId('sql-error')).toHaveCount(0);
}

test('slice map fills as rows arrive', async ({ page }) => {
  test.setTimeout(180_000);
  const shot = camera('slice-map');
  const api = await apiAs(admin.loginName, admin.password);
  const sql = await connectAsRoot(api);
  try {
    await signIn(page, admin.loginName, admin.password);

    // 1. The table is created from the console's SQL page, as root (the admin's account).
    await page.goto('/sql');
    await expect(page.getByTestId('sql-account')).toHaveText("Runs as 'root'@'%'", settle);
    await runSql(
      page,
      'CREATE DATABASE demo_shop; USE demo_shop; ' +
        'CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(40) NOT NULL, ' +
        `total DECIMAL(10,2) NOT NULL, note VARCHAR(200), KEY by_customer (customer)) SLICES = ${slices}`,
    );
    await shot(page, 'create-table');

    // 2. The slice map of the new database: the table in 8 slices and its index in its own
    //    slices, over the nodes, nothing stored yet.
    await page.goto('/slices?db=demo_shop&colour=size');
    const tableRows = page.locator('[data-testid="slice-row"][data-table="demo_shop.orders"]');
    await expect(tableRows).toHaveCount(slices, settle);
    const indexRows = page.locator(
      '[data-testid="slice-row"][data-table="demo_shop.orders.by_customer"]',
    );
    await expect(indexRows.first()).toBeVisible(settle);
    const indexSlices = await indexRows.count();
    await shot(page, 'empty-slices');

    // 3. Rows arrive over a real MySQL client (mysql2) in batches, while the page stays open.
    for (let batch = 0; batch < 10; batch++) {
      const values = Array.from({ length: 200 }, (_, i) => {
        const id = batch * 200 + i + 1;
        return `(${id}, 'customer-${id % 97}', ${(id % 500) + 0.99}, '${'x'.repeat(150)}')`;
      });
      await sql.query(`INSERT INTO demo_shop.orders VALUES ${values.join(', ')}`);
      if (batch === 2) {
        // Part-way: some slices have rows already; the map shows it without a reload.
        await expect
          .poll(async () => filledSlices(page, 'demo_shop.orders'), settle)
          .toBeGreaterThan(0);
        await shot(page, 'filling');
      }
    }

    // 4. Every slice of the table and of its index holds rows now (the hash spreads them).
    await expect.poll(async () => filledSlices(page, 'demo_shop.orders'), settle).toBe(slices);
    await expect
      .poll(async () => filledSlices(page, 'demo_shop.orders.by_customer'), settle)
      .toBe(indexSlices);
    await shot(page, 'filled-by-size');

    // 5. Coloured by writes instead: the heat of the load just applied.
    await page.getByTestId('colour-writes').click();
    await expect(page).toHaveURL(/colour=writes/);
    await shot(page, 'coloured-by-writes');

    // 6. One slice's detail: its replicas, its history and its load over time.
    await tableRows.first().click();
    await expect(page.getByTestId('slice-detail')).toBeVisible(settle);
    await expect(page.getByTestId('slice-load')).toBeVisible(settle);
    await shot(page, 'slice-detail');

    // The rows are all there, as the SQL page counts them.
    await page.goto('/sql?db=demo_shop');
    await runSql(
      page,
      'SELECT COUNT(*) AS orders, COUNT(DISTINCT customer) AS customers FROM orders',
    );
    await expect(page.getByTestId('result-grid').locator('tbody tr').first()).toContainText('2000');
    await shot(page, 'count');
  } finally {
    await sql.end();
    await api.dispose();
  }
});

/** How many slices of a representation show a size above zero on the map. */
async function filledSlices(page: Page, table: string): Promise<number> {
  const sizes = await page
    .locator(`[data-testid="slice-row"][data-table="${table}"] [data-testid="slice-bytes"]`)
    .evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-bytes') || '0')));
  return sizes.filter((b) => b > 0).length;
}
