import { fileURLToPath } from 'node:url';
import { e2eEnv } from '../env';

export const adminPassword = 'e2e-admin-password-1';
export const consoleUrl = `http://127.0.0.1:${e2eEnv.consolePort}`;
export const apiUrl = `http://127.0.0.1:${e2eEnv.apiPort}`;
export const artifactsDir = fileURLToPath(new URL('../artifacts', import.meta.url));
export const dataDir = fileURLToPath(new URL('../.data', import.meta.url));

/** The flags DEVELOPERS.md fixes for Chromium on these machines. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
