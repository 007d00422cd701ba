/** The e2e suite's only reader of the process environment (STYLE.md §1). */
export const e2eEnv = {
  ci: process.env.CI === 'true' || process.env.CI === '1',
  /** Debian's Chromium; Playwright's own browser download cannot work on these machines. */
  chromiumPath: process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium',
  /** Ports of the server and console that the suite starts for itself. */
  consolePort: Number(process.env.TESSERA_E2E_CONSOLE_PORT ?? 3100),
  apiPort: Number(process.env.TESSERA_E2E_API_PORT ?? 3101),
};

/** The environment of a process the suite starts (the bench's server and console): ours plus `extra`. */
export function childEnv(extra: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  return { ...env, ...extra };
}
