import type { Locator, Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import type { Connection } from 'mysql2/promise';
import type { ApiSession } from '../support/api';
import { apiAs } from '../support/api';
import { signIn, snap } from '../support/console';
import { connectAsRoot } from '../support/mysql';
import { admin } from '../support/users';

// A database of its own, made here over MySQL: the map of `e2e_map` shows only what this file
// creates. The embedded cluster places each of its slices on 2 replicas and 1 logger across
// nodes 1–3 (zones a, b, c); live updates come from `cluster.live` twice a second.
const db = 'e2e_map';
const table = `${db}.orders`;
const slices = 4;
const settle = { timeout: 20_000 };

let api: ApiSession;
let sql: Connection;

test.beforeAll(async () => {
  api = await apiAs(admin.loginName, admin.password);
  sql = await connectAsRoot(api);
  await sql.query(`CREATE DATABASE IF NOT EXISTS ${db}`);
  await sql.query(
    `CREATE TABLE IF NOT EXISTS ${table} (id INT PRIMARY KEY, note VARCHAR(400)) SLICES = ${slices}`,
  );
});

test.afterAll(async () => {
  await sql.end();
  await api.dispose();
});

test.beforeEach(async ({ page }) => {
  await signIn(page, admin.loginName, admin.password);
});

/** Inserts `count` rows of about 300 bytes each, after the highest id already there. */
async function insertRows(count: number): Promise<void> {
  const [found] = await sql.query(`SELECT MAX(id) AS top FROM ${table}`);
  const top = Number((found as { top: number | string | null }[])[0]?.top ?? 0);
  const rows = Array.from({ length: count }, (_, i) => {
    const id = top + 1 + i;
    return `(${id}, '${`row ${id} `.padEnd(300, 'x')}')`;
  });
  await sql.query(`INSERT INTO ${table} VALUES ${rows.join(', ')}`);
}

const rowsOf = (page: Page): Locator =>
  page.locator(`[data-testid="map-table"][data-table="${table}"] [data-testid="slice-row"]`);

/** The bytes the map shows for the table, summed over its slices (— counts as 0). */
async function shownBytes(page: Page): Promise<number> {
  const values = await rowsOf(page)
    .getByTestId('slice-bytes')
    .evaluateAll((cells) => cells.map((c) => Number((c as HTMLElement).dataset.bytes || 0)));
  return values.reduce((sum, n) => sum + n, 0);
}

/** Marks the page: the mark is gone after a reload, so a test can tell live updates from one. */
async function markNoReload(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { e2eMark?: boolean }).e2eMark = true;
  });
}
async function stillNotReloaded(page: Page): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { e2eMark?: boolean }).e2eMark)).toBe(
    true,
  );
}

test('a new table shows as its slices with hash ranges, members and a size that grows', async ({
  page,
}) => {
  await page.goto(`/slices?db=${db}`);
  await expect(page.getByTestId('filter-db')).toHaveValue(db);
  const rows = rowsOf(page);
  await expect(rows).toHaveCount(slices, settle);
  await expect(page.getByTestId('slice-count')).toContainText(`${slices} slices`);
  // The hash space is cut in order: the first slice starts at 0, the last ends at the end.
  const ranges = await rows.getByTestId('slice-hash').allTextContents();
  expect(ranges).toHaveLength(slices);
  for (const range of ranges) expect(range).toMatch(/^[0-9a-f]{4}… – ([0-9a-f]{4}…|end)$/);
  expect(ranges[0]).toMatch(/^0000… – /);
  expect(ranges.at(-1)).toMatch(/ – end$/);
  for (const row of await rows.all()) {
    await expect(row.getByTestId('slice-leader')).toHaveText(/^node \d+$/, settle);
    // One ranking replica, one more data replica and a logger, on three different nodes.
    await expect(row.locator('[data-testid="slice-member"][data-role="ranking"]')).toHaveCount(1);
    await expect(row.locator('[data-testid="slice-member"][data-role="replica"]')).toHaveCount(1);
    await expect(row.locator('[data-testid="slice-member"][data-role="logger"]')).toHaveCount(1);
  }

  await markNoReload(page);
  const before = await shownBytes(page);
  await insertRows(200);
  await expect.poll(() => shownBytes(page), settle).toBeGreaterThan(before);
  const afterFirst = await shownBytes(page);
  await insertRows(200);
  await expect.poll(() => shownBytes(page), settle).toBeGreaterThan(afterFirst);
  await stillNotReloaded(page);
  // Every slice got some of the rows (hashing spreads them), so each shows a size now.
  for (const row of await rows.all()) {
    await expect(row.getByTestId('slice-bytes')).toHaveAttribute('data-bytes', /^[1-9]\d*$/);
  }
  await snap(page, 'slices-map-filled');
});

test('colouring and filters live in the URL and survive a reload', async ({ page }) => {
  await page.goto(`/slices?db=${db}`);
  const rows = rowsOf(page);
  await expect(rows).toHaveCount(slices, settle);
  await expect(page.getByTestId('colour-size')).toBeChecked();

  // The radio follows the URL: a click navigates, and the URL's answer checks it.
  await page.getByTestId('colour-writes').click();
  await expect(page).toHaveURL(new RegExp(`/slices\\?db=${db}&colour=writes$`));
  await expect(page.getByTestId('colour-writes')).toBeChecked();
  await expect(page.getByTestId('colour-legend')).toHaveAttribute('data-colour', 'writes');
  await expect(page.getByTestId('colour-legend')).toContainText('Coloured by writes/s');

  // Which slices have a member on node 2, as the unfiltered map says.
  const onNode2 = await rows
    .filter({ has: page.locator('[data-testid="slice-member"][data-node="2"]') })
    .evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.slice));
  expect(onNode2.length).toBeGreaterThan(0);
  await page.getByTestId('filter-node').selectOption('2');
  await expect(page).toHaveURL(new RegExp(`colour=writes&node=2$`));
  await expect(rows).toHaveCount(onNode2.length);
  await page.getByTestId('filter-table').selectOption('orders');
  await expect(page).toHaveURL(/node=2&table=orders$/);

  await page.reload();
  await expect(page.getByTestId('colour-writes')).toBeChecked();
  await expect(page.getByTestId('filter-db')).toHaveValue(db);
  await expect(page.getByTestId('filter-node')).toHaveValue('2');
  await expect(page.getByTestId('filter-table')).toHaveValue('orders');
  await expect(rows).toHaveCount(onNode2.length, settle);
  expect(
    await rows.evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.slice)),
  ).toEqual(onNode2);
  await snap(page, 'slices-map-filtered');

  // A zone filter narrows to the slices with a member there, and the columns to its nodes.
  await page.getByTestId('filter-zone').selectOption('c');
  await expect(page).toHaveURL(/zone=c/);
  await expect(page.locator('[data-testid^="map-node-"]')).toHaveCount(1);
  await expect(page.getByTestId('map-node-3')).toBeVisible();
  for (const row of await rows.all()) {
    await expect(row.locator('[data-testid="slice-member"][data-node="3"]')).toHaveCount(1);
  }

  // Clearing keeps the database and the colouring; every slice is back.
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(new RegExp(`/slices\\?db=${db}&colour=writes$`));
  await expect(rows).toHaveCount(slices);

  // A URL it cannot read is said, not silently dropped.
  await page.goto(`/slices?db=${db}&node=two&colour=pink`);
  await expect(page.getByRole('alert').filter({ hasText: '“two” is not a node id' })).toBeVisible();
  await expect(
    page.getByRole('alert').filter({ hasText: '“pink” is not a colouring' }),
  ).toBeVisible();
  await expect(rows).toHaveCount(slices, settle);

  // A database without slices says so and what to do.
  await page.goto('/slices?db=no_such_db');
  await expect(page.getByTestId('slices-empty')).toContainText('No slices in database');
  await expect(page.getByTestId('slices-empty')).toContainText('CREATE TABLE');
});

test('a slice opens with a click or Enter, in the URL, with its load chart and history', async ({
  page,
}) => {
  await page.goto(`/slices?db=${db}`);
  const rows = rowsOf(page);
  await expect(rows).toHaveCount(slices, settle);
  const first = rows.first();
  const sliceId = Number(await first.getAttribute('data-slice'));

  await first.getByTestId('slice-id').click();
  await expect(page).toHaveURL(new RegExp(`slice=${sliceId}$`));
  const detail = page.getByTestId('slice-detail');
  await expect(detail).toHaveAttribute('data-slice', String(sliceId));
  await expect(detail.getByRole('heading', { name: `Slice ${sliceId}` })).toBeFocused();
  await expect(detail).toContainText(table);
  // Traffic for the load chart: rows written while it polls (one sample a second).
  await insertRows(100);
  await expect
    .poll(
      async () => Number(await detail.getByTestId('slice-chart-size').getAttribute('data-points')),
      settle,
    )
    .toBeGreaterThan(1);
  await expect(detail.getByTestId('slice-chart-load')).toHaveAttribute('data-points', /^[1-9]/);
  // Its history has loaded: entries, or the sentence saying what would appear.
  await expect(
    detail.getByTestId('slice-history').or(detail.getByTestId('slice-history-empty')),
  ).toBeVisible(settle);
  await snap(page, 'slices-detail');

  // Esc closes it; Enter on another slice's id opens that one.
  await page.keyboard.press('Escape');
  await expect(detail).toBeHidden();
  await expect(page).not.toHaveURL(/slice=/);
  const second = rows.nth(1);
  const secondId = Number(await second.getAttribute('data-slice'));
  await second.getByTestId('slice-id').focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`slice=${secondId}$`));
  await expect(detail).toHaveAttribute('data-slice', String(secondId));

  // A link with only ?slice= (from an event or a hotspot) opens the slice's own database.
  await page.goto(`/slices?slice=${sliceId}`);
  await expect(page.getByTestId('filter-db')).toHaveValue(db);
  await expect(detail).toHaveAttribute('data-slice', String(sliceId));
  await expect(rows.and(page.locator(`[data-slice="${sliceId}"]`))).toHaveAttribute(
    'aria-selected',
    'true',
  );
});

test('a killed node shows down and its leadership moves on the map without a reload', async ({
  page,
}) => {
  test.setTimeout(90_000);
  await page.goto(`/slices?db=${db}`);
  const rows = rowsOf(page);
  await expect(rows).toHaveCount(slices, settle);
  for (const row of await rows.all()) {
    await expect(row.getByTestId('slice-leader')).toHaveText(/^node \d+$/, settle);
  }
  // The node leading the most of this table's slices.
  const leaders = await page
    .locator(`[data-table="${table}"] [data-testid="slice-member"][data-leader="true"]`)
    .evaluateAll((cells) => cells.map((c) => Number((c as HTMLElement).dataset.node)));
  const counts = new Map<number, number>();
  for (const n of leaders) counts.set(n, (counts.get(n) ?? 0) + 1);
  const victim = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 1;
  const led = await rows
    .filter({ has: page.locator(`[data-node="${victim}"][data-leader="true"]`) })
    .first()
    .getAttribute('data-slice');

  await markNoReload(page);
  await api.mutation('cluster.killNode', { nodeId: victim });
  try {
    const onVictim = page.locator(
      `[data-table="${table}"] [data-testid="slice-member"][data-node="${victim}"]`,
    );
    // Its members show down within a few seconds (the overview streams twice a second).
    await expect
      .poll(
        () => onVictim.evaluateAll((cells) => cells.map((c) => (c as HTMLElement).dataset.raft)),
        { timeout: 5_000 },
      )
      .toEqual(expect.arrayContaining(['down']));
    await expect(onVictim.and(page.locator('[data-raft="down"]'))).toHaveCount(
      await onVictim.count(),
      { timeout: 5_000 },
    );
    // Leadership moves off it: every slice is led again, by another node.
    await expect(onVictim.and(page.locator('[data-leader="true"]'))).toHaveCount(0, settle);
    for (const row of await rows.all()) {
      await expect(row.getByTestId('slice-leader')).toHaveText(/^node \d+/, settle);
      await expect(row.getByTestId('slice-leader')).not.toHaveText(`node ${victim}`);
    }
    await expect(page.getByTestId(`map-node-${victim}`)).toHaveAttribute(
      'data-state',
      'down',
      settle,
    );
    await stillNotReloaded(page);
    await snap(page, 'slices-node-killed');

    // The slice it led has a history now: the re-rank or the leader change, with its reason.
    await page
      .locator(`[data-table="${table}"] [data-slice="${led}"] [data-testid="slice-id"]`)
      .click();
    const history = page.getByTestId('slice-detail').getByTestId('history-item');
    await expect(history.first()).toBeVisible(settle);
    await snap(page, 'slices-history-after-kill');
  } finally {
    await api.mutation('cluster.restartNode', { nodeId: victim });
  }
  const onVictim = page.locator(
    `[data-table="${table}"] [data-testid="slice-member"][data-node="${victim}"]`,
  );
  await expect(onVictim.and(page.locator('[data-raft="down"]'))).toHaveCount(0, settle);
  await expect(page.getByTestId(`map-node-${victim}`)).toHaveAttribute('data-state', 'up', settle);
  await stillNotReloaded(page);
});
