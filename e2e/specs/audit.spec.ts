import { expect, test } from '@playwright/test';
import type { ApiSession } from '../support/api';
import { apiAs } from '../support/api';
import { signIn, snap } from '../support/console';
import { testUsers } from '../support/users';

// Actions are made through the real API (as the browser's client makes them) and then found
// on the Audit page: the trail is the server's, written by one middleware for every mutation.
const { operator, viewer } = testUsers;

/** Session ids no connection has: each kill of one fails (NOT_FOUND) and is audited. */
const missingSessionBase = 900_000;
/** More than one page of the Audit page (50 a page). */
const deniedCount = 55;

let operatorApi: ApiSession;
let viewerApi: ApiSession;

test.beforeAll(async () => {
  operatorApi = await apiAs(operator.loginName, operator.password);
  viewerApi = await apiAs(viewer.loginName, viewer.password);
});

test.afterAll(async () => {
  await Promise.all([operatorApi.dispose(), viewerApi.dispose()]);
});

test('a failed action shows with its actor, action, target and outcome', async ({ page }) => {
  const id = missingSessionBase;
  expect(await operatorApi.mutationStatus('sessions.kill', { id, scope: 'connection' })).toBe(404);
  await signIn(page, operator.loginName, operator.password);
  await page.goto(`/audit?actor=${operator.loginName}&action=sessions.kill`);
  const row = page.getByTestId('audit-row').filter({ hasText: `session ${id}` });
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('audit-actor')).toHaveText(operator.loginName);
  await expect(row.getByTestId('audit-action')).toHaveText('sessions.kill');
  await expect(row.getByTestId('audit-target')).toHaveText(`session ${id}`);
  await expect(row.getByTestId('audit-outcome')).toHaveText('failed');
  await snap(page, 'audit-failed-action');
});

test('the filters live in the URL, survive a reload, and narrow the trail', async ({ page }) => {
  // A viewer's refused kill is audited as denied.
  expect(await viewerApi.mutationStatus('sessions.kill', { id: missingSessionBase })).toBe(403);
  await signIn(page, operator.loginName, operator.password);
  await page.goto('/audit');
  await expect(page.getByTestId('audit-row').first()).toBeVisible();

  const form = page.getByRole('form', { name: 'Filter audit events' });
  await form.getByLabel('Actor').fill(viewer.loginName);
  await form.getByLabel('Action starts with').fill('sessions.');
  await form.getByLabel('Outcome').selectOption('denied');
  await form.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(page).toHaveURL(
    new RegExp(`/audit\\?actor=${viewer.loginName}&action=sessions\\.&outcome=denied$`),
  );
  const rows = page.getByTestId('audit-row');
  await expect(rows.first()).toBeVisible();

  await page.reload();
  await expect(form.getByLabel('Actor')).toHaveValue(viewer.loginName);
  await expect(form.getByLabel('Action starts with')).toHaveValue('sessions.');
  await expect(form.getByLabel('Outcome')).toHaveValue('denied');
  await expect(rows.first()).toBeVisible();
  for (const actor of await rows.getByTestId('audit-actor').allTextContents()) {
    expect(actor).toBe(viewer.loginName);
  }
  for (const outcome of await rows.getByTestId('audit-outcome').allTextContents()) {
    expect(outcome).toBe('denied');
  }
  await expect(rows.filter({ hasText: `session ${missingSessionBase}` })).toHaveCount(1);
  await snap(page, 'audit-filtered');

  // A filter nothing matches says so; clearing the filters brings the whole trail back.
  await page.goto('/audit?actor=nobody-at-all');
  await expect(page.getByTestId('audit-empty')).toContainText('No audit events match');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(rows.first()).toBeVisible();
  await expect(form.getByLabel('Actor')).toHaveValue('');
});

test('older events page in below the newest 50', async ({ page }) => {
  const base = missingSessionBase + 1;
  for (let i = 0; i < deniedCount; i += 1) {
    expect(await viewerApi.mutationStatus('sessions.kill', { id: base + i })).toBe(403);
  }
  await signIn(page, operator.loginName, operator.password);
  await page.goto(`/audit?actor=${viewer.loginName}&action=sessions.kill&outcome=denied`);
  const rows = page.getByTestId('audit-row');
  await expect(rows).toHaveCount(50);
  // Newest first: the last kill tops the list, the first ones are on the next page.
  await expect(rows.first().getByTestId('audit-target')).toHaveText(
    `session ${base + deniedCount - 1}`,
  );
  await expect(rows.filter({ hasText: `session ${base}` })).toHaveCount(0);
  await page.getByTestId('audit-older').click();
  await expect(rows.filter({ hasText: `session ${base}` })).toHaveCount(1);
  await expect(page.getByTestId('audit-older')).toHaveCount(0);
  const targets = new Set(await rows.getByTestId('audit-target').allTextContents());
  for (let i = 0; i < deniedCount; i += 1) expect(targets).toContain(`session ${base + i}`);
  await snap(page, 'audit-paged');
});
