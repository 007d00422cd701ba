import { expect, test } from '@playwright/test';
import { signIn, snap } from '../support/console';
import { admin, testUsers } from '../support/users';

test('a viewer sees no administration pages and is refused if they go there', async ({ page }) => {
  const { loginName, password } = testUsers.viewer;
  await signIn(page, loginName, password);
  const nav = page.getByRole('navigation', { name: 'Console' });
  await expect(nav.getByRole('link', { name: 'Audit' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await page.goto('/audit');
  await expect(page.getByRole('main').getByRole('alert')).toContainText('needs the operator role');
  await snap(page, 'viewer-refused-audit');
});

test('the audit page lists sign-ins and changes, filterable through the URL', async ({ page }) => {
  await signIn(page, admin.loginName, admin.password);
  await page.goto('/audit?action=users.create');
  const table = page.getByTestId('audit-table');
  await expect(table).toContainText(testUsers.viewer.loginName);
  await expect(table).not.toContainText('auth.login');
  await page.getByLabel('Action starts with').fill('auth.login');
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(page).toHaveURL(/action=auth\.login/);
  await expect(table).toContainText('auth.login');
  await snap(page, 'audit');
});

test('an admin creates a user who can then sign in', async ({ page, browser }) => {
  await signIn(page, admin.loginName, admin.password);
  await page.goto('/users');
  const form = page.getByRole('form', { name: 'Create user' });
  await form.getByLabel('Login name').fill('nina-new');
  await form.getByLabel('Password (10+ characters)').fill('nina-password-1');
  await form.getByLabel('Role').selectOption('operator');
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByTestId('users-table')).toContainText('nina-new');
  await snap(page, 'users');

  const other = await browser.newPage();
  await signIn(other, 'nina-new', 'nina-password-1');
  await expect(other.getByRole('link', { name: 'Audit' })).toBeVisible();
  await other.close();
});
