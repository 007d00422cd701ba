import { expect, test } from '@playwright/test';
import { signIn, snap } from '../support/console';
import { admin } from '../support/users';

const pages = [
  { link: 'Overview', heading: 'Overview', path: '/' },
  { link: 'Topology', heading: 'Topology', path: '/topology' },
  { link: 'Slices', heading: 'Slices', path: '/slices' },
  { link: 'Workload', heading: 'Workload', path: '/workload' },
  { link: 'SQL', heading: 'SQL', path: '/sql' },
  { link: 'Schema changes', heading: 'Schema changes', path: '/schema-changes' },
  { link: 'Branches', heading: 'Branches', path: '/branches' },
  { link: 'Filters', heading: 'Filters', path: '/filters' },
  { link: 'Sessions', heading: 'Sessions', path: '/sessions' },
  { link: 'Audit', heading: 'Audit', path: '/audit' },
  { link: 'Users', heading: 'Users', path: '/users' },
  { link: 'Account', heading: 'Account', path: '/account' },
];

test('every page is reachable from the navigation', async ({ page }) => {
  await signIn(page, admin.loginName, admin.password);
  const nav = page.getByRole('navigation', { name: 'Console' });
  for (const target of pages) {
    await nav.getByRole('link', { name: target.link, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(target.path === '/' ? '/$' : `${target.path}$`));
    await expect(page.getByRole('heading', { level: 1, name: target.heading })).toBeVisible();
    await expect(nav.getByRole('link', { name: target.link, exact: true })).toHaveAttribute(
      'aria-current',
      'page',
    );
    await snap(page, `page-${target.path === '/' ? 'overview' : target.path.slice(1)}`);
  }
});

// Overview, Topology, Slices, Workload, Sessions and SQL show live data now (cluster.spec.ts,
// topology.spec.ts, overview.spec.ts, slices.spec.ts, workload.spec.ts, sessions.spec.ts,
// sql.spec.ts); the SQL page was the last one without an engine behind it.
test('the SQL page shows its live editor, not a not-built notice', async ({ page }) => {
  await signIn(page, admin.loginName, admin.password);
  await page.goto('/sql');
  await expect(page.getByRole('textbox', { name: 'SQL statements' })).toBeVisible();
  await expect(page.getByTestId('sql-account')).toHaveText("Runs as 'root'@'%'");
  await expect(page.getByTestId('not-built')).toHaveCount(0);
});

test('the navigation is reachable with the keyboard', async ({ page }) => {
  await signIn(page, admin.loginName, admin.password);
  await page.getByRole('link', { name: 'Overview', exact: true }).focus();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Topology' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/topology$/);
});
