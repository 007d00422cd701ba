import path from 'node:path';
import { PrismaLibSQL } from '@prisma/adapter-libsql';
import { defineConfig } from 'prisma/config';
import { readEnv } from './src/env';

// The schema and its migrations live at the top of the repository (prisma/); the generated
// client lives inside the server, its only user. `engine: 'js'` with a driver adapter keeps the
// CLI off the network: the classic engine downloads a binary these machines cannot reach.
// The server runs `prisma migrate deploy` on start with TESSERA_CONSOLE_DB_PATH set to
// <data-dir>/console.db; without it (generate, diff) a scratch file beside this config is used.
const dbPath = readEnv().consoleDbPath ?? path.join(import.meta.dirname, '.prisma-scratch.db');

export default defineConfig({
  experimental: { adapter: true },
  schema: path.join(import.meta.dirname, '../../prisma/schema.prisma'),
  migrations: { path: path.join(import.meta.dirname, '../../prisma/migrations') },
  engine: 'js',
  adapter: () => Promise.resolve(new PrismaLibSQL({ url: `file:${dbPath}` })),
});
