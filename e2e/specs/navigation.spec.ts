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

// Overview, Topology and Slices show the live cluster now (cluster.spec.ts, topology.spec.ts),
// Overview and Slices with a notice for the parts still missing; these pages have no real data
// at all yet.
test('pages whose engine is not built yet say so instead of showing sample data', async ({
  page,
}) => {
  await signIn(page, admin.loginName, admin.password);
  for (const path of ['/workload', '/sql', '/sessions']) {
    await page.goto(path);
    await expect(page.getByTestId('not-built')).toContainText('No data yet.');
  }
});

test('the navigation is reachable with the keyboard', async ({ page }) => {
  await signIn(page, admin.loginName, admin.password);
  await page.getByRole('link', { name: 'Overview', exact: true }).focus();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Topology' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/topology$/);
});
