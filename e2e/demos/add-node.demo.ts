import { expect, test } from '@playwright/test';
import { apiAs } from '../support/api';
import { signIn } from '../support/console';
import { camera } from '../support/demo';
import { connectAsRoot } from '../support/mysql';
import { admin } from '../support/users';

/**
 * Demo "add-node" (issue 6, story 3): with data loaded, an operator adds a data node from the
 * Topology page; the rebalancer moves slices onto it (the Workload page's timeline tells each
 * move with its reason) until the copies are even, and the slice map shows the new node
 * holding its share. Every slice keeps one member per zone (2 replicas + 1 logger over zones
 * a, b, c), so a node added to zone a shares zone a's members: the story checks that zone.
 * Numbered screenshots in e2e/artifacts/demos/add-node/.
 */
interface Overview {
  readonly nodes: readonly {
    id: number;
    zone: string;
    state: string;
    running: boolean;
    replicas: number;
    loggers: number;
  }[];
  readonly rebalancer: { running: number };
}

const db = 'demo_grow';

test('add a node and watch the rebalancer even out the data', async ({ page }) => {
  test.setTimeout(240_000);
  const shot = camera('add-node');
  const api = await apiAs(admin.loginName, admin.password);
  const sql = await connectAsRoot(api);
  const overview = async () => (await api.query('cluster.overview')) as Overview;
  try {
    // 1. Data first: two tables of 12 slices each with rows in every slice.
    await sql.query(`CREATE DATABASE ${db}`);
    for (const table of ['events', 'users']) {
      await sql.query(
        `CREATE TABLE ${db}.${table} (id INT PRIMARY KEY, body VARCHAR(400)) SLICES = 12`,
      );
      for (let batch = 0; batch < 5; batch++) {
        const values = Array.from(
          { length: 200 },
          (_, i) => `(${batch * 200 + i + 1}, '${table}-${'y'.repeat(300)}')`,
        );
        await sql.query(`INSERT INTO ${db}.${table} VALUES ${values.join(', ')}`);
      }
    }
    await signIn(page, admin.loginName, admin.password);
    await page.goto('/topology');
    await expect(page.getByTestId('zones')).toBeVisible();
    const before = await overview();
    await shot(page, 'before');

    // 2. Add a node in zone a, from the console (confirmation, audited).
    await page.getByTestId('add-node-zone').fill('a');
    await page.getByTestId('add-node').click();
    await expect(page.getByTestId('confirm-dialog')).toContainText('Add a data node in zone a');
    await shot(page, 'confirm-add');
    await page.getByTestId('confirm-dialog').getByTestId('confirm-action').click();
    const outcome = page.getByTestId('action-outcome');
    await expect(outcome).toHaveText(/^Node \d+ added in zone a/, { timeout: 30_000 });
    const added = Number(/^Node (\d+)/.exec((await outcome.textContent()) ?? '')?.[1]);
    expect(before.nodes.some((n) => n.id === added)).toBe(false);
    await shot(page, 'added');

    // 3. The rebalancer moves copies onto it: the Workload page's timeline, with reasons.
    await page.goto('/workload');
    const timeline = page.getByTestId('rebalancer-timeline');
    await expect(timeline).toContainText(`node ${added}`, { timeout: 60_000 });
    await shot(page, 'rebalancer-moving');

    // 4. Until zone a is even: its nodes hold data replicas within one of each other, and
    //    loggers too, and the rebalancer is idle.
    const within = (xs: number[]) => Math.max(...xs) - Math.min(...xs) <= 1;
    await expect
      .poll(
        async () => {
          const o = await overview();
          const zoneA = o.nodes.filter((n) => n.zone === 'a' && n.state === 'up' && n.running);
          return (
            o.rebalancer.running === 0 &&
            zoneA.some((n) => n.id === added) &&
            within(zoneA.map((n) => n.replicas)) &&
            within(zoneA.map((n) => n.loggers))
          );
        },
        { timeout: 120_000, intervals: [1000] },
      )
      .toBe(true);
    await page.reload();
    await expect(page.getByTestId('rebalancer-state')).toHaveAttribute('data-busy', 'false', {
      timeout: 20_000,
    });
    await shot(page, 'rebalancer-idle');

    // 5. The topology and the slice map show the new node with its share of the data.
    await page.goto('/topology');
    await expect(page.getByTestId(`node-${added}`).getByTestId('node-replicas')).not.toHaveText(
      '0',
      { timeout: 20_000 },
    );
    await shot(page, 'even');
    await page.goto(`/slices?db=${db}&node=${added}`);
    await expect(
      page.locator(`[data-testid="slice-member"][data-node="${added}"]`).first(),
    ).toBeVisible({ timeout: 20_000 });
    await shot(page, 'slice-map-new-node');
  } finally {
    await sql.end();
    await api.dispose();
  }
});
