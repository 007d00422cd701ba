import type { Locator } from '@playwright/test';
import { expect, test } from '@playwright/test';
import type { Connection } from 'mysql2/promise';
import type { ApiSession } from '../support/api';
import { apiAs } from '../support/api';
import { signIn, snap } from '../support/console';
import { connectAsRoot } from '../support/mysql';
import { admin } from '../support/users';

// The Workload page against the embedded cluster (data nodes 1–3 in zones a, b, c): traffic
// made here over MySQL must show on the per-node charts, and a node added here must show on
// the rebalancer's timeline. The node is drained and removed again afterwards.
const db = 'e2e_load';
const settle = { timeout: 20_000 };

let api: ApiSession;
let sql: Connection;

test.beforeAll(async () => {
  api = await apiAs(admin.loginName, admin.password);
  sql = await connectAsRoot(api);
  await sql.query(`CREATE DATABASE IF NOT EXISTS ${db}`);
  await sql.query(
    `CREATE TABLE IF NOT EXISTS ${db}.events (id INT PRIMARY KEY, body VARCHAR(200)) SLICES = 3`,
  );
});

test.afterAll(async () => {
  await sql.end();
  await api.dispose();
});

test.beforeEach(async ({ page }) => {
  await signIn(page, admin.loginName, admin.password);
});

/** Writes and reads over MySQL for `ms`, in batches. */
async function traffic(ms: number, firstId: number): Promise<void> {
  const end = Date.now() + ms;
  let id = firstId;
  while (Date.now() < end) {
    const rows = Array.from({ length: 20 }, () => `(${id++}, 'event ${id}')`);
    await sql.query(`INSERT INTO ${db}.events VALUES ${rows.join(', ')}`);
    await sql.query(`SELECT * FROM ${db}.events WHERE id = ?`, [id - 1]);
  }
}

/** The newest value a chart shows for each line (its caption), as numbers (— is NaN). */
async function latestValues(chart: Locator): Promise<number[]> {
  const texts = await chart.locator('[data-testid*="-latest-"]').allTextContents();
  return texts.map((t) => Number.parseFloat(t.replaceAll(',', '')));
}

test('the per-node charts draw a line per node and show the traffic made over MySQL', async ({
  page,
}) => {
  test.setTimeout(60_000);
  await page.goto('/workload');
  await expect(page.getByRole('heading', { level: 1, name: 'Workload' })).toBeVisible();
  await expect(page.getByTestId('not-built')).toHaveCount(0);

  const writes = page.getByTestId('chart-writesPerSec');
  const writing = traffic(8_000, 1);
  // Samples arrive once a second, one line per node (nodes 1–3 at least).
  await expect
    .poll(async () => Number(await writes.getAttribute('data-points')), settle)
    .toBeGreaterThan(2);
  await expect(writes.locator('.recharts-line')).toHaveCount(
    await writes.locator('[data-testid*="-latest-"]').count(),
  );
  expect(await writes.locator('[data-testid*="-latest-"]').count()).toBeGreaterThanOrEqual(3);
  // The inserts show as writes on some node while they run.
  await expect.poll(async () => (await latestValues(writes)).some((v) => v > 0), settle).toBe(true);
  await writing;
  for (const metric of ['readsPerSec', 'bytes', 'busyPercent']) {
    await expect(page.getByTestId(`chart-${metric}`)).toHaveAttribute('data-points', /^[1-9]/);
  }
  // Data per node is a size on each of nodes 1–3 (a node added and removed by an earlier spec
  // has a line with a gap now, so only these are asserted).
  for (const node of [1, 2, 3]) {
    await expect(page.getByTestId(`chart-bytes-latest-n${node}`)).toHaveText(
      /^[1-9][\d.]* (B|KiB|MiB|GiB)$/,
    );
  }

  // Hotspots: the hot nodes with their slices, or the sentence saying none is hot.
  const hotspots = page.getByTestId('hotspots');
  await expect(
    hotspots.getByTestId('hotspot').first().or(hotspots.getByTestId('hotspots-empty')),
  ).toBeVisible(settle);
  const hotSlice = hotspots.getByTestId('hotspot-slice').first().getByRole('link');
  if ((await hotSlice.count()) > 0) {
    await expect(hotSlice).toHaveAttribute('href', /^\/slices\?slice=\d+$/);
  }
  await snap(page, 'workload-charts');
});

test('the rebalancer timeline lists its decisions after a node is added, with its state', async ({
  page,
}) => {
  test.setTimeout(150_000);
  await page.goto('/workload');
  const timeline = page.getByTestId('rebalancer-timeline');
  const state = timeline.getByTestId('rebalancer-state');
  await expect(state).toBeVisible(settle);
  await expect(state).toContainText(/busy|idle/);
  await expect(state).toContainText('last decision');
  const rows = timeline.getByTestId('activity-row');
  // Earlier specs may have made the rebalancer act; if not, the page says what would.
  await expect(rows.first().or(timeline.getByTestId('activity-empty'))).toBeVisible(settle);
  if ((await rows.count()) === 0) {
    await expect(timeline.getByTestId('activity-empty')).toContainText('add a node');
  }

  const added = (await api.mutation('cluster.addNode', { zone: 'c' })) as { nodeId: number };
  try {
    // Moves onto the new node appear live, with their reason, and end done.
    const ontoNew = rows.filter({ hasText: `→ node ${added.nodeId}` });
    await expect(ontoNew.first()).toBeVisible({ timeout: 60_000 });
    await expect(ontoNew.filter({ hasText: 'done' }).first()).toBeVisible({ timeout: 60_000 });
    await expect(ontoNew.first().locator('td').nth(4)).not.toHaveText('');
    // Its slice links to the slice map.
    await expect(ontoNew.first().getByRole('link')).toHaveAttribute(
      'href',
      /^\/slices\?slice=\d+$/,
    );
    await expect(state).toContainText('last decision');
    await expect(state).not.toContainText('last decision never');
    await expect(
      timeline.getByTestId('activity-older').or(timeline.getByTestId('activity-end')),
    ).toBeVisible();
    await snap(page, 'workload-rebalancer');
  } finally {
    // Leave nodes 1–3 as they were: drain the new node, then remove it once it holds nothing.
    await api.mutation('cluster.drainNode', { nodeId: added.nodeId });
    await expect
      .poll(() => api.mutationStatus('cluster.removeNode', { nodeId: added.nodeId }), {
        timeout: 60_000,
        intervals: [1_000],
      })
      .toBe(200);
  }
});
