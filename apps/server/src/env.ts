/**
 * The only module of the server that reads the process environment (STYLE.md §1). Everything
 * else receives these values as parameters.
 */
export interface ServerEnv {
  /** First-start password of the console's `admin` account. */
  readonly adminPassword: string | undefined;
  /** First-start password of the SQL `root` account (used by the MySQL listener). */
  readonly rootPassword: string | undefined;
  /** Console SQLite file used by the Prisma CLI (prisma.config.ts); set by the server itself. */
  readonly consoleDbPath: string | undefined;
  /** True under CI: tests may shorten timings; behaviour is otherwise identical. */
  readonly ci: boolean;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): ServerEnv {
  return {
    adminPassword: nonEmpty(env.TESSERA_ADMIN_PASSWORD),
    rootPassword: nonEmpty(env.TESSERA_ROOT_PASSWORD),
    consoleDbPath: nonEmpty(env.TESSERA_CONSOLE_DB_PATH),
    ci: env.CI === 'true' || env.CI === '1',
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The environment handed to child processes the server starts (Prisma's migrate CLI). */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return { ...process.env };
}
