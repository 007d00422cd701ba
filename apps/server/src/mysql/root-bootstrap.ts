import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControlClient } from '@tessera/cluster';
import { allPrivilegesAt, AuthPlugin, sha2Credential } from '@tessera/gateway';
import { generatePassword } from '../auth/password';
import { askControlPlane } from './control-state-cache';
import type { ControlStateCache } from './control-state-cache';

export const bootstrapRootUser = 'root';
export const bootstrapRootHost = '%';

export type RootBootstrapOutcome =
  | { readonly kind: 'existing' }
  | { readonly kind: 'from-env' }
  | { readonly kind: 'generated'; readonly password: string; readonly file: string };

/**
 * On first start (no MySQL account in the catalog yet) creates `'root'@'%'` with
 * caching_sha2_password: with the given password (TESSERA_ROOT_PASSWORD) or a generated one,
 * written to <data-dir>/initial-root-password with mode 0600 — as the console's admin
 * bootstrap does (auth/bootstrap.ts) — and grants it ALL PRIVILEGES ON *.* WITH GRANT OPTION.
 * The account lives in the control plane's catalog, so a restart finds it and creates nothing.
 *
 * Every start also runs `ensureRootGrant`: while no account holds any grant, root gets its
 * grant. That finishes a first start interrupted between the two commands, and upgrades a
 * catalog from before privileges were enforced (its accounts have no grants, and without
 * this nobody could ever GRANT again). Once any account holds a grant it does nothing: root
 * is not a superuser by name, and privileges are the administrators' to manage.
 */
export async function bootstrapRoot(
  control: ControlClient,
  state: ControlStateCache,
  dataDir: string,
  givenPassword: string | undefined,
): Promise<RootBootstrapOutcome> {
  const snapshot = await state.current();
  if ((snapshot.catalog?.accounts ?? []).length > 0) {
    await ensureRootGrant(control, state);
    return { kind: 'existing' };
  }
  const password = givenPassword ?? generatePassword();
  const credential = await sha2Credential(password, randomBytes(16));
  const result = await askControlPlane('creating the root account', () =>
    control.command({
      kind: 'createUser',
      user: bootstrapRootUser,
      host: bootstrapRootHost,
      plugin: AuthPlugin.CACHING_SHA2,
      credential,
    }),
  );
  if (result.kind === 'rejected') {
    // Another process bootstrapped first: its password stands.
    if (result.code !== 'ACCOUNT_EXISTS') {
      throw new Error(`could not create the root account: ${result.reason}`);
    }
    await ensureRootGrant(control, state);
    return { kind: 'existing' };
  }
  await ensureRootGrant(control, state);
  if (givenPassword !== undefined) return { kind: 'from-env' };
  const file = join(dataDir, 'initial-root-password');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return { kind: 'generated', password, file };
}

/**
 * Grants `'root'@'%'` ALL PRIVILEGES ON *.* WITH GRANT OPTION when no account in the catalog
 * holds any grant (see `bootstrapRoot`); says whether it did. Idempotent: a grant merges.
 */
export async function ensureRootGrant(
  control: ControlClient,
  state: ControlStateCache,
): Promise<boolean> {
  const accounts = (await state.current()).catalog?.accounts ?? [];
  const root = accounts.find((a) => a.user === bootstrapRootUser && a.host === bootstrapRootHost);
  if (root === undefined || accounts.some((a) => a.grants.length > 0)) return false;
  const result = await askControlPlane('granting the root account its privileges', () =>
    control.command({
      kind: 'grant',
      user: bootstrapRootUser,
      host: bootstrapRootHost,
      database: '*',
      table: '*',
      privileges: allPrivilegesAt('global'),
      grantOption: true,
    }),
  );
  // Dropped by another process in between: nothing to grant to.
  if (result.kind === 'rejected' && result.code === 'NO_SUCH_ACCOUNT') return false;
  if (result.kind === 'rejected') {
    throw new Error(`could not grant the root account its privileges: ${result.reason}`);
  }
  return true;
}
