import { expect, test } from '@playwright/test';
import { signIn, snap } from '../support/console';
import { admin } from '../support/users';

test('signing out ends the session', async ({ page, context }) => {
  await signIn(page, admin.loginName, admin.password);
  const before = (await context.cookies()).find((c) => c.name === 'tessera_session');
  expect(before?.httpOnly).toBe(true);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await snap(page, 'signed-out');
  // The cookie is gone, and the old token no longer opens the console.
  expect((await context.cookies()).find((c) => c.name === 'tessera_session')).toBeUndefined();
  if (before) await context.addCookies([before]);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
});
