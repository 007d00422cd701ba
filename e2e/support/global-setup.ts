import { mkdirSync } from 'node:fs';
import { request } from '@playwright/test';
import { adminPassword, apiUrl, artifactsDir } from './constants';
import { testUsers } from './users';

/** Creates the non-admin accounts the specs sign in with, through the real API. */
export default async function globalSetup(): Promise<void> {
  mkdirSync(artifactsDir, { recursive: true });
  const api = await request.newContext({ baseURL: apiUrl });
  const login = await api.post('/trpc/auth.login', {
    data: { json: { loginName: 'admin', password: adminPassword } },
  });
  if (!login.ok()) throw new Error(`admin login failed: ${login.status()} ${await login.text()}`);
  for (const user of Object.values(testUsers)) {
    const res = await api.post('/trpc/users.create', {
      data: { json: { loginName: user.loginName, password: user.password, role: user.role } },
    });
    if (!res.ok()) throw new Error(`creating ${user.loginName} failed: ${await res.text()}`);
  }
  await api.dispose();
}
