import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControlClient } from '@tessera/cluster';
import { AuthPlugin, sha2Credential } from '@tessera/gateway';
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
 * bootstrap does (auth/bootstrap.ts). The account lives in the control plane's catalog, so a
 * restart finds it and creates nothing.
 */
export async function bootstrapRoot(
  control: ControlClient,
  state: ControlStateCache,
  dataDir: string,
  givenPassword: string | undefined,
): Promise<RootBootstrapOutcome> {
  const snapshot = await state.current();
  if ((snapshot.catalog?.accounts ?? []).length > 0) return { kind: 'existing' };
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
    if (result.code === 'ACCOUNT_EXISTS') return { kind: 'existing' };
    throw new Error(`could not create the root account: ${result.reason}`);
  }
  if (givenPassword !== undefined) return { kind: 'from-env' };
  const file = join(dataDir, 'initial-root-password');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return { kind: 'generated', password, file };
}
