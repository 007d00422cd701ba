import { expect, test } from '@playwright/test';
import { signIn, snap } from '../support/console';
import { admin } from '../support/users';

// The embedded cluster: 3 control-plane members, data nodes 1–3 in zones a, b, c, and one
// table `kv` with 3 slices of 2 replicas and 1 logger each. It elects and registers within
// seconds of start, so the assertions below wait for the live stream to reach that state.
const settle = { timeout: 20_000 };

test.beforeEach(async ({ page }) => {
  await signIn(page, admin.loginName, admin.password);
});

test('the overview shows the live cluster: a control-plane leader and a node up per zone', async ({
  page,
}) => {
  await page.goto('/');
  const cluster = page.getByTestId('cluster-card');
  await expect(cluster.getByTestId('cp-leader')).toHaveText(/^leader: member \d+$/, settle);
  await expect(cluster.getByTestId('nodes-up')).toHaveText('3 / 3 up', settle);
  for (const [zone, node] of [
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ] as const) {
    const row = cluster.getByTestId(`zone-${zone}`);
    await expect(row.getByTestId(`zone-node-${node}`)).toBeVisible();
    await expect(row.getByTestId('node-state')).toHaveText(['up'], settle);
  }
  await expect(cluster.getByTestId('table-kv')).toContainText('kv');
  await expect(cluster.getByTestId('table-kv').getByRole('cell')).toHaveText(['kv', '3', '2', '1']);
  await expect(cluster.getByTestId('leaderless')).toHaveText('0', settle);
  // The charts and events are built now (overview.spec.ts covers them): no placeholder left.
  await expect(page.getByTestId('qps-chart')).toBeVisible();
  await expect(page.getByTestId('events')).toBeVisible();
  await expect(page.getByTestId('not-built')).toHaveCount(0);
  await snap(page, 'cluster-overview');
});

test('topology lists nodes 1–3 up in their zones and a control plane with one serving member', async ({
  page,
}) => {
  await page.goto('/topology');
  await expect(page.getByRole('heading', { level: 1, name: 'Topology' })).toBeVisible();
  for (const [zone, node] of [
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ] as const) {
    const row = page.getByTestId(`zone-${zone}`).getByTestId(`node-${node}`);
    await expect(row).toContainText(`node ${node}`);
    await expect(row.getByTestId('node-state')).toHaveText('up', settle);
  }
  await expect(page.getByTestId('zones').getByTestId('node-state')).toHaveCount(3);
  // Every slice has a leader somewhere: the nodes lead 3 slices between them.
  await expect
    .poll(
      async () =>
        (await page.getByTestId('node-leading').allTextContents()).reduce(
          (sum, n) => sum + Number(n),
          0,
        ),
      settle,
    )
    .toBe(3);

  const controlPlane = page.getByTestId('control-plane');
  // Three members (their ids are the control plane's own, not the data nodes').
  await expect(controlPlane.locator('[data-testid^="cp-member-"]')).toHaveCount(3);
  await expect(controlPlane.getByTestId('cp-serving')).toHaveCount(3);
  await expect(controlPlane.locator('[data-testid="cp-serving"][data-serving="true"]')).toHaveCount(
    1,
    settle,
  );
  await expect(controlPlane.getByTestId('cp-serving').filter({ hasText: 'serving' })).toHaveCount(
    1,
  );
  // Per-node load and the operator actions are built (topology.spec.ts covers them).
  await expect(page.getByTestId('not-built')).toHaveCount(0);
  await snap(page, 'cluster-topology');
});

test('slices lists the 3 slices of kv with a leader and 3 members each', async ({ page }) => {
  // `kv` is the cluster's own table, in no database: the map's `db=.`.
  await page.goto('/slices?db=.');
  const rows = page.getByTestId('slice-row');
  await expect(rows).toHaveCount(3, settle);
  for (const row of await rows.all()) {
    await expect(row).toHaveAttribute('data-table', 'kv');
    await expect(row.getByTestId('slice-member')).toHaveCount(3);
    await expect(row.getByTestId('slice-leader')).toHaveText(/^node \d/, settle);
  }
  await expect(page.getByTestId('slice-count')).toContainText('3 slices');
  // Hash ranges and sizes are built now (slices.spec.ts covers the map): no placeholder left.
  await expect(rows.getByTestId('slice-hash')).toHaveText([/^0000… – /, /.+/, / – end$/]);
  await expect(page.getByTestId('not-built')).toHaveCount(0);
  await snap(page, 'cluster-slices');
});

test('the node filter lives in the URL and narrows the slices to those on that node', async ({
  page,
}) => {
  // Which slices have a member on node 2, as the unfiltered grid says.
  await page.goto('/slices?db=.');
  const rows = page.getByTestId('slice-row');
  await expect(rows).toHaveCount(3, settle);
  const onNode2 = rows.filter({
    has: page.locator('[data-testid="slice-member"][data-node="2"]'),
  });
  const expected = await onNode2.evaluateAll((els) => els.map((el) => el.dataset.slice));
  expect(expected.length).toBeGreaterThan(0);

  await page.goto('/slices?db=.&node=2');
  await expect(page.getByTestId('filter-node')).toHaveValue('2');
  await expect(rows).toHaveCount(expected.length, settle);
  for (const row of await rows.all()) {
    await expect(row.locator('[data-testid="slice-member"][data-node="2"]')).toHaveCount(1);
  }
  expect(await rows.evaluateAll((els) => els.map((el) => el.dataset.slice))).toEqual(expected);
  await snap(page, 'cluster-slices-node-2');

  // A node holding nothing narrows to no rows, and the page says what to do.
  await page.goto('/slices?db=.&node=9');
  await expect(page.getByTestId('slices-empty')).toContainText('No slices match these filters');
  await expect(rows).toHaveCount(0);

  // Choosing a node writes the filter into the URL; clearing it brings every slice back.
  await page.getByTestId('filter-node').selectOption('1');
  await expect(page).toHaveURL(/\/slices\?db=\.&node=1$/);
  await expect(rows.first()).toBeVisible();
  for (const row of await rows.all()) {
    await expect(row.locator('[data-testid="slice-member"][data-node="1"]')).toHaveCount(1);
  }
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(/\/slices\?db=\.$/);
  await expect(rows).toHaveCount(3);
});
