import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { signIn, snap } from '../support/console';
import { testUsers } from '../support/users';

// The embedded cluster: data nodes 1–3 in zones a, b, c (see cluster.spec.ts). These tests act
// on it for real (add, drain, remove, kill, restart), so they leave nodes 1–3 up as they found
// them; the file runs after the others (workers: 1, files in order).
const settle = { timeout: 20_000 };

/** Opens the confirmation of one node's action and confirms it. */
async function confirmAction(page: Page, nodeId: number, action: string): Promise<void> {
  await page.getByTestId(`node-${nodeId}`).getByTestId(`action-${action}`).click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('confirm-action').click();
}

test.describe('an operator on the Topology page', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page, testUsers.operator.loginName, testUsers.operator.password);
    await page.goto('/topology');
    await expect(page.getByTestId('node-1').getByTestId('node-state')).toHaveText('up', settle);
  });

  test('sees each node live with its data size and load', async ({ page }) => {
    for (const node of [1, 2, 3]) {
      const row = page.getByTestId(`node-${node}`);
      await expect(row.getByTestId('node-running')).toHaveText('running');
      // Nodes report every 500 ms: the size shows in units, the rates as numbers.
      await expect(row.getByTestId('node-bytes')).toHaveText(
        /^\d+(\.\d+)? (B|KiB|MiB|GiB)$/,
        settle,
      );
      await expect(row.getByTestId('node-reads')).toHaveText(/^[\d,.]+$/, settle);
      await expect(row.getByTestId('node-writes')).toHaveText(/^[\d,.]+$/, settle);
    }
    await expect(page.getByTestId('not-built')).toHaveCount(0);
    await expect(page.getByTestId('rebalancer-activity')).toBeVisible();
    await snap(page, 'topology-load');
  });

  test('adds a node in zone b, drains it, and removes it once it holds nothing', async ({
    page,
  }) => {
    test.setTimeout(90_000);
    // A zone name the API would refuse is refused in the form, before any dialog.
    await page.getByTestId('add-node-zone').fill('no spaces');
    await page.getByTestId('add-node').click();
    await expect(page.getByTestId('add-node-form').getByRole('alert')).toContainText(
      'A zone name is letters, digits',
    );
    await expect(page.getByTestId('confirm-dialog')).toBeHidden();

    await page.getByTestId('add-node-zone').fill('b');
    await page.getByTestId('add-node').click();
    const dialog = page.getByTestId('confirm-dialog');
    await expect(dialog).toContainText('Add a data node in zone b');
    await dialog.getByTestId('confirm-action').click();
    await expect(dialog).toBeHidden(settle);
    const outcome = page.getByTestId('action-outcome');
    await expect(outcome).toHaveText(/^Node \d+ added in zone b/);
    const added = Number(/^Node (\d+)/.exec((await outcome.textContent()) ?? '')?.[1]);
    expect(added).toBeGreaterThan(3);
    const row = page.getByTestId('zone-b').getByTestId(`node-${added}`);
    await expect(row.getByTestId('node-state')).toHaveText('up', settle);
    // The rebalancer evens the copies out onto the new node, and the activity list shows it.
    const activity = page.getByTestId('rebalancer-activity');
    await expect(
      activity
        .getByTestId('activity-row')
        .filter({ hasText: `→ node ${added}` })
        .filter({ hasText: 'done' })
        .first(),
    ).toBeVisible(settle);
    await expect(activity.locator('[data-testid="activity-row"] .badge.warn')).toHaveCount(
      0,
      settle,
    );
    await snap(page, 'topology-node-added');
    // Drained at once: a slice may go straight back to the node it just left, which the
    // group may still count as a voter (the rebalancer's catch-up rule accepts that).

    await confirmAction(page, added, 'drain');
    await expect(dialog).toBeHidden(settle);
    await expect(row.getByTestId('node-state')).toHaveText('draining', settle);
    // The rebalancer may have started moving slices to it: wait until it holds nothing.
    await expect
      .poll(
        async () =>
          Number(await row.getByTestId('node-replicas').textContent()) +
          Number(await row.getByTestId('node-loggers').textContent()),
        { timeout: 60_000 },
      )
      .toBe(0);
    await snap(page, 'topology-node-drained');

    await confirmAction(page, added, 'remove');
    await expect(dialog).toBeHidden(settle);
    await expect(page.getByTestId(`node-${added}`)).toHaveCount(0, settle);
    await expect(outcome).toHaveText(`Node ${added} removed from the cluster.`);
  });

  test('is told why a node holding data cannot be removed; Esc closes the dialog', async ({
    page,
  }) => {
    const remove = page.getByTestId('node-1').getByTestId('action-remove');
    await remove.click();
    const dialog = page.getByTestId('confirm-dialog');
    await expect(dialog).toContainText('Remove node 1');
    // Focus starts on Cancel, the safe choice.
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await dialog.getByTestId('confirm-action').click();
    await expect(dialog.getByTestId('confirm-error')).toContainText(
      /Cannot remove data node 1: .*drain it first/,
      settle,
    );
    await snap(page, 'topology-remove-refused');
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(remove).toBeFocused();
    await expect(page.getByTestId('node-1').getByTestId('node-state')).toHaveText('up');
  });

  test('kills node 3, sees it stopped and down, and restarts it', async ({ page }) => {
    test.setTimeout(60_000);
    const row = page.getByTestId('node-3');
    await confirmAction(page, 3, 'kill');
    await expect(row.getByTestId('node-stopped')).toHaveText('stopped', settle);
    await expect(row.getByTestId('node-state')).toHaveText('down', settle);
    await expect(row.getByTestId('action-kill')).toBeDisabled();
    await snap(page, 'topology-node-killed');

    await confirmAction(page, 3, 'restart');
    await expect(row.getByTestId('node-running')).toHaveText('running', settle);
    await expect(row.getByTestId('node-state')).toHaveText('up', settle);
    await expect(page.getByTestId('action-outcome')).toHaveText(/^Node 3 restarted/);
  });

  test('finds the actions in the audit log', async ({ page }) => {
    await page.goto('/audit?action=cluster.');
    const table = page.getByTestId('audit-table');
    for (const action of ['addNode', 'drainNode', 'removeNode', 'killNode', 'restartNode']) {
      await expect(table).toContainText(`cluster.${action}`);
    }
  });
});

test('a viewer sees the topology but no action buttons', async ({ page }) => {
  await signIn(page, testUsers.viewer.loginName, testUsers.viewer.password);
  await page.goto('/topology');
  await expect(page.getByTestId('node-1').getByTestId('node-state')).toHaveText('up', settle);
  await expect(page.getByTestId('node-1').getByTestId('node-bytes')).toBeVisible();
  await expect(page.getByTestId('zones').getByRole('button')).toHaveCount(0);
  await expect(page.getByTestId('add-node-form')).toHaveCount(0);
  await expect(page.getByRole('columnheader', { name: 'Actions' })).toHaveCount(0);
  await snap(page, 'topology-viewer');
});
