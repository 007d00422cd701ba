import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import mysql from 'mysql2/promise';
import type { ApiSession } from './api';
import { mysqlEndpoint } from './api';
import { dataDir } from './constants';

/**
 * The password the server generated for `'root'@'%'` on its first start (the suite starts it
 * without TESSERA_ROOT_PASSWORD, so it is written to the data directory, mode 0600).
 */
export function rootPassword(): string {
  return readFileSync(join(dataDir, 'initial-root-password'), 'utf8').trim();
}

/**
 * A real MySQL client (mysql2) connected as root to the server under test, found through
 * `server.info`. A killed connection also reports its loss as an 'error' event: it is ignored
 * here, the test looks at the query's own rejection.
 */
export async function connectAsRoot(api: ApiSession): Promise<Connection> {
  const { host, port } = await mysqlEndpoint(api);
  const conn = await mysql.createConnection({ host, port, user: 'root', password: rootPassword() });
  conn.on('error', () => undefined);
  return conn;
}
