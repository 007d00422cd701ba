import { expect, test } from '@playwright/test';
import { apiAs } from '../support/api';
import { startBank } from '../support/bank';
import { signIn } from '../support/console';
import { camera } from '../support/demo';
import { connectAsRoot } from '../support/mysql';
import { admin } from '../support/users';

/**
 * Demo "kill-node" (issue 6, story 2): a bank runs over mysql2; the node holding the most
 * ranking replicas is killed from the Topology page; the console shows its slices promote a
 * surviving replica, then re-replicate; the bank's queries kept working (transfers acknowledged
 * after the kill, money conserved, no error a client could not retry); the node comes back.
 * Numbered screenshots in e2e/artifacts/demos/kill-node/.
 */
/** The parts of `cluster.overview` this story reads (JSON over HTTP). */
interface Overview {
  readonly nodes: readonly { id: number; state: string; running: boolean; leading: number }[];
  readonly tables: readonly { name: string; replicas: number }[];
  readonly slices: readonly {
    database: string | null;
    leader: number | null;
    members: readonly { node: number; role: string; raftRole: string }[];
  }[];
}

const accounts = 200;
const opening = 1000;
const db = 'demo_bank';

test('kill the busiest node under traffic', async ({ page }) => {
  test.setTimeout(240_000);
  const shot = camera('kill-node');
  const api = await apiAs(admin.loginName, admin.password);
  const setup = await connectAsRoot(api);
  const clients = await Promise.all([1, 2, 3, 4].map(() => connectAsRoot(api)));
  const overview = async () => (await api.query('cluster.overview')) as Overview;
  try {
    await setup.query(`CREATE DATABASE ${db}`);
    await setup.query(
      `CREATE TABLE ${db}.acct (id INT PRIMARY KEY, balance INT NOT NULL) SLICES = 8`,
    );
    const values = Array.from({ length: accounts }, (_, i) => `(${i + 1}, ${opening})`);
    await setup.query(`INSERT INTO ${db}.acct VALUES ${values.join(', ')}`);
    await Promise.all(clients.map((c) => c.query(`USE ${db}`)));

    // 1. Traffic: 3 connections transfer money, one checks the total.
    const bank = startBank(clients, 'acct', accounts, accounts * opening);
    await signIn(page, admin.loginName, admin.password);
    await page.goto('/topology');
    // The victim: the running node leading the most slices (ranking replicas serve the reads).
    const before = await overview();
    const victim = [...before.nodes]
      .filter((n) => n.running && n.state === 'up')
      .sort((a, b) => b.leading - a.leading || a.id - b.id)[0];
    if (victim === undefined) throw new Error('no running node');
    const row = page.getByTestId(`node-${victim.id}`);
    await expect(row.getByTestId('node-running')).toBeVisible();
    await shot(page, `topology-node-${victim.id}-leads-most`);

    // 2. Kill it from the console (confirmation dialog, audited).
    const transfersBefore = bank.tally.transfers;
    await row.getByTestId('action-kill').click();
    await expect(page.getByTestId('confirm-dialog')).toBeVisible();
    await shot(page, 'confirm-kill');
    await page.getByTestId('confirm-dialog').getByTestId('confirm-action').click();
    await expect(row.getByTestId('node-stopped')).toBeVisible({ timeout: 20_000 });
    await shot(page, 'killed');

    // 3. Promotion: every slice of the bank has a leader again, on a surviving node; the map
    //    shows the killed node's replicas down, without a reload.
    await page.goto(`/slices?db=${db}`);
    await expect
      .poll(
        async () => {
          const o = await overview();
          return o.slices
            .filter((s) => s.database === db)
            .every((s) => s.leader !== null && s.leader !== victim.id);
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    await expect(
      page
        .locator(`[data-testid="slice-member"][data-node="${victim.id}"][data-raft="down"]`)
        .first(),
    ).toBeVisible({ timeout: 10_000 });
    await shot(page, 'promoted');

    // 4. The overview tells it as events; the statements chart kept going.
    await page.goto('/');
    await expect(page.getByTestId('events')).toContainText(`Node ${victim.id}`, {
      timeout: 20_000,
    });
    await shot(page, 'overview-events');

    // 5. Re-replication: the control plane replaces the lost copies on the other nodes, until
    //    no bank slice is short of its replicas.
    await expect
      .poll(
        async () => {
          const o = await overview();
          const wanted = o.tables.find((t) => t.name === `${db}.acct`)?.replicas ?? 2;
          return o.slices
            .filter((s) => s.database === db)
            .every(
              (s) =>
                s.members.filter((m) => m.role !== 'logger' && m.raftRole !== 'down').length >=
                wanted,
            );
        },
        { timeout: 90_000, intervals: [1000] },
      )
      .toBe(true);
    await page.goto(`/slices?db=${db}`);
    await expect(page.getByTestId('slice-grid')).toBeVisible();
    await shot(page, 're-replicated');

    // 6. The queries kept working: transfers acknowledged after the kill, nothing but
    //    retryable refusals, every total read equal to the opening total, money conserved.
    await bank.stop();
    const { tally } = bank;
    console.log(
      `  [kill-node] transfers ${tally.transfers} (${tally.transfers - transfersBefore} after the kill), ` +
        `retryable ${tally.retryable}, other errors ${tally.failures.length}, ` +
        `totals read ${tally.reads} (wrong ${tally.wrongSums})`,
    );
    expect(tally.transfers - transfersBefore).toBeGreaterThan(0);
    expect(tally.failures).toEqual([]);
    expect(tally.wrongSums).toBe(0);
    await page.goto(`/sql?db=${db}`);
    const editor = page.getByRole('textbox', { name: 'SQL statements' });
    await editor.fill('SELECT COUNT(*) AS accounts, SUM(balance) AS total FROM acct');
    await editor.press('Control+Enter');
    await expect(page.getByTestId('result-grid').locator('tbody tr').first()).toContainText(
      String(accounts * opening),
      { timeout: 20_000 },
    );
    await shot(page, 'money-conserved');

    // 7. The node comes back from its own disk and catches up.
    await page.goto('/topology');
    await row.getByTestId('action-restart').click();
    await page.getByTestId('confirm-dialog').getByTestId('confirm-action').click();
    await expect(row.getByTestId('node-running')).toBeVisible({ timeout: 30_000 });
    await expect(row.getByTestId('node-state')).toHaveText('up', { timeout: 30_000 });
    await shot(page, 'restarted');
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await setup.end();
    await api.dispose();
  }
});
