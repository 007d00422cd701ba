import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaLibSQL } from '@prisma/adapter-libsql';
import { inheritedEnv } from '../env';
import { PrismaClient } from '../generated/prisma/client';

export type ConsoleDb = PrismaClient;

/** The console's own SQLite file inside the data directory. */
export function consoleDbPath(dataDir: string): string {
  return join(dataDir, 'console.db');
}

export function openConsoleDb(dataDir: string): ConsoleDb {
  const adapter = new PrismaLibSQL({ url: `file:${consoleDbPath(dataDir)}` });
  return new PrismaClient({ adapter });
}

/**
 * Applies the checked-in migrations (prisma/migrations) with Prisma's own `migrate deploy`,
 * so the database records them in `_prisma_migrations` exactly as the CLI would by hand.
 * The CLI runs with the JS schema engine and the libSQL adapter: no network, ~1 s.
 */
export async function migrateConsoleDb(dataDir: string): Promise<void> {
  const require = createRequire(import.meta.url);
  const cli = require.resolve('prisma/build/index.js');
  const config = join(serverPackageRoot(), 'prisma.config.ts');
  const output: Buffer[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'migrate', 'deploy', '--config', config], {
      env: {
        ...inheritedEnv(),
        TESSERA_CONSOLE_DB_PATH: consoleDbPath(dataDir),
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => output.push(d));
    child.stderr.on('data', (d: Buffer) => output.push(d));
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) {
    throw new Error(
      `console store migration failed (exit ${String(code)}):\n${Buffer.concat(output).toString()}`,
    );
  }
}

/** apps/server, found from this module whether it runs from src/ (tsx, tests) or dist/. */
function serverPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'prisma.config.ts'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find apps/server/prisma.config.ts');
    dir = parent;
  }
  return dir;
}
