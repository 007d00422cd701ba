import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConsoleDb } from '../store/console-db';
import { bootstrapRootHost, bootstrapRootUser } from '../mysql/root-bootstrap';
import { generatePassword, hashPassword } from './password';

export const bootstrapAdminName = 'admin';

export type BootstrapOutcome =
  | { readonly kind: 'existing' }
  | { readonly kind: 'from-env' }
  | { readonly kind: 'generated'; readonly password: string; readonly file: string };

/**
 * The database account the first admin's SQL page runs as: the MySQL listener's bootstrap
 * account (mysql/root-bootstrap.ts). A data directory made before the mapping existed gets it
 * from the migration that added it (prisma/migrations/20261121010000_sql_console), once: a
 * mapping an admin clears later stays cleared.
 */
export const bootstrapAdminDbAccount = { user: bootstrapRootUser, host: bootstrapRootHost };

/**
 * On first start (no console user yet) creates the `admin` account, mapped to 'root'@'%' for
 * the SQL page: with the given password (TESSERA_ADMIN_PASSWORD) or with a generated one,
 * written to <data-dir>/initial-admin-password with mode 0600 so that only the owner of the
 * data directory can read it.
 */
export async function bootstrapAdmin(
  db: ConsoleDb,
  dataDir: string,
  givenPassword: string | undefined,
): Promise<BootstrapOutcome> {
  if ((await db.user.count()) > 0) return { kind: 'existing' };
  const password = givenPassword ?? generatePassword();
  await db.user.create({
    data: {
      loginName: bootstrapAdminName,
      role: 'admin',
      passwordHash: await hashPassword(password),
      dbAccountUser: bootstrapAdminDbAccount.user,
      dbAccountHost: bootstrapAdminDbAccount.host,
    },
  });
  await db.auditEvent.create({
    data: {
      actor: '-',
      action: 'bootstrap.admin',
      target: bootstrapAdminName,
      outcome: 'ok',
      detail: givenPassword ? 'password from TESSERA_ADMIN_PASSWORD' : 'generated password',
    },
  });
  if (givenPassword !== undefined) return { kind: 'from-env' };
  const file = join(dataDir, 'initial-admin-password');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return { kind: 'generated', password, file };
}
