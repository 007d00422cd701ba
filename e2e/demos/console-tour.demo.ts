import { expect, test } from '@playwright/test';
import { signIn } from '../support/console';
import { camera } from '../support/demo';
import { admin } from '../support/users';

/**
 * Demo "console-tour": sign in, read the live overview, and find the sign-in in the audit
 * trail. Each step leaves a numbered screenshot in e2e/artifacts/demos/console-tour/.
 */
test('console tour', async ({ page }) => {
  const shot = camera('console-tour');
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  await shot(page, 'login');
  await signIn(page, admin.loginName, admin.password);
  await expect(page.getByTestId('api-health')).toHaveText('healthy');
  await shot(page, 'overview');
  await page.getByRole('link', { name: 'Audit' }).click();
  await expect(page.getByTestId('audit-table')).toContainText('auth.login');
  await shot(page, 'audit-trail');
});
