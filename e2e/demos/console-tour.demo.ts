import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { signIn } from '../support/console';
import { artifactsDir } from '../support/constants';
import { admin } from '../support/users';

/**
 * Demo "console-tour": sign in, read the live overview, and find the sign-in in the audit
 * trail. Each step leaves a numbered screenshot in e2e/artifacts/demos/console-tour/.
 */
let step = 0;
const shot = async (page: Page, what: string) => {
  step += 1;
  const file = join(
    artifactsDir,
    'demos',
    'console-tour',
    `${String(step).padStart(2, '0')}-${what}.png`,
  );
  await page.screenshot({ path: file, fullPage: true });
};

test('console tour', async ({ page }) => {
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
