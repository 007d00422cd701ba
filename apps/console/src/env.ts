/**
 * The console's only reader of the process environment (STYLE.md §1). Server-side only: the
 * browser never talks to the API directly, it goes through the same-origin proxy route.
 */
export const consoleEnv = {
  /** Where the `tessera` process serves its console API. */
  apiUrl: process.env.TESSERA_API_URL ?? 'http://127.0.0.1:3001',
};
