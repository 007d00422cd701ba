import { defineConfig } from '@playwright/test';
import { e2eEnv } from './env';
import { adminPassword, apiUrl, chromiumArgs, consoleUrl, dataDir } from './support/constants';

/**
 * Runs against the real product (its MySQL listener on a free port, so that a server started
 * with `npm start` on 4000 does not collide): a `tessera` process on a fresh data directory and the built
 * console (`next start`), both started here. Build first (`npm run build` at the root).
 */
export default defineConfig({
  testDir: '.',
  testMatch: ['specs/**/*.spec.ts'],
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  forbidOnly: e2eEnv.ci,
  retries: 0,
  timeout: 30_000,
  reporter: e2eEnv.ci ? [['list']] : [['list']],
  globalSetup: './support/global-setup.ts',
  use: {
    baseURL: consoleUrl,
    browserName: 'chromium',
    launchOptions: { executablePath: e2eEnv.chromiumPath, args: chromiumArgs },
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
  },
  webServer: [
    {
      name: 'tessera',
      command: `rm -rf "${dataDir}" && node ../apps/server/bin/tessera.mjs --data-dir "${dataDir}" --api-port ${e2eEnv.apiPort} --mysql-port 0`,
      url: `${apiUrl}/healthz`,
      env: { TESSERA_ADMIN_PASSWORD: adminPassword },
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
    {
      name: 'console',
      command: `npx next start ../apps/console -p ${e2eEnv.consolePort} -H 127.0.0.1`,
      url: `${consoleUrl}/login`,
      env: { TESSERA_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1' },
      reuseExistingServer: false,
      timeout: 60_000,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
  ],
});
