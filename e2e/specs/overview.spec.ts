import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import type { ApiSession } from '../support/api';
import { apiAs } from '../support/api';
import { signIn, snap } from '../support/console';
import { connectAsRoot } from '../support/mysql';
import { admin, testUsers } from '../support/users';

// The embedded cluster: data nodes 1–3 in zones a, b, c (see cluster.spec.ts). The events test
// kills node 3 through the API and restarts it, leaving the cluster as it found it.
const settle = { timeout: 20_000 };

let api: ApiSession;

test.beforeAll(async () => {
  api = await apiAs(admin.loginName, admin.password);
});

test.afterAll(async () => {
  await api.dispose();
});

test.beforeEach(async ({ page }) => {
  await signIn(page, testUsers.viewer.loginName, testUsers.viewer.password);
});

/** The number in a chart's caption for one series (`12/s`, `0.41 ms`), or null for `—`. */
async function latestOf(page: Page, chart: string, key: string): Promise<number | null> {
  const text = (await page.getByTestId(`${chart}-latest-${key}`).textContent()) ?? '';
  const number = /^[\d,.]+/.exec(text)?.[0];
  return number === undefined ? null : Number(number.replaceAll(',', ''));
}

test('cluster health: 3 nodes up across zones, nothing under-replicated, the rebalancer state', async ({
  page,
}) => {
  await page.goto('/');
  const cluster = page.getByTestId('cluster-card');
  await expect(cluster.getByTestId('nodes-up')).toHaveText('3 / 3 up', settle);
  for (const [zone, node] of [
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ] as const) {
    const row = cluster.getByTestId(`zone-${zone}`);
    await expect(row.getByTestId('zone-summary')).toHaveText('1 up, 0 down', settle);
    await expect(row.getByTestId(`zone-node-${node}`).getByTestId('node-state')).toHaveText('up');
  }
  await expect(cluster.getByTestId('cp-leader')).toHaveText(/^leader: member \d+$/, settle);
  await expect(cluster.getByTestId('under-replicated')).toHaveText('0', settle);
  await expect(cluster.getByTestId('leaderless')).toHaveText('0', settle);
  await expect(cluster.getByTestId('rebalancer-state')).toHaveText(/^(idle|busy: \d+ running)$/);
  await expect(cluster.getByTestId('rebalancer-last')).toContainText(/Last decision at|decided/);
  // The process cards are kept, and nothing on the page is a placeholder any more.
  await expect(page.getByTestId('api-health')).toHaveText('healthy');
  await expect(page.getByTestId('not-built')).toHaveCount(0);
  await snap(page, 'overview-health');
});

test('statements run over MySQL show on the QPS and latency charts', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto('/');
  const qps = page.getByTestId('qps-chart');
  await expect(qps).toBeVisible();
  const conn = await connectAsRoot(api);
  const stop = new AbortController();
  // A steady trickle of statements until the charts have shown them.
  const load = (async () => {
    while (!stop.signal.aborted) {
      await conn.query('SELECT 1');
    }
  })();
  try {
    await expect
      .poll(() => latestOf(page, 'qps-chart', 'statementsPerSec'), settle)
      .toBeGreaterThan(0);
    await expect
      .poll(() => latestOf(page, 'latency-chart', 'p50Ms'), settle)
      .toBeGreaterThanOrEqual(0);
    await expect(qps.locator('.recharts-line-curve').first()).toBeVisible();
    await expect(
      page.getByTestId('latency-chart').locator('.recharts-line-curve').first(),
    ).toBeVisible();
    // Each poll appends the samples taken since the newest one held.
    const before = Number(await qps.getAttribute('data-points'));
    expect(before).toBeGreaterThan(0);
    await expect
      .poll(async () => Number(await qps.getAttribute('data-points')), settle)
      .toBeGreaterThan(before + 1);
    await snap(page, 'overview-charts');
  } finally {
    stop.abort();
    await load;
    await conn.end();
  }
});

test('a node killed and restarted through the API shows in the recent events', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto('/');
  await expect(page.getByTestId('nodes-up')).toHaveText('3 / 3 up', settle);
  const events = page.getByTestId('events');
  const aboutNode3 = events
    .locator('[data-testid="event"][data-kind="node-state"]')
    .filter({ has: page.getByRole('link', { name: 'node 3', exact: true }) });
  await expect(events.getByRole('heading', { name: 'Recent events' })).toBeVisible();
  // Newest first: while node 3 is up, its newest state event (if any is listed) says so.
  await expect(
    events.getByTestId('event').first().or(events.getByTestId('events-empty')),
  ).toBeVisible(settle);
  if ((await aboutNode3.count()) > 0) {
    await expect(aboutNode3.first()).toHaveAttribute('data-severity', 'info');
  }

  try {
    await api.mutation('cluster.killNode', { nodeId: 3 });
    await expect(page.getByTestId('nodes-up')).toHaveText('2 / 3 up', settle);
    const down = aboutNode3.first();
    await expect(down).toHaveAttribute('data-severity', /^(warning|error)$/, settle);
    await expect(down.getByTestId('event-message')).toHaveText(/^Node 3 (is down|stopped)/);
    await expect(page.getByTestId('zone-c').getByTestId('zone-summary')).toHaveText('0 up, 1 down');
    // Every slice of kv has a voting member (replica or logger) on each of the 3 nodes.
    await expect(page.getByTestId('under-replicated')).toHaveText('3', settle);
    await expect(page.getByTestId('under-replicated-list').getByRole('link')).toHaveCount(3);
    await snap(page, 'overview-node-down');

    await api.mutation('cluster.restartNode', { nodeId: 3 });
    await expect(page.getByTestId('nodes-up')).toHaveText('3 / 3 up', settle);
    await expect(aboutNode3.first()).toHaveAttribute('data-severity', 'info', settle);
    await expect(aboutNode3.first().getByTestId('event-message')).toHaveText(
      /^Node 3 (is up again|started)$/,
    );
    // The node link leads to the topology.
    await aboutNode3.first().getByRole('link', { name: 'node 3', exact: true }).click();
    await expect(page).toHaveURL(/\/topology$/);
  } finally {
    // Leave node 3 running for the specs after this one, whatever happened above.
    const overview = (await api.query('cluster.overview')) as {
      nodes: { id: number; running: boolean }[];
    };
    if (overview.nodes.find((n) => n.id === 3)?.running === false) {
      await api.mutation('cluster.restartNode', { nodeId: 3 });
    }
  }
  await page.goto('/');
  await expect(page.getByTestId('under-replicated')).toHaveText('0', settle);
});
