import { expect, test } from '@playwright/test';
import { signIn, snap } from '../support/console';
import { admin } from '../support/users';

test('an unknown visitor is sent to the login page', async ({ page }) => {
  await page.goto('/topology');
  await expect(page).toHaveURL(/\/login\?next=%2Ftopology$/);
  await expect(page.getByRole('heading', { name: 'Sign in to Tessera' })).toBeVisible();
  await snap(page, 'login-page');
});

test('a wrong password is refused with a readable message', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Login name').fill('admin');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('form', { name: 'Sign in' }).getByRole('alert')).toHaveText(
    'Wrong login name or password.',
  );
  await expect(page).toHaveURL(/\/login$/);
  await snap(page, 'login-bad-password');
});

test('the bootstrap admin signs in and sees the live overview', async ({ page }) => {
  await signIn(page, admin.loginName, admin.password);
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.getByTestId('api-health')).toHaveText('healthy');
  await expect(page.getByTestId('server-version')).toHaveText(/^\d+\.\d+\.\d+$/);
  await expect(page.getByTestId('data-dir')).toContainText('.data');
  // The uptime comes from the server-sent event stream and must move without a reload.
  const first = await page.getByTestId('uptime').textContent();
  await expect(page.getByTestId('uptime')).not.toHaveText(first ?? '', { timeout: 5_000 });
  await snap(page, 'overview');
});

test('after a sign-in the browser returns to the page it asked for', async ({ page }) => {
  await page.goto('/workload');
  await page.getByLabel('Login name').fill(admin.loginName);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/workload$/);
  await expect(page.getByRole('heading', { name: 'Workload' })).toBeVisible();
});
